//! The debug library, as in Lua 5.1: stack and function introspection (`info`), hooks
//! (`hook`), and raw access to metatables, environments, upvalues and the registry (here).
//!
//! Functions that inspect a stack take an optional thread as their first argument; the offset
//! of the remaining arguments (`arg` below, 0 or 1) follows Lua 5.1's `getthread`.

mod hook;
mod info;
#[cfg(test)]
mod tests;

use crate::gc::Gc;
use crate::value::{LuaThread, NativeFn, UpVal, Value};
use crate::vm::{LuaResult, State};
use std::io::{BufRead, Write};

/// In Lua 5.1's registration order, which decides the `pairs` order of the `debug` table.
const FUNCTIONS: &[(&str, NativeFn)] = &[
    ("debug", debug_prompt),
    ("getfenv", getfenv),
    ("gethook", hook::gethook),
    ("getinfo", info::getinfo),
    ("getlocal", info::getlocal),
    ("getregistry", getregistry),
    ("getmetatable", getmetatable),
    ("getupvalue", getupvalue),
    ("setfenv", setfenv),
    ("sethook", hook::sethook),
    ("setlocal", info::setlocal),
    ("setmetatable", setmetatable),
    ("setupvalue", setupvalue),
    ("traceback", info::traceback),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    super::register_library(state, "debug", FUNCTIONS, allowed)?;
    Ok(())
}

/// The thread a stack function works on: argument 1 when it is a thread (the other arguments
/// then start at 2), else the running thread. Returns the thread and the argument offset.
fn thread_arg(state: &State) -> (Gc<LuaThread>, usize) {
    match state.arg(1) {
        Value::Thread(t) => (t, 1),
        _ => (state.current_thread, 0),
    }
}

/// Whether argument `n` converts to a number (`lua_isnumber`: numbers and numeric strings).
fn is_number_arg(state: &State, n: usize) -> Option<f64> {
    crate::vm::to_number(&state.arg(n))
}

/// An `int` from a number already known to convert (`(int)lua_tointeger`).
fn to_int(n: f64) -> i64 {
    crate::number::to_c_long(n) as i32 as i64
}

fn getregistry(state: &mut State) -> LuaResult<usize> {
    let r = state.registry();
    state.push(Value::Table(r));
    Ok(1)
}

/// `debug.getmetatable(v)`: the metatable itself, ignoring `__metatable`.
fn getmetatable(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let mt = state.metatable_of(&v).map_or(Value::Nil, Value::Table);
    state.push(mt);
    Ok(1)
}

/// `debug.setmetatable(v, mt)`: for tables and userdata per object, for other types per type;
/// protected metatables may be replaced.
fn setmetatable(state: &mut State) -> LuaResult<usize> {
    let mt = match state.arg(2) {
        Value::Nil if state.arg_present(2) => None,
        Value::Table(t) => Some(t),
        _ => return Err(state.arg_error(2, "nil or table expected")),
    };
    match state.arg(1) {
        Value::Table(t) => {
            if t.is_readonly() {
                return Err(state.rt_error("Attempt to modify a readonly table"));
            }
            t.borrow_mut().set_metatable(mt);
        }
        Value::UserData(u) => u.borrow_mut().metatable = mt,
        other => state.set_type_metatable(other.lua_type(), mt),
    }
    state.push(Value::Boolean(true));
    Ok(1)
}

/// `debug.getfenv(o)`: the environment of a function, userdata or thread; nil for other values.
fn getfenv(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let env = match v {
        Value::LuaFunction(f) => Value::Table(f.env()),
        Value::NativeFunction(f) => Value::Table(f.env()),
        Value::UserData(u) => Value::Table(u.env.unwrap_or(state.globals)),
        // The running thread's global table is the state's; a suspended one keeps its own.
        Value::Thread(t) if t == state.current_thread => Value::Table(state.globals),
        Value::Thread(t) => Value::Table(t.ctx.globals),
        _ => Value::Nil,
    };
    state.push(env);
    Ok(1)
}

/// `debug.setfenv(o, t)`: returns `o`.
fn setfenv(state: &mut State) -> LuaResult<usize> {
    let env = match state.arg(2) {
        Value::Table(t) => t,
        _ => return Err(state.arg_type_error(2, "table")),
    };
    let v = state.arg(1);
    match v {
        Value::LuaFunction(f) => f.set_env(env),
        Value::NativeFunction(f) => f.set_env(env),
        Value::UserData(u) => u.borrow_mut().env = Some(env),
        Value::Thread(t) if t == state.current_thread => state.globals = env,
        Value::Thread(t) => t.borrow_mut().ctx.globals = env,
        _ => return Err(state.native_error("'setfenv' cannot change environment of given object")),
    }
    state.push(v);
    Ok(1)
}

/// The upvalue `n` (1-based) of a Lua function: its name and cell. Native functions' upvalues
/// are not reachable from Lua.
fn upvalue_of(state: &mut State, n: i64) -> LuaResult<Option<(Vec<u8>, Gc<UpVal>)>> {
    match state.arg(1) {
        Value::LuaFunction(f) => {
            let found = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| Some((f.proto.upvalue_names.get(i)?.to_vec(), *f.upvals.get(i)?)));
            Ok(found)
        }
        Value::NativeFunction(_) => Ok(None),
        _ => Err(state.arg_type_error(1, "function")),
    }
}

/// `debug.getupvalue(f, n)`: name and value, or nothing.
fn getupvalue(state: &mut State) -> LuaResult<usize> {
    let n = state.check_int32(2)? as i64;
    let Some((name, cell)) = upvalue_of(state, n)? else {
        return Ok(0);
    };
    let name = state.new_string(&name);
    let value = state.upval_get(cell);
    state.push(name);
    state.push(value);
    Ok(2)
}

/// `debug.setupvalue(f, n, v)`: the name of the upvalue set, or nothing.
fn setupvalue(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(3)?;
    let n = state.check_int32(2)? as i64;
    let Some((name, cell)) = upvalue_of(state, n)? else {
        return Ok(0);
    };
    state.upval_set(cell, v);
    let name = state.new_string(&name);
    state.push(name);
    Ok(1)
}

/// Longest command line `debug.debug` reads at once (Lua 5.1 reads into a 250-byte buffer;
/// longer lines arrive in pieces).
const DEBUG_LINE_MAX: usize = 249;

/// `debug.debug()`: run each line read from stdin as a chunk until `cont` or end of input,
/// printing errors to stderr.
fn debug_prompt(state: &mut State) -> LuaResult<usize> {
    loop {
        state.flush_stdout();
        let _ = std::io::stderr().write_all(b"lua_debug> ");
        let line = match read_command(DEBUG_LINE_MAX) {
            Some(l) if l != b"cont\n" => l,
            _ => return Ok(0),
        };
        // The command is handed over as a C string.
        let base = state.top;
        let r = match state.load(crate::cstr::c_str(&line), b"=(debug command)") {
            Ok(f) => {
                state.push(f);
                state.pcall_at(base, 0, 0, None)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            if !e.kind.is_catchable() {
                return Err(e);
            }
            let mut msg = match e.value {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Number(n) => {
                    let mut out = Vec::new();
                    crate::number::format_number(n, &mut out);
                    out
                }
                _ => b"(null)".to_vec(),
            };
            msg.push(b'\n');
            let _ = std::io::stderr().write_all(&msg);
        }
        state.top = base;
    }
}

/// One line of stdin including its newline, at most `max` bytes (`fgets`); `None` at end of
/// input before any byte.
fn read_command(max: usize) -> Option<Vec<u8>> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    while line.len() < max {
        let buf = input.fill_buf().ok()?;
        let Some(&c) = buf.first() else { break };
        input.consume(1);
        line.push(c);
        if c == b'\n' {
            break;
        }
    }
    if line.is_empty() {
        None
    } else {
        Some(line)
    }
}
