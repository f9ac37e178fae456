//! Diskless synchronization's wait for more replicas: with `repl-diskless-sync yes`, a
//! replica that takes a snapshot closed by a mark (`REPLCONF capa eof`) waits
//! `repl-diskless-sync-delay` seconds for others to arrive (getting only keep-alive
//! newlines), or until `repl-diskless-sync-max-replicas` wait; then one save serves them all.
//! redis-server streams that save through a pipe with an EOF mark, ours sends it from the file
//! with its length: the transcript records only that an RDB file came. It must equal
//! `golden/diskless_delay.txt`, recorded from redis-server 7.0.15 (`RECORD_REFERENCE=1`),
//! which is run live when installed.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{info_field, Client, Process};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/diskless_delay.txt"
);

struct Replica {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Replica {
    /// A raw connection that asks for a full synchronization, taking marked snapshots.
    fn attach(port: u16, listening_port: &str) -> Replica {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let mut replica = Replica {
            stream,
            buffer: Vec::new(),
        };
        for request in [
            format!("REPLCONF listening-port {listening_port}\r\n"),
            "REPLCONF capa eof capa psync2\r\n".to_string(),
        ] {
            replica.stream.write_all(request.as_bytes()).expect("write");
            assert_eq!(replica.line(Duration::from_secs(5)), "+OK");
        }
        replica.stream.write_all(b"PSYNC ? -1\r\n").expect("write");
        replica
    }

    /// Read for `time`, or until `enough` holds of the buffer.
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

    /// Whether nothing but newlines came for `time`.
    fn silent_for(&mut self, time: Duration) -> bool {
        self.fill(time, |b| b.iter().any(|&c| c != b'\n'));
        self.buffer.iter().all(|&c| c == b'\n')
    }

    /// The next line (keep-alive newlines skipped), waiting at most `time`.
    fn line(&mut self, time: Duration) -> String {
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

    /// `+FULLRESYNC` with its id masked, and its offset (which depends on the PINGs the
    /// stream had by then).
    fn fullresync(&mut self) -> (String, String) {
        let line = self.line(Duration::from_secs(5));
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["+FULLRESYNC", id, offset] => (
                format!("+FULLRESYNC <{} characters> <offset>", id.len()),
                offset.to_string(),
            ),
            _ => (line, String::new()),
        }
    }

    /// The snapshot, in either form: whether it is an RDB file.
    fn snapshot(&mut self) -> String {
        let header = self.line(Duration::from_secs(10));
        let rdb = if let Some(mark) = header.strip_prefix("$EOF:") {
            let mark = mark.as_bytes().to_vec();
            self.fill(Duration::from_secs(10), |b| b.ends_with(&mark));
            self.buffer.ends_with(&mark) && self.buffer.starts_with(b"REDIS0010")
        } else if let Some(length) = header
            .strip_prefix('$')
            .and_then(|l| l.parse::<usize>().ok())
        {
            self.fill(Duration::from_secs(10), |b| b.len() >= length);
            self.buffer.len() >= length && self.buffer.starts_with(b"REDIS0010")
        } else {
            return format!("not a snapshot: {header}");
        };
        format!("an RDB file: {rdb}")
    }
}

fn scenario(program: &str) -> Option<String> {
    let (child, port) = support::spawn_on_free_port(program, |_| {
        [
            "--repl-diskless-sync",
            "yes",
            "--repl-diskless-sync-delay",
            "60",
            "--repl-diskless-sync-max-replicas",
            "2",
        ]
        .map(String::from)
        .to_vec()
    })?;
    let _server = Process(child);
    let mut c = Client::connect(port);
    let mut out = String::new();
    c.call(&["SET", "k", "v"]);
    let mut first = Replica::attach(port, "7001");
    out += &format!(
        "first replica alone, only newlines for 1.5 s: {}\n",
        first.silent_for(Duration::from_millis(1500))
    );
    let replication = c.call(&["INFO", "replication"]);
    out += &format!("slave0: {}\n", info_field(&replication, "slave0"));
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!(
        "rdb_bgsave_in_progress: {}\n",
        info_field(&persistence, "rdb_bgsave_in_progress")
    );
    // The second makes two: the save starts for both within the periodic task's second.
    let mut second = Replica::attach(port, "7002");
    let (first_line, first_offset) = first.fullresync();
    let (second_line, second_offset) = second.fullresync();
    out += &format!("first: {first_line}\nsecond: {second_line}\n");
    out += &format!("the same offset: {}\n", first_offset == second_offset);
    out += &format!("first's snapshot: {}\n", first.snapshot());
    out += &format!("second's snapshot: {}\n", second.snapshot());
    Some(out)
}

#[test]
fn replicas_wait_for_each_other_under_diskless_sync() {
    support::check_program_transcript(GOLDEN, scenario);
}
