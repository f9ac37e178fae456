//! Folding the runs of one benchmark under one interpreter into a verdict: best time, peak
//! memory, and whether its output is the reference's.

use crate::measure::{Ending, Run};
use std::io;
use std::time::Duration;

/// Longest excerpt of an output or error message quoted in the report.
const EXCERPT_CHARS: usize = 160;

/// Runs seen so far for one (benchmark, interpreter) pair.
#[derive(Default)]
pub(crate) struct Tally {
    best_wall: Option<Duration>,
    best_cpu: Option<Duration>,
    peak_rss_kib: Option<u64>,
    stdout: Option<Vec<u8>>,
    failure: Option<Failure>,
}

/// Why a pair has no usable measurement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// One word for the table cell.
    pub(crate) tag: &'static str,
    /// The full story for the notes under the table.
    pub(crate) detail: String,
}

impl Failure {
    fn new(tag: &'static str, detail: String) -> Failure {
        Failure { tag, detail }
    }
}

/// The outcome shown in the tables.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Not installed, or not run.
    Missing,
    /// Every run succeeded and printed the same output, equal to the reference's when there
    /// is one to compare with.
    Agrees(Measured),
    /// Ran fine but printed something else than lua5.1: shown, and left out of the means.
    Mismatch {
        measured: Measured,
        expected: String,
        got: String,
    },
    /// Could not start, failed, was killed, or printed different things on different runs.
    Failed(Failure),
}

/// The best times (each minimum taken on its own) and the peak memory over all runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Measured {
    pub(crate) best_wall: Duration,
    pub(crate) best_cpu: Option<Duration>,
    pub(crate) peak_rss_kib: Option<u64>,
}

impl Tally {
    /// After a failure further runs are pointless: the verdict cannot change.
    pub(crate) fn has_failed(&self) -> bool {
        self.failure.is_some()
    }

    pub(crate) fn record(&mut self, run: io::Result<Run>, limit: Duration) {
        if self.failure.is_some() {
            return;
        }
        let run = match run {
            Ok(run) => run,
            Err(err) => {
                self.failure = Some(Failure::new("NO START", format!("cannot start: {err}")));
                return;
            }
        };
        let failed = match run.ending {
            Ending::Success => None,
            Ending::ExitCode(code) => Some(("FAILED", format!("exit status {code}"))),
            Ending::Signal(signal) => Some(("CRASHED", format!("killed by signal {signal}"))),
            Ending::TimedOut => Some((
                "TIMEOUT",
                format!("timed out after {} s", limit.as_secs_f64()),
            )),
        };
        if let Some((tag, reason)) = failed {
            let detail = match run.stderr.is_empty() {
                true => reason,
                false => format!("{reason}: {}", excerpt(&run.stderr)),
            };
            self.failure = Some(Failure::new(tag, detail));
            return;
        }
        match &self.stdout {
            Some(earlier) if *earlier != run.stdout => {
                let detail = format!(
                    "output differs between runs: {} then {}",
                    excerpt(earlier),
                    excerpt(&run.stdout)
                );
                self.failure = Some(Failure::new("UNSTABLE", detail));
                return;
            }
            Some(_) => {}
            None => self.stdout = Some(run.stdout),
        }
        self.best_wall = Some(self.best_wall.map_or(run.wall, |best| best.min(run.wall)));
        self.best_cpu = combine(self.best_cpu, run.cpu, Duration::min);
        self.peak_rss_kib = combine(self.peak_rss_kib, run.max_rss_kib, u64::max);
    }

    /// The output of the successful runs, to serve as the reference for the others.
    pub(crate) fn agreed_stdout(&self) -> Option<&[u8]> {
        match self.failure {
            Some(_) => None,
            None => self.stdout.as_deref(),
        }
    }

    /// Judges the runs; `reference` is lua5.1's output when lua5.1 ran successfully.
    pub(crate) fn verdict(&self, reference: Option<&[u8]>) -> Verdict {
        if let Some(failure) = &self.failure {
            return Verdict::Failed(failure.clone());
        }
        let (Some(best_wall), Some(stdout)) = (self.best_wall, &self.stdout) else {
            return Verdict::Missing;
        };
        let measured = Measured {
            best_wall,
            best_cpu: self.best_cpu,
            peak_rss_kib: self.peak_rss_kib,
        };
        match reference {
            Some(expected) if expected != stdout.as_slice() => Verdict::Mismatch {
                measured,
                expected: excerpt(expected),
                got: excerpt(stdout),
            },
            _ => Verdict::Agrees(measured),
        }
    }
}

/// Folds an optional figure into an optional running best.
fn combine<T>(so_far: Option<T>, new: Option<T>, pick: fn(T, T) -> T) -> Option<T> {
    match (so_far, new) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

/// A one-line, quoted, shortened rendering of some output for messages.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let short: String = text.chars().take(EXCERPT_CHARS).collect();
    let ellipsis = if short.len() < text.len() { "..." } else { "" };
    format!("{short:?}{ellipsis}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(60);

    fn run(ms: u64, rss: u64, stdout: &str, ending: Ending) -> io::Result<Run> {
        Ok(Run {
            wall: Duration::from_millis(ms),
            // CPU time falls as wall time rises, to show each best is taken on its own.
            cpu: Some(Duration::from_millis(1000 - ms)),
            max_rss_kib: Some(rss),
            stdout: stdout.as_bytes().to_vec(),
            stderr: b"lua: boom\nstack traceback:\n".to_vec(),
            ending,
        })
    }

    fn measured(wall_ms: u64, cpu_ms: u64, rss: u64) -> Measured {
        Measured {
            best_wall: Duration::from_millis(wall_ms),
            best_cpu: Some(Duration::from_millis(cpu_ms)),
            peak_rss_kib: Some(rss),
        }
    }

    #[test]
    fn keeps_the_best_time_and_the_peak_memory() {
        let mut tally = Tally::default();
        tally.record(run(900, 100, "42\n", Ending::Success), LIMIT);
        tally.record(run(700, 300, "42\n", Ending::Success), LIMIT);
        tally.record(run(800, 200, "42\n", Ending::Success), LIMIT);
        assert_eq!(
            tally.verdict(Some(b"42\n")),
            Verdict::Agrees(measured(700, 100, 300))
        );
        assert_eq!(tally.agreed_stdout(), Some(&b"42\n"[..]));
    }

    #[test]
    fn different_output_from_the_reference_is_a_mismatch() {
        let mut tally = Tally::default();
        tally.record(run(500, 100, "41\n", Ending::Success), LIMIT);
        let expected = Verdict::Mismatch {
            measured: measured(500, 500, 100),
            expected: "\"42\"".to_string(),
            got: "\"41\"".to_string(),
        };
        assert_eq!(tally.verdict(Some(b"42\n")), expected);
        // Without a reference there is nothing to disagree with.
        assert_eq!(
            tally.verdict(None),
            Verdict::Agrees(measured(500, 500, 100))
        );
    }

    #[test]
    fn failures_stick_and_quote_stderr() {
        let mut tally = Tally::default();
        tally.record(run(500, 100, "", Ending::ExitCode(1)), LIMIT);
        tally.record(run(400, 100, "42\n", Ending::Success), LIMIT);
        assert!(tally.has_failed());
        assert_eq!(tally.agreed_stdout(), None);
        let detail = "exit status 1: \"lua: boom\\nstack traceback:\"".to_string();
        let expected = Verdict::Failed(Failure {
            tag: "FAILED",
            detail,
        });
        assert_eq!(tally.verdict(Some(b"42\n")), expected);

        let mut slow = Tally::default();
        slow.record(run(500, 100, "", Ending::TimedOut), Duration::from_secs(2));
        let Verdict::Failed(failure) = slow.verdict(None) else {
            panic!("a timeout is a failure");
        };
        assert_eq!(failure.tag, "TIMEOUT");
        assert!(failure.detail.starts_with("timed out after 2 s: "));
    }

    #[test]
    fn output_that_varies_between_runs_is_a_failure() {
        let mut tally = Tally::default();
        tally.record(run(500, 100, "1\n", Ending::Success), LIMIT);
        tally.record(run(500, 100, "2\n", Ending::Success), LIMIT);
        let detail = "output differs between runs: \"1\" then \"2\"".to_string();
        let expected = Verdict::Failed(Failure {
            tag: "UNSTABLE",
            detail,
        });
        assert_eq!(tally.verdict(None), expected);
    }

    #[test]
    fn nothing_recorded_is_missing() {
        assert_eq!(Tally::default().verdict(None), Verdict::Missing);
    }

    #[test]
    fn long_outputs_are_shortened() {
        let long = "x".repeat(500);
        let short = excerpt(long.as_bytes());
        assert!(short.ends_with("\"..."));
        assert_eq!(short.len(), EXCERPT_CHARS + 5);
    }
}
