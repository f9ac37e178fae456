//! Lazy freeing: large values deleted by UNLINK (and flushed databases under ASYNC) are freed
//! on a helper thread, counted in `lazyfreed_objects` as Redis counts them; small ones are
//! freed at once and not counted.

mod support;

use std::time::{Duration, Instant};
use support::Client;

fn memory_field(c: &mut Client, name: &str) -> u64 {
    let info = c.call(&["INFO", "memory"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in {info}"))
}

/// Wait (ten seconds at most) until nothing is pending, then read `lazyfreed_objects`.
fn freed_when_done(c: &mut Client) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while memory_field(c, "lazyfree_pending_objects") > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    memory_field(c, "lazyfreed_objects")
}

#[test]
fn large_values_are_freed_on_the_helper_thread() {
    let server = support::start("");
    let mut c = Client::connect(server.port);
    // A set of 1,000 integers is a hash table (past 512 intset entries): 1,000 frees.
    let members: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let mut sadd = vec!["SADD", "big"];
    sadd.extend(members.iter().map(String::as_str));
    assert_eq!(c.call(&sadd), ":1000\r\n");
    assert_eq!(c.call(&["SADD", "small", "1", "2", "3"]), ":3\r\n");
    assert_eq!(c.call(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
    assert_eq!(c.call(&["UNLINK", "small"]), ":1\r\n");
    assert_eq!(freed_when_done(&mut c), 0, "a small value is freed at once");
    assert_eq!(c.call(&["UNLINK", "big"]), ":1\r\n");
    assert_eq!(freed_when_done(&mut c), 1);
    assert_eq!(c.call(&["EXISTS", "big"]), ":0\r\n");
    // DEL frees at once unless lazyfree-lazy-user-del says otherwise.
    assert_eq!(c.call(&sadd), ":1000\r\n");
    assert_eq!(c.call(&["DEL", "big"]), ":1\r\n");
    assert_eq!(freed_when_done(&mut c), 1);
    assert_eq!(
        c.call(&["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]),
        "+OK\r\n"
    );
    assert_eq!(c.call(&sadd), ":1000\r\n");
    assert_eq!(c.call(&["DEL", "big"]), ":1\r\n");
    assert_eq!(freed_when_done(&mut c), 2);
    // A flushed database counts one object per key.
    for key in ["a", "b", "c"] {
        assert_eq!(c.call(&["SET", key, "v"]), "+OK\r\n");
    }
    assert_eq!(c.call(&["FLUSHALL", "ASYNC"]), "+OK\r\n");
    assert_eq!(freed_when_done(&mut c), 5);
    assert_eq!(c.call(&["DBSIZE"]), ":0\r\n");
    server.stop();
}
