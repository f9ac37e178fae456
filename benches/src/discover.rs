//! Finding the benchmark scripts: every `<group>/<name>.lua` under the scripts folder, so a
//! new benchmark is added by dropping a file in place.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One benchmark program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Script {
    /// `group/name`, as shown in the tables and matched by filters.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
}

/// All scripts one level below `root`, sorted by name so that runs and tables are stable.
pub(crate) fn find_scripts(root: &Path) -> io::Result<Vec<Script>> {
    let mut scripts = Vec::new();
    for group in fs::read_dir(root)? {
        let group = group?.path();
        if !group.is_dir() {
            continue;
        }
        let Some(group_name) = file_name(&group) else {
            continue;
        };
        for file in fs::read_dir(&group)? {
            let path = file?.path();
            if !path.is_file() || path.extension().is_none_or(|ext| ext != "lua") {
                continue;
            }
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let name = format!("{group_name}/{stem}");
            scripts.push(Script { name, path });
        }
    }
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(scripts)
}

fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

/// Keeps the scripts whose name contains any of `filters` (all of them when there is none).
pub(crate) fn select(scripts: Vec<Script>, filters: &[String]) -> Vec<Script> {
    if filters.is_empty() {
        return scripts;
    }
    scripts
        .into_iter()
        .filter(|s| filters.iter().any(|f| s.name.contains(f.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_scripts() -> Vec<Script> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
        find_scripts(&root).unwrap_or_default()
    }

    #[test]
    fn finds_the_shipped_scripts_in_name_order() {
        let scripts = shipped_scripts();
        let names: Vec<&str> = scripts.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"calls/fib"));
        assert!(names.contains(&"classic/nbody"));
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(scripts
            .iter()
            .all(|s| s.path.extension().is_some_and(|e| e == "lua")));
    }

    #[test]
    fn filters_match_substrings_of_the_name() {
        let picked = select(shipped_scripts(), &["fib".to_string(), "sort_".to_string()]);
        let names: Vec<&str> = picked.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["calls/fib", "sort/sort_comparator", "sort/sort_default"]
        );
        assert_eq!(
            select(shipped_scripts(), &[]).len(),
            shipped_scripts().len()
        );
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        assert!(find_scripts(Path::new("/nonexistent/scripts")).is_err());
    }
}
