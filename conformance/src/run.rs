//! Running one case under one interpreter, with a time limit.

use std::fs::File;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::outcome::{Exit, Outcome};

/// Environment variables that would change what the interpreter runs.
const SCRUBBED_ENV: [&str; 3] = ["LUA_INIT", "LUA_PATH", "LUA_CPATH"];

/// Output beyond this is drained and dropped, so a runaway script cannot
/// exhaust memory before the time limit kills it.
const OUTPUT_CAP: usize = 16 << 20;

/// How long output is still collected after the child has exited or been
/// killed.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How often a running child is checked for exit.
const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// The per-case time limit: `CONFORMANCE_TIMEOUT_SECS` or 20 seconds.
pub fn timeout_from_env() -> Duration {
    let secs = std::env::var("CONFORMANCE_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// Runs `program` on `case` the way a user would run `lua`: `argv[0]` is
/// `lua` (the reference prints it as the prefix of uncaught errors), the
/// working directory is the case's directory, stdin is the case's `.stdin`
/// file or empty, and `LUA_INIT`/`LUA_PATH`/`LUA_CPATH` are unset.
pub fn run_case(program: &Path, case: &Case, timeout: Duration) -> Result<Outcome, String> {
    let stdin = match &case.stdin {
        Some(path) => {
            Stdio::from(File::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => Stdio::null(),
    };
    let mut command = Command::new(program);
    command
        .arg0("lua")
        .args(&case.args)
        .current_dir(&case.dir)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in SCRUBBED_ENV {
        command.env_remove(name);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let stdout = child.stdout.take().map(drain_in_background);
    let stderr = child.stderr.take().map(drain_in_background);
    let exit = wait_with_deadline(&mut child, timeout)?;
    // A process the child left behind may still hold the pipes open; its
    // output is not waited for beyond a grace period.
    let grace = Instant::now() + DRAIN_GRACE;
    Ok(Outcome {
        stdout: join_drain(stdout, grace),
        stderr: join_drain(stderr, grace),
        exit,
    })
}

fn wait_with_deadline(child: &mut Child, timeout: Duration) -> Result<Exit, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let status = child
            .try_wait()
            .map_err(|e| format!("waiting for child: {e}"))?;
        if let Some(status) = status {
            return Ok(match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                (None, None) => Exit::Code(-1),
            });
        }
        if Instant::now() >= deadline {
            // The child may exit between the check and the kill; either way
            // it is gone after `wait`.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Exit::Timeout);
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// The pipe's bytes arrive here once it reaches end of file.
type Drain = mpsc::Receiver<Vec<u8>>;

/// Reads a pipe to its end on its own thread, so a child filling one pipe
/// never blocks while the harness waits on the other.
fn drain_in_background<R: Read + Send + 'static>(mut pipe: R) -> Drain {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
            }
        }
        // The receiver is gone only if the harness gave up waiting.
        let _ = sender.send(kept);
    });
    receiver
}

fn join_drain(drain: Option<Drain>, until: Instant) -> Vec<u8> {
    let wait = until.saturating_duration_since(Instant::now());
    drain
        .and_then(|d| d.recv_timeout(wait).ok())
        .unwrap_or_default()
}
