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

fn scenario(port: u16) -> String {
    let mut out = String::new();
    let mut client = support::Client::connect(port);
    // No PING in the stream during the test, as Redis's own tests arrange it.
    client.call(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]);
    client.call(&["SET", "before", "the snapshot"]);

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
    out.push_str(&format!(
        "snapshot: starts with REDIS0010: {}\n",
        buf[end..].starts_with(b"REDIS0010")
    ));
    buf.drain(..end + length);

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
