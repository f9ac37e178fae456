//! The process title (`proc-title-template`): what `/proc/<pid>/cmdline` shows for the
//! server at start and after CONFIG SET, and the refusal of a bad template; compared with
//! redis-server 7.0.15 (`RECORD_REFERENCE=1` records the transcript again).

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Client;

/// `program` started on a free loopback port with `template`; `None` when it cannot run.
fn start(program: &str, template: &str) -> Option<(Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(program)
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--bind",
            "127.0.0.1",
        ])
        .args(["--proc-title-template", template])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, port));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The command line's words, the port written `<port>`.
fn title(pid: u32, port: u16) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text = String::from_utf8_lossy(&raw).replace('\0', " ");
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(&port.to_string(), "<port>")
}

fn scenario(program: &str) -> Option<String> {
    let (mut child, port) = start(program, "TEST {listen-addr} {port} {tls-port}")?;
    let pid = child.id();
    let mut c = Client::connect(port);
    let mut out = format!("at start: {}\n", title(pid, port));
    for template in [
        "{server-mode} second {port} {{braces}",
        "{invalid-var}",
        "{title",
    ] {
        let reply = c.call(&["CONFIG", "SET", "proc-title-template", template]);
        out.push_str(&format!(
            "CONFIG SET {template:?} -> {} title: {}\n",
            reply.trim_end(),
            title(pid, port)
        ));
    }
    let _ = child.kill();
    let _ = child.wait();
    Some(out)
}

#[test]
fn the_title_follows_the_template() {
    support::check_transcript(
        "tests/golden/proc_title.txt",
        || scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs"),
        || scenario("redis-server"),
    );
}
