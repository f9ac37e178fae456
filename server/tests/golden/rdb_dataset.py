#!/usr/bin/env python3
"""Record the persistence goldens: build a dataset in a fresh redis-server 7.0.15 (every type
and encoding, expiry times, several databases, function libraries), SAVE it as
redis-7.0.15.rdb, then record the raw replies to the read commands of rdb_readback.txt as
rdb_readback.resp. The same dataset built in a redis-server with appendonly yes gives the
append-only folder aof-7.0.15/, which must read back the same. rdb_dataset.resp holds the
dataset's commands in RESP form.
tests/persistence.rs loads both into our server and expects the same replies.

Usage: rdb_dataset.py [--check]   (starts its own redis-server on a free port)"""
import os, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
LONG = b'v' * 70
# Two libraries of one function each: FUNCTION LIST's order within a server is a hash table's.
LIBRARIES = [
    b"#!lua name=golden\nredis.register_function('hello', function(keys, args) return 'hello ' .. (args[1] or '') end)",
    b"#!lua name=golden_ro\nredis.register_function{function_name='ro', callback=function() return 1 end, flags={'no-writes'}, description='read only'}",
]
DATASET = [
    [b'SET', b's:short', b'hello'],
    [b'SET', b's:int', b'12345'],
    [b'SET', b's:bigint', b'9876543210'],
    [b'SET', b's:long', b'a' * 100],
    [b'SET', b's:bin', b'\x00\x01\xff'],
    [b'SET', b's:ttl', b'expiring'],
    [b'PEXPIREAT', b's:ttl', b'99999999999999'],
    [b'RPUSH', b'l:small', b'a', b'b', b'300', b'-5', b'70000'],
    [b'EVAL', b"for i=1,1500 do redis.call('rpush', KEYS[1], 'element' .. i) end", b'1', b'l:big'],
    [b'HSET', b'h:small', b'a', b'1', b'b', b'two'],
    [b'HSET', b'h:table', b'f', LONG, b'g', b'x'],
    [b'SADD', b'set:ints', b'1', b'2', b'3', b'-100000'],
    [b'SADD', b'set:table', b'x', b'y', b'z'],
    [b'ZADD', b'z:small', b'1.5', b'a', b'2', b'b', b'-inf', b'c'],
    [b'ZADD', b'z:skiplist', b'1', LONG, b'2.5', b'm'],
    [b'XADD', b'x', b'1-1', b'f', b'v', b'g', b'w'],
    [b'XADD', b'x', b'1-2', b'f', b'v2', b'g', b'w2'],
    [b'XADD', b'x', b'2-0', b'other', b'1'],
    [b'XADD', b'x', b'3-0', b'f', b'v3', b'g', b'w3'],
    [b'XDEL', b'x', b'2-0'],
    [b'XGROUP', b'CREATE', b'x', b'grp', b'0'],
    [b'XREADGROUP', b'GROUP', b'grp', b'alice', b'COUNT', b'2', b'STREAMS', b'x', b'>'],
    [b'XGROUP', b'CREATE', b'x', b'late', b'$'],
    [b'FUNCTION', b'LOAD', LIBRARIES[0]],
    [b'FUNCTION', b'LOAD', LIBRARIES[1]],
    [b'SELECT', b'3'],
    [b'SET', b'in3', b'three'],
    [b'HSET', b'h3', b'k', b'v'],
    [b'SELECT', b'0'],
]


def encode(args):
    return b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args)


def read_reply(sock, buf):
    """One complete RESP2 reply from buf + the socket: (reply bytes, rest)."""
    while True:
        end = reply_end(buf, 0)
        if end is not None:
            return buf[:end], buf[end:]
        data = sock.recv(1 << 16)
        if not data:
            raise RuntimeError('connection closed')
        buf += data


def reply_end(buf, pos):
    line = buf.find(b'\r\n', pos)
    if line < 0:
        return None
    kind, rest = buf[pos:pos + 1], buf[pos + 1:line]
    if kind in (b'+', b'-', b':'):
        return line + 2
    n = int(rest)
    if kind == b'$':
        end = line + 2 + max(n, 0) + (2 if n >= 0 else 0)
        return end if len(buf) >= end else None
    pos = line + 2
    for _ in range(max(n, 0)):
        pos = reply_end(buf, pos)
        if pos is None:
            return None
    return pos


def readback_commands():
    cmds = []
    for line in open(os.path.join(HERE, 'rdb_readback.txt')):
        line = line.strip()
        if line and not line.startswith('#'):
            cmds.append([a.encode() for a in line.split(' ')])
    return cmds


def run(port, commands):
    sock = socket.create_connection(('127.0.0.1', port))
    out, buf = b'', b''
    for args in commands:
        sock.sendall(encode(args))
        reply, buf = read_reply(sock, buf)
        out += reply
    sock.close()
    return out


def with_server(appendonly, work, body):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(['redis-server', '--port', str(port), '--dir', work, '--save', '',
                               '--appendonly', appendonly], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', port)).close()
                break
            except OSError:
                time.sleep(0.05)
        return body(port)
    finally:
        server.terminate()
        server.wait()


def main():
    work = tempfile.mkdtemp()
    try:
        def build_and_read(port):
            run(port, DATASET + [[b'SAVE']])
            return run(port, readback_commands())
        replies = with_server('no', work, build_and_read)
        rdb = open(os.path.join(work, 'dump.rdb'), 'rb').read()
        os.remove(os.path.join(work, 'dump.rdb'))
        aof_replies = with_server('yes', work, build_and_read)
        aof_dir = os.path.join(work, 'appendonlydir')
        aof_files = {name: open(os.path.join(aof_dir, name), 'rb').read() for name in os.listdir(aof_dir)}
    finally:
        shutil.rmtree(work)
    if aof_replies != replies:
        sys.exit('the appendonly server read back differently')
    resp_path = os.path.join(HERE, 'rdb_readback.resp')
    if '--check' in sys.argv:
        ok = open(resp_path, 'rb').read() == replies
        print('rdb_readback.resp', 'matches' if ok else 'DIFFERS')
        sys.exit(0 if ok else 1)
    open(os.path.join(HERE, 'redis-7.0.15.rdb'), 'wb').write(rdb)
    # The dataset's commands as a client sends them, for tests that build it in our server.
    open(os.path.join(HERE, 'rdb_dataset.resp'), 'wb').write(b''.join(encode(c) for c in DATASET))
    open(resp_path, 'wb').write(replies)
    out = os.path.join(HERE, 'aof-7.0.15')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, data in aof_files.items():
        open(os.path.join(out, name), 'wb').write(data)


if __name__ == '__main__':
    main()
