//! A child process for background snapshots (`BGSAVE`), as Redis makes one: `fork` gives the
//! child a copy-on-write image of the whole keyspace at that instant, so it can write a
//! consistent snapshot while the parent keeps serving and changing its own copy.
//!
//! With [`daemonize`], the server's process-level unsafe code (the listeners' socket options
//! and the signal handlers are the rest), kept here.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

/// A running child.
#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
}

impl Child {
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The child's exit: `None` while it runs, `Some(true)` for status 0.
    pub fn try_wait(&self) -> Option<bool> {
        self.try_end().map(|end| end == Ended::Success)
    }

    /// How the child ended, `None` while it runs.
    pub fn try_end(&self) -> Option<Ended> {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid only writes the status integer we own; WNOHANG makes it return at
        // once. The pid is our own child's, not yet reaped (reaping happens only here).
        let reaped = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        match reaped {
            0 => None,
            r if r == self.pid && libc::WIFSIGNALED(status) => {
                Some(Ended::Signal(libc::WTERMSIG(status)))
            }
            r if r == self.pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 => {
                Some(Ended::Success)
            }
            // A failure status, or an error (the child is gone some other way).
            _ => Some(Ended::Error),
        }
    }

    /// Stop the child and reap it (a snapshot made pointless by a flush or shutdown).
    pub fn kill(self) {
        // SAFETY: signalling and reaping our own unreaped child; the status is a local.
        unsafe {
            libc::kill(self.pid, libc::SIGUSR1);
            let mut status: libc::c_int = 0;
            libc::waitpid(self.pid, &mut status, 0);
        }
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Exit status 0.
    Success,
    /// Another exit status.
    Error,
    /// Killed by this signal.
    Signal(i32),
}

/// Children started (`total_forks`, reset by `CONFIG RESETSTAT`) and how long the last
/// `fork` took (`latest_fork_usec`).
static FORKS: AtomicU64 = AtomicU64::new(0);
static LATEST_FORK_USEC: AtomicU64 = AtomicU64::new(0);

/// `(total_forks, latest_fork_usec)`.
pub fn stats() -> (u64, u64) {
    (
        FORKS.load(Ordering::Relaxed),
        LATEST_FORK_USEC.load(Ordering::Relaxed),
    )
}

pub fn reset_stats() {
    FORKS.store(0, Ordering::Relaxed);
}

/// Run `work` in a child process, which exits with status 0 when it returns true and 1
/// otherwise; the parent gets the child back at once.
///
/// The child first closes `inherited` (the server's listening sockets: a child outliving a
/// killed parent must not keep its port; the parent's ends of pipes it shares), then runs only `work` and `_exit`s: no
/// destructors, no buffered output of the parent flushed twice, no return into the event
/// loop.
pub fn spawn(inherited: &[RawFd], work: impl FnOnce() -> bool) -> io::Result<Child> {
    let started = std::time::Instant::now();
    // SAFETY: fork has no memory-safety preconditions of its own. In the child only this
    // thread exists; the work it runs allocates (glibc's malloc re-initialises its locks in
    // the child) and writes a file, and never touches the parent's other threads' state.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            for &fd in inherited {
                // SAFETY: the descriptors are the parent's, copied into this process by
                // fork; nothing in the child uses them (their owners are never dropped
                // here: the child ends in _exit).
                unsafe { libc::close(fd) };
            }
            let ok = work();
            exit_child(if ok { 0 } else { 1 })
        }
        pid => {
            FORKS.fetch_add(1, Ordering::Relaxed);
            LATEST_FORK_USEC.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            Ok(Child { pid })
        }
    }
}

/// End this process, a forked child, at once with `code` (nothing of the parent's is run or
/// flushed).
fn exit_child(code: i32) -> ! {
    // SAFETY: _exit has no preconditions; it ends the process without running anything.
    unsafe { libc::_exit(code) }
}

/// `daemonize yes`: continue in a child detached from the terminal (its own session, the
/// standard streams on /dev/null), the parent exiting at once, as Redis's `daemonize()` does.
/// Called before any other thread exists.
pub fn daemonize() -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    // SAFETY: the process has one thread here, so the child is a complete copy; the parent
    // only exits (without running anything of its own), the child only makes a new session.
    match unsafe { libc::fork() } {
        -1 => return Err(io::Error::last_os_error()),
        0 => {}
        // SAFETY: _exit ends the parent without flushing or running destructors twice.
        _ => unsafe { libc::_exit(0) },
    }
    // SAFETY: setsid and dup2 act on this process and on descriptors it owns (`null` stays
    // open until after the dup2 calls; 0, 1 and 2 are the standard streams).
    unsafe {
        libc::setsid();
        for target in 0..=2 {
            libc::dup2(null.as_raw_fd(), target);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_reports_its_result() {
        for expected in [true, false] {
            let child = spawn(&[], move || expected).expect("fork");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let result = loop {
                if let Some(r) = child.try_wait() {
                    break r;
                }
                assert!(std::time::Instant::now() < deadline, "child never ended");
                std::thread::sleep(std::time::Duration::from_millis(5));
            };
            assert_eq!(result, expected);
        }
    }

    #[test]
    fn a_child_killed_by_a_signal_reports_it() {
        let child = spawn(&[], || {
            std::thread::sleep(std::time::Duration::from_secs(30));
            true
        })
        .expect("fork");
        let killed = std::process::Command::new("kill")
            .args(["-9", &child.pid().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let end = loop {
            if let Some(end) = child.try_end() {
                break end;
            }
            assert!(std::time::Instant::now() < deadline, "child never ended");
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert_eq!(end, Ended::Signal(9));
    }

    #[test]
    fn a_killed_child_is_reaped() {
        let child = spawn(&[], || {
            std::thread::sleep(std::time::Duration::from_secs(30));
            true
        })
        .expect("fork");
        child.kill();
    }
}
