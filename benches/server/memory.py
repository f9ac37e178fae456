#!/usr/bin/env python3
"""Memory of many strings and small collections, luredis against redis-server, side by side.

Usage: benches/server/memory.py [--keys N] [--only LOADS] [--luredis PATH]

Starts redis-server (from PATH) and our release `luredis` on free loopback ports, loads the
same data into each through one pipelined connection, and reports `used_memory` (INFO) and
the resident set size (/proc) after each load, with the ratio ours / reference. Loads, each
into a fresh pair of servers (`--only a,b` picks some): N strings (14-byte keys, 10-byte values),
the same with a TTL each, N small hashes (5 fields), N small sets (5 integers and 5 words), N
small sorted sets (5 members). Build first: `cargo build --release -p server`.
"""
import argparse, os, shutil, socket, sys, tempfile, time

from servers import ROOT, command, free_port, send_all, start


def info_field(port, name):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(command('INFO', 'memory'))
    time.sleep(0.2)
    text = s.recv(1 << 16).decode(errors='replace')
    s.close()
    for line in text.split('\r\n'):
        if line.startswith(name + ':'):
            return int(line.split(':')[1])
    return 0


def rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


LOADS = {
    # Keys of 14 bytes with 10-byte values, without and with a TTL.
    'strings': lambda i: command('SET', 'key:%010d' % i, 'val:%06d' % (i % 1000000)),
    'strings with TTL': lambda i: command('SET', 'key:%010d' % i, 'val:%06d' % (i % 1000000),
                                          'EX', 100000),
    'hashes': lambda i: command('HSET', 'h:%d' % i, 'name', 'user%d' % i, 'age', i % 90,
                                'city', 'paris', 'score', i % 1000, 'active', 1),
    'sets': lambda i: command('SADD', 's:%d' % i, 1, 2, 3, i % 100, i, 'a', 'b', 'c', 'd', 'e'),
    'zsets': lambda i: command('ZADD', 'z:%d' % i, 1, 'a', 2, 'b', 3, 'c', i % 50, 'd', i, 'e'),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keys', type=int, default=1000000)
    ap.add_argument('--only', default='', help='comma-separated loads (default: all)')
    ap.add_argument('--luredis', default=os.path.join(ROOT, 'target', 'release', 'luredis'))
    a = ap.parse_args()
    if not shutil.which('redis-server'):
        sys.exit('redis-server not found: apt-get install -y redis-server')
    tmp = tempfile.mkdtemp()
    print('| load (%d keys) | redis-server used / RSS MB | luredis used / RSS MB | ratio used, RSS |'
          % a.keys)
    print('| :-- | --: | --: | --: |')
    only = [n for n in a.only.split(',') if n]
    for name, make in LOADS.items():
        if only and name not in only:
            continue
        commands = [make(i) for i in range(a.keys)]
        figures = {}
        # Fresh servers for each load, so one load's freed memory does not count in the next.
        ref_port, our_port = free_port(), free_port()
        ref = start(['redis-server', '--port', str(ref_port), '--save', '', '--appendonly',
                     'no', '--dir', tmp], ref_port)
        ours = start([a.luredis, '--port', str(our_port), '--save', ''], our_port)
        try:
            for label, port, proc in (('ref', ref_port, ref), ('ours', our_port, ours)):
                send_all(port, commands)
                time.sleep(0.5)
                figures[label] = (info_field(port, 'used_memory'), rss(proc.pid))
        finally:
            ref.terminate()
            ours.terminate()
        (ru, rr), (ou, orr) = figures['ref'], figures['ours']
        print('| %s | %.1f / %.1f | %.1f / %.1f | %.2f, %.2f |' % (
            name, ru / 1e6, rr / 1e6, ou / 1e6, orr / 1e6, ou / ru, orr / rr))


if __name__ == '__main__':
    main()
