#!/usr/bin/env python3
"""Fill in (or check) the expected replies of the server's differential `.cases` files
from a real redis-server (the reference is redis-server 7.0.15).

Usage:
    regen.py [--host H --port P] [--check] [FILE.cases ...]

Without --port it starts `redis-server` itself on a free loopback port (in a temporary
directory, with --save '' --appendonly no --enable-debug-command local) and stops it at the
end. Without FILE arguments it processes every *.cases file beside this script.

Default mode rewrites each file with every `-->` reply taken from the live server (`-->?`
lines, hand-written regular expressions, are kept and only checked). --check changes
nothing and exits 1, listing every step whose committed reply differs from the live
server's (or whose `-->?` pattern does not match it).

Python 3 standard library only (raw sockets). See README.md for the format.
"""

import argparse
import glob
import os
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

SETUP = [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH'], ['CONFIG', 'RESETSTAT']]
REPLY_TIMEOUT = 5.0    # a normal command that gets no full reply within this is reported
RAW_TIMEOUT = 2.0      # RAW: read at most this long ...
RAW_IDLE = 0.3         # ... or until this long without data after a complete reply


# ---------------------------------------------------------------- escaping

def escape(data):
    """Bytes -> the one-line escaped text of the .cases format."""
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
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append('\\x%02x' % b)
    return ''.join(out)


def unescape(text):
    """The escaped text of the .cases format -> bytes (also accepts \\" for a quote)."""
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
        elif e == '"':
            out.append(0x22)
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
            h = text[i + 2:i + 4]
            if len(h) != 2 or any(ch not in '0123456789abcdefABCDEF' for ch in h):
                raise ValueError('bad \\x escape in %r' % text)
            out.append(int(h, 16))
            i += 4
        else:
            raise ValueError('bad escape \\%s in %r' % (e, text))
    return bytes(out)


def split_command(text):
    """A command line -> list of argument bytes.

    Arguments are separated by spaces; each is bare (no space, quote or backslash) or
    double-quoted with the escapes of unescape().
    """
    args = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] == ' ':
            i += 1
            continue
        if text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            if j >= n:
                raise ValueError('unbalanced quote in %r' % text)
            args.append(unescape(text[i + 1:j]))
            i = j + 1
            if i < n and text[i] != ' ':
                raise ValueError('no space after a quoted argument in %r' % text)
            continue
        j = i
        while j < n and text[j] != ' ':
            if text[j] in '"\\':
                raise ValueError('quote or backslash in a bare argument in %r' % text)
            j += 1
        args.append(text[i:j].encode('latin-1'))
        i = j
    return args


def multibulk(args):
    parts = [b'*%d\r\n' % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode('utf-8')
        parts.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(parts)


# ---------------------------------------------------------------- the file format

class Step:
    def __init__(self, lineno, line, conn, raw, send):
        self.lineno = lineno      # 1-based line number of the command
        self.line = line          # the command line as written
        self.conn = conn          # connection name ('a' by default)
        self.raw = raw            # True for RAW lines
        self.send = send          # bytes to send
        self.reply_index = None   # 0-based index of the --> line in the file
        self.pattern = None       # regex text for -->? lines
        self.reply = None         # escaped text of a --> line, None for a bare -->


class Case:
    def __init__(self, name, lineno):
        self.name = name
        self.lineno = lineno
        self.steps = []


CONN_RE = re.compile(r'@([A-Za-z0-9_]+) (.*)\Z', re.S)


class CasesFile:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.cases = []

    @classmethod
    def parse(cls, path):
        f = cls(path)
        with open(path, 'rb') as fh:
            text = fh.read().decode('latin-1')
        lines = text.split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        f.lines = lines
        cur = None
        pending = None          # a Step waiting for its --> line
        names = set()

        def fail(no, msg):
            raise SystemExit('%s:%d: %s' % (path, no, msg))

        for idx, line in enumerate(lines):
            no = idx + 1
            if line.endswith('\r'):
                fail(no, 'CR at the end of the line')
            if line.startswith('=== '):
                if pending is not None:
                    fail(pending.lineno, 'command without a "-->" line')
                name = line[4:]
                if not name.strip():
                    fail(no, 'empty case name')
                if name in names:
                    fail(no, 'duplicate case name %r' % name)
                names.add(name)
                cur = Case(name, no)
                f.cases.append(cur)
                continue
            if line == '-->' or line.startswith('--> ') or line.startswith('-->? '):
                if pending is None:
                    fail(no, '"-->" line without a command')
                pending.reply_index = idx
                if line.startswith('-->? '):
                    pending.pattern = line[5:]
                    try:
                        re.compile(pending.pattern)
                    except re.error as e:
                        fail(no, 'bad regular expression: %s' % e)
                elif line.startswith('--> '):
                    pending.reply = line[4:]
                    try:
                        unescape(pending.reply)
                    except ValueError as e:
                        fail(no, str(e))
                cur.steps.append(pending)
                pending = None
                continue
            if line.startswith('-->'):
                fail(no, 'malformed "-->" line')
            if line.strip() == '' or line.startswith('#'):
                if pending is not None:
                    fail(no, 'comment or blank line between a command and its "-->" line')
                continue
            if cur is None:
                fail(no, 'expected "=== " or a comment before the first case')
            if pending is not None:
                fail(pending.lineno, 'command without a "-->" line')
            conn = 'a'
            body = line
            m = CONN_RE.match(line)
            if m:
                conn, body = m.group(1), m.group(2)
            elif line.startswith('@'):
                fail(no, 'bad connection prefix')
            try:
                if body.startswith('RAW '):
                    q = body[4:].strip()
                    if len(q) < 2 or q[0] != '"' or q[-1] != '"':
                        raise ValueError('RAW takes one double-quoted argument')
                    parts = split_command(q)
                    if len(parts) != 1:
                        raise ValueError('RAW takes one double-quoted argument')
                    pending = Step(no, line, conn, True, parts[0])
                else:
                    args = split_command(body)
                    if not args:
                        raise ValueError('empty command')
                    pending = Step(no, line, conn, False, multibulk(args))
            except ValueError as e:
                fail(no, str(e))
        if pending is not None:
            fail(pending.lineno, 'command without a "-->" line')
        for c in f.cases:
            if not c.steps:
                fail(c.lineno, 'case %r has no command' % c.name)
        return f

    def render(self):
        lines = list(self.lines)
        for c in self.cases:
            for s in c.steps:
                if s.pattern is None:
                    lines[s.reply_index] = '-->' if not s.reply else '--> ' + s.reply
        return ('\n'.join(lines) + '\n').encode('latin-1')


# ---------------------------------------------------------------- RESP

def reply_end(buf, pos=0):
    """End position of the complete RESP2/RESP3 value at buf[pos:], or None if incomplete."""
    pending = 1
    while pending:
        pending -= 1
        if pos >= len(buf):
            return None
        i = buf.find(b'\r\n', pos)
        if i < 0:
            return None
        t = buf[pos:pos + 1]
        line = buf[pos + 1:i]
        pos = i + 2
        if t in (b'+', b'-', b':', b',', b'#', b'(', b'_'):
            continue
        if t in (b'$', b'!', b'='):
            n = int(line)
            if n < 0:
                continue
            if len(buf) < pos + n + 2:
                return None
            pos += n + 2
            continue
        if t in (b'*', b'~', b'>', b'%', b'|'):
            n = int(line)
            if n < 0:
                continue
            pending += n * 2 if t in (b'%', b'|') else n
            if t == b'|':
                pending += 1
            continue
        raise ValueError('unknown RESP type byte %r in %r' % (t, buf))
    return pos


def first_reply_end(buf):
    """End of the first complete reply that is not a push (pushes before it included)."""
    pos = 0
    while True:
        end = reply_end(buf, pos)
        if end is None:
            return None
        push = buf[pos:pos + 1] == b'>'
        pos = end
        if not push:
            return pos


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setblocking(False)
        self.buf = b''
        self.closed = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.setblocking(True)
        try:
            self.sock.sendall(data)
        except OSError:
            pass      # a closed connection shows as an empty/partial reply
        finally:
            self.sock.setblocking(False)

    def _recv(self, wait):
        """Waits up to `wait` seconds for data; returns True if some arrived."""
        if self.closed:
            return False
        r, _, _ = select.select([self.sock], [], [], max(wait, 0))
        if not r:
            return False
        try:
            chunk = self.sock.recv(1 << 16)
        except BlockingIOError:
            return False
        except OSError:
            chunk = b''
        if not chunk:
            self.closed = True
            return False
        self.buf += chunk
        return True

    def reply(self):
        """One reply that is not a push (pushes before it included). Returns (bytes, ok)."""
        deadline = time.time() + REPLY_TIMEOUT
        while True:
            end = first_reply_end(self.buf)
            if end is not None:
                raw, self.buf = self.buf[:end], self.buf[end:]
                return raw, True
            if self.closed or time.time() >= deadline:
                raw, self.buf = self.buf, b''
                return raw, self.closed
            self._recv(deadline - time.time())

    def raw_reply(self):
        """Everything until close, or RAW_IDLE without data after a complete reply, or RAW_TIMEOUT."""
        deadline = time.time() + RAW_TIMEOUT
        while not self.closed:
            now = time.time()
            if now >= deadline:
                break
            if reply_end(self.buf) is not None:
                if not self._recv(min(RAW_IDLE, deadline - now)) and not self.closed:
                    break
            else:
                self._recv(deadline - now)
        raw, self.buf = self.buf, b''
        return raw

    def command(self, *args):
        self.send(multibulk(args))
        raw, ok = self.reply()
        if not ok:
            raise SystemExit('no reply to %r' % (args,))
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
    """A redis-server we start ourselves (port given: one we only connect to)."""

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
                c = Conn(self.host, self.port)
                c.command('PING')
                c.close()
                return
            except (OSError, SystemExit):
                time.sleep(0.05)
        raise SystemExit('redis-server did not answer on port %d' % self.port)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def connect(self):
        return Conn(self.host, self.port)

    def version(self):
        c = self.connect()
        info = c.command('INFO', 'server')
        c.close()
        for line in info.split(b'\r\n'):
            if line.startswith(b'redis_version:'):
                return line.split(b':', 1)[1].decode()
        return '?'

    def config(self):
        c = self.connect()
        raw = c.command('CONFIG', 'GET', '*')
        c.close()
        # A flat array of bulk strings: name, value, name, value, ...
        items = []
        pos = raw.index(b'\r\n') + 2
        while pos < len(raw):
            i = raw.index(b'\r\n', pos)
            n = int(raw[pos + 1:i])
            items.append(raw[i + 2:i + 2 + n])
            pos = i + 2 + n + 2
        return dict(zip(items[0::2], items[1::2]))


def run_case(server, case):
    """Runs one case; returns a list of (step, escaped live reply, note-or-None)."""
    setup = server.connect()
    for cmd in SETUP:
        setup.command(*cmd)
    conns = {}
    results = []
    try:
        for step in case.steps:
            c = conns.get(step.conn)
            if c is None:
                c = conns[step.conn] = server.connect()
            c.send(step.send)
            note = None
            if step.raw:
                raw = c.raw_reply()
            else:
                raw, ok = c.reply()
                if not ok:
                    note = 'no complete reply within %gs' % REPLY_TIMEOUT
            results.append((step, escape(raw), note))
    finally:
        for c in conns.values():
            c.close()
        setup.close()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=None,
                    help='use the redis-server already running there (default: start one)')
    ap.add_argument('--redis-server', default='redis-server', help='binary to start (default: redis-server)')
    ap.add_argument('--check', action='store_true',
                    help='change nothing; exit 1 listing the steps whose reply differs from the live one')
    ap.add_argument('files', nargs='*')
    opts = ap.parse_args()

    files = opts.files or sorted(glob.glob(os.path.join(HERE, '*.cases')))
    parsed = [CasesFile.parse(p) for p in files]

    server = Server(opts.host, opts.port, opts.redis_server)
    server.start()
    mismatches = []     # (file, case, step, committed, live)
    problems = []       # messages that make the run fail in both modes
    try:
        version = server.version()
        if version != '7.0.15':
            print('warning: reference is redis 7.0.15, this server is %s' % version, file=sys.stderr)
        baseline = server.config()
        for cf in parsed:
            base = os.path.basename(cf.path)
            changed = 0
            steps = 0
            for case in cf.cases:
                for step, got, note in run_case(server, case):
                    steps += 1
                    where = '%s:%d %s' % (base, step.lineno, case.name)
                    if note:
                        problems.append('%s: %s: %s' % (where, step.line, note))
                    if step.pattern is not None:
                        if not re.fullmatch(step.pattern, got):
                            problems.append('%s: %s\n    pattern: %s\n    live:    %s'
                                            % (where, step.line, step.pattern, got))
                        continue
                    if got != (step.reply or ''):
                        if opts.check:
                            mismatches.append((where, step, got))
                        else:
                            step.reply = got
                            changed += 1
                now = server.config()
                if now != baseline:
                    diff = sorted(k.decode() for k in set(now) | set(baseline) if now.get(k) != baseline.get(k))
                    problems.append('%s: %s: left the configuration changed: %s'
                                    % (base, case.name, ', '.join(diff)))
                    c = server.connect()
                    for k in diff:
                        if k.encode() in baseline:
                            c.command('CONFIG', 'SET', k, baseline[k.encode()])
                    c.close()
            if opts.check:
                print('%s: %d cases, %d commands checked' % (base, len(cf.cases), steps))
            else:
                data = cf.render()
                with open(cf.path, 'rb') as fh:
                    old = fh.read()
                if data != old:
                    with open(cf.path, 'wb') as fh:
                        fh.write(data)
                print('%s: %d cases, %d commands, %d replies updated' % (base, len(cf.cases), steps, changed))
    finally:
        server.stop()

    failed = False
    if problems:
        print('%d problem(s):' % len(problems))
        for p in problems:
            print('  ' + p)
        failed = True
    if opts.check:
        if mismatches:
            print('%d step(s) differ from the live server:' % len(mismatches))
            for where, step, got in mismatches:
                print('  %s: %s' % (where, step.line))
                print('    committed: %s' % ('(not filled in)' if step.reply is None else step.reply))
                print('    live:      %s' % got)
            failed = True
        elif not problems:
            print('all cases match the live server')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
