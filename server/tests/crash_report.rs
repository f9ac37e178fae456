//! Crash reports: DEBUG SEGFAULT and a SIGABRT from outside end the server by that signal
//! after a bug report in its log (Redis's START and END markers, the signal, who sent it, a
//! stack trace); `crash-log-enabled no` leaves the report out. The same scenario runs on
//! redis-server 7.0.15 when it is installed, and must tell the same story.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Client, Scratch};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/crash_report.txt");

/// Start `program`, crash it with `crash` (given the connection and the pid), and tell what
/// its log and its end showed.
fn crash_scenario(
    program: &str,
    tag: &str,
    extra: &[&str],
    crash: fn(&mut Client, u32),
) -> Option<String> {
    let scratch = Scratch::new(&format!("crash-{tag}-{}", program.len()));
    let log = scratch.0.join("log.txt");
    let log_arg = log.display().to_string();
    // The data directory is the working directory: a core file, where enabled, lands in the
    // scratch directory and goes with it.
    let dir_arg = scratch.0.display().to_string();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let (mut child, port) = support::spawn_on_free_port(program, move |_| {
        let mut args: Vec<String> = [
            "--logfile",
            &log_arg,
            "--enable-debug-command",
            "yes",
            "--dir",
            &dir_arg,
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().cloned());
        args
    })?;
    let mut c = Client::connect(port);
    crash(&mut c, child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() > deadline {
            eprintln!("{program} ({tag}) did not end within ten seconds");
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let has = |needle: &str| text.contains(needle);
    Some(format!(
        "ended by signal {:?}; report start {}, signal line {}, killed-by line {}, stack trace {}, report end {}\n",
        status.signal(),
        has("=== REDIS BUG REPORT START: Cut & paste starting from here ==="),
        has(&format!("crashed by signal: {}", status.signal().unwrap_or(0))),
        has("Killed by PID:"),
        has("------ STACK TRACE ------"),
        has("=== REDIS BUG REPORT END. Make sure to include from START to END. ===")
    ))
}

fn segfault(c: &mut Client, _pid: u32) {
    c.send(&["DEBUG", "SEGFAULT"]);
}

fn abort_from_outside(_c: &mut Client, pid: u32) {
    let _ = Command::new("kill")
        .args(["-ABRT", &pid.to_string()])
        .status();
}

fn scenario(program: &str) -> Option<String> {
    let mut out = String::new();
    out += &crash_scenario(program, "segv", &[], segfault)?;
    out += &crash_scenario(program, "abrt", &[], abort_from_outside)?;
    out += &crash_scenario(program, "off", &["--crash-log-enabled", "no"], segfault)?;
    Some(out)
}

#[test]
fn fatal_signals_leave_a_bug_report_and_end_the_process_by_the_signal() {
    support::check_program_transcript(GOLDEN, scenario);
}
