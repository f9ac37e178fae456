//! The table library: `concat`, `insert`, `remove`, `sort`, `maxn`, and the 5.0 leftovers
//! `getn`, `setn`, `foreach`, `foreachi`, as in Lua 5.1.
//!
//! Every read and write is raw (no metamethods), and lengths are the `#` border.

use crate::gc::Gc;
use crate::value::{NativeFn, Table, Value};
use crate::vm::{LuaResult, State};

/// In the order Lua 5.1 registers them, so `pairs(table)` visits them in the same order.
pub(crate) const FUNCTIONS: &[(&str, NativeFn)] = &[
    ("concat", concat),
    ("foreach", foreach),
    ("foreachi", foreachi),
    ("getn", getn),
    ("maxn", maxn),
    ("insert", insert),
    ("remove", remove),
    ("setn", setn),
    ("sort", sort),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    super::register_library(state, "table", FUNCTIONS, allowed)?;
    Ok(())
}

/// The table argument `n` and its border (`aux_getn`).
fn table_and_len(state: &mut State, n: usize) -> LuaResult<(Gc<Table>, i64)> {
    let t = state.check_table(n)?;
    Ok((t, t.border() as i64))
}

/// A function argument (`luaL_checktype(L, n, LUA_TFUNCTION)`).
fn check_function(state: &mut State, n: usize) -> LuaResult<Value> {
    let f = state.arg(n);
    if f.is_function() {
        Ok(f)
    } else {
        Err(state.arg_type_error(n, "function"))
    }
}

fn getn(state: &mut State) -> LuaResult<usize> {
    let (_, n) = table_and_len(state, 1)?;
    state.push(Value::Number(n as f64));
    Ok(1)
}

fn setn(state: &mut State) -> LuaResult<usize> {
    state.check_table(1)?;
    Err(state.native_error("'setn' is obsolete"))
}

/// The largest positive numeric key (0 when there is none).
fn maxn(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let mut max = 0.0;
    let mut key = Value::Nil;
    loop {
        match t.next(&key) {
            Ok(Some((k, _))) => {
                if let Value::Number(n) = k {
                    if n > max {
                        max = n;
                    }
                }
                key = k;
            }
            Ok(None) => break,
            Err(crate::value::KeyNotFound) => return Err(state.rt_error("invalid key to 'next'")),
        }
    }
    state.push(Value::Number(max));
    Ok(1)
}

/// `insert(t, v)` appends; `insert(t, pos, v)` shifts `t[pos..]` up one first.
fn insert(state: &mut State) -> LuaResult<usize> {
    let (t, len) = table_and_len(state, 1)?;
    let mut end = len + 1;
    let pos = match state.arg_count() {
        2 => end,
        3 => {
            let pos = state.check_int32(2)? as i64;
            if pos > end {
                end = pos;
            }
            let mut i = end;
            while i > pos {
                let v = t.get_int(i - 1);
                state.raw_set_int(t, i, v)?;
                i -= 1;
            }
            pos
        }
        _ => return Err(state.native_error("wrong number of arguments to 'insert'")),
    };
    let v = state.arg(state.arg_count());
    state.raw_set_int(t, pos, v)?;
    Ok(0)
}

/// `remove(t [, pos])`: removes and returns `t[pos]` (default the last), shifting down what
/// follows; returns nothing when `pos` is outside `1..#t`.
fn remove(state: &mut State) -> LuaResult<usize> {
    let (t, len) = table_and_len(state, 1)?;
    let mut pos = state.opt_int32(2, len as i32)? as i64;
    if !(1 <= pos && pos <= len) {
        return Ok(0);
    }
    let removed = t.get_int(pos);
    state.push(removed);
    while pos < len {
        let v = t.get_int(pos + 1);
        state.raw_set_int(t, pos, v)?;
        pos += 1;
    }
    state.raw_set_int(t, len, Value::Nil)?;
    Ok(1)
}

fn concat(state: &mut State) -> LuaResult<usize> {
    let sep = match state.arg(2) {
        Value::Nil => None,
        _ => Some(state.check_string(2)?),
    };
    let t = state.check_table(1)?;
    let first = state.opt_int32(3, 1)? as i64;
    let last = match state.arg(4) {
        Value::Nil => t.border() as i64,
        _ => state.check_int32(4)? as i64,
    };
    let sep: &[u8] = match &sep {
        Some(s) => s.as_bytes(),
        None => b"",
    };
    let mut out = Vec::new();
    let mut number = Vec::new();
    let mut i = first;
    while i <= last {
        match t.get_int(i) {
            Value::String(s) => append(state, &mut out, s.as_bytes())?,
            Value::Number(n) => {
                number.clear();
                crate::number::format_number(n, &mut number);
                append(state, &mut out, &number)?;
            }
            other => {
                let msg = format!(
                    "invalid value ({}) at index {} in table for 'concat'",
                    other.type_name(),
                    i
                );
                return Err(state.native_error(&msg));
            }
        }
        if i < last {
            append(state, &mut out, sep)?;
        }
        i += 1;
    }
    let s = state.new_string(&out);
    state.push(s);
    Ok(1)
}

/// Append to the result of `concat`, failing with "not enough memory" rather than aborting
/// when the buffer cannot grow (or would pass the state's memory limit).
fn append(state: &mut State, out: &mut Vec<u8>, piece: &[u8]) -> LuaResult<()> {
    if out.capacity() - out.len() < piece.len() {
        state.reserve_memory(out.len().saturating_add(piece.len()))?;
        if out.try_reserve(piece.len()).is_err() {
            return Err(state.memory_error());
        }
    }
    out.extend_from_slice(piece);
    Ok(())
}

/// `foreachi(t, f)`: calls `f(i, t[i])` for `i = 1..#t` until it returns a non-nil value.
fn foreachi(state: &mut State) -> LuaResult<usize> {
    let (t, n) = table_and_len(state, 1)?;
    let f = check_function(state, 2)?;
    for i in 1..=n {
        let v = t.get_int(i);
        let r = state.call1(f, &[Value::Number(i as f64), v])?;
        if !r.is_nil() {
            state.push(r);
            return Ok(1);
        }
    }
    Ok(0)
}

/// `foreach(t, f)`: calls `f(k, v)` for every entry, in `next` order, until it returns a non-nil
/// value.
fn foreach(state: &mut State) -> LuaResult<usize> {
    let t = state.check_table(1)?;
    let f = check_function(state, 2)?;
    // Slot 3 keeps the current key alive while `f` runs (it may remove the entry).
    state.set_top(3);
    let mut key = Value::Nil;
    loop {
        let (k, v) = match t.next(&key) {
            Ok(Some(kv)) => kv,
            Ok(None) => return Ok(0),
            Err(crate::value::KeyNotFound) => return Err(state.rt_error("invalid key to 'next'")),
        };
        state.set_arg(3, k);
        let r = state.call1(f, &[k, v])?;
        if !r.is_nil() {
            state.push(r);
            return Ok(1);
        }
        key = k;
    }
}

// ---- sort ----------------------------------------------------------------------------------

/// Argument slots of `sort` that keep values read from the table alive while a comparator runs
/// (the comparator may remove them from the table and collect garbage).
const PIVOT_SLOT: usize = 3;
const LEFT_SLOT: usize = 4;
const RIGHT_SLOT: usize = 5;

fn sort(state: &mut State) -> LuaResult<usize> {
    let (t, n) = table_and_len(state, 1)?;
    let comparator = match state.arg(2) {
        Value::Nil => None,
        _ => Some(check_function(state, 2)?),
    };
    state.set_top(RIGHT_SLOT);
    let mut sorter = Sorter { t, comparator };
    sorter.sort_range(state, 1, n)?;
    Ok(0)
}

/// Lua 5.1's quicksort: median of three, then partitioning around the pivot, recursing into the
/// smaller part (so the depth stays below log2 of the length) and looping on the larger one.
/// Comparisons happen in exactly the reference's order, so that inconsistent comparators give
/// the same results and the same `invalid order function for sorting` errors.
struct Sorter {
    t: Gc<Table>,
    comparator: Option<Value>,
}

impl Sorter {
    #[inline]
    fn less(&mut self, state: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        match self.comparator {
            None => state.less_than(a, b),
            Some(f) => Ok(!state.call1(f, &[a, b])?.is_falsy()),
        }
    }

    #[inline]
    fn get(&self, i: i64) -> Value {
        self.t.get_int(i)
    }

    #[inline]
    fn set(&self, state: &mut State, i: i64, v: Value) -> LuaResult<()> {
        state.raw_set_int(self.t, i, v)
    }

    /// Read `t[i]` into a root slot.
    #[inline]
    fn load(&self, state: &mut State, i: i64, slot: usize) -> Value {
        let v = self.get(i);
        state.set_arg(slot, v);
        v
    }

    fn sort_range(&mut self, state: &mut State, mut lo: i64, mut up: i64) -> LuaResult<()> {
        while lo < up {
            // Order t[lo] and t[up].
            let a_lo = self.load(state, lo, LEFT_SLOT);
            let a_up = self.load(state, up, RIGHT_SLOT);
            if self.less(state, a_up, a_lo)? {
                self.set(state, lo, a_up)?;
                self.set(state, up, a_lo)?;
            }
            if up - lo == 1 {
                break;
            }
            // Put the median of t[lo], t[mid], t[up] in the middle.
            let mid = (lo + up) / 2;
            let a_mid = self.load(state, mid, LEFT_SLOT);
            let a_lo = self.load(state, lo, RIGHT_SLOT);
            if self.less(state, a_mid, a_lo)? {
                self.set(state, mid, a_lo)?;
                self.set(state, lo, a_mid)?;
            } else {
                let a_up = self.load(state, up, RIGHT_SLOT);
                if self.less(state, a_up, a_mid)? {
                    self.set(state, mid, a_up)?;
                    self.set(state, up, a_mid)?;
                }
            }
            if up - lo == 2 {
                break;
            }
            // Park the pivot at up-1; t[lo] <= pivot <= t[up] already.
            let pivot = self.load(state, mid, PIVOT_SLOT);
            let a = self.get(up - 1);
            self.set(state, mid, a)?;
            self.set(state, up - 1, pivot)?;
            let i = self.partition(state, lo, up, pivot)?;
            // Swap the pivot into its final place, t[i].
            let a_last = self.load(state, up - 1, LEFT_SLOT);
            let a_i = self.load(state, i, RIGHT_SLOT);
            self.set(state, up - 1, a_i)?;
            self.set(state, i, a_last)?;
            // Recurse into the smaller side, loop on the larger.
            if i - lo < up - i {
                self.sort_range(state, lo, i - 1)?;
                lo = i + 1;
            } else {
                self.sort_range(state, i + 1, up)?;
                up = i - 1;
            }
        }
        Ok(())
    }

    /// Move values below the pivot to the left of it and values above to the right; returns
    /// where the upward scan stopped.
    fn partition(&mut self, state: &mut State, lo: i64, up: i64, pivot: Value) -> LuaResult<i64> {
        let mut i = lo;
        let mut j = up - 1;
        loop {
            // Scan up for t[i] >= pivot.
            let a_i = loop {
                i += 1;
                let v = self.load(state, i, LEFT_SLOT);
                if !self.less(state, v, pivot)? {
                    break v;
                }
                if i > up {
                    return Err(state.native_error("invalid order function for sorting"));
                }
            };
            // Scan down for t[j] <= pivot.
            let a_j = loop {
                j -= 1;
                let v = self.load(state, j, RIGHT_SLOT);
                if !self.less(state, pivot, v)? {
                    break v;
                }
                if j < lo {
                    return Err(state.native_error("invalid order function for sorting"));
                }
            };
            if j < i {
                return Ok(i);
            }
            self.set(state, i, a_j)?;
            self.set(state, j, a_i)?;
        }
    }
}
