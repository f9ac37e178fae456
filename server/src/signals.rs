//! Shutdown signals, handled as redis-server handles them: SIGTERM or SIGINT asks for a
//! shutdown, which the periodic task carries out (so `DEBUG PAUSE-CRON` holds it and
//! `SHUTDOWN ABORT` can cancel it); a second SIGINT while one is pending (a final save taking
//! long, say) exits at once, removing the save's temporary file.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The signal that asked for a shutdown not yet carried out (0: none). A test's server handle
/// asks with SIGTERM's number.
pub type ShutdownRequest = Arc<AtomicUsize>;

pub fn new_request() -> ShutdownRequest {
    Arc::new(AtomicUsize::new(0))
}

/// Install the handlers for the process (the `luredis` binary).
pub fn install(request: &ShutdownRequest) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    // A SIGINT arriving while a shutdown is already asked for: exit now. Registered before
    // the handler that records the request, so it sees the request as it was.
    let pending = request.clone();
    let temp_file = std::ffi::CString::new(format!("temp-{}.rdb", std::process::id()))
        .map_err(std::io::Error::other)?;
    let insist = move || {
        if pending.load(Ordering::SeqCst) != 0 {
            // SAFETY: `unlink` and `_exit` are async-signal-safe; the path is a C string
            // made before the handler was installed and owned by it for the process's life
            // (the save's temporary file is named relative to the working directory, which
            // is where the save writes it).
            unsafe {
                libc::unlink(temp_file.as_ptr());
                libc::_exit(1);
            }
        }
    };
    // SAFETY: the handler only loads an atomic and makes async-signal-safe calls (above).
    unsafe { signal_hook::low_level::register(SIGINT, insist) }?;
    for signal in [SIGTERM, SIGINT] {
        signal_hook::flag::register_usize(signal, request.clone(), signal as usize)?;
    }
    Ok(())
}

/// The pending request, if any: Redis's log line announcing it.
pub fn announcement(signal: usize) -> &'static str {
    match signal as i32 {
        signal_hook::consts::SIGINT => "Received SIGINT scheduling shutdown...",
        signal_hook::consts::SIGTERM => "Received SIGTERM scheduling shutdown...",
        _ => "Received shutdown signal, scheduling shutdown...",
    }
}
