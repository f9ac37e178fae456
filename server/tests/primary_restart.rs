//! A primary restarted from the snapshot it saved at shutdown takes up its replication
//! position as its second history, so its replica goes on with a partial resynchronization;
//! keys the load finds expired are deleted down the stream (the replica deletes them too).
//! The transcript must equal `golden/primary_restart.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::path::Path;

use std::time::{Duration, Instant};
use support::{info_field, Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/primary_restart.txt"
);

fn free_port() -> Option<u16> {
    Some(
        std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    )
}

/// `program` on `port` in `dir`, once it answers.
fn start(program: &str, port: u16, dir: &Path, extra: &[&str]) -> Option<Process> {
    let mut args = vec!["--dir".to_string(), dir.display().to_string()];
    args.extend(["--enable-debug-command", "yes"].map(String::from));
    args.extend(extra.iter().map(|a| a.to_string()));
    support::spawn_on_port(program, port, &args).map(Process)
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        if Instant::now() > deadline {
            eprintln!("gave up waiting: {what}");
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

fn scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("primary-restart-{}", program.len()));
    let (primary_dir, replica_dir) = (scratch.0.join("p"), scratch.0.join("r"));
    std::fs::create_dir_all(&primary_dir).ok()?;
    std::fs::create_dir_all(&replica_dir).ok()?;
    let (primary_port, replica_port) = (free_port()?, free_port()?);
    let primary_args = ["--save", "3600 1"];
    let primary = start(program, primary_port, &primary_dir, &primary_args)?;
    let _replica = start(program, replica_port, &replica_dir, &["--save", ""])?;
    let mut p = Client::connect(primary_port);
    let mut r = Client::connect(replica_port);
    r.call(&["REPLICAOF", "127.0.0.1", &primary_port.to_string()]);
    let linked = |r: &mut Client| {
        info_field(&r.call(&["INFO", "replication"]), "master_link_status") == "up"
    };
    wait_until("the first sync", || linked(&mut r));
    p.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..20 {
        p.call(&["SET", &format!("k{i}"), "v"]);
    }
    for i in 0..10 {
        p.call(&["SELECT", &(i % 3).to_string()]);
        p.call(&["SET", &format!("short{i}"), "v", "PX", "50"]);
    }
    let offset =
        |c: &mut Client| info_field(&c.call(&["INFO", "replication"]), "master_repl_offset");
    wait_until("the replica's offset", || offset(&mut p) == offset(&mut r));
    let old_offset: i64 = offset(&mut p).parse().ok()?;
    std::thread::sleep(Duration::from_millis(100));
    // NOW: no wait for the replica to acknowledge (and no GETACK in the stream).
    p.send(&["SHUTDOWN", "NOW"]);
    let mut primary = primary;
    let _ = primary.0.wait();
    drop(primary);
    let _primary = start(program, primary_port, &primary_dir, &primary_args)?;
    let mut p = Client::connect(primary_port);
    wait_until("the link after the restart", || linked(&mut r));
    wait_until("the replica's offset after the restart", || {
        offset(&mut p) == offset(&mut r)
    });
    let info = p.call(&["INFO"]);
    let new_offset: i64 = info_field(&info, "master_repl_offset").parse().ok()?;
    let stat = |name: &str| format!("{name}:{}", info_field(&info, name));
    let mut out = String::new();
    for name in [
        "sync_partial_ok",
        "sync_full",
        "rdb_last_load_keys_expired",
        "repl_backlog_active",
        "second_repl_offset",
        // The replica's connection is not counted, the asking client is.
        "connected_clients",
        "connected_slaves",
    ] {
        out += &stat(name);
        out += "\n";
    }
    out += &format!(
        "second_repl_offset is the old offset + 1: {}\n",
        info_field(&info, "second_repl_offset") == (old_offset + 1).to_string()
    );
    out += &format!(
        "the offset grew by the deletions sent: {}\n",
        new_offset - old_offset
            == info_field(&info, "repl_backlog_histlen")
                .parse::<i64>()
                .ok()?
    );
    out += &format!("keys on the replica: {}", r.call(&["DBSIZE"]));
    out += &format!(
        "same data: {}\n",
        p.call(&["DEBUG", "DIGEST"]) == r.call(&["DEBUG", "DIGEST"])
    );
    Some(out)
}

#[test]
fn a_restarted_primary_lets_its_replica_go_on() {
    support::check_program_transcript(GOLDEN, scenario);
    let golden = std::fs::read_to_string(GOLDEN).expect("golden");
    assert!(golden.contains("sync_partial_ok:1\nsync_full:0\nrdb_last_load_keys_expired:10\n"));
}
