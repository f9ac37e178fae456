#!/usr/bin/env python3
"""Side-by-side throughput of luredis and redis-server, measured in one run.

Usage: benches/server/compare.py [--rounds N] [--requests N] [--luredis PATH] [--only GROUP,...]

Starts redis-server (the reference, from PATH) and our release `luredis` on free loopback
ports with no persistence, then runs `redis-benchmark` against each in turn, alternating, for
every workload and round. The machine is noisy, so each figure is its own best round (the
highest throughput, and separately the lowest p99 latency). Reports the ratio ours / reference
and each server's CPU time per request (user plus system, read from /proc: where the single
benchmark client is the limit, both servers reach the same throughput and this is what still
tells them apart). Workload groups (`--only` picks some): `strings` (SET, GET, INCR, MSET with
`-P 16 -c 50` and without pipelining), `types` (LPUSH, LPOP, SADD, HSET, ZADD, XADD, LRANGE_100
with `-P 16`), `scripts` (EVALSHA of `return 1` and of a one-INCR script, EVAL of the latter,
with `-P 16`, and EVALSHA of the INCR script without pipelining), `random` (GET, SET, INCR
and EVALSHA of the INCR script with `-P 16` over a million random keys, in a keyspace filled
first: a keyspace larger than the cache, where every lookup waits on memory). Build first:
`cargo build --release -p server`.
"""
import argparse, os, shutil, subprocess, sys, tempfile

from servers import cpu_seconds, ROOT, bench, free_port, start

# The `random` group's keyspace: far larger than the cache.
RANDOM_KEYS = 1000000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--requests', type=int, default=300000)
    ap.add_argument('--luredis', default=os.path.join(ROOT, 'target', 'release', 'luredis'))
    ap.add_argument('--only', default='strings,types,scripts,random')
    a = ap.parse_args()
    groups = a.only.split(',')
    for tool in ('redis-server', 'redis-benchmark', 'redis-cli'):
        if not shutil.which(tool):
            sys.exit('%s not found: apt-get install -y redis-server redis-tools' % tool)
    if not os.path.exists(a.luredis):
        sys.exit('%s not found: cargo build --release -p server' % a.luredis)
    tmp = tempfile.mkdtemp()
    ref_port, our_port = free_port(), free_port()
    ref = start(['redis-server', '--port', str(ref_port), '--save', '', '--appendonly', 'no',
                 '--dir', tmp], ref_port)
    ours = start([a.luredis, '--port', str(our_port), '--save', ''], our_port)
    incr = "return redis.call('incr', KEYS[1])"
    shas = {}
    for port in (ref_port, our_port):
        shas[port] = {}
        for body in ('return 1', incr):
            shas[port][body] = subprocess.run(
                ['redis-cli', '-p', str(port), 'script', 'load', body],
                capture_output=True, text=True).stdout.strip()
    # (group, label, redis-benchmark -t tests or None, pipeline, command for a port or None,
    # random keys or 0)
    workloads = []
    if 'strings' in groups:
        workloads += [('strings', None, 'set,get,incr,mset', 16, None, 0),
                      ('strings', None, 'set,get,incr,mset', 1, None, 0)]
    if 'types' in groups:
        workloads += [('types', None, 'lpush,lpop,sadd,hset,zadd,lrange_100', 16, None, 0),
                      # redis-benchmark 7.0 has no XADD test: the command is given instead.
                      ('types', 'XADD', None, 16,
                       lambda port: ('xadd', 'stream', '*', 'f', 'v'), 0)]
    if 'scripts' in groups:
        workloads += [
            ('scripts', 'EVALSHA return 1', None, 16,
             lambda port: ('evalsha', shas[port]['return 1'], '0'), 0),
            ('scripts', 'EVALSHA incr', None, 16,
             lambda port: ('evalsha', shas[port][incr], '1', 'counter'), 0),
            ('scripts', 'EVAL incr', None, 16, lambda port: ('eval', incr, '1', 'counter'), 0),
            ('scripts', 'EVALSHA incr', None, 1,
             lambda port: ('evalsha', shas[port][incr], '1', 'counter'), 0),
        ]
    if 'random' in groups:
        random_command = lambda port: ('evalsha', shas[port][incr], '1', 'c:__rand_int__')
        for port in (ref_port, our_port):
            for test in ('set', 'incr'):
                bench(port, test, 16, 3 * RANDOM_KEYS, keyspace=RANDOM_KEYS)
            bench(port, None, 16, 3 * RANDOM_KEYS, random_command(port), keyspace=RANDOM_KEYS)
        workloads += [('random', '%s, 1M keys' % test.upper(), test, 16, None, RANDOM_KEYS)
                      for test in ('get', 'set', 'incr')]
        workloads += [('random', 'EVALSHA incr, 1M keys', None, 16, random_command,
                       RANDOM_KEYS)]
    best = {}
    # Server CPU time per request, the least seen in any round (only where one redis-benchmark
    # run measured one test: runs with several tests, or LRANGE's LPUSH priming, mix them).
    cpu = {}
    pids = {'ref': ref.pid, 'ours': ours.pid}
    try:
        for _ in range(a.rounds):
            for _group, label, tests, pipeline, command, keyspace in workloads:
                for test_set in (tests.split(',') if tests else [None]):
                    for name, port in (('ref', ref_port), ('ours', our_port)):
                        extra = command(port) if command else ()
                        before = cpu_seconds(pids[name])
                        rows = bench(port, test_set, pipeline, a.requests, extra, keyspace)
                        used = cpu_seconds(pids[name]) - before
                        for test, (rps, p99) in rows.items():
                            key = (pipeline, label or test.split(' ')[0], name)
                            # Each figure is its own best round: the most requests per
                            # second, the lowest p99.
                            old = best.get(key, (0.0, float('inf')))
                            best[key] = (max(rps, old[0]), min(p99, old[1]))
                            if len(rows) == 1:
                                per_request = used / a.requests * 1e6
                                cpu[key] = min(cpu.get(key, per_request), per_request)
    finally:
        ref.terminate()
        ours.terminate()
    print('| workload | redis-server req/s | luredis req/s | ratio | p99 ms (redis / ours) '
          '| server CPU µs per request (redis / ours) |')
    print('| :-- | --: | --: | --: | --: | --: |')
    seen = []
    for (pipeline, test, _name) in best:
        if (pipeline, test) not in seen:
            seen.append((pipeline, test))
    for pipeline, test in seen:
        r, o = best[(pipeline, test, 'ref')], best[(pipeline, test, 'ours')]
        rc, oc = cpu.get((pipeline, test, 'ref')), cpu.get((pipeline, test, 'ours'))
        cpu_text = '%.2f / %.2f' % (rc, oc) if rc and oc else '-'
        print('| %s %s | %.0f | %.0f | %.2f | %.3f / %.3f | %s |' % (
            test, '-P %d' % pipeline if pipeline > 1 else 'no pipeline', r[0], o[0], o[0] / r[0],
            r[1], o[1], cpu_text))

if __name__ == '__main__':
    main()
