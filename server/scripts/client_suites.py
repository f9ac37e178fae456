#!/usr/bin/env python3
"""Real clients' own test suites, run against redis-server 7.0.15 and against ours.

Usage: server/scripts/client_suites.py [--luredis PATH] [SUITE ...]

Suites (all by default): `rq` (rq 2.1.0, a job queue: 448 tests), `walrus` (walrus 0.9.8,
containers, locks, rate limits, models, autocomplete on Lua scripts: 262 tests), `fakeredis`
(fakeredis 2.41.0, whose tests of every command run against a real server too: its `real`
half). Each suite's source distribution is downloaded with pip into target/client-suites,
with the packages its tests need in a virtual environment there.

These suites connect to fixed ports (6379, 6390), so each run is given a network namespace
of its own (`unshare -n`, as root): a server listening there disturbs nothing on the host.
The script prints, per suite, the tests passed against each server and every test that
passes against redis-server but not against ours, and exits 1 if there is any. It says it
skipped (exit 0) without redis-server, without `unshare` rights, or when pip cannot fetch
the suites. Takes about ten minutes.
"""
import argparse
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "target", "client-suites")
VENV_PYTHON = os.path.join(WORK, "venv", "bin", "python")

# name: (sdist, directory it unpacks to, test packages, port the tests use, pytest arguments)
SUITES = {
    "rq": ("rq==2.1.0", "rq-2.1.0",
           ["pytest", "pytest-timeout", "psutil", "click", "redis==5.2.1"], 6379, ["tests"]),
    "walrus": ("walrus==0.9.8", "walrus-0.9.8", ["pytest", "redis==5.2.1"], 6379,
               ["walrus/tests/*.py"]),
    "fakeredis": ("fakeredis==2.41.0", "fakeredis-2.41.0",
                  ["pytest", "pytest-timeout", "pytest-asyncio", "pytest-mock", "redis==5.2.1",
                   "valkey", "sortedcontainers", "lupa", "jsonpath-ng", "pyprobables", "xxhash",
                   "hypothesis"],
                  6390, ["-m", "real", "test/test_mixins", "test/test_async",
                         "test/test_keyspace_notifications.py"]),
}


def prepare(suite):
    """Unpack the suite's sources and install what its tests need; its directory or None."""
    sdist, directory, packages, _, _ = SUITES[suite]
    path = os.path.join(WORK, directory)
    if not os.path.isdir(path):
        got = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                              "--no-binary", ":all:", sdist, "-d", WORK],
                             capture_output=True, timeout=300)
        if got.returncode != 0:
            return None
        subprocess.run(["tar", "-xzf", os.path.join(WORK, directory + ".tar.gz"), "-C", WORK],
                       check=True)
    if not os.path.exists(VENV_PYTHON):
        subprocess.run([sys.executable, "-m", "venv", os.path.join(WORK, "venv")], check=True)
    got = subprocess.run([VENV_PYTHON, "-m", "pip", "install", "-q"] + packages,
                         capture_output=True, timeout=900)
    if got.returncode != 0:
        return None
    # fakeredis's tests read its installed version.
    if suite == "fakeredis":
        subprocess.run([VENV_PYTHON, "-m", "pip", "install", "-q", "--no-deps", "-e", path],
                       capture_output=True, timeout=300, check=True)
    return path


def run(suite, path, server, name):
    """Run the suite against `server` (an argv) in a namespace of its own; {test: passed}."""
    _, _, _, port, arguments = SUITES[suite]
    report = os.path.join(WORK, "%s-%s.xml" % (suite, name))
    log = os.path.join(WORK, "%s-%s.log" % (suite, name))
    # Inside the namespace: loopback up, the server on the suite's port, the tests, the
    # server stopped (the namespace ends with the shell).
    script = """
ip link set lo up
"$@" --port %d --save '' --appendonly no > %s 2>&1 &
pid=$!
for i in $(seq 100); do
  %s -c 'import socket; socket.create_connection(("127.0.0.1", %d), 0.1)' 2>/dev/null && break
  sleep 0.1
done
cd %s && timeout 1800 %s -m pytest -q -p no:cacheprovider --junitxml=%s %s > %s.out 2>&1
kill $pid; wait $pid
""" % (port, log, VENV_PYTHON, port, path, VENV_PYTHON, report, " ".join(arguments), log)
    subprocess.run(["unshare", "-n", "bash", "-c", script, "_"] + server, timeout=2400)
    results = {}
    if os.path.exists(report):
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            failed = any(child.tag in ("failure", "error", "skipped") for child in case)
            results[case.get("classname") + "::" + case.get("name")] = not failed
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luredis", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "luredis"))
    ap.add_argument("suites", nargs="*", default=list(SUITES))
    a = ap.parse_args()
    if not shutil.which("redis-server"):
        print("client suites: skipped: redis-server not found (apt-get install -y redis-server)")
        return 0
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        print("client suites: skipped: `unshare -n` is not permitted (run as root)")
        return 0
    if not os.path.exists(a.luredis):
        subprocess.run(["cargo", "build", "-q", "-p", "server"], cwd=ROOT, check=True)
    os.makedirs(WORK, exist_ok=True)
    missing = 0
    for suite in a.suites:
        path = prepare(suite)
        if path is None:
            print("%s: skipped: pip could not fetch the suite or its test packages" % suite)
            continue
        reference = run(suite, path, ["redis-server"], "redis-server")
        ours = run(suite, path, [a.luredis], "luredis")
        lost = sorted(t for t, ok in reference.items() if ok and not ours.get(t))
        print("%s: %d pass against redis-server, %d against ours" % (
            suite, sum(reference.values()), sum(ours.values())))
        for test in lost:
            print("  passes only against redis-server: " + test)
        missing += len(lost)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
