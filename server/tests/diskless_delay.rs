//! Diskless synchronization's wait for more replicas: with `repl-diskless-sync yes`, a
//! replica that takes a snapshot closed by a mark (`REPLCONF capa eof`) waits
//! `repl-diskless-sync-delay` seconds for others to arrive (getting only keep-alive
//! newlines), or until `repl-diskless-sync-max-replicas` wait; then one save serves them all.
//! The transcript records only that an RDB file came (its streaming is
//! `diskless_transfer.rs`'s subject). It must equal
//! `golden/diskless_delay.txt`, recorded from redis-server 7.0.15 (`RECORD_REFERENCE=1`),
//! which is run live when installed.

mod support;

use std::time::Duration;
use support::{info_field, Client, Process, RawReplica};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/diskless_delay.txt"
);

/// A raw replica that takes marked snapshots, asking for a full synchronization.
fn attach(port: u16, listening_port: &str) -> RawReplica {
    let mut replica = RawReplica::connect(port, listening_port, &["eof", "psync2"]);
    replica.send("PSYNC ? -1\r\n");
    replica
}

/// `+FULLRESYNC` with its id masked, and its offset (which depends on the PINGs the stream
/// had by then).
fn fullresync(replica: &mut RawReplica) -> (String, String) {
    let line = replica.line(Duration::from_secs(5));
    let words: Vec<&str> = line.split(' ').collect();
    match words.as_slice() {
        ["+FULLRESYNC", id, offset] => (
            format!("+FULLRESYNC <{} characters> <offset>", id.len()),
            offset.to_string(),
        ),
        _ => (line, String::new()),
    }
}

fn scenario(program: &str) -> Option<String> {
    let (child, port) = support::spawn_on_free_port(program, |_| {
        [
            "--repl-diskless-sync",
            "yes",
            "--repl-diskless-sync-delay",
            "60",
            "--repl-diskless-sync-max-replicas",
            "2",
        ]
        .map(String::from)
        .to_vec()
    })?;
    let _server = Process(child);
    let mut c = Client::connect(port);
    let mut out = String::new();
    c.call(&["SET", "k", "v"]);
    let mut first = attach(port, "7001");
    out += &format!(
        "first replica alone, only newlines for 1.5 s: {}\n",
        first.silent_for(Duration::from_millis(1500))
    );
    let replication = c.call(&["INFO", "replication"]);
    out += &format!("slave0: {}\n", info_field(&replication, "slave0"));
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!(
        "rdb_bgsave_in_progress: {}\n",
        info_field(&persistence, "rdb_bgsave_in_progress")
    );
    // The second makes two: the save starts for both within the periodic task's second.
    let mut second = attach(port, "7002");
    let (first_line, first_offset) = fullresync(&mut first);
    let (second_line, second_offset) = fullresync(&mut second);
    out += &format!("first: {first_line}\nsecond: {second_line}\n");
    out += &format!("the same offset: {}\n", first_offset == second_offset);
    out += &format!("first's snapshot: {}\n", first.snapshot());
    out += &format!("second's snapshot: {}\n", second.snapshot());
    Some(out)
}

#[test]
fn replicas_wait_for_each_other_under_diskless_sync() {
    support::check_program_transcript(GOLDEN, scenario);
}
