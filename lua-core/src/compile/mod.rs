//! The compiler: Lua 5.1 source to bytecode, in one pass.
//!
//! The parser (`parser.rs` for statements, `expr.rs` for expressions) follows Lua 5.1's
//! recursive-descent grammar and drives the code generator (`exp_code.rs`, `emit.rs`) through
//! expression descriptors (`expdesc.rs`), so the output is instruction for instruction what
//! `luac5.1` produces. Limits and error messages are those of Lua 5.1.

mod emit;
mod exp_code;
mod expdesc;
mod expr;
mod func_state;
mod parser;

use std::borrow::Cow;
use std::fmt;

use crate::bytecode::Proto;
use crate::chunkid::{chunk_id_sized, SYNTAX_IDSIZE};
use crate::lex::{LexError, Lexer, Near, NEED_MORE_INPUT};

/// A compilation error, with the complete message as Lua 5.1 reports it, for example
/// `[string "x = = 1"]:1: unexpected symbol near '='`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: Vec<u8>,
    /// lua5.1 raises this one as a runtime error from inside the compiler (a table of the
    /// function being compiled is full: `constant table overflow`), so a message handler
    /// running at the time sees it.
    pub raised_at_runtime: bool,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message))
    }
}

impl std::error::Error for SyntaxError {}

/// An error found while compiling, before it is given its position. Errors travel up to
/// `compile` without moving the lexer, so the lexer still shows where the error was found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ParseError {
    /// A syntax error at the current token: `chunk:line: msg near 'token'`.
    Syntax(Cow<'static, str>),
    /// An error at the current line without a token (limits): `chunk:line: msg`.
    NoNear(String),
    /// A lexical error; it knows its own "near" text.
    Lex(LexError),
    /// An error without a position (exhausted tables: `constant table overflow`).
    Bare(&'static str),
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> Self {
        ParseError::Lex(e)
    }
}

/// Compile a chunk. `chunkname` is `=name`, `@file` or the source text itself, as for Lua's
/// `load`; it names the chunk in messages and is kept as the prototypes' `source`.
///
/// Nesting is limited as when `lua5.1` runs a script file or `luac5.1` compiles one; see
/// `compile_at_depth` to compile as from a deeper call.
pub fn compile(source: &[u8], chunkname: &[u8]) -> Result<Proto, SyntaxError> {
    compile_at_depth(source, chunkname, 1)
}

/// Compile a chunk as from a point where `c_calls` nested calls of C functions are already
/// running (Lua's `nCcalls`: 1 when `lua5.1` runs a file, 2 for `loadstring` called from the
/// main chunk, 0 for a host calling the compiler directly). Syntactic nesting shares Lua
/// 5.1's limit of 200 levels with those calls (`chunk has too many syntax levels`).
pub fn compile_at_depth(
    source: &[u8],
    chunkname: &[u8],
    c_calls: u32,
) -> Result<Proto, SyntaxError> {
    let mut parser = parser::Parser::new(source, chunkname, c_calls);
    match parser.main_function() {
        Ok(proto) => Ok(proto),
        Err(e) => Err(SyntaxError {
            message: format_error(&e, parser.lexer(), chunkname),
            raised_at_runtime: matches!(e, ParseError::Bare(_)),
        }),
    }
}

/// Compile the part read so far of a chunk that arrives in pieces (`load` with a reader):
/// `None` while the compiler needs more input to go on, or the syntax error it met before
/// the end of what was read, which no further input can change. lua5.1's lexer pulls its
/// input the same way, so a reader is called exactly as many times as there.
pub fn probe_partial(source: &[u8], chunkname: &[u8], c_calls: u32) -> Option<SyntaxError> {
    let mut parser = parser::Parser::with_lexer(Lexer::new_partial(source), chunkname, c_calls);
    match parser.main_function() {
        Err(ParseError::Lex(LexError { msg, .. })) if msg == NEED_MORE_INPUT => None,
        // The lexer stopped at the end of the input: a complete chunk is only known complete
        // once the reader says the input is over.
        Ok(_) => None,
        Err(e) => Some(SyntaxError {
            message: format_error(&e, parser.lexer(), chunkname),
            raised_at_runtime: matches!(e, ParseError::Bare(_)),
        }),
    }
}

/// The complete message of an error, positioned where the lexer stands.
fn format_error(e: &ParseError, lex: &Lexer<'_>, chunkname: &[u8]) -> Vec<u8> {
    let (msg, near): (&[u8], Option<Vec<u8>>) = match e {
        ParseError::Bare(msg) => return msg.as_bytes().to_vec(),
        // A zero byte is token number 0 in Lua 5.1, which means "no token": no `near` part.
        ParseError::Syntax(msg) if lex.at_zero_byte() => (msg.as_bytes(), None),
        ParseError::Syntax(msg) => (msg.as_bytes(), Some(lex.near_current())),
        ParseError::NoNear(msg) => (msg.as_bytes(), None),
        ParseError::Lex(LexError { msg, near }) => (
            msg.as_bytes(),
            Some(match near {
                Near::Eof => b"<eof>".to_vec(),
                Near::Text(text) => text.clone(),
            }),
        ),
    };
    let mut out = chunk_id_sized(chunkname, SYNTAX_IDSIZE);
    out.push(b':');
    out.extend_from_slice(lex.line().to_string().as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(msg);
    if let Some(near) = near {
        // The text is a C string in Lua 5.1: it ends at its first `\0`.
        let near = crate::cstr::c_str(&near);
        out.extend_from_slice(b" near '");
        out.extend_from_slice(near);
        out.push(b'\'');
    }
    out
}

#[cfg(test)]
mod tests;
