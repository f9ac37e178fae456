//! The EVAL reference cases (`tests/cases/*.cases`): their parsing, escaping and ignore
//! lists. Shared by the runtime's own runner (`tests/cases.rs`, through a test host) and the
//! server's (`server/tests/eval_cases.rs`, over the wire).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

pub struct Case {
    pub file: String,
    pub name: String,
    pub keys: Vec<Vec<u8>>,
    pub args: Vec<Vec<u8>>,
    pub resp3: bool,
    pub script: Vec<u8>,
    pub expected: Vec<u8>,
}

pub fn unescape(s: &str) -> Vec<u8> {
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

pub fn parse(file: &str, text: &str) -> Vec<Case> {
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
pub fn ignored(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("ignore.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (case, reason) = l.split_once("  # ")?;
            Some((case.trim().to_string(), reason.trim().to_string()))
        })
        .collect()
}
