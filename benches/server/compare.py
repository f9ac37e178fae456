#!/usr/bin/env python3
"""Side-by-side throughput of luredis and redis-server, measured in one run.

Usage: benches/server/compare.py [--rounds N] [--requests N] [--luredis PATH]

Starts redis-server (the reference, from PATH) and our release `luredis` on free loopback
ports with no persistence, then runs `redis-benchmark` against each in turn, alternating, for
every workload and round; reports the best round of each (the machine is noisy) and the ratio
ours / reference. Workloads: SET, GET, INCR, MSET with `-P 16 -c 50` and without pipelining
(`-c 50`), and EVALSHA of a one-INCR script. Build first: `cargo build --release -p server`.
"""
import argparse, csv, io, os, shutil, socket, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(cmd, port):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    sys.exit('server on port %d did not start: %s' % (port, ' '.join(cmd)))


def bench(port, tests, pipeline, requests, extra=()):
    cmd = ['redis-benchmark', '-p', str(port), '-n', str(requests), '-c', '50',
           '-P', str(pipeline), '--csv']
    cmd += ['-t', tests] if tests else []
    cmd += list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = {}
    for row in csv.reader(io.StringIO(out)):
        if row and row[0] != 'test':
            rows[row[0]] = (float(row[1]), float(row[6]) if len(row) > 6 else 0.0)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--requests', type=int, default=300000)
    ap.add_argument('--luredis', default=os.path.join(ROOT, 'target', 'release', 'luredis'))
    a = ap.parse_args()
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
    script = "return redis.call('incr', KEYS[1])"
    shas = {}
    for port in (ref_port, our_port):
        shas[port] = subprocess.run(['redis-cli', '-p', str(port), 'script', 'load', script],
                                    capture_output=True, text=True).stdout.strip()
    workloads = [('P16', 'set,get,incr,mset', 16, ()), ('P1', 'set,get,incr,mset', 1, ())]
    workloads.append(('P1', None, 1, ('evalsha', shas[ref_port], '1', 'counter')))
    best = {}
    try:
        for _ in range(a.rounds):
            for label, tests, pipeline, extra in workloads:
                for name, port in (('ref', ref_port), ('ours', our_port)):
                    ex = extra
                    if extra:
                        ex = ('evalsha', shas[port], '1', 'counter')
                    for test, (rps, p99) in bench(port, tests, pipeline, a.requests, ex).items():
                        key = (label, 'EVALSHA incr' if extra else test.split(' ')[0], name)
                        old = best.get(key, (0.0, 0.0))
                        if rps > old[0]:
                            best[key] = (rps, p99)
    finally:
        ref.terminate()
        ours.terminate()
    print('| workload | redis-server req/s | luredis req/s | ratio | p99 ms (redis / ours) |')
    print('| :-- | --: | --: | --: | --: |')
    seen = []
    for (label, test, _name) in best:
        if (label, test) not in seen:
            seen.append((label, test))
    for label, test in seen:
        r, o = best[(label, test, 'ref')], best[(label, test, 'ours')]
        print('| %s %s | %.0f | %.0f | %.2f | %.3f / %.3f |' % (
            test, '-P 16' if label == 'P16' else 'no pipeline', r[0], o[0], o[0] / r[0], r[1], o[1]))


if __name__ == '__main__':
    main()
