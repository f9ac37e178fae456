//! The unsafe code's workout, small enough for Miri (`.ci/miri` runs this file under Stacked
//! Borrows and under Tree Borrows): each test drives one unsafe area through the public API:
//! the dispatch loop's register pointer, calls and returns, upvalues, coroutines, the collector
//! with weak tables and finalizers, the native surface's views, and callbacks that borrow the
//! state from the VM. Under the normal test runner it is a quick smoke test.

use lua_core::api::{Function, HookMask, Lua, Table};
use lua_core::native::{Ctx, Raised, ValueRef};
use std::cell::Cell;
use std::rc::Rc;

fn eval_i64(lua: &Lua, source: &str) -> i64 {
    match lua.load(source).eval::<i64>() {
        Ok(n) => n,
        Err(e) => panic!("{source}: {e}"),
    }
}

/// Registers, arithmetic, branches, loops, table reads and writes, string building: the
/// dispatch loop writes registers through the frame's base pointer while calls move the
/// stack underneath.
#[test]
fn dispatch_loop_and_registers() {
    let lua = Lua::new();
    let source = "
        local t, s = {}, {}
        for i = 1, 40 do t[i] = i * 2; s[#s + 1] = tostring(i % 7) end
        local sum = 0
        for i, v in ipairs(t) do if v % 3 == 0 then sum = sum + v else sum = sum - 1 end end
        local k = 0
        while k < 10 do k = k + 1 end
        repeat k = k - 3 until k < 0
        return sum + #table.concat(s) + k";
    assert_eq!(eval_i64(&lua, source), 557); // lua5.1 prints 557
}

/// Deep enough calls that the stack is reallocated while frames point into it; varargs,
/// multiple results, tail calls, and errors unwinding through frames.
#[test]
fn calls_stack_growth_and_errors() {
    let lua = Lua::new();
    let source = "
        local function depth(n, ...) if n == 0 then return select('#', ...) end
            return depth(n - 1, n, ...) end
        local function tail(n) if n == 0 then return 'done' end return tail(n - 1) end
        local function many() return 1, 2, 3, 4, 5 end
        local a, b, c, d, e = many()
        local ok, err = pcall(function() local x = nil; return x.field end)
        assert(not ok and err:find('attempt to index'))
        assert(tail(300) == 'done')
        return depth(120) + a + b + c + d + e";
    assert_eq!(eval_i64(&lua, source), 135);
}

/// Open upvalues shared by closures, closed when their frame returns, and reused boxes.
#[test]
fn upvalues_open_and_closed() {
    let lua = Lua::new();
    let source = "
        local counters = {}
        for i = 1, 20 do
            local n = i
            counters[i] = { inc = function() n = n + 1 return n end, get = function() return n end }
        end
        local total = 0
        for i = 1, 20 do counters[i].inc(); total = total + counters[i].get() end
        local function outer() local x = 1
            local function mid() local function inner() x = x + 10 return x end return inner end
            return mid()
        end
        local f = outer(); f(); collectgarbage()
        return total + f()";
    assert_eq!(eval_i64(&lua, source), 230 + 21);
}

/// Coroutines: their own stacks, yields across calls, errors inside, and collection of dead
/// threads.
#[test]
fn coroutines() {
    let lua = Lua::new();
    let source = "
        local function gen(n) return coroutine.wrap(function()
            for i = 1, n do coroutine.yield(i) end end) end
        local sum = 0
        for v in gen(25) do sum = sum + v end
        local co = coroutine.create(function(a) local b = coroutine.yield(a + 1); error('boom' .. b) end)
        local _, first = coroutine.resume(co, 1)
        local ok, err = coroutine.resume(co, 5)
        assert(not ok and err:find('boom5') and coroutine.status(co) == 'dead')
        for i = 1, 30 do coroutine.wrap(function() coroutine.yield() end)() end
        collectgarbage()
        return sum + first";
    assert_eq!(eval_i64(&lua, source), 327);
}

/// Full collections with weak keys and values, finalizers that resurrect and allocate, and
/// strings freed and interned again.
#[test]
fn collector_weak_tables_and_finalizers() {
    let lua = Lua::new_with(
        lua_core::api::Library::ALL,
        lua_core::api::LuaOptions::new(),
    )
    .expect("state");
    let source = "
        local weak_k = setmetatable({}, {__mode = 'k'})
        local weak_v = setmetatable({}, {__mode = 'v'})
        local keep = {}
        for i = 1, 50 do
            local t = {i}
            weak_k[t] = i; weak_v[i] = {i}
            if i % 5 == 0 then keep[#keep + 1] = t end
        end
        local finalized = 0
        for i = 1, 10 do
            local u = newproxy(true)
            getmetatable(u).__gc = function() finalized = finalized + 1; local s = ('x'):rep(i) end
        end
        collectgarbage(); collectgarbage()
        local nk = 0 for _ in pairs(weak_k) do nk = nk + 1 end
        local nv = 0 for _ in pairs(weak_v) do nv = nv + 1 end
        for i = 1, 200 do local s = 'str' .. i end
        collectgarbage()
        return nk * 1000 + nv * 100 + finalized";
    assert_eq!(eval_i64(&lua, source), 10_000 + 10);
}

/// Rust callbacks borrow the state the VM lends them, call back into Lua, raise errors, and
/// keep handles that must survive collections.
#[test]
fn callbacks_and_handles() {
    let lua = Lua::new();
    let kept: Rc<Cell<i64>> = Rc::new(Cell::new(0));
    let seen = kept.clone();
    let twice = lua
        .create_function(move |lua, f: Function| {
            let a: i64 = f.call(1)?;
            let b: i64 = f.call(a)?;
            lua.gc_collect()?;
            seen.set(b);
            Ok(a + b)
        })
        .expect("function");
    lua.globals().set("twice", twice).expect("global");
    let table: Table = lua.load("return {1, 2, 3}").eval().expect("table");
    lua.gc_collect().expect("collect");
    assert_eq!(
        eval_i64(&lua, "return twice(function(x) return x * 3 end)"),
        12
    );
    assert_eq!(kept.get(), 9);
    assert_eq!(table.len().expect("len"), 3);
    let failing = lua
        .create_function(|_, ()| -> lua_core::api::Result<()> {
            Err(lua_core::api::Error::runtime("from rust"))
        })
        .expect("function");
    lua.globals().set("failing", failing).expect("global");
    let message: String = lua
        .load("local ok, e = pcall(failing) return e")
        .eval()
        .expect("pcall");
    assert_eq!(message, "from rust");
}

/// The API's fast paths read string bytes straight from the state (arguments, results, table
/// fields) and intern Rust strings as they push them, with collections in between.
#[test]
fn plain_fast_paths() {
    let lua = Lua::new();
    let join = lua
        .create_function(|lua, (a, b): (String, Option<String>)| {
            lua.gc_collect()?;
            Ok(format!("{a}+{}", b.unwrap_or_default()))
        })
        .expect("function");
    lua.globals().set("join", join).expect("global");
    let f: Function = lua
        .load("return function(s) return join(s, s .. '!'), #s end")
        .eval()
        .expect("function");
    let (text, n): (String, i64) = f.call("ab").expect("call");
    assert_eq!((text.as_str(), n), ("ab+ab!", 2));
    let t: Table = lua
        .load("return {name = 'x' .. 1, [2] = 'two'}")
        .eval()
        .expect("table");
    lua.gc_collect().expect("collect");
    assert_eq!(t.get::<_, String>("name").expect("get"), "x1");
    assert_eq!(t.get::<_, String>(2).expect("get"), "two");
}

/// A hook that runs every few instructions and stops a loop.
#[test]
fn hooks_interrupt() {
    let lua = Lua::new();
    let count = Rc::new(Cell::new(0));
    let seen = count.clone();
    let mask = HookMask {
        every_nth_instruction: Some(50),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        seen.set(seen.get() + 1);
        if seen.get() > 20 {
            Err(lua_core::api::Error::Interrupted)
        } else {
            Ok(())
        }
    })
    .expect("hook");
    let r = lua.load("local n = 0 while true do n = n + 1 end").exec();
    assert!(matches!(r, Err(lua_core::api::Error::Interrupted)));
    assert_eq!(count.get(), 21);
}

/// The native surface: views that borrow string bytes and tables, slots, errors as values.
fn sum_lengths(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut total = 0.0;
    for n in 1..=ctx.arg_count() {
        match ctx.get(ctx.arg_slot(n)) {
            ValueRef::String(s) => total += s.as_bytes().len() as f64,
            ValueRef::Table(t) => total += t.len() as f64,
            _ => return Err(ctx.arg_error(n, "string or table expected")),
        }
    }
    let t = ctx.new_table(0, 1)?;
    ctx.push_number(total);
    ctx.set_field(t, "total")?;
    Ok(1)
}

#[test]
fn native_surface_views() {
    let lua = Lua::new();
    lua.register_library("native", &[("sum_lengths", sum_lengths)])
        .expect("library");
    let source = "
        local r = native.sum_lengths('abc', {1, 2}, ('x'):rep(10))
        local ok, e = pcall(native.sum_lengths, 1)
        assert(not ok and e:find('string or table expected'))
        return r.total";
    assert_eq!(eval_i64(&lua, source), 15);
}

/// Long strings built in place in their own block (`string.rep`, a long concatenation),
/// found again through the intern table when an equal one exists.
#[test]
fn strings_built_in_place() {
    let lua = Lua::new();
    let source = "
        local a = string.rep('ab', 2100)
        local b = string.rep('ab', 1050) .. string.rep('ab', 1050)
        local t = {[a] = 7}
        return t[b] + #(a .. b) + (a == b and 1 or 0)";
    assert_eq!(eval_i64(&lua, source), 7 + 8400 + 1);
}

/// A scoped function borrowing from the stack, called, then dropped with its scope; a call
/// afterwards is an error.
#[test]
fn scoped_functions() {
    let lua = Lua::new();
    let mut total = 0i64;
    lua.scope(|scope| {
        let add = scope.create_function_mut(|_, n: i64| {
            total += n;
            Ok(())
        })?;
        lua.globals().set("add", add)?;
        lua.load("for i = 1, 10 do add(i) end").exec()
    })
    .expect("scope");
    assert_eq!(total, 55);
    assert!(lua.load("add(1)").exec().is_err());
}
