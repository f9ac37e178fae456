//! Clients on the Unix socket (`unixsocket`, `unixsocketperm`): served beside TCP, shown with
//! the socket's path as their address and flag `U`, local for `enable-debug-command local`;
//! the file has the permissions asked for and goes at shutdown. Compared with redis-server
//! 7.0.15 (`RECORD_REFERENCE=1` records the transcript again).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A socket path of its own for each server of each run.
fn socket_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("luredis-{}-{name}.sock", std::process::id()))
}

fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One command over the socket; its reply's first line and, for a bulk, its text.
fn call(stream: &mut BufReader<UnixStream>, args: &[&str]) -> String {
    let mut request = format!("*{}\r\n", args.len());
    for a in args {
        request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .expect("send");
    let mut line = String::new();
    stream.read_line(&mut line).expect("reply");
    if line.starts_with('$') && line.trim_end() != "$-1" {
        let mut body = String::new();
        stream.read_line(&mut body).expect("bulk");
        line.push_str(&body);
    } else if let Some(n) = line.trim_end().strip_prefix('*') {
        for _ in 0..2 * n.parse::<usize>().unwrap_or(0) {
            stream.read_line(&mut line).expect("element");
        }
    }
    line
}

/// What the server shows of a client on the socket, its path written `<socket>`.
fn scenario(path: &Path) -> String {
    wait_for_file(path);
    let mode = std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777);
    let mut out = format!("socket file mode: {mode:o}\n");
    let stream = UnixStream::connect(path).expect("connect to the socket");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut stream = BufReader::new(stream);
    let shown = path.to_string_lossy().into_owned();
    let mut step = |args: &[&str], out: &mut String| {
        let reply = call(&mut stream, args).replace(&shown, "<socket>");
        out.push_str(&format!("{} -> {:?}\n", args.join(" "), reply));
    };
    step(&["PING"], &mut out);
    step(&["CLIENT", "NO-EVICT", "on"], &mut out);
    step(&["DEBUG", "SLEEP", "0"], &mut out);
    step(&["CONFIG", "GET", "unixsocketperm"], &mut out);
    // The client's own line, fields that depend on the server's memory left out.
    let info = call(&mut stream, &["CLIENT", "INFO"]).replace(&shown, "<socket>");
    let kept: Vec<&str> = info
        .split_whitespace()
        .filter(|f| {
            ["addr=", "laddr=", "flags=", "db=", "cmd="]
                .iter()
                .any(|p| f.starts_with(p))
        })
        .collect();
    out.push_str(&format!("CLIENT INFO -> {}\n", kept.join(" ")));
    out
}

fn config(path: &Path) -> String {
    format!(
        "unixsocket {}\nunixsocketperm 700\nenable-debug-command local",
        path.display()
    )
}

#[test]
fn clients_on_the_unix_socket() {
    let ours_path = socket_path("ours");
    let reference_path = socket_path("reference");
    support::check_transcript(
        "tests/golden/unix_socket.txt",
        || {
            let server = support::start(&config(&ours_path));
            let transcript = scenario(&ours_path);
            server.stop();
            assert!(
                !ours_path.exists(),
                "the socket file is removed at shutdown"
            );
            transcript
        },
        || {
            let reference = support::Reference::start(&[
                "--unixsocket".as_ref(),
                reference_path.as_os_str(),
                "--unixsocketperm".as_ref(),
                "700".as_ref(),
                "--enable-debug-command".as_ref(),
                "local".as_ref(),
            ])?;
            let transcript = scenario(&reference_path);
            drop(reference);
            // Killed, it leaves its file.
            let _ = std::fs::remove_file(&reference_path);
            Some(transcript)
        },
    );
}
