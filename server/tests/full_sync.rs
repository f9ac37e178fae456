//! A full synchronization made by a background save, as Redis's disk-based one: while the
//! child writes the snapshot (slowed by `rdb-key-save-delay`), the first replica already has
//! its `+FULLRESYNC`, INFO shows it as `wait_bgsave` (and ROLE not yet), a write lands, and a
//! second replica (with the old `SYNC`) joins the same save. Both then get the file and, after
//! it, the write made meanwhile. The transcript must equal `golden/full_sync.txt`, recorded
//! from redis-server 7.0.15 (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::{Duration, Instant};
use support::{info_field, Client, Process, RawReplica};

/// The longest wait for a line from the primary.
const WAIT: Duration = Duration::from_secs(10);

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/full_sync.txt");

/// A raw replica that announced `listening_port`.
fn replica(port: u16, listening_port: &str) -> RawReplica {
    RawReplica::connect(port, listening_port, &[])
}

fn scenario(program: &str) -> Option<String> {
    // About a second of saving: three keys at 0.3 s each.
    let primary = support::slow_saving_primary(program, "full-sync", false, "300000")?;
    let (mut c, port) = (primary.client, primary.port);
    let mut out = String::new();

    let mut first = replica(port, "7001");
    first.send("PSYNC ? -1\r\n");
    let fullresync = first.line(WAIT);
    let mut words = fullresync.split(' ');
    let (kind, replid, offset) = (words.next(), words.next(), words.next());
    out += &format!(
        "first replica: {} <replid of {} characters> {}\n",
        kind.unwrap_or(""),
        replid.map_or(0, str::len),
        offset.unwrap_or("")
    );
    let replication = c.call(&["INFO", "replication"]);
    for field in ["connected_slaves", "slave0"] {
        out += &format!("{field}: {}\n", info_field(&replication, field));
    }
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!(
        "rdb_bgsave_in_progress: {}\n",
        info_field(&persistence, "rdb_bgsave_in_progress")
    );
    out += &format!("ROLE while waiting: {:?}\n", c.call(&["ROLE"]));
    out += &format!(
        "SET during the save: {:?}\n",
        c.call(&["SET", "during", "1"])
    );

    let mut second = replica(port, "7002");
    second.send("SYNC\r\n");
    out += &format!("first: {}\n", first.snapshot());
    out += &format!("second (SYNC): {}\n", second.snapshot());
    let expected =
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$6\r\nduring\r\n$1\r\n1\r\n";
    out += &format!("first's stream: {}\n", first.stream(expected.len()));
    out += &format!("second's stream: {}\n", second.stream(expected.len()));
    let replication = support::wait_for(&mut c, &["INFO", "replication"], |info| {
        info_field(info, "slave1").contains("state=online")
    });
    // A lag just after the put online reads 0 or, on redis-server, -1 at times (its clock
    // is cached): left out.
    for field in ["connected_slaves", "slave0", "slave1"] {
        let value = info_field(&replication, field);
        let without_lag = value.split(",lag=").next().unwrap_or_default();
        out += &format!("{field}: {without_lag}\n");
    }
    out += &format!("ROLE once online: {:?}\n", c.call(&["ROLE"]));
    Some(out)
}

#[test]
fn replicas_wait_for_a_background_save_and_get_the_writes_made_meanwhile() {
    support::check_program_transcript(GOLDEN, scenario);
}

const UNWANTED_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/full_sync_unwanted.txt"
);

/// A replica that leaves while its save runs: with no `save` rules the child is stopped,
/// with them it goes on.
fn unwanted_scenario(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "full-sync-unwanted", false, "1000000")?;
    let (mut c, port) = (primary.client, primary.port);
    let mut out = String::new();
    for rules in ["", "900 1"] {
        c.call(&["CONFIG", "SET", "save", rules]);
        let mut replica = replica(port, "7001");
        replica.send("PSYNC ? -1\r\n");
        let started = replica.line(WAIT).starts_with("+FULLRESYNC");
        out += &format!("save rules {rules:?}: a save started for the replica: {started}\n");
        drop(replica);
        let expected = if rules.is_empty() { "0" } else { "1" };
        out += &format!(
            "  rdb_bgsave_in_progress after it left: {}\n",
            support::info_until(
                &mut c,
                "persistence",
                "rdb_bgsave_in_progress",
                Duration::from_secs(2),
                |v| v == expected
            )
        );
    }
    Some(out)
}

#[test]
fn a_save_nobody_waits_for_is_stopped_without_save_rules() {
    support::check_program_transcript(UNWANTED_GOLDEN, unwanted_scenario);
}

const SILENT_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/full_sync_silent.txt"
);

/// Two online replicas under `repl-timeout 2`: the one that never acknowledges is
/// disconnected, the one that acknowledges every half second stays.
fn silent_scenario(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "full-sync-silent", false, "0")?;
    let (mut c, port) = (primary.client, primary.port);
    c.call(&["CONFIG", "SET", "repl-timeout", "2"]);
    let mut out = String::new();
    let mut silent = replica(port, "7001");
    let mut talking = replica(port, "7002");
    for r in [&mut silent, &mut talking] {
        r.send("PSYNC ? -1\r\n");
        r.line(WAIT);
        out += &format!("snapshot: {}\n", r.snapshot());
    }
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut remaining = support::info_until(&mut c, "replication", "connected_slaves", WAIT, |v| {
        v == "2"
    });
    out += &format!("connected_slaves: {remaining}\n");
    while remaining != "1" && Instant::now() < deadline {
        talking.send("REPLCONF ACK 0\r\n");
        std::thread::sleep(Duration::from_millis(500));
        remaining = support::info_until(
            &mut c,
            "replication",
            "connected_slaves",
            Duration::ZERO,
            |v| v == "1",
        );
    }
    out += &format!("connected_slaves once one stayed silent: {remaining}\n");
    let info = c.call(&["INFO", "replication"]);
    // Its lag depends on when in the second its last acknowledgement came.
    let slave0 = info_field(&info, "slave0");
    let without_lag = slave0.split(",lag=").next().unwrap_or_default();
    out += &format!("slave0: {without_lag}\n");
    Some(out)
}

#[test]
fn an_online_replica_silent_for_the_timeout_is_disconnected() {
    support::check_program_transcript(SILENT_GOLDEN, silent_scenario);
}

const ABANDONED_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/full_sync_abandoned.txt"
);

/// A replica (of the same program) told `REPLICAOF NO ONE` while its primary still saves
/// the snapshot for it closes the connection at once: the primary, without save rules,
/// stops the save it no longer needs.
fn abandoned_scenario(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "full-sync-abandoned", false, "1000000")?;
    let (mut c, port) = (primary.client, primary.port);
    let (child, replica_port) = support::spawn_on_free_port(program, |_| Vec::new())?;
    let _replica_process = Process(child);
    let mut replica = Client::connect(replica_port);
    let mut out = String::new();
    replica.call(&["REPLICAOF", "127.0.0.1", &port.to_string()]);
    let replication = support::wait_for(&mut c, &["INFO", "replication"], |info| {
        info_field(info, "slave0").contains("wait_bgsave")
    });
    let slave0 = info_field(&replication, "slave0");
    let state = slave0.split(',').find(|f| f.starts_with("state="));
    out += &format!("primary sees: {}\n", state.unwrap_or_default());
    out += &format!(
        "REPLICAOF NO ONE: {:?}\n",
        replica.call(&["REPLICAOF", "NO", "ONE"])
    );
    out += &format!(
        "connected_slaves after: {}\n",
        support::info_until(
            &mut c,
            "replication",
            "connected_slaves",
            Duration::from_secs(2),
            |v| v == "0"
        )
    );
    out += &format!(
        "rdb_bgsave_in_progress after: {}\n",
        support::info_until(
            &mut c,
            "persistence",
            "rdb_bgsave_in_progress",
            Duration::from_secs(2),
            |v| v == "0"
        )
    );
    Some(out)
}

#[test]
fn a_replica_that_gives_up_its_synchronization_closes_the_connection() {
    support::check_program_transcript(ABANDONED_GOLDEN, abandoned_scenario);
}

const ERROR_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/full_sync_replica_error.txt"
);

/// A replica that sends a command failing on its primary (GET: a replica cannot read the
/// keyspace there) is disconnected, and the error reply nobody reads is counted
/// (`unexpected_error_replies`).
fn replica_error_scenario(program: &str) -> Option<String> {
    let primary = support::slow_saving_primary(program, "full-sync-error", false, "0")?;
    let (mut c, port) = (primary.client, primary.port);
    let mut out = String::new();
    let mut raw = replica(port, "7001");
    raw.send("PSYNC ? -1\r\n");
    let fullresync = raw.line(WAIT);
    out += &format!(
        "replica: {}\n",
        fullresync.split(' ').next().unwrap_or_default()
    );
    raw.send("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n");
    out += &format!(
        "connected_slaves after its GET: {}\n",
        support::info_until(
            &mut c,
            "replication",
            "connected_slaves",
            Duration::from_secs(5),
            |v| v == "0"
        )
    );
    let stats = c.call(&["INFO", "stats"]);
    out += &format!(
        "unexpected_error_replies: {}\n",
        info_field(&stats, "unexpected_error_replies")
    );
    Some(out)
}

#[test]
fn an_error_replied_to_a_replica_is_counted_and_it_is_disconnected() {
    support::check_program_transcript(ERROR_GOLDEN, replica_error_scenario);
}
