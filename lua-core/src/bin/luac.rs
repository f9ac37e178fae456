//! The `luac` compiler: `luac [options] [filenames]`, as `luac5.1`.

fn main() {
    #[cfg(unix)]
    let args: Vec<Vec<u8>> = {
        use std::os::unix::ffi::OsStringExt;
        std::env::args_os().map(|a| a.into_vec()).collect()
    };
    #[cfg(not(unix))]
    let args: Vec<Vec<u8>> = std::env::args().map(|a| a.into_bytes()).collect();
    std::process::exit(lua_core::luac::run(args));
}
