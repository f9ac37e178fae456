//! The engine's state and what each callback does, in safe Rust: two interpreters (EVAL's
//! and the functions'), compiling into them, running, resetting.
//!
//! A compiled script or function is known to the server only as an opaque pointer to a
//! [`Compiled`]: which interpreter, which generation of it, which id inside it. A reset
//! (`SCRIPT FLUSH`, `FUNCTION FLUSH`) replaces the interpreter and starts a new generation,
//! so functions of the old one the server frees afterwards release nothing in the new one.

use crate::host::ModuleHost;
use crate::module::{Context, RunState};
use redis_runtime::{
    Dialect, Interpreter, RegisteredFunction, Reply, RunContext, ScriptFlags, ScriptId, Subsystem,
};
use std::rc::Rc;
use std::time::Duration;

/// What the server's opaque `function` pointer points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compiled {
    pub subsystem: Subsystem,
    generation: u64,
    id: ScriptId,
}

/// A function library code registered, for the server.
pub struct LoadedFunction {
    pub name: Vec<u8>,
    pub description: Option<Vec<u8>>,
    pub flags: ScriptFlags,
    pub compiled: Compiled,
}

/// One interpreter and its generation.
struct Slot {
    interpreter: Interpreter,
    generation: u64,
}

/// The engine the server registered: both subsystems' interpreters.
pub struct Engine {
    dialect: Dialect,
    /// The name runs carry (Valkey's error texts name no script), shared by every run.
    run_name: Rc<str>,
    eval: Slot,
    functions: Slot,
}

impl Engine {
    pub fn new(dialect: Dialect) -> Result<Engine, String> {
        let slot = |subsystem| -> Result<Slot, String> {
            Ok(Slot {
                interpreter: Interpreter::new(subsystem, dialect.clone())
                    .map_err(|e| e.to_string())?,
                generation: 0,
            })
        };
        Ok(Engine {
            run_name: Rc::from(""),
            eval: slot(Subsystem::Eval)?,
            functions: slot(Subsystem::Functions)?,
            dialect,
        })
    }

    fn slot(&mut self, subsystem: Subsystem) -> &mut Slot {
        match subsystem {
            Subsystem::Eval => &mut self.eval,
            Subsystem::Functions => &mut self.functions,
        }
    }

    /// Compile an EVAL script: the error is the whole message the server replies with.
    pub fn compile_script(&mut self, code: &[u8]) -> Result<Compiled, Vec<u8>> {
        let slot = &mut self.eval;
        let id = slot.interpreter.compile(without_shebang(code))?;
        Ok(Compiled {
            subsystem: Subsystem::Eval,
            generation: slot.generation,
            id,
        })
    }

    /// Load a function library's code, within `timeout` (none when zero).
    pub fn load_library(
        &mut self,
        ctx: Context,
        code: &[u8],
        timeout: Duration,
    ) -> Result<Vec<LoadedFunction>, Vec<u8>> {
        let slot = &mut self.functions;
        let mut host = ModuleHost::for_load(ctx);
        let timeout = (!timeout.is_zero()).then_some(timeout);
        let registered =
            slot.interpreter
                .load_library(&mut host, without_shebang(code), timeout)?;
        let generation = slot.generation;
        Ok(registered
            .into_iter()
            .map(|f: RegisteredFunction| LoadedFunction {
                name: f.name,
                description: f.description,
                flags: f.flags,
                compiled: Compiled {
                    subsystem: Subsystem::Functions,
                    generation,
                    id: f.id,
                },
            })
            .collect())
    }

    /// Run a compiled script or function with its keys and arguments: the reply to send, and
    /// whether an error reply was counted by the server already.
    pub fn call(
        &mut self,
        ctx: Context,
        run: Option<RunState>,
        compiled: Compiled,
        keys: &[&[u8]],
        key_strings: &[*mut crate::ffi::ModuleString],
        args: &[&[u8]],
    ) -> (Reply, bool) {
        let name = self.run_name.clone();
        let slot = self.slot(compiled.subsystem);
        if slot.generation != compiled.generation {
            return (Reply::error("ERR the script was flushed"), false);
        }
        let mut host = ModuleHost::for_run(ctx, run, keys, key_strings);
        // The server has checked the flags and the read-only call already, and checks every
        // command the script runs: the run context only carries the protocol and the kill.
        let context = RunContext::new(name, ScriptFlags::default(), false, 2);
        let reply = slot
            .interpreter
            .run(&mut host, compiled.id, context, keys, args);
        (reply, slot.interpreter.last_error_counted())
    }

    /// Forget a compiled script or function the server dropped.
    pub fn free(&mut self, compiled: Compiled) {
        let slot = self.slot(compiled.subsystem);
        if slot.generation == compiled.generation {
            slot.interpreter.release(compiled.id);
        }
    }

    /// Replace a subsystem's interpreter with a fresh one (its scripts or functions are
    /// gone; the server frees their handles next).
    pub fn reset(&mut self, subsystem: Subsystem) -> Result<(), String> {
        let fresh = Interpreter::new(subsystem, self.dialect.clone()).map_err(|e| e.to_string())?;
        let slot = self.slot(subsystem);
        slot.interpreter = fresh;
        slot.generation += 1;
        Ok(())
    }

    /// Bytes the interpreters of `subsystems` hold.
    pub fn used_memory(&self, subsystems: &[Subsystem]) -> usize {
        subsystems
            .iter()
            .map(|s| match s {
                Subsystem::Eval => self.eval.interpreter.used_memory(),
                Subsystem::Functions => self.functions.interpreter.used_memory(),
            })
            .sum()
    }
}

/// The code after a `#!` line, the line's newline kept so line numbers stay right (the
/// server may pass the shebang line along).
fn without_shebang(code: &[u8]) -> &[u8] {
    if !code.starts_with(b"#!") {
        return code;
    }
    match code.iter().position(|&b| b == b'\n') {
        Some(newline) => &code[newline..],
        None => &[],
    }
}

/// The server's `VMSE_SCRIPT_FLAG_*` bits of a function's flags.
pub fn flag_bits(flags: ScriptFlags) -> u64 {
    use crate::ffi;
    let mut bits = 0;
    for (set, bit) in [
        (flags.no_writes, ffi::FLAG_NO_WRITES),
        (flags.allow_oom, ffi::FLAG_ALLOW_OOM),
        (flags.allow_stale, ffi::FLAG_ALLOW_STALE),
        (flags.no_cluster, ffi::FLAG_NO_CLUSTER),
        (flags.allow_cross_slot_keys, ffi::FLAG_ALLOW_CROSS_SLOT),
    ] {
        if set {
            bits |= bit;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines_leave_their_newline() {
        assert_eq!(without_shebang(b"#!lua name=x\nreturn 1"), b"\nreturn 1");
        assert_eq!(without_shebang(b"return 1"), b"return 1");
        assert_eq!(without_shebang(b"#!lua"), b"");
    }

    #[test]
    fn flags_map_to_the_servers_bits() {
        let mut flags = ScriptFlags::default();
        assert_eq!(flag_bits(flags), 0);
        flags.no_writes = true;
        flags.allow_cross_slot_keys = true;
        assert_eq!(flag_bits(flags), 1 | 32);
    }

    /// A host no command reaches (the scripts under test run none).
    struct NoCommands;

    impl redis_runtime::Host for NoCommands {
        fn command(&self, _: &[&[u8]]) -> Option<redis_runtime::CommandInfo> {
            None
        }
        fn call(&mut self, _: &[&[u8]], _: u8) -> Reply {
            Reply::error("ERR no commands here")
        }
    }

    fn run_eval(engine: &mut Engine, compiled: Compiled) -> Reply {
        let context = RunContext::new(Rc::from(""), ScriptFlags::default(), false, 2);
        engine
            .eval
            .interpreter
            .run(&mut NoCommands, compiled.id, context, &[], &[])
    }

    #[test]
    fn a_reset_starts_a_generation_the_old_handles_do_not_reach() {
        let mut engine = Engine::new(Dialect::valkey("valkey", "9.1.2", "7.2.4")).unwrap();
        let old = engine.compile_script(b"return 1").unwrap();
        engine.reset(Subsystem::Eval).unwrap();
        let new = engine.compile_script(b"return 2").unwrap();
        assert_eq!(old.id, new.id, "ids restart in the new interpreter");
        // The server frees the old handle after the reset: the new script must survive it.
        engine.free(old);
        assert_eq!(run_eval(&mut engine, new), Reply::Integer(2));
        engine.free(new);
        assert_ne!(run_eval(&mut engine, new), Reply::Integer(2));
    }

    #[test]
    fn compile_errors_are_whole_messages() {
        let mut engine = Engine::new(Dialect::valkey("valkey", "9.1.2", "7.2.4")).unwrap();
        let err = engine.compile_script(b"return (").unwrap_err();
        assert_eq!(
            String::from_utf8_lossy(&err),
            "Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"
        );
    }
}
