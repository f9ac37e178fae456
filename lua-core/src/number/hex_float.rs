//! C99 hexadecimal floating constants (`0x1.8p3`) as glibc's `strtod` reads them, rounded to the
//! nearest double (ties to even), with gradual underflow and overflow to infinity.

/// Binary exponents past this are out of range whatever the digits: clamping keeps the arithmetic
/// from overflowing on absurd inputs like `0x1p99999999999999999999`.
const EXPONENT_CLAMP: i64 = 1 << 20;

/// Reads the part after `0x`: hex digits with an optional point (at least one digit in all), then
/// an optional binary exponent `p[+-]digits`, which is left unread when no digit follows the `p`.
/// Returns the magnitude and the index just past what was read, or `None` when no hex digit
/// follows the prefix (then C reads only the leading `0`).
pub(crate) fn scan_hex_float(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    // The significant bits read so far; once 60 bits are in use, further digits only set
    // `sticky` (were any of them non-zero) and, before the point, scale the value.
    let mut mantissa: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut any_digit = false;

    while let Some(d) = s.get(i).and_then(|&b| hex_value(b)) {
        if mantissa >> 60 == 0 {
            mantissa = mantissa << 4 | d;
        } else {
            exp2 = exp2.saturating_add(4);
            sticky |= d != 0;
        }
        any_digit = true;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        let mut j = i + 1;
        while let Some(d) = s.get(j).and_then(|&b| hex_value(b)) {
            if mantissa >> 60 == 0 {
                mantissa = mantissa << 4 | d;
                exp2 = exp2.saturating_sub(4);
            } else {
                sticky |= d != 0;
            }
            any_digit = true;
            j += 1;
        }
        if any_digit {
            i = j;
        }
    }
    if !any_digit {
        return None;
    }

    if let Some(b'p' | b'P') = s.get(i) {
        if let Some((exponent, end)) = scan_binary_exponent(s, i + 1) {
            exp2 = exp2.saturating_add(exponent);
            i = end;
        }
    }
    Some((round_to_double(mantissa, exp2, sticky), i))
}

/// `[+-]digits` after a `p`, clamped; `None` when there is no digit.
fn scan_binary_exponent(s: &[u8], start: usize) -> Option<(i64, usize)> {
    let (negative, mut i) = super::parse::scan_sign(s, start);
    let digits_start = i;
    let mut value: i64 = 0;
    while let Some(&b) = s.get(i).filter(|b| b.is_ascii_digit()) {
        value = (value * 10 + i64::from(b - b'0')).min(EXPONENT_CLAMP);
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    Some((if negative { -value } else { value }, i))
}

fn hex_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}

/// The double nearest to `(mantissa + ε) * 2^exp2`, where `ε` is a positive amount below one unit
/// of `mantissa` when `sticky` is set and zero otherwise.
fn round_to_double(mantissa: u64, exp2: i64, sticky: bool) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let exp2 = exp2.clamp(-EXPONENT_CLAMP, EXPONENT_CLAMP);
    let bit_len = i64::from(64 - mantissa.leading_zeros());
    // The binary exponent of the leading bit.
    let top = exp2 + bit_len - 1;
    if top > 1023 {
        return f64::INFINITY;
    }
    // Bits the result can hold: 53 for a normal double, fewer for a subnormal, whose last bit
    // is worth 2^-1074.
    let keep = if top >= -1022 { 53 } else { top + 1075 };
    if keep < 0 {
        // Below half the smallest subnormal.
        return 0.0;
    }
    let drop = bit_len - keep;
    if drop <= 0 {
        // Exact: at most 53 bits, and a scale within the range of doubles.
        return mantissa as f64 * power_of_two(exp2);
    }
    // 0 < drop <= 64 here, since keep >= 0 and bit_len <= 64.
    let drop = drop as u32;
    let kept = mantissa.checked_shr(drop).unwrap_or(0);
    let dropped = if drop >= 64 {
        mantissa
    } else {
        mantissa & ((1u64 << drop) - 1)
    };
    let half = 1u64 << (drop - 1);
    let round_up = dropped > half || (dropped == half && (sticky || kept & 1 == 1));
    let rounded = kept + u64::from(round_up);
    // `rounded` has at most 54 bits (a carry out of 53): exact as a double, and the product is
    // the representable result or, past the top, infinity.
    rounded as f64 * power_of_two(exp2 + i64::from(drop))
}

/// `2^k` for `k` in -1074..=1023 (the powers a double can hold exactly).
fn power_of_two(k: i64) -> f64 {
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

#[cfg(test)]
// Expected doubles are written as lua5.1 printed them, with `%.17g`.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Option<(f64, usize)> {
        scan_hex_float(s.as_bytes(), 0)
    }

    #[test]
    fn reads_digits_point_and_exponent() {
        assert_eq!(hex("10"), Some((16.0, 2)));
        assert_eq!(hex("1.8"), Some((1.5, 3)));
        assert_eq!(hex(".8"), Some((0.5, 2)));
        assert_eq!(hex("1."), Some((1.0, 2)));
        assert_eq!(hex("1p4"), Some((16.0, 3)));
        assert_eq!(hex("1P-2"), Some((0.25, 4)));
        assert_eq!(hex("1p"), Some((1.0, 1)));
        assert_eq!(hex("1p+"), Some((1.0, 1)));
        assert_eq!(hex("ff.ffz"), Some((255.99609375, 5)));
        assert_eq!(hex("."), None);
        assert_eq!(hex(".p1"), None);
        assert_eq!(hex("g"), None);
    }

    // Expected values: `lua5.1 -e 'print(string.format("%.17g", tonumber("0x...")))'`.
    #[test]
    fn rounds_to_nearest_even() {
        assert_eq!(hex("1.00000000000008p0").map(|r| r.0), Some(1.0));
        assert_eq!(
            hex("1.000000000000081p0").map(|r| r.0),
            Some(1.0000000000000002)
        );
        assert_eq!(
            hex("1.00000000000018p0").map(|r| r.0),
            Some(1.0000000000000004)
        );
        assert_eq!(hex("1.fffffffffffffffffp0").map(|r| r.0), Some(2.0));
        assert_eq!(
            hex("fffffffffffff.8p0").map(|r| r.0),
            Some(4503599627370495.5)
        );
        assert_eq!(
            hex("10000000000000000000000000000000000000000p0").map(|r| r.0),
            Some(1.4615016373309029e+48)
        );
        assert_eq!(
            hex(".000000000000000000000000000000000000001p+160").map(|r| r.0),
            Some(16.0)
        );
    }

    #[test]
    fn underflow_and_overflow() {
        assert_eq!(hex("1p1024").map(|r| r.0), Some(f64::INFINITY));
        assert_eq!(
            hex("1.fffffffffffff8p1023").map(|r| r.0),
            Some(f64::INFINITY)
        );
        assert_eq!(hex("1.fffffffffffff7p1023").map(|r| r.0), Some(f64::MAX));
        assert_eq!(hex("1p-1074").map(|r| r.0), Some(5e-324));
        assert_eq!(hex("1p-1075").map(|r| r.0), Some(0.0));
        assert_eq!(hex("1.000001p-1075").map(|r| r.0), Some(5e-324));
        assert_eq!(hex("3p-1075").map(|r| r.0), Some(1e-323));
        assert_eq!(hex("1p-99999999999999999999").map(|r| r.0), Some(0.0));
        assert_eq!(hex("0p99999999999999999999").map(|r| r.0), Some(0.0));
        assert_eq!(
            hex("fffffffffffffffffffffp-1150").map(|r| r.0),
            Some(f64::from_bits(1 << 8))
        );
    }
}
