//! The coroutine library.

use crate::gc::Gc;
use crate::value::{LuaThread, Value};
use crate::vm::{LuaResult, ResumeOutcome, State};

const FUNCTIONS: &[(&str, crate::value::NativeFn)] = &[
    ("create", create),
    ("resume", resume),
    ("running", running),
    ("status", status),
    ("wrap", wrap),
    ("yield", yield_),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    super::register_library(state, "coroutine", FUNCTIONS, allowed)?;
    Ok(())
}

fn check_thread(state: &mut State, n: usize) -> LuaResult<Gc<LuaThread>> {
    match state.arg(n) {
        Value::Thread(t) => Ok(t),
        _ => Err(state.arg_error(n, "coroutine expected")),
    }
}

fn create(state: &mut State) -> LuaResult<usize> {
    let f = state.arg(1);
    if !matches!(f, Value::LuaFunction(_)) {
        return Err(state.arg_error(1, "Lua function expected"));
    }
    let t = state.new_thread(f);
    state.push(Value::Thread(t));
    Ok(1)
}

fn resume(state: &mut State) -> LuaResult<usize> {
    let co = check_thread(state, 1)?;
    let args: Vec<Value> = (2..=state.arg_count()).map(|i| state.arg(i)).collect();
    match state.resume(co, &args)? {
        ResumeOutcome::Values(values) => {
            state.ensure_stack(values.len() + 1)?;
            state.push(Value::Boolean(true));
            for v in &values {
                state.push(*v);
            }
            Ok(values.len() + 1)
        }
        ResumeOutcome::Error(e) => {
            state.errors_caught += 1;
            state.push(Value::Boolean(false));
            state.push(e);
            Ok(2)
        }
    }
}

fn running(state: &mut State) -> LuaResult<usize> {
    let v = state.running_thread().map_or(Value::Nil, Value::Thread);
    state.push(v);
    Ok(1)
}

fn status(state: &mut State) -> LuaResult<usize> {
    let co = check_thread(state, 1)?;
    let s = state.new_string(co.status().name().as_bytes());
    state.push(s);
    Ok(1)
}

fn yield_(state: &mut State) -> LuaResult<usize> {
    Err(state.yield_values())
}

fn wrap(state: &mut State) -> LuaResult<usize> {
    create(state)?;
    // `create` left the new coroutine on top of the stack.
    let co = state.stack[state.top - 1];
    let f = state.new_native_with_upvalues("wrap", wrapped_call, vec![co]);
    state.push(f);
    Ok(1)
}

/// The function `coroutine.wrap` returns: resume, and raise the coroutine's errors (with the
/// caller's position prefixed to string messages).
fn wrapped_call(state: &mut State) -> LuaResult<usize> {
    let Value::Thread(co) = state.native_upvalue(0) else {
        return Err(state.native_error("wrap: lost its coroutine"));
    };
    let args: Vec<Value> = (1..=state.arg_count()).map(|i| state.arg(i)).collect();
    match state.resume(co, &args)? {
        ResumeOutcome::Values(values) => {
            state.ensure_stack(values.len())?;
            for v in &values {
                state.push(*v);
            }
            Ok(values.len())
        }
        ResumeOutcome::Error(e) => {
            let e = match e {
                Value::String(_) | Value::Number(_) => {
                    let mut msg = state.where_prefix(1);
                    msg.extend_from_slice(&state.to_display(&e));
                    state.new_string(&msg)
                }
                other => other,
            };
            Err(state.throw(e))
        }
    }
}
