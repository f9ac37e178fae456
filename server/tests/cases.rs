//! Differential cases: command sequences whose replies, byte for byte, were recorded from a
//! live redis-server 7.0.15 (`tests/cases/*.cases`, see `tests/cases/README.md`), replayed
//! against our server over real sockets. Cases listed in `tests/cases/ignore.txt` (each with
//! its reason) are known differences; an ignored case that passes is reported too, so the
//! list stays true.

// The server runs in-process here: `support` installs the allocator it counts its memory
// through, and gives the golden files' escaping.
mod support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::escape;

const CASES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");

struct Case {
    file: String,
    name: String,
    steps: Vec<Step>,
}

enum Expect {
    Exact(Vec<u8>),
    Pattern(regex::Regex),
}

struct Step {
    connection: String,
    send: Vec<u8>,
    raw: bool,
    expect: Expect,
    line: String,
}

fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'"' => out.push(b'"'),
            b'\\' => out.push(b'\\'),
            b'x' if i + 3 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 4;
                continue;
            }
            other => out.push(other),
        }
        i += 2;
    }
    out
}

/// Split a command line into arguments: bare words, or double-quoted with escapes.
fn split_command(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        if chars[i] == '"' {
            let mut raw = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    raw.push(chars[i]);
                    i += 1;
                }
                raw.push(chars[i]);
                i += 1;
            }
            i += 1;
            args.push(unescape(&raw));
        } else {
            let start = i;
            while i < chars.len() && chars[i] != ' ' {
                i += 1;
            }
            args.push(chars[start..i].iter().collect::<String>().into_bytes());
        }
    }
    args
}

fn multibulk(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn load_cases(path: &Path) -> Vec<Case> {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let mut cases: Vec<Case> = Vec::new();
    let mut pending: Option<(String, Vec<u8>, bool, String)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case {
                file: file.clone(),
                name: name.to_string(),
                steps: Vec::new(),
            });
            continue;
        }
        if line.starts_with('#') && pending.is_none() || line.trim().is_empty() {
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("-->") {
            let (connection, send, raw, command) = pending.take().expect("reply without command");
            let expect = if let Some(pattern) = rest.strip_prefix("? ") {
                Expect::Pattern(regex::Regex::new(&format!("^(?:{pattern})$")).unwrap())
            } else {
                Expect::Exact(unescape(rest.strip_prefix(' ').unwrap_or(rest)))
            };
            case.steps.push(Step {
                connection,
                send,
                raw,
                expect,
                line: command,
            });
            continue;
        }
        let (connection, command) = match line.strip_prefix('@') {
            Some(rest) => {
                let (name, command) = rest.split_once(' ').unwrap_or((rest, ""));
                (name.to_string(), command)
            }
            None => ("a".to_string(), line),
        };
        if let Some(raw) = command.strip_prefix("RAW ") {
            let quoted = raw.trim();
            let inner = &quoted[1..quoted.len() - 1];
            pending = Some((connection, unescape(inner), true, line.to_string()));
        } else {
            pending = Some((
                connection,
                multibulk(&split_command(command)),
                false,
                line.to_string(),
            ));
        }
    }
    cases
}

/// Length of the complete reply at the start of `buf` (any RESP2/RESP3 type), if complete.
fn reply_len(buf: &[u8]) -> Option<usize> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let header = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after = line_end + 2;
    match buf[0] {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(after),
        b'$' | b'=' | b'!' => {
            let n: i64 = header.parse().ok()?;
            if n < 0 {
                return Some(after);
            }
            let end = after + n as usize + 2;
            (buf.len() >= end).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = header.parse().ok()?;
            let count = if matches!(buf[0], b'%' | b'|') {
                2 * n
            } else {
                n
            };
            let mut pos = after;
            for _ in 0..count.max(0) {
                pos += reply_len(&buf[pos..])?;
            }
            if buf[0] == b'|' {
                pos += reply_len(&buf[pos..])?;
            }
            Some(pos)
        }
        _ => None,
    }
}

struct Connections {
    port: u16,
    open: HashMap<String, (TcpStream, Vec<u8>)>,
}

impl Connections {
    fn get(&mut self, name: &str) -> &mut (TcpStream, Vec<u8>) {
        let port = self.port;
        self.open.entry(name.to_string()).or_insert_with(|| {
            let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            (s, Vec::new())
        })
    }
}

/// Read until `done(buffer)` or the connection closes or two seconds pass.
fn read_until(stream: &mut TcpStream, buffer: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 65536];
    while !done(buffer) && Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

fn run_case(port: u16, case: &Case) -> Result<(), String> {
    let mut setup = Connections {
        port,
        open: HashMap::new(),
    };
    let (s, buf) = setup.get("setup");
    for cmd in [
        &["FLUSHALL"][..],
        &["SCRIPT", "FLUSH"],
        &["FUNCTION", "FLUSH"],
        &["CONFIG", "RESETSTAT"],
    ] {
        let args: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
        s.write_all(&multibulk(&args)).unwrap();
        read_until(s, buf, |b| reply_len(b).is_some());
        buf.clear();
    }
    let mut conns = Connections {
        port,
        open: HashMap::new(),
    };
    for step in &case.steps {
        let (stream, buffer) = conns.get(&step.connection);
        if stream.write_all(&step.send).is_err() {
            return Err(format!("{}: could not send", step.line));
        }
        let got = if step.raw {
            match &step.expect {
                Expect::Exact(e) if e.is_empty() => {
                    // Nothing is expected: give the server time to process the bytes (and
                    // to send anything it should not), as `regen.py` waits for silence.
                    std::thread::sleep(Duration::from_millis(300));
                }
                Expect::Exact(e) => read_until(stream, buffer, |b| b.len() >= e.len()),
                // What arrives may come in several writes: read until it all matches.
                Expect::Pattern(p) => read_until(stream, buffer, |b| p.is_match(&escape(b))),
            }
            std::mem::take(buffer)
        } else {
            // One reply that is not a push (pushes before it are part of what is recorded).
            let complete = |b: &[u8]| {
                let mut pos = 0;
                while let Some(n) = reply_len(&b[pos..]) {
                    let push = b[pos] == b'>';
                    pos += n;
                    if !push {
                        return Some(pos);
                    }
                }
                None
            };
            read_until(stream, buffer, |b| complete(b).is_some());
            let end = complete(buffer).unwrap_or(buffer.len());
            buffer.drain(..end).collect()
        };
        let ok = match &step.expect {
            Expect::Exact(e) => *e == got,
            Expect::Pattern(p) => p.is_match(&escape(&got)),
        };
        if !ok {
            let expected = match &step.expect {
                Expect::Exact(e) => escape(e),
                Expect::Pattern(p) => format!("/{}/", p.as_str()),
            };
            return Err(format!(
                "{}\n    expected {}\n    got      {}",
                step.line,
                expected,
                escape(&got)
            ));
        }
    }
    Ok(())
}

fn ignore_list() -> HashMap<(String, String), String> {
    let path = Path::new(CASES_DIR).join("ignore.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (id, reason) = l.split_once(" -- ").unwrap_or((l, ""));
            let (file, name) = id.split_once(": ")?;
            Some((
                (file.trim().to_string(), name.trim().to_string()),
                reason.to_string(),
            ))
        })
        .collect()
}

#[test]
fn reference_cases() {
    let mut files: Vec<_> = std::fs::read_dir(CASES_DIR)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "cases"));
    files.sort();
    let mut config = server::config::Config::new();
    config
        .load_text("port 0\nsave \"\"\nenable-debug-command local\nloglevel warning")
        .unwrap();
    let handle = server::start(config).expect("server starts");
    let ignored = ignore_list();
    let (mut passed, mut failures, mut stale) = (0, Vec::new(), Vec::new());
    for file in &files {
        for case in load_cases(file) {
            let key = (case.file.clone(), case.name.clone());
            let result = run_case(handle.port, &case);
            match (result, ignored.contains_key(&key)) {
                (Ok(()), false) => passed += 1,
                (Ok(()), true) => stale.push(format!("{}: {}", case.file, case.name)),
                (Err(_), true) => {}
                (Err(e), false) => failures.push(format!("{}: {}\n  {}", case.file, case.name, e)),
            }
        }
    }
    handle.stop();
    eprintln!(
        "{passed} cases passed, {} ignored, {} failed",
        ignored.len(),
        failures.len()
    );
    assert!(
        failures.is_empty() && stale.is_empty(),
        "\n{}\n\nignored but passing (remove from ignore.txt):\n{}",
        failures.join("\n"),
        stale.join("\n")
    );
}
