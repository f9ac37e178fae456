//! A replica's load during a full synchronization, under `repl-diskless-load swapdb`:
//! - when the primary's snapshot continues the replica's own history (the link was lost and
//!   the backlog could not bridge it), the load is asynchronous: `async_loading:1`,
//!   `loading:0`, clients keep reading the old data, and only commands flagged
//!   `no_async_loading` and options flagged as not settable while loading are refused
//!   (`-LOADING`); when the transfer fails the old data stays;
//! - a snapshot of another history makes a plain load: `loading:1`, and commands get
//!   `-LOADING`.
//!
//! The transcript must equal `golden/async_loading.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::Duration;
use support::{info_field, Client, Process};

/// The primary's `rdb-key-save-delay` while the replica's load is watched, in microseconds.
const SAVE_DELAY: &str = "150000";

/// The longest wait for a load to start or end.
const WAIT: Duration = Duration::from_secs(10);

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/async_loading.txt"
);

fn link_up(c: &mut Client) -> String {
    let info = support::wait_for(c, &["INFO", "replication"], |info| {
        info_field(info, "master_link_status") == "up"
    });
    info_field(&info, "master_link_status")
}

/// Start a server of `program` with `args`; a client on it, its port, and the process.
fn server(program: &str, args: &[&str]) -> Option<(Client, u16, Process)> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (child, port) = support::spawn_on_free_port(program, |_| args.clone())?;
    let process = Process(child);
    Some((Client::connect(port), port, process))
}

/// The primary's data: thirty keys whose values (uncompressed) fill the save child's output
/// buffer, so each reaches the replica as it is written (every `SAVE_DELAY`), and the
/// replica serves clients between them (as Redis's loader does every
/// `loading-process-events-interval-bytes`).
fn fill_primary(primary: &mut Client) {
    let value = "A".repeat(16 * 1024);
    for i in 0..30 {
        primary.call(&["SET", &format!("big{i}"), &value]);
    }
}

fn scenario(program: &str) -> Option<String> {
    let (mut primary, primary_port, _p) = server(
        program,
        &["--repl-diskless-sync", "yes", "--rdbcompression", "no"],
    )?;
    let (mut replica, _, _r) = server(
        program,
        &[
            "--repl-diskless-load",
            "swapdb",
            "--replica-read-only",
            "no",
            "--loading-process-events-interval-bytes",
            "1024",
        ],
    )?;
    let mut out = String::new();
    fill_primary(&mut primary);
    replica.call(&["REPLICAOF", "127.0.0.1", &primary_port.to_string()]);
    out += &format!("first synchronization: link {}\n", link_up(&mut replica));
    replica.call(&["SET", "mykey", "myvalue"]);

    // The link is lost and the backlog cannot bridge the gap: a full synchronization of
    // the same history, slowed down on the primary.
    primary.call(&["CONFIG", "SET", "rdb-key-save-delay", SAVE_DELAY]);
    primary.call(&["MULTI"]);
    primary.call(&["CLIENT", "KILL", "TYPE", "replica"]);
    primary.call(&["CONFIG", "SET", "repl-backlog-size", "16384"]);
    let value = "B".repeat(16 * 1024);
    for i in 0..3 {
        primary.call(&["SET", &format!("gap{i}"), &value]);
    }
    primary.call(&["EXEC"]);
    out += &format!(
        "async_loading: {}\n",
        support::info_until(&mut replica, "persistence", "async_loading", WAIT, |v| v
            == "1")
    );
    let persistence = replica.call(&["INFO", "persistence"]);
    out += &format!("loading: {}\n", info_field(&persistence, "loading"));
    for command in [
        &["GET", "mykey"][..],
        &["EXISTS", "mykey", "big0", "big29"],
        &["SET", "written", "during"],
        &["CONFIG", "SET", "appendonly", "no"],
        &[
            "CONFIG",
            "SET",
            "maxmemory-clients",
            "0",
            "appendonly",
            "no",
        ],
        &["CONFIG", "SET", "maxmemory-clients", "0"],
        &["REPLICAOF", "NO", "ONE"],
        &["BGSAVE"],
    ] {
        out += &format!("{command:?}: {:?}\n", replica.call(command));
    }
    replica.call(&["MULTI"]);
    replica.call(&["GET", "mykey"]);
    out += &format!("EXEC of a GET: {:?}\n", replica.call(&["EXEC"]));
    replica.call(&["MULTI"]);
    replica.call(&["BGSAVE"]);
    out += &format!("EXEC of a BGSAVE: {:?}\n", replica.call(&["EXEC"]));

    // The transfer fails: the old data stays.
    primary.call(&["CONFIG", "SET", "repl-diskless-sync-delay", "5"]);
    primary.call(&["CLIENT", "KILL", "TYPE", "replica"]);
    out += &format!(
        "after the link dropped, async_loading: {}\n",
        support::info_until(&mut replica, "persistence", "async_loading", WAIT, |v| v
            == "0")
    );
    out += &format!("GET mykey: {:?}\n", replica.call(&["GET", "mykey"]));
    out += &format!(
        "EXISTS mykey written big0: {:?}\n",
        replica.call(&["EXISTS", "mykey", "written", "big0"])
    );

    // A primary of another history: a plain load.
    let (mut other, other_port, _o) = server(
        program,
        &["--repl-diskless-sync", "yes", "--rdbcompression", "no"],
    )?;
    fill_primary(&mut other);
    other.call(&["CONFIG", "SET", "rdb-key-save-delay", SAVE_DELAY]);
    replica.call(&["REPLICAOF", "127.0.0.1", &other_port.to_string()]);
    out += &format!(
        "another primary, loading: {}\n",
        support::info_until(&mut replica, "persistence", "loading", WAIT, |v| v == "1")
    );
    let persistence = replica.call(&["INFO", "persistence"]);
    out += &format!(
        "async_loading: {}\n",
        info_field(&persistence, "async_loading")
    );
    out += &format!("GET mykey: {:?}\n", replica.call(&["GET", "mykey"]));
    out += &format!(
        "CONFIG SET appendonly: {:?}\n",
        replica.call(&["CONFIG", "SET", "appendonly", "no"])
    );
    other.call(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    primary.call(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    Some(out)
}

#[test]
fn a_load_of_the_same_history_keeps_serving_the_old_data() {
    support::check_program_transcript(GOLDEN, scenario);
}
