//! Expiry: keys past their time are gone on access (lazy) and reclaimed without access by the
//! periodic task (active), as in Redis.

mod support;

use std::time::{Duration, Instant};
use support::{start, Client};

#[test]
fn expired_keys_vanish_on_access_and_in_the_background() {
    let server = start("hz 100");
    let mut c = Client::connect(server.port);
    for i in 0..200 {
        let key = format!("k{i}");
        assert_eq!(c.call(&["SET", &key, "v", "PX", "300"]), "+OK\r\n");
    }
    assert_eq!(c.call(&["SET", "stays", "v"]), "+OK\r\n");
    assert_eq!(c.call(&["DBSIZE"]), ":201\r\n");
    std::thread::sleep(Duration::from_millis(350));
    // Lazy: a read of an expired key finds nothing.
    assert_eq!(c.call(&["GET", "k0"]), "$-1\r\n");
    // Active: without access, the periodic task deletes the rest (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.call(&["DBSIZE"]) != ":1\r\n" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(c.call(&["DBSIZE"]), ":1\r\n");
    let info = c.call(&["INFO", "stats"]);
    assert!(info.contains("expired_keys:200\r\n"), "{info}");
    server.stop();
}

#[test]
fn active_expiry_can_be_paused_for_tests() {
    let server = start("hz 100\nenable-debug-command yes");
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    assert_eq!(c.call(&["SET", "k", "v", "PX", "10"]), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(c.call(&["DBSIZE"]), ":1\r\n");
    assert_eq!(c.call(&["EXISTS", "k"]), ":0\r\n");
    assert_eq!(c.call(&["DBSIZE"]), ":0\r\n");
    server.stop();
}

/// `INFO keyspace` reports the keys' average time to live as active expiry estimates it
/// (a running average of the TTLs it samples), and 0 once no key has a time.
#[test]
fn info_keyspace_estimates_the_average_ttl() {
    let server = start("hz 100");
    let mut c = Client::connect(server.port);
    for i in 0..20 {
        let key = format!("k{i}");
        assert_eq!(c.call(&["SET", &key, "v", "EX", "100"]), "+OK\r\n");
    }
    let avg_ttl = |c: &mut Client| -> i64 {
        let info = c.call(&["INFO", "keyspace"]);
        let at = info.find("avg_ttl=").expect("avg_ttl") + "avg_ttl=".len();
        info[at..]
            .split(|ch: char| !ch.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a number")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while avg_ttl(&mut c) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let estimate = avg_ttl(&mut c);
    assert!((90_000..=100_000).contains(&estimate), "{estimate}");
    assert_eq!(c.call(&["PERSIST", "k0"]), ":1\r\n");
    for i in 1..20 {
        assert_eq!(c.call(&["PERSIST", &format!("k{i}")]), ":1\r\n");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while avg_ttl(&mut c) != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(avg_ttl(&mut c), 0);
    server.stop();
}
