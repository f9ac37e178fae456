//! Start-up refusals: bad options on the command line or in the config file stop the
//! program with the text (and line number) redis-server 7.0.15 prints.

mod support;

use std::process::Command;

/// Each case: the arguments, and the config file's text when the case has a file.
const CASES: &[(&[&str], Option<&str>)] = &[
    (&["--port"], None),
    (&["--port", "1", "2"], None),
    (&["--foo", "bar"], None),
    (&["--maxmemory", "abc"], None),
    (&["--loglevel", "nope", "--port", "5"], None),
    (&["--port", "--loglevel", "verbose"], None),
    (&["--maxmemory 1mb", "--appendonly", "maybe"], None),
    (&["--save", "--port", "x"], None),
    (&["--requirepass", "a b\"c", "--databases", "0"], None),
    (
        &["--port", "0"],
        Some("# comment\n\nport 7000\nnot-an-option 1\n"),
    ),
    (&["--timeout", "-5"], Some("port 7000\n")),
    (&[], Some("bind 127.0.0.1\nsave 900\n")),
    (&["--replicaof", "127.0.0.1", "abc"], None),
    (&["--replicaof", "--127.0.0.1", "abc"], None),
    (&["--replicaof", "--127.0.0.1", "--abc"], None),
    (&["--replicaof", "127.0.0.1", "70000"], None),
    (&["--replicaof", "127.0.0.1", "12x"], None),
    (&["--shutdown-on-sigint"], None),
    (
        &["--shutdown-on-sigint", "now force", "--shutdown-on-sigterm"],
        None,
    ),
    (&["--port", "--bla", "--loglevel", "verbose"], None),
    (
        &["--logfile", "--my--log--file", "--loglevel", "--bla"],
        None,
    ),
];

/// What `program` prints when started with each case's arguments: the last three lines of its
/// error output (the line number, the line, the reason), and whether it exited with 1.
fn transcript(program: &str) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("startup-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let mut out = String::new();
    for (args, file) in CASES {
        let mut command = Command::new(program);
        command.current_dir(&dir);
        if let Some(text) = file {
            std::fs::write(dir.join("test.conf"), text).ok()?;
            command.arg("test.conf");
        }
        let output = run_bounded(command.args(*args))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(3)..].join("\n");
        out.push_str(&format!(
            "$ {:?} file={:?}\nexit {:?}\n{tail}\n\n",
            args,
            file,
            output.status.code()
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Some(out)
}

/// Run `command` to its end, killing it after five seconds (a server that started instead of
/// refusing its options), and give what it printed.
fn run_bounded(command: &mut Command) -> Option<std::process::Output> {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while child.try_wait().ok()?.is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait_with_output().ok()
}

#[test]
fn bad_options_stop_the_start_with_redis_text() {
    support::check_transcript(
        "tests/golden/startup_errors.txt",
        || transcript(env!("CARGO_BIN_EXE_luredis")).expect("runs luredis"),
        || transcript("redis-server"),
    );
}
