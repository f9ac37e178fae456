#!/usr/bin/env python3
"""Fill in (or check) the expected replies of the Redis scripting `.cases` files
from a real redis-server (the reference is redis-server 7.0.15).

Usage:
    regen.py [--host H --port P] [--check] [FILE.cases ...]

Without --port it starts `redis-server` itself on a free loopback port (and
restarts it after a case that crashes it) and stops it at the end. Without
FILE arguments it processes every *.cases file beside this script.

Default mode rewrites each file with every case's reply taken from the live
server. --check changes nothing and exits 1, listing every case whose
committed reply differs from the live server's.

Python 3 standard library only (raw sockets).
"""

import argparse
import glob
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DB = 9


# ---------------------------------------------------------------- escaping

def escape(data, space=False):
    """Bytes -> the one-line escaped text of the .cases format.

    With space=True a space is written as \\x20 (keys/args are space separated).
    """
    out = []
    for b in data:
        if b == 0x5C:
            out.append('\\\\')
        elif b == 0x0D:
            out.append('\\r')
        elif b == 0x0A:
            out.append('\\n')
        elif b == 0x09:
            out.append('\\t')
        elif b == 0x20 and space:
            out.append('\\x20')
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append('\\x%02x' % b)
    return ''.join(out)


def unescape(text):
    """The escaped text of the .cases format -> bytes."""
    out = bytearray()
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c != '\\':
            out += c.encode('latin-1')
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError('dangling backslash in %r' % text)
        e = text[i + 1]
        if e == '\\':
            out.append(0x5C)
            i += 2
        elif e == 'r':
            out.append(0x0D)
            i += 2
        elif e == 'n':
            out.append(0x0A)
            i += 2
        elif e == 't':
            out.append(0x09)
            i += 2
        elif e == 'x':
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError('bad escape \\%s in %r' % (e, text))
    return bytes(out)


# ---------------------------------------------------------------- the file format

class Case:
    def __init__(self, name, lineno):
        self.name = name
        self.lineno = lineno
        self.keys = None      # list of bytes, or None when there is no header
        self.args = None
        self.resp3 = False
        self.header_order = []  # header names in file order, kept on rewrite
        self.script = []      # list of bytes lines
        self.reply = None     # escaped text (str) or None when not filled yet
        self.after = []       # comment lines that follow the --> line

    def script_bytes(self):
        return b'\n'.join(self.script)


class CasesFile:
    def __init__(self, path):
        self.path = path
        self.preamble = []
        self.cases = []

    @classmethod
    def parse(cls, path):
        f = cls(path)
        with open(path, 'rb') as fh:
            data = fh.read()
        lines = data.split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        state = 'outside'
        cur = None
        names = set()
        for no, line in enumerate(lines, 1):
            if state == 'outside':
                if line.startswith(b'=== '):
                    name = line[4:].decode('utf-8')
                    if name in names:
                        raise SystemExit('%s:%d: duplicate case name %r' % (path, no, name))
                    names.add(name)
                    cur = Case(name, no)
                    f.cases.append(cur)
                    state = 'header'
                elif line.startswith(b'#') or line.strip() == b'':
                    (cur.after if cur else f.preamble).append(line)
                else:
                    raise SystemExit('%s:%d: expected "=== " or a comment, got %r' % (path, no, line))
                continue
            if state == 'header' and line.startswith(b'--- '):
                words = line[4:].decode('latin-1').split(' ')
                kind = words[0]
                if kind in ('keys', 'args'):
                    vals = [unescape(w) for w in words[1:] if w != '']
                    setattr(cur, kind, vals)
                elif kind == 'resp3' and len(words) == 1:
                    cur.resp3 = True
                else:
                    raise SystemExit('%s:%d: unknown header %r' % (path, no, line))
                cur.header_order.append(kind)
                continue
            state = 'script'
            if line == b'-->' or line.startswith(b'--> '):
                if not cur.script:
                    raise SystemExit('%s:%d: case %r has no script' % (path, no, cur.name))
                cur.reply = line[4:].decode('latin-1') if line != b'-->' else None
                if cur.reply == '':
                    cur.reply = None
                state = 'outside'
                continue
            cur.script.append(line)
        if state != 'outside':
            raise SystemExit('%s: case %r has no "-->" line' % (path, cur.name))
        return f

    def render(self):
        out = []
        out.extend(self.preamble)
        for c in self.cases:
            out.append(b'=== ' + c.name.encode('utf-8'))
            for h in c.header_order:
                if h == 'resp3':
                    out.append(b'--- resp3')
                else:
                    vals = getattr(c, h)
                    out.append(('--- %s%s' % (h, ''.join(' ' + escape(v, space=True) for v in vals))).encode('latin-1'))
            out.extend(c.script)
            out.append(('-->' if c.reply is None else '--> ' + c.reply).encode('latin-1'))
            out.extend(c.after)
        return b'\n'.join(out) + b'\n'


# ---------------------------------------------------------------- RESP

class Closed(Exception):
    pass


class Conn:
    def __init__(self, host, port, timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, *args):
        parts = [b'*%d\r\n' % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode('utf-8')
            elif isinstance(a, int):
                a = str(a).encode()
            parts.append(b'$%d\r\n%s\r\n' % (len(a), a))
        try:
            self.sock.sendall(b''.join(parts))
        except OSError as e:
            raise Closed(str(e))

    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except (ConnectionResetError, BrokenPipeError) as e:
            raise Closed(str(e))
        if not chunk:
            raise Closed('connection closed')
        self.buf += chunk

    def _line(self, pos):
        """Returns (line without CRLF, position after CRLF)."""
        while True:
            i = self.buf.find(b'\r\n', pos)
            if i >= 0:
                return self.buf[pos:i], i + 2
            self._fill()

    def _need(self, end):
        while len(self.buf) < end:
            self._fill()

    def _value(self, pos):
        """Parses one RESP2/RESP3 value starting at pos; returns the position after it.

        Iterative (an explicit count of values still to read), so replies nested
        thousands of levels deep parse fine.
        """
        pending = 1            # values still to read at this point
        while pending:
            pending -= 1
            self._need(pos + 1)
            t = self.buf[pos:pos + 1]
            line, pos = self._line(pos + 1)
            if t in (b'+', b'-', b':', b',', b'#', b'(', b'_'):
                continue
            if t in (b'$', b'!', b'='):
                n = int(line)
                if n < 0:          # RESP2 null bulk
                    continue
                self._need(pos + n + 2)
                if self.buf[pos + n:pos + n + 2] != b'\r\n':
                    raise ValueError('bad bulk terminator')
                pos += n + 2
                continue
            if t in (b'*', b'~', b'>', b'%', b'|'):
                n = int(line)
                if n < 0:          # RESP2 null array
                    continue
                pending += n * 2 if t in (b'%', b'|') else n
                if t == b'|':      # an attribute precedes the value it describes
                    pending += 1
                continue
            raise ValueError('unknown RESP type byte %r' % t)
        return pos

    def reply(self):
        """Reads exactly one full reply and returns its raw bytes."""
        end = self._value(0)
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw


# ---------------------------------------------------------------- the server

def free_port():
    for _ in range(200):
        port = random.randint(20000, 60000)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            continue
        finally:
            s.close()
        return port
    raise SystemExit('no free port found')


class Server:
    """A redis-server we start ourselves (host/port given: one we only connect to)."""

    def __init__(self, host, port, binary):
        self.host = host
        self.port = port
        self.binary = binary
        self.proc = None
        self.dir = None
        self.owned = port is None

    def start(self):
        if not self.owned:
            return
        exe = shutil.which(self.binary)
        if not exe:
            raise SystemExit('%s not found (apt-get install redis-server)' % self.binary)
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix='regen-redis-')
        self.port = free_port()
        self.host = '127.0.0.1'
        self.proc = subprocess.Popen(
            [exe, '--port', str(self.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
             '--enable-debug-command', 'local', '--daemonize', 'no', '--dir', self.dir,
             '--logfile', os.path.join(self.dir, 'redis.log')],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit('redis-server exited at start (see %s)' % self.dir)
            try:
                c = Conn(self.host, self.port, timeout=2)
                c.send('PING')
                c.reply()
                c.close()
                return
            except (OSError, Closed):
                time.sleep(0.05)
        raise SystemExit('redis-server did not answer on port %d' % self.port)

    def alive(self):
        if self.owned:
            if self.proc is None or self.proc.poll() is not None:
                return False
        try:
            c = Conn(self.host, self.port, timeout=5)
            c.send('PING')
            ok = c.reply().startswith(b'+PONG')
            c.close()
            return ok
        except (OSError, Closed, ValueError):
            return False

    def restart(self):
        if not self.owned:
            raise SystemExit('the server at %s:%d crashed; restart it and run again' % (self.host, self.port))
        self.stop(keep_dir=True)
        self.start()

    def stop(self, keep_dir=False):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if not keep_dir and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def version(self):
        c = Conn(self.host, self.port)
        c.send('INFO', 'server')
        info = c.reply()
        c.close()
        for line in info.split(b'\r\n'):
            if line.startswith(b'redis_version:'):
                return line.split(b':', 1)[1].decode()
        return '?'


def run_case(server, case):
    """Runs one case on a fresh connection; returns the escaped reply, or 'CRASH'."""
    c = Conn(server.host, server.port)
    try:
        # Fresh state for every case: database 9, no keys, a new Lua VM (SCRIPT FLUSH
        # recreates it, so globals/metatables a case changes never leak into the next).
        c.send('SELECT', str(DB))
        c.send('FLUSHALL')
        c.send('SCRIPT', 'FLUSH', 'SYNC')
        for _ in range(3):
            r = c.reply()
            if not r.startswith(b'+OK'):
                raise SystemExit('setup failed for %r: %r' % (case.name, r))
        if case.resp3:
            c.send('HELLO', '3')
            c.reply()
        keys = case.keys or []
        args = case.args or []
        c.send(b'EVAL', case.script_bytes(), str(len(keys)), *keys, *args)
        try:
            raw = c.reply()
        except (Closed, socket.timeout):
            raw = None
    finally:
        c.close()
    if raw is None:
        time.sleep(0.2)
        if server.alive():
            raise SystemExit('case %r: connection lost but the server is alive' % case.name)
        server.restart()
        return 'CRASH'
    return escape(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=None,
                    help='use the redis-server already running there (default: start one)')
    ap.add_argument('--redis-server', default='redis-server', help='binary to start (default: redis-server)')
    ap.add_argument('--check', action='store_true',
                    help='change nothing; exit 1 listing the cases whose reply differs from the live one')
    ap.add_argument('files', nargs='*')
    opts = ap.parse_args()

    files = opts.files or sorted(glob.glob(os.path.join(HERE, '*.cases')))
    parsed = [CasesFile.parse(p) for p in files]

    server = Server(opts.host, opts.port, opts.redis_server)
    server.start()
    mismatches = []
    crashes = []
    try:
        version = server.version()
        if version != '7.0.15':
            print('warning: reference is redis 7.0.15, this server is %s' % version, file=sys.stderr)
        for cf in parsed:
            changed = 0
            for case in cf.cases:
                got = run_case(server, case)
                if got == 'CRASH':
                    crashes.append('%s: %s' % (os.path.basename(cf.path), case.name))
                if got != case.reply:
                    if opts.check:
                        mismatches.append((cf.path, case, got))
                    else:
                        case.reply = got
                        changed += 1
            if opts.check:
                print('%s: %d cases checked' % (os.path.basename(cf.path), len(cf.cases)))
            else:
                data = cf.render()
                with open(cf.path, 'rb') as fh:
                    old = fh.read()
                if data != old:
                    with open(cf.path, 'wb') as fh:
                        fh.write(data)
                print('%s: %d cases, %d replies updated' % (os.path.basename(cf.path), len(cf.cases), changed))
    finally:
        server.stop()

    if crashes:
        print('cases that crash the server (recorded as CRASH):')
        for c in crashes:
            print('  ' + c)
    if opts.check:
        if mismatches:
            print('%d case(s) differ from the live server:' % len(mismatches))
            for path, case, got in mismatches:
                print('  %s:%d %s' % (os.path.basename(path), case.lineno, case.name))
                print('    committed: %s' % case.reply)
                print('    live:      %s' % got)
            sys.exit(1)
        print('all cases match the live server')


if __name__ == '__main__':
    main()
