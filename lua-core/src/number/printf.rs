//! The numeric conversions of C's `printf` as `string.format` uses them in Lua 5.1 on glibc:
//! `d i u c o x X` after Lua's casts of the number to a C integer, and `e E f F g G` on the double.
//! Output is byte-identical to glibc's; Lua 5.1's two-digit limits on width and precision are
//! the caller's to enforce.

use super::c_cast::{to_c_int, to_c_long, to_c_ulong};
use super::digits::push_unsigned;
use super::format::{push_exponential, push_fixed, push_general};

/// The flag characters of a conversion (`-+ #0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-`: pad on the right.
    pub left: bool,
    /// `+`: show a `+` on non-negative signed values.
    pub plus: bool,
    /// ` `: show a space on non-negative signed values (when `+` is absent).
    pub space: bool,
    /// `#`: the alternate form (`0x` prefix, leading `0` for octal, point always kept).
    pub alternate: bool,
    /// `0`: pad with zeros after the sign (ignored with `-`, and for integers with a precision).
    pub zero: bool,
}

impl Flags {
    /// Sets the flag `c` stands for; `false` when `c` is not one of `-+ #0`.
    pub fn set(&mut self, c: u8) -> bool {
        let flag = match c {
            b'-' => &mut self.left,
            b'+' => &mut self.plus,
            b' ' => &mut self.space,
            b'#' => &mut self.alternate,
            b'0' => &mut self.zero,
            _ => return false,
        };
        *flag = true;
        true
    }
}

/// The numeric conversion letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// `d`: signed decimal of `(long)n`.
    SignedD,
    /// `i`: the same as `d`.
    SignedI,
    /// `u`: unsigned decimal of `(unsigned long)n`.
    Unsigned,
    /// `o`: octal of `(unsigned long)n`.
    Octal,
    /// `x`: lowercase hexadecimal of `(unsigned long)n`.
    HexLower,
    /// `X`: uppercase hexadecimal of `(unsigned long)n`.
    HexUpper,
    /// `c`: the byte `(unsigned char)(int)n`.
    Char,
    /// `e`
    ExpLower,
    /// `E`
    ExpUpper,
    /// `f`
    FixedLower,
    /// `F` (not accepted by Lua 5.1's `string.format`; here for completeness).
    FixedUpper,
    /// `g`
    GeneralLower,
    /// `G`
    GeneralUpper,
}

impl Conversion {
    /// The numeric conversion a format letter names, if any.
    pub fn from_byte(c: u8) -> Option<Conversion> {
        Some(match c {
            b'd' => Conversion::SignedD,
            b'i' => Conversion::SignedI,
            b'u' => Conversion::Unsigned,
            b'o' => Conversion::Octal,
            b'x' => Conversion::HexLower,
            b'X' => Conversion::HexUpper,
            b'c' => Conversion::Char,
            b'e' => Conversion::ExpLower,
            b'E' => Conversion::ExpUpper,
            b'f' => Conversion::FixedLower,
            b'F' => Conversion::FixedUpper,
            b'g' => Conversion::GeneralLower,
            b'G' => Conversion::GeneralUpper,
            _ => return None,
        })
    }

    /// `true` for the conversions that print the double itself (`e E f F g G`).
    pub fn is_float(self) -> bool {
        matches!(
            self,
            Conversion::ExpLower
                | Conversion::ExpUpper
                | Conversion::FixedLower
                | Conversion::FixedUpper
                | Conversion::GeneralLower
                | Conversion::GeneralUpper
        )
    }
}

/// One `%` item: flags, minimum width, optional precision (`%.f` has precision 0) and conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    pub flags: Flags,
    pub width: usize,
    pub precision: Option<usize>,
    pub conversion: Conversion,
}

#[cfg(test)]
impl FormatSpec {
    /// The plain item (`%d`, `%g`, ...): no flags, no width, default precision.
    pub fn new(conversion: Conversion) -> FormatSpec {
        FormatSpec {
            flags: Flags::default(),
            width: 0,
            precision: None,
            conversion,
        }
    }
}

/// Appends `value` formatted by a floating conversion (`e E f F g G`) as glibc's `printf` does:
/// exact digits rounded half to even, precision 6 by default, `inf`/`nan` (uppercase for the
/// uppercase conversions) with their sign and padded with spaces even under `0`. An integer
/// conversion in `spec` is passed on to `format_int`.
pub fn format_float(out: &mut Vec<u8>, value: f64, spec: &FormatSpec) {
    let upper = matches!(
        spec.conversion,
        Conversion::ExpUpper | Conversion::FixedUpper | Conversion::GeneralUpper
    );
    if !spec.conversion.is_float() {
        format_int(out, value, spec);
        return;
    }
    let flags = spec.flags;
    let start = out.len();
    push_sign(out, value.is_sign_negative(), flags);
    let body_start = out.len();
    if !value.is_finite() {
        let word: &[u8] = match (value.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        out.extend_from_slice(word);
        pad(out, start, body_start, spec.width, flags.left, false);
        return;
    }
    let abs = value.abs();
    let precision = spec.precision.unwrap_or(6);
    match spec.conversion {
        Conversion::FixedLower | Conversion::FixedUpper => {
            push_fixed(out, abs, precision, flags.alternate)
        }
        Conversion::ExpLower | Conversion::ExpUpper => {
            push_exponential(out, abs, precision, flags.alternate, upper)
        }
        _ => push_general(out, abs, precision, flags.alternate, upper),
    }
    pad(out, start, body_start, spec.width, flags.left, flags.zero);
}

/// Appends `value` formatted by an integer conversion the way Lua 5.1's `string.format` does it:
/// `d`/`i` print `(long)value`, `u o x X` print `(unsigned long)value` (casts as on x86-64, see
/// `c_cast`), with glibc's handling of flags, width and precision (minimum digit count). `c`
/// prints the byte `(int)value`; since Lua 5.1 measures each item with `strlen`, a NUL byte ends
/// the item there (`%c` of 0 gives nothing, `%5c` of 0 four spaces). A floating conversion in
/// `spec` is passed on to `format_float`.
pub fn format_int(out: &mut Vec<u8>, value: f64, spec: &FormatSpec) {
    let flags = spec.flags;
    let (negative, magnitude, radix, upper) = match spec.conversion {
        Conversion::SignedD | Conversion::SignedI => {
            let v = to_c_long(value);
            (v < 0, v.unsigned_abs(), 10, false)
        }
        Conversion::Unsigned => (false, to_c_ulong(value), 10, false),
        Conversion::Octal => (false, to_c_ulong(value), 8, false),
        Conversion::HexLower => (false, to_c_ulong(value), 16, false),
        Conversion::HexUpper => (false, to_c_ulong(value), 16, true),
        Conversion::Char => {
            push_char(out, to_c_int(value) as u8, spec);
            return;
        }
        _ => {
            format_float(out, value, spec);
            return;
        }
    };
    let start = out.len();
    let signed = matches!(spec.conversion, Conversion::SignedD | Conversion::SignedI);
    if signed {
        push_sign(out, negative, flags);
    }
    if flags.alternate && radix == 16 && magnitude != 0 {
        out.extend_from_slice(if upper { b"0X" } else { b"0x" });
    }
    let digits_start = out.len();
    // Precision 0 prints no digit at all for 0.
    if spec.precision != Some(0) || magnitude != 0 {
        push_unsigned(out, magnitude, radix, upper);
    }
    let digit_count = out.len() - digits_start;
    if let Some(precision) = spec.precision {
        if precision > digit_count {
            insert_fill(out, digits_start, precision - digit_count, b'0');
        }
    }
    // `#o` makes sure the first digit is a 0.
    if flags.alternate && radix == 8 && out.get(digits_start) != Some(&b'0') {
        insert_fill(out, digits_start, 1, b'0');
    }
    let zero = flags.zero && spec.precision.is_none();
    pad(out, start, digits_start, spec.width, flags.left, zero);
}

/// `%c`: the byte, padded with spaces (glibc ignores `0` here), cut at a NUL as Lua 5.1 does.
fn push_char(out: &mut Vec<u8>, byte: u8, spec: &FormatSpec) {
    let start = out.len();
    out.push(byte);
    pad(out, start, start, spec.width, spec.flags.left, false);
    if let Some(nul) = out
        .get(start..)
        .and_then(|item| item.iter().position(|&b| b == 0))
    {
        out.truncate(start + nul);
    }
}

/// The sign of a signed conversion: `-`, else `+` under `+`, else a space under ` `.
fn push_sign(out: &mut Vec<u8>, negative: bool, flags: Flags) {
    if negative {
        out.push(b'-');
    } else if flags.plus {
        out.push(b'+');
    } else if flags.space {
        out.push(b' ');
    }
}

/// Pads the item `out[start..]` to `width`: spaces after it under `-`, zeros at `zeros_at`
/// (after the sign and any `0x`) when `zero`, else spaces before it.
fn pad(out: &mut Vec<u8>, start: usize, zeros_at: usize, width: usize, left: bool, zero: bool) {
    let len = out.len().saturating_sub(start);
    if len >= width {
        return;
    }
    let fill = width - len;
    if left {
        out.resize(out.len() + fill, b' ');
    } else if zero {
        insert_fill(out, zeros_at, fill, b'0');
    } else {
        insert_fill(out, start, fill, b' ');
    }
}

/// Inserts `count` copies of `byte` at `at` (clamped to the end of `out`).
fn insert_fill(out: &mut Vec<u8>, at: usize, count: usize, byte: u8) {
    let at = at.min(out.len());
    out.splice(at..at, core::iter::repeat_n(byte, count));
}

/// Test helper: `flags width .precision conversion` read from the start of `bytes`, and the
/// index after them.
#[cfg(test)]
pub(super) fn scan_spec(bytes: &[u8]) -> (Flags, usize, Option<usize>, Option<Conversion>, usize) {
    let mut flags = Flags::default();
    let mut i = 0;
    while bytes.get(i).is_some_and(|&c| flags.set(c)) {
        i += 1;
    }
    let number = |i: &mut usize| {
        let mut n = 0;
        while let Some(d) = bytes.get(*i).filter(|d| d.is_ascii_digit()) {
            n = n * 10 + usize::from(d - b'0');
            *i += 1;
        }
        n
    };
    let width = number(&mut i);
    let precision = if bytes.get(i) == Some(&b'.') {
        i += 1;
        Some(number(&mut i))
    } else {
        None
    };
    let conversion = bytes.get(i).and_then(|&c| Conversion::from_byte(c));
    (flags, width, precision, conversion, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> FormatSpec {
        let (flags, width, precision, conversion, _) = scan_spec(text.as_bytes());
        FormatSpec {
            flags,
            width,
            precision,
            conversion: conversion.unwrap_or(Conversion::GeneralLower),
        }
    }

    fn fmt(text: &str, value: f64) -> Vec<u8> {
        let mut out = Vec::new();
        format_float(&mut out, value, &spec(text));
        out
    }

    // Expected values from C: `snprintf(buf, n, FORMAT, value)` compiled with gcc against glibc
    // on x86-64 (the program is in `testdata/printf_check.c`). The golden table in
    // `golden_tests.rs` covers many more through lua5.1's `string.format`.
    #[test]
    fn floats_with_flags() {
        let inf = f64::INFINITY;
        let cases: &[(&str, f64, &str)] = &[
            ("05f", inf, "  inf"),
            ("05f", -f64::NAN, " -nan"),
            ("-6f", inf, "inf   "),
            ("+f", f64::NAN, "+nan"),
            (" f", inf, " inf"),
            ("F", -inf, "-INF"),
            ("E", f64::NAN, "NAN"),
            ("+08.2e", 0.0, "+0.00e+00"),
            ("+08.2e", inf, "    +inf"),
            ("#g", 0.0, "0.00000"),
            ("#g", 1e300, "1.00000e+300"),
            ("#.0f", 0.5, "0."),
            ("#.0f", 1.5, "2."),
            (".0f", 2.5, "2"),
            (".2f", 0.125, "0.12"),
            (".0e", 1.5, "2e+00"),
            ("#.0e", 0.5, "5.e-01"),
            ("#.0g", 2.5, "2."),
            ("#.0g", 1e300, "1.e+300"),
            (".0g", 0.25, "0.2"),
            ("+ 010.3g", 0.0, "+000000000"),
            ("+ 010.3g", 0.125, "+00000.125"),
            ("-+10.3g", 123456789012345.0, "+1.23e+14 "),
            ("G", 5e-324, "4.94066E-324"),
            ("E", -0.0, "-0.000000E+00"),
            ("f", -0.0001, "-0.000100"),
            (".3f", -0.0001, "-0.000"),
            // glibc, unlike the C standard, drops the zeros when `#g` rounds up into style e.
            ("#g", 999999.5, "1.e+06"),
            ("#.3g", 999.5, "1.e+03"),
            ("#.2g", 99.5, "1.e+02"),
            ("#.3g", 99.95, "100."),
            ("#.3g", 9995.0, "1.00e+04"),
        ];
        for &(text, value, expected) in cases {
            assert_eq!(
                String::from_utf8_lossy(&fmt(text, value)),
                expected,
                "%{text} of {value:e}"
            );
        }
    }

    #[test]
    fn precision_past_the_formatter_limit() {
        let out = fmt(".70000f", 0.1);
        assert_eq!(out.len(), 70_002);
        assert!(out.starts_with(b"0.1000000000000000055511151231257827"));
        assert!(out.ends_with(b"0000"));
        let out = fmt(".70000e", 0.1);
        assert!(out.starts_with(b"1.000000000000000055511151231257827"));
        assert!(out.ends_with(b"0000e-01"));
        assert_eq!(fmt(".70000g", 0.5), b"0.5");
    }

    #[test]
    fn huge_fixed_is_exact() {
        let out = fmt(".0f", 1e300);
        assert_eq!(out.len(), 301);
        assert!(out.starts_with(b"1000000000000000052504760255204420248704468581108159154"));
        assert!(out.ends_with(b"59400540160"));
    }

    // Expected values from `lua5.1 -e 'io.write(string.format(FORMAT, V))'` on x86-64; bytes
    // that are not printable are written here as escapes.
    #[test]
    fn integers_and_chars() {
        let cases: &[(&str, f64, &[u8])] = &[
            ("d", -1.5, b"-1"),
            ("d", 2f64.powi(63), b"-9223372036854775808"),
            ("u", -1.0, b"18446744073709551615"),
            ("x", -255.9, b"ffffffffffffff01"),
            ("X", 255.9, b"FF"),
            ("o", 321.0, b"501"),
            ("#x", 0.0, b"0"),
            ("#x", 1.0, b"0x1"),
            ("#o", 0.0, b"0"),
            ("#o", 8.0, b"010"),
            ("#.0o", 0.0, b"0"),
            ("#.0x", 0.0, b""),
            (".0d", 0.0, b""),
            ("+d", 0.0, b"+0"),
            (" d", 255.0, b" 255"),
            ("c", 321.0, b"A"),
            ("c", -191.0, b"A"),
            ("c", 0.0, b""),
            ("c", 4294967361.0, b""),
            ("c", 255.9, b"\xff"),
            ("5c", 0.0, b"    "),
            ("-5c", 0.0, b""),
            ("05c", 65.0, b"    A"),
            ("-5c", 65.0, b"A    "),
        ];
        for &(text, value, expected) in cases {
            let mut out = Vec::new();
            format_int(&mut out, value, &spec(text));
            assert_eq!(out, expected, "%{text} of {value:e}");
        }
    }

    // Expected values from C's `printf` (the program in `testdata/printf_check.c`): flag and
    // precision combinations for integers.
    #[test]
    fn integer_padding_rules() {
        let cases: &[(&str, f64, &str)] = &[
            ("08d", -42.0, "-0000042"),
            ("08.3d", -42.0, "    -042"),
            ("-08d", -42.0, "-42     "),
            ("#010x", 255.0, "0x000000ff"),
            ("#10X", 255.0, "      0XFF"),
            ("#08o", 8.0, "00000010"),
            ("+5u", 7.0, "    7"),
            (" u", 7.0, "7"),
            ("+.5i", 42.0, "+00042"),
            ("5.0d", 0.0, "     "),
        ];
        for &(text, value, expected) in cases {
            let mut out = Vec::new();
            format_int(&mut out, value, &spec(text));
            assert_eq!(
                String::from_utf8_lossy(&out),
                expected,
                "%{text} of {value}"
            );
        }
    }

    #[test]
    fn conversions_delegate_to_their_kind() {
        let mut out = Vec::new();
        format_int(&mut out, 1.5, &FormatSpec::new(Conversion::GeneralLower));
        format_float(&mut out, 1.5, &FormatSpec::new(Conversion::SignedD));
        assert_eq!(out, b"1.51");
    }
}
