//! Crash reports, as redis-server writes them to its log: a fatal signal (SIGSEGV, SIGBUS,
//! SIGFPE, SIGILL, SIGABRT) or a panic (a bug in this server) logs a bug report between
//! Redis's START and END markers (the cause, who sent the signal, the stack trace), then the
//! process ends as the signal would have ended it, so a core is still dumped where enabled.
//! `crash-log-enabled no` leaves the signals alone.
//!
//! The signal handler is the one unsafe part: it runs on a thread the crash interrupted, so
//! what it calls (formatting, the backtrace) may find a lock held; an alarm set first ends
//! the process if the report hangs, as the signal would have.

use std::sync::OnceLock;

/// Where reports go: the `logfile` (standard output when empty), and the pid file a
/// daemonized server removes on its way out.
struct Target {
    logfile: String,
    pidfile: Option<String>,
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// Whether the fatal signals are ours to report.
static SIGNALS_HANDLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The signals that end the process with a report (`setupSigSegvAction`).
const FATAL_SIGNALS: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// Report crashes to `logfile` from now on: panics always, fatal signals when `signals`
/// (`crash-log-enabled`). `pidfile` is removed by a crash when the server daemonized.
pub fn install(logfile: &str, pidfile: Option<String>, signals: bool) {
    let _ = TARGET.set(Target {
        logfile: logfile.to_string(),
        pidfile,
    });
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(&format!("crashed by a panic: {info}"), &[]);
        default_hook(info);
    }));
    if !signals {
        return;
    }
    SIGNALS_HANDLED.store(true, std::sync::atomic::Ordering::SeqCst);
    for signal in FATAL_SIGNALS {
        // SAFETY: `sigaction` is given a zeroed struct (valid for this plain C type) with the
        // handler's address, an emptied mask and flags; the handler has the three-argument
        // signature SA_SIGINFO calls. SA_RESETHAND restores the default action as the
        // handler starts, so raising the signal again ends the process.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_RESETHAND;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_fatal_signal(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: `alarm` is async-signal-safe: if the report hangs (a lock the crash left held),
    // SIGALRM's default action ends the process within five seconds.
    unsafe {
        libc::alarm(5);
    }
    let mut lines = Vec::new();
    let mut headline = format!("crashed by signal: {signal}");
    // SAFETY: the kernel hands SA_SIGINFO handlers a valid `siginfo_t` for the signal being
    // handled; the accessors read the union members the signal's code defines.
    if let Some(info) = unsafe { info.as_ref() } {
        headline += &format!(", si_code: {}", info.si_code);
        if signal == libc::SIGSEGV || signal == libc::SIGBUS {
            lines.push(format!("Accessing address: {:p}", unsafe {
                info.si_addr()
            }));
        }
        if info.si_code == libc::SI_USER {
            let (pid, uid) = unsafe { (info.si_pid(), info.si_uid()) };
            lines.push(format!("Killed by PID: {pid}, UID: {uid}"));
        }
    }
    report(&headline, &lines);
    if let Some(pidfile) = TARGET.get().and_then(|t| t.pidfile.as_deref()) {
        let _ = std::fs::remove_file(pidfile);
    }
    // SAFETY: `raise` is async-signal-safe; SA_RESETHAND has put the default action back, so
    // the process ends by this signal as it would have without a report.
    unsafe {
        libc::raise(signal);
    }
}

/// Write a report whose cause is `headline`, with `lines` after it.
fn report(headline: &str, lines: &[String]) {
    let Some(target) = TARGET.get() else {
        return;
    };
    let log = &target.logfile;
    crate::log::write_raw(
        log,
        "\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n",
    );
    let version = env!("CARGO_PKG_VERSION");
    let warning = crate::log::WARNING;
    crate::log::write(
        log,
        warning,
        warning,
        &format!("luredis {version} {headline}"),
    );
    for line in lines {
        crate::log::write(log, warning, warning, line);
    }
    let trace = std::backtrace::Backtrace::force_capture();
    crate::log::write_raw(log, &format!("\n------ STACK TRACE ------\n{trace}\n"));
    crate::log::write_raw(
        log,
        "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n",
    );
}

/// `DEBUG SEGFAULT`: crash by SIGSEGV, with its report when crash logs are on.
pub fn segfault() {
    let reported = SIGNALS_HANDLED.load(std::sync::atomic::Ordering::SeqCst);
    // SAFETY: plain `signal` and `raise` calls. Without our handler the default action is
    // put back first: the runtime's own SIGSEGV handler (for stack overflows) returns on a
    // raised signal, which would let the process go on.
    unsafe {
        if !reported {
            libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        }
        libc::raise(libc::SIGSEGV);
    }
}

/// `DEBUG PANIC`: Redis's `serverPanic`, a report and then an abort.
pub fn panic_now() -> ! {
    let now = crate::db::now_ms() / 1000;
    let cause = format!("crashed: DEBUG PANIC called at Unix time {now}");
    report(&cause, &[]);
    // SAFETY: putting SIGABRT's default action back (so the abort below is not reported a
    // second time) is a plain `signal` call with a valid disposition.
    unsafe {
        libc::signal(libc::SIGABRT, libc::SIG_DFL);
    }
    std::process::abort()
}
