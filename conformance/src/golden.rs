//! Goldens: what the reference produced for a case, stored next to it.
//!
//! - `<case>.stdout`: always present (possibly empty); raw bytes;
//! - `<case>.stderr`: raw bytes, only when non-empty;
//! - `<case>.status`: the exit status in decimal, only when non-zero.
//!
//! Absent optional files mean "empty" and "0", so the common case of a script
//! that prints and exits cleanly needs one file.

use std::fs;
use std::io::ErrorKind;

use crate::case::Case;
use crate::outcome::{Exit, Outcome};

/// The recorded outcome of `case`, or an error saying it was never blessed.
pub fn read_golden(case: &Case) -> Result<Outcome, String> {
    let stdout_path = case.sibling("stdout");
    let stdout = match fs::read(&stdout_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err("no golden recorded (run with CONFORMANCE_BLESS=1)".to_string())
        }
        Err(e) => return Err(format!("{}: {e}", stdout_path.display())),
    };
    let stderr = read_optional(case, "stderr")?.unwrap_or_default();
    let exit = match read_optional(case, "status")? {
        None => Exit::Code(0),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let code = text
                .trim()
                .parse::<i32>()
                .map_err(|_| format!("{}: not an exit status", case.sibling("status").display()))?;
            Exit::Code(code)
        }
    };
    Ok(Outcome {
        stdout,
        stderr,
        exit,
    })
}

/// Records `outcome` as the golden of `case`, removing optional files that
/// no longer apply. Returns whether anything on disk changed.
pub fn write_golden(case: &Case, outcome: &Outcome) -> Result<bool, String> {
    let code = match outcome.exit {
        Exit::Code(code) => code,
        other => {
            return Err(format!(
                "refusing to record a reference run that was {other}"
            ))
        }
    };
    let status_text = (code != 0).then(|| format!("{code}\n").into_bytes());
    let stderr = (!outcome.stderr.is_empty()).then(|| outcome.stderr.clone());
    let mut changed = write_file(case, "stdout", Some(outcome.stdout.clone()))?;
    changed |= write_file(case, "stderr", stderr)?;
    changed |= write_file(case, "status", status_text)?;
    Ok(changed)
}

fn read_optional(case: &Case, extension: &str) -> Result<Option<Vec<u8>>, String> {
    let path = case.sibling(extension);
    match fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes (or, for `None`, deletes) one golden file unless it already holds
/// exactly that content, so blessing an unchanged corpus touches nothing.
fn write_file(case: &Case, extension: &str, content: Option<Vec<u8>>) -> Result<bool, String> {
    let path = case.sibling(extension);
    let current = read_optional(case, extension)?;
    if current == content {
        return Ok(false);
    }
    let result = match content {
        Some(bytes) => fs::write(&path, bytes),
        None => fs::remove_file(&path),
    };
    result.map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}
