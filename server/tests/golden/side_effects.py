#!/usr/bin/env python3
"""Record (or check, with --check) side_effects.txt: what each `>` step of side_effects.steps
does on a live redis-server 7.0.15 besides replying (tests/side_effects.rs replays the same
steps against ours and compares with the transcript).
Usage: side_effects.py --port P [--check]   (a redis-server already running on P)"""
import os, socket, sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Every event class but key misses, `n` (new keys) included: `A` would leave it out.
NOTIFY = b'KEg$lshzxetdn'
# The keys the cases use: the WATCH of each step covers them all.
WATCHED = [b's', b'd', b'z', b'y', b'x', b'h', b'l', b'm', b'k', b'g', b'a', b'b']


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.buf = b''

    def _need(self, ready):
        while not ready():
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('connection closed')
            self.buf += data

    def reply(self):
        """The next reply's raw bytes."""
        pos = 0

        def line():
            nonlocal pos
            self._need(lambda: b'\r\n' in self.buf[pos:])
            end = self.buf.index(b'\r\n', pos)
            text, pos = self.buf[pos:end], end + 2
            return text

        def one():
            nonlocal pos
            head = line()
            if head[:1] == b'$' and int(head[1:]) >= 0:
                n = int(head[1:])
                self._need(lambda: len(self.buf) >= pos + n + 2)
                pos += n + 2
            elif head[:1] == b'*':
                for _ in range(max(int(head[1:]), 0)):
                    one()

        one()
        raw, self.buf = self.buf[:pos], self.buf[pos:]
        return raw

    def call(self, *args):
        self.sock.sendall(b'*%d\r\n' % len(args)
                          + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args))
        return self.reply()


# As the golden files escape reply bytes.
ESCAPES = {92: '\\\\', 13: '\\r', 10: '\\n', 9: '\\t'}


def escape(raw):
    out = ''
    for b in raw:
        if b in ESCAPES:
            out += ESCAPES[b]
        elif 32 <= b < 127:
            out += chr(b)
        else:
            out += '\\x%02x' % b
    return out


def changes(c):
    for line in c.call(b'INFO', b'persistence').split(b'\r\n'):
        if line.startswith(b'rdb_changes_since_last_save:'):
            return int(line.split(b':')[1])


def events(c, sub):
    """The notifications received since the last call, as `event <channel> <message>`."""
    c.call(b'PUBLISH', b'side-effects-sync', b'1')
    seen = []
    while True:
        parts = sub.reply().split(b'\r\n')
        # *4 $8 pmessage $n pattern $n channel $n message (or *3 $7 message ... for the sync)
        if parts[2] == b'message':
            return seen
        seen.append('event %s %s' % (escape(parts[6]), escape(parts[8])))


def main():
    port = int(sys.argv[sys.argv.index('--port') + 1])
    c, sub = Conn(port), Conn(port)
    c.call(b'CONFIG', b'SET', b'notify-keyspace-events', NOTIFY)
    sub.call(b'PSUBSCRIBE', b'__key*__:*')
    sub.call(b'SUBSCRIBE', b'side-effects-sync')
    out = []
    for text in open(os.path.join(HERE, 'side_effects.steps')).read().split('\n'):
        if not text or text.startswith('#'):
            continue
        if text.startswith('== '):
            out.append(text)
            c.call(b'FLUSHALL')
            continue
        step = text.startswith('> ')
        args = [a.encode() for a in text[2 if step else 0:].split(' ')]
        args = [b'' if a == b'""' else a for a in args]
        if not step:
            c.call(*args)
            continue
        events(c, sub)
        c.call(b'WATCH', *WATCHED)
        before = changes(c)
        reply = c.call(*args)
        writes = changes(c) - before
        c.call(b'MULTI')
        c.call(b'PING')
        watch = 'untouched' if c.call(b'EXEC') != b'*-1\r\n' else 'touched'
        out += [text, 'reply ' + escape(reply), 'writes %d' % writes, 'watch ' + watch]
        out += events(c, sub)
    c.call(b'CONFIG', b'SET', b'notify-keyspace-events', b'')
    c.call(b'FLUSHALL')
    got = '\n'.join(out) + '\n'
    path = os.path.join(HERE, 'side_effects.txt')
    if '--check' in sys.argv:
        ok = open(path).read() == got
        print('side_effects.txt', 'matches' if ok else 'DIFFERS')
        sys.exit(0 if ok else 1)
    open(path, 'w').write(got)


if __name__ == '__main__':
    main()
