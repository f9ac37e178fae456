//! The Lua engine of the EVAL family: an interpreter with Redis's environment, holding the
//! compiled scripts, rebuilt whole by `SCRIPT FLUSH`.

use super::rand48::Rand48;
use super::{Flavor, LuaEngine};
use crate::dialect::Dialect;
use crate::engine::{Engine, ScriptId};
use crate::host::Host;
use crate::script::RunContext;
use crate::{ExtraLibrary, Reply};
use std::time::Duration;

pub(crate) struct EvalEngine {
    lua: LuaEngine,
    /// What a reset builds the new interpreter with.
    libraries: Vec<ExtraLibrary>,
    random: Rand48,
    /// The host's cap on the heap (beyond what a fresh interpreter holds), kept across resets.
    memory_limit: Option<usize>,
}

impl EvalEngine {
    pub(crate) fn new(
        libraries: &[ExtraLibrary],
        random: Rand48,
    ) -> Result<EvalEngine, lua_core::api::Error> {
        Ok(EvalEngine {
            lua: LuaEngine::new(libraries, random.clone(), Flavor::Eval, Dialect::default())?,
            libraries: libraries.to_vec(),
            random,
            memory_limit: None,
        })
    }
}

impl Engine for EvalEngine {
    fn name(&self) -> &str {
        "lua"
    }

    fn compile(&mut self, source: &[u8]) -> Result<ScriptId, Reply> {
        self.lua.compile(source).map(ScriptId).map_err(|msg| {
            Reply::Error(format!("ERR Error compiling script (new function): {msg}").into_bytes())
        })
    }

    fn run(
        &mut self,
        host: &mut dyn Host,
        id: ScriptId,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        self.lua.run(host, id.0, run, keys, args)
    }

    fn reset(&mut self) -> Result<(), String> {
        self.lua = LuaEngine::new(
            &self.libraries,
            self.random.clone(),
            Flavor::Eval,
            Dialect::default(),
        )
        .map_err(|e| e.to_string())?;
        // SCRIPT FLUSH must not lift the host's cap.
        self.lua.set_memory_limit(self.memory_limit);
        Ok(())
    }

    fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.memory_limit = bytes;
        self.lua.set_memory_limit(bytes);
    }

    fn elapsed(&self) -> Duration {
        self.lua.elapsed()
    }

    fn last_error_counted(&self) -> bool {
        self.lua.last_error_counted()
    }
}
