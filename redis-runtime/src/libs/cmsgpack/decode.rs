//! `unpack`: MessagePack to Lua values, as lua-cmsgpack 0.4.0 reads them.
//!
//! - Integers become numbers; a uint 64 is read as a signed 64-bit value (so `2^64-1` is
//!   `-1`), as the C code's `lua_pushinteger` does.
//! - float 32 and float 64 become numbers; str 8/16/32 and fixstr become strings.
//! - Arrays become tables indexed from 1, maps tables; a `nil` value leaves its entry out and
//!   a `nil` or NaN key fails as Lua's table assignment does.
//! - bin, ext and the reserved byte 0xc1 are `Bad data format in input.`; input that ends
//!   inside a value is `Missing bytes in input.`.
//!
//! Nested input is decoded without recursion: the containers being filled are kept in a list,
//! and their tables (with the pending array index or map key) on the Lua stack exactly where
//! the C decoder keeps them. Its stack checks therefore fail at the same depth (about 4,000
//! nested arrays, or 8,000 maps nested as keys), which is also what bounds the nesting.

use super::check_slots;
use lua_core::native::{Ctx, Raised, Slot};

/// The C decoder's stack check before each value.
const BEFORE_VALUE: &str =
    "too many return values at once; use unpack_one or unpack_limit instead.";

/// Why decoding stopped.
enum Fault {
    /// The input ends inside a value.
    MissingBytes,
    /// A type this library does not read.
    BadFormat,
    /// An error already raised (a stack check, a bad key, memory).
    Raised(Raised),
}

impl From<Raised> for Fault {
    fn from(r: Raised) -> Fault {
        Fault::Raised(r)
    }
}

/// Decode up to `limit` top-level values of `input` from byte `offset` on, pushing each.
/// Returns how many were decoded and where the next one starts (`None` at the end).
pub(super) fn decode_values(
    ctx: &mut Ctx,
    input: &[u8],
    offset: usize,
    limit: i64,
) -> Result<(usize, Option<usize>), Raised> {
    let mut cursor = Cursor { input, pos: offset };
    let mut count = 0usize;
    while cursor.left() > 0 && (count as i64) < limit {
        decode_value(ctx, &mut cursor).map_err(|f| raise(ctx, f))?;
        count += 1;
    }
    Ok((count, (cursor.left() > 0).then_some(cursor.pos)))
}

/// The error a fault raises, with the caller's position as `luaL_error` gives it.
fn raise(ctx: &mut Ctx, fault: Fault) -> Raised {
    match fault {
        Fault::MissingBytes => ctx.error("Missing bytes in input."),
        Fault::BadFormat => ctx.error("Bad data format in input."),
        Fault::Raised(r) => r,
    }
}

/// The input and the position of the next byte to read.
struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn left(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn peek(&self) -> Result<u8, Fault> {
        self.input.get(self.pos).copied().ok_or(Fault::MissingBytes)
    }

    /// The next `n` bytes, consumed.
    fn take(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        let end = self.pos.checked_add(n).ok_or(Fault::MissingBytes)?;
        let bytes = self.input.get(self.pos..end).ok_or(Fault::MissingBytes)?;
        self.pos = end;
        Ok(bytes)
    }

    /// The next `n` bytes (at most 8) as a big-endian unsigned number.
    fn take_uint(&mut self, n: usize) -> Result<u64, Fault> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

/// What one item of the input turned out to be.
enum Item {
    /// A value, already pushed.
    Scalar,
    /// An array header with this many elements to follow.
    Array(usize),
    /// A map header with this many key/value pairs to follow.
    Map(usize),
}

/// A container being filled; its table is on the stack in `table`.
enum Open {
    /// The index of the element being decoded is pushed above the table.
    Array {
        table: Slot,
        left: usize,
        next_index: i64,
    },
    /// When `key_done`, the entry's key is pushed above the table.
    Map {
        table: Slot,
        left: usize,
        key_done: bool,
    },
}

/// Decode one top-level value, with everything nested in it, and push it.
fn decode_value(ctx: &mut Ctx, cursor: &mut Cursor<'_>) -> Result<(), Fault> {
    let mut open: Vec<Open> = Vec::new();
    loop {
        let complete = match read_item(ctx, cursor)? {
            Item::Scalar => true,
            Item::Array(len) => open_array(ctx, len, &mut open)?,
            Item::Map(len) => open_map(ctx, len, &mut open)?,
        };
        if complete && store_completed(ctx, &mut open)? {
            return Ok(());
        }
    }
}

/// Start a table for an array of `len` elements; `true` when it is already complete.
fn open_array(ctx: &mut Ctx, len: usize, open: &mut Vec<Open>) -> Result<bool, Fault> {
    let table = ctx.new_table(0, 0)?;
    check_slots(
        ctx,
        ctx.stack_len(),
        1,
        "in function mp_decode_to_lua_array",
    )?;
    if len == 0 {
        return Ok(true);
    }
    ctx.push_integer(1);
    open.push(Open::Array {
        table,
        left: len,
        next_index: 2,
    });
    Ok(false)
}

/// Start a table for a map of `len` entries; `true` when it is already complete.
fn open_map(ctx: &mut Ctx, len: usize, open: &mut Vec<Open>) -> Result<bool, Fault> {
    let table = ctx.new_table(0, 0)?;
    if len == 0 {
        return Ok(true);
    }
    open.push(Open::Map {
        table,
        left: len,
        key_done: false,
    });
    Ok(false)
}

/// A value was just pushed: store it in the innermost open container, closing each container
/// this fills (a closed table is itself a finished value for the one around it). `true` when
/// no container is left open: the top-level value is done.
fn store_completed(ctx: &mut Ctx, open: &mut Vec<Open>) -> Result<bool, Fault> {
    loop {
        let Some(innermost) = open.last_mut() else {
            return Ok(true);
        };
        match innermost {
            Open::Array {
                table,
                left,
                next_index,
            } => {
                ctx.raw_set(*table)?;
                *left -= 1;
                if *left > 0 {
                    ctx.push_integer(*next_index);
                    *next_index += 1;
                    return Ok(false);
                }
            }
            Open::Map {
                table,
                left,
                key_done,
            } => {
                if !*key_done {
                    *key_done = true;
                    return Ok(false);
                }
                ctx.raw_set(*table)?;
                *key_done = false;
                *left -= 1;
                if *left > 0 {
                    return Ok(false);
                }
            }
        }
        open.pop();
    }
}

/// Read one item: push it if it is a scalar, or give a container's header.
fn read_item(ctx: &mut Ctx, cursor: &mut Cursor<'_>) -> Result<Item, Fault> {
    let tag = cursor.peek()?;
    check_slots(ctx, ctx.stack_len(), 1, BEFORE_VALUE)?;
    cursor.take(1)?;
    let length = match tag {
        0x80..=0x8f => return Ok(Item::Map(usize::from(tag & 0x0f))),
        0x90..=0x9f => return Ok(Item::Array(usize::from(tag & 0x0f))),
        0xdc => return Ok(Item::Array(cursor.take_uint(2)? as usize)),
        0xdd => return Ok(Item::Array(cursor.take_uint(4)? as usize)),
        0xde => return Ok(Item::Map(cursor.take_uint(2)? as usize)),
        0xdf => return Ok(Item::Map(cursor.take_uint(4)? as usize)),
        0xa0..=0xbf => usize::from(tag & 0x1f),
        0xd9 => cursor.take_uint(1)? as usize,
        0xda => cursor.take_uint(2)? as usize,
        0xdb => cursor.take_uint(4)? as usize,
        _ => {
            push_scalar(ctx, cursor, tag)?;
            return Ok(Item::Scalar);
        }
    };
    let bytes = cursor.take(length)?;
    ctx.push_bytes(bytes)?;
    Ok(Item::Scalar)
}

/// Push the number, boolean or nil that `tag` starts (its payload follows in `cursor`).
fn push_scalar(ctx: &mut Ctx, cursor: &mut Cursor<'_>, tag: u8) -> Result<(), Fault> {
    match tag {
        0x00..=0x7f => ctx.push_integer(i64::from(tag)),
        0xe0..=0xff => ctx.push_integer(i64::from(tag as i8)),
        0xc0 => ctx.push_nil(),
        0xc2 => ctx.push_bool(false),
        0xc3 => ctx.push_bool(true),
        0xca => ctx.push_number(f64::from(f32::from_bits(cursor.take_uint(4)? as u32))),
        0xcb => ctx.push_number(f64::from_bits(cursor.take_uint(8)?)),
        0xcc => ctx.push_integer(cursor.take_uint(1)? as i64),
        0xcd => ctx.push_integer(cursor.take_uint(2)? as i64),
        0xce => ctx.push_integer(cursor.take_uint(4)? as i64),
        // Above 2^63 the C code's conversion to a signed integer wraps: as `as i64` does.
        0xcf => ctx.push_integer(cursor.take_uint(8)? as i64),
        0xd0 => ctx.push_integer(i64::from(cursor.take_uint(1)? as u8 as i8)),
        0xd1 => ctx.push_integer(i64::from(cursor.take_uint(2)? as u16 as i16)),
        0xd2 => ctx.push_integer(i64::from(cursor.take_uint(4)? as u32 as i32)),
        0xd3 => ctx.push_integer(cursor.take_uint(8)? as i64),
        // 0xc1 (never used), bin 8/16/32, ext 8/16/32 and fixext 1..16.
        _ => return Err(Fault::BadFormat),
    };
    Ok(())
}
