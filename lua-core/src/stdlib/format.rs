//! `string.format`: Lua 5.1's format items, with the numeric conversions done by the number
//! module (byte-identical to glibc's `printf`).
//!
//! An item is `%`, up to five flag characters from `-+ #0`, a width of at most two digits, an
//! optional `.` and precision of at most two digits, and one conversion letter. `%s` and `%c`
//! items end at a zero byte, as the C buffer they are written to does; `%s` of a string of 100
//! bytes or more without a precision is copied whole.

use crate::number::{format_float, format_int, Conversion, Flags, FormatSpec};
use crate::vm::{LuaResult, State};

/// The flag characters; an item may hold at most this many of them (repeats included).
const FLAGS: &[u8] = b"-+ #0";

/// `%s` copies a string of at least this length whole when no precision is given, as Lua 5.1
/// does to avoid formatting it into its fixed-size buffer.
const LONG_STRING: usize = 100;

/// Flags, width and precision of one item, before its conversion letter.
struct ItemSpec {
    flags: Flags,
    width: usize,
    precision: Option<usize>,
}

pub(crate) fn format(state: &mut State) -> LuaResult<usize> {
    let fmt = state.check_string(1)?;
    let bytes = fmt.as_bytes();
    let top = state.arg_count();
    let mut arg = 1;
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        // Copy the literal text up to the next `%` in one piece.
        let rest = bytes.get(i..).unwrap_or_default();
        let literal = rest.iter().position(|&b| b == b'%').unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..literal).unwrap_or_default());
        i += literal;
        if i >= bytes.len() {
            break;
        }
        i += 1;
        if byte_at(bytes, i) == b'%' {
            out.push(b'%');
            i += 1;
            continue;
        }
        arg += 1;
        if arg > top {
            return Err(state.arg_error(arg, "no value"));
        }
        let spec = match scan_item(bytes, &mut i) {
            Ok(spec) => spec,
            Err(msg) => return Err(state.native_error(msg)),
        };
        let conversion = byte_at(bytes, i);
        i += 1;
        match conversion {
            b'q' => add_quoted(state, arg, &mut out)?,
            b's' => add_string(state, arg, &spec, &mut out)?,
            letter => {
                match Conversion::from_byte(letter).filter(|&c| c != Conversion::FixedUpper) {
                    Some(conversion) => {
                        let value = state.check_number(arg)?;
                        let spec = FormatSpec {
                            flags: spec.flags,
                            width: spec.width,
                            precision: spec.precision,
                            conversion,
                        };
                        if conversion.is_float() {
                            format_float(&mut out, value, &spec);
                        } else {
                            format_int(&mut out, value, &spec);
                        }
                    }
                    None => {
                        let mut msg = b"invalid option '%".to_vec();
                        // A zero byte (the format ending right after `%`) shows as nothing, as a
                        // C string would.
                        if letter != 0 {
                            msg.push(letter);
                        }
                        msg.extend_from_slice(b"' to 'format'");
                        return Err(state.native_error_bytes(&msg));
                    }
                }
            }
        }
    }
    let result = state.new_string(&out);
    state.push(result);
    Ok(1)
}

/// The byte at `i`, or `\0` past the end (the C string's terminator).
fn byte_at(bytes: &[u8], i: usize) -> u8 {
    bytes.get(i).copied().unwrap_or(0)
}

/// Read the flags, width and precision of an item starting at `*i`, leaving `*i` at its
/// conversion letter.
fn scan_item(bytes: &[u8], i: &mut usize) -> Result<ItemSpec, &'static str> {
    let start = *i;
    let mut flags = Flags::default();
    while flags.set(byte_at(bytes, *i)) {
        *i += 1;
    }
    if *i - start > FLAGS.len() {
        return Err("invalid format (repeated flags)");
    }
    let width = scan_two_digits(bytes, i);
    let precision = if byte_at(bytes, *i) == b'.' {
        *i += 1;
        Some(scan_two_digits(bytes, i))
    } else {
        None
    };
    if byte_at(bytes, *i).is_ascii_digit() {
        return Err("invalid format (width or precision too long)");
    }
    Ok(ItemSpec {
        flags,
        width,
        precision,
    })
}

/// Up to two decimal digits at `*i` (none reads as 0).
fn scan_two_digits(bytes: &[u8], i: &mut usize) -> usize {
    let mut n = 0;
    for _ in 0..2 {
        let d = byte_at(bytes, *i);
        if !d.is_ascii_digit() {
            break;
        }
        n = n * 10 + usize::from(d - b'0');
        *i += 1;
    }
    n
}

/// `%q`: the string between double quotes, readable back by the Lua lexer. Flags, width and
/// precision are ignored, as in Lua 5.1.
fn add_quoted(state: &mut State, arg: usize, out: &mut Vec<u8>) -> LuaResult<()> {
    let s = state.check_string(arg)?;
    out.reserve(s.len() + 2);
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            0 => out.extend_from_slice(b"\\000"),
            _ => out.push(b),
        }
    }
    out.push(b'"');
    Ok(())
}

/// `%s`: the string cut at its first zero byte and at the precision, padded with spaces to the
/// width (`0`, `+`, ` ` and `#` have no effect); a long string without precision goes in whole.
fn add_string(state: &mut State, arg: usize, spec: &ItemSpec, out: &mut Vec<u8>) -> LuaResult<()> {
    let s = state.check_string(arg)?;
    let bytes = s.as_bytes();
    if spec.precision.is_none() && bytes.len() >= LONG_STRING {
        out.extend_from_slice(bytes);
        return Ok(());
    }
    let text = crate::cstr::c_str(bytes);
    let text = match spec.precision {
        Some(p) => text.get(..p.min(text.len())).unwrap_or_default(),
        None => text,
    };
    let fill = spec.width.saturating_sub(text.len());
    if spec.flags.left {
        out.extend_from_slice(text);
        out.resize(out.len() + fill, b' ');
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<(Flags, usize, Option<usize>, usize), &'static str> {
        let mut i = 0;
        let spec = scan_item(text.as_bytes(), &mut i)?;
        Ok((spec.flags, spec.width, spec.precision, i))
    }

    // The limits are those `lua5.1 -e 'string.format(F, 1)'` enforces for each item F.
    #[test]
    fn scans_flags_width_and_precision() {
        let (flags, width, precision, end) = scan("-+ #0d").unwrap();
        assert!(flags.left && flags.plus && flags.space && flags.alternate && flags.zero);
        assert_eq!((width, precision, end), (0, None, 5));
        let (_, width, precision, end) = scan("12.5f").unwrap();
        assert_eq!((width, precision, end), (12, Some(5), 4));
        assert_eq!(scan(".f").unwrap().2, Some(0));
        assert_eq!(scan("99.99f").unwrap().3, 5);
        assert_eq!(scan("------d"), Err("invalid format (repeated flags)"));
        assert!(scan("-----d").is_ok());
        assert_eq!(
            scan("100d"),
            Err("invalid format (width or precision too long)")
        );
        assert_eq!(
            scan("1.100d"),
            Err("invalid format (width or precision too long)")
        );
    }
}
