//! Criterion benchmarks of the embedding API's cost per call, the figures a host pays on every
//! script run and every reply it reads: calling a Lua function from Rust, a Rust function from
//! Lua, and reading a table field from Rust.

use criterion::{criterion_group, criterion_main, Criterion};
use lua_core::api::{Function, Lua, Table};
use std::hint::black_box;

fn api_costs(c: &mut Criterion) {
    let lua = Lua::new();

    let identity: Function = lua
        .load("return function(x) return x end")
        .eval()
        .expect("function");
    c.bench_function("api_call_lua_from_rust", |b| {
        b.iter(|| identity.call::<_, i64>(black_box(7)).expect("call"))
    });

    let add = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a + b))
        .expect("function");
    lua.globals().set("add", add).expect("global");
    // 1,000 calls per iteration: divide the time by 1,000 for one call.
    let loop_1k: Function = lua
        .load("return function() local s = 0 for i = 1, 1000 do s = add(s, i) end return s end")
        .eval()
        .expect("loop");
    c.bench_function("api_call_rust_from_lua_x1000", |b| {
        b.iter(|| loop_1k.call::<_, i64>(()).expect("loop"))
    });

    let table: Table = lua
        .load("return {name = 'job:1', attempts = 3, [1] = 'first'}")
        .eval()
        .expect("table");
    c.bench_function("api_table_get_field", |b| {
        b.iter(|| table.get::<_, i64>(black_box("attempts")).expect("get"))
    });
    c.bench_function("api_table_get_index", |b| {
        b.iter(|| table.get::<_, String>(black_box(1)).expect("get"))
    });
}

criterion_group!(benches, api_costs);
criterion_main!(benches);
