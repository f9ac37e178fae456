//! Exact decimal digits of a double, and the small buffers they are written into.
//!
//! Rust's `{:.Ne}` and `{:.N}` formatting produce the exact decimal value of a double rounded
//! half-to-even at the requested digit, which is what glibc's `printf` does in the default rounding
//! mode; everything here builds on that and only rearranges the digits.

use core::fmt::{self, Write};

/// Bytes kept on the stack before a `Scratch` moves to the heap. `%.14g` needs about 20; the
/// widest item `string.format` allows (`%99.99e`) needs about 110.
const INLINE: usize = 128;

/// A byte buffer that stays on the stack while its contents fit in `INLINE` bytes and moves to the
/// heap beyond that, so formatting a number usually allocates nothing.
struct Scratch {
    inline: [u8; INLINE],
    len: usize,
    /// Holds all the contents once they have outgrown `inline`; empty and unallocated before.
    spill: Vec<u8>,
    spilled: bool,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            inline: [0; INLINE],
            len: 0,
            spill: Vec::new(),
            spilled: false,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        if self.spilled {
            &self.spill
        } else {
            self.inline.get(..self.len).unwrap_or_default()
        }
    }

    fn truncate(&mut self, len: usize) {
        if self.spilled {
            self.spill.truncate(len);
        } else {
            self.len = self.len.min(len);
        }
    }

    fn as_mut_bytes(&mut self) -> &mut [u8] {
        if self.spilled {
            &mut self.spill
        } else {
            self.inline.get_mut(..self.len).unwrap_or_default()
        }
    }
}

impl Write for Scratch {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        if !self.spilled {
            let end = self.len.saturating_add(bytes.len());
            if let Some(dst) = self.inline.get_mut(self.len..end) {
                dst.copy_from_slice(bytes);
                self.len = end;
                return Ok(());
            }
            let kept = self.inline.get(..self.len).unwrap_or_default();
            self.spill.extend_from_slice(kept);
            self.spilled = true;
        }
        self.spill.extend_from_slice(bytes);
        Ok(())
    }
}

/// Lets `write!` append straight to an output vector.
pub(crate) struct VecWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A finite non-negative double rounded to a number of significant digits: the digits, and the
/// decimal exponent of the first one (`digits[0].digits[1..] * 10^exp`).
pub(crate) struct Decimal {
    buf: Scratch,
    /// The digits are `buf[start..end]`, ASCII, without a decimal point.
    start: usize,
    end: usize,
    exp: i32,
}

impl Decimal {
    /// `abs` rounded half-to-even to `frac_digits + 1` significant digits, as `%.{frac_digits}e`
    /// rounds it. `abs` must be finite and not negative (zero gives zeros with exponent 0).
    pub(crate) fn exponential(abs: f64, frac_digits: usize) -> Decimal {
        // Built in place and filled through `&mut`: the inline buffer makes moves costly.
        let mut decimal = Decimal {
            buf: Scratch::new(),
            start: 0,
            end: 0,
            exp: 0,
        };
        decimal.fill_exact(abs, frac_digits);
        decimal
    }

    /// The exact rounding, from the formatter's exact mode.
    fn fill_exact(&mut self, abs: f64, frac_digits: usize) {
        // Digits past the exact expansion are zeros: they are appended rather than asked of the
        // formatter, which refuses precisions above 65535.
        let exact_digits = frac_digits.min(MAX_EXACT_FRACTION_E);
        // Writing to a `Scratch` never fails.
        let _ = write!(self.buf, "{:.*e}", exact_digits, abs);
        self.take_apart();
        self.pad_to(frac_digits + 1);
    }

    /// Takes the formatter's `d.ddde-12` (or `de-12`) text in `buf` apart.
    fn take_apart(&mut self) {
        let bytes = self.buf.as_mut_bytes();
        let e_pos = bytes.iter().position(|&b| b == b'e').unwrap_or(bytes.len());
        self.exp = parse_exponent(bytes.get(e_pos + 1..).unwrap_or_default());
        // Make the digits contiguous by moving the first one onto the point.
        self.start = if bytes.get(1) == Some(&b'.') {
            bytes.copy_within(0..1, 1);
            1
        } else {
            0
        };
        self.end = e_pos;
        self.buf.truncate(e_pos);
    }

    /// Appends zeros until there are `count` digits.
    fn pad_to(&mut self, count: usize) {
        push_zeros(
            &mut self.buf,
            count.saturating_sub(self.end.saturating_sub(self.start)),
        );
        self.end = self.buf.as_bytes().len();
    }

    pub(crate) fn digits(&self) -> &[u8] {
        self.buf
            .as_bytes()
            .get(self.start..self.end)
            .unwrap_or_default()
    }

    pub(crate) fn exp(&self) -> i32 {
        self.exp
    }
}

/// Fraction digits of `%e` beyond which every double's digits are zeros: no double has more than
/// 767 significant digits in its exact decimal expansion.
pub(crate) const MAX_EXACT_FRACTION_E: usize = 767;

/// Fraction digits of `%f` beyond which every double's digits are zeros: all doubles are
/// multiples of 2^-1074, whose expansion has 1074 fraction digits.
pub(crate) const MAX_EXACT_FRACTION_F: usize = 1074;

/// Appends `count` zeros to a formatter's output.
pub(crate) fn push_zeros(w: &mut impl Write, mut count: usize) {
    const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    while count > 0 {
        let chunk = count.min(ZEROS.len());
        // Our writers never fail.
        let _ = w.write_str(ZEROS.get(..chunk).unwrap_or_default());
        count -= chunk;
    }
}

/// The exponent Rust prints after `e`: an optional `-` and decimal digits.
fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |acc, &d| {
        acc.saturating_mul(10)
            .saturating_add(i32::from(d.wrapping_sub(b'0')))
    });
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Appends `value` written in `radix` (2..=16) with lowercase or uppercase letters, most
/// significant digit first; zero gives `0`.
pub(crate) fn push_unsigned(out: &mut Vec<u8>, mut value: u64, radix: u64, upper: bool) {
    let alphabet: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    // 64 binary digits is the longest any radix needs.
    let mut buf = [0u8; 64];
    let mut pos = buf.len();
    loop {
        pos -= 1;
        let digit = (value % radix) as usize;
        if let (Some(slot), Some(&ch)) = (buf.get_mut(pos), alphabet.get(digit)) {
            *slot = ch;
        }
        value /= radix;
        if value == 0 || pos == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(pos..).unwrap_or_default());
}

/// Appends the exponent of `%e` as C writes it: a sign and at least two digits.
pub(crate) fn push_exponent(out: &mut Vec<u8>, exp: i32, upper: bool) {
    out.push(if upper { b'E' } else { b'e' });
    out.push(if exp < 0 { b'-' } else { b'+' });
    let magnitude = u64::from(exp.unsigned_abs());
    if magnitude < 10 {
        out.push(b'0');
    }
    push_unsigned(out, magnitude, 10, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(v: f64, frac: usize) -> (String, i32) {
        let d = Decimal::exponential(v, frac);
        (String::from_utf8_lossy(d.digits()).into_owned(), d.exp())
    }

    #[test]
    fn decimal_digits_and_exponent() {
        assert_eq!(decimal(0.0, 3), ("0000".to_string(), 0));
        assert_eq!(decimal(1.5, 0), ("2".to_string(), 0));
        assert_eq!(decimal(2.5, 0), ("2".to_string(), 0));
        assert_eq!(decimal(9.96, 1), ("10".to_string(), 1));
        assert_eq!(decimal(0.000123, 2), ("123".to_string(), -4));
        assert_eq!(decimal(5e-324, 3), ("4941".to_string(), -324));
        assert_eq!(decimal(1e300, 0), ("1".to_string(), 300));
    }

    #[test]
    fn precision_beyond_the_exact_digits() {
        let (digits, exp) = decimal(0.5, 70_000);
        assert_eq!(digits.len(), 70_001);
        assert!(digits.starts_with("50000") && digits.bytes().all(|d| d == b'5' || d == b'0'));
        assert_eq!(exp, -1);
        // From C: `printf("%.800e", 5e-324)`.
        let (digits, _) = decimal(5e-324, 800);
        assert_eq!(digits.len(), 801);
        assert!(digits.starts_with("494065645841246544176568792868"));
        let tail = digits.trim_end_matches('0');
        assert!(tail.ends_with("506419718265533447265625") && tail.len() == 751);
    }

    #[test]
    fn scratch_spills_to_the_heap_intact() {
        let (digits, exp) = decimal(1.0 / 3.0, 200);
        assert_eq!(digits.len(), 201);
        assert!(digits.starts_with("3333333333333333148296"));
        assert_eq!(exp, -1);
    }

    #[test]
    fn unsigned_in_each_radix() {
        let mut out = Vec::new();
        push_unsigned(&mut out, 0, 10, false);
        out.push(b' ');
        push_unsigned(&mut out, u64::MAX, 8, false);
        out.push(b' ');
        push_unsigned(&mut out, 48879, 16, true);
        out.push(b' ');
        push_exponent(&mut out, -5, false);
        push_exponent(&mut out, 308, true);
        assert_eq!(out, b"0 1777777777777777777777 BEEF e-05E+308");
    }
}
