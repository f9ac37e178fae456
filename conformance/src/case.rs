//! Discovery of the cases under `cases/<area>/`.
//!
//! A case is named by its file stem. Its inputs sit next to it:
//! - `<case>.lua`: the script; by default run as `lua <case>.lua`;
//! - `<case>.args`: optional; one command-line argument per line, replacing
//!   the default (so `-e`, `-` and extra script arguments can be tested). A
//!   case may consist of an `.args` file alone;
//! - `<case>.stdin`: optional; fed to standard input (otherwise it is empty).

use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// One script (or command line) to run, with everything needed to run it.
#[derive(Clone, Debug)]
pub struct Case {
    /// `area/name`, as written in reports and in `ignore.txt`.
    pub id: String,
    /// The directory the case lives in; it is the working directory of the run.
    pub dir: PathBuf,
    /// The file stem shared by the case's files.
    pub name: String,
    /// Arguments after `argv[0]`.
    pub args: Vec<OsString>,
    /// File to connect to standard input, if any.
    pub stdin: Option<PathBuf>,
}

impl Case {
    /// Path of one of the case's sibling files, e.g. `extension = "stdout"`.
    pub fn sibling(&self, extension: &str) -> PathBuf {
        self.dir.join(format!("{}.{extension}", self.name))
    }
}

/// Every case under `root`, sorted by id. Files directly in `root` or in
/// deeper directories are reported as errors rather than silently skipped.
pub fn discover(root: &Path) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for area_dir in sorted_entries(root)? {
        if !area_dir.is_dir() {
            return Err(format!(
                "{}: cases must live in an area directory",
                area_dir.display()
            ));
        }
        let area = file_name(&area_dir)?;
        let mut stems: Vec<String> = Vec::new();
        for path in sorted_entries(&area_dir)? {
            if path.is_dir() {
                return Err(format!(
                    "{}: nested directories are not cases",
                    path.display()
                ));
            }
            let is_case_file = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("lua") | Some("args")
            );
            if !is_case_file {
                continue;
            }
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| format!("{}: file name is not UTF-8", path.display()))?
                .to_string();
            if !stems.contains(&stem) {
                stems.push(stem);
            }
        }
        for name in stems {
            cases.push(load_case(&area_dir, &area, name)?);
        }
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(cases)
}

fn load_case(dir: &Path, area: &str, name: String) -> Result<Case, String> {
    let args_path = dir.join(format!("{name}.args"));
    let args = if args_path.exists() {
        let bytes = fs::read(&args_path).map_err(|e| format!("{}: {e}", args_path.display()))?;
        parse_args(&bytes)
    } else {
        vec![OsString::from(format!("{name}.lua"))]
    };
    let stdin_path = dir.join(format!("{name}.stdin"));
    Ok(Case {
        id: format!("{area}/{name}"),
        dir: dir.to_path_buf(),
        stdin: stdin_path.exists().then_some(stdin_path),
        name,
        args,
    })
}

/// One argument per line; the final newline is optional and an empty file
/// means no arguments at all. Lines are taken byte for byte (no trimming), so
/// an empty line is an empty argument.
fn parse_args(bytes: &[u8]) -> Vec<OsString> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == b'\n')
        .map(|line| OsString::from_vec(line.to_vec()))
        .collect()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let reader = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in reader {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        paths.push(entry.path());
    }
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|s| s.to_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{}: name is not UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::parse_args;
    use std::ffi::OsString;

    #[test]
    fn args_are_one_per_line() {
        assert_eq!(parse_args(b""), Vec::<OsString>::new());
        assert_eq!(parse_args(b"-e\nprint(1)\n"), vec!["-e", "print(1)"]);
        assert_eq!(parse_args(b"a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(parse_args(b"\n"), vec![""]);
    }
}
