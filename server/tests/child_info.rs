//! A background save's and a rewrite's child report to their parent while they run: the keys
//! to write, the share written, and the memory copied because the parent changed pages the
//! child still reads (copy-on-write). Values depend on the machine, so the transcript records
//! what must hold of them; it must equal `golden/child_info.txt`, recorded from redis-server
//! 7.0.15 (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::time::{Duration, Instant};
use support::{info_field, Client, Process, Scratch};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/child_info.txt");

const KEYS: usize = 2000;

/// Run `start` (BGSAVE or BGREWRITEAOF), change keys while the child writes, and tell what
/// INFO showed: during the run, and `last_field` after it.
fn watch(c: &mut Client, start: &[&str], running_field: &str, last_field: &str) -> String {
    let mut out = format!("{}:\n", start.join(" "));
    c.call(start);
    let (mut total, mut perc_seen, mut cow_seen) = (String::new(), false, false);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut next_key = 0;
    loop {
        let persistence = c.call(&["INFO", "persistence"]);
        if info_field(&persistence, running_field) != "1" || Instant::now() > deadline {
            break;
        }
        total = info_field(&persistence, "current_save_keys_total");
        perc_seen |= info_field(&persistence, "current_fork_perc") != "0.00";
        cow_seen |= info_field(&persistence, "current_cow_size") != "0";
        // The parent writes pages the child still reads: they get copied.
        for _ in 0..50 {
            let key = format!("key:{}", next_key % KEYS);
            c.call(&["SETRANGE", &key, "0", &"B".repeat(1000)]);
            next_key += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let persistence = c.call(&["INFO", "persistence"]);
    out += &format!("  current_save_keys_total while it ran: {total}\n");
    out += &format!("  current_fork_perc above 0 while it ran: {perc_seen}\n");
    out += &format!("  current_cow_size above 0 while it ran: {cow_seen}\n");
    let last: u64 = info_field(&persistence, last_field).parse().unwrap_or(0);
    out += &format!("  {last_field} above 0 after: {}\n", last > 0);
    out += &format!(
        "  current_save_keys_total after: {}\n",
        info_field(&persistence, "current_save_keys_total")
    );
    out
}

fn scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("child-info-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let (child, port) =
        support::spawn_on_free_port(program, |_| vec!["--dir".into(), dir.clone()])?;
    let _server = Process(child);
    let mut c = Client::connect(port);
    let value = "A".repeat(1000);
    for i in 0..KEYS {
        c.call(&["SET", &format!("key:{i}"), &value]);
    }
    // About three seconds of writing: reports come once a second.
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "1500"]);
    let mut out = watch(
        &mut c,
        &["BGSAVE"],
        "rdb_bgsave_in_progress",
        "rdb_last_cow_size",
    );
    out += &watch(
        &mut c,
        &["BGREWRITEAOF"],
        "aof_rewrite_in_progress",
        "aof_last_cow_size",
    );
    Some(out)
}

#[test]
fn children_report_their_progress_and_copied_memory() {
    support::check_program_transcript(GOLDEN, scenario);
}

const ORPHAN_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/child_info_orphan.txt"
);

/// The children of process `parent` (from `/proc`).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // The fourth field, after the name in parentheses.
                    let after_name = stat.rsplit_once(')')?.1;
                    after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Whether process `pid` is gone (or a zombie, which only waits to be reaped).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                == Some("Z")
        }
    }
}

/// A background save's child whose parent is killed ends within a few seconds (its next
/// report to the parent fails), as Redis's does, rather than writing on for nobody.
fn orphan_scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("child-orphan-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let (child, port) = support::spawn_on_free_port(program, |_| {
        ["--dir", &dir, "--enable-debug-command", "yes"]
            .map(String::from)
            .to_vec()
    })?;
    let mut server = Process(child);
    let mut c = Client::connect(port);
    let mut out = format!(
        "DEBUG POPULATE: {:?}\n",
        c.call(&["DEBUG", "POPULATE", "10000"])
    );
    // Ten seconds of saving.
    c.call(&["CONFIG", "SET", "rdb-key-save-delay", "1000"]);
    out += &format!("BGSAVE: {:?}\n", c.call(&["BGSAVE"]));
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut saving = children_of(server.0.id());
    while saving.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        saving = children_of(server.0.id());
    }
    out += &format!("one child saving: {}\n", saving.len() == 1);
    let _ = server.0.kill();
    let _ = server.0.wait();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !saving.iter().all(|&pid| gone(pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    out += &format!(
        "the child ended within 5 s of its parent: {}\n",
        saving.iter().all(|&pid| gone(pid))
    );
    for pid in saving {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    Some(out)
}

#[test]
fn a_save_whose_parent_was_killed_ends() {
    support::check_program_transcript(ORPHAN_GOLDEN, orphan_scenario);
}
