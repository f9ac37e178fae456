//! The reference's own client tools against our server: `redis-cli` (commands, `--eval` of a
//! script file, a typed session on stdin, `--pipe` mass insertion) and `redis-benchmark`. Skipped, with a message,
//! when redis-tools is not installed (`apt-get install -y redis-tools`).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--version").output().is_ok();
    if !found {
        eprintln!("skipped: {name} is not installed (apt-get install -y redis-tools)");
    }
    found
}

fn cli(port: u16, args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    let out = child.wait_with_output().expect("redis-cli ends");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_eval_runs_a_script_file() {
    if !tool("redis-cli") {
        return;
    }
    let server = support::start("");
    let dir = std::env::temp_dir().join(format!("luredis-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("incr.lua");
    std::fs::write(
        &script,
        "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], redis.call('INCRBY', KEYS[1], ARGV[1])}\n",
    )
    .expect("script written");
    let bad = dir.join("bad.lua");
    std::fs::write(&bad, "return redis.call('nosuch')").expect("script written");
    let path = script.to_string_lossy().into_owned();
    let args = ["--eval", path.as_str(), "k1", "k2", ",", "5", "x"];
    // Outputs as redis-cli prints them against redis-server 7.0.15.
    assert_eq!(cli(server.port, &args, b""), "k1\nk2\n5\nx\n5\n");
    assert_eq!(cli(server.port, &args, b""), "k1\nk2\n5\nx\n10\n");
    let bad = bad.to_string_lossy().into_owned();
    assert_eq!(
        cli(server.port, &["--eval", bad.as_str()], b""),
        "ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.\n\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
    server.stop();
}

#[test]
fn redis_cli_commands_session_and_pipe() {
    if !tool("redis-cli") {
        return;
    }
    let server = support::start("");
    let port = server.port;
    assert_eq!(cli(port, &["set", "k", "v"], b""), "OK\n");
    assert_eq!(cli(port, &["get", "k"], b""), "v\n");
    assert_eq!(cli(port, &["incr", "n"], b""), "1\n");
    assert_eq!(
        cli(port, &["eval", "return {1,'a',{ok='x'}}", "0"], b""),
        "1\na\nx\n"
    );
    // A session typed on stdin (not a terminal): one reply per line (redis-cli prints an
    // error's text with the extra newline it gives against redis-server too).
    let session = cli(port, &[], b"set a 1\nincrby a 41\nget a\nfoo\n");
    assert_eq!(
        session,
        "OK\n42\n42\nERR unknown command 'foo', with args beginning with: \n\n"
    );
    // Mass insertion with --pipe: 1,000 SETs in RESP.
    let mut payload = Vec::new();
    for i in 0..1000 {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        payload.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
                k.len(),
                v.len()
            )
            .as_bytes(),
        );
    }
    let piped = cli(port, &["--pipe"], &payload);
    assert!(piped.contains("errors: 0, replies: 1000"), "{piped}");
    assert_eq!(cli(port, &["dbsize"], b""), "1003\n");
    assert_eq!(cli(port, &["get", "key:999"], b""), "value:999\n");
    server.stop();
}

#[test]
fn redis_benchmark_runs_against_the_server() {
    if !tool("redis-benchmark") {
        return;
    }
    let server = support::start("");
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &server.port.to_string(),
            "-n",
            "2000",
            "-c",
            "10",
            "-q",
        ])
        .args([
            "-t",
            "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange,mset",
        ])
        .output()
        .expect("redis-benchmark runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "LRANGE_100",
        "MSET",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("{test}")) && l.contains("requests per second")),
            "{test} missing in:\n{text}"
        );
    }
    server.stop();
}
