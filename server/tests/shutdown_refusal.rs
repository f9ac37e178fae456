//! SHUTDOWN while the first rewrite of a just-enabled append-only file runs (slowed by
//! `rdb-key-save-delay`): the file does not exist yet, so the server refuses to end and
//! logs why; `SHUTDOWN NOSAVE FORCE` ends it anyway, killing the rewrite. The transcript must
//! equal `golden/shutdown_refusal.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::{Duration, Instant};
use support::{Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/shutdown_refusal.txt"
);

/// The log lines about the shutdown, without their pid and time prefix.
fn shutdown_lines(log: &str) -> String {
    const WANTED: [&str; 5] = [
        "Writing initial AOF",
        "Errors trying",
        "child rewriting the AOF",
        "User requested shutdown",
        "ready to exit",
    ];
    log.lines()
        .filter_map(|line| line.splitn(2, ['#', '*']).nth(1))
        .map(str::trim)
        .filter(|text| WANTED.iter().any(|w| text.contains(w)))
        .map(|text| format!("  {text}\n"))
        .collect()
}

fn scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("shutdown-refusal-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let log = scratch.0.join("server.log");
    let log_arg = log.display().to_string();
    let (child, port) = support::spawn_on_free_port(program, |_| {
        vec![
            "--dir".into(),
            dir.clone(),
            "--logfile".into(),
            log_arg.clone(),
        ]
    })?;
    let mut server = Process(child);
    let mut c = Client::connect(port);
    let mut out = String::new();
    c.call(&["SET", "k", "v"]);
    // The rewrite writes its one key for thirty seconds.
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "30000000"]);
    out += &format!(
        "appendonly yes: {:?}\n",
        c.call(&["CONFIG", "SET", "appendonly", "yes"])
    );
    out += &format!("SHUTDOWN: {:?}\n", c.call(&["SHUTDOWN"]));
    out += &format!("still serving: {:?}\n", c.call(&["PING"]));
    c.send(&["SHUTDOWN", "NOSAVE", "FORCE"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let ended = loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            break status.success();
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    out += &format!("SHUTDOWN NOSAVE FORCE ended it cleanly: {ended}\n");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    out += &format!("log:\n{}", shutdown_lines(&text));
    Some(out)
}

#[test]
fn shutdown_waits_for_the_first_append_only_rewrite_unless_forced() {
    support::check_program_transcript(GOLDEN, scenario);
}
