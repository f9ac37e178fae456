//! The replication stream: a connection that sends SYNC gets a snapshot, then every change
//! as redis-server 7.0.15 propagates it (SELECTs, MULTI/EXEC around transactions and
//! scripts, INCRBYFLOAT as SET ... KEEPTTL, SPOP as SREM or DEL, nothing for reads); a
//! replica's command that makes a reply ends its connection. Compared with a transcript
//! recorded from redis-server (`RECORD_REFERENCE=1` records it again).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Commands sent by an ordinary client while the replica listens.
const COMMANDS: &[&[&str]] = &[
    &["SET", "a", "1"],
    &["SELECT", "2"],
    &["SET", "b", "2"],
    &["MULTI"],
    &["SET", "c", "3"],
    &["INCR", "d"],
    &["EXEC"],
    &["GET", "a"],
    &[
        "EVAL",
        "redis.call('set', KEYS[1], 'x') redis.call('incr', KEYS[2])",
        "2",
        "e",
        "f",
    ],
    &["EVAL", "return redis.call('get', KEYS[1])", "1", "e"],
    &[
        "EVAL",
        "return redis.call('incrbyfloat', KEYS[1], '1.5')",
        "1",
        "g",
    ],
    &["HINCRBYFLOAT", "h", "x", "2.5"],
    &["SADD", "s", "only"],
    &["EVAL", "return redis.call('spop', KEYS[1])", "1", "s"],
    &["SADD", "t", "1", "2"],
    &["SPOP", "t", "5"],
    &["DEL", "missing"],
    &["SELECT", "0"],
    &["DEL", "a"],
    &["INCRBYFLOAT", "n", "10"],
    &["SELECT", "2"],
    &["FLUSHDB"],
    // Commands Redis propagates as other commands.
    &["SET", "gd", "v"],
    &["GETDEL", "gd"],
    &["GETDEL", "gd"],
    &["GETSET", "gs", "new"],
    &["SET", "ge", "v", "PXAT", "99999999999999"],
    &["GETEX", "ge", "PERSIST"],
    &["GETEX", "ge"],
    &["RPUSH", "l", "a", "b", "c", "d", "e"],
    &["BLPOP", "l", "0"],
    &["BRPOP", "l", "0"],
    &["BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"],
    &["BRPOPLPUSH", "l", "l2", "0"],
    &["LMPOP", "1", "l2", "LEFT", "COUNT", "5"],
    &["BLMPOP", "0", "1", "l", "RIGHT"],
    &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
    &["BZPOPMIN", "z", "0"],
    &["BZPOPMAX", "z", "0"],
    &["ZMPOP", "1", "z", "MIN", "COUNT", "9"],
    &["ZADD", "z", "1", "a", "2", "b"],
    &["BZMPOP", "0", "1", "z", "MAX"],
    &["GEOADD", "g", "13.361389", "38.115556", "Palermo"],
    &["XADD", "x", "1-1", "f", "v"],
    &["XADD", "x", "2-1", "f", "v"],
    &["XADD", "x", "MAXLEN", "~", "1", "3-1", "f", "v"],
    &["XADD", "x", "MAXLEN", "1", "4-1", "f", "v"],
    &["XTRIM", "x", "MAXLEN", "~", "0"],
    &["XTRIM", "x", "MINID", "5"],
    &[
        "EVAL",
        "redis.call('getdel', KEYS[1]) redis.call('geoadd', KEYS[2], 1, 2, 'm')",
        "2",
        "gs",
        "g",
    ],
    // PUBLISH reaches the replicas (not the append-only file), alone, in a transaction and
    // from a script.
    &["PUBLISH", "ch", "alone"],
    &["MULTI"],
    &["PUBLISH", "ch", "queued"],
    &["SET", "pub", "1"],
    &["EXEC"],
    &[
        "EVAL",
        "redis.call('publish', 'ch', 'scripted') return 1",
        "0",
    ],
    // Propagated even when they change nothing.
    &["SWAPDB", "2", "3"],
    &["SELECT", "5"],
    &["FLUSHDB"],
    &["FLUSHALL"],
];

/// Read from `stream` until `done` says the bytes so far are enough, or `wait` passes.
fn read_until(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    wait: Duration,
    done: impl Fn(&[u8]) -> bool,
) -> bool {
    let deadline = Instant::now() + wait;
    let mut chunk = [0u8; 65536];
    while !done(buf) {
        if Instant::now() >= deadline {
            return false;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    true
}

/// The stream's bytes as readable text (`\r\n` kept as escapes, one command per line).
fn shown(bytes: &[u8]) -> String {
    let text: String = bytes.iter().map(|&b| b as char).collect();
    text.replace("\r\n*", "\r\n\n*").replace("\r\n", "\\r\\n")
}

/// Attach a replica with SYNC and read the snapshot: the connection, what followed the
/// snapshot so far, and whether the snapshot is an RDB file of version 10.
fn attach_replica(port: u16) -> (TcpStream, Vec<u8>, bool) {
    let mut replica = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    replica
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    replica.write_all(b"SYNC\r\n").expect("send SYNC");
    // `$<length>\r\n` and the snapshot, with no CRLF after it (empty lines are keep-alives).
    let mut buf = Vec::new();
    let header_end = |b: &[u8]| {
        let start = b.iter().position(|&c| c != b'\n').unwrap_or(b.len());
        b[start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|i| start + i + 2)
    };
    assert!(read_until(
        &mut replica,
        &mut buf,
        Duration::from_secs(10),
        |b| header_end(b).is_some()
    ));
    let end = header_end(&buf).expect("header");
    let header = String::from_utf8_lossy(&buf[..end])
        .trim_start_matches('\n')
        .to_string();
    let length: usize = header.trim()[1..].parse().expect("bulk length");
    assert!(read_until(
        &mut replica,
        &mut buf,
        Duration::from_secs(10),
        |b| b.len() >= end + length
    ));
    let rdb = buf[end..].starts_with(b"REDIS0010");
    buf.drain(..end + length);
    (replica, buf, rdb)
}

fn scenario(port: u16) -> String {
    let mut out = String::new();
    let mut client = support::Client::connect(port);
    // No PING in the stream during the test, as Redis's own tests arrange it.
    client.call(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]);
    client.call(&["SET", "before", "the snapshot"]);
    let (mut replica, mut buf, rdb) = attach_replica(port);
    out.push_str(&format!("snapshot: starts with REDIS0010: {rdb}\n"));

    for command in COMMANDS {
        let reply = client.call(command);
        out.push_str(&format!(
            "{} -> {}\n",
            command.join(" "),
            reply.replace("\r\n", "\\r\\n")
        ));
    }
    // A marker written last: everything before it has been sent.
    client.call(&["SET", "marker", "end"]);
    let found = read_until(&mut replica, &mut buf, Duration::from_secs(5), |b| {
        b.windows(6).any(|w| w == b"marker")
    });
    assert!(found, "the stream ended early: {}", shown(&buf));
    out.push_str("stream:\n");
    out.push_str(&shown(&buf));
    out.push('\n');

    // An acknowledgement gets no reply; a PING's reply ends the replica's connection.
    replica
        .write_all(b"REPLCONF ACK 0\r\nPING\r\n")
        .expect("send");
    let mut rest = Vec::new();
    let closed = !read_until(&mut replica, &mut rest, Duration::from_secs(5), |_| false)
        && replica.read(&mut [0u8; 16]).map_or(false, |n| n == 0);
    out.push_str(&format!(
        "after PING from the replica: closed {closed}, received {:?}\n",
        shown(&rest)
    ));
    client.call(&["CONFIG", "SET", "repl-ping-replica-period", "10"]);
    out
}

#[test]
fn the_replication_stream_matches_redis() {
    support::check_scenario("tests/golden/replication_stream.txt", scenario);
}

/// Keys that SCAN and RANDOMKEY find expired are deleted, each DEL propagated on its own (not
/// in a MULTI/EXEC), as Redis does for commands that touch arbitrary keys.
fn lazy_expire_scenario(port: u16) -> String {
    let mut out = String::new();
    let mut client = support::Client::connect(port);
    client.call(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]);
    client.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    client.call(&["FLUSHALL"]);
    let (mut replica, mut buf, _) = attach_replica(port);
    for (command, keys) in [("SCAN", ["s1", "s2"]), ("RANDOMKEY", ["r1", "r2"])] {
        for key in keys {
            client.call(&["SET", key, "v"]);
            client.call(&["PEXPIRE", key, "1"]);
        }
        std::thread::sleep(Duration::from_millis(20));
        let args: &[&str] = if command == "SCAN" {
            &["SCAN", "0"]
        } else {
            &["RANDOMKEY"]
        };
        let reply = client.call(args);
        out.push_str(&format!(
            "{command} -> {}\n",
            reply.replace("\r\n", "\\r\\n")
        ));
        out.push_str(&format!(
            "DBSIZE -> {}\n",
            client.call(&["DBSIZE"]).trim_end()
        ));
    }
    client.call(&["SET", "marker", "end"]);
    let found = read_until(&mut replica, &mut buf, Duration::from_secs(5), |b| {
        b.windows(6).any(|w| w == b"marker")
    });
    assert!(found, "the stream ended early: {}", shown(&buf));
    // PEXPIRE is propagated with the absolute time it gave: masked. The order of the DELs
    // follows the hash table's (random in Redis): each run of them is sorted.
    let stream = sort_runs_of_dels(&mask_times(&shown(&buf)));
    out.push_str("stream:\n");
    out.push_str(&stream);
    out.push('\n');
    client.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    client.call(&["CONFIG", "SET", "repl-ping-replica-period", "10"]);
    out
}

/// The stream's lines with each run of consecutive DEL lines sorted.
fn sort_runs_of_dels(stream: &str) -> String {
    let mut lines: Vec<&str> = stream.split('\n').collect();
    let is_del = |line: &str| line.starts_with("*2\\r\\n$3\\r\\nDEL");
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| is_del(l)).count();
        lines[i..i + run].sort_unstable();
        i += run.max(1);
    }
    lines.join("\n")
}

/// Every 13-digit number (a time in Unix milliseconds) as `<ms>`.
fn mask_times(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() == 13 {
            out.push_str("<ms>");
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[test]
fn lazy_expiry_by_scan_and_randomkey_propagates_plain_dels() {
    support::check_transcript(
        "tests/golden/replication_lazy_expire.txt",
        || {
            let server = support::start("enable-debug-command yes");
            let transcript = lazy_expire_scenario(server.port);
            server.stop();
            transcript
        },
        || {
            let args = [
                std::ffi::OsStr::new("--enable-debug-command"),
                std::ffi::OsStr::new("yes"),
            ];
            support::Reference::start(&args).map(|r| lazy_expire_scenario(r.port))
        },
    );
}
