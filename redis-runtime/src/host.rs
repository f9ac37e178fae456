//! The host: the server (or module, or test double) that owns the keyspace and the command
//! table. The runtime reaches it only through this trait.

use crate::Reply;

/// What the runtime needs to know of a command before letting a script run it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandInfo {
    /// Redis's arity: `n` exactly `n` arguments (the name counts), `-n` at least `n`.
    pub arity: i32,
    pub flags: CommandFlags,
}

/// The command flags scripting looks at (Redis's `CMD_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandFlags {
    pub write: bool,
    pub read_only: bool,
    /// Refused while the server is over `maxmemory` (unless the script says `allow-oom`).
    pub deny_oom: bool,
    /// Never callable from a script (`MULTI`, blocking commands, `EVAL`, ...).
    pub no_script: bool,
    /// Served while a script is busy.
    pub allow_busy: bool,
    pub may_replicate: bool,
    /// Refused on a stale replica unless the script says `allow-stale`.
    pub stale: bool,
}

/// Redis's log levels, as `redis.log` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

/// The server as the runtime sees it.
pub trait Host {
    /// The command `argv` names (`argv[0]` in any case; for a container command such as
    /// `CLIENT`, the subcommand `argv[1]` names), if the server has it.
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo>;

    /// Run a command for the script (its checks already passed) and give its reply, in the
    /// protocol the script asked for with `redis.setresp` (2 or 3). `argv[0]` is the name.
    fn call(&mut self, argv: &[&[u8]], protocol: u8) -> Reply;

    /// Whether the script's user may run `argv` (`None`: allowed; `Some(error)`: refused, the
    /// whole error text the script sees, e.g. `ERR The user executing the script can't run
    /// this command or subcommand`).
    fn acl_check(&self, _argv: &[&[u8]]) -> Option<String> {
        None
    }

    /// `redis.call` was refused by `acl_check` (not `redis.acl_check_cmd`, which only asks):
    /// hosts that keep an ACL log record it, in the script's context.
    fn acl_denied(&mut self, _argv: &[&[u8]]) {}

    /// Write `message` to the server's log.
    fn log(&mut self, _level: LogLevel, _message: &[u8]) {}

    /// Whether the server is a read-only replica and the script's caller is not its primary:
    /// scripts that may write are refused before they start, and a write inside a script
    /// that has not written yet fails.
    fn read_only_replica(&self) -> bool {
        false
    }

    /// Why the server refuses writes right now (`NOREPLICAS ...` when `min-replicas-to-write`
    /// is not met, say), or `None` when it accepts them.
    fn writes_refused(&self) -> Option<String> {
        None
    }

    /// A command the script asked for was refused before it ran (unknown, wrong arity, not
    /// allowed from scripts, a write in a read-only script, out of memory...), with `error`
    /// as the script sees it: the host counts it as Redis does (an error reply, and a
    /// rejected call of that command).
    fn command_rejected(&mut self, _argv: &[&[u8]], _error: &[u8]) {}

    /// Whether the server is over `maxmemory` (deny-oom commands are refused then).
    fn out_of_memory(&self) -> bool {
        false
    }

    /// The time, from the clock the host measures busy scripts by: a script's run time (passed
    /// to [`Host::script_tick`]) is the difference of two readings, the first taken at its first
    /// tick (a script that never reaches one never reads the clock). Monotonic by default; a
    /// host with its own clock (a test's, a frozen one) gives it here.
    fn now(&self) -> std::time::Instant {
        std::time::Instant::now()
    }

    /// Called every so often while a script runs (about every 100,000 instructions) with the
    /// time it has run since the first call (zero at the first: the first 100,000 instructions,
    /// well under a millisecond, are not timed): the host may serve other clients here
    /// (answering `BUSY`), and returns
    /// `true` to kill the script (after `SCRIPT KILL`).
    /// `script` is the running script's name (its SHA1, or the function's name).
    fn script_tick(&mut self, _elapsed: std::time::Duration, _script: &str) -> bool {
        false
    }
}
