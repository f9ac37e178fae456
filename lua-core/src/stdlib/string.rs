//! The string library (`string.len`, `sub`, `find`, `gsub`, ...) and the string metatable
//! that makes `("x"):rep(3)` work.
//!
//! Positions follow Lua 5.1: 1-based, negative ones count from the end, and out-of-range ones
//! are clamped rather than rejected. The pattern functions work on the subject in place; their
//! results are built in one buffer and interned once.

use super::pattern::{self, CaptureValue, MatchBuffers, Matcher, PatternError};
use crate::gc::Gc;
use crate::value::{LuaStr, LuaType, NativeFn, Table, Value};
use crate::vm::{ErrorKind, LuaError, LuaResult, State};

/// Most values a native function may leave on the stack (Lua 5.1's `LUAI_MAXCSTACK`).
const MAX_NATIVE_STACK: i64 = 8000;

pub(crate) const FUNCTIONS: &[(&str, NativeFn)] = &[
    ("byte", byte),
    ("char", char),
    ("dump", dump),
    ("find", find),
    ("format", super::format::format),
    // Registered here so the table is built as Lua 5.1 builds it (same size, same insertion
    // order, hence the same `pairs` order); `open` then makes it the `gmatch` function itself.
    ("gfind", gmatch),
    ("gmatch", gmatch),
    ("gsub", gsub),
    ("len", len),
    ("lower", lower),
    ("match", match_),
    ("rep", rep),
    ("reverse", reverse),
    ("sub", sub),
    ("upper", upper),
];

/// Install the `string` table (restricted to `allowed` names when given) and make it the
/// `__index` of strings.
pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    let lib = super::register_library(state, "string", FUNCTIONS, allowed)?;
    // Lua 5.1 keeps the old name `gfind` for the very same function as `gmatch`.
    let gmatch_fn = state.get_field(lib, "gmatch");
    if !gmatch_fn.is_nil() && !state.get_field(lib, "gfind").is_nil() {
        state.set_field(lib, "gfind", gmatch_fn)?;
    }
    let meta = state.new_table();
    state.set_field(meta, "__index", Value::Table(lib))?;
    state.set_type_metatable(LuaType::String, Some(meta));
    Ok(())
}

/// A position argument made absolute: negative counts back from the end (-1 is the last byte),
/// and anything still below zero becomes 0.
fn absolute_position(pos: i64, len: usize) -> i64 {
    let pos = if pos < 0 {
        pos.saturating_add(len as i64 + 1)
    } else {
        pos
    };
    pos.max(0)
}

/// The bytes `from..to` of `bytes`, empty when out of range.
fn slice(bytes: &[u8], from: usize, to: usize) -> &[u8] {
    bytes.get(from..to).unwrap_or_default()
}

fn push_bytes(state: &mut State, bytes: &[u8]) -> LuaResult<()> {
    let v = state.try_new_string(bytes)?;
    state.push(v);
    Ok(())
}

/// Lua 5.1's memory error, for results too large to allocate.
fn out_of_memory(state: &mut State) -> LuaError {
    let value = state.new_string(b"not enough memory");
    LuaError {
        kind: ErrorKind::Memory,
        value,
    }
}

fn len(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    state.push(Value::Number(s.len() as f64));
    Ok(1)
}

fn sub(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let len = s.len();
    let start = absolute_position(state.check_int(2)?, len).max(1);
    let end = absolute_position(state.opt_int(3, -1)?, len).min(len as i64);
    if start == 1 && end == len as i64 {
        state.push(Value::String(s));
    } else if start <= end {
        push_bytes(state, slice(s.as_bytes(), start as usize - 1, end as usize))?;
    } else {
        push_bytes(state, b"")?;
    }
    Ok(1)
}

fn reverse(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let out: Vec<u8> = s.as_bytes().iter().rev().copied().collect();
    push_bytes(state, &out)?;
    Ok(1)
}

/// `lower` and `upper` change ASCII letters only, as C's `tolower`/`toupper` in the C locale.
fn lower(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let out = s.as_bytes().to_ascii_lowercase();
    push_bytes(state, &out)?;
    Ok(1)
}

fn upper(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let out = s.as_bytes().to_ascii_uppercase();
    push_bytes(state, &out)?;
    Ok(1)
}

fn rep(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let n = state.check_int32(2)?;
    let unit = s.as_bytes();
    if n <= 0 || unit.is_empty() {
        push_bytes(state, b"")?;
        return Ok(1);
    }
    let Some(total) = unit.len().checked_mul(n as usize) else {
        return Err(out_of_memory(state));
    };
    // Building a long result is work a host's instruction count should see, as a long
    // concatenation's copying is.
    state.charge_copy_work(total)?;
    // Built in place in the new string, doubling the filled part until it reaches the total:
    // few, large copies, and the result never exists twice in memory.
    let s = state.try_new_str_filled(total, |out| {
        out[..unit.len()].copy_from_slice(unit);
        let mut filled = unit.len();
        while filled < total {
            let more = filled.min(total - filled);
            out.copy_within(..more, filled);
            filled += more;
        }
    })?;
    state.push(Value::String(s));
    Ok(1)
}

fn byte(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let len = s.len();
    let first = absolute_position(state.opt_int(2, 1)?, len);
    let last = absolute_position(state.opt_int(3, first)?, len);
    let first = first.max(1);
    let last = last.min(len as i64);
    if first > last {
        return Ok(0);
    }
    // Lua 5.1 counts in a C int; a count that wraps is refused.
    let n = i64::from((last - first + 1) as i32);
    if first + n <= last {
        return Err(state.native_error("string slice too long"));
    }
    if n > MAX_NATIVE_STACK || state.arg_count() as i64 + n > MAX_NATIVE_STACK {
        return Err(state.native_error("stack overflow (string slice too long)"));
    }
    let n = n.max(0) as usize;
    state.ensure_stack(n)?;
    let start = first as usize - 1;
    for &b in slice(s.as_bytes(), start, start + n) {
        state.push(Value::Number(f64::from(b)));
    }
    Ok(n)
}

fn char(state: &mut State) -> LuaResult<usize> {
    let n = state.arg_count();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = state.check_int32(i)?;
        match u8::try_from(c) {
            Ok(b) => out.push(b),
            Err(_) => return Err(state.arg_error(i, "invalid value")),
        }
    }
    push_bytes(state, &out)?;
    Ok(1)
}

/// `string.dump(f)`: a Lua function as a Lua 5.1 binary chunk (a native function cannot be
/// dumped, as in Lua 5.1).
fn dump(state: &mut State) -> LuaResult<usize> {
    let f = state.arg(1);
    if !f.is_function() {
        return Err(state.arg_type_error(1, "function"));
    }
    let Value::LuaFunction(cl) = f else {
        return Err(state.native_error("unable to dump given function"));
    };
    let chunk = crate::vm::dump::dump(&cl.proto);
    push_bytes(state, &chunk)?;
    Ok(1)
}

// ---- pattern matching ------------------------------------------------------------------------

/// A matcher using the buffers kept in the state from earlier calls.
fn matcher<'a>(state: &mut State, subject: &'a [u8], pattern: &'a [u8]) -> Matcher<'a> {
    let buffers = state
        .app_data_mut::<MatchBuffers>()
        .map(std::mem::take)
        .unwrap_or_default();
    Matcher::with_buffers(subject, pattern, buffers)
}

/// Keep the matcher's buffers in the state for the next call.
fn keep_buffers(state: &mut State, m: Matcher<'_>) {
    let buffers = m.into_buffers();
    match state.app_data_mut::<MatchBuffers>() {
        Some(slot) => *slot = buffers,
        None => state.set_app_data(buffers),
    }
}

fn pattern_error(state: &mut State, e: PatternError) -> LuaError {
    state.native_error(e.message())
}

/// Run `f`, a match, with a tick that charges its steps to the state's instruction count (so
/// an instruction budget or a host's periodic check also covers time spent matching); an
/// error the count hook raises stops the match and is the result.
fn charged<T>(
    state: &mut State,
    f: impl FnOnce(&mut pattern::Tick<'_>) -> Result<T, PatternError>,
) -> LuaResult<T> {
    let mut stopped = None;
    let mut charge = |steps| match state.charge_native_work(steps) {
        Ok(()) => true,
        Err(e) => {
            stopped = Some(e);
            false
        }
    };
    let outcome = f(&mut charge);
    match (outcome, stopped) {
        (Ok(v), _) => Ok(v),
        (Err(PatternError::Interrupted), Some(e)) => Err(e),
        (Err(e), _) => Err(pattern_error(state, e)),
    }
}

/// A capture as a Lua value: a substring of `src`, or a position number.
fn capture_value(state: &mut State, src: &[u8], capture: CaptureValue) -> Value {
    match capture {
        CaptureValue::Text(a, b) => state.new_string(slice(src, a, b)),
        CaptureValue::Position(n) => Value::Number(n as f64),
    }
}

/// Push the captures of the match `s..e` just found by `m` (the whole match when there are no
/// captures and `whole` is set); returns how many.
fn push_captures(
    state: &mut State,
    m: &Matcher<'_>,
    src: &[u8],
    s: usize,
    e: usize,
    whole: bool,
) -> LuaResult<usize> {
    let n = m.capture_count(whole);
    state.ensure_stack(n)?;
    for i in 0..n {
        let capture = m
            .capture(i, s, e)
            .map_err(|err| pattern_error(state, err))?;
        let v = capture_value(state, src, capture);
        state.push(v);
    }
    Ok(n)
}

fn find(state: &mut State) -> LuaResult<usize> {
    find_or_match(state, true)
}

fn match_(state: &mut State) -> LuaResult<usize> {
    find_or_match(state, false)
}

/// `find` (positions, then captures) and `match` (captures, or the whole match).
fn find_or_match(state: &mut State, is_find: bool) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let p = state.check_string(2)?;
    let (src, pat) = (s.as_bytes(), p.as_bytes());
    let init = (absolute_position(state.opt_int(3, 1)?, src.len()) - 1).clamp(0, src.len() as i64);
    let init = init as usize;
    if is_find && (!state.arg(4).is_falsy() || !pattern::has_specials(pat)) {
        if let Some(at) = pattern::find_bytes(slice(src, init, src.len()), pat) {
            let start = init + at;
            state.push(Value::Number((start + 1) as f64));
            state.push(Value::Number((start + pat.len()) as f64));
            return Ok(2);
        }
    } else {
        let mut m = matcher(state, src, pat);
        let found = charged(state, |tick| m.search(init, true, tick))?;
        let n = match found {
            Some((at, end)) if is_find => {
                state.push(Value::Number((at + 1) as f64));
                state.push(Value::Number(end as f64));
                push_captures(state, &m, src, at, end, false)? + 2
            }
            Some((at, end)) => push_captures(state, &m, src, at, end, true)?,
            None => {
                state.push(Value::Nil);
                1
            }
        };
        keep_buffers(state, m);
        return Ok(n);
    }
    state.push(Value::Nil);
    Ok(1)
}

/// `gmatch(s, p)`: an iterator over the matches of `p` in `s`. Its state (subject, pattern,
/// next start offset) lives in the iterator's upvalues. A `^` is an ordinary byte here, as in
/// Lua 5.1.
fn gmatch(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let p = state.check_string(2)?;
    let iter = state.new_native_with_upvalues(
        "gmatch_iterator",
        gmatch_next,
        vec![Value::String(s), Value::String(p), Value::Number(0.0)],
    );
    state.push(iter);
    Ok(1)
}

fn gmatch_next(state: &mut State) -> LuaResult<usize> {
    let (Value::String(s), Value::String(p)) = (state.native_upvalue(0), state.native_upvalue(1))
    else {
        return Ok(0);
    };
    let start = match state.native_upvalue(2) {
        Value::Number(n) if n > 0.0 => n as usize,
        _ => 0,
    };
    let src = s.as_bytes();
    if start > src.len() {
        return Ok(0);
    }
    let mut m = matcher(state, src, p.as_bytes());
    let found = charged(state, |tick| m.search(start, false, tick))?;
    let n = match found {
        Some((at, end)) => {
            // After an empty match, move on by one so the next call makes progress.
            let next = if end == at { end + 1 } else { end };
            state.set_native_upvalue(2, Value::Number(next as f64));
            push_captures(state, &m, src, at, end, true)?
        }
        None => 0,
    };
    keep_buffers(state, m);
    Ok(n)
}

/// What `gsub` replaces each match with.
enum Replacement<'a> {
    /// A string (or number, as text): `%0`-`%9` stand for captures, `%x` for `x`.
    Text { bytes: &'a [u8], has_escapes: bool },
    /// The value of the table at the first capture.
    Table(Gc<Table>),
    /// The result of calling the function with the captures.
    Function(Value),
}

fn gsub(state: &mut State) -> LuaResult<usize> {
    let s = state.check_string(1)?;
    let p = state.check_string(2)?;
    let src = s.as_bytes();
    let repl_arg = state.arg(3);
    // Lua 5.1 counts in a C int, defaulting to one more than the subject length.
    let max_n = state.opt_int32(4, (src.len() + 1) as i32)?;
    let repl_text: Gc<LuaStr>;
    let repl = match repl_arg {
        Value::String(_) | Value::Number(_) => {
            repl_text = state.check_string(3)?;
            let bytes = repl_text.as_bytes();
            Replacement::Text {
                bytes,
                has_escapes: bytes.contains(&b'%'),
            }
        }
        Value::Table(t) => Replacement::Table(t),
        f @ (Value::LuaFunction(_) | Value::NativeFunction(_)) => Replacement::Function(f),
        _ => return Err(state.arg_error(3, "string/function/table expected")),
    };
    let mut m = matcher(state, src, p.as_bytes());
    let anchored = m.anchored();
    let p0 = usize::from(anchored);
    let mut out = Vec::with_capacity(src.len());
    let mut args = Vec::new();
    // `src[..copied]` is already accounted for in `out`; unmatched bytes after it are copied
    // in one piece when the next replacement (or the end) comes.
    let mut copied = 0;
    let mut at = 0;
    let mut count: i32 = 0;
    while count < max_n {
        if !anchored {
            match m.skip_to_candidate(at, p0) {
                Some(next) => at = next,
                None => break,
            }
        }
        let end = charged(state, |tick| m.match_at(at, p0, tick))?;
        if let Some(end) = end {
            count += 1;
            out.extend_from_slice(slice(src, copied, at));
            add_replacement(state, &m, src, at, end, &repl, &mut args, &mut out)?;
            copied = end;
        }
        match end {
            Some(end) if end > at => at = end,
            _ if at < src.len() => at += 1,
            _ => break,
        }
        if anchored {
            break;
        }
    }
    keep_buffers(state, m);
    out.extend_from_slice(slice(src, copied, src.len()));
    push_bytes(state, &out)?;
    state.push(Value::Number(f64::from(count)));
    Ok(2)
}

/// Append the replacement for the match `s..e` to `out`. `args` is scratch space for the
/// captures passed to a replacement function.
#[allow(clippy::too_many_arguments)]
fn add_replacement(
    state: &mut State,
    m: &Matcher<'_>,
    src: &[u8],
    s: usize,
    e: usize,
    repl: &Replacement<'_>,
    args: &mut Vec<Value>,
    out: &mut Vec<u8>,
) -> LuaResult<()> {
    let value = match *repl {
        Replacement::Text { bytes, has_escapes } => {
            if has_escapes {
                return add_text_replacement(state, m, src, s, e, bytes, out);
            }
            out.extend_from_slice(bytes);
            return Ok(());
        }
        Replacement::Function(f) => {
            args.clear();
            for i in 0..m.capture_count(true) {
                let capture = m
                    .capture(i, s, e)
                    .map_err(|err| pattern_error(state, err))?;
                args.push(capture_value(state, src, capture));
            }
            // The captures are on the stack as arguments for the length of the call.
            state.call1(f, args)?
        }
        Replacement::Table(t) => {
            let capture = m
                .capture(0, s, e)
                .map_err(|err| pattern_error(state, err))?;
            let key = capture_value(state, src, capture);
            state.get_index(Value::Table(t), key, None)?
        }
    };
    match value {
        Value::Nil | Value::Boolean(false) => out.extend_from_slice(slice(src, s, e)),
        Value::String(r) => out.extend_from_slice(r.as_bytes()),
        Value::Number(n) => crate::number::format_number(n, out),
        other => {
            let msg = format!("invalid replacement value (a {})", other.type_name());
            return Err(state.native_error(&msg));
        }
    }
    Ok(())
}

/// A replacement string: `%0` is the whole match, `%1`-`%9` the captures, `%` before anything
/// else stands for that byte (and a final `%` for a zero byte, as Lua 5.1 reads the terminator).
fn add_text_replacement(
    state: &mut State,
    m: &Matcher<'_>,
    src: &[u8],
    s: usize,
    e: usize,
    repl: &[u8],
    out: &mut Vec<u8>,
) -> LuaResult<()> {
    let mut i = 0;
    while i < repl.len() {
        // Copy the run of plain bytes up to the next `%` at once.
        let rest = slice(repl, i, repl.len());
        let plain = rest.iter().position(|&b| b == b'%').unwrap_or(rest.len());
        out.extend_from_slice(slice(rest, 0, plain));
        i += plain + 1;
        if i > repl.len() {
            break;
        }
        let d = repl.get(i).copied().unwrap_or(0);
        if !d.is_ascii_digit() {
            out.push(d);
        } else if d == b'0' {
            out.extend_from_slice(slice(src, s, e));
        } else {
            let capture = m
                .capture(usize::from(d - b'1'), s, e)
                .map_err(|err| pattern_error(state, err))?;
            match capture {
                CaptureValue::Text(a, b) => out.extend_from_slice(slice(src, a, b)),
                CaptureValue::Position(n) => crate::number::format_number(n as f64, out),
            }
        }
        i += 1;
    }
    Ok(())
}
