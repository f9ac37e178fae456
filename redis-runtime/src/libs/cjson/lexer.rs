//! JSON tokens, read as lua-cjson reads them: the input is a C string (a NUL byte ends it, as
//! does the end of the bytes), numbers are whatever glibc's `strtod` accepts (strictness is
//! the `decode_invalid_numbers` setting's job), and string escapes, `\u` included, become
//! their bytes.

use lua_core::tools::strtod;

/// A token, or the reason the text at the error position is not one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Token {
    ObjectBegin,
    ObjectEnd,
    ArrayBegin,
    ArrayEnd,
    /// A string; its bytes are in [`Lexer::text`].
    String,
    Number(f64),
    Boolean(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Token {
    /// The token as decode errors name it (`found T_NUMBER`, `found invalid token`).
    pub(super) fn describe(self) -> &'static str {
        match self {
            Token::ObjectBegin => "T_OBJ_BEGIN",
            Token::ObjectEnd => "T_OBJ_END",
            Token::ArrayBegin => "T_ARR_BEGIN",
            Token::ArrayEnd => "T_ARR_END",
            Token::String => "T_STRING",
            Token::Number(_) => "T_NUMBER",
            Token::Boolean(_) => "T_BOOLEAN",
            Token::Null => "T_NULL",
            Token::Colon => "T_COLON",
            Token::Comma => "T_COMMA",
            Token::End => "T_END",
            Token::Error(reason) => reason,
        }
    }
}

/// What a token's first byte says about it.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    /// A token of its own (`{`, `:`, ...).
    Single(Token),
    /// Skipped between tokens.
    Space,
    /// Needs a closer look: strings, numbers, words.
    Word,
    /// No token starts with it.
    Invalid,
}

/// The class of every byte.
const CLASSES: [Class; 256] = {
    let mut table = [Class::Invalid; 256];
    table[b'{' as usize] = Class::Single(Token::ObjectBegin);
    table[b'}' as usize] = Class::Single(Token::ObjectEnd);
    table[b'[' as usize] = Class::Single(Token::ArrayBegin);
    table[b']' as usize] = Class::Single(Token::ArrayEnd);
    table[b',' as usize] = Class::Single(Token::Comma);
    table[b':' as usize] = Class::Single(Token::Colon);
    table[0] = Class::Single(Token::End);
    table[b' ' as usize] = Class::Space;
    table[b'\t' as usize] = Class::Space;
    table[b'\n' as usize] = Class::Space;
    table[b'\r' as usize] = Class::Space;
    let words = b"fiInNt\"+-0123456789";
    let mut i = 0;
    while i < words.len() {
        table[words[i] as usize] = Class::Word;
        i += 1;
    }
    table
};

/// A token and where it starts (0-based).
#[derive(Clone, Copy, Debug)]
pub(super) struct Lexed {
    pub token: Token,
    pub index: usize,
}

/// The reader's position and the bytes of the last string token.
pub(super) struct Lexer {
    /// Offset of the next byte to read.
    pub pos: usize,
    /// The last string token's bytes, escapes resolved (one buffer reused for all).
    pub text: Vec<u8>,
    accept_invalid_numbers: bool,
}

/// The byte at `i`, or NUL past the end (where the C string's terminator is).
#[inline]
fn byte_at(input: &[u8], i: usize) -> u8 {
    input.get(i).copied().unwrap_or(0)
}

/// Whether `word` starts at `i`, compared exactly (`strncmp`).
fn has_word(input: &[u8], i: usize, word: &[u8]) -> bool {
    input.get(i..i.saturating_add(word.len())) == Some(word)
}

/// Whether `word` starts at `i`, compared without case (`strncasecmp`).
fn has_word_ignore_case(input: &[u8], i: usize, word: &[u8]) -> bool {
    input
        .get(i..i.saturating_add(word.len()))
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// A hexadecimal digit's value.
fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// The four hexadecimal digits at `i` as a UTF-16 code unit.
fn hex4(input: &[u8], i: usize) -> Option<u32> {
    (0..4).try_fold(0, |acc, k| {
        hex_value(byte_at(input, i.saturating_add(k))).map(|d| acc << 4 | d)
    })
}

/// Append `code_point` (at most 0x10FFFF) as UTF-8.
fn push_utf8(out: &mut Vec<u8>, code_point: u32) {
    // The casts keep the low bits each byte carries.
    match code_point {
        0..=0x7F => out.push(code_point as u8),
        0x80..=0x7FF => out.extend_from_slice(&[
            0xC0 | (code_point >> 6) as u8,
            0x80 | (code_point & 0x3F) as u8,
        ]),
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (code_point >> 12) as u8,
            0x80 | ((code_point >> 6) & 0x3F) as u8,
            0x80 | (code_point & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | (code_point >> 18) as u8,
            0x80 | ((code_point >> 12) & 0x3F) as u8,
            0x80 | ((code_point >> 6) & 0x3F) as u8,
            0x80 | (code_point & 0x3F) as u8,
        ]),
    }
}

/// The byte a one-character escape (`\n`, `\/`, ...) stands for.
fn simple_escape(b: u8) -> Option<u8> {
    Some(match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b't' => b'\t',
        b'n' => b'\n',
        b'f' => 0x0C,
        b'r' => b'\r',
        _ => return None,
    })
}

/// Whether the number at `i` is one strict JSON refuses but `strtod` might read: a leading
/// `+`, a hexadecimal prefix, a leading zero, `inf` or `nan` (lua-cjson's check, which lets
/// other malformed numbers through for `strtod` to refuse).
fn is_invalid_number(input: &[u8], i: usize) -> bool {
    let mut p = i;
    match byte_at(input, p) {
        b'+' => return true,
        b'-' => p += 1,
        _ => {}
    }
    let first = byte_at(input, p);
    if first == b'0' {
        let second = byte_at(input, p + 1);
        return second | 0x20 == b'x' || second.is_ascii_digit();
    }
    if first <= b'9' {
        return false;
    }
    has_word_ignore_case(input, p, b"inf") || has_word_ignore_case(input, p, b"nan")
}

impl Lexer {
    pub(super) fn new(accept_invalid_numbers: bool) -> Lexer {
        Lexer {
            pos: 0,
            text: Vec::new(),
            accept_invalid_numbers,
        }
    }

    /// The next token of `input`. After an error the position stays at the error.
    pub(super) fn next(&mut self, input: &[u8]) -> Lexed {
        loop {
            let b = byte_at(input, self.pos);
            let index = self.pos;
            match CLASSES[b as usize] {
                Class::Space => self.pos += 1,
                Class::Invalid => {
                    return Lexed {
                        token: Token::Error("invalid token"),
                        index,
                    }
                }
                Class::Single(Token::End) => {
                    return Lexed {
                        token: Token::End,
                        index,
                    }
                }
                Class::Single(token) => {
                    self.pos += 1;
                    return Lexed { token, index };
                }
                Class::Word => {
                    let token = self.word(input, b);
                    // An error is reported where it was found: inside a string, that is past
                    // the token's start.
                    let index = match token {
                        Token::Error(_) => self.pos,
                        _ => index,
                    };
                    return Lexed { token, index };
                }
            }
        }
    }

    /// A token starting with `first`, at the position: a string, a number or a word.
    fn word(&mut self, input: &[u8], first: u8) -> Token {
        let at = self.pos;
        if first == b'"' {
            return self.string(input);
        }
        if first == b'-' || first.is_ascii_digit() {
            if !self.accept_invalid_numbers && is_invalid_number(input, at) {
                return Token::Error("invalid number");
            }
            return self.number(input);
        }
        for (word, token) in [
            (&b"true"[..], Token::Boolean(true)),
            (&b"false"[..], Token::Boolean(false)),
            (&b"null"[..], Token::Null),
        ] {
            if has_word(input, at, word) {
                self.pos += word.len();
                return token;
            }
        }
        if self.accept_invalid_numbers && is_invalid_number(input, at) {
            // Only the non-JSON numbers (`inf`, `nan`, `+1`) are read here, so other words
            // are reported as invalid tokens rather than invalid numbers.
            return self.number(input);
        }
        Token::Error("invalid token")
    }

    /// A number as `strtod` reads it.
    fn number(&mut self, input: &[u8]) -> Token {
        match strtod(input.get(self.pos..).unwrap_or_default()) {
            Some((value, used)) if used > 0 => {
                self.pos += used;
                Token::Number(value)
            }
            _ => Token::Error("invalid number"),
        }
    }

    /// A string token; the position is at its opening quote. Its bytes go to `text`; on an
    /// error the position is left where the error is.
    fn string(&mut self, input: &[u8]) -> Token {
        self.text.clear();
        self.pos += 1;
        loop {
            self.copy_plain_run(input);
            match byte_at(input, self.pos) {
                b'"' => {
                    self.pos += 1;
                    return Token::String;
                }
                0 => return Token::Error("unexpected end of string"),
                _ => {
                    // A backslash.
                    if let Err(reason) = self.escape(input) {
                        return Token::Error(reason);
                    }
                }
            }
        }
    }

    /// Copy the bytes from the position up to the next quote, backslash or NUL.
    fn copy_plain_run(&mut self, input: &[u8]) {
        let rest = input.get(self.pos..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | 0))
            .unwrap_or(rest.len());
        self.text
            .extend_from_slice(rest.get(..run).unwrap_or_default());
        self.pos += run;
    }

    /// The escape at the position (a backslash): its bytes are appended and the position
    /// moves past it.
    fn escape(&mut self, input: &[u8]) -> Result<(), &'static str> {
        let kind = byte_at(input, self.pos + 1);
        if kind == b'u' {
            return self.unicode_escape(input);
        }
        match simple_escape(kind) {
            Some(b) => {
                self.text.push(b);
                self.pos += 2;
                Ok(())
            }
            None => Err("invalid escape code"),
        }
    }

    /// A `\uXXXX` escape, or a `\uD8XX\uDCXX` surrogate pair, at the position.
    fn unicode_escape(&mut self, input: &[u8]) -> Result<(), &'static str> {
        const INVALID: &str = "invalid unicode escape code";
        let at = self.pos;
        let unit = hex4(input, at + 2).ok_or(INVALID)?;
        let (code_point, length) = if unit & 0xF800 == 0xD800 {
            // A surrogate: it must be a high one, followed by an escaped low one.
            if unit & 0x400 != 0 {
                return Err(INVALID);
            }
            if byte_at(input, at + 6) != b'\\' || byte_at(input, at + 7) != b'u' {
                return Err(INVALID);
            }
            let low = hex4(input, at + 8).ok_or(INVALID)?;
            if low & 0xFC00 != 0xDC00 {
                return Err(INVALID);
            }
            ((((unit & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000, 12)
        } else {
            (unit, 6)
        };
        push_utf8(&mut self.text, code_point);
        self.pos += length;
        Ok(())
    }
}
