//! The base library: `print`, `type`, `pairs`, `pcall`, `setmetatable`, ...

use crate::value::{UserData, Value};
use crate::vm::{ErrorKind, LuaResult, State};

/// Limit on values a native function may push at once (Lua 5.1's `LUAI_MAXCSTACK`).
const MAX_NATIVE_RESULTS: i64 = 8000;

/// In Lua 5.1's registration order, which decides the layout (and so the `pairs` order) of
/// the global table.
pub(crate) const FUNCTIONS: &[(&str, crate::value::NativeFn)] = &[
    ("assert", assert),
    ("collectgarbage", collectgarbage),
    ("dofile", dofile),
    ("error", error),
    ("gcinfo", gcinfo),
    ("getfenv", getfenv),
    ("getmetatable", getmetatable),
    ("loadfile", loadfile),
    ("load", load),
    ("loadstring", loadstring),
    ("next", next),
    ("pcall", pcall),
    ("print", print),
    ("rawequal", rawequal),
    ("rawget", rawget),
    ("rawset", rawset),
    ("select", select),
    ("setfenv", setfenv),
    ("setmetatable", setmetatable),
    ("tonumber", tonumber),
    ("tostring", tostring),
    ("type", type_),
    ("unpack", unpack),
    ("xpcall", xpcall),
];

/// Install the base library into the global table (restricted to `allowed` names when given).
pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    let permitted = |name: &str| allowed.is_none_or(|list| list.contains(&name));
    let g = state.globals();
    if permitted("_G") {
        state.set_field(g, "_G", Value::Table(g))?;
    }
    for &(name, f) in FUNCTIONS {
        if permitted(name) {
            let v = state.new_native(name, f);
            state.set_field(g, name, v)?;
        }
    }
    if permitted("_VERSION") {
        let v = state.new_string(b"Lua 5.1");
        state.set_field(g, "_VERSION", v)?;
    }
    // `ipairs` and `pairs` return their own iterator functions, as in Lua 5.1.
    if permitted("ipairs") {
        let iter = state.new_native("ipairs_iterator", ipairs_next);
        let v = state.new_native_with_upvalues("ipairs", ipairs, vec![iter]);
        state.set_field(g, "ipairs", v)?;
    }
    if permitted("pairs") {
        let next_fn = state.new_native("next", next);
        let v = state.new_native_with_upvalues("pairs", pairs, vec![next_fn]);
        state.set_field(g, "pairs", v)?;
    }
    if permitted("newproxy") {
        // The set of valid proxy metatables: weak, and its own metatable.
        let registry = state.new_table_with(0, 1);
        registry.borrow_mut().set_metatable(Some(registry));
        let mode = state.new_string(b"kv");
        state.set_field(registry, "__mode", mode)?;
        let v = state.new_native_with_upvalues("newproxy", newproxy, vec![Value::Table(registry)]);
        state.set_field(g, "newproxy", v)?;
    }
    Ok(())
}

fn print(state: &mut State) -> LuaResult<usize> {
    let n = state.arg_count();
    let tostring_fn = state.get_global("tostring");
    // Each piece is written as soon as it is known, so output made by a `__tostring` lands
    // where lua5.1 puts it. Write errors (a closed pipe) are ignored, as C's stdio does in `print`.
    for i in 1..=n {
        let arg = state.arg(i);
        // What `lua_tostring` accepts: a string, or a number written as Lua writes numbers.
        let text = state.call1(tostring_fn, &[arg])?;
        let mut number_text = Vec::new();
        let bytes: &[u8] = match &text {
            Value::String(s) => s.as_bytes(),
            Value::Number(n) => {
                crate::number::format_number(*n, &mut number_text);
                &number_text
            }
            _ => return Err(state.native_error("'tostring' must return a string to 'print'")),
        };
        if i > 1 {
            let _ = state.stdout().write_all(b"\t");
        }
        // Written as a C string: output stops at the first zero byte.
        let _ = state.stdout().write_all(crate::cstr::c_str(bytes));
    }
    let _ = state.stdout().write_all(b"\n");
    Ok(0)
}

fn type_(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let name = state.new_string(v.type_name().as_bytes());
    state.push(name);
    Ok(1)
}

fn tostring(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let s = state.tostring(v)?;
    state.push(s);
    Ok(1)
}

fn tonumber(state: &mut State) -> LuaResult<usize> {
    let base = state.opt_int(2, 10)?;
    let result = if base == 10 {
        let v = state.check_any(1)?;
        crate::vm::to_number(&v)
    } else {
        let s = state.check_string(1)?;
        if !(2..=36).contains(&base) {
            return Err(state.arg_error(2, "base out of range"));
        }
        crate::number::str_to_number_base(s.as_bytes(), base as u32)
    };
    state.push(result.map_or(Value::Nil, Value::Number));
    Ok(1)
}

fn next(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let key = state.arg(2);
    match t.next(&key) {
        Ok(Some((k, v))) => {
            state.push(k);
            state.push(v);
            Ok(2)
        }
        Ok(None) => {
            state.push(Value::Nil);
            Ok(1)
        }
        Err(crate::value::KeyNotFound) => Err(state.rt_error("invalid key to 'next'")),
    }
}

fn pairs(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let next_fn = state.native_upvalue(0);
    state.push(next_fn);
    state.push(Value::Table(t));
    state.push(Value::Nil);
    Ok(3)
}

fn ipairs(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let iter = state.native_upvalue(0);
    state.push(iter);
    state.push(Value::Table(t));
    state.push(Value::Number(0.0));
    Ok(3)
}

fn ipairs_next(state: &mut State) -> LuaResult<usize> {
    let i = state.check_int(2)? + 1;
    let t = state.check_table(1)?;
    let v = t.get_int(i);
    if v.is_nil() {
        return Ok(0);
    }
    state.push(Value::Number(i as f64));
    state.push(v);
    Ok(2)
}

fn select(state: &mut State) -> LuaResult<usize> {
    let n = state.arg_count() as i64;
    if let Value::String(s) = state.arg(1) {
        if s.as_bytes().first() == Some(&b'#') {
            state.push(Value::Number((n - 1) as f64));
            return Ok(1);
        }
    }
    let mut i = state.check_int32(1)? as i64;
    if i < 0 {
        i += n;
    } else if i > n {
        i = n;
    }
    if i < 1 {
        return Err(state.arg_error(1, "index out of range"));
    }
    Ok((n - i) as usize)
}

fn unpack(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let i = state.opt_int32(2, 1)? as i64;
    let e = if state.arg(3).is_nil() {
        t.border() as i64
    } else {
        state.check_int32(3)? as i64
    };
    if i > e {
        return Ok(0);
    }
    let n = e - i + 1;
    if n <= 0 || n > MAX_NATIVE_RESULTS || state.arg_count() as i64 + n > MAX_NATIVE_RESULTS {
        return Err(state.native_error("too many results to unpack"));
    }
    state.ensure_stack(n as usize)?;
    for k in i..=e {
        let v = t.get_int(k);
        state.push(v);
    }
    Ok(n as usize)
}

fn rawequal(state: &mut State) -> LuaResult<usize> {
    let a = state.check_any(1)?;
    let b = state.check_any(2)?;
    state.push(Value::Boolean(a.raw_equal(&b)));
    Ok(1)
}

fn rawget(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let k = state.check_any(2)?;
    state.push(t.get(&k));
    Ok(1)
}

fn rawset(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let k = state.check_any(2)?;
    let v = state.check_any(3)?;
    state.raw_set(t, k, v)?;
    state.push(Value::Table(t));
    Ok(1)
}

fn getmetatable(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let Some(mt) = state.metatable_of(&v) else {
        state.push(Value::Nil);
        return Ok(1);
    };
    let protected = state.get_field(mt, "__metatable");
    state.push(if protected.is_nil() {
        Value::Table(mt)
    } else {
        protected
    });
    Ok(1)
}

fn setmetatable(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let mt = match state.arg(2) {
        Value::Nil if state.arg_present(2) => None,
        Value::Table(mt) => Some(mt),
        _ => return Err(state.arg_error(2, "nil or table expected")),
    };
    if let Some(old) = t.metatable() {
        if !state.get_field(old, "__metatable").is_nil() {
            return Err(state.native_error("cannot change a protected metatable"));
        }
    }
    if t.is_readonly() {
        // Raised as Redis's `lua_setmetatable` raises it: without a position.
        return Err(state.rt_error("Attempt to modify a readonly table"));
    }
    t.borrow_mut().set_metatable(mt);
    state.push(Value::Table(t));
    Ok(1)
}

fn assert(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    if v.is_falsy() {
        // lua5.1 raises it through `luaL_error(L, "%s", msg)`: a C string, so the message
        // ends at its first NUL.
        let msg = match state.opt_string(2)? {
            Some(s) => crate::cstr::c_str(s.as_bytes()).to_vec(),
            None => b"assertion failed!".to_vec(),
        };
        return Err(state.native_error_bytes(&msg));
    }
    Ok(state.arg_count())
}

fn error(state: &mut State) -> LuaResult<usize> {
    let level = state.opt_int(2, 1)?;
    let v = state.arg(1);
    let v = match v {
        Value::String(_) | Value::Number(_) if level > 0 => {
            let mut msg = state.where_prefix(level as usize);
            msg.extend_from_slice(&state.to_display(&v));
            state.new_string(&msg)
        }
        _ => v,
    };
    Err(state.throw(v))
}

fn pcall(state: &mut State) -> LuaResult<usize> {
    state.check_any(1)?;
    let func = state.top - state.arg_count();
    let nargs = state.arg_count() - 1;
    match state.pcall_at(func, nargs, crate::vm::MULTRET, None) {
        Ok(()) => {
            // Shift the results up one slot to put the status first.
            let results = state.top - func;
            state.push(Value::Nil);
            state.stack.copy_within(func..func + results, func + 1);
            state.stack[func] = Value::Boolean(true);
            Ok(results + 1)
        }
        Err(e) if !e.kind.is_catchable() => Err(e),
        Err(e) => {
            state.errors_caught += 1;
            state.push(Value::Boolean(false));
            state.push(e.value);
            Ok(2)
        }
    }
}

fn xpcall(state: &mut State) -> LuaResult<usize> {
    state.check_any(2)?;
    state.set_top(2);
    let base = state.top - 2;
    let (f, handler) = (state.stack[base], state.stack[base + 1]);
    state.stack[base] = handler;
    state.stack[base + 1] = f;
    let r = state.pcall_at(base + 1, 0, crate::vm::MULTRET, Some(base));
    match r {
        Ok(()) => {
            state.stack[base] = Value::Boolean(true);
            Ok(state.top - base)
        }
        Err(e) if !e.kind.is_catchable() => Err(e),
        Err(e) => {
            state.errors_caught += 1;
            state.top = base;
            state.push(Value::Boolean(false));
            state.push(e.value);
            Ok(2)
        }
    }
}

/// `load_aux`: the function, or nil and the message.
fn load_result(state: &mut State, r: LuaResult<Value>) -> LuaResult<usize> {
    match r {
        Ok(f) => {
            state.push(f);
            Ok(1)
        }
        // A host's interrupt (raised by its hook inside a reader) is not load's to report.
        Err(e) if e.kind == ErrorKind::Memory || !e.kind.is_catchable() => Err(e),
        Err(e) => {
            state.push(Value::Nil);
            state.push(e.value);
            Ok(2)
        }
    }
}

fn loadfile(state: &mut State) -> LuaResult<usize> {
    let name = state.opt_string(1)?;
    let r = state.load_file(name.as_ref().map(|s| s.as_bytes()));
    load_result(state, r)
}

fn dofile(state: &mut State) -> LuaResult<usize> {
    let name = state.opt_string(1)?;
    state.set_top(1);
    let f = state.load_file(name.as_ref().map(|s| s.as_bytes()))?;
    let func = state.top;
    state.push(f);
    state.call_at(func, 0, crate::vm::MULTRET)?;
    Ok(state.top - func)
}

fn loadstring(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let name = state.opt_string(2)?.unwrap_or(s);
    let r = charged_load(state, s.as_bytes(), name.as_bytes());
    load_result(state, r)
}

/// Load a chunk for a script. Compiling (or reading a binary chunk) is work in proportion to
/// the source: a host's count sees it (a byte an instruction), or a loop loading a long chunk
/// again and again would run far longer than its count says.
fn charged_load(state: &mut State, source: &[u8], name: &[u8]) -> LuaResult<Value> {
    state.charge_native_work(u32::try_from(source.len()).unwrap_or(u32::MAX))?;
    state.load(source, name)
}

fn load(state: &mut State) -> LuaResult<usize> {
    let name = state.opt_string(2)?;
    if !state.arg(1).is_function() {
        return Err(state.arg_type_error(1, "function"));
    }
    let reader = state.arg(1);
    let name = name.map_or_else(|| b"=(load)".to_vec(), |s| s.as_bytes().to_vec());
    let mut source = Vec::new();
    // The reader is called only while the compiler needs input, as lua5.1 calls it: after
    // each piece, the input so far is compiled to see whether it already decides the outcome.
    // That costs a compile per piece, so past a budget the rest is read at once.
    let mut probe_budget = LOAD_PROBE_BUDGET;
    let r = loop {
        let piece = match state.call_function(reader, &[]) {
            Ok(v) => v.first().copied().unwrap_or(Value::Nil),
            Err(e) => break Err(e),
        };
        match piece {
            Value::Nil => break charged_load(state, &source, &name),
            Value::String(s) if s.is_empty() => break charged_load(state, &source, &name),
            Value::String(s) => source.extend_from_slice(s.as_bytes()),
            Value::Number(n) => crate::number::format_number(n, &mut source),
            _ => break Err(state.native_error("reader function must return a string")),
        }
        if probe_budget >= source.len() {
            probe_budget -= source.len();
            // Each probe compiles the whole input again: work a host's instruction count
            // should see (a byte an instruction), or a script calling `load` with many small
            // pieces would use far more time than its count says.
            if let Err(e) =
                state.charge_native_work(u32::try_from(source.len()).unwrap_or(u32::MAX))
            {
                break Err(e);
            }
            if let Some(outcome) = state.load_partial(&source, &name) {
                break outcome;
            }
        }
    };
    load_result(state, r)
}

/// Bytes of partial input `load` compiles, over all its probes, before it stops probing and
/// reads the rest of the chunk at once (a chunk of up to about 4 KB in one-byte pieces, or
/// bigger ones in bigger pieces, is read exactly as lua5.1 reads it).
const LOAD_PROBE_BUDGET: usize = 8 << 20;

/// The function whose environment `getfenv`/`setfenv` address: a function argument, or the
/// function running at a stack level.
fn env_target(state: &mut State, optional: bool) -> LuaResult<Value> {
    let v = state.arg(1);
    if v.is_function() {
        return Ok(v);
    }
    let level = if optional {
        state.opt_int(1, 1)?
    } else {
        state.check_int(1)?
    };
    if level < 0 {
        return Err(state.arg_error(1, "level must be non-negative"));
    }
    match state.function_at_level(level as usize) {
        Some(Some(f)) => Ok(f),
        Some(None) => {
            let msg = format!("no function environment for tail call at level {}", level);
            Err(state.native_error(&msg))
        }
        None => Err(state.arg_error(1, "invalid level")),
    }
}

fn getfenv(state: &mut State) -> LuaResult<usize> {
    let f = env_target(state, true)?;
    let env = match f {
        Value::LuaFunction(c) => c.env(),
        _ => state.globals(),
    };
    state.push(Value::Table(env));
    Ok(1)
}

fn setfenv(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(2)?;
    let f = env_target(state, false)?;
    if let Value::Number(n) = state.arg(1) {
        if n == 0.0 {
            state.globals = t;
            return Ok(0);
        }
    }
    match f {
        Value::LuaFunction(c) => c.set_env(t),
        _ => return Err(state.native_error("'setfenv' cannot change environment of given object")),
    }
    state.push(f);
    Ok(1)
}

fn collectgarbage(state: &mut State) -> LuaResult<usize> {
    const OPTIONS: [&str; 7] = [
        "stop",
        "restart",
        "collect",
        "count",
        "step",
        "setpause",
        "setstepmul",
    ];
    let opt = state.check_option(1, Some("collect"), &OPTIONS)?;
    let ex = state.opt_int32(2, 0)?;
    let result = match OPTIONS[opt] {
        "stop" => {
            state.heap_mut().set_stopped(true);
            Value::Number(0.0)
        }
        "restart" => {
            state.heap_mut().set_stopped(false);
            Value::Number(0.0)
        }
        "collect" => {
            state.full_gc()?;
            Value::Number(0.0)
        }
        "count" => Value::Number(state.used_memory() as f64 / 1024.0),
        "step" => {
            let finished = state.heap_mut().step(ex.max(0) as usize);
            if finished {
                state.full_gc()?;
            }
            Value::Boolean(finished)
        }
        "setpause" => Value::Number(state.heap_mut().set_pause(ex.max(0) as usize) as f64),
        _ => Value::Number(state.heap_mut().set_step_multiplier(ex.max(0) as usize) as f64),
    };
    state.push(result);
    Ok(1)
}

fn gcinfo(state: &mut State) -> LuaResult<usize> {
    let kb = (state.used_memory() / 1024) as f64;
    state.push(Value::Number(kb));
    Ok(1)
}

fn newproxy(state: &mut State) -> LuaResult<usize> {
    state.set_top(1);
    let arg = state.arg(1);
    let valid_proxies = match state.native_upvalue(0) {
        Value::Table(t) => t,
        _ => return Err(state.native_error("newproxy: missing proxy registry")),
    };
    let metatable = match arg {
        Value::Nil | Value::Boolean(false) => None,
        Value::Boolean(true) => {
            let mt = state.new_table();
            state.raw_set(valid_proxies, Value::Table(mt), Value::Boolean(true))?;
            Some(mt)
        }
        other => {
            let mt = state
                .metatable_of(&other)
                .filter(|mt| !valid_proxies.get(&Value::Table(*mt)).is_falsy());
            match mt {
                Some(mt) => Some(mt),
                None => return Err(state.arg_error(1, "boolean or proxy expected")),
            }
        }
    };
    let mut u = UserData::new(Box::new(()));
    u.metatable = metatable;
    let u = state.heap_mut().alloc_userdata(u);
    state.push(Value::UserData(u));
    Ok(1)
}
