//! Real client libraries against our server. redis-py's scripting API (`eval`, `evalsha`,
//! `register_script` with its NOSCRIPT fallback, scripts in pipelines, `function_load`,
//! `fcall`, `function_dump`/`restore`...) runs `tests/clients/redis_py_scripting.py`, whose
//! output must equal what it printed against redis-server 7.0.15 (`redis_py_scripting.out`).
//! A real job queue, rq 3.0.0 on redis-py, queues, delays, retries and completes jobs
//! (`rq_job_queue.py`, compared with `rq_job_queue.out` in the same way).
//! Skipped, with a message, when python3, redis-py or rq is missing
//! (`pip install redis==5.2.1 rq==3.0.0`).

mod support;

use std::process::Command;

const CLIENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

fn python_module_available(module: &str, install: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: python3 with {module} is not installed (pip install {install})");
    }
    found
}

fn redis_py_available() -> bool {
    python_module_available("redis", "redis==5.2.1")
}

fn run_script(port: u16, protocol: &str) -> String {
    run_python("redis_py_scripting.py", &[&port.to_string(), protocol])
}

/// Run a client script (its stdout; its log on stderr is dropped).
fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(format!("{CLIENTS_DIR}/{script}"))
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_py_scripting_api_as_against_redis_server() {
    if !redis_py_available() {
        return;
    }
    let server = support::start("");
    let got = format!(
        "{}# RESP3\n{}",
        run_script(server.port, "2"),
        run_script(server.port, "3")
    );
    let expected = std::fs::read_to_string(format!("{CLIENTS_DIR}/redis_py_scripting.out"))
        .expect("golden output");
    server.stop();
    for (n, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(g, e, "line {} differs", n + 1);
    }
    assert_eq!(got.lines().count(), expected.lines().count());
}

#[test]
fn rq_job_queue_runs_its_jobs_as_against_redis_server() {
    if !redis_py_available() || !python_module_available("rq", "rq==3.0.0") {
        return;
    }
    let server = support::start("");
    let got = run_python("rq_job_queue.py", &[&server.port.to_string()]);
    let expected =
        std::fs::read_to_string(format!("{CLIENTS_DIR}/rq_job_queue.out")).expect("golden output");
    server.stop();
    assert_eq!(got, expected);
}
