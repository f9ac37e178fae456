//! FAILOVER: a primary hands its role to a replica that caught up, and follows it. Tried
//! between two of our servers, and with redis-server 7.0.15 on either side when it is
//! installed (it answers our `PSYNC ... FAILOVER` with `+CONTINUE`; ours answers its request
//! with a full synchronization). The refusals, the pause of writes and the abort are compared
//! with a transcript recorded from redis-server (`RECORD_REFERENCE=1` records it again), using
//! a replica that never acknowledges, so nothing depends on timing.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{wait_for, Client};

/// `primary_port` hands over to `replica_port`: data written before survives, the roles
/// swap, and writes on the new primary reach the old one.
fn hand_over(primary_port: u16, replica_port: u16) {
    let mut primary = Client::connect(primary_port);
    let mut replica = Client::connect(replica_port);
    assert_eq!(primary.call(&["SET", "before", "1"]), "+OK\r\n");
    let port = primary_port.to_string();
    assert_eq!(replica.call(&["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    wait_for(&mut replica, &["ROLE"], |r| r.contains("connected"));
    assert_eq!(primary.call(&["SET", "during", "2"]), "+OK\r\n");
    assert_eq!(primary.call(&["FAILOVER"]), "+OK\r\n");
    let role = wait_for(&mut primary, &["ROLE"], |r| r.contains("connected"));
    assert!(role.starts_with("*5\r\n$5\r\nslave\r\n"), "{role}");
    assert!(role.contains(&format!(":{replica_port}\r\n")), "{role}");
    let info = primary.call(&["INFO", "replication"]);
    assert!(info.contains("master_failover_state:no-failover"), "{info}");
    assert!(replica
        .call(&["ROLE"])
        .starts_with("*3\r\n$6\r\nmaster\r\n"));
    assert_eq!(replica.call(&["GET", "during"]), "$1\r\n2\r\n");
    assert_eq!(replica.call(&["SET", "after", "3"]), "+OK\r\n");
    let after = wait_for(&mut primary, &["GET", "after"], |r| r.contains('3'));
    assert_eq!(after, "$1\r\n3\r\n");
    assert_eq!(primary.call(&["GET", "before"]), "$1\r\n1\r\n");
    assert!(primary.call(&["SET", "x", "1"]).starts_with("-READONLY"));
}

#[test]
fn fails_over_to_our_replica() {
    let primary = support::start("");
    let replica = support::start("");
    hand_over(primary.port, replica.port);
    replica.stop();
    primary.stop();
}

#[test]
fn fails_over_to_a_redis_server_replica() {
    let primary = support::start("");
    let Some(replica) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        primary.stop();
        return;
    };
    hand_over(primary.port, replica.port);
    drop(replica);
    primary.stop();
}

#[test]
fn a_redis_server_primary_fails_over_to_ours() {
    let Some(primary) = support::Reference::start(&[]) else {
        eprintln!("redis-server not on PATH: skipped");
        return;
    };
    let replica = support::start("");
    hand_over(primary.port, replica.port);
    replica.stop();
}

/// A replica that synchronizes and then never acknowledges anything (so it never catches up
/// once the primary has written): its socket, kept open.
fn silent_replica(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
        .write_all(b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n9999\r\n")
        .expect("write");
    let mut buf = [0u8; 5];
    stream.read_exact(&mut buf).expect("REPLCONF reply");
    assert_eq!(&buf, b"+OK\r\n");
    stream
        .write_all(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
        .expect("write");
    let mut first = [0u8; 1];
    stream.read_exact(&mut first).expect("PSYNC reply");
    assert_eq!(&first, b"+");
    stream
}

fn scenario(port: u16) -> String {
    let mut client = Client::connect(port);
    let mut other = Client::connect(port);
    let lines = std::cell::RefCell::new(Vec::new());
    let step = |client: &mut Client, args: &[&str]| {
        let reply = client.call(args);
        lines
            .borrow_mut()
            .push(format!("> {}\n{}", args.join(" "), reply));
    };
    step(&mut client, &["FAILOVER"]);
    step(&mut client, &["FAILOVER", "ABORT"]);
    let _replica = silent_replica(port);
    // The stream moves past what the silent replica acknowledged.
    step(&mut client, &["SET", "k", "1"]);
    for args in [
        &["FAILOVER", "bogus"][..],
        &["FAILOVER", "TIMEOUT", "0"],
        &["FAILOVER", "TIMEOUT", "x"],
        &["FAILOVER", "TO", "127.0.0.1"],
        &["FAILOVER", "TO", "127.0.0.1", "x"],
        &["FAILOVER", "TO", "127.0.0.1", "1"],
        &["FAILOVER", "FORCE"],
        &["FAILOVER", "FORCE", "TIMEOUT", "100"],
        &["FAILOVER", "FORCE", "FORCE"],
        &["FAILOVER", "ABORT", "TIMEOUT", "5"],
    ] {
        step(&mut client, args);
    }
    // (Not `TO` the silent replica: redis-server counts it online only after its diskless
    // transfer's delay, this server at once.)
    step(&mut client, &["FAILOVER"]);
    step(&mut client, &["FAILOVER"]);
    step(&mut client, &["REPLICAOF", "127.0.0.1", "1"]);
    step(&mut client, &["GET", "k"]);
    // A write waits for the failover to end; aborting lets it run.
    other.send(&["SET", "k", "2"]);
    std::thread::sleep(Duration::from_millis(200));
    step(&mut client, &["FAILOVER", "ABORT"]);
    let waited = other.read_reply(Duration::from_secs(5));
    lines.borrow_mut().push(format!(
        "> (the waiting SET)\n{}",
        String::from_utf8_lossy(&waited)
    ));
    step(&mut client, &["GET", "k"]);
    // Without FORCE, the timeout gives up.
    step(&mut client, &["FAILOVER", "TIMEOUT", "100"]);
    std::thread::sleep(Duration::from_millis(400));
    step(&mut client, &["SET", "k", "3"]);
    step(&mut client, &["FAILOVER", "ABORT"]);
    lines.into_inner().join("")
}

#[test]
fn failover_replies_match_redis() {
    support::check_scenario("tests/golden/failover_replies.txt", scenario);
}
