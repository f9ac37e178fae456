//! The three interpreters compared side by side, and where to find them.

use std::env;
use std::path::{Path, PathBuf};

/// A column of the comparison. `Lua51` is the reference: timings are divided by its, and
/// every other interpreter's output must equal its.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Ours,
    Lua51,
    LuaJit,
}

impl Slot {
    /// Table order, and the order in which each round runs the interpreters.
    pub(crate) const ALL: [Slot; 3] = [Slot::Ours, Slot::Lua51, Slot::LuaJit];

    pub(crate) fn index(self) -> usize {
        match self {
            Slot::Ours => 0,
            Slot::Lua51 => 1,
            Slot::LuaJit => 2,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Slot::Ours => "ours",
            Slot::Lua51 => "lua5.1",
            Slot::LuaJit => "luajit -joff",
        }
    }

    /// Short name for ratio headers (`ours/lua5.1`).
    pub(crate) fn short_label(self) -> &'static str {
        match self {
            Slot::Ours => "ours",
            Slot::Lua51 => "lua5.1",
            Slot::LuaJit => "luajit",
        }
    }
}

/// One interpreter: the program and the arguments that go before the script path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Interpreter {
    pub(crate) program: PathBuf,
    pub(crate) leading_args: Vec<String>,
}

/// The interpreters found, indexed by [`Slot::index`]; `None` shows as `-` in the tables.
pub(crate) type Lineup = [Option<Interpreter>; 3];

/// How the user asked for each interpreter; `None` means "the default".
pub(crate) struct Requested {
    pub(crate) ours: PathBuf,
    pub(crate) lua51: Option<PathBuf>,
    pub(crate) luajit: Option<PathBuf>,
}

/// Resolves the requested interpreters, leaving out those that are not installed.
pub(crate) fn find_lineup(requested: &Requested) -> Lineup {
    let plain = |program: PathBuf| Interpreter {
        program,
        leading_args: Vec::new(),
    };
    let ours = locate(&requested.ours).map(plain);
    let lua51 = locate(requested.lua51.as_deref().unwrap_or(Path::new("lua5.1"))).map(plain);
    // The JIT compiler is switched off: we compare interpreters with interpreters.
    let luajit =
        locate(requested.luajit.as_deref().unwrap_or(Path::new("luajit"))).map(|program| {
            Interpreter {
                program,
                leading_args: vec!["-joff".to_string()],
            }
        });
    [ours, lua51, luajit]
}

/// A bare name (`lua5.1`) is looked up in `PATH`, as a shell would; a path must exist.
fn locate(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return is_executable(program).then(|| program.to_path_buf());
    }
    let path_var = env::var_os("PATH")?;
    env::split_paths(&path_var)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_is_left_out() {
        assert_eq!(locate(Path::new("/nonexistent/dir/lua")), None);
        assert_eq!(locate(Path::new("no-such-interpreter-anywhere")), None);
    }

    #[cfg(unix)]
    #[test]
    fn bare_names_are_searched_in_path() {
        // `sh` is on the PATH of every Unix that can run this test suite.
        let found = locate(Path::new("sh"));
        assert!(found.is_some_and(|p| p.is_absolute() && p.ends_with("sh")));
    }

    #[test]
    fn luajit_runs_with_the_jit_off() {
        let requested = Requested {
            ours: PathBuf::from("/nonexistent/lua"),
            lua51: Some(PathBuf::from("/nonexistent/lua5.1")),
            luajit: Some(PathBuf::from("/nonexistent/luajit")),
        };
        assert_eq!(find_lineup(&requested), [None, None, None]);
        if let [_, _, Some(jit)] = find_lineup(&Requested {
            luajit: None,
            ..requested
        }) {
            assert_eq!(jit.leading_args, ["-joff"]);
        }
    }
}
