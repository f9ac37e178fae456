//! The reference cases: every script in `tests/cases/*.cases` run through the runtime with a
//! small in-memory host, its reply encoded as Redis encodes it and compared byte for byte with
//! the reply redis-server 7.0.15 gave (see `tests/cases/README.md`).
//!
//! Cases the test host cannot serve (commands it does not implement) and known differences are
//! listed in `tests/cases/ignore.txt`, each with its reason; an ignored case that starts
//! passing fails the test, so the list stays true.

mod golden;
mod toy_host;

use golden::escape;

use redis_runtime::{CallOptions, Runtime};
use std::collections::BTreeMap;
use std::path::Path;

struct Case {
    file: String,
    name: String,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
    resp3: bool,
    script: Vec<u8>,
    expected: Vec<u8>,
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("00");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                    i += 2;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn parse(file: &str, text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<(Case, Vec<&str>)> = None;
    for line in text.split('\n') {
        if let Some(name) = line.strip_prefix("=== ") {
            current = Some((
                Case {
                    file: file.to_string(),
                    name: name.to_string(),
                    keys: Vec::new(),
                    args: Vec::new(),
                    resp3: false,
                    script: Vec::new(),
                    expected: Vec::new(),
                },
                Vec::new(),
            ));
        } else if let Some((case, lines)) = current.as_mut() {
            if let Some(reply) = line.strip_prefix("-->") {
                case.expected = unescape(reply.strip_prefix(' ').unwrap_or(reply));
                case.script = lines.join("\n").into_bytes();
                if let Some((case, _)) = current.take() {
                    cases.push(case);
                }
            } else if lines.is_empty() && line.starts_with("--- keys") {
                case.keys = line[8..].split_whitespace().map(unescape).collect();
            } else if lines.is_empty() && line.starts_with("--- args") {
                case.args = line[8..].split_whitespace().map(unescape).collect();
            } else if lines.is_empty() && line == "--- resp3" {
                case.resp3 = true;
            } else {
                lines.push(line);
            }
        }
    }
    cases
}

/// `file: case name` -> reason, from `ignore.txt` (`file: name  # reason` lines).
fn ignored(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("ignore.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (case, reason) = l.split_once("  # ")?;
            Some((case.trim().to_string(), reason.trim().to_string()))
        })
        .collect()
}

fn run_case(runtime: &mut Runtime, host: &mut toy_host::ToyHost, case: &Case) -> Vec<u8> {
    host.reset();
    let keys: Vec<&[u8]> = case.keys.iter().map(|k| k.as_slice()).collect();
    let args: Vec<&[u8]> = case.args.iter().map(|a| a.as_slice()).collect();
    let protocol = if case.resp3 { 3 } else { 2 };
    let options = CallOptions {
        read_only: false,
        client_resp: protocol,
    };
    let reply = runtime.eval(host, &case.script, &keys, &args, options);
    let mut out = Vec::new();
    reply.write_resp(protocol, &mut out);
    out
}

#[test]
fn reference_cases() {
    // Deeply nested replies recurse; give the run the main thread's usual stack.
    let worker = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(run_all)
        .expect("spawn the case runner");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

fn run_all() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let ignore = ignored(&dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cases"))
        .collect();
    files.sort();
    let mut host = toy_host::ToyHost::default();
    let (mut passed, mut failures, mut stale_ignores, mut skipped) = (0, Vec::new(), Vec::new(), 0);
    for path in &files {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).expect("readable case file");
        for case in parse(&file, &text) {
            // A fresh interpreter per case, as the goldens were taken after SCRIPT FLUSH.
            let mut runtime = Runtime::new().expect("runtime starts");
            let got = run_case(&mut runtime, &mut host, &case);
            let id = format!("{}: {}", case.file, case.name);
            let ok = got == case.expected;
            match (ok, ignore.contains_key(&id)) {
                (true, false) => passed += 1,
                (true, true) => stale_ignores.push(id),
                (false, true) => skipped += 1,
                (false, false) => failures.push(format!(
                    "{id}\n    expected {}\n    got      {}",
                    escape(&case.expected),
                    escape(&got)
                )),
            }
        }
    }
    eprintln!(
        "reference cases: {passed} passed, {} failed, {skipped} ignored (with reasons in ignore.txt)",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases differ from redis-server 7.0.15:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        stale_ignores.is_empty(),
        "ignored cases that now pass (remove them from ignore.txt):\n{}",
        stale_ignores.join("\n")
    );
}
