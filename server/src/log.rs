//! The server log, in Redis's line format (`pid:M 03 Dec 2026 08:28:42.123 * message`), so
//! tools and test harnesses that read redis-server's log read ours.

use std::io::Write;

/// Levels, as `loglevel` names them: debug, verbose, notice, warning.
pub const VERBOSE: u8 = 1;
pub const NOTICE: u8 = 2;
pub const WARNING: u8 = 3;

/// Append `text` as it is to the log: standard output when `logfile` is empty.
pub fn write_raw(logfile: &str, text: &str) {
    if logfile.is_empty() {
        let _ = std::io::stdout().write_all(text.as_bytes());
    } else if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logfile)
    {
        let _ = file.write_all(text.as_bytes());
    }
}

/// Write one line at `level` (0 debug ... 3 warning) when `loglevel` lets it through, as a
/// primary's.
pub fn write(logfile: &str, loglevel: u8, level: u8, message: &str) {
    write_as('M', logfile, loglevel, level, message);
}

/// [`write`] for a server in `role`: `M` a primary, `S` a replica.
pub fn write_as(role: char, logfile: &str, loglevel: u8, level: u8, message: &str) {
    if level < loglevel {
        return;
    }
    let mark = [b'.', b'-', b'*', b'#'][usize::from(level.min(WARNING))] as char;
    let line = format!(
        "{}:{role} {} {} {}\n",
        std::process::id(),
        crate::util::log_timestamp(),
        mark,
        message
    );
    write_raw(logfile, &line);
}

/// The banner shown at start when `always-show-logo` is on or the log is a terminal; where
/// it is not, one line says the same. Test harnesses find the server's pid in either.
pub fn startup_banner(port: u16, show: bool) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let redis = redis_runtime::REDIS_VERSION;
    let pid = std::process::id();
    if !show {
        return format!("Running mode=standalone, port={port}.");
    }
    let pad = " ".repeat(16);
    format!(
        "\n{pad}luredis {version} (Redis {redis} compatible) 64 bit\n{pad}Running in standalone mode\n{pad}Port: {port}\n{pad}PID: {pid}\n\n"
    )
}
