//! Valkey as the runtime's [`Host`]: a script's commands go through `ValkeyModule_Call` in
//! script mode, so the server itself applies its checks (unknown commands, arity, commands
//! scripts may not run, writes in read-only scripts, memory, ACL, cluster slots) with its own
//! texts; kills come from the execution-state query.

use crate::ffi::ModuleString;
use crate::module::{Context, RunState};
use redis_runtime::{CommandInfo, Host, LogLevel, Reply};
use smallvec::SmallVec;
use std::ffi::CStr;
use std::time::Duration;

/// `ValkeyModule_Call` formats for a script's command: `v` (the argument vector) and flags as
/// Valkey's own engine sets them: `S` script mode (the server's checks for scripts, with the
/// running script's flags and user), `!` the command's effects replicate, `E` errors come
/// back as replies, `M` deny-oom commands are refused over `maxmemory`. `3` is added for a
/// script that asked for RESP3.
const SCRIPT_CALL: &CStr = c"vS!EM";
const SCRIPT_CALL_RESP3: &CStr = c"vS!EM3";

/// The format of the module's own questions to the server (`COMMAND INFO`, `ACL DRYRUN`):
/// errors as replies, no script-mode checks.
const QUERY: &CStr = c"vE";

/// The server, for one run or one library load.
pub struct ModuleHost<'a> {
    ctx: Context,
    /// The running function's state in the server (`None` while a library loads).
    run: Option<RunState>,
    /// The run's keys with the server's strings holding them, passed again for a command
    /// argument that names one (live for the whole run).
    keys: SmallVec<[(&'a [u8], *mut ModuleString); 8]>,
}

impl<'a> ModuleHost<'a> {
    /// A host for a run the server started, whose keys are `keys`, held by the server's
    /// strings `key_strings` (the same order).
    pub fn for_run(
        ctx: Context,
        run: Option<RunState>,
        keys: &[&'a [u8]],
        key_strings: &[*mut ModuleString],
    ) -> ModuleHost<'a> {
        let keys = keys
            .iter()
            .copied()
            .zip(key_strings.iter().copied())
            .collect();
        ModuleHost { ctx, run, keys }
    }

    /// A host for compiling and loading code (no command runs then).
    pub fn for_load(ctx: Context) -> ModuleHost<'a> {
        ModuleHost {
            ctx,
            run: None,
            keys: SmallVec::new(),
        }
    }
}

impl Host for ModuleHost<'_> {
    /// Whether the server has the command (only `redis.acl_check_cmd` asks: commands scripts
    /// run are looked up by the server itself).
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        let name = argv.first()?;
        match self.ctx.call(&[b"COMMAND", b"INFO", name], QUERY).0? {
            Reply::Array(entries) if entries.first().is_some_and(|e| *e != Reply::Null) => {
                Some(CommandInfo::default())
            }
            _ => None,
        }
    }

    fn call(&mut self, argv: &[&[u8]], protocol: u8) -> Reply {
        let format = if protocol == 3 {
            SCRIPT_CALL_RESP3
        } else {
            SCRIPT_CALL
        };
        match self.ctx.call_reusing(argv, format, &self.keys) {
            (Some(Reply::Error(text)), errno) => match refusal_text(errno, &text) {
                Some(own) => Reply::error(own),
                // An ACL refusal keeps the server's reason after Valkey's words.
                None if errno == libc::EACCES && text.starts_with(b"NOPERM ") => {
                    let mut own = b"ERR ACL failure in script: ".to_vec();
                    own.extend_from_slice(&text[b"NOPERM ".len()..]);
                    Reply::Error(own)
                }
                None => Reply::Error(text),
            },
            (Some(reply), _) => reply,
            (None, _) => Reply::error("ERR the server gave no reply to the command"),
        }
    }

    /// Only `redis.acl_check_cmd` asks (the server checks the commands scripts run itself);
    /// it reads whether the answer is `None`.
    fn acl_check(&self, argv: &[&[u8]]) -> Option<String> {
        match self.ctx.acl_allows(argv) {
            Ok(true) => None,
            Ok(false) | Err(()) => Some("NOPERM".into()),
        }
    }

    fn log(&mut self, level: LogLevel, message: &[u8]) {
        let level = match level {
            LogLevel::Debug => "debug",
            LogLevel::Verbose => "verbose",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
        };
        self.ctx.log(level, message);
    }

    fn script_tick(&mut self, _elapsed: Duration, _script: &str) -> bool {
        self.run.is_some_and(|run| run.killed())
    }
}

/// The error a script sees for a command the server refused before running it, where
/// Valkey's engine words the refusal itself: known by the `errno` `ValkeyModule_Call` set and
/// the server's own text for that refusal (the same `errno` also comes with other refusals,
/// `NOREPLICAS` say, whose text the script sees unchanged).
fn refusal_text(errno: i32, server_text: &[u8]) -> Option<&'static str> {
    const REFUSALS: &[(i32, &str, &str)] = &[
        (
            libc::ENOENT,
            "ERR unknown command",
            "ERR Unknown command called from script",
        ),
        (
            libc::EINVAL,
            "ERR wrong number of arguments",
            "ERR Wrong number of args calling command from script",
        ),
        (
            libc::ESPIPE,
            "is not allowed on script mode",
            "ERR This Valkey command is not allowed from script",
        ),
    ];
    let server_text = String::from_utf8_lossy(server_text);
    REFUSALS
        .iter()
        .find(|(code, marker, _)| *code == errno && server_text.contains(marker))
        .map(|(_, _, own)| *own)
}
