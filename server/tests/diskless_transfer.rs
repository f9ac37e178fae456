//! Diskless synchronization's transfer: under `repl-diskless-sync yes`, a replica that takes
//! a snapshot closed by a mark (`REPLCONF capa eof`) gets it streamed from the save's child
//! (`$EOF:<mark>`, the file, the mark), with no file written on the primary. It is online
//! once the child is done, but its stream (the write made meanwhile) starts only with its
//! first `REPLCONF ACK`. A replica without that capability still gets the file, with its
//! length. The transcript must equal `golden/diskless_transfer.txt`, recorded from
//! redis-server 7.0.15 (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::Duration;
use support::{info_field, RawReplica};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/diskless_transfer.txt"
);

/// The longest wait for a line from the primary.
const WAIT: Duration = Duration::from_secs(10);

/// The header line of a snapshot with its varying part masked.
fn masked_header(line: &str) -> String {
    match line.strip_prefix("$EOF:") {
        Some(mark) => format!("$EOF:<mark of {} characters>", mark.len()),
        None if line.starts_with('$') => "$<length>".into(),
        None => line.into(),
    }
}

fn streamed(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "diskless-transfer", true, "300000")?;
    let (mut c, port, dir) = (primary.client, primary.port, primary.dir);
    let mut out = String::new();
    let mut replica = RawReplica::connect(port, "7001", &["eof", "psync2"]);
    replica.send("PSYNC ? -1\r\n");
    let fullresync = replica.line(WAIT);
    out += &format!(
        "replica: {}\n",
        fullresync.split(' ').next().unwrap_or_default()
    );
    let replication = c.call(&["INFO", "replication"]);
    out += &format!(
        "while streaming, slave0: {}\n",
        info_field(&replication, "slave0")
    );
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!(
        "rdb_bgsave_in_progress: {}\n",
        info_field(&persistence, "rdb_bgsave_in_progress")
    );
    out += &format!(
        "SET during the transfer: {:?}\n",
        c.call(&["SET", "during", "1"])
    );
    out += &format!("BGSAVE during the transfer: {:?}\n", c.call(&["BGSAVE"]));
    // The header comes first, the file and the mark after it.
    let header = replica.line(WAIT);
    out += &format!("header: {}\n", masked_header(&header));
    let mark = header.strip_prefix("$EOF:").unwrap_or_default().to_string();
    out += &format!("{}\n", replica.until_mark(mark.as_bytes()));
    out += &format!(
        "once sent, slave0: {}\n",
        support::info_until(
            &mut c,
            "replication",
            "slave0",
            Duration::from_secs(5),
            |v| v.contains("state=online,")
        )
    );
    out += &format!("ROLE: {:?}\n", c.call(&["ROLE"]));
    out += &format!(
        "no stream before an acknowledgement (1 s): {}\n",
        replica.silent_for(Duration::from_secs(1))
    );
    replica.send("REPLCONF ACK 0\r\n");
    let expected =
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$6\r\nduring\r\n$1\r\n1\r\n";
    out += &format!("stream after it: {}\n", replica.stream(expected.len()));
    let file = std::path::Path::new(&dir).join("dump.rdb");
    out += &format!("a file was written: {}\n", file.exists());
    let persistence = c.call(&["INFO", "persistence"]);
    for field in ["rdb_bgsave_in_progress", "rdb_last_bgsave_status"] {
        out += &format!("{field}: {}\n", info_field(&persistence, field));
    }
    // A replica that cannot take a marked snapshot gets the file.
    let mut old = RawReplica::connect(port, "7002", &["psync2"]);
    old.send("PSYNC ? -1\r\n");
    let fullresync = old.line(WAIT);
    out += &format!(
        "replica without capa eof: {}\n",
        fullresync.split(' ').next().unwrap_or_default()
    );
    out += &format!("its snapshot: {}\n", old.snapshot());
    out += &format!("a file was written: {}\n", file.exists());
    Some(out)
}

#[test]
fn a_marked_snapshot_is_streamed_and_its_stream_waits_for_an_acknowledgement() {
    support::check_program_transcript(GOLDEN, streamed);
}

const DROPPED_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/diskless_transfer_dropped.txt"
);

/// The only replica of a streamed snapshot leaves: the child is stopped once it has more to
/// pass on (even with save rules, unlike a disk save nobody waits for), and the next replica
/// gets a new transfer.
fn dropped(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "diskless-dropped", true, "300000")?;
    let (mut c, port, _dir) = (primary.client, primary.port, primary.dir);
    c.call(&["CONFIG", "SET", "save", "900 1"]);
    c.call(&["DEBUG", "POPULATE", "2000", "key", "100"]);
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "1000"]);
    let mut out = String::new();
    let mut replica = RawReplica::connect(port, "7001", &["eof", "psync2"]);
    replica.send("PSYNC ? -1\r\n");
    out += &format!(
        "replica: {}\n",
        replica.line(WAIT).split(' ').next().unwrap_or_default()
    );
    drop(replica);
    out += &format!(
        "rdb_bgsave_in_progress after it left: {}\n",
        support::info_until(
            &mut c,
            "persistence",
            "rdb_bgsave_in_progress",
            Duration::from_secs(10),
            |v| v == "0"
        )
    );
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    let mut next = RawReplica::connect(port, "7002", &["eof", "psync2"]);
    next.send("PSYNC ? -1\r\n");
    out += &format!(
        "next replica: {}\n",
        next.line(WAIT).split(' ').next().unwrap_or_default()
    );
    out += &format!("its snapshot: {}\n", next.snapshot());
    Some(out)
}

#[test]
fn a_transfer_whose_replicas_all_left_is_stopped() {
    support::check_program_transcript(DROPPED_GOLDEN, dropped);
}
