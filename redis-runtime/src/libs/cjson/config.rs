//! A module table's settings and the functions that read and change them
//! (`encode_sparse_array`, `encode_max_depth`, ...), with lua-cjson's defaults, ranges and
//! messages.

use std::cell::Cell;

use lua_core::native::{Ctx, Raised, ValueRef};

/// The names of an on/off setting, as `luaL_checkoption` matches them.
const ON_OFF: &[&str] = &["off", "on"];

/// The names of `encode_invalid_numbers`' three modes.
const INVALID_NUMBER_MODES: &[&str] = &["off", "on", "null"];

/// The largest kept encode buffer: a buffer grown by one huge document is dropped rather than
/// held for the rest of the state's life.
const KEPT_BUFFER_MAX: usize = 1 << 20;

/// How NaN and the infinities are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InvalidNumbers {
    /// An error, `must not be NaN or Inf`.
    Refuse,
    /// As `nan`, `inf` and `-inf`.
    Write,
    /// As `null`.
    Null,
}

impl InvalidNumbers {
    fn from_index(i: usize) -> InvalidNumbers {
        match i {
            0 => InvalidNumbers::Refuse,
            1 => InvalidNumbers::Write,
            _ => InvalidNumbers::Null,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One module table's settings.
#[derive(Clone, Copy, Debug)]
pub(super) struct Settings {
    /// Encode excessively sparse arrays as objects instead of failing.
    pub sparse_convert: bool,
    /// An array is excessively sparse when its largest index exceeds this many times its
    /// number of items (0: never)...
    pub sparse_ratio: i32,
    /// ... and also exceeds this.
    pub sparse_safe: i32,
    pub encode_max_depth: i32,
    pub decode_max_depth: i32,
    /// Significant digits of encoded numbers (1 to 14).
    pub number_precision: i32,
    pub invalid_numbers: InvalidNumbers,
    /// Accept `inf`, `nan`, hexadecimal numbers, leading zeros and `+` when decoding.
    pub decode_invalid_numbers: bool,
    /// Keep the encode buffer between calls.
    pub keep_buffer: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            number_precision: 14,
            invalid_numbers: InvalidNumbers::Refuse,
            decode_invalid_numbers: true,
            keep_buffer: true,
        }
    }
}

/// The userdata each module's functions hold as upvalue 1. Calls only ever get `&Config`
/// (through a view), so what changes lives in cells.
#[derive(Default)]
pub(super) struct Config {
    settings: Cell<Settings>,
    /// The encode buffer kept for the next call (with `keep_buffer`).
    kept_buffer: Cell<Vec<u8>>,
}

/// The running function's module configuration.
fn config(ctx: &Ctx) -> Option<&Config> {
    match ctx.upvalue(1) {
        ValueRef::UserData(u) => u.userdata::<Config>(),
        _ => None,
    }
}

/// The running function's module settings.
pub(super) fn settings(ctx: &mut Ctx) -> Result<Settings, Raised> {
    match config(ctx) {
        Some(c) => Ok(c.settings.get()),
        None => Err(ctx.error("BUG: Unable to fetch CJSON configuration")),
    }
}

/// Change the running function's module settings.
fn update(ctx: &Ctx, change: impl FnOnce(&mut Settings)) {
    if let Some(c) = config(ctx) {
        let mut s = c.settings.get();
        change(&mut s);
        c.settings.set(s);
    }
}

/// The encode buffer kept from the last call (empty when none was kept).
pub(super) fn take_buffer(ctx: &Ctx) -> Vec<u8> {
    config(ctx)
        .map(|c| c.kept_buffer.take())
        .unwrap_or_default()
}

/// Keep `buffer` for the next encode call of this module (unless it grew very large).
pub(super) fn keep_buffer(ctx: &Ctx, mut buffer: Vec<u8>) {
    if buffer.capacity() > KEPT_BUFFER_MAX {
        return;
    }
    buffer.clear();
    if let Some(c) = config(ctx) {
        c.kept_buffer.set(buffer);
    }
}

/// At most `max` arguments may be given; missing ones are filled with `nil`, so the results
/// pushed next cannot be mistaken for arguments (lua-cjson's `json_arg_init`).
fn init_args(ctx: &mut Ctx, max: usize) -> Result<(), Raised> {
    if ctx.arg_count() > max {
        return Err(ctx.arg_error(max + 1, "found too many arguments"));
    }
    while ctx.stack_len() < max {
        ctx.push_nil();
    }
    Ok(())
}

/// An integer setting: argument `n`, when given, must be an integer (wrapped to C's `int`) in
/// `min..=max`; the resulting value is pushed and returned. Out-of-range values are reported
/// as argument 1's, whatever `n` is, as lua-cjson does.
fn integer_option(
    ctx: &mut Ctx,
    n: usize,
    current: i32,
    min: i32,
    max: i32,
) -> Result<i32, Raised> {
    let value = if ctx.arg(n).is_nil() {
        current
    } else {
        let v = ctx.check_int(n)?;
        if v < min || v > max {
            let msg = format!("expected integer between {min} and {max}");
            return Err(ctx.arg_error(1, &msg));
        }
        v
    };
    ctx.push_integer(i64::from(value));
    Ok(value)
}

/// An enumerated setting given as a boolean or one of `options`' names: argument `n`, when
/// given, replaces the option index `current`. The result is pushed as a boolean for indices 0
/// and 1, else as its name, and returned.
fn enum_option(ctx: &mut Ctx, n: usize, current: usize, options: &[&str]) -> Result<usize, Raised> {
    let value = match ctx.arg(n) {
        ValueRef::Nil => current,
        ValueRef::Boolean(b) => usize::from(b),
        _ => ctx.check_option(n, None, options)?,
    };
    match value {
        0 | 1 => {
            ctx.push_bool(value == 1);
        }
        _ => {
            let name = options.get(value).copied().unwrap_or_default();
            ctx.push_bytes(name)?;
        }
    }
    Ok(value)
}

/// A setting that is on or off.
fn on_off_option(ctx: &mut Ctx, n: usize, current: bool) -> Result<bool, Raised> {
    enum_option(ctx, n, usize::from(current), ON_OFF).map(|v| v == 1)
}

/// `encode_sparse_array([convert [, ratio [, safe]]])`: returns the three settings. Each is
/// stored as soon as it is read, so an error in a later one leaves the earlier ones set.
pub(super) fn encode_sparse_array(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 3)?;
    let current = settings(ctx)?;
    let convert = on_off_option(ctx, 1, current.sparse_convert)?;
    update(ctx, |s| s.sparse_convert = convert);
    let ratio = integer_option(ctx, 2, current.sparse_ratio, 0, i32::MAX)?;
    update(ctx, |s| s.sparse_ratio = ratio);
    let safe = integer_option(ctx, 3, current.sparse_safe, 0, i32::MAX)?;
    update(ctx, |s| s.sparse_safe = safe);
    Ok(3)
}

/// `encode_max_depth([depth])`: the deepest nesting `encode` accepts.
pub(super) fn encode_max_depth(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let depth = integer_option(ctx, 1, current.encode_max_depth, 1, i32::MAX)?;
    update(ctx, |s| s.encode_max_depth = depth);
    Ok(1)
}

/// `decode_max_depth([depth])`: the deepest nesting `decode` accepts.
pub(super) fn decode_max_depth(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let depth = integer_option(ctx, 1, current.decode_max_depth, 1, i32::MAX)?;
    update(ctx, |s| s.decode_max_depth = depth);
    Ok(1)
}

/// `encode_number_precision([digits])`: significant digits of encoded numbers.
pub(super) fn encode_number_precision(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let digits = integer_option(ctx, 1, current.number_precision, 1, 14)?;
    update(ctx, |s| s.number_precision = digits);
    Ok(1)
}

/// `encode_keep_buffer([keep])`: whether `encode` reuses its buffer between calls.
pub(super) fn encode_keep_buffer(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let keep = on_off_option(ctx, 1, current.keep_buffer)?;
    update(ctx, |s| s.keep_buffer = keep);
    if !keep {
        // Turning it off frees the kept buffer.
        drop(take_buffer(ctx));
    }
    Ok(1)
}

/// `encode_invalid_numbers([mode])`: how NaN and the infinities are encoded (`off`, `on` or
/// `null`; booleans for the first two).
pub(super) fn encode_invalid_numbers(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let mode = enum_option(
        ctx,
        1,
        current.invalid_numbers.index(),
        INVALID_NUMBER_MODES,
    )?;
    update(ctx, |s| {
        s.invalid_numbers = InvalidNumbers::from_index(mode)
    });
    Ok(1)
}

/// `decode_invalid_numbers([accept])`: whether `decode` accepts numbers JSON does not allow.
pub(super) fn decode_invalid_numbers(ctx: &mut Ctx) -> Result<usize, Raised> {
    init_args(ctx, 1)?;
    let current = settings(ctx)?;
    let accept = on_off_option(ctx, 1, current.decode_invalid_numbers)?;
    update(ctx, |s| s.decode_invalid_numbers = accept);
    Ok(1)
}
