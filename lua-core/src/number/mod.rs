//! Numbers and text, exactly as Lua 5.1 converts them on glibc (x86-64).
//!
//! - `str_to_number`: numerals in source and string coercion (`luaO_str2d` over `strtod`);
//! - `str_to_number_base`: `tonumber(s, base)` (over `strtoul`, with its wrap-around);
//! - `format_number`: `tostring`, `print` and concatenation (`%.14g`);
//! - `format_float` / `format_int` with `FormatSpec`: the numeric items of `string.format`;
//! - `to_c_int` / `to_c_long` / `to_c_ulong`: C's casts of a double, as the hardware does them.
//!
//! All conversions are written in Rust; the digits of doubles come from the standard library's
//! exact formatting and parsing, which round the way glibc does.

mod c_cast;
mod digits;
mod format;
mod hex_float;
mod parse;
mod parse_base;
mod printf;

#[cfg(test)]
mod golden_tests;

pub use c_cast::{to_c_int, to_c_long};
pub(crate) use format::format_general;
pub use format::format_number;
pub use parse::str_to_number;
pub(crate) use parse::strtod as strtod_prefix;
pub use parse_base::str_to_number_base;
pub use printf::{format_float, format_int, Conversion, Flags, FormatSpec};
