//! Differential conformance: every script under `cases/` must make our `lua`
//! print exactly what the reference `lua5.1` printed (stdout, stderr, exit
//! status), as recorded in the goldens next to each script.
//!
//! Environment:
//! - `CONFORMANCE_BLESS=1`: first re-record every golden from `lua5.1`;
//! - `CONFORMANCE_FILTER=text`: only cases whose id contains `text`;
//! - `LUA_UNDER_TEST=/path/to/lua`: the binary to judge (default: the `lua`
//!   built in this target directory and profile);
//! - `LUA_REFERENCE=/path/to/lua5.1`: the reference (default: from `PATH`);
//! - `CONFORMANCE_TIMEOUT_SECS=n`: per-run time limit (default 20).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use conformance::{
    bless_all, compare, discover, lua_under_test, map_parallel, parse_ignore_list, read_golden,
    reference_lua, run_case, timeout_from_env, Case, IgnoreList, REFERENCE_NAME,
};

fn suite_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The selected cases, blessed first when asked. Both tests call this; the
/// `OnceLock` makes the second wait until blessing is finished, so neither
/// reads a golden while it is being written.
fn prepared_cases() -> &'static [Case] {
    static PREPARED: OnceLock<Result<Vec<Case>, String>> = OnceLock::new();
    let prepared = PREPARED.get_or_init(|| {
        let mut cases = discover(&suite_root().join("cases"))?;
        if let Ok(filter) = std::env::var("CONFORMANCE_FILTER") {
            cases.retain(|case| case.id.contains(filter.as_str()));
        }
        if env_flag("CONFORMANCE_BLESS") {
            let reference = reference_lua()
                .ok_or_else(|| format!("CONFORMANCE_BLESS needs {REFERENCE_NAME} on PATH"))?;
            let summary = bless_all(&reference, &cases, timeout_from_env())?;
            println!(
                "blessed {} cases with {}: {} changed, {} orphaned goldens removed",
                cases.len(),
                reference.display(),
                summary.changed.len(),
                summary.removed_orphans.len()
            );
            for id in &summary.changed {
                println!("    changed: {id}");
            }
        }
        Ok(cases)
    });
    match prepared {
        Ok(cases) => cases,
        Err(message) => panic!("conformance setup failed:\n{message}"),
    }
}

/// Held while a test runs cases, so the two tests (which libtest runs
/// concurrently) do not together exceed two processes at a time.
fn exclusive_runner() -> MutexGuard<'static, ()> {
    static RUNNER: Mutex<()> = Mutex::new(());
    RUNNER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn load_ignore_list() -> IgnoreList {
    let path = suite_root().join("ignore.txt");
    let text = fs::read_to_string(&path).unwrap_or_default();
    match parse_ignore_list(&text) {
        Ok(list) => list,
        Err(errors) => panic!("malformed {}:\n{}", path.display(), errors.join("\n")),
    }
}

/// Runs `program` on `case` and returns the differences from the golden
/// (empty when it matches). Harness errors count as differences.
fn judge(program: &Path, case: &Case) -> Vec<String> {
    let golden = match read_golden(case) {
        Ok(golden) => golden,
        Err(e) => return vec![e],
    };
    match run_case(program, case, timeout_from_env()) {
        Ok(actual) => compare(&golden, &actual)
            .map(|m| m.details)
            .unwrap_or_default(),
        Err(e) => vec![e],
    }
}

fn write_failure(report: &mut String, id: &str, details: &[String]) {
    let _ = writeln!(report, "FAILED {id}");
    for line in details {
        let _ = writeln!(report, "    {line}");
    }
}

#[test]
fn cases_match_goldens_under_our_lua() {
    let cases = prepared_cases();
    let lua = lua_under_test().unwrap_or_else(|message| panic!("{message}"));
    let ignore = load_ignore_list();
    let verdicts = {
        let _runner = exclusive_runner();
        map_parallel(cases, |case| judge(&lua, case))
    };

    let mut report = String::new();
    let (mut passed, mut failed, mut expected_failures) = (0, 0, 0);
    let mut passing_but_ignored = Vec::new();
    for (case, details) in cases.iter().zip(&verdicts) {
        match (details.is_empty(), ignore.reason(&case.id)) {
            (true, None) => passed += 1,
            (true, Some(_)) => passing_but_ignored.push(case.id.as_str()),
            (false, Some(_)) => expected_failures += 1,
            (false, None) => {
                failed += 1;
                write_failure(&mut report, &case.id, details);
            }
        }
    }
    // Entries naming no case can only be judged when every case was run.
    let stale: Vec<&String> = if std::env::var_os("CONFORMANCE_FILTER").is_none() {
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        ignore
            .entries
            .keys()
            .filter(|id| !ids.contains(&id.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    if !passing_but_ignored.is_empty() {
        let _ = writeln!(
            report,
            "PASSING BUT IGNORED (remove them from conformance/ignore.txt):"
        );
        for id in &passing_but_ignored {
            let _ = writeln!(report, "    {id}");
        }
    }
    if !stale.is_empty() {
        let _ = writeln!(report, "IGNORE ENTRIES NAMING NO CASE (remove them):");
        for id in &stale {
            let _ = writeln!(report, "    {id}");
        }
    }
    let summary = format!(
        "{} cases under {}: {passed} passed, {failed} failed, {expected_failures} ignored \
         (failing as expected), {} ignored but passing",
        cases.len(),
        lua.display(),
        passing_but_ignored.len()
    );
    println!("{summary}");
    if failed > 0 || !passing_but_ignored.is_empty() || !stale.is_empty() {
        panic!("\n{report}\n{summary}");
    }
}

#[test]
fn goldens_match_live_reference() {
    let Some(reference) = reference_lua() else {
        println!("skipped: {REFERENCE_NAME} is not on PATH, goldens not re-checked");
        return;
    };
    let cases = prepared_cases();
    let verdicts = {
        let _runner = exclusive_runner();
        map_parallel(cases, |case| judge(&reference, case))
    };
    let mut report = String::new();
    let mut stale = 0;
    for (case, details) in cases.iter().zip(&verdicts) {
        if !details.is_empty() {
            stale += 1;
            write_failure(&mut report, &case.id, details);
        }
    }
    let summary = format!(
        "{} cases under {}: {stale} differ from their goldens",
        cases.len(),
        reference.display()
    );
    println!("{summary}");
    if stale > 0 {
        panic!(
            "\n{report}\n{summary}\nre-record them with CONFORMANCE_BLESS=1 cargo test -p conformance"
        );
    }
}
