#!/usr/bin/env python3
"""Soak: the server under mixed load for a while, with script and function churn and clients
that vanish mid-reply, its memory sampled every second, and its data checked against a model.

    python3 benches/server/soak.py [--seconds 60] [--binary target/release/luredis]

Load, all at once:
- redis-benchmark, looping: GET/SET/INCR/LPUSH/RPOP/LPOP on 10,000 random keys (50 clients)
  and EVALSHA of a script that INCRs a random key (10 clients);
- churn, from this script: SCRIPT FLUSH then SCRIPT LOAD again, SCRIPT KILL (answered NOTBUSY),
  FUNCTION LOAD/DELETE of a library, every 200 ms;
- clients that ask for a long LRANGE and close before reading it, every 50 ms;
- a model writer: INCRBY and RPUSH/LTRIM on keys of its own, remembering what it wrote.

At the end: RSS after warm-up (10 s) and at the end, the growth, the error replies the churn
and the model writer saw that were not expected, and whether the model's keys hold exactly what
was written. Exit status 1 when RSS grew more than 10% after warm-up, an unexpected error came
back, or the model differs.
"""
import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import LUREDIS, command, free_port, start  # noqa: E402

SCRIPT = "return redis.call('INCR', KEYS[1])"
LIBRARY = ("#!lua name=soaklib\n"
           "redis.register_function('soakf', function(keys, args) return #keys end)")


class Conn:
    """A blocking RESP connection reading one reply per command."""

    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port))
        self.s.settimeout(30)
        self.buf = b''

    def call(self, *args):
        self.s.sendall(command(*args))
        return self.reply()

    def _line(self):
        while b'\r\n' not in self.buf:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise ConnectionError('closed')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.s.recv(1 << 16)
                if not chunk:
                    raise ConnectionError('closed')
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        if kind == b':':
            return int(rest)
        if kind == b'-':
            return RuntimeError(rest.decode())
        return rest.decode()


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seconds', type=int, default=60)
    ap.add_argument('--binary', default=LUREDIS)
    ap.add_argument('--warmup', type=int, default=10)
    opts = ap.parse_args()
    if not os.path.exists(opts.binary):
        sys.exit('no server binary at %s (cargo build --release -p server)' % opts.binary)

    port = free_port()
    server = start([opts.binary, '--port', str(port), '--save', '', '--appendonly', 'no'], port)
    stop = threading.Event()
    unexpected = []
    lock = threading.Lock()

    def note(what):
        with lock:
            unexpected.append(what)

    admin = Conn(port)
    sha = admin.call('SCRIPT', 'LOAD', SCRIPT)
    admin.call('DEL', 'soak:big')
    for _ in range(10):
        admin.call('RPUSH', 'soak:big', *['x' * 100] * 1000)

    benches = [
        # Rounds of 100,000 requests per test; each round's pops undo its pushes, so the data
        # stays bounded and RSS growth means a leak.
        subprocess.Popen(['redis-benchmark', '-p', str(port), '-c', '50', '-r', '10000',
                          '-n', '100000', '-l', '-q', '-t', 'get,set,incr,lpush,rpop,lpop'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen(['redis-benchmark', '-p', str(port), '-c', '10', '-r', '10000',
                          '-n', '100000000', '-l', '-q',
                          'EVALSHA', sha.decode(), '1', 'soak:script:__rand_int__'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]

    def churn():
        c = Conn(port)
        while not stop.is_set():
            for args, ok in [
                (('SCRIPT', 'FLUSH'), lambda r: r == 'OK'),
                (('SCRIPT', 'LOAD', SCRIPT), lambda r: r == sha),
                (('SCRIPT', 'KILL'), lambda r: isinstance(r, RuntimeError) and 'NOTBUSY' in str(r)),
                (('FUNCTION', 'LOAD', 'REPLACE', LIBRARY), lambda r: r == b'soaklib'),
                (('FCALL', 'soakf', '2', 'a', 'b'), lambda r: r == 2),
                (('FUNCTION', 'DELETE', 'soaklib'), lambda r: r == 'OK'),
            ]:
                r = c.call(*args)
                if not ok(r):
                    note('%s -> %r' % (' '.join(args[:2]), r))
            time.sleep(0.2)

    def vanishing():
        while not stop.is_set():
            s = socket.create_connection(('127.0.0.1', port))
            s.sendall(command('LRANGE', 'soak:big', '0', '-1'))
            s.close()
            time.sleep(0.05)

    model = {}
    model_list = []

    def model_writer():
        c = Conn(port)
        rng = random.Random(7)
        while not stop.is_set():
            key = 'soak:model:%d' % rng.randrange(1000)
            by = rng.randrange(1, 100)
            r = c.call('INCRBY', key, by)
            if isinstance(r, RuntimeError):
                note('INCRBY -> %s' % r)
            else:
                model[key] = model.get(key, 0) + by
            item = str(rng.randrange(10 ** 9))
            r = c.call('RPUSH', 'soak:model:list', item)
            if isinstance(r, RuntimeError):
                note('RPUSH -> %s' % r)
            else:
                model_list.append(item.encode())
            # Keep the last 1000 items, in the server and in the model.
            r = c.call('LTRIM', 'soak:model:list', '-1000', '-1')
            if r != 'OK':
                note('LTRIM -> %r' % r)
            del model_list[:-1000]

    threads = [threading.Thread(target=f, daemon=True) for f in (churn, vanishing, model_writer)]
    for t in threads:
        t.start()
    samples = []
    keys = []
    probe = Conn(port)
    started = time.time()
    while time.time() - started < opts.seconds:
        time.sleep(1)
        samples.append(rss_kb(server.pid))
        keys.append(probe.call('DBSIZE'))
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for b in benches:
        b.terminate()
        b.wait()

    check = Conn(port)
    wrong = [k for k, v in model.items() if int(check.call('GET', k)) != v]
    stored_list = check.call('LRANGE', 'soak:model:list', '0', '-1')
    list_ok = stored_list == model_list
    alive = check.call('PING') == 'PONG'
    server.terminate()
    server.wait()

    warm = samples[min(opts.warmup, len(samples)) - 1]
    end = samples[-1]
    peak = max(samples[opts.warmup - 1:]) if len(samples) >= opts.warmup else max(samples)
    growth = (end - warm) / warm * 100 if warm else 0.0
    print('soak: %d s, RSS after %d s warm-up %.1f MB, at the end %.1f MB (%+.1f%%), peak after '
          'warm-up %.1f MB' % (opts.seconds, opts.warmup, warm / 1024, end / 1024, growth,
                               peak / 1024))
    print('keys after warm-up %d, at the end %d' % (keys[min(opts.warmup, len(keys)) - 1],
                                                      keys[-1]))
    print('model: %d counters, %d list items; %s; list %s; server answering: %s' % (
        len(model), len(model_list),
        'all counters match' if not wrong else '%d counters differ' % len(wrong),
        'matches' if list_ok else 'differs', alive))
    print('unexpected replies: %d' % len(unexpected))
    for u in unexpected[:10]:
        print('  ' + u)
    failed = growth > 10 or unexpected or wrong or not list_ok or not alive
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
