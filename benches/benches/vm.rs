//! Criterion micro-benchmarks of the VM's hot paths. Each chunk is compiled once, outside the
//! timed loop; an iteration calls it once.

use criterion::{criterion_group, criterion_main, Criterion};
use lua_core::api::{Function, Library, Lua, LuaOptions};
use lua_core::native::{Ctx, Raised};

/// An interpreter with the standard libraries and `source` loaded; the chunk returns the
/// function to time, kept in the global `bench`.
fn prepare(source: &str) -> Lua {
    let lua = match Lua::new_with(Library::ALL, LuaOptions::new()) {
        Ok(lua) => lua,
        Err(e) => panic!("opening libraries failed: {e}"),
    };
    register_natives(&lua);
    let bench: Function = match lua.load(source).set_name("=bench").eval() {
        Ok(f) => f,
        Err(e) => panic!("bench chunk failed: {e}"),
    };
    if let Err(e) = lua.globals().set("bench", bench) {
        panic!("{e}");
    }
    lua
}

/// Call `bench` through the extension surface, so the timing is the script's own.
fn run(lua: &Lua) {
    let r = lua.enter(|ctx| {
        ctx.push_global("bench");
        ctx.call(0, Some(0))
    });
    if let Err(e) = r {
        panic!("bench failed: {e}");
    }
}

/// `native.assert(v, ...)`: the built-in `assert`'s work (check the first argument, return all
/// of them) written against the extension surface, to compare the cost of a call through the
/// surface with a call of a standard library function written against the VM directly.
fn native_assert(ctx: &mut Ctx) -> Result<usize, Raised> {
    ctx.check_any(1)?;
    if !ctx.arg(1).is_truthy() {
        return Err(ctx.error("assertion failed!"));
    }
    Ok(ctx.arg_count())
}

fn register_natives(lua: &Lua) {
    if let Err(e) = lua.register_library("native", &[("assert", native_assert)]) {
        panic!("{e}");
    }
}

const CASES: &[(&str, &str)] = &[
    ("numeric_for_1k", "return function() local s = 0 for i = 1, 1000 do s = s + i end return s end"),
    (
        "lua_calls_1k",
        "local function f(x) return x + 1 end return function() local s = 0 for i = 1, 1000 do s = f(s) end return s end",
    ),
    (
        "table_array_rw_1k",
        "local t = {} for i = 1, 1000 do t[i] = i end return function() local s = 0 for i = 1, 1000 do t[i] = t[i] + 1; s = s + t[i] end return s end",
    ),
    (
        "table_field_1k",
        "local o = {x = 1, y = 2} return function() for i = 1, 1000 do o.x = o.x + o.y end return o.x end",
    ),
    (
        "method_call_1k",
        "local C = {} C.__index = C function C:get() return self.v end local o = setmetatable({v = 1}, C) return function() local s = 0 for i = 1, 1000 do s = s + o:get() end return s end",
    ),
    (
        "closure_create_100",
        "return function() local fs = {} for i = 1, 100 do fs[i] = function() return i end end return fs end",
    ),
    (
        "string_concat_100",
        "return function() local s = '' for i = 1, 100 do s = s .. i end return s end",
    ),
    (
        "builtin_call_1k",
        "local f = assert return function() local s = 0 for i = 1, 1000 do s = s + f(i) end return s end",
    ),
    (
        "native_call_1k",
        "local f = native.assert return function() local s = 0 for i = 1, 1000 do s = s + f(i) end return s end",
    ),
    (
        "global_access_1k",
        "x = 0 return function() for i = 1, 1000 do x = x + 1 end return x end",
    ),
];

fn vm_hot_paths(c: &mut Criterion) {
    for (name, source) in CASES {
        let lua = prepare(source);
        c.bench_function(name, |b| b.iter(|| run(&lua)));
    }
}

criterion_group!(benches, vm_hot_paths);
criterion_main!(benches);
