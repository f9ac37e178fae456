//! The two libc calls std does not offer: waiting for a child without reaping it, and reaping
//! it together with its resource usage.
//!
//! Why not std: `Child::wait` reaps the child and drops what the kernel recorded about it, so
//! its peak memory (max RSS) is lost. `getrusage(RUSAGE_CHILDREN)` does not help either: it
//! reports the largest of all children reaped so far, not the one that just ended. `wait4`
//! returns the `rusage` of exactly the child it reaps.
//!
//! Why two steps: a watchdog thread may kill the child on timeout. Until the child is reaped
//! its pid stays reserved (as a zombie), so `waitid(.., WNOWAIT)` lets us learn that it exited,
//! stop the watchdog, and only then reap it: the watchdog can never signal a recycled pid.
//!
//! The same `rusage` also gives the child's CPU time, which a busy machine disturbs less
//! than wall time.
//!
//! Linux only; elsewhere the runner falls back to std and reports no memory or CPU figures.

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::raw::{c_int, c_long, c_uint};
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;
    use std::time::Duration;

    const P_PID: c_int = 1;
    const WEXITED: c_int = 4;
    const WNOWAIT: c_int = 0x0100_0000;

    /// `siginfo_t`: 128 bytes on every Linux target; we never read it.
    #[repr(C)]
    struct SigInfo {
        _opaque: [u64; 16],
    }

    /// `struct timeval` as glibc and musl lay it out on 64-bit Linux.
    #[repr(C)]
    struct TimeVal {
        seconds: c_long,
        microseconds: c_long,
    }

    impl TimeVal {
        fn to_duration(&self) -> Option<Duration> {
            let seconds = u64::try_from(self.seconds).ok()?;
            let micros = u32::try_from(self.microseconds).ok()?;
            Some(Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros)))
        }
    }

    /// `struct rusage`: two `timeval`s, then fourteen `long`s of which only the first
    /// (`ru_maxrss`, in KiB on Linux) is read here.
    #[repr(C)]
    struct RUsage {
        user_time: TimeVal,
        system_time: TimeVal,
        max_rss_kib: c_long,
        _rest: [c_long; 13],
    }

    /// What the kernel recorded about a reaped child.
    pub(crate) struct Usage {
        pub(crate) max_rss_kib: Option<u64>,
        /// User plus system CPU time.
        pub(crate) cpu: Option<Duration>,
    }

    extern "C" {
        fn waitid(idtype: c_int, id: c_uint, info: *mut SigInfo, options: c_int) -> c_int;
        fn wait4(pid: c_int, status: *mut c_int, options: c_int, usage: *mut RUsage) -> c_int;
    }

    /// Blocks until child `pid` has exited, leaving it unreaped.
    pub(crate) fn wait_exited_unreaped(pid: u32) -> io::Result<()> {
        let mut info = SigInfo { _opaque: [0; 16] };
        loop {
            // SAFETY: `info` is a live, writable buffer of the size the kernel writes.
            let rc = unsafe { waitid(P_PID, pid, &mut info, WEXITED | WNOWAIT) };
            if rc == 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// Reaps child `pid` (which must have exited) and returns its status and resource usage.
    pub(crate) fn reap(pid: u32) -> io::Result<(ExitStatus, Usage)> {
        let pid = c_int::try_from(pid).map_err(|_| io::Error::other("pid out of range"))?;
        let mut status: c_int = 0;
        let mut usage = RUsage {
            user_time: TimeVal {
                seconds: 0,
                microseconds: 0,
            },
            system_time: TimeVal {
                seconds: 0,
                microseconds: 0,
            },
            max_rss_kib: 0,
            _rest: [0; 13],
        };
        loop {
            // SAFETY: both out-pointers refer to live locals of the layout the call expects.
            let rc = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if rc == pid {
                let cpu = usage
                    .user_time
                    .to_duration()
                    .zip(usage.system_time.to_duration());
                let usage = Usage {
                    max_rss_kib: u64::try_from(usage.max_rss_kib).ok(),
                    cpu: cpu.map(|(user, system)| user + system),
                };
                return Ok((ExitStatus::from_raw(status), usage));
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

#[cfg(target_os = "linux")]
pub(crate) use linux::{reap, wait_exited_unreaped};
