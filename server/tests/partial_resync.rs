//! Partial resynchronization: a replica whose link was cut asks to go on from its offset
//! (`PSYNC <replid> <offset>`) and the primary sends only what it missed from its backlog,
//! into the database the stream had selected; a backlog that no longer holds that offset
//! makes it a full synchronization. Run with our server on both sides, and with redis-server
//! 7.0.15 as the primary and as the replica when it is installed.

mod support;

use std::time::Duration;
use support::{info_field, wait_for, Client};

/// Make `replica` follow `primary`, cut the link twice, and check what each side shows.
fn resume(primary_port: u16, replica_port: u16) {
    let mut primary = Client::connect(primary_port);
    let mut replica = Client::connect(replica_port);
    for command in [
        &["FLUSHALL"][..],
        &["CONFIG", "SET", "repl-backlog-size", "1mb"],
        &["CONFIG", "RESETSTAT"],
    ] {
        let reply = primary.call(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    let target = primary_port.to_string();
    assert_eq!(
        replica.call(&["REPLICAOF", "127.0.0.1", &target]),
        "+OK\r\n"
    );
    wait_for(&mut replica, &["ROLE"], |r| r.contains("connected"));
    // The stream selects database 3 and writes there.
    assert_eq!(primary.call(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(primary.call(&["SET", "k", "1"]), "+OK\r\n");
    assert_eq!(replica.call(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(
        wait_for(&mut replica, &["GET", "k"], |r| r == "$1\r\n1\r\n"),
        "$1\r\n1\r\n"
    );

    // Cut: what is written meanwhile (no new SELECT: the stream is still in database 3)
    // arrives from the backlog.
    assert_eq!(
        primary.call(&["CLIENT", "KILL", "TYPE", "replica"]),
        ":1\r\n"
    );
    for command in [
        &["SET", "k2", "2"][..],
        &["INCR", "k"],
        &["MULTI"],
        &["RPUSH", "l", "a", "b"],
        &["EXEC"],
    ] {
        let reply = primary.call(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    assert_eq!(
        wait_for(&mut replica, &["GET", "k2"], |r| r == "$1\r\n2\r\n"),
        "$1\r\n2\r\n"
    );
    assert_eq!(replica.call(&["GET", "k"]), "$1\r\n2\r\n");
    assert_eq!(replica.call(&["LLEN", "l"]), ":2\r\n");
    let stats = primary.call(&["INFO", "stats"]);
    let syncs: Vec<String> = ["sync_full", "sync_partial_ok", "sync_partial_err"]
        .iter()
        .map(|name| info_field(&stats, name))
        .collect();
    // The replica, a primary until REPLICAOF, first offered its own history (refused).
    assert_eq!(syncs, ["1", "1", "1"], "{stats}");
    let info = primary.call(&["INFO", "replication"]);
    assert_eq!(info_field(&info, "repl_backlog_active"), "1", "{info}");
    assert_eq!(info_field(&info, "repl_backlog_first_byte_offset"), "1");
    assert_eq!(
        info_field(&info, "repl_backlog_histlen"),
        info_field(&info, "master_repl_offset")
    );

    // Cut again, and write more than the smallest backlog holds: a full synchronization.
    assert_eq!(
        primary.call(&["CONFIG", "SET", "repl-backlog-size", "1"]),
        "+OK\r\n"
    );
    let sized = primary.call(&["CONFIG", "GET", "repl-backlog-size"]);
    assert!(sized.ends_with("$5\r\n16384\r\n"), "{sized}");
    assert_eq!(
        primary.call(&["CLIENT", "KILL", "TYPE", "replica"]),
        ":1\r\n"
    );
    let big = "x".repeat(40_000);
    assert_eq!(primary.call(&["SET", "big", &big]), "+OK\r\n");
    assert_eq!(primary.call(&["SET", "k3", "3"]), "+OK\r\n");
    assert_eq!(
        wait_for(&mut replica, &["GET", "k3"], |r| r.contains('3')),
        "$1\r\n3\r\n"
    );
    assert_eq!(replica.call(&["STRLEN", "big"]), ":40000\r\n");
    let stats = wait_for(&mut primary, &["INFO", "stats"], |r| {
        info_field(r, "sync_full") == "2"
    });
    let syncs: Vec<String> = ["sync_full", "sync_partial_ok", "sync_partial_err"]
        .iter()
        .map(|name| info_field(&stats, name))
        .collect();
    assert_eq!(syncs, ["2", "1", "2"], "{stats}");

    // Following another primary (unreachable) and back: the stream goes on in database 3,
    // which it had selected (a write after the snapshot selects it), though the link was
    // dropped by REPLICAOF while connected.
    assert_eq!(primary.call(&["SET", "k5", "5"]), "+OK\r\n");
    assert_eq!(
        wait_for(&mut replica, &["GET", "k5"], |r| r.contains('5')),
        "$1\r\n5\r\n"
    );
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port().to_string())
        .expect("a free port");
    assert_eq!(
        replica.call(&["REPLICAOF", "127.0.0.1", &nowhere]),
        "+OK\r\n"
    );
    assert_eq!(primary.call(&["SET", "k4", "4"]), "+OK\r\n");
    assert_eq!(
        replica.call(&["REPLICAOF", "127.0.0.1", &target]),
        "+OK\r\n"
    );
    assert_eq!(
        wait_for(&mut replica, &["GET", "k4"], |r| r.contains('4')),
        "$1\r\n4\r\n"
    );
    assert_eq!(replica.call(&["SELECT", "0"]), "+OK\r\n");
    assert_eq!(replica.call(&["EXISTS", "k4"]), ":0\r\n");
    let stats = primary.call(&["INFO", "stats"]);
    assert_eq!(info_field(&stats, "sync_partial_ok"), "2", "{stats}");
    assert_eq!(replica.call(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
}

#[test]
fn a_cut_link_resumes_between_our_servers() {
    let primary = support::start("");
    let replica = support::start("");
    resume(primary.port, replica.port);
    replica.stop();
    primary.stop();
}

#[test]
fn our_replica_resumes_with_redis_server() {
    let Some(reference) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        return;
    };
    let replica = support::start("");
    resume(reference.port, replica.port);
    replica.stop();
}

#[test]
fn redis_server_resumes_with_our_primary() {
    let primary = support::start("");
    let Some(reference) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        primary.stop();
        return;
    };
    resume(primary.port, reference.port);
    primary.stop();
}

/// One request of the replica's handshake, as its words.
fn read_request(reader: &mut std::io::BufReader<std::net::TcpStream>) -> Option<Vec<String>> {
    use std::io::BufRead;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let count: usize = line.trim_end().strip_prefix('*')?.parse().ok()?;
    let mut words = Vec::new();
    for _ in 0..count {
        let mut length = String::new();
        let mut word = String::new();
        reader.read_line(&mut length).ok()?;
        reader.read_line(&mut word).ok()?;
        words.push(word.trim_end().to_string());
    }
    Some(words)
}

/// Answer a replica's handshake up to its PSYNC, which is returned.
fn handshake(reader: &mut std::io::BufReader<std::net::TcpStream>) -> Option<Vec<String>> {
    use std::io::Write;
    loop {
        let words = read_request(reader)?;
        let reply: &[u8] = match words.first()?.to_ascii_uppercase().as_str() {
            "PING" => b"+PONG\r\n",
            "PSYNC" => return Some(words),
            _ => b"+OK\r\n",
        };
        reader.get_mut().write_all(reply).ok()?;
    }
}

fn command(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
    }
    out
}

/// A link cut inside a transaction: the replica applied nothing of it, so it asks to go on
/// from the transaction's MULTI (Redis counts a transaction at its EXEC), and what it is sent
/// then lands in the database its stream had selected.
#[test]
fn a_link_cut_inside_a_transaction_goes_on_from_its_multi() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let replid = "f".repeat(40);
    let applied = [command(&["SELECT", "5"]), command(&["SET", "a", "1"])].concat();
    let open_transaction = [command(&["MULTI"]), command(&["SET", "b", "2"])].concat();
    let whole_transaction = [open_transaction.clone(), command(&["EXEC"])].concat();
    let primary = {
        let (replid, applied) = (replid.clone(), applied.clone());
        let whole = whole_transaction.clone();
        std::thread::spawn(move || -> Option<Vec<String>> {
            // An empty RDB file (its checksum left out, as a writer with checksums off does).
            let rdb = b"REDIS0010\xff\0\0\0\0\0\0\0\0";
            let (first, _) = listener.accept().ok()?;
            first.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
            let mut reader = std::io::BufReader::new(first);
            handshake(&mut reader)?;
            let sync = format!("+FULLRESYNC {replid} 100\r\n${}\r\n", rdb.len());
            let stream = reader.get_mut();
            stream.write_all(sync.as_bytes()).ok()?;
            stream.write_all(rdb).ok()?;
            stream.write_all(&applied).ok()?;
            stream.write_all(&open_transaction).ok()?;
            std::thread::sleep(Duration::from_millis(300));
            drop(reader);
            let (second, _) = listener.accept().ok()?;
            second
                .set_read_timeout(Some(Duration::from_secs(10)))
                .ok()?;
            let mut reader = std::io::BufReader::new(second);
            let psync = handshake(&mut reader)?;
            let stream = reader.get_mut();
            stream
                .write_all(format!("+CONTINUE {replid}\r\n").as_bytes())
                .ok()?;
            stream.write_all(&whole).ok()?;
            std::thread::sleep(Duration::from_millis(500));
            Some(psync)
        })
    };
    let replica = support::start("");
    let mut client = Client::connect(replica.port);
    let target = port.to_string();
    assert_eq!(client.call(&["REPLICAOF", "127.0.0.1", &target]), "+OK\r\n");
    let psync = primary
        .join()
        .expect("primary")
        .expect("the replica came back");
    let resumed_at = 100 + applied.len() + 1;
    assert_eq!(psync, ["PSYNC", replid.as_str(), &resumed_at.to_string()]);
    assert_eq!(client.call(&["SELECT", "5"]), "+OK\r\n");
    assert_eq!(
        client.call(&["MGET", "a", "b"]),
        "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    let info = client.call(&["INFO", "replication"]);
    let expected = 100 + applied.len() + whole_transaction.len();
    assert_eq!(
        info_field(&info, "master_repl_offset"),
        expected.to_string(),
        "{info}"
    );
    assert_eq!(client.call(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    replica.stop();
}
