//! The lexer: turns source bytes into tokens for the parser, one token of look-ahead at most,
//! with the line bookkeeping Lua 5.1's parser relies on.
//!
//! `line()` is the line where the scanner stands (the end of the last token read, Lua's
//! `linenumber`); `last_line` is where the token before the current one ended (Lua's
//! `lastline`), the line stamped on the instructions generated while that token is handled.
//!
//! Skipping a first line that starts with `#` (as `lua5.1 script.lua` and `loadfile` do) is
//! left to whoever reads the file: the lexer sees `#` as the length operator.

pub(crate) mod condense;
mod token;

use std::ops::Range;

pub(crate) use token::{Near, Token};
use token::{ScanFailure, Scanner, MAX_LINES};

use logos::Logos;

/// A lexical error: its message and what to show after `near`. The line is the lexer's
/// `line()` when the error was found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LexError {
    pub(crate) msg: &'static str,
    pub(crate) near: Near,
}

/// The lexer state the parser works with.
pub(crate) struct Lexer<'s> {
    scanner: Scanner<'s>,
    /// The current token (`ls->t`) and the source range it was read from.
    pub(crate) token: Token<'s>,
    span: Range<usize>,
    /// A token read ahead of the current one (`ls->lookahead`), with its range.
    ahead: Option<(Token<'s>, Range<usize>)>,
    /// Line of the end of the previous token (`ls->lastline`).
    pub(crate) last_line: u32,
    /// The source is only the input read so far: reaching its end (where lua5.1's lexer
    /// would ask its reader for more) stops with `NEED_MORE_INPUT`.
    partial: bool,
}

/// The message of the error a partial lexer stops with at the end of its input.
pub(crate) const NEED_MORE_INPUT: &str = "\0more input needed";

impl<'s> Lexer<'s> {
    /// A lexer before the first token; call `next` to read it.
    pub(crate) fn new(source: &'s [u8]) -> Self {
        Lexer {
            scanner: Token::lexer_with_extras(source, 1),
            token: Token::Eof,
            span: 0..0,
            ahead: None,
            last_line: 1,
            partial: false,
        }
    }

    /// A lexer over the input read so far of a longer source (see `NEED_MORE_INPUT`).
    pub(crate) fn new_partial(source: &'s [u8]) -> Self {
        Lexer {
            partial: true,
            ..Lexer::new(source)
        }
    }

    /// The line the scanner stands on (`ls->linenumber`).
    #[inline]
    pub(crate) fn line(&self) -> u32 {
        self.scanner.extras
    }

    /// Move to the next token (`luaX_next`).
    pub(crate) fn next(&mut self) -> Result<(), LexError> {
        self.last_line = self.line();
        let (token, span) = match self.ahead.take() {
            Some(ahead) => ahead,
            None => self.scan()?,
        };
        self.token = token;
        self.span = span;
        Ok(())
    }

    /// Read the token after the current one without moving to it (`luaX_lookahead`).
    pub(crate) fn look_ahead(&mut self) -> Result<&Token<'s>, LexError> {
        if self.ahead.is_none() {
            self.ahead = Some(self.scan()?);
        }
        match &self.ahead {
            Some((token, _)) => Ok(token),
            None => Ok(&Token::Eof),
        }
    }

    fn scan(&mut self) -> Result<(Token<'s>, Range<usize>), LexError> {
        let scanned = self.scanner.next();
        if self.line() >= MAX_LINES {
            return Err(LexError {
                msg: "chunk has too many lines",
                near: Near::Text(self.near_while_scanning()),
            });
        }
        // lua5.1's lexer reads one character past every token (and to the end of anything
        // unfinished): with a partial source, a token reaching its end may go on.
        if self.partial {
            let at_end = self.scanner.span().end >= self.scanner.source().len();
            let unfinished = matches!(
                scanned,
                Some(Err(ScanFailure::Error {
                    near: Near::Eof,
                    ..
                }))
            );
            if scanned.is_none() || at_end || unfinished {
                return Err(LexError {
                    msg: NEED_MORE_INPUT,
                    near: Near::Eof,
                });
            }
        }
        match scanned {
            None => {
                let end = self.scanner.source().len();
                Ok((Token::Eof, end..end))
            }
            Some(Ok(token)) => Ok((token, self.scanner.span())),
            Some(Err(ScanFailure::NoMatch)) => {
                let span = self.scanner.span();
                let byte = self.scanner.source().get(span.start).copied().unwrap_or(0);
                Ok((Token::Char(byte), span))
            }
            Some(Err(ScanFailure::Error { msg, near })) => Err(LexError { msg, near }),
        }
    }

    /// What lua5.1 shows after `near` for an error met between tokens: its current token is
    /// still the one before, and the text buffer of a name, numeral or string is already
    /// cleared for the next. (Before the first token lua5.1's is unset; ours shows nothing.)
    fn near_while_scanning(&self) -> Vec<u8> {
        match &self.token {
            Token::Name(_) | Token::Number(_) | Token::String(_) | Token::Eof => Vec::new(),
            other => token_name(other),
        }
    }

    /// The current token is a single zero byte.
    pub(crate) fn at_zero_byte(&self) -> bool {
        matches!(self.token, Token::Char(0))
    }

    /// The current token as an error message shows it after `near` (Lua's `txtToken`): the text
    /// read for names, numerals and strings, the token's name otherwise.
    pub(crate) fn near_current(&self) -> Vec<u8> {
        match &self.token {
            Token::Name(_) | Token::Number(_) => self
                .scanner
                .source()
                .get(self.span.clone())
                .unwrap_or_default()
                .to_vec(),
            Token::String(value) => {
                // The lexer's buffer holds the delimiters and the processed contents.
                let raw = self
                    .scanner
                    .source()
                    .get(self.span.clone())
                    .unwrap_or_default();
                let open_len = match raw.first() {
                    Some(b'[') => raw.iter().skip(1).take_while(|&&c| c == b'=').count() + 2,
                    _ => 1,
                };
                let open = raw.get(..open_len).unwrap_or_default();
                let close = raw
                    .get(raw.len().saturating_sub(open_len)..)
                    .unwrap_or_default();
                let mut text = Vec::with_capacity(value.len() + 2 * open_len);
                text.extend_from_slice(open);
                text.extend_from_slice(value);
                text.extend_from_slice(close);
                text
            }
            other => token_name(other),
        }
    }
}

/// How a token is named in messages (`luaX_token2str`): reserved words and symbols as written,
/// control characters as `char(N)`, the token classes as `<name>`, `<string>`...
pub(crate) fn token_name(token: &Token<'_>) -> Vec<u8> {
    let name: &str = match token {
        Token::And => "and",
        Token::Break => "break",
        Token::Do => "do",
        Token::Else => "else",
        Token::Elseif => "elseif",
        Token::End => "end",
        Token::False => "false",
        Token::For => "for",
        Token::Function => "function",
        Token::If => "if",
        Token::In => "in",
        Token::Local => "local",
        Token::Nil => "nil",
        Token::Not => "not",
        Token::Or => "or",
        Token::Repeat => "repeat",
        Token::Return => "return",
        Token::Then => "then",
        Token::True => "true",
        Token::Until => "until",
        Token::While => "while",
        Token::Concat => "..",
        Token::Dots => "...",
        Token::Eq => "==",
        Token::Ge => ">=",
        Token::Le => "<=",
        Token::Ne => "~=",
        Token::Number(_) => "<number>",
        Token::Name(_) => "<name>",
        Token::String(_) => "<string>",
        Token::Eof | Token::InvalidLongBracket | Token::Skipped => "<eof>",
        Token::Char(c) => return char_name(*c),
    };
    name.as_bytes().to_vec()
}

/// A single-character token's name: the character, or `char(N)` for a control character.
pub(crate) fn char_name(c: u8) -> Vec<u8> {
    if c < 0x20 || c == 0x7F {
        format!("char({c})").into_bytes()
    } else {
        vec![c]
    }
}

#[cfg(test)]
mod tests;
