//! Waiting for a benchmark process with a time limit, noting when it ended and how much
//! memory it used at most.

use std::io;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How a child process ended.
pub(crate) struct Ended {
    pub(crate) status: ExitStatus,
    /// Taken as soon as the exit is observed, before any bookkeeping.
    pub(crate) at: Instant,
    /// Whether we killed it for running past the limit.
    pub(crate) timed_out: bool,
    /// Peak resident set size, where the platform reports it.
    pub(crate) max_rss_kib: Option<u64>,
    /// User plus system CPU time, where the platform reports it.
    pub(crate) cpu: Option<Duration>,
}

/// Waits for `child` to exit, killing it once `limit` has passed.
#[cfg(target_os = "linux")]
pub(crate) fn wait_with_limit(child: Child, limit: Duration) -> io::Result<Ended> {
    use crate::sys_wait;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::sync::{Arc, Mutex};
    use std::thread;

    let pid = child.id();
    let child = Arc::new(Mutex::new(child));
    let (exited, exited_signal) = mpsc::channel::<()>();
    let watchdog = {
        let child = Arc::clone(&child);
        thread::spawn(move || match exited_signal.recv_timeout(limit) {
            Err(RecvTimeoutError::Timeout) => {
                // The child is not reaped before this thread is joined, so `pid` is still ours.
                if let Ok(mut child) = child.lock() {
                    let _ = child.kill();
                }
                true
            }
            Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
        })
    };

    let waited = sys_wait::wait_exited_unreaped(pid);
    let at = Instant::now();
    let _ = exited.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if let Err(err) = waited {
        // Should not happen for our own child; make sure it does not outlive us.
        if let Ok(mut child) = child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
        return Err(err);
    }
    let (status, usage) = sys_wait::reap(pid)?;
    Ok(Ended {
        status,
        at,
        timed_out,
        max_rss_kib: usage.max_rss_kib,
        cpu: usage.cpu,
    })
}

/// Portable fallback: polls std's `try_wait`; no memory or CPU figures.
#[cfg(not(target_os = "linux"))]
pub(crate) fn wait_with_limit(mut child: Child, limit: Duration) -> io::Result<Ended> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            let at = Instant::now();
            return Ok(Ended {
                status,
                at,
                timed_out: false,
                max_rss_kib: None,
                cpu: None,
            });
        }
        if start.elapsed() > limit {
            child.kill()?;
            let status = child.wait()?;
            let at = Instant::now();
            return Ok(Ended {
                status,
                at,
                timed_out: true,
                max_rss_kib: None,
                cpu: None,
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
