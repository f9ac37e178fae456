//! Local time against lua5.1: `tests/local_time/dates.lua` runs under our `lua` once for each
//! `TZ` value of `zones.txt`, and must print what lua5.1 printed (through glibc's `localtime`
//! and `mktime`), recorded in `expected.txt`. A zone-file name whose file this machine lacks
//! is skipped (say so with `tzdata` installed).
//!
//! `BLESS=1` (needs `lua5.1` on PATH) records `expected.txt` again; with `lua5.1` on PATH,
//! every zone is also compared with its live output.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/local_time");

fn zones() -> Vec<String> {
    fs::read_to_string(Path::new(DIR).join("zones.txt"))
        .expect("zones.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether the zone is a file name this machine cannot read (the answer would then be a
/// POSIX-rule reading of the name, not what was recorded).
fn missing_zone_file(zone: &str) -> bool {
    let name = zone.trim_start_matches(':');
    let looks_like_file = name.contains('/') || name == "UTC" || name == "EST5EDT";
    let path = if name.starts_with('/') {
        Path::new(name).to_path_buf()
    } else {
        Path::new("/usr/share/zoneinfo").join(name)
    };
    looks_like_file && name != "Europe/Nowhere" && !path.exists()
}

fn run(program: &str, zone: &str) -> String {
    let mut cmd = Command::new(program);
    cmd.arg("dates.lua").current_dir(DIR).env_remove("TZDIR");
    match zone {
        "(unset)" => cmd.env_remove("TZ"),
        "(empty)" => cmd.env("TZ", ""),
        z => cmd.env("TZ", z),
    };
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

fn parse_expected(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for block in text.split("\n=== TZ ").skip(1) {
        if let Some((zone, output)) = block.split_once('\n') {
            map.insert(zone.to_string(), output.to_string());
        }
    }
    map
}

fn reference() -> Option<&'static str> {
    Command::new("lua5.1")
        .args(["-e", "os.exit(0)"])
        .status()
        .is_ok()
        .then_some("lua5.1")
}

#[test]
fn local_time_matches_lua51() {
    let ours = env!("CARGO_BIN_EXE_lua");
    let expected_path = Path::new(DIR).join("expected.txt");
    let zones = zones();
    let reference = reference();
    if std::env::var_os("BLESS").is_some() {
        let r = reference.expect("BLESS=1 needs lua5.1 on PATH");
        let mut text = String::new();
        for zone in &zones {
            text.push_str(&format!("\n=== TZ {zone}\n{}", run(r, zone)));
        }
        fs::write(&expected_path, text).unwrap();
    }
    let expected = parse_expected(&fs::read_to_string(&expected_path).expect("expected.txt"));
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for zone in &zones {
        if missing_zone_file(zone) {
            skipped.push(zone.clone());
            continue;
        }
        let want = expected
            .get(zone)
            .unwrap_or_else(|| panic!("no expected output for TZ {zone}; record with BLESS=1"));
        let got = run(ours, zone);
        if &got != want {
            failures.push(format!(
                "TZ {zone}:\n  expected {want:?}\n  got      {got:?}"
            ));
        }
        if let Some(r) = reference {
            let live = run(r, zone);
            if &live != want {
                failures.push(format!("TZ {zone}: expected.txt differs from lua5.1 here"));
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "no zone file on this machine, skipped: {}",
            skipped.join(", ")
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
