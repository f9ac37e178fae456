#!/usr/bin/env python3
"""Seed each fuzz target's corpus (corpus/<target>/) from the repository's own tests: the Lua
conformance cases, the scripts of the runtime's reference cases, RESP requests from the server's
case files, the RDB files recorded from redis-server. Run from anywhere; the corpora are not
committed (libFuzzer grows them)."""

import glob
import hashlib
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def unescape(text):
    """The one-line escapes of the .cases files (\\r, \\n, \\t, \\\\, \\xNN)."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


# Lua programs: the conformance corpus.
for path in sorted(glob.glob(os.path.join(ROOT, "conformance/cases/*/*.lua"))):
    data = open(path, "rb").read()
    put("lua_compile", data)
    if len(data) < 4000:
        put("lua_run", data)
        put("lua_differential", data)

# Scripts of the runtime's reference cases: EVAL bodies, and the library calls' arguments.
for path in sorted(glob.glob(os.path.join(ROOT, "redis-runtime/tests/cases/*.cases"))):
    name = os.path.basename(path)
    lines = open(path, encoding="latin-1").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("=== "):
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("-->"):
                body.append(lines[i])
                i += 1
            script = "\n".join(body).encode("latin-1")
            put("eval", script)
            for literal in re.findall(rb"'((?:[^'\\]|\\.)*)'", script):
                if name.startswith("cjson"):
                    put("cjson", literal)
                if name.startswith("struct"):
                    put("lua_struct", bytes([min(len(literal), 255)]) + literal)
        i += 1

for doc in [b'{"a":[1,2,{"b":null}],"c":"\\u00e9"}', b"[1e308,-0,0.5,true,false]", b'"\\ud83d\\ude00"']:
    put("cjson", doc)
for packed in [b"\x93\x01\xa3abc\xc0", b"\x82\xa1a\x01\xa1b\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", b"\xdc\x00\x02\xc2\xc3"]:
    put("cmsgpack", packed)

# RESP requests from the server's case files (each case's commands as multibulk requests).
def multibulk(words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out

for path in sorted(glob.glob(os.path.join(ROOT, "server/tests/cases/*.cases")))[:20]:
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\n")
        if line and not line.startswith(("#", "===", "-->")):
            words = [unescape(w) for w in line.split(" ") if w]
            if words:
                put("resp", multibulk(words))
put("resp", b"PING\r\nSET a b\r\n*1\r\n$4\r\nPING\r\n")

# RDB files recorded from redis-server.
for path in glob.glob(os.path.join(ROOT, "server/tests/golden/**/*.rdb"), recursive=True):
    put("rdb", open(path, "rb").read())

for target in sorted(os.listdir(os.path.join(HERE, "corpus"))):
    print(target, len(os.listdir(os.path.join(HERE, "corpus", target))))
