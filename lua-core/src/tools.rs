//! The compiler as a tool (compile source to a function prototype, plain data with no heap
//! objects, and list it as `luac5.1 -l` does), and the number conversions native libraries
//! need to print and read numbers exactly as Lua 5.1 on glibc does.

pub use crate::bytecode::{list_proto, Proto};
pub use crate::compile::{compile, compile_at_depth, SyntaxError};

/// Append `n` as Lua shows numbers (`%.14g`: `3`, `0.1`, `1e+15`, `-nan`, `inf`).
pub fn format_number(n: f64, out: &mut Vec<u8>) {
    crate::number::format_number(n, out)
}

/// Append `n` as C's `printf("%.{precision}g", n)` on glibc prints it (`%.17g` for
/// `precision` 17); NaN and the infinities print as `nan`, `-nan`, `inf`, `-inf`.
pub fn format_general(n: f64, precision: usize, out: &mut Vec<u8>) {
    crate::number::format_general(n, precision, out)
}

/// A string's numeric value as Lua's `tonumber` reads it (decimal, hex `0x`, surrounding
/// spaces), or `None`.
pub fn parse_number(s: &[u8]) -> Option<f64> {
    crate::number::str_to_number(s)
}

/// C's `strtod` on glibc: the number at the start of `s` (after leading white space) and how
/// many bytes it took, or `None` when no number starts there.
pub fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    crate::number::strtod_prefix(s)
}
