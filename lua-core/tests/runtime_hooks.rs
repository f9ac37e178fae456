//! Hooks: instruction counts, lines, calls and returns; interrupting scripts that never end.
//!
//! The event sequences and counts were recorded from Lua 5.1.5 embedded in a C host that sets
//! the same hook with `lua_sethook` before running the script as chunk `=t`.

mod common;
use common::Output;

use lua_core::api::{Error, Function, HookEvent, HookMask, Lua, Table};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const SCRIPT: &str = r#"local function f(x)
  if x > 1 then
    return x * 2
  end
  return x
end
local s = 0
for i = 1, 3 do
  s = s + f(i)
end
while s > 10 do s = s - 1 end
local t = setmetatable({}, {__index = function(t, k) return k end})
s = s + t[1]
print(s)
"#;

/// Run `SCRIPT` with a hook on `mask` that writes each event into the print stream.
fn trace(mask: HookMask) -> String {
    let lua = Lua::new();
    let out = Output::default();
    lua.set_stdout(Box::new(out.clone())).expect("stdout");
    let log = out.clone();
    let counted = Rc::new(Cell::new(0));
    let count = counted.clone();
    lua.set_hook(mask, move |_, event| {
        match event {
            HookEvent::Count => count.set(count.get() + 1),
            HookEvent::Line(line) => log
                .0
                .borrow_mut()
                .extend(format!("[line {line}]\n").bytes()),
            other => log
                .0
                .borrow_mut()
                .extend(format!("[{}]\n", other.name()).bytes()),
        }
        Ok(())
    })
    .expect("hook");
    lua.load(SCRIPT).set_name("=t").exec().expect("script");
    let mut text = out.text();
    if mask.every_nth_instruction.is_some() {
        text += &format!("[count calls {}]\n", counted.get());
    }
    text
}

#[test]
fn line_events_match_lua_5_1() {
    let mask = HookMask {
        on_line: true,
        ..Default::default()
    };
    assert_eq!(
        trace(mask),
        "[line 6]\n[line 7]\n[line 8]\n[line 9]\n[line 2]\n[line 5]\n[line 8]\n[line 9]\n[line 2]\n[line 3]\n[line 8]\n[line 9]\n[line 2]\n[line 3]\n[line 8]\n[line 11]\n[line 11]\n[line 12]\n[line 13]\n[line 12]\n[line 14]\n11\n"
    );
}

#[test]
fn call_and_return_events_match_lua_5_1() {
    let mask = HookMask {
        on_call: true,
        on_return: true,
        ..Default::default()
    };
    assert_eq!(
        trace(mask),
        "[call]\n[call]\n[return]\n[call]\n[return]\n[call]\n[return]\n[call]\n[return]\n[call]\n[return]\n[call]\n[call]\n[return]\n11\n[return]\n[return]\n"
    );
}

#[test]
fn count_hook_calls_match_lua_5_1() {
    let every = |n| HookMask {
        every_nth_instruction: Some(n),
        ..Default::default()
    };
    assert_eq!(trace(every(1)), "11\n[count calls 47]\n");
    assert_eq!(trace(every(7)), "11\n[count calls 6]\n");
    assert_eq!(trace(every(100)), "11\n[count calls 0]\n");
}

/// A count hook that gives up after `limit` calls.
fn interrupt_after(lua: &Lua, limit: u32) -> Rc<Cell<u32>> {
    let calls = Rc::new(Cell::new(0));
    let seen = calls.clone();
    let mask = HookMask {
        every_nth_instruction: Some(1000),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        seen.set(seen.get() + 1);
        if seen.get() >= limit {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    })
    .expect("hook");
    calls
}

#[test]
fn count_hook_interrupts_an_endless_loop() {
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 50);
    assert!(matches!(
        lua.load("while true do end").exec(),
        Err(Error::Interrupted)
    ));
    assert_eq!(calls.get(), 50);
    // The state is usable afterwards.
    lua.remove_hook().expect("remove");
    assert_eq!(lua.load("return 6 * 7").eval::<i64>().expect("eval"), 42);
}

#[test]
fn protected_calls_cannot_swallow_an_interrupt() {
    let scripts = [
        "pcall(function() while true do end end) reached = true",
        "pcall(pcall, function() while true do end end) reached = true",
        "xpcall(function() while true do end end, function() reached = 'handler' end) reached = true",
        "local ok = pcall(function() for i = 1, math.huge do local t = {} end end) reached = true",
        "coroutine.resume(coroutine.create(function() while true do end end)) reached = true",
        "pcall(coroutine.wrap(function() while true do end end)) reached = true",
        "local t = setmetatable({}, {__index = function() while true do end end}) pcall(function() return t.x end) reached = true",
        "pcall(string.gsub, 'abc', '%w', function() while true do end end) reached = true",
    ];
    for script in scripts {
        let lua = Lua::new();
        interrupt_after(&lua, 10);
        let r = lua.load(script).exec();
        assert!(matches!(r, Err(Error::Interrupted)), "{script}: {r:?}");
        lua.remove_hook().expect("remove");
        let reached: Option<String> = lua
            .load("return reached and tostring(reached)")
            .eval()
            .expect("eval");
        assert_eq!(reached, None, "{script}");
    }
}

#[test]
fn interrupt_crosses_rust_callbacks() {
    let lua = Lua::new();
    interrupt_after(&lua, 10);
    let run = lua
        .create_function(|_, f: Function| f.call::<_, ()>(()))
        .expect("function");
    lua.globals().set("run", run).expect("global");
    let r = lua
        .load("pcall(run, function() while true do end end)")
        .exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
}

#[test]
fn a_hook_may_let_the_script_continue() {
    let lua = Lua::new();
    let calls = interrupt_after(&lua, u32::MAX);
    let sum: f64 = lua
        .load("local s = 0 for i = 1, 100000 do s = s + i end return s")
        .eval()
        .expect("eval");
    assert_eq!(sum, 5000050000.0);
    assert!(calls.get() > 100, "the hook ran {} times", calls.get());
}

#[test]
fn a_hook_may_inspect_the_state_and_decide() {
    let lua = Lua::new();
    let mask = HookMask {
        every_nth_instruction: Some(100),
        ..Default::default()
    };
    lua.set_hook(mask, |lua, _| {
        let progress: Option<i64> = lua.globals().get("progress")?;
        if progress.unwrap_or(0) > 5000 {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    })
    .expect("hook");
    let r = lua.load("for i = 1, 1e9 do progress = i end").exec();
    assert!(matches!(r, Err(Error::Interrupted)));
    let progress: i64 = lua.globals().get("progress").expect("progress");
    assert!((5001..5200).contains(&progress), "{progress}");
}

/// Errors other than `Interrupted` are ordinary runtime errors: `pcall` catches them.
#[test]
fn other_hook_errors_are_catchable() {
    let lua = Lua::new();
    let armed = Rc::new(Cell::new(true));
    let fire = armed.clone();
    let mask = HookMask {
        every_nth_instruction: Some(50),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        if fire.replace(false) {
            Err(Error::runtime("stopped by the hook"))
        } else {
            Ok(())
        }
    })
    .expect("hook");
    let r: (bool, String, String) = lua
        .load("local ok, e = pcall(function() for i = 1, 1000 do end end) return ok, e, 'after'")
        .eval()
        .expect("eval");
    assert_eq!(
        r,
        (
            false,
            "stopped by the hook".to_string(),
            "after".to_string()
        )
    );
}

/// Lua code a hook runs does not call the hook again.
#[test]
fn hooks_do_not_nest() {
    let lua = Lua::new();
    lua.load("function helper() local n = 0 for i = 1, 100 do n = n + i end return n end")
        .exec()
        .expect("setup");
    let depth = Rc::new(Cell::new(0));
    let deepest = Rc::new(Cell::new(0));
    let (d, m) = (depth.clone(), deepest.clone());
    let mask = HookMask {
        every_nth_instruction: Some(1),
        on_line: true,
        ..Default::default()
    };
    lua.set_hook(mask, move |lua, _| {
        d.set(d.get() + 1);
        m.set(m.get().max(d.get()));
        let r = lua
            .globals()
            .get::<_, Function>("helper")?
            .call::<_, i64>(());
        d.set(d.get() - 1);
        assert_eq!(r?, 5050);
        Ok(())
    })
    .expect("hook");
    lua.load("local x = 1\nx = x + 1").exec().expect("script");
    assert_eq!(deepest.get(), 1);
}

#[test]
fn removing_the_hook_stops_the_calls() {
    let lua = Lua::new();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    lua.set_hook(
        HookMask {
            on_line: true,
            ..Default::default()
        },
        move |_, _| {
            c.set(c.get() + 1);
            Ok(())
        },
    )
    .expect("hook");
    lua.load("local a = 1\nlocal b = 2").exec().expect("script");
    assert_eq!(calls.get(), 2);
    lua.remove_hook().expect("remove");
    lua.load("local a = 1\nlocal b = 2").exec().expect("script");
    assert_eq!(calls.get(), 2);
    // An empty mask removes the hook too.
    let c = calls.clone();
    lua.set_hook(HookMask::default(), move |_, _| {
        c.set(c.get() + 100);
        Ok(())
    })
    .expect("hook");
    lua.load("local a = 1").exec().expect("script");
    assert_eq!(calls.get(), 2);
}

/// Line hooks see every line of code the API calls into, including functions called later.
#[test]
fn line_hook_follows_calls_from_rust() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function(t)\n  t.a = 1\n  t.b = 2\nend")
        .set_name("=f")
        .eval()
        .expect("f");
    let lines = Rc::new(RefCell::new(Vec::new()));
    let l = lines.clone();
    lua.set_hook(
        HookMask {
            on_line: true,
            ..Default::default()
        },
        move |_, e| {
            if let HookEvent::Line(n) = e {
                l.borrow_mut().push(n);
            }
            Ok(())
        },
    )
    .expect("hook");
    let t = lua.create_table().expect("table");
    f.call::<_, ()>(t.clone()).expect("call");
    assert_eq!(*lines.borrow(), [2, 3, 4]);
    let t: Table = t;
    assert_eq!(t.get::<_, i64>("b").expect("b"), 2);
}

/// `debug.sethook`'s countdown runs per coroutine, as in Lua 5.1 (a new coroutine starts a
/// fresh count): lua5.1 counts 16 calls for this script.
#[test]
fn debug_sethook_counts_per_coroutine() {
    use lua_core::api::{Library, LuaOptions};
    let libraries = [Library::Base, Library::Coroutine, Library::Debug];
    let lua = Lua::new_with(&libraries, LuaOptions::new()).expect("state");
    let n: i64 = lua
        .load(
            "local n = 0\n\
             debug.sethook(function() n = n + 1 end, '', 7)\n\
             local co = coroutine.wrap(function() for i = 1, 10 do coroutine.yield(i) end end)\n\
             local s = 0\n\
             for i = 1, 10 do s = s + co() end\n\
             debug.sethook()\n\
             return n",
        )
        .eval()
        .expect("script");
    assert_eq!(n, 16);
}

/// A host's count hook counts every instruction the state runs, whichever coroutine runs
/// it, so a budget also stops work spread over many short coroutines. Found by fuzzing: each
/// call below runs a few instructions in a coroutine of its own and starts two more, a tree
/// of about 2^200 calls that a per-coroutine count never notices.
#[test]
fn a_host_count_spans_coroutines() {
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 20);
    let r = lua
        .load(
            "local function endless()\n\
               local co = coroutine.create(endless) coroutine.resume(co)\n\
               local co = coroutine.create(endless) coroutine.resume(co)\n\
             end\n\
             endless()",
        )
        .exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
    assert_eq!(calls.get(), 20);
}

/// A long chunk loaded again and again is work the count sees (a byte an instruction).
#[test]
fn a_budget_counts_the_compiling_loadstring_does() {
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 20);
    let r = lua
        .load(
            "local src = string.rep('local a = 1 ', 100000)\n\
             for i = 1, 1000000 do loadstring(src) end",
        )
        .exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
    assert_eq!(calls.get(), 20);
}

/// A match that backtracks quadratically over a long subject: about 10^10 steps, hours of
/// matching, in one call of each pattern function. The last backtracks over a long pattern
/// instead (each pass forward walks ~144,000 optional items: found by fuzzing).
const SLOW_MATCHES: &[&str] = &[
    "return string.find(string.rep('a', 100000), '.-.-.-.-.-b')",
    "return string.match(string.rep('a', 100000), '.-.-.-.-.-b')",
    "for m in string.gmatch(string.rep('a', 100000), '.-.-.-.-.-b') do end",
    "return string.gsub(string.rep('a', 100000), '.-.-.-.-.-b', '')",
    "return pcall(string.find, string.rep('a', 100000), '.-.-.-.-.-b')",
    "return string.find(string.rep('a', 15), string.rep('a?', 144445) .. string.rep('a', 15))",
];

#[test]
fn a_budget_also_stops_a_script_stuck_in_one_pattern_match() {
    for script in SLOW_MATCHES {
        let lua = Lua::new();
        let calls = interrupt_after(&lua, 20);
        let r = lua.load(*script).exec();
        assert!(matches!(r, Err(Error::Interrupted)), "{script}: {r:?}");
        // Twenty hook calls inside the one call: the match's steps were counted (at one call
        // per 1,000 instructions, 20,000 steps' worth of a match of about 10^10).
        assert_eq!(calls.get(), 20, "{script}");
        lua.remove_hook().expect("remove");
        assert_eq!(lua.load("return 1").eval::<i64>().expect("usable"), 1);
    }
}

#[test]
fn debug_sethook_counts_only_instructions_during_a_match() {
    // lua5.1 calls a count hook only between instructions: a long match in between is one
    // instruction to it (output recorded from lua5.1).
    use lua_core::api::{Library, LuaOptions};
    let libraries = [Library::Base, Library::String, Library::Debug];
    let lua = Lua::new_with(&libraries, LuaOptions::new()).expect("state");
    let counted: i64 = lua
        .load(
            "local n = 0\n\
             debug.sethook(function() n = n + 1 end, '', 1)\n\
             string.find(string.rep('a', 300), '.-.-b')\n\
             debug.sethook()\n\
             return n",
        )
        .eval()
        .expect("runs");
    assert_eq!(counted, 12);
}

#[test]
fn a_budget_counts_the_bytes_long_concatenations_copy() {
    // Every iteration copies the whole string again: megabytes per instruction. Without the
    // copying counted, 20,000 instructions of this take minutes; with it, the hook runs in
    // the first few iterations past a few megabytes.
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 20);
    let r = lua
        .load("local s = string.rep('x', 4000000) for i = 1, 100000 do s = s .. 'y' end")
        .exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
    assert_eq!(calls.get(), 20);
    // Short concatenations stay one instruction each: a thousand of them on a short string
    // are a few thousand instructions, a few hook calls.
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 1000);
    lua.load("local s = 'x' for i = 1, 1000 do s = s .. 'y' end")
        .exec()
        .expect("short concatenations run");
    assert!(calls.get() < 10, "{}", calls.get());
}

#[test]
fn a_budget_counts_the_compiling_load_does_for_many_small_pieces() {
    // `load` compiles the input so far after each piece (so the reader is called only while
    // the compiler needs input, as in lua5.1): 20,000 pieces are a few hundred megabytes of
    // compiling for 100,000 instructions of reader. Counted, the budget ends it.
    let script = "local n = 0
        return load(function() n = n + 1 if n <= 20000 then return 'x=1 x=1 ' end end)";
    let lua = Lua::new();
    let calls = interrupt_after(&lua, 1000);
    let r = lua.load(script).exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
    assert_eq!(calls.get(), 1000);
    // The interrupt, raised while the reader runs, reaches the host: `load` does not turn it
    // into its `nil, message` result.
    let lua = Lua::new();
    interrupt_after(&lua, 3);
    let r = lua
        .load("local f, e = load(function() while true do end end) error('load returned: ' .. tostring(e))")
        .exec();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
}
