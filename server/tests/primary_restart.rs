//! A primary restarted from the snapshot it saved at shutdown takes up its replication
//! position as its second history, so its replica goes on with a partial resynchronization;
//! keys the load finds expired are deleted down the stream (the replica deletes them too).
//! The scenario runs on our servers and, when installed, on redis-server 7.0.15: the figures
//! must be the same.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Client, Scratch};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Option<u16> {
    Some(
        std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    )
}

/// `program` on `port` in `dir`, once it answers (at most ten seconds).
fn start(program: &str, port: u16, dir: &Path, extra: &[&str]) -> Option<Process> {
    let child = Command::new(program)
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        .args(["--enable-debug-command", "yes"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let process = Process(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(process)
}

fn field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or("")
        .trim()
        .to_string()
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
    let linked =
        |r: &mut Client| field(&r.call(&["INFO", "replication"]), "master_link_status") == "up";
    wait_until("the first sync", || linked(&mut r));
    p.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..20 {
        p.call(&["SET", &format!("k{i}"), "v"]);
    }
    for i in 0..10 {
        p.call(&["SELECT", &(i % 3).to_string()]);
        p.call(&["SET", &format!("short{i}"), "v", "PX", "50"]);
    }
    let offset = |c: &mut Client| field(&c.call(&["INFO", "replication"]), "master_repl_offset");
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
    let new_offset: i64 = field(&info, "master_repl_offset").parse().ok()?;
    let stat = |name: &str| format!("{name}:{}", field(&info, name));
    let mut out = String::new();
    for name in [
        "sync_partial_ok",
        "sync_full",
        "rdb_last_load_keys_expired",
        "repl_backlog_active",
        "second_repl_offset",
    ] {
        out += &stat(name);
        out += "\n";
    }
    out += &format!(
        "second_repl_offset is the old offset + 1: {}\n",
        field(&info, "second_repl_offset") == (old_offset + 1).to_string()
    );
    out += &format!(
        "the offset grew by the deletions sent: {}\n",
        new_offset - old_offset == field(&info, "repl_backlog_histlen").parse::<i64>().ok()?
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
    let ours = scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs");
    assert!(
        ours.contains("sync_partial_ok:1\nsync_full:0\nrdb_last_load_keys_expired:10\n"),
        "{ours}"
    );
    match scenario("redis-server") {
        Some(reference) => assert_eq!(ours, reference, "redis-server tells another story"),
        None => eprintln!("redis-server not installed: checked ours alone"),
    }
}
