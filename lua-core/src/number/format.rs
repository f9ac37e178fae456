//! Doubles as text the way glibc's `printf` writes them: `%.14g` for `tostring`, print and
//! concatenation, and the digit bodies of `%e`, `%f` and `%g` (signs and padding are added in
//! `printf`).

use core::fmt::Write;

use super::digits::{
    push_exponent, push_zeros, Decimal, VecWriter, MAX_EXACT_FRACTION_E, MAX_EXACT_FRACTION_F,
};

/// Integral values below this magnitude have at most 14 digits, so `%.14g` prints them whole.
const FAST_INTEGER_LIMIT: i64 = 100_000_000_000_000;

/// Appends `n` as Lua 5.1 shows numbers: C's `sprintf("%.14g", n)` on glibc. Integers print
/// without a point (`3`, `-0`), large and small values with an exponent of at least two digits
/// (`1e+15`, `1e-05`), and the special values as `inf`, `-inf`, `nan` and `-nan` (the sign of a
/// NaN is shown).
pub fn format_number(n: f64, out: &mut Vec<u8>) {
    // Most numbers in scripts are small integers: print them without going through the exact
    // decimal conversion. (`as` saturates and maps NaN to 0, which the comparison rejects.)
    let i = n as i64;
    if i as f64 == n && i > -FAST_INTEGER_LIMIT && i < FAST_INTEGER_LIMIT {
        if i == 0 && n.is_sign_negative() {
            out.extend_from_slice(b"-0");
        } else {
            push_i64(out, i);
        }
        return;
    }
    format_general(n, 14, out);
}

/// Appends `n` as glibc's `printf("%.{precision}g", n)`: sign, then `nan`, `inf` or the
/// digits of `push_general`.
pub fn format_general(n: f64, precision: usize, out: &mut Vec<u8>) {
    if n.is_nan() {
        out.extend_from_slice(if n.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if n.is_sign_negative() {
        out.push(b'-');
    }
    let abs = n.abs();
    if abs.is_infinite() {
        out.extend_from_slice(b"inf");
    } else {
        push_general(out, abs, precision, false, false);
    }
}

/// `00`, `01`, ... `99`: integers are written two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Appends a signed integer in decimal.
fn push_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    let mut magnitude = value.unsigned_abs();
    // u64::MAX has 20 digits; they are written from the end.
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    while magnitude >= 100 {
        let pair = (magnitude % 100) as usize * 2;
        magnitude /= 100;
        pos = pos.saturating_sub(2);
        copy_pair(&mut buf, pos, pair);
    }
    if magnitude >= 10 {
        pos = pos.saturating_sub(2);
        copy_pair(&mut buf, pos, magnitude as usize * 2);
    } else {
        pos = pos.saturating_sub(1);
        if let Some(slot) = buf.get_mut(pos) {
            *slot = b'0' + magnitude as u8;
        }
    }
    out.extend_from_slice(buf.get(pos..).unwrap_or_default());
}

fn copy_pair(buf: &mut [u8; 20], pos: usize, pair: usize) {
    if let (Some(dst), Some(src)) = (buf.get_mut(pos..pos + 2), DIGIT_PAIRS.get(pair..pair + 2)) {
        dst.copy_from_slice(src);
    }
}

/// The body of `%.{precision}f` for a finite non-negative `abs`: exact digits, rounded half to
/// even; `alternate` (`#`) keeps the point even without fraction digits.
pub(crate) fn push_fixed(out: &mut Vec<u8>, abs: f64, precision: usize, alternate: bool) {
    // Digits past the exact expansion are zeros, appended rather than asked of the formatter,
    // which refuses precisions above 65535.
    let exact_digits = precision.min(MAX_EXACT_FRACTION_F);
    let mut writer = VecWriter(out);
    // Writing to a vector never fails.
    let _ = write!(writer, "{:.*}", exact_digits, abs);
    push_zeros(&mut writer, precision - exact_digits);
    if precision == 0 && alternate {
        out.push(b'.');
    }
}

/// The body of `%.{precision}e` (`%E` when `upper`) for a finite non-negative `abs`.
pub(crate) fn push_exponential(
    out: &mut Vec<u8>,
    abs: f64,
    precision: usize,
    alternate: bool,
    upper: bool,
) {
    let decimal = Decimal::exponential(abs, precision);
    let (first, rest) = decimal.digits().split_first().unwrap_or((&b'0', &[]));
    out.push(*first);
    if !rest.is_empty() || alternate {
        out.push(b'.');
        out.extend_from_slice(rest);
    }
    push_exponent(out, decimal.exp(), upper);
}

/// The body of `%.{precision}g` (`%G` when `upper`) for a finite non-negative `abs`: with `P` the
/// precision (0 counts as 1) and `X` the exponent `%e` would show, style `f` with `P - 1 - X`
/// fraction digits when `-4 <= X < P`, else style `e` with `P - 1`; then trailing zeros of the
/// fraction and a bare point go, unless `alternate`.
pub(crate) fn push_general(
    out: &mut Vec<u8>,
    abs: f64,
    precision: usize,
    alternate: bool,
    upper: bool,
) {
    let significant = precision.max(1);
    // Rounding to P significant digits gives the same digits in either style: when rounding
    // carries into a new leading digit, style f's coarser rounding point lands on the same value.
    let decimal = Decimal::exponential(abs, significant - 1);
    let digits = decimal.digits();
    let exp = i64::from(decimal.exp());
    let fixed_style = exp >= -4 && exp < i64::try_from(significant).unwrap_or(i64::MAX);
    if fixed_style && exp >= 0 {
        let split = usize::try_from(exp + 1).unwrap_or(0).min(digits.len());
        let (integer, fraction) = digits.split_at(split);
        out.extend_from_slice(integer);
        push_fraction(out, fraction, alternate);
    } else if fixed_style {
        // 0.000ddd: the leading zeros of the fraction, then every digit.
        out.push(b'0');
        let fraction = if alternate {
            digits
        } else {
            trim_trailing_zeros(digits)
        };
        out.push(b'.');
        let zeros = usize::try_from(-exp - 1).unwrap_or(0);
        out.resize(out.len() + zeros, b'0');
        out.extend_from_slice(fraction);
    } else {
        let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
        out.push(*first);
        if alternate && rounded_up_to_e_style(abs, exp, significant, digits) {
            // glibc picks the style from the unrounded value: here style f with no fraction
            // digits, which after rounding up to 10^P it turns into `1.e+P` rather than the
            // `1.000e+P` the C standard asks for.
            out.push(b'.');
        } else {
            push_fraction(out, rest, alternate);
        }
        push_exponent(out, decimal.exp(), upper);
    }
}

/// Whether rounding `abs` to P significant digits carried it from below 10^P up to 10^P
/// (`digits` are `1000..` with exponent P, and `abs` itself is smaller).
fn rounded_up_to_e_style(abs: f64, exp: i64, significant: usize, digits: &[u8]) -> bool {
    if exp != i64::try_from(significant).unwrap_or(i64::MAX)
        || !digits
            .split_first()
            .is_some_and(|(first, rest)| *first == b'1' && rest.iter().all(|&d| d == b'0'))
    {
        return false;
    }
    // At this length nothing is rounded, so the exponent is that of `abs` itself. Costly, but
    // only reached for `#g` on values like 999.5.
    let exact = Decimal::exponential(abs, MAX_EXACT_FRACTION_E);
    i64::from(exact.exp()) == exp - 1
}

/// A point and fraction digits, trimmed of trailing zeros (and then of the point when nothing is
/// left) unless `alternate`.
fn push_fraction(out: &mut Vec<u8>, fraction: &[u8], alternate: bool) {
    let fraction = if alternate {
        fraction
    } else {
        trim_trailing_zeros(fraction)
    };
    if !fraction.is_empty() || alternate {
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

fn trim_trailing_zeros(digits: &[u8]) -> &[u8] {
    let keep = digits.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
    digits.get(..keep).unwrap_or_default()
}

#[cfg(test)]
// Expected doubles are written as lua5.1 printed them, with `%.17g`.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn shown(n: f64) -> String {
        let mut out = Vec::new();
        format_number(n, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    // Expected values from `lua5.1 -e 'print(N)'` for each expression N (Lua 5.1.5, glibc,
    // x86-64; `-0` from `local z = 0; print(-z)`, since the compiler folds the constant `-0.0`
    // into `0`). The golden table in `golden_tests.rs` covers several hundred more.
    #[test]
    fn prints_like_lua51() {
        let nan = f64::NAN;
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (0.1, "0.1"),
            (1e15, "1e+15"),
            (1e-5, "1e-05"),
            (1e14, "1e+14"),
            (1e14 - 1.0, "99999999999999"),
            (123456789012345.0, "1.2345678901234e+14"),
            (2f64.powi(53), "9.007199254741e+15"),
            (2f64.powi(63), "9.2233720368548e+18"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (12.3456789012345678, "12.345678901235"),
            (0.000123456789012345678, "0.00012345678901235"),
            (1.0 / 3.0, "0.33333333333333"),
            (100.5, "100.5"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-nan, "-nan"),
            (nan, "nan"),
            (5e-324, "4.9406564584125e-324"),
            (f64::MAX, "1.7976931348623e+308"),
            (99999999999999.5, "1e+14"),
            (99999999999999.6, "1e+14"),
            (99999999999998.5, "99999999999998"),
        ];
        for &(n, expected) in cases {
            assert_eq!(shown(n), expected, "{n:e}");
        }
    }
}
