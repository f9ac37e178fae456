//! Running a library's `.cases` goldens against the library alone, in a plain Lua state: the
//! cases' parsing, the RESP2 form Redis gives a script's result, and the `.cases` escaping.
//! Shared by the library tests (`lib_bit.rs`, `lib_struct.rs`).

#![allow(dead_code)]

pub mod eval_cases;

use lua_core::api::{Error, Value};

/// One `=== name` case of a `.cases` file: its script and the escaped reply Redis gave.
pub struct Case {
    pub name: String,
    pub script: String,
    pub reply: String,
}

pub fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            current = Some(Case {
                name: name.to_string(),
                script: String::new(),
                reply: String::new(),
            });
        } else if let Some(reply) = line.strip_prefix("--> ") {
            if let Some(mut case) = current.take() {
                case.reply = reply.to_string();
                cases.push(case);
            }
        } else if let Some(case) = current.as_mut() {
            if !case.script.is_empty() {
                case.script.push('\n');
            }
            case.script.push_str(line);
        }
    }
    cases
}

/// `(long long)n` as x86-64 computes it (the most negative value when out of range).
pub fn c_long(n: f64) -> i64 {
    if n >= -9_223_372_036_854_775_808.0 && n < 9_223_372_036_854_775_808.0 {
        n as i64
    } else {
        i64::MIN
    }
}

/// The RESP2 reply Redis makes of a script's result.
pub fn to_resp(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Boolean(true) => out.extend_from_slice(b":1\r\n"),
        Value::Number(n) => out.extend_from_slice(format!(":{}\r\n", c_long(*n)).as_bytes()),
        Value::String(s) => {
            let bytes = s.as_bytes().unwrap().to_vec();
            out.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b"\r\n");
        }
        Value::Table(t) => {
            let items: Vec<Value> = (1..)
                .map(|i| t.raw_get::<_, Value>(i).unwrap())
                .take_while(|v| !v.is_nil())
                .collect();
            out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
            for item in &items {
                to_resp(item, out);
            }
        }
        _ => out.extend_from_slice(b"$-1\r\n"),
    }
}

/// The escaping of the `.cases` format.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// The reply as the golden file writes it; an error's ` script: <sha1>, on ...` suffix is left
/// out on both sides (the runtime, not the library, adds it).
pub fn reply_text(result: Result<Value, Error>) -> String {
    match result {
        Ok(v) => {
            let mut out = Vec::new();
            to_resp(&v, &mut out);
            escape(&out)
        }
        Err(Error::RuntimeError { message, .. }) => format!("-ERR {}", escape(message.as_bytes())),
        Err(e) => format!("-ERR <{e:?}>"),
    }
}

pub fn without_script_suffix(reply: &str) -> &str {
    match (reply.starts_with("-ERR "), reply.rfind(" script: ")) {
        (true, Some(at)) => &reply[..at],
        _ => reply,
    }
}
