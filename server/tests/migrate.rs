//! MIGRATE from our server to another, compared with a transcript recorded with redis-server
//! 7.0.15 as the source (`RECORD_REFERENCE=1` records it again). The target is always our
//! server, so only the source differs between the two runs; the transcript also shows what the
//! target holds afterwards.

mod support;

use support::Client;

fn scenario(port: u16) -> String {
    let target = support::start("");
    let to = target.port.to_string();
    let mut source = Client::connect(port);
    let mut on_target = Client::connect(target.port);
    let lines = std::cell::RefCell::new(Vec::new());
    let step = |client: &mut Client, args: &[&str]| {
        let reply = client.call(args);
        let shown: Vec<&str> = args
            .iter()
            .map(|a| if *a == to { "<to>" } else { a })
            .collect();
        lines
            .borrow_mut()
            .push(format!("> {}\n{}", shown.join(" "), reply));
    };
    // One field of INFO (the rest differs from run to run).
    let field = |client: &mut Client, section: &str, name: &str| -> String {
        let info = client.call(&["INFO", section]);
        let line = info
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or("(none)");
        // Call counts only: times differ.
        let shown = line.split(",usec=").next().unwrap_or(line);
        format!("> INFO {section} ({name})\n{shown}\n")
    };
    let s = &mut source;
    let t = &mut on_target;
    step(s, &["FLUSHALL"]);
    step(t, &["FLUSHALL"]);
    step(s, &["SET", "str", "value"]);
    step(s, &["RPUSH", "list", "a", "b", "c"]);
    step(s, &["HSET", "hash", "f", "v"]);
    step(s, &["SET", "ttl", "x", "EX", "1000"]);
    step(s, &["SET", "copied", "1"]);
    // Argument errors, then a key that is not there.
    step(s, &["MIGRATE", "127.0.0.1", &to, "str", "x", "100"]);
    step(s, &["MIGRATE", "127.0.0.1", &to, "str", "0", "x"]);
    step(
        s,
        &["MIGRATE", "127.0.0.1", &to, "str", "0", "100", "bogus"],
    );
    step(s, &["MIGRATE", "127.0.0.1", &to, "str", "0", "100", "AUTH"]);
    step(
        s,
        &["MIGRATE", "127.0.0.1", &to, "str", "0", "100", "AUTH2", "u"],
    );
    step(
        s,
        &["MIGRATE", "127.0.0.1", &to, "str", "0", "100", "KEYS", "a"],
    );
    step(s, &["MIGRATE", "127.0.0.1", &to, "nokey", "0", "100"]);
    // One key, then several into another database, one of them missing.
    step(s, &["MIGRATE", "127.0.0.1", &to, "str", "0", "1000"]);
    step(s, &["EXISTS", "str"]);
    step(t, &["GET", "str"]);
    step(
        s,
        &[
            "MIGRATE",
            "127.0.0.1",
            &to,
            "",
            "3",
            "1000",
            "KEYS",
            "list",
            "nokey",
            "hash",
            "ttl",
        ],
    );
    step(s, &["EXISTS", "list", "hash", "ttl"]);
    // The connection is kept, and the target's database chosen once per change of database.
    lines
        .borrow_mut()
        .push(field(s, "stats", "migrate_cached_sockets"));
    lines
        .borrow_mut()
        .push(field(t, "commandstats", "cmdstat_select"));
    step(t, &["SELECT", "3"]);
    step(t, &["LRANGE", "list", "0", "-1"]);
    step(t, &["HGETALL", "hash"]);
    step(t, &["TTL", "ttl"]);
    // COPY keeps the key; a second copy finds it there (BUSYKEY) unless REPLACE.
    step(
        s,
        &["MIGRATE", "127.0.0.1", &to, "copied", "0", "1000", "COPY"],
    );
    step(
        s,
        &["MIGRATE", "127.0.0.1", &to, "copied", "0", "1000", "COPY"],
    );
    step(s, &["SET", "copied", "2"]);
    step(
        s,
        &[
            "MIGRATE",
            "127.0.0.1",
            &to,
            "copied",
            "0",
            "1000",
            "COPY",
            "REPLACE",
        ],
    );
    step(s, &["GET", "copied"]);
    lines
        .borrow_mut()
        .push(field(t, "commandstats", "cmdstat_select"));
    step(t, &["SELECT", "0"]);
    step(t, &["GET", "copied"]);
    // The target refuses AUTH: the key stays.
    step(
        s,
        &[
            "MIGRATE",
            "127.0.0.1",
            &to,
            "copied",
            "0",
            "1000",
            "AUTH",
            "pw",
        ],
    );
    step(s, &["EXISTS", "copied"]);
    step(
        s,
        &[
            "MIGRATE",
            "127.0.0.1",
            &to,
            "copied",
            "0",
            "1000",
            "REPLACE",
            "AUTH2",
            "u",
            "p",
        ],
    );
    // Nothing listens on the target port any more.
    target.stop();
    step(s, &["MIGRATE", "127.0.0.1", &to, "copied", "0", "1000"]);
    step(s, &["EXISTS", "copied"]);
    // A failed connection is not kept.
    lines
        .borrow_mut()
        .push(field(s, "stats", "migrate_cached_sockets"));
    let transcript = lines.borrow().join("");
    transcript
}

#[test]
fn migrate_replies_match_redis() {
    support::check_scenario("tests/golden/migrate.txt", scenario);
}
