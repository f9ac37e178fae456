//! Double to integer conversions as C casts perform them on x86-64, where Lua 5.1 uses plain casts
//! (`(int)d`, `(long)d`, `(unsigned long)d`). Out-of-range values are undefined behaviour in C;
//! these reproduce what the compiled code actually yields there (the `cvttsd2si` instruction gives
//! the "integer indefinite" value, the most negative integer, for NaN and for anything that does
//! not fit), since scripts can observe it through `string.format`.

/// 2^63 as a double.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// `(long)d`: truncation toward zero; `i64::MIN` for NaN and values outside the range of `i64`.
/// On x86-64 this is the one instruction a C compiler emits (the VM uses it to test whether a
/// number is an integer: only integral values in range convert back to themselves).
#[inline(always)]
pub fn to_c_long(d: f64) -> i64 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvttsd_si64, _mm_set_sd};
        // SAFETY: the intrinsics need SSE2, which every x86-64 processor has (it is part of
        // the target's baseline features).
        unsafe { _mm_cvttsd_si64(_mm_set_sd(d)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        if (-TWO_POW_63..TWO_POW_63).contains(&d) {
            d as i64
        } else {
            i64::MIN
        }
    }
}

/// `(int)d`: truncation toward zero; `i32::MIN` for NaN and values outside the range of `i32`.
#[inline(always)]
pub fn to_c_int(d: f64) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvttsd_si32, _mm_set_sd};
        // SAFETY: as in `to_c_long`: SSE2 is part of the x86-64 baseline.
        unsafe { _mm_cvttsd_si32(_mm_set_sd(d)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        // Anything above -2^31 - 1 truncates to at least -2^31.
        if d > -2_147_483_649.0 && d < 2_147_483_648.0 {
            d as i32
        } else {
            i32::MIN
        }
    }
}

/// `(unsigned long)d`: values from 2^63 up are converted after subtracting 2^63 (then the top bit
/// is set back); everything else goes through the signed conversion, so `-1` gives 2^64 - 1 and
/// NaN, -inf or anything at or beyond 2^64 ends in 2^63 or 0 as the hardware makes it.
pub fn to_c_ulong(d: f64) -> u64 {
    if d >= TWO_POW_63 {
        (to_c_long(d - TWO_POW_63) as u64) ^ (1 << 63)
    } else {
        to_c_long(d) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from lua5.1 on x86-64: `string.format("%d", v)` shows `(long)v`,
    // `string.format("%u", v)` shows `(unsigned long)v`, and `string.format("%c", v)` shows the
    // low byte of `(int)v`.
    #[test]
    fn long_cast() {
        assert_eq!(to_c_long(-1.5), -1);
        assert_eq!(to_c_long(2.5), 2);
        assert_eq!(to_c_long(9007199254740992.0), 9007199254740992);
        assert_eq!(to_c_long(TWO_POW_63), i64::MIN);
        assert_eq!(to_c_long(-TWO_POW_63), i64::MIN);
        assert_eq!(to_c_long(1e20), i64::MIN);
        assert_eq!(to_c_long(f64::INFINITY), i64::MIN);
        assert_eq!(to_c_long(f64::NAN), i64::MIN);
        assert_eq!(to_c_long(-255.9), -255);
    }

    #[test]
    fn unsigned_long_cast() {
        assert_eq!(to_c_ulong(-1.0), 18446744073709551615);
        assert_eq!(to_c_ulong(-1.5), 18446744073709551615);
        assert_eq!(to_c_ulong(TWO_POW_63), 9223372036854775808);
        assert_eq!(to_c_ulong(-TWO_POW_63), 9223372036854775808);
        assert_eq!(to_c_ulong(TWO_POW_63 + 2048.0), 9223372036854777856);
        assert_eq!(to_c_ulong(18446744073709551616.0), 0);
        assert_eq!(to_c_ulong(1e20), 0);
        assert_eq!(to_c_ulong(-1e20), 9223372036854775808);
        assert_eq!(to_c_ulong(f64::INFINITY), 0);
        assert_eq!(to_c_ulong(f64::NEG_INFINITY), 9223372036854775808);
        assert_eq!(to_c_ulong(f64::NAN), 9223372036854775808);
        assert_eq!(to_c_ulong(-255.9), 18446744073709551361);
    }

    #[test]
    fn int_cast() {
        assert_eq!(to_c_int(321.0) as u8, b'A');
        assert_eq!(to_c_int(-191.0) as u8, b'A');
        assert_eq!(to_c_int(255.9) as u8, 255);
        assert_eq!(to_c_int(-255.9) as u8, 1);
        assert_eq!(to_c_int(2147483648.0), i32::MIN);
        assert_eq!(to_c_int(4294967361.0), i32::MIN);
        // Truncation happens before the range check (the low byte cannot show this one).
        assert_eq!(to_c_int(-2147483648.9), -2147483648);
        assert_eq!(to_c_int(f64::NAN), i32::MIN);
    }
}
