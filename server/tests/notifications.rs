//! Keyspace notifications: a pattern subscriber receives the same messages, byte for byte, as
//! from redis-server 7.0.15 (`tests/golden/notifications.resp`, recorded by
//! `tests/golden/notifications.py` running this same sequence against it).

mod support;

use std::time::{Duration, Instant};
use support::{start, Client};

const EXPECTED: &[u8] = include_bytes!("golden/notifications.resp");

#[test]
fn keyspace_and_keyevent_messages_match_the_reference() {
    let server = start("");
    let mut sub = Client::connect(server.port);
    let mut c = Client::connect(server.port);
    c.call(&["SELECT", "3"]);
    c.call(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    sub.call(&["PSUBSCRIBE", "__key*@3__:*"]);
    for args in [
        &["SET", "k", "v"][..],
        &["SET", "k", "w", "EX", "100"],
        &["APPEND", "k", "x"],
        &["INCR", "n"],
        &["RPUSH", "l", "a"],
        &["LPOP", "l"],
        &["HSET", "h", "f", "v"],
        &["DEL", "h", "k", "zz"],
        &["RENAME", "n", "m"],
        &["EXPIRE", "m", "0"],
    ] {
        c.call(args);
    }
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.len() < EXPECTED.len() && Instant::now() < deadline {
        got.extend(sub.read_reply(Duration::from_millis(200)));
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(EXPECTED)
    );
    server.stop();
}
