#!/usr/bin/env python3
"""Record (or check, with --check) notifications.resp: what a pattern subscriber receives
from a live redis-server 7.0.15 while tests/notifications.rs's command sequence runs.
Usage: notifications.py --port P [--check]   (a redis-server already running on P)"""
import os, socket, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SEQUENCE = [
    [b'SET', b'k', b'v'], [b'SET', b'k', b'w', b'EX', b'100'], [b'APPEND', b'k', b'x'],
    [b'INCR', b'n'], [b'RPUSH', b'l', b'a'], [b'LPOP', b'l'], [b'HSET', b'h', b'f', b'v'],
    [b'DEL', b'h', b'k', b'zz'], [b'RENAME', b'n', b'm'], [b'EXPIRE', b'm', b'0'],
]


def command(sock, *args):
    sock.sendall(b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args))
    time.sleep(0.05)
    return sock.recv(1 << 20)


def main():
    port = int(sys.argv[sys.argv.index('--port') + 1])
    sub = socket.create_connection(('127.0.0.1', port))
    c = socket.create_connection(('127.0.0.1', port))
    command(c, b'SELECT', b'3')
    command(c, b'FLUSHDB')
    command(c, b'CONFIG', b'SET', b'notify-keyspace-events', b'KEA')
    command(sub, b'PSUBSCRIBE', b'__key*@3__:*')
    for args in SEQUENCE:
        command(c, *args)
    time.sleep(0.1)
    got = sub.recv(1 << 20)
    command(c, b'CONFIG', b'SET', b'notify-keyspace-events', b'')
    path = os.path.join(HERE, 'notifications.resp')
    if '--check' in sys.argv:
        ok = open(path, 'rb').read() == got
        print('notifications.resp', 'matches' if ok else 'DIFFERS')
        sys.exit(0 if ok else 1)
    open(path, 'wb').write(got)


if __name__ == '__main__':
    main()
