//! What one run of an interpreter on one case produced.

use std::fmt;

/// How the process ended. Goldens only ever hold `Code`; the other two show
/// up when the interpreter under test crashes or hangs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed by the harness after the time limit.
    Timeout,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exit status {code}"),
            Exit::Signal(sig) => write!(f, "killed by signal {sig}"),
            Exit::Timeout => write!(f, "timed out (killed by the harness)"),
        }
    }
}

/// Everything a case is judged on: both output streams, byte for byte, and
/// the exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
}
