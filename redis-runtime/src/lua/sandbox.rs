//! The Lua environment scripts run in, as Redis 7.0.15 builds it: which libraries and
//! functions exist, the error handler, and the protection of every shared table.

use lua_core::api::{Error, Library, Lua, LuaOptions};
use lua_core::native::{Ctx, ErrorKind, Raised};

/// The standard libraries Redis opens (the debug library only long enough for the error
/// handler to capture what it needs).
const LIBRARIES: &[Library] = &[
    Library::Base,
    Library::Coroutine,
    Library::Table,
    Library::String,
    Library::Math,
    Library::Debug,
];

/// Valkey also opens the `os` library, with `clock` alone.
const VALKEY_OS_FUNCTIONS: &[&str] = &["clock"];

/// The base library without `loadfile`, `dofile` and `print`, and without `getfenv`,
/// `setfenv` and `newproxy`, which patched 7.0 builds remove.
const BASE_FUNCTIONS: &[&str] = &[
    "_G",
    "_VERSION",
    "assert",
    "collectgarbage",
    "error",
    "gcinfo",
    "getmetatable",
    "ipairs",
    "load",
    "loadstring",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawset",
    "select",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "unpack",
    "xpcall",
];

/// The message handler every script runs under: it turns the error into a table with `err`
/// and records where it was raised (`source`, `line`), skipping a native function that raised
/// it for the Lua code that called that function. EVAL finds it as the global
/// `__redis__err__handler`; the functions' interpreter keeps it in the registry
/// ([`ERROR_HANDLER_KEY`]), as Redis's `function_lua.c` does.
const ERROR_HANDLER_BODY: &str = r#"(err)
  local where = getinfo(2, 'nSl')
  if where and where.what == 'C' then
    where = getinfo(3, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if where then
    err['source'] = where.source
    err['line'] = where.currentline
  end
  return err
end
"#;

/// Registry field holding the functions' interpreter's error handler.
pub(crate) const ERROR_HANDLER_KEY: &str = "__ERROR_HANDLER__";

/// Which interpreter is built: EVAL's, or the one FUNCTION libraries live in. They differ in
/// the `redis` table (EVAL alone has `breakpoint`, `debug` and `replicate_commands`) and in
/// where the error handler is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Eval,
    Functions,
}

/// The error `__index` of the globals table raises for names that were never set.
pub(crate) fn nonexistent_global(ctx: &mut Ctx) -> Result<usize, Raised> {
    let name = match ctx.arg(2).as_bytes() {
        Some(name) => name.to_vec(),
        None => Vec::new(),
    };
    let mut msg = b"Script attempted to access nonexistent global variable '".to_vec();
    msg.extend_from_slice(&name);
    msg.push(b'\'');
    Err(ctx.error(msg))
}

/// Redis's `pcall`: Lua's, except that an error table with an `err` string comes back as that
/// string (scripts written for older Redis compare the message).
fn pcall(ctx: &mut Ctx) -> Result<usize, Raised> {
    ctx.check_any(1)?;
    let argc = ctx.arg_count();
    ctx.push_bool(true);
    for n in 1..=argc {
        ctx.push_copy(ctx.arg_slot(n))?;
    }
    match ctx.pcall(argc - 1, None, None) {
        // `true` and the results, above the arguments.
        Ok(()) => Ok(ctx.stack_len() - argc),
        Err(ErrorKind::Interrupt) => Err(ctx.reraise(ErrorKind::Interrupt)),
        Err(_) => {
            let error = ctx.top_slot();
            let has_message = ctx
                .get(error)
                .as_table()
                .is_some_and(|t| t.get_field(b"err", ctx).as_bytes().is_some());
            ctx.push_bool(false);
            if has_message {
                ctx.push_field(error, b"err")?;
            } else {
                ctx.push_copy(error)?;
            }
            Ok(2)
        }
    }
}

/// A new interpreter with Redis's scripting environment. `extra` opens the host's own
/// libraries before everything is frozen.
pub(crate) fn build(
    libraries: &[crate::ExtraLibrary],
    random: super::rand48::Rand48,
    flavor: Flavor,
    dialect: &crate::Dialect,
) -> Result<Lua, Error> {
    // Redis's Lua has no binary loader: a chunk starting with ESC is parsed as text.
    let options = LuaOptions::new()
        .allow(Library::Base, BASE_FUNCTIONS)
        .allow(Library::Os, VALKEY_OS_FUNCTIONS)
        .binary_chunks_as_text()
        .string_hash(dialect.string_hash());
    let mut opened = LIBRARIES.to_vec();
    if dialect.has_os_clock() {
        opened.push(Library::Os);
    }
    let lua = Lua::new_with(&opened, options)?;
    lua.set_random_source(Box::new(random))?;
    lua.enter(|ctx| {
        for lib in libraries {
            lib.open(ctx)?;
        }
        ctx.push_function("pcall", pcall);
        ctx.set_global("pcall")?;
        super::redis_api::open(ctx, flavor == Flavor::Eval, dialect)
    })?;
    let prelude = "local getinfo = debug.getinfo\n";
    match flavor {
        Flavor::Eval => {
            let source = format!("{prelude}function __redis__err__handler{ERROR_HANDLER_BODY}");
            lua.load(source).set_name("=redis_init").exec()?;
        }
        Flavor::Functions => {
            let source = format!("{prelude}return function{ERROR_HANDLER_BODY}");
            let handler: lua_core::api::Function =
                lua.load(source).set_name("@err_handler_def").call(())?;
            lua.set_named_registry_value(ERROR_HANDLER_KEY, handler)?;
        }
    }
    lua.enter(|ctx| {
        ctx.push_nil();
        ctx.set_global("debug")?;
        // Reading a global that does not exist is an error.
        let g = ctx.push_global("_G");
        let mt = ctx.new_table(0, 1)?;
        ctx.push_function("__index", nonexistent_global);
        ctx.set_field(mt, "__index")?;
        ctx.set_metatable(g, mt)?;
        ctx.freeze(g)?;
        // Strings' metatable too: scripts must not change how every string behaves.
        let s = ctx.push_bytes("")?;
        let string_mt = ctx.push_metatable(s);
        if !ctx.get(string_mt).is_nil() {
            ctx.freeze(string_mt)?;
        }
        Ok(())
    })?;
    Ok(lua)
}
