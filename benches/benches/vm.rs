//! Criterion micro-benchmarks of the VM's hot paths. Each chunk is compiled once, outside the
//! timed loop; an iteration calls it once.

use criterion::{criterion_group, criterion_main, Criterion};
use lua_core::{stdlib, State, Value};

/// A state with the standard libraries and `source` loaded as the global function `bench`
/// (kept in a global so the collector sees it as reachable).
fn prepare(source: &str) -> State {
    let mut state = State::new();
    if let Err(e) = stdlib::open_all(&mut state) {
        panic!("opening libraries failed: {:?}", state.error_text(&e));
    }
    let f = match state.load(source.as_bytes(), b"=bench") {
        Ok(f) => f,
        Err(e) => panic!(
            "bench chunk does not compile: {}",
            String::from_utf8_lossy(&state.error_text(&e))
        ),
    };
    let chunk_result = match state.call_function(f, &[]) {
        Ok(v) => v,
        Err(e) => panic!(
            "bench chunk failed: {}",
            String::from_utf8_lossy(&state.error_text(&e))
        ),
    };
    let bench = chunk_result.first().copied().unwrap_or(Value::Nil);
    if let Err(e) = state.set_global("bench", bench) {
        panic!("{}", String::from_utf8_lossy(&state.error_text(&e)));
    }
    state
}

fn run(state: &mut State) {
    let f = state.get_global("bench");
    if let Err(e) = state.call_function(f, &[]) {
        panic!(
            "bench failed: {}",
            String::from_utf8_lossy(&state.error_text(&e))
        );
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
        "global_access_1k",
        "x = 0 return function() for i = 1, 1000 do x = x + 1 end return x end",
    ),
];

fn vm_hot_paths(c: &mut Criterion) {
    for (name, source) in CASES {
        let mut state = prepare(source);
        c.bench_function(name, |b| b.iter(|| run(&mut state)));
    }
}

criterion_group!(benches, vm_hot_paths);
criterion_main!(benches);
