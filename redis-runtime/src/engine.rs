//! The engine trait: what the EVAL family needs from a scripting language, and nothing more.
//!
//! As in Redis, where `eval.c` and `script.c` sit above `script_lua.c`, the script cache (SHA1
//! keys, `NOSCRIPT`), the shebang line and its flags, `numkeys`, the `_RO` rules and the run
//! context's command gate ([`RunContext::check_command`]) belong to the [`Runtime`]; an engine
//! only compiles bodies and runs them. The Lua engine is the one Redis has
//! ([`Runtime::new`]); another language plugs in with [`Runtime::with_engine`] without touching
//! the run context.
//!
//! [`Runtime`]: crate::Runtime
//! [`Runtime::new`]: crate::Runtime::new
//! [`Runtime::with_engine`]: crate::Runtime::with_engine

use crate::host::Host;
use crate::script::RunContext;
use crate::Reply;
use std::time::Duration;

/// A compiled script, as its engine numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScriptId(pub i64);

/// A scripting language under the runtime.
pub trait Engine {
    /// The name scripts give in their shebang line: `#!<name> flags=...`.
    fn name(&self) -> &str;

    /// Compile a script's body (its shebang line removed, the newline kept so line numbers
    /// stay right). The error is the whole reply the client gets.
    fn compile(&mut self, source: &[u8]) -> Result<ScriptId, Reply>;

    /// Run compiled script `id` with `keys` and `args` as its KEYS and ARGV. Commands the
    /// script runs go through `run.check_command(host, argv)` first (Redis's `scriptCall`
    /// checks), then `host.call`; the run context comes back to the runtime in the reply's
    /// wake only through what the host saw.
    fn run(
        &mut self,
        host: &mut dyn Host,
        id: ScriptId,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply;

    /// Drop every compiled script and their memory (`SCRIPT FLUSH`).
    fn reset(&mut self) -> Result<(), String>;

    /// Bytes the engine holds (`used_memory_lua` for Lua).
    fn used_memory(&self) -> usize;

    /// How long the running script has run (for the host's busy checks).
    fn elapsed(&self) -> Duration;

    /// Cap the engine's heap at `bytes` beyond what it holds now (`None`: no cap, as in
    /// Redis): a script allocating past it gets an out-of-memory error. Engines without
    /// such a cap ignore it.
    fn set_memory_limit(&mut self, bytes: Option<usize>) {
        let _ = bytes;
    }

    /// Whether the error reply of the last run is one the host counted already, when the
    /// command that failed ran or was refused.
    fn last_error_counted(&self) -> bool {
        false
    }
}
