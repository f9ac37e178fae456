//! Running one script once under one interpreter: wall time, peak memory and output.

use crate::child_wait::wait_with_limit;
use crate::interpreters::Interpreter;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Output beyond this is drained and dropped: a runaway script must not exhaust our memory.
const OUTPUT_CAP: u64 = 1 << 20;

/// What one run produced.
pub(crate) struct Run {
    /// From just before the spawn to the moment the exit was observed.
    pub(crate) wall: Duration,
    /// User plus system CPU time, where the platform reports it.
    pub(crate) cpu: Option<Duration>,
    pub(crate) max_rss_kib: Option<u64>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) ending: Ending,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Success,
    ExitCode(i32),
    Signal(i32),
    TimedOut,
}

/// Runs `script` under `interpreter` with no input, killing it after `limit`.
pub(crate) fn run_script(
    interpreter: &Interpreter,
    script: &Path,
    limit: Duration,
) -> io::Result<Run> {
    let mut command = Command::new(&interpreter.program);
    command
        .args(&interpreter.leading_args)
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let start = Instant::now();
    let mut child = command.spawn()?;
    let stdout = child.stdout.take().map(drain_in_background);
    let stderr = child.stderr.take().map(drain_in_background);
    let ended = wait_with_limit(child, limit)?;
    let wall = ended.at.duration_since(start);

    let collect = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    let ending = if ended.timed_out {
        Ending::TimedOut
    } else {
        ending_of(ended.status)
    };
    Ok(Run {
        wall,
        cpu: ended.cpu,
        max_rss_kib: ended.max_rss_kib,
        stdout: collect(stdout),
        stderr: collect(stderr),
        ending,
    })
}

/// Reads a pipe to its end on its own thread, so a chatty child never blocks on a full pipe.
/// The end comes when every holder of the pipe has exited: a wrapper script passed as `--lua`
/// that leaves a grandchild running (a timeout kills only the wrapper) is waited for here.
fn drain_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(OUTPUT_CAP).read_to_end(&mut kept);
        let _ = io::copy(&mut pipe, &mut io::sink());
        kept
    })
}

fn ending_of(status: std::process::ExitStatus) -> Ending {
    if status.success() {
        return Ending::Success;
    }
    if let Some(code) = status.code() {
        return Ending::ExitCode(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ending::Signal(signal);
        }
    }
    Ending::ExitCode(-1)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn shell() -> Interpreter {
        Interpreter {
            program: PathBuf::from("/bin/sh"),
            leading_args: vec!["-c".to_string()],
        }
    }

    // With `sh -c`, the "script path" argument is the shell command itself.
    fn run_shell(command: &str, limit: Duration) -> Run {
        match run_script(&shell(), Path::new(command), limit) {
            Ok(run) => run,
            Err(err) => panic!("cannot run /bin/sh: {err}"),
        }
    }

    #[test]
    fn captures_output_and_success() {
        let run = run_shell("echo hello; echo oops >&2", Duration::from_secs(10));
        assert_eq!(run.ending, Ending::Success);
        assert_eq!(run.stdout, b"hello\n");
        assert_eq!(run.stderr, b"oops\n");
        assert!(run.wall < Duration::from_secs(10));
        #[cfg(target_os = "linux")]
        assert!(run.cpu.is_some_and(|cpu| cpu < Duration::from_secs(10)));
    }

    #[test]
    fn reports_exit_codes_and_signals() {
        assert_eq!(
            run_shell("exit 3", Duration::from_secs(10)).ending,
            Ending::ExitCode(3)
        );
        assert_eq!(
            run_shell("kill -9 $$", Duration::from_secs(10)).ending,
            Ending::Signal(9)
        );
    }

    #[test]
    fn kills_a_run_past_its_limit() {
        let run = run_shell("exec sleep 5", Duration::from_millis(200));
        assert_eq!(run.ending, Ending::TimedOut);
        assert!(run.wall < Duration::from_secs(4));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reports_peak_memory_of_this_child_only() {
        let small = run_shell("true", Duration::from_secs(10))
            .max_rss_kib
            .unwrap_or(0);
        assert!(small > 0);
        // A shell holding a 64 MiB string peaks well above an idle one.
        let big = "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}";
        let peak = run_shell(big, Duration::from_secs(30))
            .max_rss_kib
            .unwrap_or(0);
        assert!(peak > 60 * 1024, "peak {peak} KiB");
        let after = run_shell("true", Duration::from_secs(10))
            .max_rss_kib
            .unwrap_or(0);
        assert!(after < 60 * 1024, "idle shell reported {after} KiB");
    }
}
