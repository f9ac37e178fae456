//! String to number, as Lua 5.1 converts numerals and coerces strings: glibc's `strtod` in the
//! "C" locale, then nothing but white space allowed after the number.

use super::hex_float::scan_hex_float;

/// `10^k` for k in 0..=22: every one is exact as a double.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Decimal exponents are clamped here: any numeral with a larger one is 0 or infinity already,
/// and the clamp keeps the arithmetic from overflowing.
const EXPONENT_CLAMP: i64 = 1_000_000_000;

/// The number a Lua 5.1 string denotes, or `None` when it is not a numeral.
///
/// Accepted: white space, an optional sign, then a decimal numeral with optional fraction and
/// exponent (`12`, `.5`, `5.`, `1e-3`), a C99 hexadecimal one (`0x10`, `0x1.8p3`), `inf` or
/// `infinity`, or `nan` optionally followed by `(chars)`, all case-insensitive; then only white
/// space. As in C, the string ends at its first NUL byte. Decimal numerals are correctly rounded;
/// out-of-range ones become `inf` or `0`.
pub fn str_to_number(s: &[u8]) -> Option<f64> {
    let (value, end) = strtod(s)?;
    // Lua 5.1 retries with `strtoul(s, 16)` when `strtod` stops at an `x`. With glibc's `strtod`,
    // which reads hex numerals itself, that happens only when no hex digit follows the `0x` (or
    // the `x` is not part of a prefix), and `strtoul` then stops at the very same `x`: the retry
    // never accepts more, so it is left out.
    if is_blank_tail(s.get(end..).unwrap_or_default()) {
        Some(value)
    } else {
        None
    }
}

/// C's `isspace` in the "C" locale.
#[inline]
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// An optional `+` or `-` at `i`: whether it was a minus, and the index after it.
#[inline]
pub(crate) fn scan_sign(s: &[u8], i: usize) -> (bool, usize) {
    match s.get(i) {
        Some(b'-') => (true, i + 1),
        Some(b'+') => (false, i + 1),
        _ => (false, i),
    }
}

/// The index of the first byte at or after `i` that is not C white space.
#[inline]
pub(crate) fn skip_c_space(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|&b| is_c_space(b)) {
        i += 1;
    }
    i
}

/// Whether `rest`, the text after a number, is blank as C sees it: white space up to the end or
/// up to a NUL byte, where a C string ends. (No scanner here reads a NUL, so a string with one
/// is read exactly as far as C would read it.)
#[inline]
pub(crate) fn is_blank_tail(rest: &[u8]) -> bool {
    for &b in rest {
        if b == 0 {
            return true;
        }
        if !is_c_space(b) {
            return false;
        }
    }
    true
}

/// glibc's `strtod`: the value read from the start of `s` and the index just past it, or `None`
/// when nothing could be read.
pub(crate) fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let (negative, i) = scan_sign(s, skip_c_space(s, 0));
    let (magnitude, end) = match s.get(i) {
        Some(b'0') if matches!(s.get(i + 1), Some(b'x' | b'X')) => {
            // Without a hex digit after the prefix, only the `0` is read.
            scan_hex_float(s, i + 2).or_else(|| scan_decimal(s, i))?
        }
        Some(b'0'..=b'9' | b'.') => scan_decimal(s, i)?,
        Some(b'i' | b'I') => (f64::INFINITY, scan_infinity(s, i)?),
        Some(b'n' | b'N') => (f64::NAN, scan_nan(s, i)?),
        _ => return None,
    };
    Some((if negative { -magnitude } else { magnitude }, end))
}

/// A decimal numeral `digits [. digits] [(e|E) [+-] digits]` starting at `start`, with at least
/// one mantissa digit; an exponent marker not followed by a digit is not part of it.
fn scan_decimal(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    // The first 19 digits fit a u64; the fast path below only uses short numerals anyway.
    let mut mantissa: u64 = 0;
    let mut digit_count: usize = 0;
    let integer_digits = read_digits(
        s.get(i..).unwrap_or_default(),
        &mut mantissa,
        &mut digit_count,
    );
    i += integer_digits;
    let mut fraction_digits: i64 = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let count = read_digits(
            s.get(i..).unwrap_or_default(),
            &mut mantissa,
            &mut digit_count,
        );
        i += count;
        fraction_digits = count as i64;
    }
    if digit_count == 0 {
        return None;
    }
    let mut exponent: i64 = 0;
    if let Some(b'e' | b'E') = s.get(i) {
        let mut j = i + 1;
        let negative = match s.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let digits_start = j;
        while let Some(&d) = s.get(j).filter(|b| b.is_ascii_digit()) {
            exponent = (exponent * 10 + i64::from(d - b'0')).min(EXPONENT_CLAMP);
            j += 1;
        }
        if j > digits_start {
            i = j;
            if negative {
                exponent = -exponent;
            }
        }
    }

    // Fast path: a mantissa below 10^15 < 2^53 and a power of ten up to 10^22 are both exact,
    // so one multiplication or division rounds once, correctly.
    if digit_count <= 15 {
        let scale = exponent - fraction_digits;
        let m = mantissa as f64;
        if let Some(&p) = usize::try_from(scale)
            .ok()
            .and_then(|k| POWERS_OF_TEN.get(k))
        {
            return Some((m * p, i));
        }
        if let Some(&p) = usize::try_from(-scale)
            .ok()
            .and_then(|k| POWERS_OF_TEN.get(k))
        {
            return Some((m / p, i));
        }
    }
    // Everything else goes to the standard library's correctly rounded parser, which accepts
    // exactly this grammar (the slice holds only ASCII digits, `.`, `e` and signs).
    let text = core::str::from_utf8(s.get(start..i)?).ok()?;
    let value = text.parse::<f64>().ok()?;
    Some((value, i))
}

/// Reads the run of decimal digits at the start of `s`, accumulating the first 19 digits of the
/// numeral (`count` so far) into `mantissa`; returns the length of the run.
#[inline(always)]
fn read_digits(s: &[u8], mantissa: &mut u64, count: &mut usize) -> usize {
    let (mut m, mut c) = (*mantissa, *count);
    let mut len = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if c < 19 {
            m = m * 10 + u64::from(d);
        }
        c += 1;
        len += 1;
    }
    (*mantissa, *count) = (m, c);
    len
}

/// `inf` or `infinity`, any case; returns the index past what was read.
fn scan_infinity(s: &[u8], start: usize) -> Option<usize> {
    if !has_prefix_ignore_case(s, start, b"inf") {
        return None;
    }
    if has_prefix_ignore_case(s, start + 3, b"inity") {
        Some(start + 8)
    } else {
        Some(start + 3)
    }
}

/// `nan`, any case, optionally followed by `(` letters, digits or `_` `)`; returns the index past
/// what was read. (glibc turns the parenthesised part into a NaN payload, which Lua never shows.)
fn scan_nan(s: &[u8], start: usize) -> Option<usize> {
    if !has_prefix_ignore_case(s, start, b"nan") {
        return None;
    }
    let end = start + 3;
    if s.get(end) == Some(&b'(') {
        let mut j = end + 1;
        while s
            .get(j)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
        {
            j += 1;
        }
        if s.get(j) == Some(&b')') {
            return Some(j + 1);
        }
    }
    Some(end)
}

fn has_prefix_ignore_case(s: &[u8], start: usize, word: &[u8]) -> bool {
    s.get(start..start + word.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(word))
}

#[cfg(test)]
// Expected doubles are written as lua5.1 printed them, with `%.17g`.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// `print(tonumber(s))` as lua5.1 shows it, through our own formatter.
    fn shown(s: &[u8]) -> String {
        match str_to_number(s) {
            Some(v) => {
                let mut out = Vec::new();
                crate::number::format_number(v, &mut out);
                String::from_utf8_lossy(&out).into_owned()
            }
            None => "nil".to_string(),
        }
    }

    // Expected values from `lua5.1 -e 'print(tonumber(S))'` for each S (Lua 5.1.5, glibc,
    // x86-64); the right column is what lua5.1 printed.
    const CASES: &[(&[u8], &str)] = &[
        (b"0x", "nil"),
        (b"1e", "nil"),
        (b" 10 ", "10"),
        (b"0x10", "16"),
        (b"1e500", "inf"),
        (b"10\0abc", "10"),
        (b"  0x1p4", "16"),
        (b"0x1.8", "1.5"),
        (b"0x1P-2", "0.25"),
        (b"0X.8", "0.5"),
        (b"0x.", "nil"),
        (b"0x.p1", "nil"),
        (b"0xg", "nil"),
        (b"inf", "inf"),
        (b"-INF", "-inf"),
        (b"Infinity", "inf"),
        (b"infinit", "nil"),
        (b"nan", "nan"),
        (b"-nan", "-nan"),
        (b"NaN(123)", "nan"),
        (b"nan(", "nil"),
        (b"nan()", "nan"),
        (b"nan(abc_9)x", "nil"),
        (b"nan(a-b)", "nil"),
        (b"+1", "1"),
        (b"-1", "-1"),
        (b"+-1", "nil"),
        (b".5", "0.5"),
        (b"5.", "5"),
        (b".", "nil"),
        (b"-.", "nil"),
        (b"1e+", "nil"),
        (b"1e+5", "100000"),
        (b"1E-5", "1e-05"),
        (b"\t\n\x0b\x0c\r 12 \t\n\x0b\x0c\r", "12"),
        (b"1 2", "nil"),
        (b"", "nil"),
        (b" ", "nil"),
        (b"0x1p", "nil"),
        (b"0x1p+", "nil"),
        (b"0x1p-1", "0.5"),
        (b"1x", "nil"),
        (b"0x1p4x", "nil"),
        (b"1e5x", "nil"),
        (b"0xffffffffffffffffff", "4.7223664828696e+21"),
        (b"0x1.fffffffffffffffffp0", "2"),
        (b"08", "8"),
        (b"1.5e308", "1.5e+308"),
        (b"1.8e308", "inf"),
        (b"4.9e-324", "4.9406564584125e-324"),
        (b"2e-324", "0"),
        (b"3e-324", "4.9406564584125e-324"),
        (b"1e-400", "0"),
        (b"-1e-400", "-0"),
        (b"-0", "-0"),
        (b"0x-1", "nil"),
        (b"- 1", "nil"),
        (b"1_000", "nil"),
        (b"\0", "nil"),
        (b"1\0", "1"),
        (b"0x1e", "30"),
        (b"0e", "nil"),
        (b"1..2", "nil"),
        (b"1.2.3", "nil"),
        (b"\xe21", "nil"),
        (b"0x1P1024", "inf"),
        (b"0x1p-1075", "0"),
        (b"0x1p-1074", "4.9406564584125e-324"),
        (b"0x3p-1075", "9.8813129168249e-324"),
        (b"0xfffffffffffff.8p0", "4.5035996273705e+15"),
        (b"00000000000000000000000000000001", "1"),
        (b"1e-0", "1"),
        (b"1e+0000000000000000000000000010", "10000000000"),
        (
            b"0x10000000000000000000000000000000000000000p0",
            "1.4615016373309e+48",
        ),
        (b"infx", "nil"),
        (b"inf ", "inf"),
        (b"  -inf  ", "-inf"),
        (b"nan x", "nil"),
        (b"0x1.8 ", "1.5"),
        (b"0x 1", "nil"),
        (b"0.1", "0.1"),
        (b"123456789012345678", "1.2345678901235e+17"),
        (b"9007199254740993", "9.007199254741e+15"),
        (b"2.2250738585072011e-308", "2.2250738585072e-308"),
        (b"1e22", "1e+22"),
        (b"1e23", "1e+23"),
        (b"-.5e-3", "-0.0005"),
        (b"3.14159265358979", "3.1415926535898"),
    ];

    #[test]
    fn matches_lua51_tonumber() {
        for (input, expected) in CASES {
            assert_eq!(
                shown(input),
                *expected,
                "tonumber({:?})",
                String::from_utf8_lossy(input)
            );
        }
    }

    // Exact values: `lua5.1 -e 'print(string.format("%.17g", tonumber(S)))'`.
    #[test]
    fn exact_values() {
        assert_eq!(str_to_number(b"1E-5"), Some(1.0000000000000001e-05));
        assert_eq!(str_to_number(b"9007199254740993"), Some(9007199254740992.0));
        assert_eq!(str_to_number(b"9007199254740995"), Some(9007199254740996.0));
        assert_eq!(str_to_number(b"0.1e1"), Some(1.0));
        assert_eq!(str_to_number(b"123.456"), Some(123.456));
        assert_eq!(
            str_to_number(b"2.4703282292062328e-324"),
            Some(f64::from_bits(1))
        );
        assert_eq!(str_to_number(b"2.4703282292062327e-324"), Some(0.0));
    }

    #[test]
    fn signs_of_zero_and_nan() {
        assert!(str_to_number(b"-0").is_some_and(|v| v == 0.0 && v.is_sign_negative()));
        assert!(str_to_number(b"0").is_some_and(|v| v.is_sign_positive()));
        assert!(str_to_number(b"nan").is_some_and(|v| v.is_nan() && v.is_sign_positive()));
        assert!(str_to_number(b"-nan").is_some_and(|v| v.is_nan() && v.is_sign_negative()));
        assert!(str_to_number(b"-0x0").is_some_and(|v| v == 0.0 && v.is_sign_negative()));
    }
}
