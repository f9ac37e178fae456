//! ACL LOG: refused commands, keys and channels (at top level, in MULTI, in scripts) and
//! failed authentications, grouped as Redis groups them. The transcript (with each entry's
//! `age-seconds` and `client-info`, which vary from run to run, masked) must equal
//! `golden/acl_log.txt`, recorded from redis-server 7.0.15 with `RECORD_REFERENCE=1`; when
//! `redis-server` is on PATH it is also run live and compared.

mod support;

use std::time::Duration;
use support::Client;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/acl_log.txt");

/// The reply text with the value after each `age-seconds` and `client-info` key masked.
fn mask(reply: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(reply).into_owned();
    for key in ["$11\r\nage-seconds\r\n", "$11\r\nclient-info\r\n"] {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(key) {
            out.push_str(&rest[..at + key.len()]);
            rest = &rest[at + key.len()..];
            // Skip the value: a bulk ($N\r\n...\r\n) or a RESP3 double (,...\r\n).
            let skip = if let Some(body) = rest.strip_prefix('$') {
                let header = body.find("\r\n").unwrap_or(0);
                let n: usize = body[..header].parse().unwrap_or(0);
                1 + header + 2 + n + 2
            } else {
                rest.find("\r\n").map_or(rest.len(), |i| i + 2)
            };
            out.push_str("<masked>\r\n");
            rest = &rest[skip.min(rest.len())..];
        }
        out.push_str(rest);
        text = out;
    }
    text.replace('\r', "\\r").replace('\n', "\\n")
}

fn step(lines: &mut Vec<String>, label: &str, c: &mut Client, args: &[&str]) {
    c.send(args);
    let reply = c.read_reply(Duration::from_secs(5));
    lines.push(format!("{label}: {}", mask(&reply)));
}

fn scenario(port: u16) -> String {
    let mut lines = Vec::new();
    let mut admin = Client::connect(port);
    let mut alice = Client::connect(port);
    step(&mut lines, "reset", &mut admin, &["ACL", "LOG", "RESET"]);
    step(
        &mut lines,
        "setuser",
        &mut admin,
        &[
            "ACL",
            "SETUSER",
            "alice",
            "on",
            ">pw",
            "~allowed*",
            "&chan",
            "-@all",
            "+get",
            "+set",
            "+ping",
            "+publish",
            "+eval",
            "+multi",
            "+exec",
            "+client",
        ],
    );
    step(&mut lines, "auth", &mut alice, &["AUTH", "alice", "pw"]);
    step(
        &mut lines,
        "name",
        &mut alice,
        &["CLIENT", "SETNAME", "alice-conn"],
    );
    step(&mut lines, "command", &mut alice, &["DEL", "allowed1"]);
    step(&mut lines, "key", &mut alice, &["GET", "secret"]);
    step(&mut lines, "key again", &mut alice, &["GET", "secret"]);
    step(
        &mut lines,
        "channel",
        &mut alice,
        &["PUBLISH", "other", "x"],
    );
    step(&mut lines, "multi", &mut alice, &["MULTI"]);
    step(&mut lines, "in multi", &mut alice, &["GET", "secret2"]);
    step(&mut lines, "exec", &mut alice, &["EXEC"]);
    step(
        &mut lines,
        "script",
        &mut alice,
        &["EVAL", "return redis.call('get', KEYS[1])", "1", "hidden"],
    );
    step(
        &mut lines,
        "script call",
        &mut alice,
        &["EVAL", "return redis.call('get', 'hidden')", "0"],
    );
    step(
        &mut lines,
        "script call command",
        &mut alice,
        &["EVAL", "return redis.call('del', 'allowed2')", "0"],
    );
    step(
        &mut lines,
        "script check",
        &mut alice,
        &["EVAL", "return redis.acl_check_cmd('get', 'hidden2')", "0"],
    );
    step(
        &mut lines,
        "bad password",
        &mut alice,
        &["AUTH", "alice", "wrong"],
    );
    step(
        &mut lines,
        "no such user",
        &mut alice,
        &["auth", "nobody", "pw"],
    );
    step(
        &mut lines,
        "hello auth",
        &mut alice,
        &["HELLO", "2", "AUTH", "alice", "nope"],
    );
    step(&mut lines, "log", &mut admin, &["ACL", "LOG"]);
    step(&mut lines, "log 2", &mut admin, &["ACL", "LOG", "2"]);
    step(&mut lines, "log 0", &mut admin, &["ACL", "LOG", "0"]);
    step(&mut lines, "log -1", &mut admin, &["ACL", "LOG", "-1"]);
    step(&mut lines, "log x", &mut admin, &["ACL", "LOG", "x"]);
    step(
        &mut lines,
        "log extra",
        &mut admin,
        &["ACL", "LOG", "1", "2"],
    );
    step(&mut lines, "resp3", &mut admin, &["HELLO", "3"]);
    lines.pop();
    step(&mut lines, "log resp3", &mut admin, &["ACL", "LOG", "1"]);
    step(
        &mut lines,
        "reset again",
        &mut admin,
        &["ACL", "LOG", "RESET"],
    );
    step(&mut lines, "empty", &mut admin, &["ACL", "LOG"]);
    step(
        &mut lines,
        "cleanup",
        &mut admin,
        &["ACL", "DELUSER", "alice"],
    );
    lines.join("\n") + "\n"
}

#[test]
fn acl_log_matches_redis() {
    support::check_scenario(GOLDEN, scenario);
}
