//! Lua 5.1 hands many strings to C functions that stop at the first zero byte: error messages
//! built with `%s`, file names, patterns, format strings, what the interpreter prints. Where
//! it does, this is the part those functions see.

/// The bytes before the first `\0` (all of them when there is none).
pub(crate) fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    }
}
