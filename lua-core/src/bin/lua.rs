//! `lua`: the standalone interpreter, used like lua5.1.
//!
//! ```text
//! lua [options] [script [args]]
//!   -e stat  execute string 'stat'
//!   -l name  require library 'name'
//!   -i       enter interactive mode after executing 'script'
//!   -v       show version information
//!   --       stop handling options
//!   -        execute stdin and stop handling options
//! ```

fn main() {
    let args: Vec<Vec<u8>> = std::env::args_os().map(os_bytes).collect();
    let code = lua_core::cli::run(args);
    std::process::exit(code);
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}
