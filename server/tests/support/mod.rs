//! A minimal RESP client for the server's tests.

#![allow(dead_code)]

// The server counts its memory through its allocator (`used_memory`, `maxmemory`); tests
// run it in-process, so they install the same one.
#[global_allocator]
static ALLOCATOR: server::alloc::CountingAllocator = server::alloc::CountingAllocator;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Ask `client` until `check` accepts the reply, for at most ten seconds.
pub fn wait_for(client: &mut Client, args: &[&str], check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = client.call(args);
        if check(&reply) || Instant::now() >= deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of INFO `section`'s `field` once `done` holds of it (or after `time`).
pub fn info_until(
    client: &mut Client,
    section: &str,
    field: &str,
    time: Duration,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + time;
    loop {
        let value = info_field(&client.call(&["INFO", section]), field);
        if done(&value) || Instant::now() >= deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        Client {
            stream,
            buffer: Vec::new(),
        }
    }

    pub fn send(&mut self, args: &[&str]) {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
        }
        self.stream.write_all(&out).expect("send");
    }

    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// The next reply's raw bytes (waiting up to `wait`), or what arrived before the
    /// connection closed.
    pub fn read_reply(&mut self, wait: Duration) -> Vec<u8> {
        let deadline = Instant::now() + wait;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(n) = reply_len(&self.buffer) {
                return self.buffer.drain(..n).collect();
            }
            if Instant::now() >= deadline {
                return std::mem::take(&mut self.buffer);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return std::mem::take(&mut self.buffer),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(_) => {}
            }
        }
    }

    /// Send a command and give its reply as text.
    pub fn call(&mut self, args: &[&str]) -> String {
        self.send(args);
        String::from_utf8_lossy(&self.read_reply(Duration::from_secs(5))).into_owned()
    }
}

/// Length of the complete reply at the start of `buf`, if complete.
pub fn reply_len(buf: &[u8]) -> Option<usize> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let n: i64 = std::str::from_utf8(&buf[1..end]).ok()?.parse().unwrap_or(0);
    let after = end + 2;
    match buf[0] {
        b'$' | b'=' if n >= 0 => {
            let total = after + n as usize + 2;
            (buf.len() >= total).then_some(total)
        }
        b'*' | b'~' | b'%' | b'>' if n > 0 => {
            let items = if buf[0] == b'%' { 2 * n } else { n };
            let mut pos = after;
            for _ in 0..items {
                pos += reply_len(&buf[pos..])?;
            }
            Some(pos)
        }
        _ => Some(after),
    }
}

/// A server on a free port with these config lines (plus `port 0`). No `dir` is given: a
/// server moves the process into its `dir`, which would move the test too (its relative paths
/// to goldens), so in-process servers save into the crate's directory (`dump.rdb`, ignored by
/// git); tests that read or write files name scratch directories and use absolute paths.
pub fn start(config_text: &str) -> server::Handle {
    let mut config = server::config::Config::new();
    config
        .load_text(&format!(
            "port 0\nsave \"\"\nloglevel warning\nrepl-diskless-sync-delay 0\n{config_text}"
        ))
        .expect("config");
    server::start(config).expect("server starts")
}

/// A redis-server started on a free loopback port with `args` added, stopped when dropped;
/// `None` when redis-server is not installed.
pub struct Reference {
    child: std::process::Child,
    pub port: u16,
    /// Its own data directory (a replica writes the snapshot it receives there), removed
    /// when dropped, so no run loads what another left.
    dir: std::path::PathBuf,
}

impl Reference {
    /// Started on a free port: one another program takes between the probe and the start is
    /// retried with a fresh one, a few times.
    pub fn start(args: &[&std::ffi::OsStr]) -> Option<Reference> {
        (0..5).find_map(|_| Reference::start_on_free_port(args))
    }

    fn start_on_free_port(args: &[&std::ffi::OsStr]) -> Option<Reference> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("reference-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--repl-diskless-sync-delay",
                "0",
            ])
            .arg("--dir")
            .arg(&dir)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let reference = Reference { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                return answers_as(stream, reference.child.id()).then_some(reference);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A transcript test: `ours` must equal the golden at `golden_path`, recorded from
/// redis-server 7.0.15 by `reference` when `RECORD_REFERENCE=1`; when redis-server is
/// installed (`reference` gives `Some`), its live transcript must equal the golden too.
pub fn check_transcript(
    golden_path: &str,
    ours: impl FnOnce() -> String,
    mut reference: impl FnMut() -> Option<String>,
) {
    if std::env::var_os("RECORD_REFERENCE").is_some() {
        let recorded = reference().expect("RECORD_REFERENCE=1 needs redis-server");
        std::fs::write(golden_path, recorded).expect("write the golden");
    }
    let golden = std::fs::read_to_string(golden_path).expect("golden transcript");
    assert_eq!(
        ours(),
        golden,
        "ours differs from the recorded redis-server transcript"
    );
    match reference() {
        Some(live) => assert_eq!(live, golden, "the golden differs from redis-server"),
        None => eprintln!("redis-server not on PATH: compared with the recorded transcript only"),
    }
}

/// [`check_transcript`] of `scenario` run against a server on its defaults, ours and
/// redis-server alike.
pub fn check_scenario(golden_path: &str, scenario: fn(u16) -> String) {
    check_transcript(
        golden_path,
        || {
            let server = start("");
            let transcript = scenario(server.port);
            server.stop();
            transcript
        },
        || Reference::start(&[]).map(|r| scenario(r.port)),
    );
}

/// `program` (ours or redis-server) started as its own process on `port` with `args`, once
/// it answers there (at most five seconds); `None` when it cannot run, exits, or stays silent.
pub fn spawn_on_port(program: &str, port: u16, args: &[String]) -> Option<std::process::Child> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(["--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            if answers_as(stream, child.id()) {
                return Some(child);
            }
            // Another program on the port (ours then fails to bind), or the probe
            // connected to itself: not ours.
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Whether the server behind `stream` is the process `pid`: its `INFO server` says so. An
/// error reply (a password required, a load in progress) is taken as yes: it comes from a
/// server started with such options, which tests start only on a port of their own.
pub fn answers_as(mut stream: TcpStream, pid: u32) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    if stream
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .is_err()
    {
        return false;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        if reply.first() == Some(&b'-') && reply.ends_with(b"\r\n") {
            return true;
        }
        if let Some(n) = reply_len(&reply) {
            let text = String::from_utf8_lossy(&reply[..n]);
            return text.contains(&format!("process_id:{pid}\r\n"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    false
}

/// `program` (ours or redis-server) started as its own process on a free loopback port with
/// no save rules and the arguments `extra` gives for that port (later arguments win, so a
/// `--save` there replaces the default); `None` when it cannot run or does not answer. A
/// port taken by another program between the probe and the start is retried with a fresh
/// one, a few times.
pub fn spawn_on_free_port(
    program: &str,
    extra: impl Fn(u16) -> Vec<String>,
) -> Option<(std::process::Child, u16)> {
    for _attempt in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        // As Redis's own test suite: replicas are not kept waiting for others to arrive.
        let mut args = vec![
            "--save".to_string(),
            String::new(),
            "--repl-diskless-sync-delay".to_string(),
            "0".to_string(),
        ];
        args.extend(extra(port));
        if let Some(child) = spawn_on_port(program, port, &args) {
            return Some((child, port));
        }
    }
    None
}

/// A transcript test of a scenario run on a program: ours must equal the golden at
/// `golden_path`, recorded from redis-server 7.0.15 with `RECORD_REFERENCE=1`; when
/// redis-server is installed its live transcript must equal the golden too.
pub fn check_program_transcript(golden_path: &str, scenario: fn(&str) -> Option<String>) {
    check_transcript(
        golden_path,
        || scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs"),
        || {
            if redis_server_installed() {
                scenario("redis-server")
            } else {
                None
            }
        },
    );
}

/// A fresh scratch directory named for this test process and `tag`, removed when dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("luredis-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether redis-server (the reference) is on PATH.
pub fn redis_server_installed() -> bool {
    std::process::Command::new("redis-server")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// The value of `name:` in an INFO reply.
pub fn info_field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// A server process of a test, ended when dropped (woken first, should a test have stopped
/// it with SIGSTOP).
pub struct Process(pub std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.0.id().to_string()])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A primary started for a synchronization scenario, and what must live as long as it.
pub struct Primary {
    pub client: Client,
    pub port: u16,
    /// Its working directory (where a disk-based synchronization's file goes).
    pub dir: String,
    _process: Process,
    _scratch: Scratch,
}

/// A primary of `program` in its own scratch directory (named after `tag`), on disk-based
/// (`diskless` false) or diskless synchronization, holding three keys and saving each in
/// `key_delay_us` microseconds (`rdb-key-save-delay`).
pub fn slow_saving_primary(
    program: &str,
    tag: &str,
    diskless: bool,
    key_delay_us: &str,
) -> Option<Primary> {
    let scratch = Scratch::new(&format!("{tag}-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let mode = if diskless { "yes" } else { "no" };
    let (child, port) = spawn_on_free_port(program, |_| {
        ["--dir", &dir, "--repl-diskless-sync", mode]
            .map(String::from)
            .to_vec()
    })?;
    let process = Process(child);
    let mut client = Client::connect(port);
    for key in ["k1", "k2", "k3"] {
        client.call(&["SET", key, "v"]);
    }
    client.call(&["CONFIG", "SET", "rdb-key-save-delay", key_delay_us]);
    Some(Primary {
        client,
        port,
        dir,
        _process: process,
        _scratch: scratch,
    })
}

/// A raw connection acting as a replica, to watch a primary's side of a synchronization.
pub struct RawReplica {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl RawReplica {
    /// Connected, with `REPLCONF listening-port` sent and then each of `capabilities`
    /// announced (`REPLCONF capa <c>`).
    pub fn connect(port: u16, listening_port: &str, capabilities: &[&str]) -> RawReplica {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let mut replica = RawReplica {
            stream,
            buffer: Vec::new(),
        };
        replica.send(&format!("REPLCONF listening-port {listening_port}\r\n"));
        assert_eq!(replica.line(Duration::from_secs(5)), "+OK");
        for capability in capabilities {
            replica.send(&format!("REPLCONF capa {capability}\r\n"));
            assert_eq!(replica.line(Duration::from_secs(5)), "+OK");
        }
        replica
    }

    pub fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).expect("write");
    }

    /// Read for at most `time`, until `enough` holds of what was read.
    fn fill(&mut self, time: Duration, enough: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + time;
        let mut chunk = [0u8; 64 * 1024];
        while !enough(&self.buffer) && Instant::now() < deadline {
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(_) => continue,
            }
        }
    }

    /// Whether nothing but keep-alive newlines came for `time`.
    pub fn silent_for(&mut self, time: Duration) -> bool {
        self.fill(time, |b| b.iter().any(|&c| c != b'\n'));
        self.buffer.iter().all(|&c| c == b'\n')
    }

    /// The next line (keep-alive newlines skipped), waiting at most `time`.
    pub fn line(&mut self, time: Duration) -> String {
        let complete = |b: &[u8]| {
            let start = b.iter().position(|&c| c != b'\n').unwrap_or(b.len());
            b[start..].windows(2).any(|w| w == b"\r\n")
        };
        self.fill(time, complete);
        if !complete(&self.buffer) {
            return "(nothing)".into();
        }
        let start = self.buffer.iter().position(|&c| c != b'\n').unwrap_or(0);
        self.buffer.drain(..start);
        let end = self
            .buffer
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(0);
        let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        self.buffer.drain(..end + 2);
        line
    }

    /// The snapshot, with its length (`$<length>`) or closed by a mark (`$EOF:<mark>`):
    /// how it looked, the same for both forms when it is an RDB file.
    pub fn snapshot(&mut self) -> String {
        let header = self.line(Duration::from_secs(10));
        let rdb = if let Some(mark) = header.strip_prefix("$EOF:") {
            return self.until_mark(mark.as_bytes());
        } else if let Some(length) = header
            .strip_prefix('$')
            .and_then(|l| l.parse::<usize>().ok())
        {
            self.fill(Duration::from_secs(10), |b| b.len() >= length);
            let rdb = self.buffer.len() >= length && self.buffer.starts_with(b"REDIS0010");
            self.buffer.drain(..length.min(self.buffer.len()));
            rdb
        } else {
            return format!("not a snapshot: {header}");
        };
        format!("an RDB file: {rdb}")
    }

    /// A snapshot after its `$EOF:<mark>` header: what comes up to the mark, which must be
    /// all that comes.
    pub fn until_mark(&mut self, mark: &[u8]) -> String {
        self.fill(Duration::from_secs(10), |b| b.ends_with(mark));
        let whole = self.buffer.ends_with(mark);
        let rdb = whole && self.buffer.starts_with(b"REDIS0010");
        self.buffer.clear();
        format!("an RDB file: {rdb}")
    }

    /// The stream's first `length` bytes (at most ten seconds' wait), line ends visible.
    pub fn stream(&mut self, length: usize) -> String {
        self.fill(Duration::from_secs(10), |b| b.len() >= length);
        String::from_utf8_lossy(&self.buffer).replace("\r\n", "\\r\\n")
    }
}

/// Reply bytes as the golden files write them: printable ASCII as is, `\\`, `\r`, `\n`, `\t`,
/// `\xHH` for any other byte.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}
