//! Operations that may involve metamethods: indexing, assignment, equality, ordering,
//! concatenation, length, and the conversions between strings and numbers.

use super::{LuaResult, State, Tm};
use crate::gc::Gc;
use crate::value::{LuaStr, Table, Value};

/// Longest `__index`/`__newindex` chain followed before `loop in gettable`.
const MAX_TAG_LOOP: usize = 100;

/// Number coercion of a value (`luaV_tonumber`): numbers, and strings that read as numbers.
#[inline]
pub fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => crate::number::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// Concatenations at least this long are built in place in the new string rather than in a
/// buffer first.
const CONCAT_IN_PLACE_FROM: usize = 4096;

impl State {
    /// A metamethod of a metatable, using (and filling) the table's cache of absent ones.
    #[inline]
    pub(crate) fn fast_tm(&self, mt: Gc<Table>, event: Tm) -> Option<Value> {
        let bit = 1u8 << (event as u8);
        if mt.absent_metamethods & bit != 0 {
            return None;
        }
        let v = mt.get_str(self.tm_names[event as usize]);
        if v.is_nil() {
            mt.borrow_mut().absent_metamethods |= bit;
            None
        } else {
            Some(v)
        }
    }

    /// The metamethod for `event` of any value (nil when absent).
    pub(crate) fn metamethod(&self, v: &Value, event: Tm) -> Value {
        match self.metatable_of(v) {
            Some(mt) => mt.get_str(self.tm_names[event as usize]),
            None => Value::Nil,
        }
    }

    /// Call a metamethod with two arguments and return its first result.
    pub(crate) fn call_tm_res(&mut self, f: Value, a: Value, b: Value) -> LuaResult<Value> {
        let func = self.top;
        self.push(f);
        self.push(a);
        self.push(b);
        self.call_at(func, 2, 1)?;
        let v = self.stack[func];
        self.top = func;
        Ok(v)
    }

    /// Call a metamethod with three arguments, discarding results (`__newindex`).
    fn call_tm3(&mut self, f: Value, a: Value, b: Value, c: Value) -> LuaResult<()> {
        let func = self.top;
        self.push(f);
        self.push(a);
        self.push(b);
        self.push(c);
        self.call_at(func, 3, 0)?;
        self.top = func;
        Ok(())
    }

    /// `h[key]` for a string key that `h` itself lacks, following `__index` tables inline (the
    /// common shape of method lookup through classes). `None` when a handler is a function or
    /// not a table, or the chain is too long: the general path then redoes the walk.
    #[inline]
    pub(crate) fn index_miss_str(&self, h: Gc<Table>, key: Gc<LuaStr>) -> Option<Value> {
        let mut h = h;
        // The caller's lookup in `h` was the chain's first step.
        for _ in 1..MAX_TAG_LOOP {
            let Some(mt) = h.metatable() else {
                return Some(Value::Nil);
            };
            match self.fast_tm(mt, Tm::Index) {
                None => return Some(Value::Nil),
                Some(Value::Table(next)) => {
                    let v = next.get_str(key);
                    if !v.is_nil() {
                        return Some(v);
                    }
                    h = next;
                }
                Some(_) => return None,
            }
        }
        None
    }

    /// `t[key]` with metamethods. `reg` is the register holding `t`, for error messages.
    pub fn get_index(&mut self, t: Value, key: Value, reg: Option<usize>) -> LuaResult<Value> {
        let mut t = t;
        let mut reg = reg;
        for _ in 0..MAX_TAG_LOOP {
            let tm = if let Value::Table(h) = t {
                let v = h.get(&key);
                if !v.is_nil() {
                    return Ok(v);
                }
                match h.metatable().and_then(|mt| self.fast_tm(mt, Tm::Index)) {
                    None => return Ok(Value::Nil),
                    Some(tm) => tm,
                }
            } else {
                let tm = self.metamethod(&t, Tm::Index);
                if tm.is_nil() {
                    return Err(self.type_error(&t, reg, "index"));
                }
                tm
            };
            if tm.is_function() {
                return self.call_tm_res(tm, t, key);
            }
            t = tm;
            reg = None;
        }
        Err(self.rt_error("loop in gettable"))
    }

    /// `t[key] = val` with metamethods. `reg` is the register holding `t`, for error messages.
    pub fn set_index(
        &mut self,
        t: Value,
        key: Value,
        val: Value,
        reg: Option<usize>,
    ) -> LuaResult<()> {
        let mut t = t;
        let mut reg = reg;
        for _ in 0..MAX_TAG_LOOP {
            let tm = if let Value::Table(h) = t {
                // As in Redis's Lua, a read-only table refuses the write before any
                // `__newindex` is consulted.
                if h.readonly {
                    return Err(self.rt_error("Attempt to modify a readonly table"));
                }
                if h.metatable().is_none() {
                    return self.raw_set(h, key, val);
                }
                let existing = h.get(&key);
                let tm = if existing.is_nil() {
                    h.metatable().and_then(|mt| self.fast_tm(mt, Tm::NewIndex))
                } else {
                    None
                };
                match tm {
                    None => return self.raw_set(h, key, val),
                    Some(tm) => {
                        if matches!(key, Value::Nil) {
                            return Err(self.rt_error("table index is nil"));
                        }
                        if matches!(key, Value::Number(n) if n.is_nan()) {
                            return Err(self.rt_error("table index is NaN"));
                        }
                        tm
                    }
                }
            } else {
                let tm = self.metamethod(&t, Tm::NewIndex);
                if tm.is_nil() {
                    return Err(self.type_error(&t, reg, "index"));
                }
                tm
            };
            if tm.is_function() {
                return self.call_tm3(tm, t, key, val);
            }
            t = tm;
            reg = None;
        }
        Err(self.rt_error("loop in settable"))
    }

    /// `a == b` with `__eq` (`luaV_equalval`).
    pub fn values_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        let (mt1, mt2) = match (a, b) {
            (Value::Table(x), Value::Table(y)) => {
                if x == y {
                    return Ok(true);
                }
                (x.metatable(), y.metatable())
            }
            (Value::UserData(x), Value::UserData(y)) => {
                if x == y {
                    return Ok(true);
                }
                (x.metatable(), y.metatable())
            }
            _ => return Ok(a.raw_equal(&b)),
        };
        let Some(tm1) = mt1.and_then(|m| self.fast_tm(m, Tm::Eq)) else {
            return Ok(false);
        };
        if mt1 != mt2 {
            let Some(tm2) = mt2.and_then(|m| self.fast_tm(m, Tm::Eq)) else {
                return Ok(false);
            };
            if !tm1.raw_equal(&tm2) {
                return Ok(false);
            }
        }
        let r = self.call_tm_res(tm1, a, b)?;
        Ok(!r.is_falsy())
    }

    /// Call an order metamethod (`__lt`/`__le`) when both operands share it.
    fn call_order_tm(&mut self, a: Value, b: Value, event: Tm) -> LuaResult<Option<bool>> {
        let tm1 = self.metamethod(&a, event);
        if tm1.is_nil() {
            return Ok(None);
        }
        let tm2 = self.metamethod(&b, event);
        if !tm1.raw_equal(&tm2) {
            return Ok(None);
        }
        let r = self.call_tm_res(tm1, a, b)?;
        Ok(Some(!r.is_falsy()))
    }

    /// `a < b` (`luaV_lessthan`).
    pub fn less_than(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => Ok(x < y),
            (Value::String(x), Value::String(y)) => Ok(x.as_bytes() < y.as_bytes()),
            _ if a.lua_type() != b.lua_type() => Err(self.order_error(&a, &b)),
            _ => match self.call_order_tm(a, b, Tm::Lt)? {
                Some(r) => Ok(r),
                None => Err(self.order_error(&a, &b)),
            },
        }
    }

    /// `a <= b` (`lessequal`): `__le`, else `not (b < a)` through `__lt`.
    pub fn less_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => Ok(x <= y),
            (Value::String(x), Value::String(y)) => Ok(x.as_bytes() <= y.as_bytes()),
            _ if a.lua_type() != b.lua_type() => Err(self.order_error(&a, &b)),
            _ => {
                if let Some(r) = self.call_order_tm(a, b, Tm::Le)? {
                    return Ok(r);
                }
                match self.call_order_tm(b, a, Tm::Lt)? {
                    Some(r) => Ok(!r),
                    None => Err(self.order_error(&a, &b)),
                }
            }
        }
    }

    /// `#v` (`OP_LEN`): tables and strings directly, anything else through `__len`.
    pub(crate) fn length(&mut self, v: Value, reg: Option<usize>) -> LuaResult<Value> {
        match v {
            Value::Table(t) => Ok(Value::Number(t.border() as f64)),
            Value::String(s) => Ok(Value::Number(s.len() as f64)),
            _ => {
                let mut tm = self.metamethod(&v, Tm::Len);
                if tm.is_nil() {
                    tm = self.metamethod(&Value::Nil, Tm::Len);
                }
                if tm.is_nil() {
                    return Err(self.type_error(&v, reg, "get length of"));
                }
                self.call_tm_res(tm, v, Value::Nil)
            }
        }
    }

    /// The string form of a number or string operand of `..`, if it has one.
    fn concat_piece(&mut self, idx: usize) -> bool {
        match self.stack[idx] {
            Value::String(_) => true,
            Value::Number(n) => {
                let mut buf = Vec::with_capacity(24);
                crate::number::format_number(n, &mut buf);
                self.stack[idx] = self.new_string(&buf);
                true
            }
            _ => false,
        }
    }

    /// Concatenate stack slots `first..=last` into slot `first` (`luaV_concat`): runs of
    /// strings and numbers are joined in one buffer; other values go through `__concat`, pairwise
    /// from the right.
    pub(crate) fn concat(&mut self, first: usize, last: usize) -> LuaResult<()> {
        let mut total = last - first + 1;
        let mut last = last;
        while total > 1 {
            let top = last + 1;
            let mut n = 2;
            let left_ok = matches!(self.stack[top - 2], Value::String(_) | Value::Number(_));
            if !left_ok || !self.concat_piece(top - 1) {
                let (l, r) = (self.stack[top - 2], self.stack[top - 1]);
                let mut tm = self.metamethod(&l, Tm::Concat);
                if tm.is_nil() {
                    tm = self.metamethod(&r, Tm::Concat);
                }
                if tm.is_nil() {
                    let (bad, idx) = if matches!(l, Value::String(_) | Value::Number(_)) {
                        (r, top - 1)
                    } else {
                        (l, top - 2)
                    };
                    let reg = self.frame_register(idx);
                    return Err(self.type_error(&bad, reg, "concatenate"));
                }
                let v = self.call_tm_res(tm, l, r)?;
                self.stack[top - 2] = v;
            } else if matches!(self.stack[top - 1], Value::String(s) if s.is_empty()) {
                self.concat_piece(top - 2);
            } else {
                let mut len = match self.stack[top - 1] {
                    Value::String(s) => s.len(),
                    _ => 0,
                };
                n = 1;
                while n < total && self.concat_piece(top - n - 1) {
                    if let Value::String(s) = self.stack[top - n - 1] {
                        len += s.len();
                    }
                    n += 1;
                }
                self.charge_copy_work(len)?;
                // The result is allocated before the next safe point: check the limit first.
                self.reserve_memory(len)?;
                let pieces = self.stack[top - n..top].iter().filter_map(|v| match v {
                    Value::String(s) => Some(s.as_bytes()),
                    _ => None,
                });
                let built = if len >= CONCAT_IN_PLACE_FROM {
                    // A long result is written straight into the new string: it never exists
                    // twice in memory.
                    self.heap.try_intern_filled(len, |out| {
                        let mut at = 0;
                        for piece in pieces {
                            out[at..at + piece.len()].copy_from_slice(piece);
                            at += piece.len();
                        }
                    })
                } else {
                    let mut buf = Vec::with_capacity(len);
                    pieces.for_each(|piece| buf.extend_from_slice(piece));
                    self.heap.try_intern(&buf)
                };
                let Some(s) = built else {
                    return Err(self.memory_error());
                };
                self.stack[top - n] = Value::String(s);
            }
            total -= n - 1;
            last -= n - 1;
        }
        Ok(())
    }

    /// `tostring(v)` without metamethods: the text Lua 5.1 prints for a value.
    pub fn to_display(&mut self, v: &Value) -> Vec<u8> {
        match v {
            Value::Nil => b"nil".to_vec(),
            Value::Boolean(b) => {
                if *b {
                    b"true".to_vec()
                } else {
                    b"false".to_vec()
                }
            }
            Value::Number(n) => {
                let mut out = Vec::new();
                crate::number::format_number(*n, &mut out);
                out
            }
            Value::String(s) => s.as_bytes().to_vec(),
            Value::UserData(u) if u.data.is::<crate::value::NullPointer>() => {
                b"userdata: (nil)".to_vec()
            }
            other => format!("{}: 0x{:08x}", other.type_name(), other.identity()).into_bytes(),
        }
    }

    /// `tostring(v)` with `__tostring`, as a string value.
    pub fn tostring(&mut self, v: Value) -> LuaResult<Value> {
        let key = self.intern(b"__tostring");
        if let Some(mt) = self.metatable_of(&v) {
            let f = mt.get_str(key);
            if !f.is_nil() {
                let func = self.top;
                self.push(f);
                self.push(v);
                self.call_at(func, 1, 1)?;
                let r = self.stack[func];
                self.top = func;
                return Ok(r);
            }
        }
        match v {
            Value::String(_) => Ok(v),
            _ => {
                let bytes = self.to_display(&v);
                Ok(self.new_string(&bytes))
            }
        }
    }
}
