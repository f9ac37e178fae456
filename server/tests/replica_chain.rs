//! A replica with replicas of its own that is sent to another primary keeps them connected
//! while it synchronizes (they may go on from where they are if the new primary continues
//! its history); they are disconnected only once the new primary's snapshot is loaded. The
//! transcript must equal `golden/replica_chain.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::Duration;
use support::{info_field, Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/replica_chain.txt"
);

/// A server of `program` in its own scratch directory (a save's files go there): a client
/// on it, its port, and what must live as long as it.
fn server(program: &str, tag: &str) -> Option<(Client, u16, (Process, Scratch))> {
    let scratch = Scratch::new(&format!("replica-chain-{tag}-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let (child, port) =
        support::spawn_on_free_port(program, |_| vec!["--dir".into(), dir.clone()])?;
    let process = Process(child);
    Some((Client::connect(port), port, (process, scratch)))
}

fn link(c: &mut Client) -> String {
    info_field(&c.call(&["INFO", "replication"]), "master_link_status")
}

fn link_up(c: &mut Client) -> String {
    let info = support::wait_for(c, &["INFO", "replication"], |info| {
        info_field(info, "master_link_status") == "up"
    });
    info_field(&info, "master_link_status")
}

fn scenario(program: &str) -> Option<String> {
    let (mut first, first_port, _a) = server(program, "first")?;
    let (mut second, second_port, _b) = server(program, "second")?;
    let (mut middle, middle_port, _c) = server(program, "middle")?;
    let (mut sub, _, _d) = server(program, "sub")?;
    let mut out = String::new();
    first.call(&["SET", "a", "b"]);
    middle.call(&["REPLICAOF", "127.0.0.1", &first_port.to_string()]);
    out += &format!("middle: {}\n", link_up(&mut middle));
    sub.call(&["REPLICAOF", "127.0.0.1", &middle_port.to_string()]);
    out += &format!("sub-replica: {}\n", link_up(&mut sub));
    // The second primary takes ten seconds to save: the middle replica waits for it.
    for key in ["k1", "k2", "k3", "k4", "k5"] {
        second.call(&["SET", key, "v"]);
    }
    second.call(&["CONFIG", "SET", "repl-diskless-sync", "no"]);
    second.call(&["CONFIG", "SET", "rdb-key-save-delay", "2000000"]);
    middle.call(&["REPLICAOF", "127.0.0.1", &second_port.to_string()]);
    support::wait_for(&mut second, &["INFO", "replication"], |info| {
        info_field(info, "slave0").contains("wait_bgsave")
    });
    std::thread::sleep(Duration::from_millis(500));
    out += &format!(
        "while the middle one synchronizes, sub-replica: {}\n",
        link(&mut sub)
    );
    let replication = middle.call(&["INFO", "replication"]);
    out += &format!(
        "middle's connected_slaves: {}\n",
        info_field(&replication, "connected_slaves")
    );
    second.call(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    second.call(&["SHUTDOWN", "NOSAVE"]);
    // Back to the first primary, which continues the middle one's history.
    middle.call(&["REPLICAOF", "127.0.0.1", &first_port.to_string()]);
    out += &format!("middle back: {}\n", link_up(&mut middle));
    let info = first.call(&["INFO", "stats"]);
    out += &format!(
        "first primary: sync_full {}, sync_partial_ok {}\n",
        info_field(&info, "sync_full"),
        info_field(&info, "sync_partial_ok")
    );
    out += &format!("sub-replica: {}\n", link(&mut sub));
    let info = middle.call(&["INFO", "stats"]);
    out += &format!(
        "middle: sync_full {}, sync_partial_ok {}\n",
        info_field(&info, "sync_full"),
        info_field(&info, "sync_partial_ok")
    );
    Some(out)
}

#[test]
fn a_replica_keeps_its_replicas_while_it_synchronizes_with_another_primary() {
    support::check_program_transcript(GOLDEN, scenario);
}
