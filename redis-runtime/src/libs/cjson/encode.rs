//! `cjson.encode(value)`: Lua values to JSON text, written without recursion into one buffer.
//!
//! The tables are read through views while the text is written, so nothing can be allocated
//! on the Lua heap or checked against its limit meanwhile. The buffer therefore gets a budget:
//! a pass that would outgrow it stops, the budget grows (checked with `ctx.reserve`) and the
//! pass starts again. Passes are deterministic (no Lua code runs), and the budget grows
//! fourfold, so the repeated work adds about a third to the final pass's at most.

use std::io::Write;

use lua_core::native::{Ctx, Raised, TableIter, TableRef, ValueRef};
use lua_core::tools::format_general;

use super::config::{self, InvalidNumbers, Settings};
use super::{null_identity, C_STACK_LIMIT};

/// What the first pass may write without asking the memory limit (as lua-cjson's buffer
/// lives outside Lua's heap).
const FIRST_BUDGET: usize = 64 * 1024;

/// What each byte of a string becomes inside the JSON string (empty: itself).
const ESCAPES: [&[u8]; 256] = {
    let mut table: [&[u8]; 256] = [b""; 256];
    const CONTROLS: [&[u8]; 32] = [
        b"\\u0000", b"\\u0001", b"\\u0002", b"\\u0003", b"\\u0004", b"\\u0005", b"\\u0006",
        b"\\u0007", b"\\b", b"\\t", b"\\n", b"\\u000b", b"\\f", b"\\r", b"\\u000e", b"\\u000f",
        b"\\u0010", b"\\u0011", b"\\u0012", b"\\u0013", b"\\u0014", b"\\u0015", b"\\u0016",
        b"\\u0017", b"\\u0018", b"\\u0019", b"\\u001a", b"\\u001b", b"\\u001c", b"\\u001d",
        b"\\u001e", b"\\u001f",
    ];
    let mut i = 0;
    while i < 32 {
        table[i] = CONTROLS[i];
        i += 1;
    }
    table[b'"' as usize] = b"\\\"";
    table[b'\\' as usize] = b"\\\\";
    table[b'/' as usize] = b"\\/";
    table[0x7F] = b"\\u007f";
    table
};

/// Why a pass stopped.
enum Stop {
    /// The text would outgrow the budget: at least this many bytes are needed.
    OverBudget(usize),
    /// The buffer could not grow.
    OutOfMemory,
    /// `Cannot serialise <type>: <reason>`.
    Unsupported(&'static str, &'static str),
    /// `Cannot serialise, excessive nesting (<depth>)`.
    TooDeep(usize),
}

/// A table being written.
enum Frame<'v> {
    /// An array: the next index to write, and the last.
    Array {
        table: TableRef<'v>,
        next: i64,
        last: i64,
    },
    /// An object: the entries left, and whether one was written yet.
    Object {
        entries: TableIter<'v>,
        started: bool,
    },
}

impl Frame<'_> {
    /// Stack slots lua-cjson holds for it while a nested value is written: the value, and for
    /// an object the key too.
    fn c_slots(&self) -> usize {
        match self {
            Frame::Array { .. } => 1,
            Frame::Object { .. } => 2,
        }
    }
}

/// One pass over the value, writing into `out`.
struct Encoder<'o> {
    out: &'o mut Vec<u8>,
    settings: Settings,
    budget: usize,
    /// The identity of the `null` sentinel, written as `null`.
    null: Option<usize>,
    /// Stack slots lua-cjson would be using: the argument, then each open table's.
    c_slots: usize,
}

/// `cjson.encode(value)`: exactly one argument.
pub(super) fn encode(ctx: &mut Ctx) -> Result<usize, Raised> {
    if ctx.arg_count() != 1 {
        return Err(ctx.arg_error(1, "expected 1 argument"));
    }
    let settings = config::settings(ctx)?;
    let mut out = if settings.keep_buffer {
        config::take_buffer(ctx)
    } else {
        Vec::new()
    };
    let mut budget = FIRST_BUDGET.max(out.capacity());
    loop {
        out.clear();
        let stop = {
            let mut encoder = Encoder {
                out: &mut out,
                settings,
                budget,
                null: null_identity(ctx),
                c_slots: 1,
            };
            encoder.run(ctx.arg(1)).err()
        };
        match stop {
            None => break,
            Some(Stop::OverBudget(needed)) => {
                budget = budget.saturating_mul(4).max(needed);
                ctx.reserve(budget)?;
            }
            Some(Stop::OutOfMemory) => return Err(ctx.memory_error()),
            Some(Stop::Unsupported(type_name, reason)) => {
                return Err(ctx.error(format!("Cannot serialise {type_name}: {reason}")));
            }
            Some(Stop::TooDeep(depth)) => {
                let msg = format!("Cannot serialise, excessive nesting ({})", depth as i32);
                return Err(ctx.error(msg));
            }
        }
    }
    ctx.push_bytes(&out)?;
    if settings.keep_buffer {
        config::keep_buffer(ctx, out);
    }
    Ok(1)
}

impl<'v> Encoder<'_> {
    /// Write `root` and everything it holds.
    fn run(&mut self, root: ValueRef<'v>) -> Result<(), Stop> {
        let mut frames: Vec<Frame<'v>> = Vec::new();
        let mut pending = Some(root);
        loop {
            if let Some(value) = pending.take() {
                match value {
                    ValueRef::Table(t) => {
                        let frame = self.open_table(t, frames.len() + 1)?;
                        self.c_slots += frame.c_slots();
                        frames.push(frame);
                    }
                    other => self.write_scalar(other)?,
                }
                if self.out.len() > self.budget {
                    return Err(Stop::OverBudget(self.out.len()));
                }
            }
            let Some(frame) = frames.last_mut() else {
                return Ok(());
            };
            pending = self.next_in(frame)?;
            if pending.is_none() {
                if let Some(done) = frames.pop() {
                    self.c_slots -= done.c_slots();
                }
            }
        }
    }

    /// The next value of `frame` (its separator and key written), or `None` when the table is
    /// finished (its closing bracket written).
    fn next_in(&mut self, frame: &mut Frame<'v>) -> Result<Option<ValueRef<'v>>, Stop> {
        match frame {
            Frame::Array { table, next, last } => {
                if *next > *last {
                    self.out.push(b']');
                    return Ok(None);
                }
                if *next > 1 {
                    self.out.push(b',');
                }
                let value = table.get_index(*next);
                *next += 1;
                Ok(Some(value))
            }
            Frame::Object { entries, started } => {
                let Some((key, value)) = entries.next() else {
                    self.out.push(b'}');
                    return Ok(None);
                };
                if *started {
                    self.out.push(b',');
                }
                *started = true;
                self.write_key(key)?;
                Ok(Some(value))
            }
        }
    }

    /// Start writing table `t` at nesting `depth`: as an array when its keys make one, else
    /// as an object.
    fn open_table(&mut self, t: TableRef<'v>, depth: usize) -> Result<Frame<'v>, Stop> {
        let max_depth = usize::try_from(self.settings.encode_max_depth).unwrap_or(0);
        // lua-cjson asks for 3 more stack slots at each table.
        if depth > max_depth || self.c_slots + 3 > C_STACK_LIMIT {
            return Err(Stop::TooDeep(depth));
        }
        let length = self.array_length(t)?;
        if length > 0 {
            self.out.push(b'[');
            Ok(Frame::Array {
                table: t,
                next: 1,
                last: i64::from(length),
            })
        } else {
            self.out.push(b'{');
            Ok(Frame::Object {
                entries: t.iter(),
                started: false,
            })
        }
    }

    /// The length of `t` as an array, or a negative number when it is not one (lua-cjson's
    /// `lua_array_length`). Every key must be a positive integer; the largest is the length
    /// unless the array is excessively sparse. As in C, the largest key is kept in an `int`:
    /// keys beyond its range make it `INT_MIN`, which makes the table an object.
    fn array_length(&self, t: TableRef<'v>) -> Result<i32, Stop> {
        let mut max: i32 = 0;
        let mut items: i32 = 0;
        for (key, _) in t.iter() {
            match key {
                ValueRef::Number(k) if k != 0.0 && k.floor() == k && k >= 1.0 => {
                    if k > f64::from(max) {
                        max = c_int(k);
                    }
                    items = items.wrapping_add(1);
                }
                _ => return Ok(-1),
            }
        }
        let s = &self.settings;
        if s.sparse_ratio > 0 && max > items.wrapping_mul(s.sparse_ratio) && max > s.sparse_safe {
            if !s.sparse_convert {
                return Err(Stop::Unsupported("table", "excessively sparse array"));
            }
            return Ok(-1);
        }
        Ok(max)
    }

    /// An object key: numbers are written as strings of their JSON form.
    fn write_key(&mut self, key: ValueRef<'v>) -> Result<(), Stop> {
        match key {
            ValueRef::Number(x) => {
                self.out.push(b'"');
                self.write_number(x)?;
                self.out.extend_from_slice(b"\":");
            }
            ValueRef::String(s) => {
                self.write_string(s.as_bytes())?;
                self.out.push(b':');
            }
            other => {
                return Err(Stop::Unsupported(
                    other.type_name(),
                    "table key must be a number or string",
                ))
            }
        }
        Ok(())
    }

    /// Any value but a table.
    fn write_scalar(&mut self, value: ValueRef<'v>) -> Result<(), Stop> {
        match value {
            ValueRef::String(s) => self.write_string(s.as_bytes())?,
            ValueRef::Number(x) => self.write_number(x)?,
            ValueRef::Boolean(true) => self.out.extend_from_slice(b"true"),
            ValueRef::Boolean(false) => self.out.extend_from_slice(b"false"),
            ValueRef::Nil => self.out.extend_from_slice(b"null"),
            ValueRef::UserData(u) if Some(u.identity()) == self.null => {
                self.out.extend_from_slice(b"null")
            }
            other => return Err(Stop::Unsupported(other.type_name(), "type not supported")),
        }
        Ok(())
    }

    /// A number with the configured precision (`%.<precision>g`), or NaN and the infinities
    /// as configured.
    fn write_number(&mut self, x: f64) -> Result<(), Stop> {
        if !x.is_finite() {
            match self.settings.invalid_numbers {
                InvalidNumbers::Refuse => {
                    return Err(Stop::Unsupported("number", "must not be NaN or Inf"))
                }
                // Always `nan`, whatever the sign bit, as lua-cjson writes it.
                InvalidNumbers::Write if x.is_nan() => {
                    self.out.extend_from_slice(b"nan");
                    return Ok(());
                }
                InvalidNumbers::Write => {}
                InvalidNumbers::Null => {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                }
            }
        }
        let precision = usize::try_from(self.settings.number_precision).unwrap_or(14);
        if !write_small_integer(self.out, x, precision) {
            format_general(x, precision, self.out);
        }
        Ok(())
    }

    /// A string, quoted and escaped.
    fn write_string(&mut self, s: &[u8]) -> Result<(), Stop> {
        // Room for the worst case (every byte a `\u00XX`) when it is small; else for exactly
        // what is needed, which takes a counting pass.
        let worst = s.len().saturating_mul(6).saturating_add(2);
        let room = if self.out.len().saturating_add(worst) <= self.budget {
            worst
        } else {
            escaped_length(s)
        };
        let needed = self.out.len().saturating_add(room);
        if needed > self.budget {
            return Err(Stop::OverBudget(needed));
        }
        self.out.try_reserve(room).map_err(|_| Stop::OutOfMemory)?;
        self.out.push(b'"');
        let mut plain_from = 0;
        for (i, &b) in s.iter().enumerate() {
            let escape = ESCAPES[b as usize];
            if !escape.is_empty() {
                self.out
                    .extend_from_slice(s.get(plain_from..i).unwrap_or_default());
                self.out.extend_from_slice(escape);
                plain_from = i + 1;
            }
        }
        self.out
            .extend_from_slice(s.get(plain_from..).unwrap_or_default());
        self.out.push(b'"');
        Ok(())
    }
}

/// The length of `s` quoted and escaped.
fn escaped_length(s: &[u8]) -> usize {
    s.iter()
        .map(|&b| ESCAPES[b as usize].len().max(1))
        .sum::<usize>()
        .saturating_add(2)
}

/// C's `(int)k` on x86-64: truncation, and `INT_MIN` for anything out of range.
fn c_int(k: f64) -> i32 {
    if k > -2_147_483_649.0 && k < 2_147_483_648.0 {
        k as i32
    } else {
        i32::MIN
    }
}

/// Write `x` when it is an integer that `%.<precision>g` prints in full (fewer digits than the
/// precision): the common case, written without the general formatter. Returns whether it
/// did.
fn write_small_integer(out: &mut Vec<u8>, x: f64, precision: usize) -> bool {
    const POWERS: [f64; 15] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
    ];
    let Some(&limit) = POWERS.get(precision) else {
        return false;
    };
    if x.fract() != 0.0 || x.abs() >= limit || x == 0.0 {
        return false;
    }
    // |x| < 10^14: exact in an i64, and writing to a `Vec` cannot fail.
    let _ = write!(out, "{}", x as i64);
    true
}
