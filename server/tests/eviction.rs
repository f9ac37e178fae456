//! Eviction by the LRU and LFU policies: the least recently or least frequently used key goes
//! first. The same scenario runs against redis-server when it is installed, which must evict
//! the same key first.

mod support;

use std::time::Duration;
use support::Client;

fn used_memory(c: &mut Client) -> u64 {
    let info = c.call(&["INFO", "memory"]);
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory")
}

/// Fill five keys, make `old` the one the policy should evict, squeeze memory by `squeeze`
/// bytes, and report which keys are left.
fn scenario(port: u16, policy: &str, squeeze: u64) -> String {
    let mut c = Client::connect(port);
    c.call(&["FLUSHALL"]);
    c.call(&["CONFIG", "SET", "maxmemory-policy", policy]);
    c.call(&["CONFIG", "SET", "maxmemory-samples", "64"]);
    // Under the 16 KB a read makes room for, so no query buffer grows past it and shrinks
    // back between the measure and the squeeze.
    let value = "x".repeat(10_000);
    c.call(&["SET", "old", &value]);
    if policy.ends_with("lru") {
        // `old` is two seconds older than the others.
        std::thread::sleep(Duration::from_millis(2100));
    }
    for key in ["hot1", "hot2", "hot3", "hot4"] {
        c.call(&["SET", key, &value]);
        // Used more than `old` (an LFU counter's first step from its start is certain).
        c.call(&["GET", key]);
        c.call(&["GET", key]);
    }
    let used = used_memory(&mut c);
    c.call(&["CONFIG", "SET", "maxmemory", &(used - squeeze).to_string()]);
    let reply = c.call(&["SET", "trigger", "1"]);
    c.call(&["CONFIG", "SET", "maxmemory", "0"]);
    let mut out = format!("{policy}: SET -> {}", reply.trim_end());
    // How many keys go depends on each server's memory accounting; which go first does not:
    // `old`, and never the most used and most recent `hot4` before it.
    for key in ["old", "hot4"] {
        out.push_str(&format!(", {key} {}", c.call(&["EXISTS", key]).trim_end()));
    }
    c.call(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    out
}

#[test]
fn lru_and_lfu_evict_the_least_used_key_first() {
    let expected = "SET -> +OK, old :0, hot4 :1";
    let server = support::start("");
    let reference = support::Reference::start(&[]);
    for policy in ["allkeys-lru", "allkeys-lfu"] {
        let ours = scenario(server.port, policy, 4000);
        assert_eq!(ours, format!("{policy}: {expected}"));
        // redis-server's memory moves by more than a key between two commands (its periodic
        // task gives query buffers back), so it is squeezed by six keys' worth and may evict
        // more than `old`; but `old` always goes first.
        if let Some(r) = &reference {
            let theirs = scenario(r.port, policy, 60_000);
            assert!(theirs.contains("old :0"), "redis-server: {theirs}");
        }
    }
    server.stop();
}
