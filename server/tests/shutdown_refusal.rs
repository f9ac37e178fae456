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

const SAVE_FAILED_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/shutdown_save_failed.txt"
);

/// SHUTDOWN whose final save fails (the file's name is taken by a directory): the server
/// stays up, and a failed foreground save is no background-save failure: writes and PING
/// are still served (no MISCONF), and INFO still says the last background save was ok.
fn save_failed_scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("shutdown-save-failed-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let (child, port) = support::spawn_on_free_port(program, |_| {
        ["--dir", &dir, "--save", "900 1"]
            .map(String::from)
            .to_vec()
    })?;
    let _server = Process(child);
    let mut c = Client::connect(port);
    std::fs::create_dir_all(scratch.0.join("dump.rdb")).ok()?;
    let mut out = String::new();
    for command in [
        &["SET", "a", "1"][..],
        &["SHUTDOWN"],
        &["PING"],
        &["SET", "b", "2"],
        &["SAVE"],
        &["PING"],
    ] {
        out += &format!("{command:?}: {:?}\n", c.call(command));
    }
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!(
        "rdb_last_bgsave_status: {}\n",
        support::info_field(&persistence, "rdb_last_bgsave_status")
    );
    c.call(&["SHUTDOWN", "NOSAVE"]);
    Some(out)
}

#[test]
fn a_failed_final_save_keeps_the_server_serving() {
    support::check_program_transcript(SAVE_FAILED_GOLDEN, save_failed_scenario);
}
