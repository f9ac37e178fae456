//! `pack`: Lua values to MessagePack, choosing each value's type as lua-cmsgpack 0.4.0 does.
//!
//! - A number whose value is an integer in the 64-bit range gets the smallest integer
//!   encoding; any other number is a float 32 when converting it to `float` and back loses
//!   nothing (so `inf`, `1.5`, `2^63`), else a float 64 (so `nan`, `0.1`).
//! - A string is always a `str` (fixstr / str 8 / str 16 / str 32), never a `bin`.
//! - A table whose keys are exactly the integers 1..n (each fitting a C `int`) is an array,
//!   any other table a map, its entries in `next` order. The empty table is an array.
//! - Tables nested [`MAX_NESTING`] levels deep, functions, userdata and threads are `nil`.
//!
//! The output is built in a Rust buffer while the arguments are read through views, which
//! borrow the context; so the buffer cannot ask for memory as it grows. Instead it stops at
//! a byte budget, the budget is reserved, and the encoding starts over (rarely: the budget
//! at least doubles each time).

use super::{stack_overflow, MAX_C_STACK};
use lua_core::native::{Ctx, Raised, TableRef, ValueRef};

/// Tables nested this deep are encoded as `nil` (this also stops self-references).
const MAX_NESTING: usize = 16;

/// Output size allowed before any reservation: small results never ask for memory.
const FREE_BUDGET: usize = 64 * 1024;

/// Why an encoding attempt stopped early.
enum Stop {
    /// The output would need this many bytes, more than the budget.
    OverBudget(usize),
    /// The buffer could not grow.
    OutOfMemory,
    /// A C stack check failed; the text says where (`in function table_is_an_array`).
    StackOverflow(&'static str),
}

/// Encode every argument of the running function, concatenated.
pub(super) fn pack_arguments(ctx: &mut Ctx) -> Result<Vec<u8>, Raised> {
    let mut budget = FREE_BUDGET;
    loop {
        match encode_arguments(ctx, budget) {
            Ok(out) => return Ok(out),
            Err(Stop::OverBudget(needed)) => {
                budget = needed.max(budget).saturating_mul(2);
                ctx.reserve(budget)?;
            }
            Err(Stop::OutOfMemory) => return Err(ctx.memory_error()),
            Err(Stop::StackOverflow(what)) => return Err(stack_overflow(ctx, what)),
        }
    }
}

/// One attempt at the whole output within `budget` bytes.
fn encode_arguments(ctx: &Ctx, budget: usize) -> Result<Vec<u8>, Stop> {
    let count = ctx.arg_count();
    let mut encoder = Encoder {
        out: Vec::new(),
        budget,
    };
    for n in 1..=count {
        // In C, the arguments and the strings of those already encoded fill the stack, and
        // argument `n` is copied on top: that is `count + n` slots.
        encoder.value(ctx.arg(n), 0, count + n)?;
    }
    Ok(encoder.out)
}

/// The output being built.
struct Encoder {
    out: Vec<u8>,
    budget: usize,
}

impl Encoder {
    fn append(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let needed = self.out.len().saturating_add(bytes.len());
        if needed > self.budget {
            return Err(Stop::OverBudget(needed));
        }
        if needed > self.out.capacity() {
            // Grow by doubling, but never past the budget that was reserved.
            let target = needed
                .max(self.out.capacity().saturating_mul(2))
                .min(self.budget);
            if self.out.try_reserve_exact(target - self.out.len()).is_err() {
                return Err(Stop::OutOfMemory);
            }
        }
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// Encode `v`, found `level` tables deep. `slots` counts the stack slots the C encoder
    /// holds at this point, with `v` on top, for its stack checks.
    fn value(&mut self, v: ValueRef<'_>, level: usize, slots: usize) -> Result<(), Stop> {
        match v {
            ValueRef::String(s) => self.string(s.as_bytes()),
            ValueRef::Boolean(b) => self.append(&[if b { 0xc3 } else { 0xc2 }]),
            ValueRef::Number(x) => self.number(x),
            ValueRef::Table(t) if level < MAX_NESTING => self.table(t, level, slots),
            _ => self.append(&[0xc0]),
        }
    }

    fn string(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let len = bytes.len();
        if len < 32 {
            self.append(&[0xa0 | len as u8])?;
        } else if len <= 0xff {
            self.append(&[0xd9, len as u8])?;
        } else if len <= 0xffff {
            self.append(&[0xda, (len >> 8) as u8, len as u8])?;
        } else {
            // Past 4 GiB the C code keeps the low 32 bits of the length, as this does.
            self.append(&[0xdb])?;
            self.append(&(len as u32).to_be_bytes())?;
        }
        self.append(bytes)
    }

    fn number(&mut self, x: f64) -> Result<(), Stop> {
        match integer_value(x) {
            Some(n) => self.integer(n),
            None => self.float(x),
        }
    }

    fn float(&mut self, x: f64) -> Result<(), Stop> {
        let single = x as f32;
        if f64::from(single) == x {
            self.append(&[0xca])?;
            self.append(&single.to_bits().to_be_bytes())
        } else {
            self.append(&[0xcb])?;
            self.append(&x.to_bits().to_be_bytes())
        }
    }

    /// The smallest of the fixint / uint / int encodings that holds `n`; non-negative values
    /// always take an unsigned type.
    fn integer(&mut self, n: i64) -> Result<(), Stop> {
        match n {
            0..=0x7f => self.append(&[n as u8]),
            0x80..=0xff => self.append(&[0xcc, n as u8]),
            0x100..=0xffff => self.append_tagged(0xcd, &(n as u16).to_be_bytes()),
            0x1_0000..=0xffff_ffff => self.append_tagged(0xce, &(n as u32).to_be_bytes()),
            0x1_0000_0000.. => self.append_tagged(0xcf, &(n as u64).to_be_bytes()),
            -32..=-1 => self.append(&[n as u8]),
            -128..=-33 => self.append(&[0xd0, n as u8]),
            -32768..=-129 => self.append_tagged(0xd1, &(n as i16).to_be_bytes()),
            -2_147_483_648..=-32769 => self.append_tagged(0xd2, &(n as i32).to_be_bytes()),
            _ => self.append_tagged(0xd3, &n.to_be_bytes()),
        }
    }

    fn append_tagged(&mut self, tag: u8, payload: &[u8]) -> Result<(), Stop> {
        self.append(&[tag])?;
        self.append(payload)
    }

    fn table(&mut self, t: TableRef<'_>, level: usize, slots: usize) -> Result<(), Stop> {
        // The array test walks the table with a key and a value on the stack.
        check(slots, 2, "in function table_is_an_array")?;
        match array_length(t) {
            Some(len) => self.array(t, len, level, slots),
            None => self.map(t, level, slots),
        }
    }

    fn array(
        &mut self,
        t: TableRef<'_>,
        len: usize,
        level: usize,
        slots: usize,
    ) -> Result<(), Stop> {
        self.header(len, 0x90, 0xdc, 0xdd)?;
        check(slots, 1, "in function mp_encode_lua_table_as_array")?;
        for i in 1..=len {
            // Each element sits on the stack above the table while it is encoded.
            self.value(t.get_index(i as i64), level + 1, slots + 1)?;
        }
        Ok(())
    }

    fn map(&mut self, t: TableRef<'_>, level: usize, slots: usize) -> Result<(), Stop> {
        check(slots, 3, "in function mp_encode_lua_table_as_map")?;
        self.header(t.iter().count(), 0x80, 0xde, 0xdf)?;
        for (key, value) in t.iter() {
            // C walks with `next`: the key and value on the stack, and a copy of the key on
            // top while the key is encoded; then the value is on top.
            self.value(key, level + 1, slots + 3)?;
            self.value(value, level + 1, slots + 2)?;
        }
        Ok(())
    }

    /// An array or map header: the fix form (`fix | n`) up to 15 entries, then 16 and 32
    /// bits (a count past 32 bits keeps its low bits, as in C).
    fn header(&mut self, n: usize, fix: u8, tag16: u8, tag32: u8) -> Result<(), Stop> {
        if n <= 15 {
            self.append(&[fix | n as u8])
        } else if n <= 0xffff {
            self.append_tagged(tag16, &(n as u16).to_be_bytes())
        } else {
            self.append_tagged(tag32, &(n as u32).to_be_bytes())
        }
    }
}

/// `luaL_checkstack`'s test for the encoder, which cannot raise errors while it reads views:
/// `extra` more slots above `slots` must stay within [`MAX_C_STACK`].
fn check(slots: usize, extra: usize, what: &'static str) -> Result<(), Stop> {
    if slots.saturating_add(extra) > MAX_C_STACK {
        return Err(Stop::StackOverflow(what));
    }
    Ok(())
}

/// `x` as an `int64_t`, when the C test `(int64_t)x == x` holds: an integer value in
/// [-2^63, 2^63). Negative zero counts as 0; infinities and NaN are not integers.
fn integer_value(x: f64) -> Option<i64> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    ((-TWO_POW_63..TWO_POW_63).contains(&x) && x.trunc() == x).then_some(x as i64)
}

/// `Some(n)` when the keys of `t` are exactly 1..n: every key a number that is a positive
/// integer fitting a C `int`, and the largest equal to the count of keys.
fn array_length(t: TableRef<'_>) -> Option<usize> {
    let mut count = 0usize;
    let mut max = 0usize;
    for (key, _) in t.iter() {
        let index = match key {
            ValueRef::Number(n) if n > 0.0 && n <= f64::from(i32::MAX) && n.trunc() == n => {
                n as usize
            }
            _ => return None,
        };
        max = max.max(index);
        count += 1;
    }
    (max == count).then_some(count)
}
