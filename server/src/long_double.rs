//! The x87 80-bit `long double` that redis-server on x86-64 computes INCRBYFLOAT and
//! HINCRBYFLOAT in: glibc's `strtold` (correctly rounded, decimal and hexadecimal), addition
//! rounded to a 64-bit mantissa, and `printf("%.17Lf")` (the exact binary value rounded to 17
//! decimals), with Redis's `string2ld` and `ld2string` rules on top.
//!
//! Integer arithmetic only: a finite value is `mantissa * 2^exp`; parsing and printing go
//! through a small unsigned big integer, so every result is exact before its one rounding
//! (to nearest, ties to even, as the x87 unit and glibc do by default).

use std::cmp::Ordering;

/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` refuses a string of this length or more.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// The exponent of the least subnormal, 2^-16445; subnormals and the least normal numbers are
/// its multiples.
const MIN_EXP: i64 = -16445;
/// The exponent of the greatest finite value, (2^64 - 1) * 2^16320.
const MAX_EXP: i64 = 16320;
/// Decimal digits kept when parsing; the rest only tell whether they are all zero. No
/// rounding boundary (a midpoint between two neighbours, at most 65 bits times 2^-16446, or
/// an integer under 2^16384) has more significant digits than this, so the kept digits and a
/// nonzero tail round exactly as the whole input would.
const MAX_SIG_DIGITS: usize = 11_600;
/// Hexadecimal digits kept when parsing (128 bits); later ones only count as nonzero or not.
const MAX_HEX_DIGITS: usize = 32;
/// Exponents written in the input saturate here, far past overflow and underflow.
const EXPONENT_LIMIT: i64 = 1_000_000_000_000;

/// An x87 extended-precision value: sign, 15-bit exponent, 64-bit mantissa with an explicit
/// integer bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    negative: bool,
    class: Class,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Zero,
    /// `mantissa * 2^exp`, with `mantissa != 0` and `MIN_EXP <= exp <= MAX_EXP`; the top bit of
    /// the mantissa is set unless `exp == MIN_EXP` (a subnormal, or the least normal binade).
    Finite {
        mantissa: u64,
        exp: i32,
    },
    Infinite,
    Nan,
}

/// What `strtold` made of the start of a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub value: LongDouble,
    /// Bytes taken, leading white space included; 0 when no number starts the string.
    pub used: usize,
    /// A finite number overflowed to infinity or a nonzero one underflowed to zero (glibc sets
    /// `ERANGE` for those, and also for an inexact subnormal, which Redis accepts anyway).
    pub out_of_range: bool,
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble {
        negative: false,
        class: Class::Zero,
    };

    const NAN: LongDouble = LongDouble {
        negative: false,
        class: Class::Nan,
    };

    fn signed(negative: bool, class: Class) -> LongDouble {
        LongDouble { negative, class }
    }

    pub fn is_nan(self) -> bool {
        self.class == Class::Nan
    }

    pub fn is_infinite(self) -> bool {
        self.class == Class::Infinite
    }

    pub fn is_zero(self) -> bool {
        self.class == Class::Zero
    }

    pub fn is_sign_negative(self) -> bool {
        self.negative
    }

    /// The mantissa and binary exponent of a finite nonzero value.
    pub fn parts(self) -> Option<(u64, i32)> {
        match self.class {
            Class::Finite { mantissa, exp } => Some((mantissa, exp)),
            _ => None,
        }
    }

    /// `(mantissa + f) * 2^exp` rounded to nearest, ties to even, where `f` is 0 when `sticky`
    /// is false and strictly between 0 and 1 otherwise. With `sticky`, the mantissa must have
    /// at least 66 significant bits, so that `f` lies below the rounding bit.
    fn round(negative: bool, mantissa: u128, exp: i64, sticky: bool) -> LongDouble {
        if mantissa == 0 {
            return LongDouble::signed(negative, Class::Zero);
        }
        let bits = i64::from(128 - mantissa.leading_zeros());
        let mut shift = bits - 64;
        if exp + shift < MIN_EXP {
            shift = MIN_EXP - exp;
        }
        let mut exp = exp + shift;
        let mut kept = if shift <= 0 {
            // Exact: the mantissa fits in 64 bits after moving left.
            mantissa << shift.unsigned_abs()
        } else {
            let kept = shr(mantissa, shift);
            let half = shr(mantissa, shift - 1) & 1 == 1;
            let below = mantissa & low_mask(shift - 1) != 0 || sticky;
            if half && (below || kept & 1 == 1) {
                kept + 1
            } else {
                kept
            }
        };
        if kept == 1 << 64 {
            kept = 1 << 63;
            exp += 1;
        }
        if kept == 0 {
            LongDouble::signed(negative, Class::Zero)
        } else if exp > MAX_EXP {
            LongDouble::signed(negative, Class::Infinite)
        } else {
            // `kept < 2^64` and `exp` within range, as the invariant asks.
            LongDouble::signed(
                negative,
                Class::Finite {
                    mantissa: kept as u64,
                    exp: exp as i32,
                },
            )
        }
    }

    /// glibc's `strtold` in the C locale: leading white space, a sign, then `inf`/`infinity`,
    /// `nan`/`nan(chars)` (any case), a hexadecimal `0x` number with an optional binary `p`
    /// exponent, or a decimal one with an optional `e` exponent; the longest such prefix,
    /// correctly rounded.
    pub fn strtold(s: &[u8]) -> Parsed {
        let start = s.iter().take_while(|&&c| is_space(c)).count();
        let mut i = start;
        let negative = s.get(i) == Some(&b'-');
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let rest = s.get(i..).unwrap_or_default();
        let word = |value: LongDouble, len: usize| Parsed {
            value,
            used: i + len,
            out_of_range: false,
        };
        if starts_with_ignore_case(rest, b"inf") {
            let len = if starts_with_ignore_case(rest, b"infinity") {
                8
            } else {
                3
            };
            return word(LongDouble::signed(negative, Class::Infinite), len);
        }
        if starts_with_ignore_case(rest, b"nan") {
            let mut len = 3;
            if rest.get(3) == Some(&b'(') {
                let inner = rest[4..]
                    .iter()
                    .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
                    .count();
                if rest.get(4 + inner) == Some(&b')') {
                    len = 5 + inner;
                }
            }
            return word(LongDouble::signed(negative, Class::Nan), len);
        }
        let hex = rest.len() >= 2 && rest[0] == b'0' && rest[1].eq_ignore_ascii_case(&b'x');
        let scan = if hex {
            match Digits::scan(&rest[2..], 16) {
                Some(scan) => Some((scan, i + 2)),
                // "0x" without digits is the number 0 followed by "x...".
                None => return word(LongDouble::signed(negative, Class::Zero), 1),
            }
        } else {
            Digits::scan(rest, 10).map(|scan| (scan, i))
        };
        let Some((digits, offset)) = scan else {
            return Parsed {
                value: LongDouble::ZERO,
                used: 0,
                out_of_range: false,
            };
        };
        let used = offset + digits.end;
        if digits.kept.is_empty() {
            return word(LongDouble::signed(negative, Class::Zero), used - i);
        }
        let value = if hex {
            digits.hex_value(negative)
        } else {
            digits.decimal_value(negative)
        };
        Parsed {
            value,
            used,
            out_of_range: value.is_zero() || value.is_infinite(),
        }
    }

    /// glibc's `printf("%.17Lf")`: the exact decimal expansion rounded to 17 decimals, ties
    /// to even; `inf`, `nan`, and a `-` on every negative value, zero included.
    pub fn to_fixed17(self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.negative {
            out.push(b'-');
        }
        let (mantissa, exp) = match self.class {
            Class::Nan => return [out, b"nan".to_vec()].concat(),
            Class::Infinite => return [out, b"inf".to_vec()].concat(),
            Class::Zero => (0, 0),
            Class::Finite { mantissa, exp } => (mantissa, i64::from(exp)),
        };
        const SCALE: u128 = 100_000_000_000_000_000; // 10^17
        let (integer, fraction) = if exp >= 0 {
            let mut n = BigUint::from_u128(u128::from(mantissa));
            n.shl(exp.unsigned_abs());
            (n.to_decimal(), 0)
        } else {
            let k = -exp;
            let mut integer = shr(u128::from(mantissa), k);
            let scaled = (u128::from(mantissa) & low_mask(k)) * SCALE; // < 2^121
            let mut fraction = shr(scaled, k);
            let half = shr(scaled, k - 1) & 1 == 1;
            let below = scaled & low_mask(k - 1) != 0;
            if half && (below || fraction & 1 == 1) {
                fraction += 1;
            }
            if fraction == SCALE {
                fraction = 0;
                integer += 1;
            }
            (integer.to_string().into_bytes(), fraction)
        };
        out.extend_from_slice(&integer);
        out.extend_from_slice(format!(".{fraction:017}").as_bytes());
        out
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// `self + other` rounded to a 64-bit mantissa, to nearest with ties to even (the x87 unit
    /// with precision control at extended). An exact zero sum is +0 unless both are -0.
    fn add(self, other: LongDouble) -> LongDouble {
        use Class::*;
        match (self.class, other.class) {
            (Nan, _) | (_, Nan) => LongDouble::NAN,
            (Infinite, Infinite) if self.negative != other.negative => LongDouble::NAN,
            (Infinite, _) => self,
            (_, Infinite) => other,
            (Zero, Zero) => LongDouble::signed(self.negative && other.negative, Zero),
            (Zero, _) => other,
            (_, Zero) => self,
            (
                Finite {
                    mantissa: ma,
                    exp: ea,
                },
                Finite {
                    mantissa: mb,
                    exp: eb,
                },
            ) => {
                let ((big, m_big, e_big), (small, m_small, e_small)) = if ea >= eb {
                    ((self, ma, ea), (other, mb, eb))
                } else {
                    ((other, mb, eb), (self, ma, ea))
                };
                // Both mantissas move up 63 bits, then the one with the smaller exponent moves
                // down by the difference, the bits it loses folded into its lowest bit (a
                // sticky bit). Bits are lost only for a difference of 64 or more: the other
                // value is then normal and the sum's rounding bit is bit 61 or higher, so the
                // sum, odd exactly when bits were lost, lies between the same two rounding
                // boundaries (even numbers) as the exact sum, and rounds as it would.
                let a = u128::from(m_big) << 63;
                let d = i64::from(e_big) - i64::from(e_small);
                let b = u128::from(m_small) << 63;
                let b = shr(b, d) | u128::from(b & low_mask(d) != 0);
                let (negative, sum) = if big.negative == small.negative {
                    (big.negative, a + b)
                } else if a >= b {
                    (big.negative, a - b)
                } else {
                    (small.negative, b - a)
                };
                if sum == 0 {
                    return LongDouble::ZERO;
                }
                LongDouble::round(negative, sum, i64::from(e_big) - 63, false)
            }
        }
    }
}

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ignore_case(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// `v >> n` for any `n >= 0` (0 once every bit is gone).
fn shr(v: u128, n: i64) -> u128 {
    u32::try_from(n)
        .ok()
        .and_then(|n| v.checked_shr(n))
        .unwrap_or(0)
}

/// The `n` lowest bits set (all of them for `n >= 128`, none for `n <= 0`).
fn low_mask(n: i64) -> u128 {
    if n <= 0 {
        0
    } else if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// The digits of a number as scanned: its significant digits (leading zeros dropped, at most
/// a fixed count kept), and the power of the radix that scales their integer.
struct Digits {
    kept: Vec<u8>,
    /// A nonzero digit came after the kept ones.
    dropped_nonzero: bool,
    /// The value is `kept * radix^scale`, times the written exponent's power.
    scale: i64,
    /// The written exponent (of 10 for decimal, of 2 for hexadecimal), saturated.
    exponent: i64,
    /// Bytes taken, exponent included.
    end: usize,
}

impl Digits {
    /// Digits with an optional point (at least one digit), then an optional exponent (`e` for
    /// radix 10, `p` for 16) taken only when a digit follows its sign. `None` when no digit
    /// starts the string.
    fn scan(s: &[u8], radix: u32) -> Option<Digits> {
        let limit = if radix == 16 {
            MAX_HEX_DIGITS
        } else {
            MAX_SIG_DIGITS
        };
        let mut digits = Digits {
            kept: Vec::new(),
            dropped_nonzero: false,
            scale: 0,
            exponent: 0,
            end: 0,
        };
        let mut seen = false;
        let mut in_fraction = false;
        let mut i = 0;
        while let Some(&c) = s.get(i) {
            if c == b'.' && !in_fraction {
                in_fraction = true;
            } else if let Some(d) = char::from(c).to_digit(radix) {
                seen = true;
                if digits.kept.is_empty() && d == 0 {
                    digits.scale -= i64::from(in_fraction);
                } else if digits.kept.len() < limit {
                    digits.kept.push(d as u8);
                    digits.scale -= i64::from(in_fraction);
                } else {
                    digits.dropped_nonzero |= d != 0;
                    digits.scale += i64::from(!in_fraction);
                }
            } else {
                break;
            }
            i += 1;
        }
        if !seen {
            return None;
        }
        digits.end = i;
        let marker = if radix == 16 { b'p' } else { b'e' };
        if s.get(i).is_some_and(|c| c.to_ascii_lowercase() == marker) {
            let mut j = i + 1;
            let negative = s.get(j) == Some(&b'-');
            if matches!(s.get(j), Some(b'-' | b'+')) {
                j += 1;
            }
            let mut exponent: i64 = 0;
            let first = j;
            while let Some(c) = s.get(j).filter(|c| c.is_ascii_digit()) {
                exponent = (exponent * 10 + i64::from(c - b'0')).min(EXPONENT_LIMIT);
                j += 1;
            }
            if j > first {
                digits.exponent = if negative { -exponent } else { exponent };
                digits.end = j;
            }
        }
        Some(digits)
    }

    /// The value of decimal digits: their integer times a power of ten, divided out exactly.
    fn decimal_value(mut self, negative: bool) -> LongDouble {
        if self.dropped_nonzero {
            self.kept.push(1);
            self.scale -= 1;
        }
        let e10 = self.scale + self.exponent;
        // The value lies in [10^(top - 1), 10^top).
        let top = e10 + self.kept.len() as i64;
        if top >= 4934 {
            return LongDouble::signed(negative, Class::Infinite);
        }
        if top <= -4951 {
            return LongDouble::signed(negative, Class::Zero);
        }
        let mut n = BigUint::from_decimal(&self.kept);
        if e10 >= 0 {
            n.mul_pow(10, e10.unsigned_abs());
            let (mantissa, exp, sticky) = n.top_bits();
            return LongDouble::round(negative, mantissa, exp, sticky);
        }
        // n / 10^k = (n / 5^k) * 2^-k: a 68- or 69-bit quotient and whether it was exact.
        let k = -e10;
        let mut den = BigUint::from_u128(1);
        den.mul_pow(5, k.unsigned_abs());
        let s = 68 + den.bit_len() as i64 - n.bit_len() as i64;
        if s >= 0 {
            n.shl(s.unsigned_abs());
        } else {
            den.shl(s.unsigned_abs());
        }
        let (quotient, sticky) = n.small_quotient(&den);
        LongDouble::round(negative, quotient, -k - s, sticky)
    }

    /// The value of hexadecimal digits: at most 128 bits times a power of two.
    fn hex_value(self, negative: bool) -> LongDouble {
        let mantissa = self
            .kept
            .iter()
            .fold(0u128, |m, &d| (m << 4) | u128::from(d));
        let exp = 4 * self.scale + self.exponent;
        LongDouble::round(negative, mantissa, exp, self.dropped_nonzero)
    }
}

/// An unsigned big integer: little-endian 64-bit limbs, no high zero limb.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BigUint(Vec<u64>);

impl BigUint {
    fn from_u128(v: u128) -> BigUint {
        let mut n = BigUint(vec![v as u64, (v >> 64) as u64]);
        n.trim();
        n
    }

    /// The integer whose decimal digits (values 0 to 9) these are.
    fn from_decimal(digits: &[u8]) -> BigUint {
        let mut n = BigUint(Vec::new());
        for chunk in digits.chunks(19) {
            let value = chunk.iter().fold(0u64, |v, &d| v * 10 + u64::from(d));
            n.mul_small(10u64.pow(chunk.len() as u32));
            n.add_small(value);
        }
        n
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => 64 * self.0.len() as u64 - u64::from(top.leading_zeros()),
        }
    }

    fn mul_small(&mut self, m: u64) {
        let mut carry = 0u128;
        for limb in &mut self.0 {
            let v = u128::from(*limb) * u128::from(m) + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            self.0.push(carry as u64);
        }
        self.trim();
    }

    fn add_small(&mut self, a: u64) {
        let mut carry = a;
        for limb in &mut self.0 {
            let (v, overflow) = limb.overflowing_add(carry);
            *limb = v;
            carry = u64::from(overflow);
            if carry == 0 {
                return;
            }
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    /// `self * base^n` for a base of 5 or 10, a word-sized power at a time.
    fn mul_pow(&mut self, base: u64, n: u64) {
        let step = if base == 5 { 27 } else { 19 };
        let mut left = n;
        while left > 0 {
            let now = left.min(step);
            self.mul_small(base.pow(now as u32));
            left -= now;
        }
    }

    fn shl(&mut self, bits: u64) {
        if self.is_zero() {
            return;
        }
        let (limbs, bits) = ((bits / 64) as usize, (bits % 64) as u32);
        if bits > 0 {
            let mut carry = 0u64;
            for limb in &mut self.0 {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (64 - bits);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn shr1(&mut self) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut().rev() {
            let v = *limb;
            *limb = (v >> 1) | (carry << 63);
            carry = v & 1;
        }
        self.trim();
    }

    fn compare(&self, other: &BigUint) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self -= other`, for `other <= self`.
    fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = false;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let o = other.0.get(i).copied().unwrap_or(0);
            let (v, b1) = limb.overflowing_sub(o);
            let (v, b2) = v.overflowing_sub(u64::from(borrow));
            *limb = v;
            borrow = b1 || b2;
        }
        self.trim();
    }

    /// `(floor(self / den), remainder != 0)` for a quotient under 2^69.
    fn small_quotient(mut self, den: &BigUint) -> (u128, bool) {
        let mut d = den.clone();
        d.shl(68);
        let mut quotient = 0u128;
        for bit in (0..=68).rev() {
            if self.compare(&d) != Ordering::Less {
                self.sub_assign(&d);
                quotient |= 1 << bit;
            }
            d.shr1();
        }
        (quotient, !self.is_zero())
    }

    /// The top 128 bits (all of them if fewer), the power of two they are scaled by, and
    /// whether any bit below them is set.
    fn top_bits(&self) -> (u128, i64, bool) {
        let len = self.bit_len();
        if len <= 128 {
            let low = self.0.first().copied().unwrap_or(0);
            let high = self.0.get(1).copied().unwrap_or(0);
            return ((u128::from(high) << 64) | u128::from(low), 0, false);
        }
        let shift = len - 128;
        let (limb, bits) = ((shift / 64) as usize, (shift % 64) as u32);
        let word = |i: usize| u128::from(self.0.get(i).copied().unwrap_or(0));
        let wide = word(limb) | (word(limb + 1) << 64);
        let mut top = wide >> bits;
        if bits > 0 {
            top |= word(limb + 2) << (128 - bits);
        }
        let sticky = self.0[..limb].iter().any(|&l| l != 0) || wide & low_mask(bits.into()) != 0;
        (top, shift as i64, sticky)
    }

    /// `self /= d`, returning the remainder.
    fn div_rem_small(&mut self, d: u64) -> u64 {
        let mut rem = 0u128;
        for limb in self.0.iter_mut().rev() {
            let v = (rem << 64) | u128::from(*limb);
            *limb = (v / u128::from(d)) as u64;
            rem = v % u128::from(d);
        }
        self.trim();
        rem as u64
    }

    fn to_decimal(&self) -> Vec<u8> {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_rem_small(CHUNK));
        }
        let mut out = chunks.pop().unwrap_or(0).to_string();
        for chunk in chunks.iter().rev() {
            out.push_str(&format!("{chunk:019}"));
        }
        out.into_bytes()
    }
}

/// Redis's `string2ld`: the whole string is one `strtold` number, with no leading space,
/// shorter than [`MAX_LONG_DOUBLE_CHARS`], neither overflowing nor underflowing to zero, not
/// NaN. Infinity written as a word passes.
pub fn string2ld(s: &[u8]) -> Option<LongDouble> {
    match s.first() {
        None => return None,
        Some(&c) if is_space(c) || s.len() >= MAX_LONG_DOUBLE_CHARS => return None,
        Some(_) => {}
    }
    let parsed = LongDouble::strtold(s);
    (parsed.used == s.len() && !parsed.out_of_range && !parsed.value.is_nan())
        .then_some(parsed.value)
}

/// Redis's `ld2string` in `LD_STR_HUMAN` mode: `%.17Lf`, trailing zeros and then a trailing
/// point removed, `-0` written `0`; infinities as `inf` and `-inf`.
pub fn ld2string_human(value: LongDouble) -> Vec<u8> {
    let mut text = value.to_fixed17();
    if text.contains(&b'.') {
        while text.last() == Some(&b'0') {
            text.pop();
        }
        if text.last() == Some(&b'.') {
            text.pop();
        }
    }
    if text == b"-0" {
        text = b"0".to_vec();
    }
    text
}

/// The error replies of INCRBYFLOAT and HINCRBYFLOAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The increment, or INCRBYFLOAT's current value, is not a float.
    NotFloat,
    /// HINCRBYFLOAT's current field value is not a float.
    HashValueNotFloat,
    /// HINCRBYFLOAT's increment is infinite.
    IncrementNotFinite,
    /// The sum is infinite or NaN.
    ResultNotFinite,
}

impl IncrFloatError {
    /// The reply, as Redis words it.
    pub fn message(self) -> &'static str {
        match self {
            IncrFloatError::NotFloat => "ERR value is not a valid float",
            IncrFloatError::HashValueNotFloat => "ERR hash value is not a float",
            IncrFloatError::IncrementNotFinite => "ERR value is NaN or Infinity",
            IncrFloatError::ResultNotFinite => "ERR increment would produce NaN or Infinity",
        }
    }
}

/// The sum as both Redis commands end: refused if not finite, else its human text.
fn finish(value: LongDouble, incr: LongDouble) -> Result<Vec<u8>, IncrFloatError> {
    let sum = value + incr;
    if sum.is_nan() || sum.is_infinite() {
        return Err(IncrFloatError::ResultNotFinite);
    }
    Ok(ld2string_human(sum))
}

/// INCRBYFLOAT on a string holding `current` (`None`: no key, 0): the new value, which is
/// both what Redis stores and what it replies.
pub fn incrbyfloat(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let value = match current {
        None => LongDouble::ZERO,
        Some(s) => string2ld(s).ok_or(IncrFloatError::NotFloat)?,
    };
    let incr = string2ld(incr).ok_or(IncrFloatError::NotFloat)?;
    finish(value, incr)
}

/// HINCRBYFLOAT's increment, checked before the key is looked at.
pub fn hincrbyfloat_increment(incr: &[u8]) -> Result<LongDouble, IncrFloatError> {
    let incr = string2ld(incr).ok_or(IncrFloatError::NotFloat)?;
    if incr.is_infinite() {
        return Err(IncrFloatError::IncrementNotFinite);
    }
    Ok(incr)
}

/// HINCRBYFLOAT on a field holding `current` (`None`: no field, 0) with a checked increment:
/// the new field value, stored and replied.
pub fn hincrbyfloat_apply(
    current: Option<&[u8]>,
    incr: LongDouble,
) -> Result<Vec<u8>, IncrFloatError> {
    let value = match current {
        None => LongDouble::ZERO,
        Some(s) => string2ld(s).ok_or(IncrFloatError::HashValueNotFloat)?,
    };
    finish(value, incr)
}

/// HINCRBYFLOAT's whole computation (when the key holds a hash or nothing).
pub fn hincrbyfloat(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    hincrbyfloat_apply(current, hincrbyfloat_increment(incr)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: (u64, i32) = (1 << 63, -63);

    fn parse(s: &str) -> LongDouble {
        let parsed = LongDouble::strtold(s.as_bytes());
        assert_eq!(parsed.used, s.len(), "{s}");
        parsed.value
    }

    fn parts(s: &str) -> (u64, i32) {
        parse(s)
            .parts()
            .unwrap_or_else(|| panic!("{s} is not finite"))
    }

    fn sum(a: &str, b: &str) -> LongDouble {
        parse(a) + parse(b)
    }

    fn fixed(s: &str) -> String {
        String::from_utf8_lossy(&parse(s).to_fixed17()).into_owned()
    }

    #[test]
    fn parses_correctly_rounded() {
        assert_eq!(parts("0.1"), (0xcccc_cccc_cccc_cccd, -67));
        assert_eq!(parts("10.5"), (0xa800_0000_0000_0000, -60));
        assert_eq!(parts("123456789.123456789"), (0xeb79_a2a3_f35b_a6e7, -37));
        assert_eq!(parts("1e4932"), (0xd72c_b2a9_5c7e_f6cd, 16320));
        assert_eq!(parts("1.18973149535723176505e4932"), (u64::MAX, 16320));
        assert_eq!(parts("1e-4950"), (3, -16445));
        assert_eq!(parts("3.6451995318824746025e-4951"), (1, -16445));
        assert_eq!(parts("0x1p-16445"), (1, -16445));
        assert_eq!(parts("0X1.8P1"), (0xc000_0000_0000_0000, -62));
        assert_eq!(parts("0x.8"), (1 << 63, -64));
        assert_eq!(parts("0.99999999999999999999"), ONE);
        // 1 + 2^-64 is halfway between 1 and its successor: ties go to the even mantissa.
        let half = "1.0000000000000000000542101086242752217003726400434970855712890625";
        assert_eq!(parts(half), ONE);
        assert_eq!(parts(&format!("{half}0000001")), (1 << 63 | 1, -63));
        // The digits past those kept still decide a tie.
        let long = format!("{half}{}1", "0".repeat(2 * MAX_SIG_DIGITS));
        assert_eq!(parts(&long), (1 << 63 | 1, -63));
        let tiny = format!("0.{}1e5000", "0".repeat(4999));
        assert_eq!(parts(&tiny), ONE);
        assert_eq!(parts("0x1.0000000000000001p0"), ONE);
        assert_eq!(parts("0x1.0000000000000003p0"), (1 << 63 | 2, -63));
        let hex_tail = "0x1.000000000000000100000000000000000000001p0";
        assert_eq!(parts(hex_tail), (1 << 63 | 1, -63));
    }

    #[test]
    fn parse_ranges_and_words() {
        let range = |s: &str| {
            let parsed = LongDouble::strtold(s.as_bytes());
            (parsed.value, parsed.out_of_range)
        };
        let inf = LongDouble::signed(false, Class::Infinite);
        assert_eq!(range("1.2e4932"), (inf, true));
        assert_eq!(range("0x1p16384"), (inf, true));
        assert_eq!(range("1e99999999999999999999"), (inf, true));
        assert_eq!(
            range("-1e-5000"),
            (LongDouble::signed(true, Class::Zero), true)
        );
        assert_eq!(range("0x1p-16446"), (LongDouble::ZERO, true));
        assert_eq!(range("0e99999"), (LongDouble::ZERO, false));
        assert_eq!(range("Infinity"), (inf, false));
        let used = |s: &str| LongDouble::strtold(s.as_bytes()).used;
        for (s, n) in [
            ("", 0),
            ("+", 0),
            ("-x", 0),
            (".", 0),
            ("0x", 1),
            ("0x.p1", 1),
            ("  -.5e", 5),
            ("1e+", 1),
            ("1.5e-3x", 6),
            ("5.", 2),
            ("0x1p", 3),
            ("INFx", 3),
            ("infinit", 3),
            ("nan(ab_1)", 9),
            ("nan(", 3),
            ("1.2.3", 3),
        ] {
            assert_eq!(used(s), n, "{s}");
        }
        assert!(parse("-NaN").is_nan());
    }

    #[test]
    fn adds_with_one_rounding() {
        assert_eq!(sum("1", "0x1p-64").parts(), Some(ONE));
        assert_eq!(
            sum("0x1.0000000000000002p0", "0x1p-64").parts(),
            Some((1 << 63 | 2, -63))
        );
        assert_eq!(sum("0x1p64", "-0.5").parts(), Some((1 << 63, 1)));
        assert_eq!(sum("0x1p64", "-0.75").parts(), Some((u64::MAX, 0)));
        assert_eq!(sum("0x1p64", "-0x1p-100").parts(), Some((1 << 63, 1)));
        assert_eq!(sum("-0x1p-100", "0x1p64").parts(), Some((1 << 63, 1)));
        assert_eq!(
            sum("1", "-0x1.fffffffffffffffep-1").parts(),
            Some((1 << 63, -127))
        );
        assert_eq!(sum("0x1p-16445", "0x3p-16445").parts(), Some((4, -16445)));
        assert_eq!(
            sum("0x1p-16382", "-0x1p-16445").parts(),
            Some((u64::MAX >> 1, -16445))
        );
        assert_eq!(
            sum("10.5", "0.1").parts(),
            Some((0xa999_9999_9999_999a, -60))
        );
        assert!(sum("0x1.fffffffffffffffep16383", "0x1p16320").is_infinite());
        assert!(sum("inf", "-inf").is_nan());
        assert!(sum("-inf", "1").is_infinite());
        assert_eq!(sum("0.1", "-0.1"), LongDouble::ZERO);
        assert_eq!(sum("-0", "0"), LongDouble::ZERO);
        assert!(sum("-0", "-0").is_sign_negative());
    }

    #[test]
    fn prints_exact_fixed17() {
        assert_eq!(fixed("0.1"), "0.10000000000000000");
        assert_eq!(fixed("123456789.123456789"), "123456789.12345678899873747");
        // Exactly halfway at the 18th decimal: to even.
        assert_eq!(fixed("0x1p-18"), "0.00000381469726562");
        assert_eq!(fixed("0x3p-18"), "0.00001144409179688");
        assert_eq!(fixed("0x1.fffffffffffffffep-1"), "1.00000000000000000");
        assert_eq!(fixed("-0"), "-0.00000000000000000");
        assert_eq!(fixed("-1e-30"), "-0.00000000000000000");
        assert_eq!(fixed("0x1p64"), "18446744073709551616.00000000000000000");
        assert_eq!(fixed("-inf"), "-inf");
        assert!(fixed("1e4932").starts_with("100000000000000000000601894938796389132383777425"));
        assert_eq!(fixed("1e4932").len(), 4933 + 18);
        let human = |s: &str| String::from_utf8_lossy(&ld2string_human(parse(s))).into_owned();
        assert_eq!(human("10.50"), "10.5");
        assert_eq!(human("100"), "100");
        assert_eq!(human("-0"), "0");
        assert_eq!(human("-1e-30"), "0");
        assert_eq!(human("-0.25"), "-0.25");
        assert_eq!(human("inf"), "inf");
    }

    #[test]
    fn redis_rules() {
        assert_eq!(
            string2ld(b"1.5").and_then(LongDouble::parts),
            parse("1.5").parts()
        );
        let long = format!("1.{}", "0".repeat(MAX_LONG_DOUBLE_CHARS - 3));
        assert!(string2ld(long.as_bytes()).is_some());
        assert!(string2ld(format!("{long}0").as_bytes()).is_none());
        for bad in [
            "", " 1", "1 ", "\t1", "1e", "nan", "1e5000", "1e-5000", "0x", "1\x000",
        ] {
            assert_eq!(string2ld(bad.as_bytes()), None, "{bad:?}");
        }
        assert!(string2ld(b"0x1p-16445").is_some());
        assert!(string2ld(b"-inf").is_some_and(LongDouble::is_infinite));

        let incr = |current: Option<&str>, incr: &str| {
            incrbyfloat(current.map(str::as_bytes), incr.as_bytes())
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .map_err(IncrFloatError::message)
        };
        assert_eq!(incr(Some("10.5"), "0.1"), Ok("10.6".into()));
        assert_eq!(incr(None, "5.0e3"), Ok("5000".into()));
        assert_eq!(
            incr(Some("abc"), "1"),
            Err("ERR value is not a valid float")
        );
        assert_eq!(
            incr(None, "inf"),
            Err("ERR increment would produce NaN or Infinity")
        );
        assert_eq!(
            incr(Some("inf"), "-inf"),
            Err("ERR increment would produce NaN or Infinity")
        );

        let hincr = |current: Option<&str>, incr: &str| {
            hincrbyfloat(current.map(str::as_bytes), incr.as_bytes())
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .map_err(IncrFloatError::message)
        };
        assert_eq!(hincr(Some("1"), "0.5"), Ok("1.5".into()));
        assert_eq!(
            hincr(Some("abc"), "1"),
            Err("ERR hash value is not a float")
        );
        assert_eq!(
            hincr(Some("abc"), "x"),
            Err("ERR value is not a valid float")
        );
        assert_eq!(
            hincr(Some("abc"), "-inf"),
            Err("ERR value is NaN or Infinity")
        );
        assert_eq!(
            hincr(Some("inf"), "1"),
            Err("ERR increment would produce NaN or Infinity")
        );
    }
}
