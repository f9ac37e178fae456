//! `cmsgpack`: lua-cmsgpack 0.4.0 as Redis 7.0 bundles it (with Redis's fixes: the argument
//! count check of CVE-2018-11218, stack checks while decoding, the nesting limit).
//!
//! - `pack(v1, ...)` encodes each argument and returns the concatenation
//!   ([`encode`] holds the rules that pick each value's MessagePack type).
//! - `unpack(s)` decodes every value in `s` and returns them all.
//! - `unpack_one(s [, offset])` decodes one value starting at byte `offset` (0-based) and
//!   returns the offset of the next value (`-1` at the end of `s`) then the value.
//! - `unpack_limit(s, limit [, offset])` decodes up to `limit` values the same way; a `limit`
//!   and `offset` of 0 behave as `unpack` (no offset in the results).
//!
//! Lua 5.1 limits a C function to [`MAX_C_STACK`] stack slots (`lua_checkstack`); the C code
//! checks it at fixed points and fails with `stack overflow (<where>)`. Those checks decide
//! how many values one call can take or return and how deep decoded input may nest, so both
//! halves count slots exactly as the C code uses them.

mod decode;
mod encode;

use lua_core::native::{Ctx, NativeFunction, Raised, Slot};

/// Lua 5.1's `LUAI_MAXCSTACK`: the most stack slots a C function may hold.
const MAX_C_STACK: usize = 8000;

/// The functions, in the order the C module sets them (it decides `pairs` order).
const FUNCTIONS: [(&str, NativeFunction); 4] = [
    ("pack", pack),
    ("unpack", unpack),
    ("unpack_one", unpack_one),
    ("unpack_limit", unpack_limit),
];

/// The metadata fields, set after the functions.
const METADATA: [(&str, &str); 4] = [
    ("_NAME", "cmsgpack"),
    ("_VERSION", "lua-cmsgpack 0.4.0"),
    ("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"),
    ("_DESCRIPTION", "MessagePack C implementation for Lua"),
];

/// Open the library as the global table `cmsgpack`; its slot is left on the stack.
pub fn open(ctx: &mut Ctx) -> Result<Slot, Raised> {
    // Built field by field into an empty table, as the C module does, so the table grows
    // through the same sizes and `pairs` visits the fields in the same order.
    let table = ctx.new_table(0, 0)?;
    for (name, f) in FUNCTIONS {
        ctx.push_function(name, f);
        ctx.set_field(table, name)?;
    }
    for (name, text) in METADATA {
        ctx.push_bytes(text)?;
        ctx.set_field(table, name)?;
    }
    ctx.push_copy(table)?;
    ctx.set_global("cmsgpack")?;
    Ok(table)
}

/// Fail as `luaL_checkstack(L, extra, what)` does when `extra` more slots would pass
/// [`MAX_C_STACK`], given that `used` slots are taken.
fn check_slots(ctx: &mut Ctx, used: usize, extra: usize, what: &str) -> Result<(), Raised> {
    if used.saturating_add(extra) > MAX_C_STACK {
        return Err(stack_overflow(ctx, what));
    }
    Ok(())
}

/// `luaL_checkstack`'s error: `stack overflow (<what>)`, with the caller's position.
fn stack_overflow(ctx: &mut Ctx, what: &str) -> Raised {
    ctx.error(format!("stack overflow ({what})"))
}

// ---- pack --------------------------------------------------------------------------------

/// `cmsgpack.pack(v1, ...)`.
fn pack(ctx: &mut Ctx) -> Result<usize, Raised> {
    let count = ctx.arg_count();
    if count == 0 {
        return Err(ctx.arg_error(0, "MessagePack pack needs input."));
    }
    // The C code asks for as many free slots as there are arguments (it keeps one encoded
    // string per argument until it concatenates them).
    if count.saturating_mul(2) > MAX_C_STACK {
        return Err(ctx.arg_error(0, "Too many arguments for MessagePack pack."));
    }
    let packed = encode::pack_arguments(ctx)?;
    ctx.push_bytes(&packed)?;
    Ok(1)
}

// ---- unpack ------------------------------------------------------------------------------

/// `cmsgpack.unpack(s)`: every value of `s`. Extra arguments are ignored (but stay on the
/// stack, taking slots, as in C).
fn unpack(ctx: &mut Ctx) -> Result<usize, Raised> {
    unpack_stream(ctx, 0, 0)
}

/// `cmsgpack.unpack_one(s [, offset])`.
fn unpack_one(ctx: &mut Ctx) -> Result<usize, Raised> {
    let offset = ctx.opt_integer(2, 0)?;
    keep_only_first_argument(ctx);
    unpack_stream(ctx, 1, offset)
}

/// `cmsgpack.unpack_limit(s, limit [, offset])`.
fn unpack_limit(ctx: &mut Ctx) -> Result<usize, Raised> {
    let limit = ctx.check_integer(2)?;
    let offset = ctx.opt_integer(3, 0)?;
    keep_only_first_argument(ctx);
    unpack_stream(ctx, limit, offset)
}

/// The C functions drop every argument but the string before decoding, which frees their
/// slots for results.
fn keep_only_first_argument(ctx: &mut Ctx) {
    if ctx.arg_count() > 1 {
        ctx.truncate_after(ctx.arg_slot(1));
    }
}

/// Decode up to `limit` values of argument 1 from byte `offset` on. A `limit` and `offset`
/// both 0 mean "all of them, and no offset in the results".
fn unpack_stream(ctx: &mut Ctx, limit: i64, offset: i64) -> Result<usize, Raised> {
    let decode_all = limit == 0 && offset == 0;
    let input_len = ctx.check_bytes(1)?.len();
    // The messages print the offset and the input length (not the limit), cast to C `int`.
    if offset < 0 || limit < 0 {
        return Err(ctx.error(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, input_len as i32
        )));
    }
    if offset as u64 > input_len as u64 {
        return Err(ctx.error(format!(
            "Start offset {} greater than input length {}.",
            offset as i32, input_len as i32
        )));
    }
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        limit
    };
    let input = copy_input(ctx, input_len)?;
    let results_start = ctx.stack_len();
    let (count, next) = decode::decode_values(ctx, &input, offset as usize, limit)?;
    if decode_all {
        return Ok(count);
    }
    push_offset_first(ctx, results_start, count, next)
}

/// A copy of argument 1 (a string by now): decoding pushes values, which a borrow of the
/// argument's bytes would forbid.
fn copy_input(ctx: &mut Ctx, len: usize) -> Result<Vec<u8>, Raised> {
    ctx.reserve(len)?;
    let mut input = Vec::new();
    if input.try_reserve_exact(len).is_err() {
        return Err(ctx.memory_error());
    }
    input.extend_from_slice(ctx.arg(1).as_bytes().unwrap_or_default());
    Ok(input)
}

/// Return the next offset (`-1` when the input is used up) before the `count` decoded values
/// that follow `results_start`: the offset is pushed, then the values again above it.
fn push_offset_first(
    ctx: &mut Ctx,
    results_start: usize,
    count: usize,
    next: Option<usize>,
) -> Result<usize, Raised> {
    check_slots(ctx, ctx.stack_len(), 1, "in function mp_unpack_full")?;
    ctx.ensure_stack(count.saturating_add(1))?;
    ctx.push_integer(next.map_or(-1, |n| n as i64));
    for i in 0..count {
        ctx.push_copy(ctx.arg_slot(results_start + 1 + i))?;
    }
    Ok(count + 1)
}
