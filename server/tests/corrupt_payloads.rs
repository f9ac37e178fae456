//! Corrupt data, in RESTORE payloads and in the RDB file read at start: the reply, the reason
//! logged (Redis's text and `rdb.c` line, which tools watching the log look for), the file
//! check printed when the server refuses to start, and `DEBUG SET-SKIP-CHECKSUM-VALIDATION`.
//! The payloads are built here, each with one fault. The transcript must equal
//! `golden/corrupt_payloads.txt`, recorded from redis-server 7.0.15 (`RECORD_REFERENCE=1`);
//! when `redis-server` is on PATH it is run live and compared too.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Client, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/corrupt_payloads.txt"
);

/// A ziplist of short strings; `tail` overrides the last-entry offset, `prevlen` the
/// previous-length byte of the second entry.
fn ziplist(entries: &[&[u8]], tail: Option<u32>, prevlen: Option<u8>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut last_start = 10u32;
    let mut previous = 0usize;
    for (i, entry) in entries.iter().enumerate() {
        last_start = 10 + body.len() as u32;
        let prev = if i == 1 {
            prevlen.unwrap_or(previous as u8)
        } else {
            previous as u8
        };
        body.push(prev);
        body.push(entry.len() as u8);
        body.extend_from_slice(entry);
        previous = 2 + entry.len();
    }
    let mut zl = Vec::new();
    zl.extend_from_slice(&(10 + body.len() as u32 + 1).to_le_bytes());
    zl.extend_from_slice(&tail.unwrap_or(last_start).to_le_bytes());
    zl.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    zl.extend_from_slice(&body);
    zl.push(0xff);
    zl
}

/// A listpack of short strings; `count` overrides the element count in its header.
fn listpack(entries: &[&[u8]], count: Option<u16>) -> Vec<u8> {
    let mut body = Vec::new();
    for entry in entries {
        body.push(0x80 | entry.len() as u8);
        body.extend_from_slice(entry);
        body.push(1 + entry.len() as u8);
    }
    let mut lp = Vec::new();
    lp.extend_from_slice(&(6 + body.len() as u32 + 1).to_le_bytes());
    lp.extend_from_slice(&count.unwrap_or(entries.len() as u16).to_le_bytes());
    lp.extend_from_slice(&body);
    lp.push(0xff);
    lp
}

/// An RDB string of fewer than 64 bytes.
fn rdb_string(out: &mut Vec<u8>, bytes: &[u8]) {
    assert!(bytes.len() < 64);
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

/// A DUMP payload: the value's bytes, RDB version 10 and the CRC-64 (wrong when `bad_crc`).
fn payload(value: &[u8], bad_crc: bool) -> Vec<u8> {
    let mut p = value.to_vec();
    p.extend_from_slice(&10u16.to_le_bytes());
    let crc = redis_runtime::rdb::crc64(0, &p) ^ u64::from(bad_crc);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

/// A value of `rdb_type` held in one blob.
fn blob_value(rdb_type: u8, blob: &[u8]) -> Vec<u8> {
    let mut v = vec![rdb_type];
    rdb_string(&mut v, blob);
    v
}

/// The payloads, each with its fault.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let good = ziplist(&[b"a", b"b", b"c"], None, None);
    let mut quicklist = vec![14u8, 1];
    rdb_string(&mut quicklist, &ziplist(&[b"a", b"b"], None, Some(9)));
    let mut quicklist2 = vec![18u8, 1, 3];
    rdb_string(&mut quicklist2, &listpack(&[b"a"], None));
    let mut set = vec![2u8, 2];
    rdb_string(&mut set, b"m");
    rdb_string(&mut set, b"m");
    let mut hash = vec![4u8, 2];
    for word in [b"f", b"1", b"f", b"2"] {
        rdb_string(&mut hash, word);
    }
    // An intset with element width 3 (only 2, 4 and 8 exist).
    let intset = [3u8, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0];
    vec![
        ("list ziplist, good", blob_value(10, &good)),
        (
            "list ziplist, tail offset wrong",
            blob_value(10, &ziplist(&[b"a", b"b", b"c"], Some(12), None)),
        ),
        ("quicklist node, previous length wrong", quicklist),
        ("quicklist node container 3", quicklist2),
        (
            "hash listpack, field twice",
            blob_value(16, &listpack(&[b"f", b"1", b"f", b"2"], None)),
        ),
        (
            "hash ziplist, odd count",
            blob_value(13, &ziplist(&[b"f", b"1", b"g"], None, None)),
        ),
        (
            "zset listpack, count wrong",
            blob_value(17, &listpack(&[b"m", b"1"], Some(4))),
        ),
        ("intset, bad width", blob_value(11, &intset)),
        ("set, member twice", set),
        ("hash, field twice", hash),
        ("empty zipmap", blob_value(9, &[0, 0xff])),
    ]
}

/// The log's lines without their `pid:role date time level` prefix.
fn log_texts(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| match line.find(" # ").or_else(|| line.find(" - ")) {
            Some(at) if line.contains(':') && line.as_bytes()[0].is_ascii_digit() => {
                line[at + 3..].to_string()
            }
            _ => line.to_string(),
        })
        .collect()
}

fn restore_scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("corrupt-restore-{}", program.len()));
    let logfile = scratch.0.join("log.txt");
    let log_arg = logfile.display().to_string();
    let (mut child, port) = support::spawn_on_free_port(program, |_| {
        [
            "--loglevel",
            "verbose",
            "--logfile",
            &log_arg,
            "--enable-debug-command",
            "yes",
        ]
        .map(String::from)
        .to_vec()
    })?;
    let mut c = Client::connect(port);
    let mut out = String::new();
    let mut say = |label: &str, reply: String| {
        out.push_str(&format!("{label}: {}\n", reply.trim_end()));
    };
    say(
        "sanitize",
        c.call(&["CONFIG", "SET", "sanitize-dump-payload", "yes"]),
    );
    for (i, (label, value)) in cases().into_iter().enumerate() {
        let key = format!("k{i}");
        let before = std::fs::read_to_string(&logfile).unwrap_or_default();
        let raw = payload(&value, false);
        let reply = call_with_payload(&mut c, &["RESTORE", &key, "0"], &raw);
        let after = std::fs::read_to_string(&logfile).unwrap_or_default();
        let logged: Vec<String> = log_texts(after.get(before.len()..).unwrap_or(""))
            .into_iter()
            .filter(|l| l.contains("Internal error"))
            .collect();
        say(
            label,
            format!("{} {}", reply.trim_end(), logged.join(" | ")),
        );
    }
    // A payload whose checksum is wrong, refused until checksums are skipped.
    let value = blob_value(10, &ziplist(&[b"x", b"y"], None, None));
    let raw = payload(&value, true);
    say(
        "bad checksum",
        call_with_payload(&mut c, &["RESTORE", "crc", "0"], &raw),
    );
    say(
        "skip checksums",
        c.call(&["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"]),
    );
    say(
        "bad checksum, skipped",
        call_with_payload(&mut c, &["RESTORE", "crc", "0"], &raw),
    );
    say("read back", c.call(&["LRANGE", "crc", "0", "-1"]));
    let _ = child.kill();
    let _ = child.wait();
    Some(out)
}

/// RESP for `args` followed by `payload` as one more argument, and the reply.
fn call_with_payload(c: &mut Client, args: &[&str], payload: &[u8]) -> String {
    let mut request = format!("*{}\r\n", args.len() + 1).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    request.extend_from_slice(format!("${}\r\n", payload.len()).as_bytes());
    request.extend_from_slice(payload);
    request.extend_from_slice(b"\r\n");
    c.write_raw(&request);
    String::from_utf8_lossy(&c.read_reply(Duration::from_secs(5))).into_owned()
}

/// An RDB file with one key `k` of `rdb_type` whose value is `blob` (checksum disabled).
fn rdb_file(rdb_type: u8, blob: &[u8]) -> Vec<u8> {
    let mut f = b"REDIS0010".to_vec();
    f.extend_from_slice(&[0xfe, 0x00]);
    f.push(0);
    rdb_string(&mut f, b"ok");
    rdb_string(&mut f, b"v");
    f.push(rdb_type);
    rdb_string(&mut f, b"k");
    rdb_string(&mut f, blob);
    f.push(0xff);
    f.extend_from_slice(&[0; 8]);
    f
}

/// Start `program` on `file` and wait (at most ten seconds) for it to stop: its exit code and
/// what it printed about the file.
fn start_on_file(program: &str, dir: &Path, file: &[u8]) -> String {
    std::fs::write(dir.join("dump.rdb"), file).expect("write the file");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut child = Command::new(program)
        .args(["--port", &port.to_string(), "--save", ""])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().ok().and_then(|s| s.code());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut printed = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        let _ = stdout.read_to_string(&mut printed);
    }
    let wanted = [
        "Internal error",
        "Short read",
        "Checking RDB",
        "RDB ERROR",
        "[offset",
        "[additional info]",
        "[info]",
        "Terminating",
    ];
    let lines: Vec<String> = log_texts(&printed)
        .into_iter()
        .filter(|l| wanted.iter().any(|w| l.contains(w)))
        .collect();
    format!("exit {status:?}\n{}\n", lines.join("\n"))
}

fn start_scenario(program: &str) -> String {
    let scratch = Scratch::new(&format!("corrupt-start-{}", program.len()));
    let bad_tail = ziplist(&[b"a", b"b"], Some(11), None);
    let mut out = String::from("== corrupt ziplist\n");
    out += &start_on_file(program, &scratch.0, &rdb_file(10, &bad_tail));
    let whole = rdb_file(10, &ziplist(&[b"a", b"b"], None, None));
    out += "== cut short\n";
    out += &start_on_file(program, &scratch.0, &whole[..whole.len() - 14]);
    out
}

fn scenario(program: &str) -> Option<String> {
    let restores = restore_scenario(program)?;
    Some(format!("{restores}{}", start_scenario(program)))
}

#[test]
fn corrupt_data_is_refused_and_reported_as_redis_reports_it() {
    support::check_program_transcript(GOLDEN, scenario);
}
