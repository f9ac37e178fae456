#!/usr/bin/env python3
r"""Golden cases for INCRBYFLOAT and HINCRBYFLOAT, replies taken from a real redis-server
(the reference is redis-server 7.0.15 on x86-64, which adds in an 80-bit long double).

Usage:
    gen_cases.py [--host H] [--port P] [--check]

Connects to a running redis-server (default 127.0.0.1:7392) and writes `incrbyfloat.txt` and
`hincrbyfloat.txt` beside this script; with --check it writes nothing and exits 1 if a
committed file differs from what the live server answers. The server's database 0 is used
and its keys `ld:k` and `ld:h` are overwritten.

The cases are generated from a fixed seed: hand-picked edges (every syntax strtold accepts or
stops at, overflow and underflow around 1e4932 and 1e-4951, subnormals, ties, lengths at
Redis's 5120-byte limit, existing values that are integers, floats or not numbers), random
numbers of every size and shape, and chains where each reply is the next current value.

File format, one case a line, three tab-separated fields:
    <current value> <increment> <reply>
A value is `nil` (no key, or no field) or double-quoted with the escapes \\ \" \r \n \t \xHH.
A reply is the bulk string, quoted, or the error line as sent, starting with `-`.
Lines starting with `#` are comments. Python 3 standard library only (raw sockets).
"""

import argparse
import os
import random
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 7015
RANDOM_CASES = 700
CHAINS = 12
CHAIN_LENGTH = 12
LIMIT = 5 * 1024  # MAX_LONG_DOUBLE_CHARS


# ---------------------------------------------------------------- the file format

def quote(data):
    out = ['"']
    for b in data:
        if b == 0x5C:
            out.append('\\\\')
        elif b == 0x22:
            out.append('\\"')
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
    out.append('"')
    return ''.join(out)


def line(current, incr, reply):
    value = 'nil' if current is None else quote(current)
    answer = quote(reply) if isinstance(reply, bytes) else reply
    return '%s\t%s\t%s' % (value, quote(incr), answer)


# ---------------------------------------------------------------- a small RESP client

class Redis:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.buf = b''

    def pipeline(self, commands):
        out = []
        for args in commands:
            out.append(b'*%d\r\n' % len(args))
            for a in args:
                a = a if isinstance(a, bytes) else a.encode()
                out.append(b'$%d\r\n%s\r\n' % (len(a), a))
        self.sock.sendall(b''.join(out))
        return [self.reply() for _ in commands]

    def line(self):
        while b'\r\n' not in self.buf:
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError('the server closed the connection')
            self.buf += data
        text, self.buf = self.buf.split(b'\r\n', 1)
        return text

    def reply(self):
        """A bulk string as bytes, an error as its line (str), anything else as str."""
        head = self.line()
        kind, rest = head[:1], head[1:]
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return 'nil'
            while len(self.buf) < n + 2:
                data = self.sock.recv(1 << 16)
                if not data:
                    raise ConnectionError('the server closed the connection')
                self.buf += data
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        return head.decode('latin-1')


def run(redis, hash_variant, cases):
    """The reference's reply to each (current, increment), one pipeline per batch."""
    replies = []
    for start in range(0, len(cases), 200):
        commands, picks = [], []
        for current, incr in cases[start:start + 200]:
            if hash_variant:
                commands.append(['DEL', 'ld:h'])
                if current is not None:
                    commands.append(['HSET', 'ld:h', 'f', current])
                commands.append(['HINCRBYFLOAT', 'ld:h', 'f', incr])
            else:
                commands.append(['DEL', 'ld:k'])
                if current is not None:
                    commands.append(['SET', 'ld:k', current])
                commands.append(['INCRBYFLOAT', 'ld:k', incr])
            picks.append(len(commands) - 1)
        got = redis.pipeline(commands)
        replies.extend(got[i] for i in picks)
    return replies


# ---------------------------------------------------------------- the cases

EDGE_INCREMENTS = [
    # plain numbers and every form strtold takes
    '0', '-0', '+0', '1', '-1', '+1', '10.5', '0.1', '-0.1', '.5', '5.', '-.5', '+.5', '0.5',
    '00001', '007.50', '1e5', '1E5', '5.0e3', '3.0e3', '1e+5', '1e-5', '1e0001', '1e-0',
    '0e99999', '0e-99999', '0.0e100000', '-0e5', '0x0', '1.5e-3', '2.5', '-2.5',
    '0.0000001', '0.00001', '1e20', '1.5e20', '123456789.123456789', '3.14159265358979323846',
    '0.30000000000000000001', '0.99999999999999999999', '0.999999999999999999999999',
    '9223372036854775807', '9223372036854775808', '-9223372036854775808',
    '-9223372036854775809', '18446744073709551615', '18446744073709551616',
    '36893488147419103232', '1e300', '1e308', '1e309', '-1e308', '1e400', '1e1000',
    '1e4000', '-1e4000',
    # where the long double overflows and underflows
    '1e4932', '-1e4932', '1e4933', '1.18973149535723176502e4932',
    '1.18973149535723176505e4932', '1.1897314953572317650e4932', '1.189731495357231765085e4932',
    '1.18973149535723176509e4932', '-1.18973149535723176502e4932', '1e-4930', '1e-4940',
    '1e-4950', '-1e-4950', '1e-4951', '3.6451995318824746025e-4951',
    '1.8225997659412373012e-4951', '1.8225997659412373013e-4951', '1e-4952', '1e-5000',
    '-1e-5000', '1e-99999999999999999999', '1e99999999999999999999', '3.3621031431120935063e-4932',
    # hexadecimal
    '0x1p3', '0X1P3', '0x1.8p1', '0x.8', '0x.8p1', '0x10', '0xff', '0xFF.8', '-0x1p-2',
    '0x1p-16445', '0x1p-16446', '0x1.8p-16446', '0x3p-16447', '0x1p-16382', '0x1p16383',
    '0x1p16384', '0x1.fffffffffffffffep16383', '0x1.ffffffffffffffffp16383',
    '0x1.0000000000000001p0', '0x1.0000000000000003p0', '0x1.00000000000000010000000001p0',
    '0x1p-18', '0x3p-18', '0x5p-18', '0x1p-60', '0x1p64', '0x1p+2', '0x1P-2',
    # words
    'inf', '-inf', '+inf', 'INF', 'Inf', 'infinity', 'Infinity', '-INFINITY', 'nan', 'NaN',
    '-nan', '+nan', 'nan(123)', 'nan(abc_1)',
    # not numbers, or numbers with something around them
    '', ' ', ' 1', '1 ', '\t1', '1\t', '\n1', '1\n', '\r1', '\x0b1', '\x0c1', '1\r\n', '+',
    '-', '.', '-.', '+.', 'e5', '.e5', '1e', '1e+', '1e-', '1E', '1.5e', '1ee5', '1e5.5',
    '1.2.3', '1,5', '1_000', '1..2', '--1', '+-1', '-+1', '0x', '0X', '0x.', '0xg', '0x.p1',
    '0x1p', '0x1p+', '0x1p-', '0x1.8p', 'x1', '1x', '0b101', '0o17', 'abc', 'one', 'infinit',
    'infx', 'infinityx', 'nanx', 'nan(', 'nan(1', 'nan()x', 'in', 'na', '1\x00', '\x001',
    '0.1\x000', '1\x80', '\xc2\xa01', '\xd9\xa1', '1e5 ', '1f', '1d', '1L', '1.0f',
]

EDGE_CURRENTS = [
    None, '0', '1', '-1', '10', '10.5', '0.1', '-0', '0.0', '100', '1e5', '1.5e-3',
    '9223372036854775807', '-9223372036854775808', '18446744073709551616', '1e308', '1e4932',
    '-1e4932', '1.18973149535723176502e4932', '1e-4950', '0x1p3', 'inf', '-inf', 'nan',
    'abc', '', ' 1', '1 ', '1e', '1e5000', '1e-5000', '0x', '3.0000000000000000001',
    '123456789012345678901234567890', '0.000000000000000001',
]

EDGE_PAIRS = [
    ('10.5', '0.1'), ('0.1', '0.2'), ('0.1', '-0.1'), ('1.1', '1.1'), ('1e4932', '1e4932'),
    ('1.18973149535723176502e4932', '1e4913'), ('1.18973149535723176502e4932', '5e4912'),
    ('1.18973149535723176502e4932', '6e4912'), ('-1e4932', '-1e4932'), ('1e4932', '-1e4932'),
    ('inf', '-inf'), ('inf', '1'), ('-inf', '-1'), ('nan', '1'), ('1e-4950', '1e-4950'),
    ('0x1p-16445', '0x1p-16445'), ('0x1p-16382', '-0x1p-16445'), ('-1e-4950', '1e-4950'),
    ('-0', '-0'), ('-0', '0'), ('0', '-0'), ('-0.0', '-0.0'), ('1', '-1'), ('-0.5', '0.5'),
    ('18446744073709551616', '-0.5'), ('18446744073709551616', '-0.75'),
    ('18446744073709551616', '-1e-30'), ('1', '-0.99999999999999999999'),
    ('1e20', '-1e20'), ('1e20', '1e-20'), ('3.0e3', '5.0e3'), ('3005.6', '5000'),
    ('0.000003814697265625', '0'), ('0.000011444091796875', '0'), ('0.999999999999999999995', '0'),
    ('0.000000000000000005', '0'), ('0.000000000000000015', '0'), ('0.000000000000000025', '0'),
    ('-0.000000000000000005', '0'), ('-0.000000000000000015', '0'), ('1e-18', '-1e-18'),
    ('99999999999999999999', '1'), ('9223372036854775807', '1'), ('-9223372036854775808', '-1'),
]


def long_strings():
    """Lengths around Redis's limit (5120 bytes refused, 5119 taken)."""
    out = []
    for n in (LIMIT - 1, LIMIT):
        out.append('1.' + '0' * (n - 3) + '1')          # 1.000...1
        out.append('0.' + '0' * (n - 3) + '1')          # a tiny number: underflows
        out.append('1' * n)                             # far past overflow
        out.append('0' * (n - 1) + '7')                 # leading zeros
    digits = '31415926535897932384626433832795028841971693993751'
    for n in (LIMIT - 1, LIMIT):
        out.append('0.' + '0' * 4000 + (digits * 40)[:n - 4002])
        out.append((digits * 120)[:n - 6] + 'e-5000')
        out.append('0.' + (digits * 120)[:n - 2])
        out.append('0x1.' + '0' * (n - 9) + '1p10')
    # 1 + 2^-64 (halfway) written out, then with a last nonzero digit far away
    half = '1.0000000000000000000542101086242752217003726400434970855712890625'
    out.append(half)
    out.append(half + '0' * (LIMIT - 2 - len(half)) + '1')
    out.append(half + '0' * 3000)
    return out


def rand_digits(rng, n):
    return ''.join(rng.choice('0123456789') for _ in range(n))


def rand_number(rng):
    """A random string, mostly a valid number, of very varied size and shape."""
    sign = rng.choice(['', '', '', '-', '+'])
    kind = rng.randrange(12)
    if kind == 0:
        return sign + str(rng.randint(0, 10 ** rng.randint(1, 19)))
    if kind == 1:
        return sign + repr(rng.uniform(0, 10 ** rng.randint(-5, 10)))
    if kind == 2:
        return sign + '%.*f' % (rng.randint(0, 6), rng.uniform(0, 1000))
    if kind == 3:
        n = rng.randint(1, 40)
        d = rand_digits(rng, n)
        p = rng.randint(0, n)
        return sign + d[:p] + '.' + d[p:]
    if kind == 4:
        return sign + rand_digits(rng, rng.randint(1, 25)) + 'e' + str(rng.randint(-60, 60))
    if kind == 5:  # near the ends of the range
        e = rng.randint(4900, 4934) if rng.random() < 0.3 else rng.randint(-4970, -4900)
        return sign + rand_digits(rng, rng.randint(1, 22)) + 'e' + str(e)
    if kind == 6:  # many digits
        n = rng.randint(20, 400)
        d = rand_digits(rng, n)
        p = rng.randint(0, n)
        return sign + d[:p] + '.' + d[p:]
    if kind == 7:  # hexadecimal
        h = ''.join(rng.choice('0123456789abcdefABCDEF') for _ in range(rng.randint(1, 24)))
        p = rng.randint(0, len(h))
        text = sign + '0x' + h[:p] + '.' + h[p:]
        if rng.random() < 0.7:
            text += 'p' + str(rng.randint(-16500, 16400) if rng.random() < 0.3
                              else rng.randint(-80, 80))
        return text
    if kind == 8:  # a binary fraction written out exactly (ties at the 17th decimal)
        k = rng.randint(1, 70)
        m = rng.randint(1, 2 ** rng.randint(1, 40))
        fraction = str((m % 2 ** k) * 5 ** k).zfill(k).rstrip('0')
        return sign + str(m >> k) + '.' + fraction
    if kind == 9:  # big magnitudes
        e = rng.randint(17, 4000) if rng.random() < 0.2 else rng.randint(17, 400)
        return sign + rand_digits(rng, rng.randint(1, 19)) + 'e' + str(e)
    if kind == 10:  # tiny magnitudes
        return sign + rand_digits(rng, rng.randint(1, 19)) + 'e-' + str(rng.randint(17, 4940))
    # a valid number spoiled (or not) by one more character
    text = rand_number(rng) if rng.random() < 0.9 else '1'
    c = rng.choice([' ', 'x', '.', 'e', 'e-', '+', '-', '\x00', 'p', '0', '5', '_', ','])
    at = rng.randint(0, len(text))
    return text[:at] + c + text[at:]


def pairs(rng):
    cases = [(None, s) for s in EDGE_INCREMENTS]
    cases += [(c, i) for c in EDGE_CURRENTS for i in ('1', '0.1', '-1.5', '1e30', 'x')]
    cases += EDGE_PAIRS
    cases += [(None, s) for s in long_strings()]
    cases += [(s, '1') for s in long_strings()[:4]]
    for _ in range(RANDOM_CASES):
        r = rng.random()
        if r < 0.35:
            cases.append((None, rand_number(rng)))
        elif r < 0.8:
            cases.append((rand_number(rng), rand_number(rng)))
        else:  # cancelling, exactly or all but a few last digits
            a = rng.choice(['', '-']) + rand_digits(rng, rng.randint(1, 30))
            a = a + '.' + rand_digits(rng, rng.randint(1, 30))
            b = a[1:] if a.startswith('-') else '-' + a
            if rng.random() < 0.7:
                b += rand_digits(rng, rng.randint(1, 5))
            cases.append((a, b))
    return [(None if c is None else c.encode('latin-1'), i.encode('latin-1')) for c, i in cases]


def chains(redis, hash_variant, rng):
    """Repeated increments of one value, each reply the next current value."""
    out = []
    steps = ['1.1', '0.1', '-0.3', '1e-17', '3.3', '1e15', '0.7', '1e300', '-1e300', '2.5e4931']
    for c in range(CHAINS):
        current = None
        incr = steps[c % len(steps)] if c < len(steps) else rand_number(rng)
        for _ in range(CHAIN_LENGTH):
            reply = run(redis, hash_variant, [(current, incr.encode())])[0]
            out.append((current, incr.encode(), reply))
            if not isinstance(reply, bytes):
                break
            current = reply
    return out


def golden(redis, hash_variant):
    rng = random.Random(SEED)
    cases = pairs(rng)
    replies = run(redis, hash_variant, cases)
    rows = [(c, i, r) for (c, i), r in zip(cases, replies)] + chains(redis, hash_variant, rng)
    command = 'HINCRBYFLOAT' if hash_variant else 'INCRBYFLOAT'
    head = ['# %s goldens from redis-server 7.0.15, written by gen_cases.py (do not edit).' % command,
            '# <current value> TAB <increment> TAB <reply>; see gen_cases.py for the format.']
    return '\n'.join(head + [line(c, i, r) for c, i, r in rows]) + '\n', len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=7392)
    ap.add_argument('--check', action='store_true')
    args = ap.parse_args()
    redis = Redis(args.host, args.port)
    different = False
    for name, hash_variant in (('incrbyfloat.txt', False), ('hincrbyfloat.txt', True)):
        text, count = golden(redis, hash_variant)
        path = os.path.join(HERE, name)
        if args.check:
            with open(path, encoding='latin-1') as f:
                same = f.read() == text
            print('%s: %s' % (name, 'same' if same else 'DIFFERS'))
            different |= not same
        else:
            with open(path, 'w', encoding='latin-1', newline='\n') as f:
                f.write(text)
            print('%s: %d cases' % (name, count))
    redis.pipeline([['DEL', 'ld:k', 'ld:h']])
    sys.exit(1 if different else 0)


if __name__ == '__main__':
    main()
