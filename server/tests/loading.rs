//! Clients served while the data file loads at start: INFO reports `loading:1` with the
//! load's figures, commands Redis refuses while loading get `-LOADING`, and those it allows
//! (INFO, DEBUG LOG) run. The load is slowed with `key-load-delay`, as Redis's own tests slow
//! it. The transcript must equal `golden/loading.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`); when `redis-server` is on PATH it is run live and compared too.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Client, Scratch};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/loading.txt");

/// A data file of 3,000 keys, written by our server into a fresh directory.
fn data_dir(tag: &str) -> Scratch {
    let scratch = Scratch::new(&format!("loading-{tag}"));
    let server = support::start(&format!(
        "dir {}\nenable-debug-command yes",
        scratch.0.display()
    ));
    let mut c = Client::connect(server.port);
    assert_eq!(
        c.call(&["DEBUG", "POPULATE", "3000", "key", "100"]),
        "+OK\r\n"
    );
    assert_eq!(c.call(&["SAVE"]), "+OK\r\n");
    server.stop();
    scratch
}

/// The INFO field `name` from a bulk reply.
fn field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or("")
        .to_string()
}

fn scenario(program: &str) -> Option<String> {
    let scratch = data_dir(&format!("{}", program.len()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let mut child = Command::new(program)
        .args(["--port", &port.to_string(), "--save", ""])
        .arg("--dir")
        .arg(&scratch.0)
        .args(["--enable-debug-command", "yes"])
        .args(["--key-load-delay", "2000"])
        .args(["--loading-process-events-interval-bytes", "1024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Connections are taken while loading: wait for the port, at most five seconds.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = Client::connect(port);
    let info = c.call(&["INFO", "persistence"]);
    let mut out = String::new();
    out += &format!("loading: {}\n", field(&info, "loading"));
    let total = field(&info, "loading_total_bytes");
    let size = std::fs::metadata(scratch.0.join("dump.rdb")).map_or(0, |m| m.len());
    out += &format!(
        "loading_total_bytes is the file's size: {}\n",
        total == size.to_string()
    );
    for name in [
        "loading_start_time",
        "loading_loaded_bytes",
        "loading_loaded_perc",
        "loading_eta_seconds",
    ] {
        out += &format!("{name} present: {}\n", !field(&info, name).is_empty());
    }
    for args in [
        &["PING"][..],
        &["GET", "key:1"],
        &["SET", "x", "1"],
        &["DEBUG", "LOG", "while loading"],
        &["CONFIG", "GET", "maxmemory"],
    ] {
        out += &format!("{}: {:?}\n", args.join(" "), c.call(args));
    }
    let _ = child.kill();
    let _ = child.wait();
    Some(out)
}

#[test]
fn clients_are_answered_while_the_data_loads() {
    support::check_transcript(
        GOLDEN,
        || scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs"),
        || {
            if support::redis_server_installed() {
                scenario("redis-server")
            } else {
                None
            }
        },
    );
}
