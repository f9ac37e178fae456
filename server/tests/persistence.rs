//! Snapshots end to end, with the server as its own process in a scratch directory: an RDB
//! file written by redis-server 7.0.15 (`golden/redis-7.0.15.rdb`, recorded with the replies
//! redis-server gives after loading it by `golden/rdb_dataset.py`) loads with every key,
//! value, expiry time and function; what we save loads back into us and, when redis-server
//! is installed, into it and passes `redis-check-rdb`; BGSAVE, save rules at shutdown,
//! FLUSHALL, DEBUG RELOAD, and corrupt files refused at start. The same for the append-only
//! file: redis-server's folder (`golden/aof-7.0.15/`) loads; what we log replays in us and in
//! redis-server; acknowledged writes survive `kill -9` under `appendfsync always`; a cut last
//! command is dropped; BGREWRITEAOF compacts the log.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Client;

const GOLDEN_RDB: &[u8] = include_bytes!("golden/redis-7.0.15.rdb");
const READBACK: &str = include_str!("golden/rdb_readback.txt");
const READBACK_REPLIES: &[u8] = include_bytes!("golden/rdb_readback.resp");
const DATASET: &[u8] = include_bytes!("golden/rdb_dataset.resp");
const GOLDEN_AOF: &[(&str, &[u8])] = &[
    (
        "appendonly.aof.manifest",
        include_bytes!("golden/aof-7.0.15/appendonly.aof.manifest"),
    ),
    (
        "appendonly.aof.1.base.rdb",
        include_bytes!("golden/aof-7.0.15/appendonly.aof.1.base.rdb"),
    ),
    (
        "appendonly.aof.1.incr.aof",
        include_bytes!("golden/aof-7.0.15/appendonly.aof.1.incr.aof"),
    ),
];

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

/// Start `program` on a free port in `dir`; `extra` may start with a configuration file. A
/// port taken by another program between the probe and the start (the child exits at once)
/// is retried with a fresh one, a few times.
fn spawn(program: &str, dir: &Path, extra: &[&str]) -> std::io::Result<Server> {
    let (file, extra) = match extra.split_first() {
        Some((file, rest)) if !file.starts_with("--") => (Some(*file), rest),
        _ => (None, extra),
    };
    for _attempt in 0..5 {
        let port = free_port();
        let mut args: Vec<String> = file.map(str::to_string).into_iter().collect();
        args.extend([
            "--port".to_string(),
            port.to_string(),
            "--dir".into(),
            dir.display().to_string(),
            "--enable-debug-command".into(),
            "yes".into(),
        ]);
        if !extra.contains(&"--save") {
            args.extend(["--save".to_string(), String::new()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(program)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                if support::answers_as(stream, server.child.id()) {
                    return Ok(server);
                }
                // Another program has the port (ours fails to bind it): a fresh one.
                break;
            }
            if let Ok(Some(_)) = server.child.try_wait() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{program} did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("{program} exited at start on five free ports")
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
/// Ask INFO persistence until `flag` (`rdb_bgsave_in_progress`, `aof_rewrite_in_progress`)
/// is 0, for at most ten seconds (`what` names the wait in the failure).
fn wait_until_done(c: &mut Client, flag: &str, what: &str) {
    let busy = format!("{flag}:1");
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.call(&["INFO", "persistence"]).contains(&busy) {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait for the running append-only rewrite to end.
fn wait_for_rewrite(c: &mut Client) {
    wait_until_done(c, "aof_rewrite_in_progress", "the rewrite never finished");
}

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
    wait_until_done(&mut c, "rdb_bgsave_in_progress", "BGSAVE never finished");
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
fn bgrewriteaof_finishes_with_the_append_only_file_off() {
    // Redis allows BGREWRITEAOF under `appendonly no`; its child must still be reaped (it
    // was not, and INFO showed the rewrite in progress forever).
    let dir = Scratch::new("bgrewriteaof-off");
    let server = ours(&dir.0, &[]);
    let mut c = Client::connect(server.port);
    c.call(&["SET", "k", "v"]);
    assert_eq!(
        c.call(&["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    wait_for_rewrite(&mut c);
    let info = c.call(&["INFO", "persistence"]);
    assert!(info.contains("aof_last_bgrewrite_status:ok"), "{info}");
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

fn aof_dir(dir: &Scratch) -> PathBuf {
    dir.0.join("appendonlydir")
}

/// Send the dataset's commands and wait for all their replies.
fn build_dataset(port: u16) {
    let commands = DATASET.iter().filter(|&&b| b == b'*').count();
    let mut client = Client::connect(port);
    client.write_raw(DATASET);
    // Every command starts with '*', and no argument of the dataset does at a line start;
    // count replies instead of commands to be safe.
    let mut replies = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let reply = client.read_reply(Duration::from_secs(5));
        if reply.is_empty() {
            break;
        }
        replies += 1;
        if replies == expected_replies() {
            break;
        }
    }
    assert!(replies > 0 && commands > 0);
}

/// The dataset's command count, read from its RESP form.
fn expected_replies() -> usize {
    let mut count = 0;
    let mut pos = 0;
    while pos < DATASET.len() {
        let line_end = DATASET[pos..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap()
            + pos;
        let argc: usize = std::str::from_utf8(&DATASET[pos + 1..line_end])
            .unwrap()
            .parse()
            .unwrap();
        pos = line_end + 2;
        for _ in 0..argc {
            let end = DATASET[pos..]
                .windows(2)
                .position(|w| w == b"\r\n")
                .unwrap()
                + pos;
            let len: usize = std::str::from_utf8(&DATASET[pos + 1..end])
                .unwrap()
                .parse()
                .unwrap();
            pos = end + 2 + len + 2;
        }
        count += 1;
    }
    count
}

#[test]
fn loads_a_redis_aof_folder() {
    let dir = Scratch::new("aof-redis");
    std::fs::create_dir_all(aof_dir(&dir)).unwrap();
    for (name, bytes) in GOLDEN_AOF {
        std::fs::write(aof_dir(&dir).join(name), bytes).unwrap();
    }
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    assert_same_as_redis(server.port, "loaded from redis-server's append-only folder");
}

#[test]
fn what_we_log_replays_in_us_and_in_redis() {
    let dir = Scratch::new("aof-ours");
    {
        let server = ours(&dir.0, &["--appendonly", "yes", "--appendfsync", "always"]);
        build_dataset(server.port);
        assert_same_as_redis(server.port, "while logging");
    }
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    assert_same_as_redis(server.port, "replayed from our log");
    drop(server);
    match spawn("redis-server", &dir.0, &["--appendonly", "yes"]) {
        Ok(redis) => assert_same_as_redis(redis.port, "redis-server replaying our log"),
        Err(_) => eprintln!("redis-server not installed: skipping replaying our log in it"),
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_with_fsync_always() {
    let dir = Scratch::new("aof-kill");
    let mut server = ours(&dir.0, &["--appendonly", "yes", "--appendfsync", "always"]);
    let port = server.port;
    // Two writers: plain commands and a script, each remembering its last acknowledged value.
    let writer = |script: bool| {
        std::thread::spawn(move || {
            let mut c = Client::connect(port);
            let mut acked = 0i64;
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let reply = if script {
                    c.call(&[
                        "EVAL",
                        "redis.call('set', 'other', ARGV[1]); return redis.call('incr', KEYS[1])",
                        "1",
                        "by-script",
                        "x",
                    ])
                } else {
                    c.call(&["INCR", "by-command"])
                };
                match reply
                    .strip_prefix(':')
                    .and_then(|r| r.trim_end().parse().ok())
                {
                    Some(n) => acked = n,
                    None => break,
                }
            }
            acked
        })
    };
    let (plain, scripted) = (writer(false), writer(true));
    std::thread::sleep(Duration::from_millis(400));
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    let (plain, scripted) = (plain.join().unwrap(), scripted.join().unwrap());
    assert!(plain > 0 && scripted > 0, "the writers made progress");
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    let read = |c: &mut Client, key: &str| -> i64 {
        let r = c.call(&["GET", key]);
        r.lines().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    // Every acknowledged write is there; at most the one in flight more.
    let got = read(&mut c, "by-command");
    assert!(
        got == plain || got == plain + 1,
        "{got} vs acknowledged {plain}"
    );
    let got = read(&mut c, "by-script");
    assert!(
        got == scripted || got == scripted + 1,
        "{got} vs acknowledged {scripted}"
    );
}

#[test]
fn a_cut_last_command_is_dropped_and_strict_mode_refuses_it() {
    let dir = Scratch::new("aof-cut");
    {
        let server = ours(&dir.0, &["--appendonly", "yes", "--appendfsync", "always"]);
        let mut c = Client::connect(server.port);
        c.call(&["SET", "a", "1"]);
        c.call(&["SET", "b", "2"]);
    }
    let incr = aof_dir(&dir).join("appendonly.aof.1.incr.aof");
    let whole = std::fs::read(&incr).unwrap();
    let mut cut = whole.clone();
    cut.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1");
    std::fs::write(&incr, &cut).unwrap();
    // Strict: the start fails.
    let status = Command::new(env!("CARGO_BIN_EXE_luredis"))
        .args([
            "--port",
            &free_port().to_string(),
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
            "--dir",
        ])
        .arg(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    // Default: the cut command is dropped and the file truncated back.
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    assert_eq!(
        c.call(&["MGET", "a", "b", "c"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    );
    drop(server);
    assert_eq!(std::fs::read(&incr).unwrap(), whole);
}

/// With `aof-use-rdb-preamble no` a rewrite writes its base as commands (`.base.aof`), as
/// Redis does; it loads back in us and in redis-server to the same replies.
#[test]
fn a_command_form_base_replays_in_us_and_in_redis() {
    let dir = Scratch::new("aof-command-base");
    let options = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
    {
        let server = ours(&dir.0, &options);
        build_dataset(server.port);
        let mut c = Client::connect(server.port);
        assert_eq!(
            c.call(&["BGREWRITEAOF"]),
            "+Background append only file rewriting started\r\n"
        );
        wait_for_rewrite(&mut c);
    }
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    let base = std::fs::read(aof_dir(&dir).join("appendonly.aof.2.base.aof")).unwrap();
    assert!(base.starts_with(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"));
    let server = ours(&dir.0, &options);
    assert_same_as_redis(server.port, "replayed from our command-form base");
    drop(server);
    match spawn("redis-server", &dir.0, &options) {
        Ok(redis) => assert_same_as_redis(redis.port, "redis-server replaying our command base"),
        Err(_) => eprintln!("redis-server not installed: skipping replaying our base in it"),
    }
}

#[test]
fn bgrewriteaof_compacts_the_log() {
    let dir = Scratch::new("aof-rewrite");
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    for i in 0..200 {
        c.call(&["INCR", "n"]);
        c.call(&["SET", &format!("k{}", i % 10), "v"]);
    }
    assert_eq!(
        c.call(&["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    c.call(&["SET", "after", "1"]);
    wait_for_rewrite(&mut c);
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(aof_dir(&dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "appendonly.aof.2.base.rdb",
            "appendonly.aof.2.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
    drop(server);
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["GET", "n"]), "$3\r\n200\r\n");
    assert_eq!(c.call(&["DBSIZE"]), ":12\r\n");
}

#[test]
fn save_rules_start_a_background_save_and_dbfilename_names_the_file() {
    let dir = Scratch::new("rules");
    let server = ours(&dir.0, &["--save", "1 1", "--dbfilename", "mine.rdb"]);
    let mut c = Client::connect(server.port);
    c.call(&["SET", "k", "v"]);
    let file = dir.0.join("mine.rdb");
    // One change and more than a second: the periodic task starts BGSAVE.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !file.exists()
        || c.call(&["INFO", "persistence"])
            .contains("rdb_changes_since_last_save:1")
    {
        assert!(Instant::now() < deadline, "the save rule never fired");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!dir.rdb().exists());
    drop(server);
    let server = ours(&dir.0, &["--dbfilename", "mine.rdb"]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["GET", "k"]), "$1\r\nv\r\n");
}

#[test]
fn everysec_loses_at_most_about_a_second_on_kill_9() {
    let dir = Scratch::new("aof-everysec");
    let mut server = ours(
        &dir.0,
        &["--appendonly", "yes", "--appendfsync", "everysec"],
    );
    let port = server.port;
    // Acknowledged values with the time they were acknowledged.
    let writer = std::thread::spawn(move || {
        let mut c = Client::connect(port);
        let mut acks: Vec<(Instant, i64)> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let reply = c.call(&["INCR", "n"]);
            match reply
                .strip_prefix(':')
                .and_then(|r| r.trim_end().parse().ok())
            {
                Some(n) => acks.push((Instant::now(), n)),
                None => break,
            }
        }
        acks
    });
    std::thread::sleep(Duration::from_millis(2500));
    let killed_at = Instant::now();
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    let acks = writer.join().unwrap();
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    let got: i64 = c
        .call(&["GET", "n"])
        .lines()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Everything acknowledged more than two seconds before the kill is there (a sync a
    // second, with a margin for a loaded machine), and nothing that was never written.
    let old_enough = acks
        .iter()
        .filter(|(t, _)| killed_at.duration_since(*t) > Duration::from_secs(2))
        .map(|&(_, n)| n)
        .max()
        .unwrap_or(0);
    let last = acks.last().map_or(0, |&(_, n)| n);
    assert!(
        got >= old_enough && got <= last + 1,
        "{got}: old enough {old_enough}, last {last}"
    );
}

#[test]
fn a_corrupt_aof_stops_the_start_and_an_automatic_rewrite_happens_by_size() {
    let dir = Scratch::new("aof-corrupt");
    {
        let server = ours(&dir.0, &["--appendonly", "yes"]);
        let mut c = Client::connect(server.port);
        c.call(&["SET", "a", "1"]);
        c.call(&["SET", "b", "2"]);
    }
    let incr = aof_dir(&dir).join("appendonly.aof.1.incr.aof");
    let mut data = std::fs::read(&incr).unwrap();
    // Garbage in the middle: not a command.
    data.splice(0..0, b"garbage\r\n".iter().copied());
    std::fs::write(&incr, &data).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_luredis"))
        .args([
            "--port",
            &free_port().to_string(),
            "--appendonly",
            "yes",
            "--dir",
        ])
        .arg(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));

    let dir = Scratch::new("aof-auto");
    let server = ours(
        &dir.0,
        &[
            "--appendonly",
            "yes",
            "--auto-aof-rewrite-min-size",
            "4096",
            "--auto-aof-rewrite-percentage",
            "100",
        ],
    );
    let mut c = Client::connect(server.port);
    let value = "x".repeat(100);
    for i in 0..100 {
        c.call(&["SET", &format!("k{}", i % 5), &value]);
    }
    let manifest = aof_dir(&dir).join("appendonly.aof.manifest");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&manifest)
        .unwrap_or_default()
        .contains("seq 2 type b")
    {
        assert!(Instant::now() < deadline, "no automatic rewrite");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.call(&["DBSIZE"]), ":5\r\n");
}

/// Every key, its type and its content in one canonical text (hash-table order sorted away).
const DUMP_ALL: &str = "local keys = redis.call('keys', '*') table.sort(keys) local out = {} \
for _, k in ipairs(keys) do local t = redis.call('type', k).ok local items = {} \
if t == 'string' then items = {redis.call('get', k)} \
elseif t == 'list' then items = redis.call('lrange', k, 0, -1) \
elseif t == 'set' then items = redis.call('smembers', k) table.sort(items) \
elseif t == 'zset' then items = redis.call('zrange', k, 0, -1, 'withscores') \
elseif t == 'hash' then local h = redis.call('hgetall', k) \
for i = 1, #h, 2 do table.insert(items, h[i] .. '=' .. h[i + 1]) end table.sort(items) end \
table.insert(out, k .. ' ' .. t .. ' ' .. table.concat(items, ',')) end return out";

/// RDB files of older versions (ziplist, zipmap and quicklist encodings) from Redis's own test
/// assets, when a Redis source tree is named by `REDIS_SRC` (they are not in this
/// repository): each loads into our server with the content redis-server 7.0.15 loads.
#[test]
fn older_encodings_from_redis_test_assets_load_as_in_redis() {
    let Some(src) = std::env::var_os("REDIS_SRC") else {
        eprintln!("REDIS_SRC not set: skipping the old-encoding RDB assets");
        return;
    };
    let assets = Path::new(&src).join("tests/assets");
    for name in [
        "encodings.rdb",
        "hash-ziplist.rdb",
        "hash-zipmap.rdb",
        "list-quicklist.rdb",
        "zset-ziplist.rdb",
    ] {
        let Ok(bytes) = std::fs::read(assets.join(name)) else {
            eprintln!("{name} not in {}: skipping it", assets.display());
            continue;
        };
        let dir = Scratch::new(&format!("asset-{name}"));
        std::fs::write(dir.rdb(), &bytes).unwrap();
        let dump = |port: u16| {
            let mut c = Client::connect(port);
            let mut all = String::new();
            for db in 0..16 {
                c.call(&["SELECT", &db.to_string()]);
                all.push_str(&c.call(&["EVAL", DUMP_ALL, "0"]));
            }
            all
        };
        let server = ours(&dir.0, &[]);
        let got = dump(server.port);
        drop(server);
        // Sixteen empty databases would read "*0\r\n" sixteen times.
        assert!(got.len() > 64, "{name} loaded nothing");
        let Ok(redis) = spawn("redis-server", &dir.0, &["--appendonly", "no"]) else {
            eprintln!("redis-server not installed: skipping the comparison");
            return;
        };
        assert_eq!(got, dump(redis.port), "{name}");
    }
}

/// DEBUG LOADAOF: the dataset and the libraries empty and load back from the append-only
/// files, TTLs as the log left them; the command itself is not logged (a second one loads
/// the same), and the server keeps serving.
fn loadaof_scenario(port: u16) -> String {
    let mut c = Client::connect(port);
    let mut out = String::new();
    let library = "#!lua name=lib\nredis.register_function('f', function() return 7 end)";
    for args in [
        &["SET", "foo", "bar", "EX", "100"][..],
        &["GETEX", "foo", "PERSIST"],
        &["SET", "kept", "v", "EX", "1000"],
        &["RPUSH", "list", "a", "b"],
        &["FUNCTION", "LOAD", library],
        &["DEBUG", "LOADAOF"],
        &["TTL", "foo"],
        &["GET", "kept"],
        &["LRANGE", "list", "0", "-1"],
        &["FCALL", "f", "0"],
        &["DEBUG", "LOADAOF"],
        &["DBSIZE"],
        &["FCALL", "f", "0"],
    ] {
        let reply = c.call(args);
        out.push_str(&format!(
            "{} -> {}\n",
            args.join(" "),
            reply.replace("\r\n", "\\r\\n")
        ));
    }
    let ttl = c.call(&["TTL", "kept"]);
    let ttl: i64 = ttl.trim_start_matches(':').trim_end().parse().unwrap_or(-3);
    out.push_str(&format!(
        "TTL kept within 990..=1000: {}\n",
        (990..=1000).contains(&ttl)
    ));
    out
}

#[test]
fn debug_loadaof_reloads_the_log_as_redis_does() {
    let golden_path = "tests/golden/debug_loadaof.txt";
    let run = |program: &str, name: &str| -> Option<String> {
        let dir = Scratch::new(name);
        let server = spawn(program, &dir.0, &["--appendonly", "yes"]).ok()?;
        Some(loadaof_scenario(server.port))
    };
    if std::env::var_os("RECORD_REFERENCE").is_some() {
        let recorded = run("redis-server", "loadaof-ref").expect("redis-server");
        std::fs::write(golden_path, recorded).expect("write the golden");
    }
    let golden = std::fs::read_to_string(golden_path).expect("golden");
    let ours = run(env!("CARGO_BIN_EXE_luredis"), "loadaof").expect("luredis");
    assert_eq!(ours, golden, "ours differs from redis-server's transcript");
    if let Some(live) = run("redis-server", "loadaof-ref") {
        assert_eq!(live, golden, "the golden differs from redis-server");
    }
}

/// `rdb_changes_since_last_save` through flushes, as redis-server 7.0.15 counts them: each
/// key a flush removes is a change, an empty flush none, and FLUSHALL with save rules saves
/// (the count back to 0). Checked against redis-server too when it is installed.
#[test]
fn flushes_count_the_keys_they_remove_as_changes() {
    fn changes(client: &mut Client) -> String {
        let info = client.call(&["INFO", "persistence"]);
        info.lines()
            .find(|l| l.starts_with("rdb_changes_since_last_save:"))
            .unwrap_or_default()
            .trim()
            .to_string()
    }
    fn scenario(port: u16) -> Vec<String> {
        let mut client = Client::connect(port);
        let mut seen = Vec::new();
        client.call(&["SAVE"]);
        client.call(&["MSET", "a", "1", "b", "2", "c", "3"]);
        seen.push(changes(&mut client));
        client.call(&["FLUSHDB"]);
        seen.push(changes(&mut client));
        client.call(&["FLUSHDB"]);
        seen.push(changes(&mut client));
        client.call(&["SET", "k", "v"]);
        client.call(&["FLUSHALL"]);
        seen.push(changes(&mut client));
        client.call(&["CONFIG", "SET", "save", "3600 1"]);
        client.call(&["SET", "k", "v"]);
        client.call(&["FLUSHALL"]);
        seen.push(changes(&mut client));
        seen
    }
    let expected: Vec<String> = ["3", "6", "6", "8", "0"]
        .iter()
        .map(|n| format!("rdb_changes_since_last_save:{n}"))
        .collect();
    let scratch = Scratch::new("flush-changes");
    let server = ours(&scratch.0, &[]);
    assert_eq!(scenario(server.port), expected);
    drop(server);
    let reference_dir = Scratch::new("flush-changes-redis");
    if let Ok(reference) = spawn("redis-server", &reference_dir.0, &[]) {
        assert_eq!(scenario(reference.port), expected, "redis-server");
    }
}

/// Signals as redis-server handles them (its unit/shutdown): the shutdown a SIGTERM asks for
/// waits for the periodic task, so `DEBUG PAUSE-CRON` holds it and `SHUTDOWN ABORT` cancels
/// it; a second SIGINT during the final save exits at once and removes the save's temporary
/// file.
#[test]
fn signals_schedule_a_shutdown_that_can_be_aborted_or_insisted_on() {
    fn signal(server: &Server, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), server.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }
    let scratch = Scratch::new("signals");
    let mut server = ours(&scratch.0, &["--save", "3600 1"]);
    let mut client = Client::connect(server.port);
    assert_eq!(
        client.call(&["SHUTDOWN", "ABORT"]),
        "-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(
        client.call(&["SHUTDOWN", "ABORT", "NOSAVE"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        client.call(&["SHUTDOWN", "SAVE", "NOSAVE"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(client.call(&["DEBUG", "PAUSE-CRON", "1"]), "+OK\r\n");
    signal(&server, "TERM");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(client.call(&["SHUTDOWN", "ABORT"]), "+OK\r\n");
    assert_eq!(client.call(&["DEBUG", "PAUSE-CRON", "0"]), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(client.call(&["PING"]), "+PONG\r\n");

    for i in 0..20 {
        client.call(&["SET", &i.to_string(), "v"]);
    }
    client.call(&["CONFIG", "SET", "rdb-key-save-delay", "100000"]);
    let temp = scratch.0.join(format!("temp-{}.rdb", server.child.id()));
    signal(&server, "INT");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !temp.exists() {
        assert!(Instant::now() < deadline, "the final save did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(&server, "INT");
    let status = wait_exit(&mut server);
    assert_eq!(status.code(), Some(1));
    assert!(!temp.exists());
    assert!(!scratch.rdb().exists());
}

/// A rewrite asked for inside a transaction (BGREWRITEAOF, or CONFIG SET appendonly yes) is
/// scheduled and started by the periodic task, as redis-server 7.0.15 does (its unit/multi).
#[test]
fn rewrites_asked_for_in_a_transaction_start_afterwards() {
    fn forks(client: &mut Client) -> u64 {
        let info = client.call(&["INFO", "stats"]);
        info.lines()
            .find_map(|l| l.strip_prefix("total_forks:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
    fn wait_for_fork(client: &mut Client, before: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while forks(client) <= before {
            assert!(
                Instant::now() < deadline,
                "the scheduled rewrite did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let scratch = Scratch::new("multi-rewrite");
    let server = ours(&scratch.0, &[]);
    let mut client = Client::connect(server.port);
    let before = forks(&mut client);
    client.call(&["MULTI"]);
    client.call(&["SET", "foo", "bar"]);
    client.call(&["BGREWRITEAOF"]);
    assert_eq!(
        client.call(&["EXEC"]),
        "*2\r\n+OK\r\n+Background append only file rewriting scheduled\r\n"
    );
    wait_for_fork(&mut client, before);
    let before = forks(&mut client);
    client.call(&["MULTI"]);
    client.call(&["CONFIG", "SET", "appendonly", "yes"]);
    assert_eq!(client.call(&["EXEC"]), "*1\r\n+OK\r\n");
    wait_for_fork(&mut client, before);
}

/// CONFIG REWRITE keeps the file's comments and lines, replaces options in place and appends
/// the rest; DEBUG CONFIG-REWRITE-FORCE-ALL writes every option. The files are compared line
/// for line (sorted: Redis appends in hash-table order) with redis-server's for the same
/// file and changes, when it is installed, and the forced file starts the server again with
/// every option as it was.
#[test]
fn config_rewrite_writes_the_file_as_redis_does() {
    fn rewritten(program: &str, dir: &Path, force: bool) -> Option<Vec<String>> {
        let file = dir.join("server.conf");
        std::fs::write(
            &file,
            "# kept comment\nsave 900 1\n\nmaxmemory 1mb\nloglevel notice\nappendonly no\n",
        )
        .ok()?;
        let file_arg = file.display().to_string();
        let server = spawn(program, dir, &[&file_arg]).ok()?;
        let mut client = Client::connect(server.port);
        for (name, value) in [
            ("maxmemory", "2gb"),
            ("notify-keyspace-events", "KEA"),
            ("client-output-buffer-limit", "pubsub 64mb 16mb 90"),
            ("hz", "20"),
            ("save", ""),
        ] {
            assert_eq!(client.call(&["CONFIG", "SET", name, value]), "+OK\r\n");
        }
        let command: &[&str] = if force {
            &["DEBUG", "CONFIG-REWRITE-FORCE-ALL"]
        } else {
            &["CONFIG", "REWRITE"]
        };
        assert_eq!(client.call(command), "+OK\r\n", "{program}");
        let text = std::fs::read_to_string(&file).ok()?;
        // Ports and directories differ between the two servers of the test.
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with("port ") && !l.starts_with("dir "))
            .map(str::to_string)
            .collect();
        if force {
            // Restarted from the forced file, every option reads back the same.
            let before = client.call(&["CONFIG", "GET", "*"]);
            drop(server);
            let again = spawn(program, dir, &[&file_arg]).ok()?;
            let mut client = Client::connect(again.port);
            let after = client.call(&["CONFIG", "GET", "*"]);
            let masked = |s: &str| {
                s.split("\r\n")
                    .filter(|l| !l.chars().all(|c| c.is_ascii_digit()))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            assert_eq!(masked(&before).len(), masked(&after).len(), "{program}");
        }
        lines.sort();
        Some(lines)
    }
    for force in [false, true] {
        let scratch = Scratch::new(&format!("rewrite-{force}"));
        let ours = rewritten(env!("CARGO_BIN_EXE_luredis"), &scratch.0, force).expect("ours");
        if !force {
            assert!(ours.contains(&"# kept comment".to_string()));
            assert!(ours.contains(&"# Generated by CONFIG REWRITE".to_string()));
            assert!(ours.contains(&"save \"\"".to_string()));
            assert!(ours.contains(&"notify-keyspace-events \"AKE\"".to_string()));
            assert!(ours.contains(&"client-output-buffer-limit pubsub 64mb 16mb 90".to_string()));
        }
        let reference_dir = Scratch::new(&format!("rewrite-redis-{force}"));
        if let Some(reference) = rewritten("redis-server", &reference_dir.0, force) {
            // Redis's default bind (`* -::*`) is not ours (the loopback address): a forced
            // rewrite leaves both out.
            assert_eq!(ours, reference, "force_all: {force}");
        }
    }
}

/// `daemonize yes`: the command returns at once, the server runs detached with its pid in
/// the pid file, which SHUTDOWN removes.
#[test]
fn daemonize_detaches_and_writes_the_pid_file() {
    let scratch = Scratch::new("daemonize");
    let port = free_port();
    let pidfile = scratch.0.join("server.pid");
    let status = Command::new(env!("CARGO_BIN_EXE_luredis"))
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--daemonize",
            "yes",
        ])
        .args(["--dir", &scratch.0.display().to_string()])
        .args(["--pidfile", &pidfile.display().to_string()])
        .status()
        .expect("runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() || !pidfile.exists() {
        assert!(Instant::now() < deadline, "the daemon did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = std::fs::read_to_string(&pidfile).expect("pid file");
    let mut client = Client::connect(port);
    let info = client.call(&["INFO", "server"]);
    assert!(
        info.contains(&format!("process_id:{}", pid.trim())),
        "{info}"
    );
    client.send(&["SHUTDOWN", "NOSAVE"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pidfile.exists() {
        assert!(Instant::now() < deadline, "the pid file was not removed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `aof-timestamp-enabled` writes a `#TS:` line before each second's changes; annotations are
/// skipped when the log loads; a past expiry time in the log keeps the key (expired) until the
/// load ends, so later commands act on it as when it was written; an unknown command stops
/// the load with Redis's message.
#[test]
fn annotations_past_times_and_unknown_commands_in_the_log() {
    let dir = Scratch::new("aof-annotations");
    {
        let server = ours(
            &dir.0,
            &["--appendonly", "yes", "--aof-timestamp-enabled", "yes"],
        );
        let mut c = Client::connect(server.port);
        assert_eq!(c.call(&["SET", "a", "1"]), "+OK\r\n");
    }
    let incr = aof_dir(&dir).join("appendonly.aof.1.incr.aof");
    let logged = std::fs::read(&incr).unwrap();
    assert!(
        logged.starts_with(b"#TS:"),
        "{}",
        String::from_utf8_lossy(&logged)
    );
    let mut log = logged.clone();
    log.extend_from_slice(b"#TS:1628217471\r\n");
    for words in [
        &["RPUSH", "list", "foo"][..],
        &["PEXPIREAT", "list", "1000"],
        &["RPUSH", "list", "bar"],
    ] {
        log.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for w in words {
            log.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
        }
    }
    std::fs::write(&incr, &log).unwrap();
    {
        let server = ours(&dir.0, &["--appendonly", "yes"]);
        let mut c = Client::connect(server.port);
        assert_eq!(c.call(&["GET", "a"]), "$1\r\n1\r\n");
        // As redis-server: the list got its past time, then `bar`; it reads as gone.
        assert_eq!(c.call(&["LLEN", "list"]), ":0\r\n");
    }
    let mut bad = log;
    bad.extend_from_slice(b"*2\r\n$3\r\nbla\r\n$3\r\nfoo\r\n");
    std::fs::write(&incr, &bad).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_luredis"))
        .args([
            "--port",
            &free_port().to_string(),
            "--appendonly",
            "yes",
            "--dir",
        ])
        .arg(&dir.0)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("Unknown command 'bla' reading the append only file"),
        "{printed}"
    );
}

/// A Redis 6 style `appendonly.aof` in the data directory is moved into the append-only folder
/// as its base, with a manifest naming it, and loaded (Redis 7.0's upgrade).
#[test]
fn an_old_single_aof_file_is_migrated_and_loaded() {
    let dir = Scratch::new("aof-upgrade");
    std::fs::write(
        dir.0.join("appendonly.aof"),
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n",
    )
    .unwrap();
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["GET", "k1"]), "$2\r\nv1\r\n");
    assert_eq!(c.call(&["SET", "k2", "v2"]), "+OK\r\n");
    drop(server);
    assert!(!dir.0.join("appendonly.aof").exists());
    assert!(aof_dir(&dir).join("appendonly.aof").exists());
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.starts_with("file appendonly.aof seq 1 type b\n"),
        "{manifest}"
    );
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    assert_eq!(
        c.call(&["MGET", "k1", "k2"]),
        "*2\r\n$2\r\nv1\r\n$2\r\nv2\r\n"
    );
}

/// The same with an old file that starts with an RDB preamble: the commands after it load too.
#[test]
fn an_old_aof_file_with_an_rdb_preamble_loads_whole() {
    let source = Scratch::new("aof-preamble-source");
    {
        let server = ours(&source.0, &[]);
        let mut c = Client::connect(server.port);
        assert_eq!(c.call(&["SET", "k3", "v3"]), "+OK\r\n");
        assert_eq!(c.call(&["SAVE"]), "+OK\r\n");
    }
    let mut old = std::fs::read(source.0.join("dump.rdb")).unwrap();
    old.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$2\r\nk4\r\n$2\r\nv4\r\n");
    let dir = Scratch::new("aof-preamble");
    std::fs::write(dir.0.join("appendonly.aof"), &old).unwrap();
    let server = ours(&dir.0, &["--appendonly", "yes"]);
    let mut c = Client::connect(server.port);
    assert_eq!(
        c.call(&["MGET", "k3", "k4"]),
        "*2\r\n$2\r\nv3\r\n$2\r\nv4\r\n"
    );
}

/// `aof-disable-auto-gc yes` keeps a rewrite's old files as history in the manifest; turning
/// it off deletes them, as Redis does.
#[test]
fn history_files_stay_until_auto_gc_is_back_on() {
    let dir = Scratch::new("aof-history");
    let server = ours(
        &dir.0,
        &["--appendonly", "yes", "--aof-disable-auto-gc", "yes"],
    );
    let mut c = Client::connect(server.port);
    assert_eq!(c.call(&["SET", "k", "v"]), "+OK\r\n");
    c.call(&["BGREWRITEAOF"]);
    wait_for_rewrite(&mut c);
    let manifest_path = aof_dir(&dir).join("appendonly.aof.manifest");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert!(aof_dir(&dir).join("appendonly.aof.1.base.rdb").exists());
    assert_eq!(
        c.call(&["CONFIG", "SET", "aof-disable-auto-gc", "no"]),
        "+OK\r\n"
    );
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    assert!(!manifest.contains("type h"), "{manifest}");
    assert!(!aof_dir(&dir).join("appendonly.aof.1.base.rdb").exists());
    assert!(!aof_dir(&dir).join("appendonly.aof.1.incr.aof").exists());
}

/// After a background save fails (its child killed), writes and PING get MISCONF while save
/// rules exist, reads go on, scripts' writes are refused too, and turning
/// `stop-writes-on-bgsave-error` off lifts it: the replies compared with redis-server's.
fn failed_bgsave_transcript(program: &str) -> Option<String> {
    let dir = Scratch::new(&format!("misconf-{}", program.len()));
    let path = dir.0.to_string_lossy().into_owned();
    let (mut child, port) = support::spawn_on_free_port(program, |_| {
        [
            "--save",
            "3600 1",
            "--rdb-key-save-delay",
            "1000000",
            "--dir",
            &path,
        ]
        .map(String::from)
        .to_vec()
    })?;
    let mut c = Client::connect(port);
    let mut out = String::new();
    c.call(&["SET", "a", "1"]);
    c.call(&["SET", "b", "2"]);
    out.push_str(&format!("BGSAVE -> {}", c.call(&["BGSAVE"])));
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let saver = loop {
        // Any thread may have forked it: every thread's children.
        let children: String = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .collect();
        if let Some(saver) = children.split_whitespace().next() {
            break saver.to_string();
        }
        assert!(Instant::now() < deadline, "no BGSAVE child");
        std::thread::sleep(Duration::from_millis(10));
    };
    Command::new("kill").args(["-9", &saver]).status().ok()?;
    wait_until_done(
        &mut c,
        "rdb_bgsave_in_progress",
        "the killed BGSAVE never ended",
    );
    for args in [
        &["SET", "x", "y"][..],
        &["PING"],
        &["GET", "a"],
        &["EVAL", "return redis.call('set', 'x', '1')", "0"],
        &["EVAL", "return redis.call('get', 'a')", "0"],
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
        &["SET", "x", "y"],
    ] {
        out.push_str(&format!("{} -> {}", args.join(" "), c.call(args)));
    }
    let _ = child.kill();
    let _ = child.wait();
    Some(out)
}

#[test]
fn a_failed_bgsave_stops_writes_as_redis_does() {
    support::check_transcript(
        "tests/golden/failed_bgsave.txt",
        || failed_bgsave_transcript(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs"),
        || failed_bgsave_transcript("redis-server"),
    );
}

/// The child processes of `pid` (from `/proc`).
fn children_of(pid: u32) -> Vec<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    tasks
        .flatten()
        .flat_map(|task| {
            std::fs::read_to_string(task.path().join("children"))
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Wait (at most ten seconds) for `check`.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The append-only log turned on at run time: until its first rewrite succeeds, writes go to
/// a temporary incremental file outside the manifest; a failed rewrite deletes it and another
/// is scheduled, which then names the file in a new manifest. `program` is ours or
/// redis-server: both must tell the same story.
fn dynamic_enable_scenario(program: &str) -> Option<String> {
    let dir = Scratch::new(&format!("aof-enable-{}", program.len()));
    let mut server = spawn(program, &dir.0, &["--rdb-key-save-delay", "200000"]).ok()?;
    let mut c = Client::connect(server.port);
    let mut out = String::new();
    for i in 0..5 {
        c.call(&["SET", &format!("k{i}"), "v"]);
    }
    out += &format!(
        "enable: {}",
        c.call(&["CONFIG", "SET", "appendonly", "yes"])
    );
    let aof = aof_dir(&dir);
    let exists = |name: &str| aof.join(name).exists();
    out += &format!(
        "temp incr: {}, manifest: {}\n",
        exists("temp-appendonly.aof.incr"),
        exists("appendonly.aof.manifest")
    );
    out += &format!("write: {}", c.call(&["SET", "during", "1"]));
    let pid = server.child.id();
    let rewriter = children_of(pid);
    out += &format!("one rewrite child: {}\n", rewriter.len() == 1);
    for child in rewriter {
        let _ = Command::new("kill")
            .args(["-9", &child.to_string()])
            .status();
    }
    wait_until("the rewrite did not fail", || {
        c.call(&["INFO", "persistence"])
            .contains("aof_last_bgrewrite_status:err")
    });
    out += &format!(
        "after the failure, manifest: {}\n",
        exists("appendonly.aof.manifest")
    );
    // The scheduled rewrite, now fast, succeeds.
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    for child in children_of(pid) {
        let _ = Command::new("kill")
            .args(["-9", &child.to_string()])
            .status();
    }
    wait_until("no manifest after the scheduled rewrite", || {
        exists("appendonly.aof.manifest")
    });
    wait_for_rewrite(&mut c);
    out += &format!(
        "manifest: {:?}\n",
        std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap_or_default()
    );
    out += &format!("temp incr left: {}\n", exists("temp-appendonly.aof.incr"));
    c.call(&["SET", "after", "1"]);
    out += &format!("debug loadaof: {}", c.call(&["DEBUG", "LOADAOF"]));
    out += &format!("keys: {}", c.call(&["DBSIZE"]));
    let _ = server.child.kill();
    let _ = wait_exit(&mut server);
    Some(out)
}

#[test]
fn an_append_only_log_turned_on_at_run_time_waits_for_its_first_rewrite() {
    let ours = dynamic_enable_scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs");
    assert_eq!(
        ours,
        "enable: +OK\r\ntemp incr: true, manifest: false\nwrite: +OK\r\none rewrite child: true\n\
         after the failure, manifest: false\n\
         manifest: \"file appendonly.aof.1.base.rdb seq 1 type b\\nfile appendonly.aof.1.incr.aof seq 1 type i\\n\"\n\
         temp incr left: false\ndebug loadaof: +OK\r\nkeys: :7\r\n"
    );
    match dynamic_enable_scenario("redis-server") {
        Some(reference) => assert_eq!(ours, reference, "redis-server tells another story"),
        None => eprintln!("redis-server not installed: compared with the expected story only"),
    }
}
