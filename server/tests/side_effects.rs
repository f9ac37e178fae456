//! What write commands do besides replying: the changes they count (INFO's
//! `rdb_changes_since_last_save`, which also decides whether a command is propagated), whether
//! a WATCH of their keys sees a change, and the keyspace notifications they send, step by step
//! as `tests/golden/side_effects.txt` records them from redis-server 7.0.15
//! (`tests/golden/side_effects.py` runs the same `side_effects.steps` against it).

mod support;

use std::time::Duration;
use support::{escape, start, Client};

const STEPS: &str = include_str!("golden/side_effects.steps");
const EXPECTED: &str = include_str!("golden/side_effects.txt");
/// The keys the cases use: the WATCH before each step covers them all.
const WATCHED: &[&str] = &["s", "d", "z", "y", "x", "h", "l", "m", "k", "g", "a", "b"];
const WAIT: Duration = Duration::from_secs(5);

fn changes(c: &mut Client) -> i64 {
    let info = c.call(&["INFO", "persistence"]);
    info.split("\r\n")
        .find_map(|line| line.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|n| n.parse().ok())
        .expect("rdb_changes_since_last_save in INFO")
}

/// The notifications `sub` received since the last call, as `event <channel> <message>`:
/// everything before the message this publishes on the sync channel.
fn events(c: &mut Client, sub: &mut Client) -> Vec<String> {
    c.call(&["PUBLISH", "side-effects-sync", "1"]);
    let mut seen = Vec::new();
    loop {
        let reply = sub.read_reply(WAIT);
        assert!(
            !reply.is_empty(),
            "no sync message; events so far: {seen:?}"
        );
        let parts: Vec<&[u8]> = reply.split(|&b| b == b'\n').collect();
        // *4 $8 pmessage $n pattern $n channel $n message, or *3 $7 message ... (the sync).
        let field = |i: usize| parts[i].strip_suffix(b"\r").unwrap_or(parts[i]);
        if field(2) == b"message" {
            return seen;
        }
        seen.push(format!("event {} {}", escape(field(6)), escape(field(8))));
    }
}

#[test]
fn write_commands_count_watch_and_notify_as_the_reference_does() {
    let server = start("");
    let mut c = Client::connect(server.port);
    let mut sub = Client::connect(server.port);
    // Every event class but key misses, `n` (new keys) included: `A` would leave it out.
    c.call(&["CONFIG", "SET", "notify-keyspace-events", "KEg$lshzxetdn"]);
    sub.call(&["PSUBSCRIBE", "__key*__:*"]);
    sub.call(&["SUBSCRIBE", "side-effects-sync"]);
    let mut out = Vec::new();
    for text in STEPS.lines() {
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text.starts_with("== ") {
            out.push(text.to_string());
            c.call(&["FLUSHALL"]);
            continue;
        }
        let step = text.strip_prefix("> ");
        let args: Vec<&str> = step
            .unwrap_or(text)
            .split(' ')
            .map(|a| if a == "\"\"" { "" } else { a })
            .collect();
        if step.is_none() {
            c.call(&args);
            continue;
        }
        events(&mut c, &mut sub);
        let mut watch = vec!["WATCH"];
        watch.extend_from_slice(WATCHED);
        c.call(&watch);
        let before = changes(&mut c);
        c.send(&args);
        let reply = c.read_reply(WAIT);
        let writes = changes(&mut c) - before;
        c.call(&["MULTI"]);
        c.call(&["PING"]);
        let touched = c.call(&["EXEC"]) == "*-1\r\n";
        out.push(text.to_string());
        out.push(format!("reply {}", escape(&reply)));
        out.push(format!("writes {writes}"));
        out.push(format!(
            "watch {}",
            if touched { "touched" } else { "untouched" }
        ));
        out.extend(events(&mut c, &mut sub));
    }
    let got = out.join("\n") + "\n";
    for (line, (want, have)) in EXPECTED.lines().zip(got.lines()).enumerate() {
        assert_eq!(want, have, "transcript line {}", line + 1);
    }
    assert_eq!(EXPECTED, got);
    server.stop();
}

/// A blocked pop served by a later push: the changes counted from the push on, as
/// redis-server 7.0.15 counted them for the same sequence (BLPOP, BRPOP, BLMOVE and
/// BRPOPLPUSH add nothing to the push's two; BLMPOP and BZPOPMIN count what they take).
#[test]
fn served_blocking_pops_count_as_the_reference_does() {
    let server = start("");
    let mut c = Client::connect(server.port);
    let mut blocked = Client::connect(server.port);
    let cases: [(&[&str], &[&str], i64); 6] = [
        (&["BLPOP", "k", "5"], &["RPUSH", "k", "a", "b"], 2),
        (&["BRPOP", "k", "5"], &["RPUSH", "k", "a", "b"], 2),
        (
            &["BLMOVE", "k", "d", "LEFT", "RIGHT", "5"],
            &["RPUSH", "k", "a", "b"],
            2,
        ),
        (&["BRPOPLPUSH", "k", "d", "5"], &["RPUSH", "k", "a", "b"], 2),
        (
            &["BLMPOP", "5", "1", "k", "LEFT", "COUNT", "2"],
            &["RPUSH", "k", "a", "b"],
            4,
        ),
        (
            &["BZPOPMIN", "z", "5"],
            &["ZADD", "z", "1", "a", "2", "b"],
            3,
        ),
    ];
    for (pop, push, expected) in cases {
        c.call(&["FLUSHALL"]);
        blocked.send(pop);
        // Wait (at most five seconds) until the pop is blocked.
        let deadline = std::time::Instant::now() + WAIT;
        while !c
            .call(&["INFO", "clients"])
            .contains("blocked_clients:1\r\n")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{pop:?} never blocked"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let before = changes(&mut c);
        c.call(push);
        assert!(
            !blocked.read_reply(WAIT).is_empty(),
            "{pop:?} was not served"
        );
        assert_eq!(
            changes(&mut c) - before,
            expected,
            "{pop:?} served by {push:?}"
        );
    }
    server.stop();
}
