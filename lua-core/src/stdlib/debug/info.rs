//! Stack and function introspection: `getinfo`, `getlocal`, `setlocal`, `traceback`.
//!
//! A stack level is looked up in the thread being inspected (the running one, or a coroutine
//! passed as first argument, whose context is swapped in just for the lookup).

use super::{is_number_arg, thread_arg, to_int};
use crate::chunkid::chunk_id;
use crate::gc::Gc;
use crate::value::{LuaThread, Table, Value};
use crate::vm::{Level, LuaResult, State};

/// What `getinfo` found about a function, before it becomes a table.
struct FuncInfo {
    /// `None` for a call lost to a tail call.
    func: Option<Value>,
    current_line: i64,
    /// (namewhat, name) as the caller named the function.
    name: Option<(&'static str, Vec<u8>)>,
}

/// The fields `getinfo` fills from the function alone (option `S`).
struct SourceInfo {
    source: Vec<u8>,
    short_src: Vec<u8>,
    line_defined: i64,
    last_line_defined: i64,
    what: &'static str,
}

fn source_info(func: Option<&Value>) -> SourceInfo {
    match func {
        Some(Value::LuaFunction(cl)) => {
            let p = &cl.proto;
            let source = p.source.as_bytes().to_vec();
            SourceInfo {
                short_src: chunk_id(&source),
                source,
                line_defined: p.line_defined as i64,
                last_line_defined: p.last_line_defined as i64,
                what: if p.line_defined == 0 { "main" } else { "Lua" },
            }
        }
        Some(_) => SourceInfo {
            source: b"=[C]".to_vec(),
            short_src: b"[C]".to_vec(),
            line_defined: -1,
            last_line_defined: -1,
            what: "C",
        },
        None => SourceInfo {
            source: b"=(tail call)".to_vec(),
            short_src: b"(tail call)".to_vec(),
            line_defined: -1,
            last_line_defined: -1,
            what: "tail",
        },
    }
}

fn upvalue_count(func: Option<&Value>) -> usize {
    match func {
        Some(Value::LuaFunction(cl)) => cl.upvals.len(),
        Some(Value::NativeFunction(nf)) => nf.upvalues.len(),
        _ => 0,
    }
}

/// The information about the function running at a stack level of the current context.
fn level_info(state: &State, level: Level) -> FuncInfo {
    match level {
        Level::TailCall => FuncInfo {
            func: None,
            current_line: -1,
            name: None,
        },
        Level::Frame(idx) => {
            let current_line = state.frames.get(idx).map_or(-1, |f| state.current_line(f));
            FuncInfo {
                func: Some(state.frame_function(idx)),
                current_line,
                name: state.function_name(idx),
            }
        }
    }
}

const VALID_OPTIONS: &[u8] = b"SlunfL";

/// `debug.getinfo([thread,] f|level [, what])`: a table describing a function or stack level,
/// or nil when the level does not exist.
pub(super) fn getinfo(state: &mut State) -> LuaResult<usize> {
    let (thread, arg) = thread_arg(state);
    // The options are a C string in Lua 5.1: they end at a zero byte.
    let options = match state.opt_string(arg + 2)? {
        Some(s) => crate::cstr::c_str(s.as_bytes()).to_vec(),
        None => b"flnSu".to_vec(),
    };
    let info = if let Some(n) = is_number_arg(state, arg + 1) {
        let found = state.with_thread(thread, |s| {
            s.stack_level(to_int(n)).map(|l| level_info(s, l))
        });
        match found {
            Some(info) => info,
            None => {
                state.push(Value::Nil);
                return Ok(1);
            }
        }
    } else if state.arg(arg + 1).is_function() {
        FuncInfo {
            func: Some(state.arg(arg + 1)),
            current_line: -1,
            name: None,
        }
    } else {
        return Err(state.arg_error(arg + 1, "function or level expected"));
    };
    // A lost tail call has fixed answers, and Lua 5.1 does not check the options for it.
    if info.func.is_some() && !options.iter().all(|c| VALID_OPTIONS.contains(c)) {
        return Err(state.arg_error(arg + 2, "invalid option"));
    }
    let t = state.new_table_with(0, 2);
    // Keep the table reachable while it is filled.
    state.push(Value::Table(t));
    let has = |c: u8| options.contains(&c);
    let func = info.func.as_ref();
    if has(b'S') {
        let s = source_info(func);
        set_str(state, t, "source", &s.source)?;
        set_str(state, t, "short_src", &s.short_src)?;
        set_int(state, t, "linedefined", s.line_defined)?;
        set_int(state, t, "lastlinedefined", s.last_line_defined)?;
        set_str(state, t, "what", s.what.as_bytes())?;
    }
    if has(b'l') {
        set_int(state, t, "currentline", info.current_line)?;
    }
    if has(b'u') {
        set_int(state, t, "nups", upvalue_count(func) as i64)?;
    }
    if has(b'n') {
        // A lost tail call has an empty name rather than none.
        let (namewhat, name): (&str, Option<&[u8]>) = match (&info.name, func) {
            (Some((what, name)), _) => (what, Some(name)),
            (None, None) => ("", Some(b"")),
            (None, Some(_)) => ("", None),
        };
        match name {
            Some(name) => set_str(state, t, "name", name)?,
            // Lua 5.1 stores a nil name, which still takes a slot in the table (and so shapes
            // the order `pairs` visits the fields in): make the key, then clear it.
            None => {
                state.set_field(t, "name", Value::Boolean(false))?;
                state.set_field(t, "name", Value::Nil)?;
            }
        }
        set_str(state, t, "namewhat", namewhat.as_bytes())?;
    }
    if has(b'L') {
        if let Some(Value::LuaFunction(cl)) = func {
            let lines = state.new_table_with(0, 0);
            state.set_field(t, "activelines", Value::Table(lines))?;
            for &line in cl.proto.line_info.iter() {
                state.raw_set_int(lines, line as i64, Value::Boolean(true))?;
            }
        }
    }
    if has(b'f') {
        if let Some(&f) = func {
            state.set_field(t, "func", f)?;
        }
    }
    Ok(1)
}

fn set_str(state: &mut State, t: Gc<Table>, key: &str, bytes: &[u8]) -> LuaResult<()> {
    let v = state.new_string(bytes);
    state.set_field(t, key, v)
}

fn set_int(state: &mut State, t: Gc<Table>, key: &str, n: i64) -> LuaResult<()> {
    state.set_field(t, key, Value::Number(n as f64))
}

/// The level argument of `getlocal`/`setlocal`, found in the inspected thread, else the
/// `level out of range` argument error.
fn local_level(state: &mut State, thread: Gc<LuaThread>, arg: usize) -> LuaResult<Level> {
    let level = state.check_int32(arg + 1)? as i64;
    match state.with_thread(thread, |s| s.stack_level(level)) {
        Some(l) => Ok(l),
        None => Err(state.arg_error(arg + 1, "level out of range")),
    }
}

/// `debug.getlocal([thread,] level, n)`: name and value of a local, or nil.
pub(super) fn getlocal(state: &mut State) -> LuaResult<usize> {
    let (thread, arg) = thread_arg(state);
    let level = local_level(state, thread, arg)?;
    let n = state.check_int32(arg + 2)? as i64;
    let found = match level {
        Level::Frame(idx) => state.with_thread(thread, |s| {
            s.frame_local(idx, n)
                .map(|(name, slot)| (name, s.stack.get(slot).copied().unwrap_or_default()))
        }),
        Level::TailCall => None,
    };
    match found {
        Some((name, value)) => {
            let name = state.new_string(&name);
            state.push(name);
            state.push(value);
            Ok(2)
        }
        None => {
            state.push(Value::Nil);
            Ok(1)
        }
    }
}

/// `debug.setlocal([thread,] level, n, v)`: the name of the local set, or nil.
pub(super) fn setlocal(state: &mut State) -> LuaResult<usize> {
    let (thread, arg) = thread_arg(state);
    let level = local_level(state, thread, arg)?;
    let value = state.check_any(arg + 3)?;
    state.set_top(arg + 3);
    let n = state.check_int32(arg + 2)? as i64;
    let found = match level {
        Level::Frame(idx) => state.with_thread(thread, |s| {
            let (name, slot) = s.frame_local(idx, n)?;
            let cell = s.stack.get_mut(slot)?;
            *cell = value;
            Some(name)
        }),
        Level::TailCall => None,
    };
    let result = match found {
        Some(name) => state.new_string(&name),
        None => Value::Nil,
    };
    state.push(result);
    Ok(1)
}

/// `debug.traceback([thread,] [msg [, level]])`: the message, a newline and the stack from
/// `level` (1, the caller, by default; 0 for another thread). When the message is neither a
/// string nor a number, Lua 5.1 returns the value on top of its stack: the last argument left
/// after a numeric level was popped (`debug.traceback(nil, "x")` is `"x"`).
pub(super) fn traceback(state: &mut State) -> LuaResult<usize> {
    let (thread, arg) = thread_arg(state);
    let is_running = thread == state.current_thread;
    let mut last = state.arg_count();
    let level = match is_number_arg(state, arg + 2) {
        Some(n) if state.arg_present(arg + 2) => {
            // Lua 5.1 pops the top value here, whichever it is.
            last -= 1;
            to_int(n)
        }
        _ if is_running => 1,
        _ => 0,
    };
    let mut out = Vec::new();
    if last > arg {
        if !matches!(state.arg(arg + 1), Value::String(_) | Value::Number(_)) {
            let top = state.arg(last);
            state.push(top);
            return Ok(1);
        }
        // Every value left is part of the message (Lua 5.1 concatenates them all).
        for i in arg + 1..=last {
            match state.arg(i) {
                Value::String(s) => out.extend_from_slice(s.as_bytes()),
                Value::Number(n) => crate::number::format_number(n, &mut out),
                other => {
                    let msg = format!("attempt to concatenate a {} value", other.type_name());
                    return Err(state.rt_error(&msg));
                }
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(&state.with_thread(thread, |s| s.traceback_from(level)));
    let s = state.new_string(&out);
    state.push(s);
    Ok(1)
}
