//! Snapshots end to end, with the server as its own process in a scratch directory: an RDB
//! file written by redis-server 7.0.15 (`golden/redis-7.0.15.rdb`, recorded with the replies
//! redis-server gives after loading it by `golden/rdb_dataset.py`) loads with every key,
//! value, expiry time and function; what we save loads back into us and, when redis-server
//! is installed, into it and passes `redis-check-rdb`; BGSAVE, save rules at shutdown,
//! FLUSHALL, DEBUG RELOAD, and corrupt files refused at start.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Client;

const GOLDEN_RDB: &[u8] = include_bytes!("golden/redis-7.0.15.rdb");
const READBACK: &str = include_str!("golden/rdb_readback.txt");
const READBACK_REPLIES: &[u8] = include_bytes!("golden/rdb_readback.resp");

/// A scratch directory removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("luredis-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn rdb(&self) -> PathBuf {
        self.0.join("dump.rdb")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn spawn(program: &str, dir: &Path, extra: &[&str]) -> std::io::Result<Server> {
    let port = free_port();
    let mut args = vec![
        "--port".to_string(),
        port.to_string(),
        "--dir".into(),
        dir.display().to_string(),
        "--enable-debug-command".into(),
        "yes".into(),
    ];
    if !extra.contains(&"--save") {
        args.extend(["--save".to_string(), String::new()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let child = Command::new(program)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{program} did not start listening"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

fn ours(dir: &Path, extra: &[&str]) -> Server {
    spawn(env!("CARGO_BIN_EXE_luredis"), dir, extra).expect("start luredis")
}

/// The raw replies to the read-back commands.
fn read_back(port: u16) -> Vec<u8> {
    let mut client = Client::connect(port);
    let mut out = Vec::new();
    for line in READBACK.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let args: Vec<&str> = line.split(' ').collect();
        client.send(&args);
        out.extend(client.read_reply(Duration::from_secs(5)));
    }
    out
}

fn assert_same_as_redis(port: u16, what: &str) {
    let got = read_back(port);
    assert!(
        got == READBACK_REPLIES,
        "{what}: replies differ from redis-server's\nours:\n{}\nredis:\n{}",
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(READBACK_REPLIES)
    );
}

/// Wait for a server process to exit by itself.
fn wait_exit(server: &mut Server) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn loads_a_redis_rdb_with_every_type_expiry_and_function() {
    let dir = Scratch::new("load-redis");
    std::fs::write(dir.rdb(), GOLDEN_RDB).unwrap();
    let server = ours(&dir.0, &[]);
    assert_same_as_redis(server.port, "loaded from redis-server's file");
}

#[test]
fn what_we_save_loads_back_and_into_redis() {
    let dir = Scratch::new("save-ours");
    std::fs::write(dir.rdb(), GOLDEN_RDB).unwrap();
    {
        let server = ours(&dir.0, &[]);
        let mut c = Client::connect(server.port);
        assert_eq!(c.call(&["SAVE"]), "+OK\r\n");
    }
    let saved = std::fs::read(dir.rdb()).unwrap();
    assert_ne!(saved, GOLDEN_RDB, "the file was rewritten by us");
    let server = ours(&dir.0, &[]);
    assert_same_as_redis(server.port, "reloaded from our own file");
    drop(server);

    if Command::new("redis-check-rdb")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("redis-tools not installed: skipping redis-check-rdb and redis-server loading");
        return;
    }
    let check = Command::new("redis-check-rdb")
        .arg(dir.rdb())
        .output()
        .expect("redis-check-rdb");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && text.contains("RDB looks OK"),
        "{text}"
    );
    if let Ok(redis) = spawn("redis-server", &dir.0, &["--appendonly", "no"]) {
        assert_same_as_redis(redis.port, "redis-server loading our file");
    } else {
        eprintln!("redis-server not installed: skipping loading our file into it");
    }
}

#[test]
fn debug_reload_keeps_everything() {
    let dir = Scratch::new("reload");
    std::fs::write(dir.rdb(), GOLDEN_RDB).unwrap();
    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_same_as_redis(server.port, "after DEBUG RELOAD");
    // Without a flush, loading a library that is there already fails; MERGE replaces.
    assert_eq!(
        c.call(&["DEBUG", "RELOAD", "NOFLUSH"]),
        "-ERR Error trying to load the RDB dump\r\n"
    );
    assert_eq!(c.call(&["DEBUG", "RELOAD", "NOFLUSH", "MERGE"]), "+OK\r\n");
    assert_same_as_redis(server.port, "after DEBUG RELOAD NOFLUSH MERGE");
    assert_eq!(
        c.call(&["DEBUG", "RELOAD", "BOGUS"]),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
}

#[test]
fn bgsave_writes_the_keyspace_as_it_was_when_it_started() {
    let dir = Scratch::new("bgsave");
    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    c.call(&["SET", "k", "before"]);
    let before = c.call(&["LASTSAVE"]);
    assert_eq!(c.call(&["BGSAVE"]), "+Background saving started\r\n");
    // A write right after the fork is not in the snapshot.
    c.call(&["SET", "k", "after"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c
        .call(&["INFO", "persistence"])
        .contains("rdb_bgsave_in_progress:1")
    {
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    let info = c.call(&["INFO", "persistence"]);
    assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:1\r\n"), "{info}");
    assert!(c.call(&["LASTSAVE"]) >= before);
    drop(server);
    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["GET", "k"]), "$6\r\nbefore\r\n");
}

#[test]
fn shutdown_saves_when_save_rules_exist_and_nosave_does_not() {
    let dir = Scratch::new("shutdown");
    let mut server = ours(&dir.0, &["--save", "3600 1"]);
    let mut c = Client::connect(server.port);
    c.call(&["SET", "kept", "1"]);
    c.send(&["SHUTDOWN"]);
    assert!(wait_exit(&mut server).success());
    assert!(dir.rdb().exists());

    let mut server = ours(&dir.0, &["--save", "3600 1"]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["GET", "kept"]), "$1\r\n1\r\n");
    c.call(&["SET", "lost", "1"]);
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(wait_exit(&mut server).success());

    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["EXISTS", "kept", "lost"]), ":1\r\n");
    // FLUSHALL with save rules saves the empty dataset at once.
    drop(server);
    let server = ours(&dir.0, &["--save", "3600 1"]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["FLUSHALL"]), "+OK\r\n");
    drop(server);
    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["DBSIZE"]), ":0\r\n");
}

#[test]
fn a_corrupt_or_truncated_file_stops_the_start_with_an_error() {
    let dir = Scratch::new("corrupt");
    let mut flipped = GOLDEN_RDB.to_vec();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x5a;
    for bad in [
        &GOLDEN_RDB[..GOLDEN_RDB.len() / 3],
        &flipped[..],
        b"REDIS0099",
        b"NOTREDIS",
    ] {
        std::fs::write(dir.rdb(), bad).unwrap();
        let port = free_port();
        let status = Command::new(env!("CARGO_BIN_EXE_luredis"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(&dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run luredis");
        // An orderly exit with status 1, never a crash by signal.
        assert_eq!(status.code(), Some(1));
    }
}
