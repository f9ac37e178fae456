//! A replica keeps the keys whose time had passed when its primary's snapshot reaches it
//! (the primary expires them and tells it so): DBSIZE counts them, reads see them missing.
//! Both ways of reading a snapshot: kept whole then loaded, and read as it comes
//! (`repl-diskless-load swapdb`). The transcript must equal `golden/replica_expired.txt`,
//! recorded from redis-server 7.0.15 (`RECORD_REFERENCE=1`), which is run live when
//! installed.

mod support;

use std::time::Duration;
use support::{info_field, Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/replica_expired.txt"
);

/// A server of `program` with `args`, in its own scratch directory (no file of another
/// test is loaded): a client on it, its port, and what must live as long as it.
fn server(program: &str, tag: &str, args: &[&str]) -> Option<(Client, u16, (Process, Scratch))> {
    let scratch = Scratch::new(&format!("replica-expired-{tag}-{}", program.len()));
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--enable-debug-command", "yes", "--dir"].map(String::from));
    args.push(scratch.0.display().to_string());
    let (child, port) = support::spawn_on_free_port(program, |_| args.clone())?;
    let process = Process(child);
    Some((Client::connect(port), port, (process, scratch)))
}

fn scenario(program: &str) -> Option<String> {
    let mut out = String::new();
    for load in ["disabled", "swapdb"] {
        let (mut primary, port, _p) = server(program, "primary", &["--repl-diskless-sync", "yes"])?;
        let (mut replica, _, _r) = server(program, "replica", &["--repl-diskless-load", load])?;
        // The key's time passes on the primary, which does not look at it meanwhile.
        primary.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        primary.call(&["SET", "kept", "v"]);
        primary.call(&["SET", "gone", "v", "PX", "100"]);
        std::thread::sleep(Duration::from_millis(300));
        replica.call(&["REPLICAOF", "127.0.0.1", &port.to_string()]);
        let info = support::wait_for(&mut replica, &["INFO", "replication"], |info| {
            info_field(info, "master_link_status") == "up"
        });
        out += &format!(
            "repl-diskless-load {load}: link {}\n",
            info_field(&info, "master_link_status")
        );
        for command in [&["DBSIZE"][..], &["GET", "gone"], &["GET", "kept"]] {
            out += &format!("  {command:?}: {:?}\n", replica.call(command));
        }
    }
    Some(out)
}

#[test]
fn a_replica_keeps_keys_past_their_time_from_its_primary() {
    support::check_program_transcript(GOLDEN, scenario);
}
