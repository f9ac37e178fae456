//! The Redis 7.0 scripting environment on `lua_core`: the sandbox, the `redis` table, the
//! bundled libraries, conversions between Lua values and replies, the script cache and the run
//! context. It knows nothing of sockets: the host's keyspace is reached through the [`Host`]
//! trait, so any Rust server (or a test double) can host it.

mod dialect;
mod engine;
mod eval;
mod functions;
mod host;
mod interpreter;
pub mod libs;
mod lua;
pub mod rdb;
mod reply;
mod reply_parse;
mod script;

pub use dialect::{Dialect, KillKind};
pub use engine::{Engine, ScriptId};
pub use eval::{parse_shebang, parse_shebang_for, split_keys, CallOptions, Runtime};
pub use functions::{stats_reply, Functions, RestorePolicy, RunningFunction};
pub use host::{CommandFlags, CommandInfo, Host, LogLevel};
pub use interpreter::{Interpreter, RegisteredFunction, Subsystem};
pub use lua::REDIS_VERSION;
pub use reply::{format_double, Reply};
pub use script::{RunContext, ScriptFlags};

use lua_core::native::{Ctx, Raised};

/// The libraries Redis bundles beside Lua's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraLibrary {
    Cjson,
    Struct,
    Cmsgpack,
    Bit,
}

impl ExtraLibrary {
    /// All of them, in the order Redis opens them.
    pub const ALL: &'static [ExtraLibrary] = &[
        ExtraLibrary::Cjson,
        ExtraLibrary::Struct,
        ExtraLibrary::Cmsgpack,
        ExtraLibrary::Bit,
    ];

    /// Open the library into the state as its global table.
    pub fn open(self, ctx: &mut Ctx) -> Result<(), Raised> {
        let table = match self {
            ExtraLibrary::Cjson => libs::cjson::open(ctx)?,
            ExtraLibrary::Struct => libs::lua_struct::open(ctx)?,
            ExtraLibrary::Cmsgpack => libs::cmsgpack::open(ctx)?,
            ExtraLibrary::Bit => libs::bit::open(ctx)?,
        };
        ctx.truncate_after(table);
        ctx.pop(1);
        Ok(())
    }
}

/// The SHA1 of `bytes` in lower-case hex, as `redis.sha1hex` and the script cache write it.
pub fn sha1_hex(bytes: &[u8]) -> String {
    let hex = sha1_hex_bytes(bytes);
    hex.iter().map(|&b| char::from(b)).collect()
}

/// [`sha1_hex`] as bytes, without going through the formatter.
pub fn sha1_hex_bytes(bytes: &[u8]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = sha1_smol::Sha1::from(bytes).digest().bytes();
    let mut hex = [0u8; 40];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 15)];
    }
    hex
}
