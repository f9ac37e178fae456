//! Recording goldens from the reference interpreter.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::case::Case;
use crate::golden::write_golden;
use crate::parallel::map_parallel;
use crate::run::run_case;

/// Extensions of the files `write_golden` produces.
const GOLDEN_EXTENSIONS: [&str; 3] = ["stdout", "stderr", "status"];

/// What a bless run did.
#[derive(Debug, Default)]
pub struct BlessSummary {
    /// Ids of cases whose goldens were created or changed.
    pub changed: Vec<String>,
    /// Golden files deleted because their case no longer exists.
    pub removed_orphans: Vec<PathBuf>,
}

/// Runs `reference` on every case (twice, to catch scripts whose output is
/// not deterministic) and records the outcomes as goldens. Fails without
/// writing anything for a case the reference cannot run cleanly.
pub fn bless_all(
    reference: &Path,
    cases: &[Case],
    timeout: Duration,
) -> Result<BlessSummary, String> {
    let results = map_parallel(cases, |case| -> Result<bool, String> {
        let first = run_case(reference, case, timeout).map_err(|e| format!("{}: {e}", case.id))?;
        let second = run_case(reference, case, timeout).map_err(|e| format!("{}: {e}", case.id))?;
        if first != second {
            return Err(format!(
                "{}: two reference runs differ; the case is not deterministic",
                case.id
            ));
        }
        write_golden(case, &first).map_err(|e| format!("{}: {e}", case.id))
    });
    let mut summary = BlessSummary::default();
    let mut errors = Vec::new();
    for (case, result) in cases.iter().zip(results) {
        match result {
            Ok(true) => summary.changed.push(case.id.clone()),
            Ok(false) => {}
            Err(e) => errors.push(e),
        }
    }
    summary.removed_orphans = remove_orphans(cases)?;
    if errors.is_empty() {
        Ok(summary)
    } else {
        Err(errors.join("\n"))
    }
}

/// Deletes golden files in the cases' directories whose case (a `.lua` or
/// `.args` file with the same stem) no longer exists. Judged from the disk,
/// not from `cases`, so blessing a filtered subset keeps the others' goldens.
fn remove_orphans(cases: &[Case]) -> Result<Vec<PathBuf>, String> {
    let dirs: BTreeSet<&Path> = cases.iter().map(|c| c.dir.as_path()).collect();
    let mut removed = Vec::new();
    for dir in dirs {
        let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let is_golden = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| GOLDEN_EXTENSIONS.contains(&e));
            let has_case = ["lua", "args"]
                .iter()
                .any(|ext| path.with_extension(ext).is_file());
            if is_golden && !has_case {
                fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                removed.push(path);
            }
        }
    }
    Ok(removed)
}
