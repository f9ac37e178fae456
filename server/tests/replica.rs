//! Following a primary (`REPLICAOF host port`): the replica loads the primary's data, applies
//! its stream (transactions, scripts, database switches, libraries), acknowledges its offset,
//! refuses writes from its own clients, and keeps its data when told `REPLICAOF NO ONE`.
//! The primary is our server, and redis-server 7.0.15 too when it is installed. The replies a
//! replica's clients get (READONLY, MASTERDOWN, the REPLICAOF answers) are compared with a
//! transcript recorded from redis-server (`RECORD_REFERENCE=1` records it again).

mod support;

use std::time::{Duration, Instant};
use support::{wait_for, Client};

/// Fill `primary`, make `replica_port` follow it, and check what the replica holds and does.
fn follow(primary_port: u16, replica_port: u16) {
    let mut primary = Client::connect(primary_port);
    let mut replica = Client::connect(replica_port);
    // Data from before the link: strings, a hash, a key with a TTL, another database, a
    // library. The replica's own key is gone after the synchronization.
    for command in [
        &["FLUSHALL"][..],
        &["SET", "before", "1"],
        &["HSET", "h", "a", "1", "b", "2"],
        &["SET", "ttl", "x", "EX", "1000"],
        &["SELECT", "3"],
        &["SET", "in3", "three"],
        &["SELECT", "0"],
        &[
            "FUNCTION",
            "LOAD",
            "REPLACE",
            "#!lua name=replib\nredis.register_function{function_name='ro', callback=function() return 'ran' end, flags={'no-writes'}}",
        ],
    ] {
        let reply = primary.call(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    assert_eq!(replica.call(&["SET", "mine", "1"]), "+OK\r\n");
    let target = primary_port.to_string();
    assert_eq!(
        replica.call(&["REPLICAOF", "127.0.0.1", &target]),
        "+OK\r\n"
    );
    let role = wait_for(&mut replica, &["ROLE"], |r| r.contains("connected"));
    assert!(
        role.starts_with(&format!(
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{target}\r\n$9\r\nconnected\r\n:"
        )),
        "{role}"
    );
    assert_eq!(
        replica.call(&["MGET", "before", "mine"]),
        "*2\r\n$1\r\n1\r\n$-1\r\n"
    );
    assert_eq!(replica.call(&["HGET", "h", "b"]), "$1\r\n2\r\n");
    let ttl = replica.call(&["TTL", "ttl"]);
    let seconds: i64 = ttl.trim_start_matches(':').trim().parse().unwrap_or(-1);
    assert!((990..=1000).contains(&seconds), "{ttl}");
    assert_eq!(replica.call(&["FCALL_RO", "ro", "0"]), "$3\r\nran\r\n");

    // The stream: plain writes, a transaction, a script, another database.
    for command in [
        &["SET", "after", "2"][..],
        &["INCR", "before"],
        &["MULTI"],
        &["RPUSH", "list", "a", "b"],
        &["SADD", "set", "m"],
        &["EXEC"],
        &[
            "EVAL",
            "redis.call('set', KEYS[1], 'script') return 1",
            "1",
            "scripted",
        ],
        &["SELECT", "3"],
        &["DEL", "in3"],
        &["SELECT", "0"],
        &["DEL", "h"],
    ] {
        let reply = primary.call(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    let all = wait_for(&mut replica, &["EXISTS", "h"], |r| r == ":0\r\n");
    assert_eq!(all, ":0\r\n");
    assert_eq!(
        replica.call(&["MGET", "before", "after", "scripted"]),
        "*3\r\n$1\r\n2\r\n$1\r\n2\r\n$6\r\nscript\r\n"
    );
    assert_eq!(replica.call(&["LLEN", "list"]), ":2\r\n");
    assert_eq!(replica.call(&["SISMEMBER", "set", "m"]), ":1\r\n");
    assert_eq!(replica.call(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(replica.call(&["EXISTS", "in3"]), ":0\r\n");
    assert_eq!(replica.call(&["SELECT", "0"]), "+OK\r\n");

    // Its clients may read, not write.
    assert_eq!(
        replica.call(&["SET", "x", "1"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let info = replica.call(&["INFO", "replication"]);
    for line in [
        "role:slave",
        "master_host:127.0.0.1",
        "master_link_status:up",
        "slave_read_only:1",
    ] {
        assert!(info.contains(line), "{line} missing from {info}");
    }
    // The primary sees the replica and its acknowledged offset catch up with its own.
    let caught_up = |r: &str| {
        let field = |name: &str| {
            r.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split(',').next().map(str::to_string))
        };
        let own = field("master_repl_offset:");
        let acked = r
            .lines()
            .find(|l| l.starts_with("slave0:"))
            .and_then(|l| l.split(',').find_map(|f| f.strip_prefix("offset=")))
            .map(str::to_string);
        own.is_some() && own == acked
    };
    let primary_info = wait_for(&mut primary, &["INFO", "replication"], caught_up);
    assert!(caught_up(&primary_info), "{primary_info}");

    // Promoted, it keeps the data and takes writes.
    assert_eq!(replica.call(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    assert_eq!(replica.call(&["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(replica.call(&["GET", "after"]), "$1\r\n2\r\n");
    assert!(replica
        .call(&["ROLE"])
        .starts_with("*3\r\n$6\r\nmaster\r\n"));
}

#[test]
fn follows_our_own_server() {
    let primary = support::start("");
    let replica = support::start("");
    follow(primary.port, replica.port);
    replica.stop();
    primary.stop();
}

#[test]
fn follows_redis_server() {
    let Some(reference) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        return;
    };
    let replica = support::start("");
    follow(reference.port, replica.port);
    replica.stop();
}

/// WAIT is answered when the replica's acknowledgement arrives after the WAIT blocked (the
/// acknowledging replica counted); a pause on the replica holds its primary's writes (read,
/// not applied) until it ends; and a writable replica expires the keys its own clients gave
/// a time (its primary never will). As redis-server 7.0.15 does in its unit/expire and
/// unit/pause.
fn wait_and_replica_expiry(primary_port: u16, replica_port: u16) {
    let mut primary = Client::connect(primary_port);
    let mut replica = Client::connect(replica_port);
    let target = primary_port.to_string();
    assert_eq!(
        replica.call(&["REPLICAOF", "127.0.0.1", &target]),
        "+OK\r\n"
    );
    wait_for(&mut replica, &["ROLE"], |r| r.contains("connected"));
    // Acknowledgements come only when asked for (GETACK) or each second: each WAIT here
    // blocks first, then is answered by the acknowledgement.
    for i in 0..3 {
        assert_eq!(primary.call(&["SET", "w", &i.to_string()]), "+OK\r\n");
        let started = Instant::now();
        assert_eq!(primary.call(&["WAIT", "1", "5000"]), ":1\r\n");
        assert!(started.elapsed() < Duration::from_secs(4));
    }
    let field = |c: &mut Client, section: &str, name: &str| {
        let info = c.call(&["INFO", section]);
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(
        replica.call(&["CLIENT", "PAUSE", "100000", "WRITE"]),
        "+OK\r\n"
    );
    assert_eq!(primary.call(&["SET", "held", "1"]), "+OK\r\n");
    let sent = field(&mut primary, "replication", "master_repl_offset:");
    let deadline = Instant::now() + Duration::from_secs(5);
    while field(&mut replica, "replication", "slave_read_repl_offset:") != sent {
        assert!(
            Instant::now() < deadline,
            "the replica did not read the write"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_ne!(
        field(&mut replica, "replication", "slave_repl_offset:"),
        sent
    );
    assert_eq!(replica.call(&["EXISTS", "held"]), ":0\r\n");
    assert_eq!(replica.call(&["CLIENT", "UNPAUSE"]), "+OK\r\n");
    wait_for(&mut replica, &["EXISTS", "held"], |r| r == ":1\r\n");
    assert_eq!(
        field(&mut replica, "replication", "slave_repl_offset:"),
        sent
    );

    assert_eq!(
        replica.call(&["CONFIG", "SET", "replica-read-only", "no"]),
        "+OK\r\n"
    );
    let expired = |c: &mut Client| {
        let info = c.call(&["INFO", "stats"]);
        info.lines()
            .find_map(|l| l.strip_prefix("expired_keys:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = expired(&mut replica);
    assert_eq!(replica.call(&["SET", "mine", "v", "PX", "1"]), "+OK\r\n");
    let deadline = Instant::now() + Duration::from_secs(5);
    while expired(&mut replica) != before + 1 {
        assert!(
            Instant::now() < deadline,
            "the replica's own key did not expire"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(replica.call(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
}

#[test]
fn wait_and_replica_expiry_on_our_own_server() {
    let primary = support::start("");
    let replica = support::start("");
    wait_and_replica_expiry(primary.port, replica.port);
}

#[test]
fn wait_and_replica_expiry_with_redis_server() {
    let Some(reference) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        return;
    };
    let replica = support::start("");
    wait_and_replica_expiry(reference.port, replica.port);
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// What a replica whose primary cannot be reached answers.
fn scenario(port: u16) -> String {
    let mut client = Client::connect(port);
    let mut other = Client::connect(port);
    let dead = closed_port().to_string();
    let mut lines = Vec::new();
    let mut step = |client: &mut Client, args: &[&str]| {
        let reply = client.call(args).replace(&dead, "<port>");
        let shown: Vec<&str> = args
            .iter()
            .map(|a| if *a == dead { "<port>" } else { a })
            .collect();
        lines.push(format!("> {}\n{}", shown.join(" "), reply));
    };
    step(&mut client, &["SET", "k", "v"]);
    step(&mut client, &["REPLICAOF", "127.0.0.1", "notaport"]);
    step(&mut client, &["REPLICAOF", "127.0.0.1", "70000"]);
    step(&mut client, &["CONFIG", "GET", "replicaof"]);
    step(&mut client, &["REPLICAOF", "127.0.0.1", &dead]);
    step(&mut client, &["REPLICAOF", "127.0.0.1", &dead]);
    step(&mut client, &["CONFIG", "GET", "replicaof"]);
    step(&mut client, &["GET", "k"]);
    step(&mut client, &["SET", "k", "w"]);
    step(&mut client, &["EVAL", "return redis.call('get', 'k')", "0"]);
    step(
        &mut client,
        &["EVAL", "return redis.call('set', 'k', 'w')", "0"],
    );
    step(
        &mut client,
        &["EVAL", "#!lua\nreturn redis.call('get', 'k')", "0"],
    );
    step(
        &mut client,
        &[
            "EVAL",
            "#!lua flags=no-writes\nreturn redis.call('get', 'k')",
            "0",
        ],
    );
    step(&mut client, &["MULTI"]);
    step(&mut client, &["SET", "k", "w"]);
    step(&mut client, &["EXEC"]);
    step(&mut client, &["WAIT", "0", "0"]);
    // Stale data not served: reads are refused too, queued or not.
    step(
        &mut client,
        &["CONFIG", "SET", "replica-serve-stale-data", "no"],
    );
    step(&mut client, &["GET", "k"]);
    step(&mut client, &["PING"]);
    step(&mut client, &["MULTI"]);
    step(&mut client, &["GET", "k"]);
    step(&mut client, &["EXEC"]);
    step(
        &mut client,
        &["CONFIG", "SET", "replica-serve-stale-data", "yes"],
    );
    // The link went down after GET was queued: EXEC is refused whole.
    step(&mut client, &["REPLICAOF", "NO", "ONE"]);
    step(
        &mut client,
        &["CONFIG", "SET", "replica-serve-stale-data", "no"],
    );
    step(&mut client, &["MULTI"]);
    step(&mut client, &["GET", "k"]);
    step(&mut other, &["REPLICAOF", "127.0.0.1", &dead]);
    step(&mut client, &["EXEC"]);
    step(&mut client, &["REPLICAOF", "NO", "ONE"]);
    step(
        &mut client,
        &["CONFIG", "SET", "replica-serve-stale-data", "yes"],
    );
    step(&mut client, &["SET", "k", "w"]);
    step(&mut client, &["GET", "k"]);
    step(&mut client, &["REPLICAOF", "NO", "ONE"]);
    step(&mut client, &["CONFIG", "GET", "replicaof"]);
    lines.join("")
}

#[test]
fn replica_replies_match_redis() {
    support::check_scenario("tests/golden/replica_replies.txt", scenario);
}

#[test]
fn replicaof_in_the_configuration_follows_from_the_start() {
    let primary = support::start("");
    let mut writer = Client::connect(primary.port);
    assert_eq!(writer.call(&["SET", "k", "from-primary"]), "+OK\r\n");
    let replica = support::start(&format!("replicaof 127.0.0.1 {}", primary.port));
    let mut reader = Client::connect(replica.port);
    let value = wait_for(&mut reader, &["GET", "k"], |r| r.contains("from-primary"));
    assert_eq!(value, "$12\r\nfrom-primary\r\n");
    replica.stop();
    primary.stop();
}

/// `bind-source-addr`: the replica's link comes from that address, which the primary lists
/// (as Redis's networking test checks it).
#[test]
fn the_link_comes_from_bind_source_addr() {
    // Protected mode refuses 127.0.0.2: only 127.0.0.1 and ::1 count as local.
    let primary = support::start("protected-mode no");
    let replica = support::start("bind-source-addr 127.0.0.2");
    let mut control = Client::connect(replica.port);
    let port = primary.port.to_string();
    assert_eq!(control.call(&["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    wait_for(&mut control, &["INFO", "replication"], |r| {
        r.contains("master_link_status:up")
    });
    let mut admin = Client::connect(primary.port);
    let info = admin.call(&["INFO", "replication"]);
    assert!(info.contains("slave0:ip=127.0.0.2,"), "{info}");
    replica.stop();
    primary.stop();
}

#[test]
fn redis_server_follows_our_server() {
    let primary = support::start("");
    let mut writer = Client::connect(primary.port);
    for command in [
        &["SET", "a", "1"][..],
        &["HSET", "h", "f", "v"],
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=fromours\nredis.register_function{function_name='one', callback=function() return 1 end, flags={'no-writes'}}",
        ],
    ] {
        let reply = writer.call(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    let port = primary.port.to_string();
    let Some(reference) =
        support::Reference::start(&["--replicaof".as_ref(), "127.0.0.1".as_ref(), port.as_ref()])
    else {
        eprintln!("redis-server not on PATH: skipped");
        primary.stop();
        return;
    };
    let mut replica = Client::connect(reference.port);
    wait_for(&mut replica, &["ROLE"], |r| r.contains("connected"));
    assert_eq!(writer.call(&["INCR", "a"]), ":2\r\n");
    assert_eq!(
        writer.call(&["EVAL", "redis.call('set', 'b', 'x') return 1", "0"]),
        ":1\r\n"
    );
    // WAIT returns once the replica acknowledged the writer's last write (the primary asks
    // for the acknowledgement at once); asked for two, it waits out its timeout.
    assert_eq!(writer.call(&["WAIT", "1", "5000"]), ":1\r\n");
    assert_eq!(writer.call(&["WAIT", "2", "100"]), ":1\r\n");
    let b = wait_for(&mut replica, &["GET", "b"], |r| r.contains('x'));
    assert_eq!(b, "$1\r\nx\r\n");
    assert_eq!(replica.call(&["GET", "a"]), "$1\r\n2\r\n");
    assert_eq!(replica.call(&["HGET", "h", "f"]), "$1\r\nv\r\n");
    assert_eq!(replica.call(&["FCALL_RO", "one", "0"]), ":1\r\n");
    // Our primary lists the replica with the offset it acknowledged.
    let info = wait_for(&mut writer, &["INFO", "replication"], |r| {
        r.contains("slave0:ip=127.0.0.1") && r.contains("state=online")
    });
    assert!(info.contains(&format!("port={}", reference.port)), "{info}");
    drop(reference);
    primary.stop();
}

#[test]
fn a_replica_hides_expired_keys_until_the_primary_deletes_them() {
    let primary = support::start("enable-debug-command yes");
    let replica = support::start(&format!("replicaof 127.0.0.1 {}", primary.port));
    let mut writer = Client::connect(primary.port);
    let mut reader = Client::connect(replica.port);
    assert_eq!(writer.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    assert_eq!(writer.call(&["SET", "k", "v", "PX", "300"]), "+OK\r\n");
    let got = wait_for(&mut reader, &["GET", "k"], |r| r == "$1\r\nv\r\n");
    assert_eq!(got, "$1\r\nv\r\n");
    std::thread::sleep(Duration::from_millis(400));
    // Past its time: missing to the replica's clients, but kept (the primary decides).
    assert_eq!(reader.call(&["GET", "k"]), "$-1\r\n");
    assert_eq!(reader.call(&["EXISTS", "k"]), ":0\r\n");
    assert_eq!(reader.call(&["DBSIZE"]), ":1\r\n");
    // The primary expires it on access and sends the DEL.
    assert_eq!(writer.call(&["GET", "k"]), "$-1\r\n");
    let size = wait_for(&mut reader, &["DBSIZE"], |r| r == ":0\r\n");
    assert_eq!(size, ":0\r\n");
    replica.stop();
    primary.stop();
}

/// A primary that answers the handshake, then sends `payload` and closes: what a broken or
/// hostile primary can do. Serves connections until `attempts` were made.
fn fake_primary(payload: &'static [u8], attempts: usize) -> (u16, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        listener.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + Duration::from_secs(15);
        while served < attempts && Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let replies = format!(
                "+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {} 0\r\n",
                "a".repeat(40)
            );
            let _ = stream.write_all(replies.as_bytes());
            let _ = stream.write_all(payload);
            std::thread::sleep(Duration::from_millis(100));
            served += 1;
        }
        served
    });
    (port, handle)
}

#[test]
fn a_broken_primary_leaves_the_replica_serving() {
    for payload in [
        // A snapshot far larger than it sends before closing.
        &b"$60000000000\r\nREDIS0009"[..],
        // A snapshot that is not one.
        b"$12\r\nnot an rdb!!",
        // A length that is no number.
        b"$lots\r\n",
    ] {
        let (port, primary) = fake_primary(payload, 2);
        let replica = support::start("");
        let mut client = Client::connect(replica.port);
        assert_eq!(client.call(&["SET", "mine", "1"]), "+OK\r\n");
        let target = port.to_string();
        assert_eq!(client.call(&["REPLICAOF", "127.0.0.1", &target]), "+OK\r\n");
        // It tries again after each failure, and keeps serving meanwhile.
        let served = primary.join().expect("fake primary");
        assert_eq!(served, 2, "{:?}", String::from_utf8_lossy(payload));
        assert_eq!(client.call(&["PING"]), "+PONG\r\n");
        assert_eq!(client.call(&["GET", "mine"]), "$1\r\n1\r\n");
        let role = client.call(&["ROLE"]);
        assert!(!role.contains("connected"), "{role}");
        assert_eq!(client.call(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
        replica.stop();
    }
}
