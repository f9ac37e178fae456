//! The Lua engine: one interpreter with Redis's environment, the compiled scripts, and a run
//! of a script with its KEYS and ARGV through to its reply.

pub(crate) mod convert;
mod host_slot;
pub(crate) mod rand48;
mod redis_api;
mod sandbox;

pub use redis_api::REDIS_VERSION;

use crate::host::Host;
use crate::script::RunContext;
use crate::Reply;
use host_slot::HostSlot;
use lua_core::api::{Error, HookMask, Lua, Table};
use lua_core::native::{Ctx, ErrorKind, Raised, ValueRef};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Registry field of the table holding the compiled scripts, by index.
const SCRIPTS_KEY: &str = "redis-runtime.scripts";

/// How often (in Lua instructions) a running script lets the host look at it.
const TICK_INSTRUCTIONS: u32 = 100_000;

/// What the `redis` table's functions share with the engine during a run.
pub(crate) struct Shared {
    pub(crate) host: HostSlot,
    pub(crate) run: RefCell<RunContext>,
    started: Cell<Instant>,
}

/// An interpreter with Redis's environment and the scripts compiled into it.
pub(crate) struct LuaEngine {
    lua: Lua,
    shared: Rc<Shared>,
    scripts: Table,
    next_index: i64,
}

impl LuaEngine {
    pub(crate) fn new(
        libraries: &[crate::ExtraLibrary],
        random: rand48::Rand48,
    ) -> Result<LuaEngine, Error> {
        let lua = sandbox::build(libraries, random)?;
        let shared = Rc::new(Shared {
            host: HostSlot::default(),
            run: RefCell::new(RunContext::new(String::new(), Default::default(), false, 2)),
            started: Cell::new(Instant::now()),
        });
        lua.set_app_data(shared.clone())?;
        let scripts = lua.create_table()?;
        lua.set_named_registry_value(SCRIPTS_KEY, scripts.clone())?;
        let hook_shared = shared.clone();
        let mask = HookMask {
            every_nth_instruction: Some(TICK_INSTRUCTIONS),
            ..Default::default()
        };
        lua.set_hook(mask, move |lua, _| {
            let elapsed = hook_shared.started.get().elapsed();
            let kill = hook_shared.host.with(|host| host.script_tick(elapsed));
            if kill == Some(true) {
                let mut run = hook_shared.run.borrow_mut();
                run.killed = true;
                run.killed_at_line = lua.current_line().unwrap_or(0);
                return Err(Error::Interrupted);
            }
            Ok(())
        })?;
        Ok(LuaEngine {
            lua,
            shared,
            scripts,
            next_index: 1,
        })
    }

    /// Compile `source` (named `chunk_name` in errors, `@user_script` for EVAL): the index of
    /// the compiled function, or Lua's error message.
    pub(crate) fn compile(&mut self, source: &[u8], chunk_name: &str) -> Result<i64, String> {
        let f = self
            .lua
            .load(source)
            .set_name(chunk_name)
            .into_function()
            .map_err(|e| match e {
                Error::SyntaxError { message } => message,
                other => other.to_string(),
            })?;
        let index = self.next_index;
        self.scripts.raw_set(index, f).map_err(|e| e.to_string())?;
        self.next_index += 1;
        Ok(index)
    }

    /// Bytes the interpreter's heap holds.
    pub(crate) fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Run compiled script `index` with `keys` and `args` as KEYS and ARGV.
    pub(crate) fn run(
        &mut self,
        host: &mut dyn Host,
        index: i64,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        *self.shared.run.borrow_mut() = run;
        self.shared.started.set(Instant::now());
        let lua = &self.lua;
        let shared = &self.shared;
        let outcome = shared.host.scope(host, || {
            lua.enter(|ctx| {
                set_arguments(ctx, keys, args)?;
                let handler = ctx.push_global("__redis__err__handler");
                let scripts = ctx.push_registry_field(SCRIPTS_KEY.as_bytes());
                ctx.push_index(scripts, index)?;
                match ctx.pcall(0, Some(1), Some(handler)) {
                    Ok(()) => {
                        let resp = shared.run.borrow().resp;
                        Ok(convert::lua_to_reply(ctx, ctx.get(ctx.top_slot()), resp))
                    }
                    Err(kind) => Ok(error_reply(ctx, kind, &shared.run.borrow())),
                }
            })
        });
        match outcome {
            Ok(reply) => reply,
            Err(e) => Reply::Error(format!("ERR {e}").into_bytes()),
        }
    }

    /// Time the running script has run (for the host's busy checks).
    pub(crate) fn elapsed(&self) -> Duration {
        self.shared.started.get().elapsed()
    }
}

/// Set the globals KEYS and ARGV (the globals table is read-only: opened for the moment).
fn set_arguments(ctx: &mut Ctx, keys: &[&[u8]], args: &[&[u8]]) -> Result<(), Raised> {
    let g = ctx.push_global("_G");
    ctx.set_readonly(g, false)?;
    let r = set_array_global(ctx, "KEYS", keys).and_then(|()| set_array_global(ctx, "ARGV", args));
    ctx.set_readonly(g, true)?;
    ctx.pop(1);
    r
}

fn set_array_global(ctx: &mut Ctx, name: &str, items: &[&[u8]]) -> Result<(), Raised> {
    let t = ctx.new_table(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        ctx.push_bytes(item)?;
        ctx.raw_set_index(t, i as i64 + 1)?;
    }
    ctx.set_global(name)
}

/// The reply for a script that failed: the error table the handler made (its `err` text, then
/// where it was raised), or the bare error when no handler ran.
fn error_reply(ctx: &Ctx, kind: ErrorKind, run: &RunContext) -> Reply {
    if kind == ErrorKind::Interrupt && run.killed {
        return Reply::Error(
            format!(
                "ERR Script killed by user with SCRIPT KILL... script: {}, on @user_script:{}.",
                run.name, run.killed_at_line
            )
            .into_bytes(),
        );
    }
    let error = ctx.get(ctx.top_slot());
    let mut text = Vec::new();
    match error {
        ValueRef::Table(t) => {
            match t.get_field(b"err", ctx) {
                ValueRef::String(s) => text.extend_from_slice(s.as_bytes()),
                ValueRef::Number(x) => lua_core::tools::format_number(x, &mut text),
                // Redis 7.0.15 crashes here (`error({})`); an error reply is the safe answer.
                _ => text.extend_from_slice(b"ERR unknown error"),
            }
            let source = t.get_field(b"source", ctx);
            let line = t.get_field(b"line", ctx);
            if let (ValueRef::String(source), ValueRef::Number(line)) = (source, line) {
                text.extend_from_slice(b" script: ");
                text.extend_from_slice(run.name.as_bytes());
                text.extend_from_slice(b", on ");
                text.extend_from_slice(source.as_bytes());
                text.push(b':');
                lua_core::tools::format_number(line, &mut text);
                text.push(b'.');
            }
        }
        ValueRef::String(s) => {
            text.extend_from_slice(b"ERR ");
            text.extend_from_slice(s.as_bytes());
        }
        _ => text.extend_from_slice(b"ERR unknown error"),
    }
    Reply::Error(convert::single_line(&text))
}
