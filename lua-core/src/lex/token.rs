//! The tokens of Lua 5.1 and the scanner that produces them (built by `logos`).
//!
//! Plain tokens are matched by the generated automaton; the parts of Lua's lexical grammar that
//! are not regular (strings with escapes, long brackets with `=` levels, comments) are read by
//! callbacks that continue from where the automaton stopped. Line numbers are counted in the
//! scanner's `extras` as newlines are consumed, so the count is right in the middle of a token
//! too (for error messages). A newline is `\n`, `\r`, `\r\n` or `\n\r`, as in Lua 5.1.

use std::borrow::Cow;

use logos::{FilterResult, Logos, Skip};

use crate::number::str_to_number;

/// The scanner: `extras` is the current line number (`ls->linenumber`).
pub(crate) type Scanner<'s> = logos::Lexer<'s, Token<'s>>;

/// One token. Names, numerals and strings carry their value; names and strings without escapes
/// borrow it from the source.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(source = [u8], extras = u32, error = ScanFailure)]
#[logos(skip r"[ \t\x0B\x0C]+")]
pub(crate) enum Token<'s> {
    #[token("and")]
    And,
    #[token("break")]
    Break,
    #[token("do")]
    Do,
    #[token("else")]
    Else,
    #[token("elseif")]
    Elseif,
    #[token("end")]
    End,
    #[token("false")]
    False,
    #[token("for")]
    For,
    #[token("function")]
    Function,
    #[token("if")]
    If,
    #[token("in")]
    In,
    #[token("local")]
    Local,
    #[token("nil")]
    Nil,
    #[token("not")]
    Not,
    #[token("or")]
    Or,
    #[token("repeat")]
    Repeat,
    #[token("return")]
    Return,
    #[token("then")]
    Then,
    #[token("true")]
    True,
    #[token("until")]
    Until,
    #[token("while")]
    While,
    /// `..`; as in Lua 5.1, a `\0` may stand for either dot after the first (its lexer tests
    /// the next character with `strchr`, which also finds a string's terminator).
    #[regex(r"\.[.\x00]")]
    Concat,
    #[regex(r"\.[.\x00][.\x00]")]
    Dots,
    #[token("==")]
    Eq,
    #[token(">=")]
    Ge,
    #[token("<=")]
    Le,
    #[token("~=")]
    Ne,
    /// A numeral, read like Lua 5.1's `read_numeral`: digits and dots, an optional exponent mark
    /// with its sign, then any letters, digits and underscores (so `3x` is one malformed numeral).
    /// A `\0` is accepted as exponent mark or sign, like the dots above; the numeral's value is
    /// then read up to it.
    #[regex(r"[0-9][0-9.]*([Ee\x00][+\-\x00]?)?[0-9A-Za-z_]*", numeral)]
    #[regex(r"\.[0-9][0-9.]*([Ee\x00][+\-\x00]?)?[0-9A-Za-z_]*", numeral)]
    Number(f64),
    #[regex("[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Name(&'s [u8]),
    /// A string constant, short or long; the value holds its bytes after escape processing.
    #[token("\"", short_string)]
    #[token("'", short_string)]
    #[regex(r"\[=*\[", long_string)]
    String(Cow<'s, [u8]>),
    /// Any other single character, including bytes that start no token (`@`, `$`, `\0`...):
    /// the parser reports those as unexpected symbols.
    #[regex(r"[-+*/%^#(){}\[\];:,.<>=~]", |lex| lex.slice().first().copied())]
    Char(u8),
    /// End of the source.
    Eof,
    /// `[` followed by `=` signs but no second `[`: always an error.
    #[regex(r"\[=+", invalid_long_bracket)]
    InvalidLongBracket,
    /// Never produced: comments and newlines are skipped by their callbacks.
    #[token("--", comment)]
    #[regex(r"\r\n|\n\r|\n|\r", newline)]
    Skipped,
}

/// What the "near" part of a lexical error shows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Near {
    /// `near '<eof>'`.
    Eof,
    /// The text read so far of the token being scanned.
    Text(Vec<u8>),
}

/// Why the scanner stopped.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum ScanFailure {
    /// No token starts at this byte: it is a single-character token of its own.
    #[default]
    NoMatch,
    /// A lexical error (`unfinished string`, `malformed number`...).
    Error { msg: &'static str, near: Near },
}

fn failure(msg: &'static str, near: Near) -> ScanFailure {
    ScanFailure::Error { msg, near }
}

/// The byte at `i`, or `None` past the end (Lua's `EOZ`).
#[inline]
fn at(s: &[u8], i: usize) -> Option<u8> {
    s.get(i).copied()
}

fn is_newline(c: Option<u8>) -> bool {
    matches!(c, Some(b'\n' | b'\r'))
}

/// Skip the newline starting at `i` (`\n`, `\r`, `\r\n` or `\n\r`), count it, and return the
/// index after it (Lua 5.1's `inclinenumber`).
fn skip_newline(lex: &mut Scanner<'_>, s: &[u8], i: usize) -> usize {
    let first = at(s, i);
    let mut next = i + 1;
    let second = at(s, next);
    if is_newline(second) && second != first {
        next += 1;
    }
    count_line(lex);
    next
}

fn newline(lex: &mut Scanner<'_>) -> Skip {
    count_line(lex);
    Skip
}

/// The line count at which a chunk is refused (Lua 5.1's `MAX_INT`, `INT_MAX - 2`): the lexer
/// reports `chunk has too many lines` once the count reaches it.
pub(crate) const MAX_LINES: u32 = i32::MAX as u32 - 2;

/// Count one line; the count stops at `MAX_LINES`, where the lexer stops the chunk.
fn count_line(lex: &mut Scanner<'_>) {
    lex.extras = lex.extras.saturating_add(1).min(MAX_LINES);
}

fn numeral(lex: &mut Scanner<'_>) -> Result<f64, ScanFailure> {
    let text = lex.slice();
    // The numeral is a C string for the conversion: it ends at a `\0`.
    let digits = match text.iter().position(|&c| c == 0) {
        Some(end) => text.get(..end).unwrap_or_default(),
        None => text,
    };
    str_to_number(digits).ok_or_else(|| failure("malformed number", Near::Text(text.to_vec())))
}

/// Read a quoted string; the opening quote has been matched.
fn short_string<'s>(lex: &mut Scanner<'s>) -> Result<Cow<'s, [u8]>, ScanFailure> {
    let delim = lex.slice().first().copied().unwrap_or(b'"');
    let rest: &'s [u8] = lex.remainder();
    // Fast path: no escape before the closing quote, so the value is a slice of the source.
    let mut i = 0;
    while let Some(c) = at(rest, i) {
        if c == delim {
            lex.bump(i + 1);
            return Ok(Cow::Borrowed(rest.get(..i).unwrap_or_default()));
        }
        if c == b'\\' || c == b'\n' || c == b'\r' {
            break;
        }
        i += 1;
    }
    let mut value = rest.get(..i).unwrap_or_default().to_vec();
    // The text of the token so far, for errors: the quote, then the value read.
    let so_far = |value: &[u8]| {
        let mut t = Vec::with_capacity(value.len() + 1);
        t.push(delim);
        t.extend_from_slice(value);
        Near::Text(t)
    };
    loop {
        match at(rest, i) {
            None => return Err(failure("unfinished string", Near::Eof)),
            Some(c) if c == delim => {
                lex.bump(i + 1);
                return Ok(Cow::Owned(value));
            }
            Some(b'\n' | b'\r') => return Err(failure("unfinished string", so_far(&value))),
            Some(b'\\') => {
                i += 1;
                let escaped = match at(rest, i) {
                    // The loop reports the unfinished string.
                    None => continue,
                    Some(b'a') => 0x07,
                    Some(b'b') => 0x08,
                    Some(b'f') => 0x0C,
                    Some(b'n') => b'\n',
                    Some(b'r') => b'\r',
                    Some(b't') => b'\t',
                    Some(b'v') => 0x0B,
                    Some(b'\n' | b'\r') => {
                        value.push(b'\n');
                        i = skip_newline(lex, rest, i);
                        continue;
                    }
                    Some(d) if d.is_ascii_digit() => {
                        // Up to three decimal digits.
                        let mut code: u32 = 0;
                        let mut digits = 0;
                        while let Some(d) = at(rest, i).filter(|d| d.is_ascii_digit()) {
                            if digits == 3 {
                                break;
                            }
                            code = code * 10 + u32::from(d - b'0');
                            digits += 1;
                            i += 1;
                        }
                        match u8::try_from(code) {
                            Ok(byte) => value.push(byte),
                            Err(_) => {
                                return Err(failure("escape sequence too large", so_far(&value)))
                            }
                        }
                        continue;
                    }
                    // Any other escaped character stands for itself (`\\`, `\"`, `\'`, `\q`).
                    Some(other) => other,
                };
                value.push(escaped);
                i += 1;
            }
            Some(c) => {
                value.push(c);
                i += 1;
            }
        }
    }
}

/// Count the `=` signs after the bracket at `i`; returns the count and the index after them.
fn bracket_level(s: &[u8], i: usize) -> (usize, usize) {
    let mut j = i + 1;
    while at(s, j) == Some(b'=') {
        j += 1;
    }
    (j - i - 1, j)
}

/// Scan the body of a long bracket of the given level starting at `start` (just after the
/// opening bracket), counting lines. Returns the body's range and the index after the closing
/// bracket. `what` names the construct for the "unfinished" error.
fn long_bracket_body(
    lex: &mut Scanner<'_>,
    s: &[u8],
    start: usize,
    level: usize,
    what: &'static str,
) -> Result<(usize, usize, usize), ScanFailure> {
    let mut i = start;
    // A newline right after the opening bracket is not part of the string.
    if is_newline(at(s, i)) {
        i = skip_newline(lex, s, i);
    }
    let body_start = i;
    loop {
        match at(s, i) {
            None => return Err(failure(what, Near::Eof)),
            Some(b'[') => {
                let (count, j) = bracket_level(s, i);
                if count == level && at(s, j) == Some(b'[') {
                    if level == 0 {
                        return Err(failure(
                            "nesting of [[...]] is deprecated",
                            Near::Text(b"[".to_vec()),
                        ));
                    }
                    i = j + 1;
                } else {
                    i = j;
                }
            }
            Some(b']') => {
                let (count, j) = bracket_level(s, i);
                if count == level && at(s, j) == Some(b']') {
                    return Ok((body_start, i, j + 1));
                }
                i = j;
            }
            Some(b'\n' | b'\r') => i = skip_newline(lex, s, i),
            Some(_) => i += 1,
        }
    }
}

/// Read a long string; its opening bracket `[==[` has been matched.
fn long_string<'s>(lex: &mut Scanner<'s>) -> Result<Cow<'s, [u8]>, ScanFailure> {
    let level = lex.slice().len().saturating_sub(2);
    let rest: &'s [u8] = lex.remainder();
    let (from, to, end) = long_bracket_body(lex, rest, 0, level, "unfinished long string")?;
    lex.bump(end);
    let body = rest.get(from..to).unwrap_or_default();
    if body.contains(&b'\r') {
        Ok(Cow::Owned(normalize_newlines(body)))
    } else {
        Ok(Cow::Borrowed(body))
    }
}

/// Replace every newline sequence (`\r`, `\r\n`, `\n\r`) by a single `\n`.
fn normalize_newlines(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(c) = at(body, i) {
        i += 1;
        if c == b'\n' || c == b'\r' {
            out.push(b'\n');
            let next = at(body, i);
            if is_newline(next) && next != Some(c) {
                i += 1;
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn invalid_long_bracket(lex: &mut Scanner<'_>) -> Result<(), ScanFailure> {
    Err(failure(
        "invalid long string delimiter",
        Near::Text(lex.slice().to_vec()),
    ))
}

/// Skip a comment; `--` has been matched.
fn comment(lex: &mut Scanner<'_>) -> FilterResult<(), ScanFailure> {
    let rest = lex.remainder();
    if at(rest, 0) == Some(b'[') {
        let (level, j) = bracket_level(rest, 0);
        if at(rest, j) == Some(b'[') {
            return match long_bracket_body(lex, rest, j + 1, level, "unfinished long comment") {
                Ok((_, _, end)) => {
                    lex.bump(end);
                    FilterResult::Skip
                }
                Err(e) => FilterResult::Error(e),
            };
        }
    }
    // A short comment runs to the end of the line (the newline itself is not part of it).
    let len = rest
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .unwrap_or(rest.len());
    lex.bump(len);
    FilterResult::Skip
}
