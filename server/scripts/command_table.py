#!/usr/bin/env python3
"""Write server/src/commands/table.txt from a live redis-server's `COMMAND` reply, and
command_info.resp3 / command_docs.resp3 beside it: the RESP3 replies of `COMMAND INFO` and
`COMMAND DOCS` (entries sorted by name, so the files only change when the reference does),
which the server answers COMMAND INFO/DOCS and COMMAND GETKEYS (key specs) from.

Usage: command_table.py [--port P]   (default: starts redis-server on a free port)

Each line: name arity first-key last-key key-step flags categories
(flags and categories comma separated, `-` when empty; subcommands as `parent|sub`).
The table is the server's policy data: arity, flags and key positions of every command,
as the reference declares them. Python 3 standard library only.
"""
import argparse, os, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'src', 'commands', 'table.txt')
INFO_OUT = os.path.join(HERE, '..', 'src', 'commands', 'command_info.resp3')
DOCS_OUT = os.path.join(HERE, '..', 'src', 'commands', 'command_docs.resp3')


def read_raw(f):
    """One RESP3 reply as (tag, payload): bytes for scalars, a list for aggregates."""
    line = f.readline()
    t, rest = line[:1], line[1:-2]
    if t in (b'$', b'=', b'!'):
        n = int(rest)
        return (t, None if n < 0 else f.read(n + 2)[:-2])
    if t in (b'*', b'~', b'>'):
        n = int(rest)
        return (t, [read_raw(f) for _ in range(n)] if n >= 0 else None)
    if t in (b'%', b'|'):
        n = int(rest)
        return (t, [read_raw(f) for _ in range(2 * n)])
    return (t, rest)


def write_raw(node, out):
    t, p = node
    if t in (b'$', b'=', b'!'):
        out += t + (b'-1\r\n' if p is None else b'%d\r\n' % len(p) + p + b'\r\n')
    elif t in (b'*', b'~', b'>', b'%', b'|'):
        n = len(p) // 2 if t in (b'%', b'|') else len(p)
        out += t + b'%d\r\n' % n
        for item in p:
            write_raw(item, out)
    else:
        out += t + p + b'\r\n'


def sorted_info(node):
    """COMMAND INFO entries (and their subcommands) by name."""
    t, entries = node
    for e in entries:
        subs = e[1][9]
        e[1][9] = sorted_info(subs)
    return (t, sorted(entries, key=lambda e: e[1][0][1]))


def sorted_docs(node):
    """COMMAND DOCS pairs (and each doc's subcommands) by name."""
    t, flat = node
    pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    for _, doc in pairs:
        fields = doc[1]
        for i in range(0, len(fields), 2):
            if fields[i][1] == b'subcommands':
                fields[i + 1] = sorted_docs(fields[i + 1])
    pairs.sort(key=lambda kv: kv[0][1])
    return (t, [x for kv in pairs for x in kv])


def fetch_raw(port, *args):
    sock = socket.create_connection(('127.0.0.1', port))
    f = sock.makefile('rb')
    req = b'*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n'
    req += b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args)
    sock.sendall(req)
    read_raw(f)
    reply = read_raw(f)
    sock.close()
    return reply


def read_reply(f):
    line = f.readline()
    t, rest = line[:1], line[1:-2]
    if t in b'+-':
        return rest.decode()
    if t == b':':
        return int(rest)
    if t == b'$':
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if t in b'*~':
        n = int(rest)
        return [read_reply(f) for _ in range(n)] if n >= 0 else None
    if t == b'%':
        n = int(rest)
        return [read_reply(f) for _ in range(2 * n)]
    raise ValueError(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int)
    a = ap.parse_args()
    proc = None
    port = a.port
    if port is None:
        s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
        d = tempfile.mkdtemp()
        proc = subprocess.Popen(['redis-server', '--port', str(port), '--save', '',
                                 '--appendonly', 'no', '--dir', d], stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', port)).close(); break
            except OSError:
                time.sleep(0.05)
    try:
        sock = socket.create_connection(('127.0.0.1', port))
        f = sock.makefile('rb')
        sock.sendall(b'*1\r\n$7\r\nCOMMAND\r\n')
        reply = read_reply(f)
        info = sorted_info(fetch_raw(port, b'COMMAND', b'INFO'))
        docs = sorted_docs(fetch_raw(port, b'COMMAND', b'DOCS'))
    finally:
        if proc:
            proc.terminate(); proc.wait()
    lines = []

    def emit(c):
        name, arity, flags, first, last, step, cats = c[:7]
        lines.append('%s %d %d %d %d %s %s' % (
            name, arity, first, last, step, ','.join(flags) or '-',
            ','.join(x.lstrip('@') for x in cats) or '-'))
        subs = c[9] if len(c) > 9 and c[9] else []
        for sub in sorted(subs, key=lambda s: s[0]):
            emit(sub)

    for c in sorted(reply, key=lambda c: c[0]):
        emit(c)
    with open(OUT, 'w') as out:
        out.write('# Generated by server/scripts/command_table.py from redis-server 7.0.15 `COMMAND`.\n')
        out.write('# name arity first-key last-key key-step flags categories\n')
        out.write('\n'.join(lines) + '\n')
    for node, path in ((info, INFO_OUT), (docs, DOCS_OUT)):
        raw = bytearray()
        write_raw(node, raw)
        with open(path, 'wb') as out:
            out.write(raw)
    print('%d commands written to %s (and COMMAND INFO/DOCS beside it)' % (len(lines), OUT))


if __name__ == '__main__':
    main()
