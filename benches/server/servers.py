"""Helpers the server benchmarks share: free ports, starting a server and waiting for it,
RESP commands, pipelined loads, redis-benchmark runs."""
import csv, io, os, socket, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LUREDIS = os.path.join(ROOT, 'target', 'release', 'luredis')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(cmd, port, timeout=60):
    """Start a server and wait until it accepts connections (loading a file may take a while)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.005)
    proc.kill()
    sys.exit('server on port %d did not start: %s' % (port, ' '.join(cmd)))


def command(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)


def send_all(port, commands):
    """Send `commands` pipelined in batches, reading each batch's replies (one line each)."""
    s = socket.create_connection(('127.0.0.1', port))
    s.settimeout(120)
    batch = 10000
    for start_at in range(0, len(commands), batch):
        chunk = commands[start_at:start_at + batch]
        s.sendall(b''.join(chunk))
        seen = 0
        while seen < len(chunk):
            data = s.recv(1 << 20)
            if not data:
                break
            seen += data.count(b'\r\n')
    s.close()


def call(port, *args, timeout=600):
    """One command; its first reply line."""
    s = socket.create_connection(('127.0.0.1', port))
    s.settimeout(timeout)
    s.sendall(command(*args))
    data = b''
    while b'\r\n' not in data:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b'\r\n')[0]


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far, in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def bench(port, tests, pipeline, requests, extra=(), keyspace=0):
    """redis-benchmark's rows (requests per second, p99 ms); `keyspace` > 0 spreads the
    requests over that many random keys (`-r`)."""
    cmd = ['redis-benchmark', '-p', str(port), '-n', str(requests), '-c', '50',
           '-P', str(pipeline), '--csv']
    cmd += ['-r', str(keyspace)] if keyspace else []
    cmd += ['-t', tests] if tests else []
    cmd += list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = {}
    for row in csv.reader(io.StringIO(out)):
        if row and row[0] != 'test':
            rows[row[0]] = (float(row[1]), float(row[6]) if len(row) > 6 else 0.0)
    return rows
