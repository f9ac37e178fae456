//! The `cjson` library: lua-cjson 2.1.0 as Redis 7.0 bundles it (JSON encoding and decoding,
//! with the per-module configuration functions).
//!
//! # Where the configuration lives
//! lua-cjson keeps its settings in a userdata that every function of one module table holds as
//! its first upvalue, so `cjson` and each table made by `cjson.new()` are configured
//! independently. The same is done here: [`new_module`] makes one [`config::Config`] userdata
//! and gives it as upvalue 1 to each of the module's functions ([`Ctx::push_closure`]); a call
//! finds its own module's settings through [`Ctx::upvalue`].
//!
//! # `cjson.null`
//! lua-cjson uses the light userdata `NULL` for JSON's `null`: one value, the same in every
//! module table and in every decoded document. Here it is one userdata per Lua state, made on
//! first use and kept in the registry under [`NULL_REGISTRY_KEY`]; the encoder recognises it by
//! identity, and `tostring` shows it as Lua 5.1 shows `NULL` (`userdata: (nil)`).
//!
//! The parts: [`config`] (settings and their functions), [`encode`] (Lua to JSON), [`lexer`]
//! and [`decode`] (JSON to Lua).

mod config;
mod decode;
mod encode;
mod lexer;

use lua_core::native::{Ctx, NativeFunction, Raised, Slot, ValueRef};

/// The module name and version lua-cjson reports in `_NAME` and `_VERSION`.
const MODULE_NAME: &str = "cjson";
const MODULE_VERSION: &str = "2.1.0";

/// The registry field holding the `null` sentinel shared by every module table of a state.
const NULL_REGISTRY_KEY: &str = "redis-runtime.cjson.null";

/// The most stack slots a C function may use in Lua 5.1 (`LUAI_MAXCSTACK`). lua-cjson asks for
/// room with `lua_checkstack` at each level of nesting, so, with the depth limits raised, this
/// is where encoding and decoding stop: the same depths are refused here.
const C_STACK_LIMIT: usize = 8000;

/// The module's functions in lua-cjson's registration order (with the fields set after them,
/// this decides the `pairs` order of the table).
const FUNCTIONS: &[(&str, NativeFunction)] = &[
    ("encode", encode::encode),
    ("decode", decode::decode),
    ("encode_sparse_array", config::encode_sparse_array),
    ("encode_max_depth", config::encode_max_depth),
    ("decode_max_depth", config::decode_max_depth),
    ("encode_number_precision", config::encode_number_precision),
    ("encode_keep_buffer", config::encode_keep_buffer),
    ("encode_invalid_numbers", config::encode_invalid_numbers),
    ("decode_invalid_numbers", config::decode_invalid_numbers),
    ("new", new),
];

/// Open the library as the global table `cjson`; its slot is left on the stack.
pub fn open(ctx: &mut Ctx) -> Result<Slot, Raised> {
    let module = new_module(ctx)?;
    ctx.push_copy(module)?;
    ctx.set_global(MODULE_NAME)?;
    Ok(module)
}

/// `cjson.new()`: a fresh module table with its own default configuration.
fn new(ctx: &mut Ctx) -> Result<usize, Raised> {
    new_module(ctx)?;
    Ok(1)
}

/// Build a module table (left on top of the stack) with a configuration of its own.
fn new_module(ctx: &mut Ctx) -> Result<Slot, Raised> {
    // Filled field by field from empty, as lua-cjson does, so the table grows (and orders its
    // keys) the same way.
    let module = ctx.new_table(0, 0)?;
    let config = ctx.new_userdata(config::Config::default())?;
    for &(name, f) in FUNCTIONS {
        ctx.push_closure(name, f, &[config])?;
        ctx.set_field(module, name)?;
    }
    ctx.pop(1);
    push_null(ctx)?;
    ctx.set_field(module, "null")?;
    ctx.push_bytes(MODULE_NAME)?;
    ctx.set_field(module, "_NAME")?;
    ctx.push_bytes(MODULE_VERSION)?;
    ctx.set_field(module, "_VERSION")?;
    Ok(module)
}

/// Push the state's `null` sentinel, creating it on first use.
fn push_null(ctx: &mut Ctx) -> Result<Slot, Raised> {
    let slot = ctx.push_registry_field(NULL_REGISTRY_KEY.as_bytes());
    if matches!(ctx.get(slot), ValueRef::UserData(_)) {
        return Ok(slot);
    }
    ctx.pop(1);
    let null = ctx.new_userdata(lua_core::native::NullPointer)?;
    ctx.push_copy(null)?;
    ctx.set_registry_field(NULL_REGISTRY_KEY)?;
    Ok(null)
}

/// The identity of the state's `null` sentinel, if it exists yet.
fn null_identity(ctx: &Ctx) -> Option<usize> {
    match ctx.registry_field(NULL_REGISTRY_KEY.as_bytes()) {
        ValueRef::UserData(null) => Some(null.identity()),
        _ => None,
    }
}
