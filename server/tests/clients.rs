//! Real client libraries against our server. redis-py's scripting API (`eval`, `evalsha`,
//! `register_script` with its NOSCRIPT fallback, scripts in pipelines, `function_load`,
//! `fcall`, `function_dump`/`restore`...) runs `tests/clients/redis_py_scripting.py`, whose
//! output must equal what it printed against redis-server 7.0.15 (`redis_py_scripting.out`).
//! Skipped, with a message, when python3 or redis-py is missing (`pip install redis==5.2.1`).

mod support;

use std::process::Command;

const CLIENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

fn redis_py_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import redis"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: python3 with redis-py is not installed (pip install redis==5.2.1)");
    }
    found
}

fn run_script(port: u16, protocol: &str) -> String {
    let out = Command::new("python3")
        .arg(format!("{CLIENTS_DIR}/redis_py_scripting.py"))
        .arg(port.to_string())
        .arg(protocol)
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
