//! The process title (`proc-title-template`): what `/proc/<pid>/cmdline` shows for the
//! server at start and after CONFIG SET, and the refusal of a bad template; compared with
//! redis-server 7.0.15 (`RECORD_REFERENCE=1` records the transcript again).

mod support;

use support::Client;

/// `program` started on a free loopback port with `template`; `None` when it cannot run.
fn start(program: &str, template: &str) -> Option<(std::process::Child, u16)> {
    support::spawn_on_free_port(program, |_| {
        ["--bind", "127.0.0.1", "--proc-title-template", template]
            .map(String::from)
            .to_vec()
    })
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
