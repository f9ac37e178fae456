//! Coroutines driven from Rust: values both ways, statuses, errors, and the boundaries a yield
//! cannot cross. (The coroutine library itself is covered by `conformance/cases/coroutine`.)

use lua_core::api::{Error, Function, HookMask, Lua, Thread, ThreadStatus, Variadic};

fn runtime_message<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::RuntimeError { message, .. }) => message,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn values_travel_both_ways() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function(a, b) local c, d = coroutine.yield(a + b, a * b) local e = coroutine.yield() return 'done', c .. d, e end")
        .eval()
        .expect("f");
    let co = lua.create_thread(f).expect("thread");
    assert_eq!(co.status().expect("status"), ThreadStatus::Suspended);
    assert_eq!(co.resume::<_, (i64, i64)>((2, 3)).expect("first"), (5, 6));
    assert_eq!(
        co.resume::<_, Variadic<i64>>(("x", "y"))
            .expect("second")
            .len(),
        0
    );
    let r: (String, String, Option<i64>) = co.resume(()).expect("last");
    assert_eq!(r, ("done".into(), "xy".into(), None));
    assert_eq!(co.status().expect("status"), ThreadStatus::Dead);
    assert_eq!(
        runtime_message(co.resume::<_, ()>(())),
        "cannot resume dead coroutine"
    );
}

#[test]
fn errors_inside_end_the_coroutine() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function(x) coroutine.yield(x) error('failed at ' .. x) end")
        .set_name("=co")
        .eval()
        .expect("f");
    let co = lua.create_thread(f).expect("thread");
    assert_eq!(co.resume::<_, i64>(7).expect("yield"), 7);
    assert_eq!(runtime_message(co.resume::<_, ()>(())), "co:1: failed at 7");
    assert_eq!(co.status().expect("status"), ThreadStatus::Dead);
    assert_eq!(
        runtime_message(co.resume::<_, ()>(())),
        "cannot resume dead coroutine"
    );
}

#[test]
fn coroutines_made_in_lua_are_resumed_from_rust() {
    let lua = Lua::new();
    let co: Thread = lua
        .load("return coroutine.create(function() for i = 1, 3 do coroutine.yield(i * i) end return 'end' end)")
        .eval()
        .expect("thread");
    let mut seen = Vec::new();
    while co.status().expect("status") == ThreadStatus::Suspended {
        seen.push(co.resume::<_, lua_core::api::Value>(()).expect("resume"));
    }
    assert_eq!(seen.len(), 4);
    assert_eq!(lua.unpack::<i64>(seen[2].clone()).expect("9"), 9);
    assert_eq!(lua.unpack::<String>(seen[3].clone()).expect("end"), "end");
    // The same coroutine seen from Lua is dead.
    lua.globals().set("co", co).expect("set");
    assert_eq!(
        lua.load("return coroutine.status(co)")
            .eval::<String>()
            .expect("status"),
        "dead"
    );
}

#[test]
fn status_while_running_and_resuming() {
    let lua = Lua::new();
    let status_of = lua
        .create_function(|_, t: Thread| Ok(t.status()?.name()))
        .expect("f");
    lua.globals().set("status_of", status_of).expect("set");
    let r: (String, String) = lua
        .load(
            "local outer
             local inner = coroutine.create(function() return status_of(outer) end)
             outer = coroutine.create(function()
                 local _, seen_by_inner = coroutine.resume(inner)
                 return status_of(outer), seen_by_inner
             end)
             local _, a, b = coroutine.resume(outer)
             return a, b",
        )
        .eval()
        .expect("eval");
    assert_eq!(r, ("running".into(), "normal".into()));
}

/// A Rust function between the resume and the yield blocks the yield, as a C function does in
/// Lua 5.1.
#[test]
fn yield_cannot_cross_a_rust_function() {
    let lua = Lua::new();
    let call = lua
        .create_function(|_, f: Function| f.call::<_, ()>(()))
        .expect("call");
    lua.globals().set("call", call).expect("set");
    let r: (bool, String) = lua
        .load("local co = coroutine.create(function() call(function() coroutine.yield(1) end) end) return coroutine.resume(co)")
        .eval()
        .expect("eval");
    assert_eq!(
        r,
        (
            false,
            "attempt to yield across metamethod/C-call boundary".into()
        )
    );
}

/// A coroutine resumed from Rust inside a Rust function that the coroutine itself called is
/// running, so it cannot be resumed.
#[test]
fn a_running_coroutine_cannot_be_resumed() {
    let lua = Lua::new();
    let resume_it = lua
        .create_function(|_, t: Thread| t.resume::<_, ()>(()))
        .expect("f");
    lua.globals().set("resume_it", resume_it).expect("set");
    let r: (bool, String) = lua
        .load("local co co = coroutine.create(function() resume_it(co) end) return coroutine.resume(co)")
        .eval()
        .expect("eval");
    assert_eq!(r, (false, "cannot resume running coroutine".into()));
}

/// Yields happen across Lua-only call stacks of any depth, and the stack is intact afterwards.
#[test]
fn yield_from_deep_lua_calls() {
    let lua = Lua::new();
    let f: Function = lua
        .load("local function d(n) if n == 0 then return coroutine.yield('bottom') end return d(n - 1) + 1 end return function() return d(100) end")
        .eval()
        .expect("f");
    let co = lua.create_thread(f).expect("thread");
    assert_eq!(co.resume::<_, String>(()).expect("yield"), "bottom");
    assert_eq!(co.resume::<_, i64>(1000).expect("return"), 1100);
}

/// An interrupt from a hook passes through resumes and is not turned into a resume failure.
#[test]
fn interrupts_pass_through_coroutines() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function() while true do end end")
        .eval()
        .expect("f");
    let co = lua.create_thread(f).expect("thread");
    lua.set_hook(
        HookMask {
            every_nth_instruction: Some(1000),
            ..Default::default()
        },
        |_, _| Err(Error::Interrupted),
    )
    .expect("hook");
    assert!(matches!(co.resume::<_, ()>(()), Err(Error::Interrupted)));
    lua.remove_hook().expect("remove");
    assert_eq!(co.status().expect("status"), ThreadStatus::Dead);
}

/// A coroutine whose body is a Rust function runs it to completion.
#[test]
fn rust_function_as_coroutine_body() {
    let lua = Lua::new();
    let body = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a * b))
        .expect("body");
    let co = lua.create_thread(body).expect("thread");
    assert_eq!(co.resume::<_, i64>((6, 7)).expect("resume"), 42);
    assert_eq!(co.status().expect("status"), ThreadStatus::Dead);
}
