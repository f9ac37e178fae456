//! The `luac` binary against `luac5.1`: each case of `tests/luac/cases.txt` runs in a scratch
//! folder holding the `.lua` files of `tests/luac/`, and must give what `luac5.1` gave there:
//! standard output, standard error, exit status, and the bytes of every file it wrote.
//!
//! Both programs run with `argv[0]` set to `luac`, the name messages start with. Function
//! addresses in listings (`0x55d0...`) differ from run to run and are compared as `ADDR`.
//!
//! Goldens (`tests/luac/golden/<case>.*`) only ever come from the reference: run with
//! `BLESS=1` (needs `luac5.1` on PATH) to record them. When `luac5.1` is on PATH, each case is
//! also compared with its live output.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/luac");

/// What one case did: each stream and written file, by name.
type Outcome = BTreeMap<String, Vec<u8>>;

fn cases() -> Vec<(String, Vec<Vec<String>>)> {
    let text = fs::read_to_string(Path::new(DIR).join("cases.txt")).expect("cases.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (name, rest) = line.split_once(':').expect("name: arguments");
            let runs = rest
                .split("&&")
                .map(|run| {
                    run.split_whitespace()
                        .map(|a| {
                            if a == "\"\"" {
                                String::new()
                            } else {
                                a.to_string()
                            }
                        })
                        .collect()
                })
                .collect();
            (name.trim().to_string(), runs)
        })
        .collect()
}

/// A scratch folder with the case inputs, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("luac-case-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(DIR).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "lua") {
                fs::copy(&path, dir.join(entry.file_name())).unwrap();
            }
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Replace every `0x` followed by hex digits with `ADDR`.
fn mask_addresses(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"0x") {
            let digits = bytes[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if digits > 0 {
                out.extend_from_slice(b"ADDR");
                i += 2 + digits;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn run_case(program: &Path, name: &str, runs: &[Vec<String>]) -> Outcome {
    let scratch = Scratch::new(name);
    let mut outcome = Outcome::new();
    for (n, args) in runs.iter().enumerate() {
        let out = Command::new(program)
            .arg0("luac")
            .args(args)
            .current_dir(&scratch.0)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        outcome.insert(format!("{n}.stdout"), mask_addresses(&out.stdout));
        outcome.insert(format!("{n}.stderr"), out.stderr);
        let status = out
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string());
        outcome.insert(format!("{n}.status"), status.into_bytes());
    }
    for entry in fs::read_dir(&scratch.0).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.ends_with(".lua") {
            outcome.insert(format!("file.{file}"), fs::read(entry.path()).unwrap());
        }
    }
    outcome
}

fn golden_dir(name: &str) -> PathBuf {
    Path::new(DIR).join("golden").join(name)
}

fn read_golden(name: &str) -> Outcome {
    let mut outcome = Outcome::new();
    let dir = golden_dir(name);
    for entry in fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no golden for {name} ({e}); record with BLESS=1"))
        .flatten()
    {
        let key = entry.file_name().to_string_lossy().into_owned();
        outcome.insert(key, fs::read(entry.path()).unwrap());
    }
    outcome
}

fn write_golden(name: &str, outcome: &Outcome) {
    let dir = golden_dir(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (key, bytes) in outcome {
        fs::write(dir.join(key), bytes).unwrap();
    }
}

fn reference() -> Option<PathBuf> {
    let found = Command::new("luac5.1")
        .arg("-v")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    found.then(|| PathBuf::from("luac5.1"))
}

fn differences(name: &str, expected: &Outcome, got: &Outcome) -> Vec<String> {
    let mut keys: Vec<&String> = expected.keys().chain(got.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| expected.get(*k) != got.get(*k))
        .map(|k| {
            let show = |o: &Outcome| {
                o.get(k).map_or("(absent)".to_string(), |b| {
                    String::from_utf8_lossy(&b[..b.len().min(400)]).into_owned()
                })
            };
            format!(
                "{name} {k}:\n  expected {:?}\n  got      {:?}",
                show(expected),
                show(got)
            )
        })
        .collect()
}

#[test]
fn luac_matches_luac51() {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_luac"));
    let reference = reference();
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 20);
    for (name, runs) in &cases {
        if bless {
            let r = reference.as_ref().expect("BLESS=1 needs luac5.1 on PATH");
            write_golden(name, &run_case(r, name, runs));
        }
        let golden = read_golden(name);
        failures.extend(differences(name, &golden, &run_case(&ours, name, runs)));
        if let Some(r) = &reference {
            let live = run_case(r, name, runs);
            failures.extend(differences(
                &format!("{name} (golden vs luac5.1)"),
                &golden,
                &live,
            ));
        }
    }
    if reference.is_none() {
        eprintln!("luac5.1 not on PATH: compared with the recorded goldens only");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
