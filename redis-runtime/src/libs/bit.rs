//! The `bit` library: Lua BitOp 1.0.2 (bitwise operations on 32-bit integers), as Redis 7.0
//! bundles it, with Redis's fix for `tohex` with the most negative width.
//!
//! Every argument goes through the same normalisation as BitOp's: the number is added to
//! 2^52 + 2^51 and the low 32 bits of the resulting double are the operand. For numbers within
//! ±2^51 that is rounding to the nearest integer (ties to even) and wrapping modulo 2^32; larger
//! values, NaN and the infinities give whatever bits the addition leaves, exactly as in C.
//! Results are returned as signed 32-bit numbers.

use lua_core::native::{Ctx, Raised, Slot};

/// 2^52 + 2^51: adding it moves the integer part of any number of magnitude below 2^51 into the
/// low bits of the double's mantissa (the FPU's rounding does the rounding).
const BIAS: f64 = 6_755_399_441_055_744.0;

/// The functions in BitOp's registration order (which decides the `pairs` order).
const FUNCTIONS: &[(&str, lua_core::native::NativeFunction)] = &[
    ("tobit", tobit),
    ("bnot", bnot),
    ("band", band),
    ("bor", bor),
    ("bxor", bxor),
    ("lshift", lshift),
    ("rshift", rshift),
    ("arshift", arshift),
    ("rol", rol),
    ("ror", ror),
    ("bswap", bswap),
    ("tohex", tohex),
];

/// Open the library as the global table `bit`; its slot is left on the stack.
pub fn open(ctx: &mut Ctx) -> Result<Slot, Raised> {
    ctx.register_library("bit", FUNCTIONS)
}

/// The 32 bits BitOp takes from the number `n`.
fn normalise(n: f64) -> u32 {
    // Truncation to the low 32 bits is the point.
    (n + BIAS).to_bits() as u32
}

/// Argument `n` as 32 bits. Numbers and numeric strings are accepted; anything else is
/// `number expected, got <type>`.
fn bits_arg(ctx: &mut Ctx, n: usize) -> Result<u32, Raised> {
    ctx.check_number(n).map(normalise)
}

/// Push `bits` as the signed 32-bit number BitOp returns.
fn push_bits(ctx: &mut Ctx, bits: u32) -> Result<usize, Raised> {
    ctx.push_number(f64::from(bits as i32));
    Ok(1)
}

/// `bit.tobit(x)`: `x` normalised to a signed 32-bit number.
fn tobit(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = bits_arg(ctx, 1)?;
    push_bits(ctx, b)
}

/// `bit.bnot(x)`: every bit flipped.
fn bnot(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = bits_arg(ctx, 1)?;
    push_bits(ctx, !b)
}

/// Fold every argument (at least one) with `op`. BitOp reads the first argument, then the
/// others from the last down, so a bad argument is reported as the last bad one.
fn fold_args(ctx: &mut Ctx, op: fn(u32, u32) -> u32) -> Result<usize, Raised> {
    let mut acc = bits_arg(ctx, 1)?;
    for n in (2..=ctx.arg_count()).rev() {
        acc = op(acc, bits_arg(ctx, n)?);
    }
    push_bits(ctx, acc)
}

/// `bit.band(x1, ...)`.
fn band(ctx: &mut Ctx) -> Result<usize, Raised> {
    fold_args(ctx, |a, b| a & b)
}

/// `bit.bor(x1, ...)`.
fn bor(ctx: &mut Ctx) -> Result<usize, Raised> {
    fold_args(ctx, |a, b| a | b)
}

/// `bit.bxor(x1, ...)`.
fn bxor(ctx: &mut Ctx) -> Result<usize, Raised> {
    fold_args(ctx, |a, b| a ^ b)
}

/// Shift or rotate argument 1 by argument 2, of which only the low 5 bits count.
fn shift_by(ctx: &mut Ctx, op: fn(u32, u32) -> u32) -> Result<usize, Raised> {
    let b = bits_arg(ctx, 1)?;
    let count = bits_arg(ctx, 2)? & 31;
    push_bits(ctx, op(b, count))
}

/// `bit.lshift(x, n)`.
fn lshift(ctx: &mut Ctx) -> Result<usize, Raised> {
    shift_by(ctx, |b, n| b << n)
}

/// `bit.rshift(x, n)`: logical shift (zeros come in).
fn rshift(ctx: &mut Ctx) -> Result<usize, Raised> {
    shift_by(ctx, |b, n| b >> n)
}

/// `bit.arshift(x, n)`: arithmetic shift (the sign bit is copied in).
fn arshift(ctx: &mut Ctx) -> Result<usize, Raised> {
    shift_by(ctx, |b, n| ((b as i32) >> n) as u32)
}

/// `bit.rol(x, n)`.
fn rol(ctx: &mut Ctx) -> Result<usize, Raised> {
    shift_by(ctx, u32::rotate_left)
}

/// `bit.ror(x, n)`.
fn ror(ctx: &mut Ctx) -> Result<usize, Raised> {
    shift_by(ctx, u32::rotate_right)
}

/// `bit.bswap(x)`: the four bytes in reverse order.
fn bswap(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = bits_arg(ctx, 1)?;
    push_bits(ctx, b.swap_bytes())
}

/// `bit.tohex(x [, n])`: the low `|n|` hex digits of `x` (at most 8; 8 when `n` is absent),
/// lower case, or upper case when `n` is negative. `n` is normalised like any operand, so a
/// present `nil` is an error while an absent `n` is not.
fn tohex(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = bits_arg(ctx, 1)?;
    let width = if ctx.arg_count() < 2 {
        8
    } else {
        bits_arg(ctx, 2)? as i32
    };
    let text = hex_digits(b, width);
    ctx.push_bytes(text)?;
    Ok(1)
}

/// The hex text `tohex` gives for `bits` and `width`. The most negative width, whose negation
/// does not fit, counts as the next one (Redis's fix), so it also gives 8 upper-case digits.
fn hex_digits(mut bits: u32, width: i32) -> Vec<u8> {
    let upper = width < 0;
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let count = width.max(i32::MIN + 1).unsigned_abs().min(8) as usize;
    let mut text = vec![b'0'; count];
    for place in text.iter_mut().rev() {
        *place = digits[(bits & 15) as usize];
        bits >>= 4;
    }
    text
}
