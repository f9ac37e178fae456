//! Finding the two interpreters: ours and the reference.

use std::env;
use std::path::{Path, PathBuf};

/// The reference interpreter's command name.
pub const REFERENCE_NAME: &str = "lua5.1";

/// Our `lua` binary: `LUA_UNDER_TEST` if set, else `<target>/<profile>/lua`
/// next to the test executable (which runs from `<target>/<profile>/deps/`).
pub fn lua_under_test() -> Result<PathBuf, String> {
    if let Some(path) = env::var_os("LUA_UNDER_TEST") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("LUA_UNDER_TEST={} does not exist", path.display()))
        };
    }
    let exe = env::current_exe().map_err(|e| format!("cannot locate the test binary: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))?;
    let lua = profile_dir.join("lua");
    if lua.is_file() {
        Ok(lua)
    } else {
        Err(format!(
            "the interpreter under test is missing at {}; build it first with \
             `cargo build -p lua-core --bin lua` (same profile and target dir as the tests), \
             or point LUA_UNDER_TEST at a binary",
            lua.display()
        ))
    }
}

/// The reference: `LUA_REFERENCE` if set, else `lua5.1` found on `PATH`.
pub fn reference_lua() -> Option<PathBuf> {
    match env::var_os("LUA_REFERENCE") {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => find_on_path(REFERENCE_NAME),
    }
}

/// The first executable file called `name` in a directory of `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
