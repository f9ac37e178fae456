//! SHUTDOWN on a primary whose replica is behind (stopped with SIGSTOP, so it cannot
//! acknowledge): the primary waits, showing `shutdown_in_milliseconds`; when the replica
//! comes back it catches up and the primary ends with "1 of 1 replicas are in sync"; when it
//! stays away past `shutdown-timeout`, the primary logs it as lagging and ends anyway. The
//! transcript must equal `golden/shutdown_wait.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{info_field, Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/shutdown_wait.txt"
);

fn start(program: &str, dir: &Path, extra: &[&str]) -> Option<(Process, u16)> {
    let dir = dir.display().to_string();
    let (child, port) = support::spawn_on_free_port(program, |_| {
        let mut args = vec!["--dir".to_string(), dir.clone()];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    })?;
    Some((Process(child), port))
}

fn signal(process: &Process, name: &str) {
    let _ = Command::new("kill")
        .args([name, &process.0.id().to_string()])
        .status();
}

/// One run: `wake` says whether the replica comes back before the timeout.
fn run(program: &str, wake: bool) -> Option<String> {
    let scratch = Scratch::new(&format!("shutdown-wait-{wake}-{}", program.len()));
    let log = scratch.0.join("primary.log");
    let log_arg = log.display().to_string();
    let timeout = if wake { "20" } else { "1" };
    let (mut primary, primary_port) = start(
        program,
        &scratch.0,
        &["--logfile", &log_arg, "--shutdown-timeout", timeout],
    )?;
    let (replica, replica_port) = start(program, &scratch.0, &["--dbfilename", "replica.rdb"])?;
    let mut p = Client::connect(primary_port);
    let mut r = Client::connect(replica_port);
    r.call(&["REPLICAOF", "127.0.0.1", &primary_port.to_string()]);
    support::wait_for(&mut r, &["ROLE"], |reply| reply.contains("connected"));
    p.call(&["SET", "k", "1"]);
    support::wait_for(&mut r, &["GET", "k"], |reply| reply == "$1\r\n1\r\n");
    signal(&replica, "-STOP");
    std::thread::sleep(Duration::from_millis(50));
    p.call(&["INCR", "k"]);
    let mut waiter = Client::connect(primary_port);
    waiter.send(&["SHUTDOWN"]);
    let waiting = support::wait_for(&mut p, &["INFO", "server"], |info| {
        info_field(info, "shutdown_in_milliseconds")
            .parse::<u64>()
            .unwrap_or(0)
            > 0
    });
    let mut out = format!(
        "waiting: {}\n",
        info_field(&waiting, "shutdown_in_milliseconds")
            .parse::<u64>()
            .unwrap_or(0)
            > 0
    );
    if wake {
        signal(&replica, "-CONT");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let exited = loop {
        if let Ok(Some(_)) = primary.0.try_wait() {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    out += &format!("primary exited: {exited}\n");
    signal(&replica, "-CONT");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    for needle in [
        "Waiting for replicas before shutting down.",
        "Lagging replica",
        "1 of 1 replicas are in sync when shutting down.",
        "0 of 1 replicas are in sync when shutting down.",
    ] {
        out += &format!("{needle} {}\n", text.contains(needle));
    }
    out += &format!("replica has: {}", r.call(&["GET", "k"]));
    Some(out)
}

fn scenario(program: &str) -> Option<String> {
    Some(run(program, true)? + &run(program, false)?)
}

#[test]
fn a_shutdown_waits_for_a_lagging_replica() {
    support::check_program_transcript(GOLDEN, scenario);
}
