//! `oom-score-adj`: the score Linux's out-of-memory killer reads, as the server writes it for
//! a primary, a replica and a BGSAVE child, relative or absolute, and put back when turned
//! off; compared with what redis-server 7.0.15 writes in the same steps.

mod support;

use std::process::Child;
use std::time::{Duration, Instant};
use support::Client;

/// `program` started on a free loopback port; `None` when it cannot be run.
fn start(program: &str) -> Option<(Child, u16)> {
    support::spawn_on_free_port(program, |port| {
        let dir = dir_for(port);
        let _ = std::fs::create_dir_all(&dir);
        vec![
            "--appendonly".into(),
            "no".into(),
            "--dir".into(),
            dir.to_string_lossy().into_owned(),
        ]
    })
}

fn score(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(i64::MIN)
}

/// The scores the server gives itself (relative to its score at start) along the steps, with
/// each CONFIG SET's reply.
fn scenario(program: &str) -> Option<String> {
    let (mut child, port) = start(program)?;
    let pid = child.id();
    let base = score(pid);
    let mut c = Client::connect(port);
    let mut out = String::new();
    let mut step = |c: &mut Client, args: &[&str]| {
        let reply = c.call(args);
        out.push_str(&format!(
            "{} -> {} (score {:+})\n",
            args.join(" "),
            reply.trim_end(),
            score(pid) - base
        ));
    };
    step(
        &mut c,
        &["CONFIG", "SET", "oom-score-adj-values", "10 20 30"],
    );
    step(&mut c, &["CONFIG", "SET", "oom-score-adj", "yes"]);
    step(
        &mut c,
        &["CONFIG", "SET", "oom-score-adj-values", "15 20 30"],
    );
    step(&mut c, &["REPLICAOF", "localhost", "1"]);
    step(&mut c, &["REPLICAOF", "NO", "ONE"]);
    step(&mut c, &["CONFIG", "SET", "oom-score-adj", "absolute"]);
    step(
        &mut c,
        &["CONFIG", "SET", "oom-score-adj-values", "2000 2000 2000"],
    );
    step(&mut c, &["CONFIG", "SET", "oom-score-adj", "relative"]);
    step(&mut c, &["CONFIG", "SET", "oom-score-adj", "no"]);
    step(&mut c, &["CONFIG", "GET", "oom-score-adj"]);
    step(&mut c, &["CONFIG", "GET", "oom-score-adj-values"]);
    // A BGSAVE child takes the third value.
    step(
        &mut c,
        &[
            "CONFIG",
            "SET",
            "oom-score-adj",
            "yes",
            "oom-score-adj-values",
            "1 2 30",
        ],
    );
    step(&mut c, &["SET", "k", "v"]);
    step(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "1000000"]);
    step(&mut c, &["BGSAVE"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut child_score = None;
    while Instant::now() < deadline && child_score.is_none() {
        // The child is listed under the thread that forked it.
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for kid in children.split_whitespace().filter_map(|k| k.parse().ok()) {
                if score(kid) == base + 30 {
                    child_score = Some(30);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    out.push_str(&format!("child score: {child_score:?}\n"));
    let _ = c.call(&["SHUTDOWN", "NOSAVE"]);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir_for(port));
    Some(out)
}

fn dir_for(port: u16) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("oom-score-{}-{port}", std::process::id()))
}

#[test]
fn oom_score_adj_as_redis_writes_it() {
    // Only what any user may do: raising the score, and lowering it back to where it was.
    support::check_transcript(
        "tests/golden/oom_score.txt",
        || scenario(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs"),
        || scenario("redis-server"),
    );
}

/// Where this process may not lower its score below where it started (no CAP_SYS_RESOURCE),
/// a CONFIG SET asking for that fails with Redis's text and leaves the values as they were.
#[test]
fn a_score_the_system_refuses_rolls_the_change_back() {
    let (mut child, port) = start(env!("CARGO_BIN_EXE_luredis")).expect("luredis runs");
    let pid = child.id();
    let base = score(pid);
    let lowering_allowed = std::fs::write(
        format!("/proc/{pid}/oom_score_adj"),
        format!("{}\n", base - 1),
    )
    .is_ok()
        && score(pid) == base - 1;
    let mut c = Client::connect(port);
    if lowering_allowed {
        eprintln!("this process may lower its out-of-memory score: the refusal cannot be shown");
    } else {
        assert_eq!(
            c.call(&["CONFIG", "SET", "oom-score-adj", "yes"]),
            "+OK\r\n"
        );
        assert_eq!(
            c.call(&["CONFIG", "SET", "oom-score-adj-values", "-5 1 2"]),
            "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Failed to set current oom_score_adj. Check server logs.\r\n"
        );
        assert_eq!(
            c.call(&["CONFIG", "GET", "oom-score-adj-values"]),
            "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n"
        );
        assert_eq!(score(pid), base);
    }
    let _ = c.call(&["SHUTDOWN", "NOSAVE"]);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir_for(port));
}
