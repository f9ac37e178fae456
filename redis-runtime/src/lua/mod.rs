//! The Lua engine: one interpreter with Redis's environment, the compiled scripts (or library
//! functions), and a run of one of them through to its reply.
//!
//! Two engines exist, as in Redis: EVAL's, whose scripts read `KEYS` and `ARGV` globals, and
//! the one FUNCTION libraries are loaded into ([`Flavor::Functions`]), whose functions receive
//! `(keys, args)` and whose libraries run once at load time in a restricted environment
//! (see [`library`]).

pub(crate) mod convert;
mod eval_engine;
mod host_slot;
mod library;
pub(crate) mod rand48;
mod redis_api;
mod sandbox;

pub(crate) use library::Registered;
pub use redis_api::REDIS_VERSION;
pub(crate) use sandbox::Flavor;

use crate::dialect::{Dialect, KillKind};
use crate::host::Host;
use crate::script::RunContext;
use crate::Reply;
pub(crate) use eval_engine::EvalEngine;
use host_slot::HostSlot;
use lua_core::api::{Error, HookMask, Lua, Table};
use lua_core::native::{Ctx, ErrorKind, Raised, ValueRef};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Registry field of the table holding the compiled scripts and functions, by index.
const SCRIPTS_KEY: &str = "redis-runtime.scripts";

/// Registry integer slots of the values every run reaches, so a run looks no name up.
mod registry_slot {
    /// The table of globals, where KEYS and ARGV are set.
    pub(super) const GLOBALS: i64 = 1;
    /// The error handler of runs (`__redis__err__handler`, or the functions' own).
    pub(super) const ERROR_HANDLER: i64 = 2;
    /// The table of compiled scripts and functions ([`super::SCRIPTS_KEY`]).
    pub(super) const SCRIPTS: i64 = 3;
    /// The strings `KEYS` and `ARGV`.
    pub(super) const KEYS_NAME: i64 = 4;
    pub(super) const ARGV_NAME: i64 = 5;
}

/// How often (in Lua instructions) a running script lets the host look at it.
const TICK_INSTRUCTIONS: u32 = 100_000;

/// What the `redis` table's functions share with the engine during a run.
pub(crate) struct Shared {
    /// Which server's names and texts the scripts see.
    pub(crate) dialect: Dialect,
    pub(crate) host: HostSlot,
    pub(crate) run: RefCell<RunContext>,
    /// When the running script was first checked on (its first tick): a run that never
    /// reaches one never reads the clock, which short scripts, nearly all of them, are spared.
    /// Its first 100,000 instructions (well under a millisecond) are not counted.
    started: Cell<Option<Instant>>,
    /// The index the next compiled script or registered function gets in the scripts table.
    next_index: Cell<i64>,
    /// The library being loaded (`FUNCTION LOAD`), while its code runs.
    loading: RefCell<Option<library::Loading>>,
    /// The last run ended in an error the host already counted (a command's error reply
    /// or refusal, raised or returned by the script).
    last_error_counted: Cell<bool>,
}

impl Shared {
    fn take_index(&self) -> i64 {
        let index = self.next_index.get();
        self.next_index.set(index + 1);
        index
    }
}

/// An interpreter with Redis's environment and the scripts compiled into it.
pub(crate) struct LuaEngine {
    lua: Lua,
    shared: Rc<Shared>,
    scripts: Table,
    /// The chunk name of the code it runs (`@user_script`, `@user_function`).
    chunk_name: &'static str,
    /// The functions' globals and load-time environment ([`Flavor::Functions`] only).
    environment: Option<library::Environment>,
}

impl LuaEngine {
    pub(crate) fn new(
        libraries: &[crate::ExtraLibrary],
        random: rand48::Rand48,
        flavor: Flavor,
        dialect: Dialect,
    ) -> Result<LuaEngine, Error> {
        let lua = sandbox::build(libraries, random, flavor, &dialect)?;
        let shared = Rc::new(Shared {
            dialect,
            host: HostSlot::default(),
            run: RefCell::new(RunContext::new(
                std::rc::Rc::from(""),
                Default::default(),
                false,
                2,
            )),
            started: Cell::new(None),
            next_index: Cell::new(1),
            loading: RefCell::new(None),
            last_error_counted: Cell::new(false),
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
            // A library's code at load time runs under its own time limit, not the host's.
            if let Some(load) = hook_shared.loading.borrow_mut().as_mut() {
                return if load.out_of_time() {
                    Err(Error::Interrupted)
                } else {
                    Ok(())
                };
            }
            let name = hook_shared.run.borrow().name.clone();
            let started = &hook_shared.started;
            let kill = hook_shared.host.with(|host| {
                let now = host.now();
                let since = started.get().unwrap_or_else(|| {
                    started.set(Some(now));
                    now
                });
                host.script_tick(now.saturating_duration_since(since), &name)
            });
            if kill == Some(true) {
                let mut run = hook_shared.run.borrow_mut();
                run.killed = true;
                run.killed_at_line = lua.current_line().unwrap_or(0);
                return Err(Error::Interrupted);
            }
            Ok(())
        })?;
        lua.enter(|ctx| {
            ctx.push_globals();
            ctx.set_registry_index(registry_slot::GLOBALS)?;
            match flavor {
                Flavor::Eval => ctx.push_global("__redis__err__handler"),
                Flavor::Functions => ctx.push_registry_field(sandbox::ERROR_HANDLER_KEY.as_bytes()),
            };
            ctx.set_registry_index(registry_slot::ERROR_HANDLER)?;
            ctx.push_registry_field(SCRIPTS_KEY.as_bytes());
            ctx.set_registry_index(registry_slot::SCRIPTS)?;
            ctx.push_bytes("KEYS")?;
            ctx.set_registry_index(registry_slot::KEYS_NAME)?;
            ctx.push_bytes("ARGV")?;
            ctx.set_registry_index(registry_slot::ARGV_NAME)
        })?;
        let (chunk_name, environment) = match flavor {
            Flavor::Eval => ("@user_script", None),
            Flavor::Functions => (
                "@user_function",
                Some(library::Environment::build(&lua, &shared.dialect)?),
            ),
        };
        Ok(LuaEngine {
            lua,
            shared,
            scripts,
            chunk_name,
            environment,
        })
    }

    /// Compile `source` (named `@user_script` in errors): the index of the compiled function,
    /// or Lua's error message.
    pub(crate) fn compile(&mut self, source: &[u8]) -> Result<i64, String> {
        self.compile_in(source, None)
    }

    fn compile_in(&mut self, source: &[u8], env: Option<Table>) -> Result<i64, String> {
        let mut chunk = self.lua.load(source).set_name(self.chunk_name);
        if let Some(env) = env {
            chunk = chunk.set_environment(env);
        }
        let f = chunk.into_function().map_err(|e| match e {
            Error::SyntaxError { message, .. } => message,
            other => other.to_string(),
        })?;
        let index = self.shared.take_index();
        self.scripts.raw_set(index, f).map_err(|e| e.to_string())?;
        Ok(index)
    }

    /// Drop compiled script or function `index`.
    pub(crate) fn release(&mut self, index: i64) {
        let _ = self.scripts.raw_set(index, lua_core::api::Value::Nil);
    }

    /// Bytes the interpreter's heap holds.
    pub(crate) fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Cap the heap at `extra` bytes beyond what it holds now (`None`: no cap).
    pub(crate) fn set_memory_limit(&self, extra: Option<usize>) {
        let limit = extra.map(|e| self.lua.used_memory().saturating_add(e));
        let _ = self.lua.set_memory_limit(limit);
    }

    /// Run a library's code (after its shebang line) so it registers its functions: what it
    /// registered, or the error text (without the `ERR ` code). `timeout` limits the run
    /// (`FUNCTION LOAD` gives 500 ms).
    pub(crate) fn load_library(
        &mut self,
        host: &mut dyn Host,
        code: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<Registered>, Vec<u8>> {
        let Some(env) = self.environment.clone() else {
            return Err(b"Engine 'lua' not found".to_vec());
        };
        env.enter_load()
            .map_err(|e| format!("Error registering functions: {e}").into_bytes())?;
        let outcome = self.run_library(host, code, timeout, &env);
        // The functions see the full globals again, whatever happened.
        let restored = env.leave_load();
        let registered = outcome?;
        if let Err(e) = restored {
            for f in &registered {
                self.release(f.index);
            }
            return Err(format!("Error registering functions: {e}").into_bytes());
        }
        Ok(registered)
    }

    fn run_library(
        &mut self,
        host: &mut dyn Host,
        code: &[u8],
        timeout: Option<Duration>,
        env: &library::Environment,
    ) -> Result<Vec<Registered>, Vec<u8>> {
        let index = self
            .compile_in(code, Some(env.globals()))
            .map_err(|msg| format!("Error compiling function: {msg}").into_bytes())?;
        *self.shared.loading.borrow_mut() = Some(library::Loading::new(timeout));
        let lua = &self.lua;
        let shared = &self.shared;
        let outcome = shared.host.scope(host, || {
            lua.enter(|ctx| {
                let scripts = ctx.push_registry_field(SCRIPTS_KEY.as_bytes());
                ctx.push_index(scripts, index)?;
                Ok(match ctx.pcall(0, Some(0), None) {
                    Ok(()) => None,
                    Err(kind) => Some(library::load_error_text(ctx, kind)),
                })
            })
        });
        self.release(index);
        let loading = self.shared.loading.borrow_mut().take();
        let registered = loading.map(|l| (l.timed_out(), l.functions));
        let (timed_out, registered) = registered.unwrap_or_default();
        let failure = match outcome {
            Ok(None) => None,
            Ok(Some(_)) if timed_out => Some(b"ERR FUNCTION LOAD timeout".to_vec()),
            Ok(Some(text)) => Some(text),
            Err(e) => Some(format!("ERR {e}").into_bytes()),
        };
        match failure {
            None => Ok(registered),
            Some(text) => {
                for f in &registered {
                    self.release(f.index);
                }
                let mut message = b"Error registering functions: ".to_vec();
                message.extend_from_slice(&text);
                Err(message)
            }
        }
    }

    /// Run compiled EVAL script `index` with `keys` and `args` as KEYS and ARGV.
    pub(crate) fn run(
        &mut self,
        host: &mut dyn Host,
        index: i64,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        self.invoke(host, index, run, keys, args, false)
    }

    /// Call registered function `index` with `keys` and `args` as its two arguments.
    pub(crate) fn call_function(
        &mut self,
        host: &mut dyn Host,
        index: i64,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        self.invoke(host, index, run, keys, args, true)
    }

    fn invoke(
        &mut self,
        host: &mut dyn Host,
        index: i64,
        run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
        function: bool,
    ) -> Reply {
        *self.shared.run.borrow_mut() = run;
        self.shared.started.set(None);
        let lua = &self.lua;
        let shared = &self.shared;
        let chunk_name = self.chunk_name;
        let outcome = shared.host.scope(host, || {
            lua.enter(|ctx| {
                if !function {
                    set_arguments(ctx, keys, args)?;
                }
                let handler = ctx.push_registry_index(registry_slot::ERROR_HANDLER);
                let scripts = ctx.push_registry_index(registry_slot::SCRIPTS);
                ctx.push_index(scripts, index)?;
                let nargs = if function {
                    push_array(ctx, keys)?;
                    push_array(ctx, args)?;
                    2
                } else {
                    0
                };
                let result = ctx.pcall(nargs, Some(1), Some(handler));
                let killed = shared.run.borrow().killed;
                shared
                    .last_error_counted
                    .set(!killed && convert::is_counted_error(ctx, ctx.get(ctx.top_slot())));
                match result {
                    Ok(()) => {
                        let resp = shared.run.borrow().resp;
                        Ok(convert::lua_to_reply(ctx, ctx.get(ctx.top_slot()), resp))
                    }
                    Err(kind) => Ok(error_reply(
                        ctx,
                        kind,
                        &shared.run.borrow(),
                        chunk_name,
                        &shared.dialect,
                    )),
                }
            })
        });
        match outcome {
            Ok(reply) => reply,
            Err(e) => Reply::Error(format!("ERR {e}").into_bytes()),
        }
    }

    /// Whether the last run's error reply was counted by the host already (when the command
    /// that failed ran or was refused), so the host does not count it twice.
    pub(crate) fn last_error_counted(&self) -> bool {
        self.shared.last_error_counted.get()
    }

    /// Time the running script has run since it was first checked on (zero before that).
    pub(crate) fn elapsed(&self) -> Duration {
        self.shared
            .started
            .get()
            .map_or(Duration::ZERO, |s| s.elapsed())
    }
}

/// Set the globals KEYS and ARGV (a host write: the globals stay read-only to the script).
///
/// The tables of the last run are refilled when they still have the shape needed (see
/// `refill_sequence_field`), which a script cannot tell from new tables: in this sandbox no
/// table outlives a run but through KEYS and ARGV themselves. The globals, every table
/// reachable from them and the strings' metatable are read-only, and there is no debug
/// library, no `newproxy` (no finalizer to run later) and no `setfenv`. So no garbage is made
/// for the arguments of a run, which for short scripts was a sixth of their cost.
fn set_arguments(ctx: &mut Ctx, keys: &[&[u8]], args: &[&[u8]]) -> Result<(), Raised> {
    let g = ctx.push_registry_index(registry_slot::GLOBALS);
    let keys_name = ctx.push_registry_index(registry_slot::KEYS_NAME);
    let args_name = ctx.push_registry_index(registry_slot::ARGV_NAME);
    let r = ctx
        .refill_sequence_field(g, keys_name, keys)
        .and_then(|()| ctx.refill_sequence_field(g, args_name, args));
    ctx.pop(3);
    r
}

/// Push a new sequence of the strings `items`.
fn push_array(ctx: &mut Ctx, items: &[&[u8]]) -> Result<(), Raised> {
    ctx.push_sequence(items).map(|_| ())
}

/// The reply for a script that failed: the error table the handler made (its `err` text, then
/// where it was raised), or the bare error when no handler ran.
fn error_reply(
    ctx: &Ctx,
    kind: ErrorKind,
    run: &RunContext,
    chunk_name: &str,
    dialect: &Dialect,
) -> Reply {
    if kind == ErrorKind::Interrupt && run.killed {
        let kill = if chunk_name == "@user_function" {
            KillKind::Function
        } else {
            KillKind::Script
        };
        let mut text = dialect.killed(kill).as_bytes().to_vec();
        let line = run.killed_at_line.to_string();
        dialect.push_location(&mut text, &run.name, chunk_name.as_bytes(), line.as_bytes());
        return Reply::Error(text);
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
                let mut number = Vec::new();
                lua_core::tools::format_number(line, &mut number);
                dialect.push_location(&mut text, &run.name, source.as_bytes(), &number);
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
