//! Read-only tables, as Redis 7.0's Lua has them (`lua_enablereadonlytable`): every write fails
//! with `Attempt to modify a readonly table`. Writes made by Lua code carry the position of the
//! assignment; writes made through library functions (the C API in Redis) carry none.
//!
//! Expected outputs were recorded from Redis 7.0.0's `deps/lua` embedded in a C host that
//! registers `set_readonly(t, flag)` and runs each script as chunk `=t`.

mod common;
use common::Output;

use lua_core::api::{Error, Lua, Table};

/// A state with `set_readonly(t, flag)` registered, as the reference host has it.
fn lua_with_set_readonly() -> Lua {
    let lua = Lua::new();
    let set_readonly = lua
        .create_function(|_, (t, readonly): (Table, bool)| t.set_readonly(readonly))
        .expect("function");
    lua.globals()
        .set("set_readonly", set_readonly)
        .expect("global");
    lua
}

fn expect(source: &str, expected: &str) {
    let lua = lua_with_set_readonly();
    let out = Output::default();
    lua.set_stdout(Box::new(out.clone())).expect("stdout");
    let report = match lua.load(source).set_name("=t").exec() {
        Ok(()) => String::new(),
        Err(e) => format!("ERROR: {e}\n"),
    };
    let printed = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    assert_eq!(printed + &report, expected);
}

const READONLY: &str = "Attempt to modify a readonly table";

fn readonly_error(r: Result<(), Error>) {
    match r {
        Err(Error::RuntimeError { message, .. }) => assert_eq!(message, READONLY),
        other => panic!("expected the read-only error, got {other:?}"),
    }
}

/// Writes through the Rust API fail the same way, without position (as Redis's C API does).
#[test]
fn api_writes_to_a_readonly_table_fail() {
    let lua = Lua::new();
    let t: Table = lua.load("return {1, 2, a = 1}").eval().expect("table");
    t.set_readonly(true).expect("set");
    assert!(t.is_readonly().expect("flag"));
    readonly_error(t.set("x", 1));
    readonly_error(t.set("a", 5));
    readonly_error(t.raw_set("x", 1));
    readonly_error(t.push(3));
    readonly_error(t.set_metatable(None));
    assert_eq!(t.get::<_, i64>("a").expect("read"), 1);
    assert_eq!(t.len().expect("len"), 2);
    t.set_readonly(false).expect("unset");
    t.set("x", 1).expect("writable again");
    assert_eq!(t.get::<_, i64>("x").expect("read"), 1);
}

/// A Rust function that propagates the error raises it in Lua without position.
#[test]
fn api_write_inside_a_callback_raises_in_lua() {
    let lua = Lua::new();
    let t = lua.create_table().expect("table");
    t.set_readonly(true).expect("set");
    lua.globals().set("frozen", t).expect("global");
    let store = lua
        .create_function(|lua, v: i64| lua.globals().get::<_, Table>("frozen")?.set("v", v))
        .expect("function");
    lua.globals().set("store", store).expect("global");
    let r: (bool, String) = lua.load("return pcall(store, 1)").eval().expect("pcall");
    assert_eq!(r, (false, READONLY.to_string()));
}

/// Assignments from Lua code: new keys, existing keys, array slots, and writes reaching the table through a `__newindex` chain. Redis checks the flag before any `__newindex` of the table itself.
#[test]
fn assignments_fail_with_the_position_of_the_assignment() {
    expect(
        r#"local t = {1, 2, 3, a = 1}
set_readonly(t, true)
print(pcall(function() t.x = 1 end))
print(pcall(function() t.a = 2 end))
print(pcall(function() t[1] = 5 end))
print(pcall(function() t[4] = 5 end))
print(pcall(function() t[nil] = 5 end))
local proxy = setmetatable({}, {__newindex = t})
print(pcall(function() proxy.y = 1 end))
local m = setmetatable({}, {__newindex = function(tt, k, v) print("newindex called", k) end})
set_readonly(m, true)
print(pcall(function() m.z = 1 end))
print(t.x, t.a, t[1], t[4], #t)
"#,
        "false\tt:3: Attempt to modify a readonly table\nfalse\tt:4: Attempt to modify a readonly table\nfalse\tt:5: Attempt to modify a readonly table\nfalse\tt:6: Attempt to modify a readonly table\nfalse\tt:7: Attempt to modify a readonly table\nfalse\tt:9: Attempt to modify a readonly table\nfalse\tt:12: Attempt to modify a readonly table\nnil\t1\t1\tnil\t3\n",
    );
}

/// `rawset`, `setmetatable` and the `table` functions write through the C API, which adds no position.
#[test]
fn library_writes_fail_without_position() {
    expect(
        r#"local t = {1, 2, 3, a = 1}
set_readonly(t, true)
print(pcall(rawset, t, "x", 1))
print(pcall(rawset, t, "a", 1))
print(pcall(setmetatable, t, {}))
print(pcall(setmetatable, t, nil))
print(pcall(table.insert, t, 1))
print(pcall(table.insert, t, 1, 1))
print(pcall(table.remove, t))
print(pcall(table.remove, t, 1))
print(pcall(table.sort, t, function(a, b) return a > b end))
print(pcall(function() rawset(t, "x", 1) end))
print(pcall(function() setmetatable(t, {}) end))
print(pcall(function() table.insert(t, 1) end))
print(pcall(function() table.remove(t) end))
print(pcall(function() table.sort(t, function(a, b) return a > b end) end))
print(table.concat(t, ","), rawget(t, "a"), getmetatable(t))
"#,
        "false\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\n1,2,3\t1\tnil\n",
    );
}

/// `table.sort` of an already ordered or tiny table and `table.remove` of an empty one write nothing, so they succeed.
#[test]
fn library_calls_that_write_nothing_succeed() {
    expect(
        r#"local t = {1, 2, 3}
set_readonly(t, true)
print(pcall(table.sort, t))
local e = {}
set_readonly(e, true)
print(pcall(table.sort, e))
print(pcall(table.remove, e))
print(pcall(table.insert, e, 1))
local one = {1}
set_readonly(one, true)
print(pcall(table.sort, one))
"#,
        "true\ntrue\ntrue\nfalse\tAttempt to modify a readonly table\ntrue\n",
    );
}

/// Reading, traversal, and writes to the (writable) metatable of a read-only table.
#[test]
fn reads_and_the_metatable_stay_available() {
    expect(
        r#"local mt = {}
local w = setmetatable({a = 1, b = 2}, mt)
set_readonly(w, true)
mt.__index = {q = "from metatable"}
print(w.q, w.a, rawget(w, "b"))
local n = 0
for k, v in pairs(w) do n = n + 1 end
print(n, next(w) ~= nil)
set_readonly(w, false)
w.c = 3
print(w.c)
"#,
        "from metatable\t1\t2\n2\ttrue\n3\n",
    );
}

/// A read-only global table, as Redis 7 makes it for scripts.
#[test]
fn readonly_globals() {
    expect(
        r#"set_readonly(_G, true)
print(pcall(function() x = 1 end))
print(pcall(rawset, _G, "x", 1))
local ok = pcall(function() local y = 1; y = 2 end)
print(ok, x, type(print))
"#,
        "false\tt:2: Attempt to modify a readonly table\nfalse\tAttempt to modify a readonly table\ntrue\tnil\tfunction\n",
    );
}
