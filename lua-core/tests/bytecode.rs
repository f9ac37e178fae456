//! Differential tests of the compiler against the reference `luac5.1` / `lua5.1`.
//!
//! - `tests/bytecode/<name>.lua`: compiled with chunk name `@<name>.lua`; our listing
//!   (`list_proto(p, true)`) must equal `<name>.luac`, the output of `luac5.1 -l -l <name>.lua`
//!   with function addresses renumbered by first mention (as our listing numbers them).
//! - `tests/bytecode/errors/<name>.lua`: the message of compiling the file must equal
//!   `<name>.luac.err`, what `luac5.1 -p <name>.lua` prints (without its `luac5.1: ` prefix),
//!   and compiling the text as its own chunk name, two C calls deep, must give
//!   `<name>.load.err`, what `loadstring` returns when called from `lua5.1 -e`. An empty golden
//!   means the chunk compiles.
//!
//! Goldens are only ever produced by the reference: run with `BLESS=1` (needs `luac5.1` and
//! `lua5.1` on PATH) to regenerate them. When the reference tools are on PATH, every case is
//! also compared with their live output.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lua_core::tools::list_proto;
use lua_core::tools::{compile, compile_at_depth};

fn cases_in(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    cases.sort();
    cases
}

fn case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bytecode")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

/// Is this reference tool on PATH?
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Renumber the function addresses of a `luac -l` listing by order of first mention: `0x1`
/// for the first function mentioned, and so on.
fn normalize_addresses(listing: &str) -> String {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut rename = |address: &str| -> String {
        let next = ids.len() + 1;
        let id = *ids.entry(address.to_string()).or_insert(next);
        format!("0x{id}")
    };
    let mut out = String::with_capacity(listing.len());
    for (i, line) in listing.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let is_header =
            (line.starts_with("main <") || line.starts_with("function <")) && line.ends_with(')');
        let is_table = (line.starts_with("constants (")
            || line.starts_with("locals (")
            || line.starts_with("upvalues ("))
            && line.ends_with(':');
        let is_closure = line.contains("\tCLOSURE  \t");
        let cut = if is_header {
            line.rfind(" bytes at ")
                .map(|at| (at + " bytes at ".len(), line.len() - 1))
        } else if is_table {
            line.rfind(" for ")
                .map(|at| (at + " for ".len(), line.len() - 1))
        } else if is_closure {
            line.rfind("\t; ").map(|at| (at + "\t; ".len(), line.len()))
        } else {
            None
        };
        match cut {
            Some((from, to)) if from <= to => {
                out.push_str(&line[..from]);
                out.push_str(&rename(&line[from..to]));
                out.push_str(&line[to..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `luac5.1 -l -l` (`full`) or `luac5.1 -l` on a case, run in its directory so the listing
/// names it `<name>.lua`.
fn reference_listing(case: &Path, full: bool) -> String {
    let flags: &[&str] = if full { &["-l", "-l"] } else { &["-l"] };
    let output = Command::new("luac5.1")
        .args(flags)
        .args(["-o", "/dev/null"])
        .arg(file_name(case))
        .current_dir(case.parent().unwrap_or(Path::new(".")))
        .output()
        .expect("run luac5.1");
    assert!(
        output.status.success(),
        "luac5.1 failed on {}: {}",
        case.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    normalize_addresses(&String::from_utf8_lossy(&output.stdout))
}

/// The message `luac5.1 -p` prints for a case (empty when it compiles).
fn reference_luac_error(case: &Path) -> Vec<u8> {
    let output = Command::new("luac5.1")
        .arg("-p")
        .arg(file_name(case))
        .current_dir(case.parent().unwrap_or(Path::new(".")))
        .output()
        .expect("run luac5.1");
    let mut message = output.stderr;
    if message.starts_with(b"luac5.1: ") {
        message.drain(..b"luac5.1: ".len());
    }
    if message.ends_with(b"\n") {
        message.pop();
    }
    message
}

/// The message `loadstring` returns for a case's text, called from `lua5.1 -e` (empty when it
/// compiles).
fn reference_loadstring_error(case: &Path) -> Vec<u8> {
    let script = "local s = io.read('*a'); local f, e = loadstring(s); io.write(e or '')";
    let mut child = Command::new("lua5.1")
        .args(["-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lua5.1");
    let source = fs::read(case).expect("read case");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&source).expect("feed lua5.1");
    }
    child.wait_with_output().expect("wait for lua5.1").stdout
}

/// Our listings of a case: full (`luac -l -l`) and short (`luac -l`).
fn our_listings(case: &Path) -> Result<(String, String), String> {
    let source = fs::read(case).map_err(|e| e.to_string())?;
    let chunkname = format!("@{}", file_name(case));
    compile(&source, chunkname.as_bytes())
        .map(|p| (list_proto(&p, true), list_proto(&p, false)))
        .map_err(|e| e.to_string())
}

/// A full listing without its constants, locals and upvalues: what `luac -l` prints.
fn short_listing(full: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in full.split('\n') {
        if line.starts_with("constants (") {
            skipping = true;
        } else if line.is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push(line);
        }
    }
    out.join("\n")
}

fn first_difference(expected: &str, got: &str) -> String {
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        if e != g {
            return format!("line {}:\n  expected: {e:?}\n  got:      {g:?}", i + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, got {}",
        expected.lines().count(),
        got.lines().count()
    )
}

#[test]
fn listings_match_luac() {
    let dir = case_dir();
    let live = have("luac5.1");
    let bless = blessing();
    assert!(!bless || live, "BLESS=1 needs luac5.1 on PATH");
    let cases = cases_in(&dir);
    assert!(cases.len() >= 100, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let golden_path = case.with_extension("luac");
        if bless {
            fs::write(&golden_path, reference_listing(case, true)).expect("write golden");
        }
        let golden = fs::read_to_string(&golden_path)
            .unwrap_or_else(|_| panic!("missing golden {}", golden_path.display()));
        let (ours, ours_short) = match our_listings(case) {
            Ok(listings) => listings,
            Err(e) => {
                failures.push(format!("{}: does not compile: {e}", file_name(case)));
                continue;
            }
        };
        if ours != golden {
            failures.push(format!(
                "{}: differs from golden, {}",
                file_name(case),
                first_difference(&golden, &ours)
            ));
        }
        let golden_short = short_listing(&golden);
        if ours_short != golden_short {
            failures.push(format!(
                "{}: short listing differs, {}",
                file_name(case),
                first_difference(&golden_short, &ours_short)
            ));
        }
        if live {
            let reference = reference_listing(case, true);
            if ours != reference {
                failures.push(format!(
                    "{}: differs from live luac5.1 -l -l, {}",
                    file_name(case),
                    first_difference(&reference, &ours)
                ));
            }
            let reference = reference_listing(case, false);
            if ours_short != reference {
                failures.push(format!(
                    "{}: differs from live luac5.1 -l, {}",
                    file_name(case),
                    first_difference(&reference, &ours_short)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn syntax_errors_match_lua() {
    let dir = case_dir().join("errors");
    let live = have("luac5.1") && have("lua5.1");
    let bless = blessing();
    assert!(!bless || live, "BLESS=1 needs luac5.1 and lua5.1 on PATH");
    let cases = cases_in(&dir);
    assert!(cases.len() >= 50, "only {} error cases found", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let luac_golden = case.with_extension("luac.err");
        let load_golden = case.with_extension("load.err");
        if bless {
            fs::write(&luac_golden, reference_luac_error(case)).expect("write golden");
            fs::write(&load_golden, reference_loadstring_error(case)).expect("write golden");
        }
        let source = fs::read(case).expect("read case");
        let name = file_name(case);

        let chunkname = format!("@{name}");
        let ours = match compile(&source, chunkname.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(e) => e.message,
        };
        let expected = fs::read(&luac_golden)
            .unwrap_or_else(|_| panic!("missing golden {}", luac_golden.display()));
        if ours != expected {
            failures.push(format!(
                "{name} (file): expected {:?}, got {:?}",
                show(&expected),
                show(&ours)
            ));
        }
        if live && ours != reference_luac_error(case) {
            failures.push(format!("{name} (file): differs from live luac5.1"));
        }

        let ours = match compile_at_depth(&source, &source, 2) {
            Ok(_) => Vec::new(),
            Err(e) => e.message,
        };
        let expected = fs::read(&load_golden)
            .unwrap_or_else(|_| panic!("missing golden {}", load_golden.display()));
        if ours != expected {
            failures.push(format!(
                "{name} (loadstring): expected {:?}, got {:?}",
                show(&expected),
                show(&ours)
            ));
        }
        if live && ours != reference_loadstring_error(case) {
            failures.push(format!("{name} (loadstring): differs from live lua5.1"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn address_normalization_renumbers_by_first_mention() {
    let listing = "\nmain <x.lua:0,0> (2 instructions, 8 bytes at 0x55aa)\n\
                   \t1\t[1]\tCLOSURE  \t0 0\t; 0x77bb\n\
                   constants (0) for 0x55aa:\n\
                   \nfunction <x.lua:1,1> (1 instruction, 4 bytes at 0x77bb)\n";
    let expected = "\nmain <x.lua:0,0> (2 instructions, 8 bytes at 0x1)\n\
                    \t1\t[1]\tCLOSURE  \t0 0\t; 0x2\n\
                    constants (0) for 0x1:\n\
                    \nfunction <x.lua:1,1> (1 instruction, 4 bytes at 0x2)\n";
    assert_eq!(normalize_addresses(listing), expected);
}
