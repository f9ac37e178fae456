//! Local time against lua5.1: `tests/local_time/dates.lua` runs under our `lua` once for each
//! `TZ` value of `zones.txt`, and must print what lua5.1 prints through glibc's `localtime`
//! and `mktime`. With `lua5.1` on PATH the live output is the truth. Without it, the recording
//! in `expected.txt` stands in, for each zone whose zone file here is the one it was recorded
//! with (zone data changes with every tzdata release); other zones are skipped, saying so.
//!
//! `BLESS=1` (needs `lua5.1` on PATH) records `expected.txt` again.

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

/// The zone file glibc would read for this `TZ` value, fingerprinted (FNV-1a over its
/// bytes), or `none`: a recording is only comparable on a machine with the same zone data.
fn zone_file_fingerprint(zone: &str) -> String {
    let name = zone.trim_start_matches(':');
    let path = match zone {
        "(empty)" => return "none".to_string(),
        ":" | "(unset)" => Path::new("/etc/localtime").to_path_buf(),
        _ if name.starts_with('/') => Path::new(name).to_path_buf(),
        _ => Path::new("/usr/share/zoneinfo").join(name),
    };
    match fs::read(&path) {
        Ok(bytes) if path.is_file() => {
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("{hash:016x}")
        }
        _ => "none".to_string(),
    }
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

/// `expected.txt` blocks: `=== TZ <value> [zonefile <fingerprint>]`, then lua5.1's output.
fn parse_expected(text: &str) -> BTreeMap<String, (String, String)> {
    let mut map = BTreeMap::new();
    for block in text.split("\n=== TZ ").skip(1) {
        let Some((header, output)) = block.split_once('\n') else {
            continue;
        };
        let Some((zone, fingerprint)) = header.rsplit_once(" [zonefile ") else {
            continue;
        };
        let fingerprint = fingerprint.trim_end_matches(']').to_string();
        map.insert(zone.to_string(), (fingerprint, output.to_string()));
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
            let fingerprint = zone_file_fingerprint(zone);
            text.push_str(&format!(
                "\n=== TZ {zone} [zonefile {fingerprint}]\n{}",
                run(r, zone)
            ));
        }
        fs::write(&expected_path, text).unwrap();
    }
    let expected = parse_expected(&fs::read_to_string(&expected_path).expect("expected.txt"));
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut stale = Vec::new();
    for zone in &zones {
        let (recorded_fingerprint, recorded) = expected
            .get(zone)
            .unwrap_or_else(|| panic!("no expected output for TZ {zone}; record with BLESS=1"));
        let same_zone_data = *recorded_fingerprint == zone_file_fingerprint(zone);
        let got = run(ours, zone);
        // lua5.1 on this machine is the truth; the recording stands in for it only where this
        // machine has the zone data it was recorded with.
        let want = match reference {
            Some(r) => {
                let live = run(r, zone);
                if same_zone_data && live != *recorded {
                    stale.push(zone.clone());
                }
                live
            }
            None if same_zone_data => recorded.clone(),
            None => {
                skipped.push(zone.clone());
                continue;
            }
        };
        if got != want {
            failures.push(format!(
                "TZ {zone}:\n  expected {want:?}\n  got      {got:?}"
            ));
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "zone data differs from the recording and lua5.1 is absent, skipped: {}",
            skipped.join(", ")
        );
    }
    for zone in stale {
        failures.push(format!(
            "TZ {zone}: expected.txt differs from lua5.1 on the same zone data (BLESS=1)"
        ));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
