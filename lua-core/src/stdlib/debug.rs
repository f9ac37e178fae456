//! The debug library.

use crate::value::Value;
use crate::vm::{LuaResult, State};

const FUNCTIONS: &[(&str, crate::value::NativeFn)] = &[("traceback", traceback)];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    super::register_library(state, "debug", FUNCTIONS, allowed)?;
    Ok(())
}

/// `debug.traceback([msg [, level]])`: the message, a newline, and the stack from `level`
/// (default 1, the caller); a message that is not a string is returned untouched.
fn traceback(state: &mut State) -> LuaResult<usize> {
    let level = match crate::vm::to_number(&state.arg(2)) {
        Some(n) if matches!(state.arg(2), Value::Number(_) | Value::String(_)) => {
            crate::number::to_c_long(n).max(0) as usize
        }
        _ => 1,
    };
    let mut out = Vec::new();
    if state.arg_present(1) {
        match state.arg(1) {
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Number(n) => crate::number::format_number(n, &mut out),
            other => {
                state.push(other);
                return Ok(1);
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(&state.traceback(level));
    let s = state.new_string(&out);
    state.push(s);
    Ok(1)
}
