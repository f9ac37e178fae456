//! The runtime's EVAL reference cases (`redis-runtime/tests/cases/*.cases`, 1,253 scripts with
//! the replies redis-server 7.0.15 gave) sent over the wire to our server: the same script,
//! keys, arguments and protocol, and the reply compared byte for byte. Known differences are
//! in `tests/eval_ignore.txt` with their reasons; an ignored case that passes fails the test.

#[path = "../../redis-runtime/tests/golden/eval_cases.rs"]
mod eval_cases;
mod support;

use eval_cases::{ignored, parse, Case};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../redis-runtime/tests/cases");
const IGNORE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");

fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn run_case(port: u16, case: &Case) -> Vec<u8> {
    let mut client = support::Client::connect(port);
    for setup in [
        &["SELECT", "9"][..],
        &["FLUSHALL"],
        &["SCRIPT", "FLUSH", "SYNC"],
    ] {
        client.call(setup);
    }
    if case.resp3 {
        client.call(&["HELLO", "3"]);
    }
    let numkeys = case.keys.len().to_string();
    let mut argv: Vec<&[u8]> = vec![b"EVAL", &case.script, numkeys.as_bytes()];
    argv.extend(case.keys.iter().map(|k| k.as_slice()));
    argv.extend(case.args.iter().map(|a| a.as_slice()));
    client.write_raw(&multibulk(&argv));
    client.read_reply(Duration::from_secs(10))
}

#[test]
fn eval_reference_cases_over_the_wire() {
    let ignore = ignored(Path::new(IGNORE).join("eval").as_path());
    let mut files: Vec<_> = std::fs::read_dir(CASES)
        .expect("the runtime's cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cases"))
        .collect();
    files.sort();
    let server = support::start("enable-debug-command local");
    let (mut passed, mut failures, mut stale) = (0, Vec::new(), Vec::new());
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        for case in parse(&name, &text) {
            let id = format!("{}: {}", case.file, case.name);
            let got = run_case(server.port, &case);
            let ok = got == case.expected;
            match (ok, ignore.contains_key(&id)) {
                (true, false) => passed += 1,
                (true, true) => stale.push(id),
                (false, true) => {}
                (false, false) => failures.push(format!(
                    "{id}\n    expected {}\n    got      {}",
                    support::escape(&case.expected),
                    support::escape(&got)
                )),
            }
        }
    }
    server.stop();
    let _ = std::io::stderr().flush();
    eprintln!(
        "{passed} passed, {} ignored, {} failed",
        ignore.len(),
        failures.len()
    );
    assert!(
        failures.is_empty() && stale.is_empty(),
        "{} failures:\n{}\n\nignored but passing:\n{}",
        failures.len(),
        failures.join("\n"),
        stale.join("\n")
    );
}
