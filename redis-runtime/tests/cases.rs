//! The reference cases: every script in `tests/cases/*.cases` run through the runtime with a
//! small in-memory host, its reply encoded as Redis encodes it and compared byte for byte with
//! the reply redis-server 7.0.15 gave (see `tests/cases/README.md`).
//!
//! Cases the test host cannot serve (commands it does not implement) and known differences are
//! listed in `tests/cases/ignore.txt`, each with its reason; an ignored case that starts
//! passing fails the test, so the list stays true.

mod golden;
mod toy_host;

use golden::eval_cases::{ignored, parse, Case};

use golden::escape;

use redis_runtime::{CallOptions, Runtime};
use std::path::Path;

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
