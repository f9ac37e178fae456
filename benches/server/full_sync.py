#!/usr/bin/env python3
"""A replica's full synchronization, luredis against redis-server, side by side.

Usage: benches/server/full_sync.py [--keys N] [--rounds R] [--luredis PATH] [--mode MODE]

For each round and each server: a primary holding N keys of 100 bytes (DEBUG POPULATE) and an
empty replica of the same program; the replica is told REPLICAOF while a client PINGs the
primary every millisecond. Reported: the time until the replica's link is up, and the
slowest PING meanwhile (how long the primary stopped answering: the fork of its background
save, for both). Best of the rounds. Modes: `disk` (the snapshot goes through the primary's
file), `diskless` (streamed from the save's child, `repl-diskless-sync yes`), `diskless-load`
(streamed, and the replica reads it as it comes, `repl-diskless-load swapdb`). Needs redis-py (`pip install redis`); build first:
`cargo build --release -p server`.
"""
import argparse, os, shutil, subprocess, tempfile, threading, time

import redis

from servers import LUREDIS, free_port


MODES = {
    'disk': ['--repl-diskless-sync', 'no'],
    'diskless': ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'],
    'diskless-load': ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
                      '--repl-diskless-load', 'swapdb'],
}


def start(binary, workdir, mode):
    port = free_port()
    process = subprocess.Popen(
        [binary, '--port', str(port), '--save', '', '--dir', workdir,
         '--enable-debug-command', 'yes'] + MODES[mode],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            client = redis.Redis(port=port)
            client.ping()
            return process, port, client
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError('%s did not start' % binary)


def one_round(binary, keys, mode):
    workdir = tempfile.mkdtemp(prefix='full-sync-bench-')
    processes = []
    try:
        os.makedirs(os.path.join(workdir, 'primary'))
        os.makedirs(os.path.join(workdir, 'replica'))
        p_proc, p_port, primary = start(binary, os.path.join(workdir, 'primary'), mode)
        processes.append(p_proc)
        r_proc, _, replica = start(binary, os.path.join(workdir, 'replica'), mode)
        processes.append(r_proc)
        primary.execute_command('DEBUG', 'POPULATE', keys, 'key', 100)
        slowest = [0.0]
        done = threading.Event()

        def ping():
            client = redis.Redis(port=p_port)
            while not done.is_set():
                started = time.perf_counter()
                client.ping()
                slowest[0] = max(slowest[0], time.perf_counter() - started)
                time.sleep(0.001)

        pinger = threading.Thread(target=ping)
        pinger.start()
        time.sleep(0.2)
        started = time.perf_counter()
        replica.replicaof('127.0.0.1', p_port)
        deadline = time.time() + 120
        while replica.info('replication').get('master_link_status') != 'up':
            if time.time() > deadline:
                raise RuntimeError('the replica never synchronized')
            time.sleep(0.01)
        took = time.perf_counter() - started
        time.sleep(0.2)
        done.set()
        pinger.join()
        assert replica.dbsize() == keys
        return took, slowest[0]
    finally:
        for process in processes:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keys', type=int, default=2_000_000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--luredis', default=LUREDIS)
    ap.add_argument('--mode', choices=sorted(MODES), default='disk')
    args = ap.parse_args()
    best = {}
    for _ in range(args.rounds):
        for name, binary in (('redis-server', 'redis-server'), ('luredis', args.luredis)):
            took, slowest = one_round(binary, args.keys, args.mode)
            old = best.get(name, (float('inf'), float('inf')))
            best[name] = (min(old[0], took), min(old[1], slowest))
    print('| server | %s sync of %d keys (s) | slowest PING meanwhile (ms) |'
          % (args.mode, args.keys))
    print('| :-- | --: | --: |')
    for name in ('redis-server', 'luredis'):
        took, slowest = best[name]
        print('| %s | %.2f | %.1f |' % (name, took, slowest * 1000))


if __name__ == '__main__':
    main()
