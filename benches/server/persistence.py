#!/usr/bin/env python3
"""Persistence speed, luredis against redis-server, side by side.

Usage: benches/server/persistence.py [--keys N] [--rounds R] [--luredis PATH]

For each round, both servers get the same N small keys (strings, and a tenth as many small
hashes), then:
- SAVE: the time the SAVE command takes (client side);
- load: the time from starting a server on that dump.rdb to its first reply;
- SET throughput with `appendonly yes`, `appendfsync everysec` (redis-benchmark, 50 clients,
  -P 16).
Best of the rounds for each, and the ratio ours / reference (below 1 is faster for times,
above 1 is faster for throughput). Build first: `cargo build --release -p server`.
"""
import argparse, os, shutil, sys, tempfile, time

from servers import LUREDIS, bench, call, command, free_port, send_all, start


def dataset(n):
    strings = [command('SET', 'key:%d' % i, 'value-%d' % i) for i in range(n)]
    hashes = [command('HSET', 'h:%d' % i, 'name', 'user%d' % i, 'age', i % 90, 'city', 'paris')
              for i in range(n // 10)]
    return strings + hashes


def server_cmd(binary, port, workdir, extra=()):
    return [binary, '--port', str(port), '--dir', workdir, '--save', ''] + list(extra)


def save_and_load(binary, commands, workdir):
    """(SAVE seconds, load seconds) for one server binary."""
    port = free_port()
    proc = start(server_cmd(binary, port, workdir, ['--appendonly', 'no']), port)
    try:
        send_all(port, commands)
        t = time.perf_counter()
        reply = call(port, 'SAVE')
        save = time.perf_counter() - t
        if reply != b'+OK':
            sys.exit('SAVE failed: %r' % reply)
    finally:
        proc.terminate()
        proc.wait()
    port = free_port()
    t = time.perf_counter()
    proc = start(server_cmd(binary, port, workdir, ['--appendonly', 'no']), port, timeout=300)
    # redis-server accepts connections while it loads and answers -LOADING meanwhile.
    while call(port, 'PING') != b'+PONG':
        time.sleep(0.002)
    load = time.perf_counter() - t
    try:
        keys = call(port, 'DBSIZE')
    finally:
        proc.terminate()
        proc.wait()
    expected = b':%d' % len(commands)
    if keys != expected:
        sys.exit('%s loaded %r keys, expected %r' % (binary, keys, expected))
    return save, load


def aof_set_throughput(binary, workdir, requests):
    port = free_port()
    proc = start(server_cmd(binary, port, workdir, ['--appendonly', 'yes', '--appendfsync', 'everysec']), port)
    try:
        rows = bench(port, 'set', 16, requests)
    finally:
        proc.terminate()
        proc.wait()
    return rows.get('SET', (0.0, 0.0))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keys', type=int, default=1000000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--requests', type=int, default=1000000)
    ap.add_argument('--luredis', default=LUREDIS)
    a = ap.parse_args()
    if not shutil.which('redis-server') or not shutil.which('redis-benchmark'):
        sys.exit('redis-server and redis-benchmark needed: apt-get install -y redis-server redis-tools')
    commands = dataset(a.keys)
    best = {}
    for _ in range(a.rounds):
        for label, binary in (('ref', 'redis-server'), ('ours', a.luredis)):
            work = tempfile.mkdtemp()
            try:
                save, load = save_and_load(binary, commands, work)
                shutil.rmtree(work)
                os.mkdir(work)
                rps = aof_set_throughput(binary, work, a.requests)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            b = best.setdefault(label, {'save': save, 'load': load, 'aof': rps})
            b['save'], b['load'], b['aof'] = min(b['save'], save), min(b['load'], load), max(b['aof'], rps)
    r, o = best['ref'], best['ours']
    n = len(commands)
    print('| %d keys, best of %d | redis-server | luredis | ratio ours / redis |' % (n, a.rounds))
    print('| :-- | --: | --: | --: |')
    print('| SAVE (s) | %.3f | %.3f | %.2f |' % (r['save'], o['save'], o['save'] / r['save']))
    print('| load at start (s) | %.3f | %.3f | %.2f |' % (r['load'], o['load'], o['load'] / r['load']))
    print('| SET/s, appendonly everysec, -P 16 | %.0f | %.0f | %.2f |' % (r['aof'], o['aof'], o['aof'] / r['aof']))


if __name__ == '__main__':
    main()
