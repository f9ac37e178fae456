//! One Lua interpreter with the scripting environment, for hosts that keep the script cache
//! and the function libraries themselves.
//!
//! Our server uses [`crate::Runtime`], which owns the SHA1 cache, shebang flags and libraries
//! as Redis 7.0 does. A host whose server already does that part (Valkey's scripting-engine
//! API: the server parses shebangs, caches scripts and keeps libraries, and asks the engine
//! only to compile, run and free) uses an [`Interpreter`] per subsystem instead: EVAL's,
//! whose scripts read `KEYS` and `ARGV`, or the functions', where library code registers
//! functions that receive `(keys, args)`.

use crate::dialect::Dialect;
use crate::engine::ScriptId;
use crate::host::Host;
use crate::lua::rand48::Rand48;
use crate::lua::{Flavor, LuaEngine};
use crate::script::{RunContext, ScriptFlags};
use crate::{ExtraLibrary, Reply};
use std::time::Duration;

/// Which kind of code an interpreter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subsystem {
    /// EVAL scripts (`@user_script`).
    Eval,
    /// FUNCTION libraries and their functions (`@user_function`).
    Functions,
}

/// A function library code registered, as [`Interpreter::load_library`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredFunction {
    pub name: Vec<u8>,
    pub description: Option<Vec<u8>>,
    pub flags: ScriptFlags,
    /// What [`Interpreter::run`] and [`Interpreter::release`] take.
    pub id: ScriptId,
}

/// An interpreter of one subsystem, with every bundled library.
pub struct Interpreter {
    lua: LuaEngine,
    subsystem: Subsystem,
}

impl Interpreter {
    /// A fresh interpreter speaking `dialect`.
    pub fn new(
        subsystem: Subsystem,
        dialect: Dialect,
    ) -> Result<Interpreter, lua_core::api::Error> {
        let flavor = match subsystem {
            Subsystem::Eval => Flavor::Eval,
            Subsystem::Functions => Flavor::Functions,
        };
        Ok(Interpreter {
            lua: LuaEngine::new(ExtraLibrary::ALL, Rand48::new(), flavor, dialect)?,
            subsystem,
        })
    }

    pub fn subsystem(&self) -> Subsystem {
        self.subsystem
    }

    /// Compile an EVAL script's body (without its shebang line; keep the newline so line
    /// numbers stay right). The error is the whole message, `Error compiling script (new
    /// function): user_script:1: ...`, without an error code.
    pub fn compile(&mut self, body: &[u8]) -> Result<ScriptId, Vec<u8>> {
        self.lua
            .compile(body)
            .map(ScriptId)
            .map_err(|msg| format!("Error compiling script (new function): {msg}").into_bytes())
    }

    /// Run a library's code (without its shebang line, the newline kept) so it registers its
    /// functions, within `timeout`; the error is the whole message without an error code
    /// (`Error registering functions: ...`, `No functions registered`).
    pub fn load_library(
        &mut self,
        host: &mut dyn Host,
        code: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<RegisteredFunction>, Vec<u8>> {
        let registered = self.lua.load_library(host, code, timeout)?;
        if registered.is_empty() {
            return Err(b"No functions registered".to_vec());
        }
        Ok(registered
            .into_iter()
            .map(|f| RegisteredFunction {
                name: f.name,
                description: f.description,
                flags: f.flags,
                id: ScriptId(f.index),
            })
            .collect())
    }

    /// Run script or function `id` with `keys` and `args`; its reply, or the error reply it
    /// ended with (a kill included).
    pub fn run(
        &mut self,
        host: &mut dyn Host,
        id: ScriptId,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        match self.subsystem {
            Subsystem::Eval => self.lua.run(host, id.0, run, keys, args),
            Subsystem::Functions => self.lua.call_function(host, id.0, run, keys, args),
        }
    }

    /// Forget script or function `id`.
    pub fn release(&mut self, id: ScriptId) {
        self.lua.release(id.0);
    }

    /// Bytes the interpreter's heap holds.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Whether the last run's error reply was counted by the host already (the error reply of
    /// a command the script ran, raised or returned), so the host does not count it twice.
    pub fn last_error_counted(&self) -> bool {
        self.lua.last_error_counted()
    }

    /// How long the running (or last) script has run since it was first checked on (zero
    /// before that: the first 100,000 instructions are not timed).
    pub fn elapsed(&self) -> Duration {
        self.lua.elapsed()
    }
}
