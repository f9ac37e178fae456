//! FUNCTION libraries inside the functions' interpreter (Redis's `function_lua.c`).
//!
//! Functions run with their own globals table: empty, read-only, with a metatable whose
//! `__index` is the shared (frozen) globals. While a library's code runs at load time that
//! `__index` is switched to the *library API* instead: a table holding only a `redis` table
//! with `register_function`, `log`, the log levels and the version. Anything else the code
//! reads raises `Script attempted to access nonexistent global variable`, including
//! `redis.call` and the standard libraries.
//!
//! `redis.register_function` records into the [`Loading`] state what the library registers;
//! the callbacks go into the engine's scripts table, by index.

use super::redis_api::{log, raise_error_table};
use super::sandbox::nonexistent_global;
use super::{Shared, SCRIPTS_KEY};
use crate::host::LogLevel;
use crate::script::ScriptFlags;
use lua_core::api::{Error, Lua, Table};
use lua_core::native::{Ctx, ErrorKind, Raised, Slot, ValueRef};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Registry fields of the environment's tables.
const GLOBALS_KEY: &str = "__FUNCTION_GLOBALS__";
const GLOBALS_META_KEY: &str = "__FUNCTION_GLOBALS_META__";
const LIBRARY_API_KEY: &str = "__LIBRARY_API__";
const GLOBALS_API_KEY: &str = "__GLOBALS_API__";

/// A function a library registered.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    pub(crate) name: Vec<u8>,
    pub(crate) description: Option<Vec<u8>>,
    pub(crate) flags: ScriptFlags,
    /// The callback's index in the engine's scripts table.
    pub(crate) index: i64,
}

/// The library being loaded: when it started, its time limit, what it registered so far.
pub(crate) struct Loading {
    started: Instant,
    timeout: Option<Duration>,
    timed_out: bool,
    pub(crate) functions: Vec<Registered>,
}

impl Loading {
    pub(crate) fn new(timeout: Option<Duration>) -> Loading {
        Loading {
            started: Instant::now(),
            timeout,
            timed_out: false,
            functions: Vec::new(),
        }
    }

    /// Whether the load has run past its limit (remembered once it has).
    pub(crate) fn out_of_time(&mut self) -> bool {
        if let Some(limit) = self.timeout {
            if self.started.elapsed() > limit {
                self.timed_out = true;
            }
        }
        self.timed_out
    }

    pub(crate) fn timed_out(&self) -> bool {
        self.timed_out
    }
}

/// The functions' globals and the tables their metatable switches between.
#[derive(Clone)]
pub(crate) struct Environment {
    globals: Table,
    meta: Table,
    library_api: Table,
    globals_api: Table,
}

impl Environment {
    /// Build the environment in `lua` (whose globals are already frozen).
    pub(crate) fn build(lua: &Lua, dialect: &crate::Dialect) -> Result<Environment, Error> {
        lua.enter(|ctx| {
            // The library API: { redis = { register_function, log, ... } }, both tables
            // raising on names they lack, all read-only.
            let api = ctx.new_table(0, 1)?;
            let redis = ctx.new_table(0, 9)?;
            ctx.push_function("register_function", register_function);
            ctx.set_field(redis, "register_function")?;
            ctx.push_function("log", log);
            ctx.set_field(redis, "log")?;
            for (name, level) in [
                ("LOG_DEBUG", LogLevel::Debug),
                ("LOG_VERBOSE", LogLevel::Verbose),
                ("LOG_NOTICE", LogLevel::Notice),
                ("LOG_WARNING", LogLevel::Warning),
            ] {
                ctx.push_number(level as i32 as f64);
                ctx.set_field(redis, name)?;
            }
            if super::redis_api::set_version_fields(ctx, redis, dialect)? {
                ctx.push_copy(redis)?;
                ctx.set_field(api, "server")?;
            }
            set_error_metatable(ctx, redis)?;
            ctx.push_copy(redis)?;
            ctx.set_field(api, "redis")?;
            set_error_metatable(ctx, api)?;
            ctx.freeze(api)?;
            ctx.push_copy(api)?;
            ctx.set_registry_field(LIBRARY_API_KEY)?;
            // The functions' own globals: empty, reading through to the shared globals.
            let g = ctx.push_global("_G");
            ctx.push_copy(g)?;
            ctx.set_registry_field(GLOBALS_API_KEY)?;
            let globals = ctx.new_table(0, 0)?;
            let meta = ctx.new_table(0, 1)?;
            ctx.push_copy(g)?;
            ctx.set_field(meta, "__index")?;
            ctx.set_readonly(meta, true)?;
            ctx.set_metatable(globals, meta)?;
            ctx.set_readonly(globals, true)?;
            ctx.push_copy(globals)?;
            ctx.set_registry_field(GLOBALS_KEY)?;
            ctx.push_copy(meta)?;
            ctx.set_registry_field(GLOBALS_META_KEY)
        })?;
        Ok(Environment {
            globals: lua.named_registry_value(GLOBALS_KEY)?,
            meta: lua.named_registry_value(GLOBALS_META_KEY)?,
            library_api: lua.named_registry_value(LIBRARY_API_KEY)?,
            globals_api: lua.named_registry_value(GLOBALS_API_KEY)?,
        })
    }

    /// The table functions (and library code) see as their globals.
    pub(crate) fn globals(&self) -> Table {
        self.globals.clone()
    }

    /// Library code is about to run: globals read through to the library API.
    pub(crate) fn enter_load(&self) -> Result<(), Error> {
        self.point_at(&self.library_api)
    }

    /// Back to the shared globals.
    pub(crate) fn leave_load(&self) -> Result<(), Error> {
        self.point_at(&self.globals_api)
    }

    fn point_at(&self, target: &Table) -> Result<(), Error> {
        self.meta.set_readonly(false)?;
        let set = self.meta.raw_set("__index", target.clone());
        self.meta.set_readonly(true)?;
        set
    }
}

/// Give the table in `t` a metatable whose `__index` raises for any missing name.
fn set_error_metatable(ctx: &mut Ctx, t: Slot) -> Result<(), Raised> {
    let mt = ctx.new_table(0, 1)?;
    ctx.push_function("__index", nonexistent_global);
    ctx.set_field(mt, "__index")?;
    ctx.set_metatable(t, mt)?;
    ctx.pop(1);
    Ok(())
}

/// The text after `Error registering functions: ` for an error a library's code raised at
/// load time (`luaExtractErrorInformation`): `ERR <message>` for a string, the `err` field of
/// an error table.
pub(crate) fn load_error_text(ctx: &Ctx, kind: ErrorKind) -> Vec<u8> {
    let mut text = Vec::new();
    match ctx.get(ctx.top_slot()) {
        ValueRef::String(s) => {
            text.extend_from_slice(b"ERR ");
            text.extend_from_slice(s.as_bytes());
        }
        ValueRef::Number(x) => {
            text.extend_from_slice(b"ERR ");
            lua_core::tools::format_number(x, &mut text);
        }
        ValueRef::Table(t) => match t.get_field(b"err", ctx) {
            ValueRef::String(s) => text.extend_from_slice(s.as_bytes()),
            ValueRef::Number(x) => lua_core::tools::format_number(x, &mut text),
            _ => text.extend_from_slice(b"(null)"),
        },
        _ if kind == ErrorKind::Memory => text.extend_from_slice(b"ERR not enough memory"),
        _ => text.extend_from_slice(b"(null)"),
    }
    text
}

/// The flags a function may declare, by name (compared ignoring case).
const FLAGS: &[&str] = &[
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// What `redis.register_function` was given.
struct Arguments {
    name: Vec<u8>,
    description: Option<Vec<u8>>,
    flags: ScriptFlags,
    /// Where the callback is: an argument slot, or a key of the named-arguments table.
    callback: Callback,
}

enum Callback {
    Argument(usize),
    Field(Vec<u8>),
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=, callback=, flags=, description=}`.
fn register_function(ctx: &mut Ctx) -> Result<usize, Raised> {
    const OUTSIDE_LOAD: &str =
        "ERR redis.register_function can only be called on FUNCTION LOAD command";
    let Some(shared) = ctx.app_data::<Rc<Shared>>().cloned() else {
        return Err(raise_error_table(ctx, OUTSIDE_LOAD.as_bytes()));
    };
    if shared.loading.borrow().is_none() {
        let text = shared.dialect.message(OUTSIDE_LOAD);
        return Err(raise_error_table(ctx, text.as_bytes()));
    }
    let args = match read_arguments(ctx) {
        Ok(args) => args,
        Err(text) => return Err(raise_error(ctx, &shared.dialect.message(text))),
    };
    let checked_later = shared.dialect.host_checks_registrations();
    if !checked_later && !crate::functions::valid_name(&args.name) {
        return Err(raise_error(ctx, crate::functions::INVALID_NAME));
    }
    let duplicate = !checked_later
        && shared
            .loading
            .borrow()
            .as_ref()
            .is_some_and(|l| l.functions.iter().any(|f| f.name == args.name));
    if duplicate {
        return Err(raise_error(ctx, "Function already exists in the library"));
    }
    let index = shared.take_index();
    let scripts = ctx.push_registry_field(SCRIPTS_KEY.as_bytes());
    match &args.callback {
        Callback::Argument(n) => ctx.push_copy(ctx.arg_slot(*n))?,
        Callback::Field(key) => ctx.push_field(ctx.arg_slot(1), key)?,
    };
    ctx.raw_set_index(scripts, index)?;
    if let Some(loading) = shared.loading.borrow_mut().as_mut() {
        loading.functions.push(Registered {
            name: args.name,
            description: args.description,
            flags: args.flags,
            index,
        });
    }
    Ok(0)
}

fn raise_error(ctx: &mut Ctx, text: &str) -> Raised {
    raise_error_table(ctx, format!("ERR {text}").as_bytes())
}

fn read_arguments(ctx: &Ctx) -> Result<Arguments, &'static str> {
    match ctx.arg_count() {
        1 => read_named_arguments(ctx),
        2 => {
            let name = string_of(ctx.arg(1))
                .ok_or("first argument to redis.register_function must be a string")?;
            if !matches!(ctx.arg(2), ValueRef::Function(_)) {
                return Err("second argument to redis.register_function must be a function");
            }
            Ok(Arguments {
                name,
                description: None,
                flags: ScriptFlags::default(),
                callback: Callback::Argument(2),
            })
        }
        _ => Err("wrong number of arguments to redis.register_function"),
    }
}

/// The table form, read in the table's `next` order as Redis reads it (so the first bad
/// entry met is the one reported).
fn read_named_arguments(ctx: &Ctx) -> Result<Arguments, &'static str> {
    let ValueRef::Table(table) = ctx.arg(1) else {
        return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    };
    let mut name = None;
    let mut description = None;
    let mut flags = ScriptFlags::default();
    let mut callback = None;
    for (key, value) in table.iter() {
        let key_text = match key {
            ValueRef::String(s) => s.as_bytes(),
            // A number is a string to Lua's C API, and never one of the names.
            ValueRef::Number(_) => b"",
            _ => return Err("named argument key given to redis.register_function is not a string"),
        };
        let key_name = c_string(key_text);
        if key_name.eq_ignore_ascii_case(b"function_name") {
            name = Some(string_of(value).ok_or(
                "function_name argument given to redis.register_function must be a string",
            )?);
        } else if key_name.eq_ignore_ascii_case(b"description") {
            description =
                Some(string_of(value).ok_or(
                    "description argument given to redis.register_function must be a string",
                )?);
        } else if key_name.eq_ignore_ascii_case(b"callback") {
            if !matches!(value, ValueRef::Function(_)) {
                return Err(
                    "callback argument given to redis.register_function must be a function",
                );
            }
            callback = Some(Callback::Field(key_text.to_vec()));
        } else if key_name.eq_ignore_ascii_case(b"flags") {
            let ValueRef::Table(list) = value else {
                return Err("flags argument to redis.register_function must be a table representing function flags");
            };
            flags = read_flags(list).ok_or("unknown flag given")?;
        } else {
            return Err("unknown argument given to redis.register_function");
        }
    }
    let name = name.ok_or("redis.register_function must get a function name argument")?;
    let callback = callback.ok_or("redis.register_function must get a callback argument")?;
    Ok(Arguments {
        name,
        description,
        flags,
        callback,
    })
}

/// The flags of a `flags` list (`t[1]`, `t[2]`, ... up to the first nil); `None` for an entry
/// that is not a known flag's name.
fn read_flags(list: lua_core::native::TableRef<'_>) -> Option<ScriptFlags> {
    let mut flags = ScriptFlags::default();
    for i in 1.. {
        match list.get_index(i) {
            ValueRef::Nil => break,
            ValueRef::String(s) => {
                let given = c_string(s.as_bytes());
                let name = FLAGS
                    .iter()
                    .find(|f| given.eq_ignore_ascii_case(f.as_bytes()))?;
                flags.set_by_name(name);
            }
            _ => return None,
        }
    }
    Some(flags)
}

/// A string or number argument as Lua's `lua_tolstring` gives it (`luaGetStringSds`).
fn string_of(v: ValueRef<'_>) -> Option<Vec<u8>> {
    match v {
        ValueRef::String(s) => Some(s.as_bytes().to_vec()),
        ValueRef::Number(x) => {
            let mut out = Vec::new();
            lua_core::tools::format_number(x, &mut out);
            Some(out)
        }
        _ => None,
    }
}

/// The bytes up to the first NUL, as C's string functions see them.
fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}
