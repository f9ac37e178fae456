//! `cjson.decode(text)`: JSON to Lua values, read without recursion. The tables being filled
//! wait on the Lua stack (with an object's pending key), as they do in lua-cjson, and their
//! nesting is bounded by `decode_max_depth` and by the stack room lua-cjson would be given.

use lua_core::native::{Ctx, Raised, Slot};

use super::lexer::{Lexed, Lexer, Token};
use super::{config, push_null, C_STACK_LIMIT};

/// A container being filled.
#[derive(Clone, Copy)]
enum Open {
    Array { table: Slot, next_index: i64 },
    Object { table: Slot },
}

impl Open {
    /// Stack slots lua-cjson holds for it while a nested value is read: the table, and for an
    /// object the key too.
    fn c_slots(self) -> usize {
        match self {
            Open::Array { .. } => 1,
            Open::Object { .. } => 2,
        }
    }
}

/// What the parser does next.
enum Step {
    /// Read a value starting with this token.
    Value(Lexed),
    /// Read an object member starting with this token (its key).
    Key(Lexed),
    /// A value was pushed: store it in its container, or finish.
    Stored,
}

struct Parser {
    lexer: Lexer,
    open: Vec<Open>,
    max_depth: usize,
    /// Stack slots lua-cjson would be using: the argument, then each open container's.
    c_slots: usize,
    /// Where the `null` sentinel waits, to be copied for each JSON `null`.
    null: Slot,
}

/// `cjson.decode(text)`: exactly one argument, a string (or a number, read as its string).
pub(super) fn decode(ctx: &mut Ctx) -> Result<usize, Raised> {
    if ctx.arg_count() != 1 {
        return Err(ctx.arg_error(1, "expected 1 argument"));
    }
    let settings = config::settings(ctx)?;
    let input = ctx.check_bytes(1)?;
    let length = input.len();
    // Only the first character of a JSON text is sure to be ASCII; a NUL in either of the first
    // two bytes means a wider encoding.
    let wide = length >= 2 && (input.first() == Some(&0) || input.get(1) == Some(&0));
    if wide {
        return Err(ctx.error("JSON parser does not support UTF-16 or UTF-32"));
    }
    // String values are built in a buffer that may grow to the text's size.
    ctx.reserve(length)?;
    let null = push_null(ctx)?;
    let mut parser = Parser {
        lexer: Lexer::new(settings.decode_invalid_numbers),
        open: Vec::new(),
        max_depth: usize::try_from(settings.decode_max_depth).unwrap_or(0),
        c_slots: 1,
        null,
    };
    parser.run(ctx)?;
    Ok(1)
}

impl Parser {
    /// Parse the whole text, leaving its value on top of the stack.
    fn run(&mut self, ctx: &mut Ctx) -> Result<(), Raised> {
        let first = self.next_token(ctx);
        let mut step = Step::Value(first);
        loop {
            step = match step {
                Step::Value(lexed) => self.value(ctx, lexed)?,
                Step::Key(lexed) => self.key(ctx, lexed)?,
                Step::Stored => match self.store(ctx)? {
                    Some(next) => next,
                    None => return Ok(()),
                },
            };
        }
    }

    /// The next token of the argument's text (which stays on the stack, unchanged).
    fn next_token(&mut self, ctx: &Ctx) -> Lexed {
        let input = ctx.arg(1).as_bytes().unwrap_or_default();
        self.lexer.next(input)
    }

    /// A value starting with `lexed`: a scalar is pushed, a container opened.
    fn value(&mut self, ctx: &mut Ctx, lexed: Lexed) -> Result<Step, Raised> {
        match lexed.token {
            Token::String => {
                ctx.push_bytes(&self.lexer.text)?;
            }
            Token::Number(x) => {
                ctx.push_number(x);
            }
            Token::Boolean(b) => {
                ctx.push_bool(b);
            }
            Token::Null => {
                ctx.push_copy(self.null)?;
            }
            Token::ObjectBegin => return self.open_object(ctx),
            Token::ArrayBegin => return self.open_array(ctx),
            _ => return Err(unexpected(ctx, "value", lexed)),
        }
        Ok(Step::Stored)
    }

    /// An object member starting with `lexed`: its key is pushed, then its value is read.
    fn key(&mut self, ctx: &mut Ctx, lexed: Lexed) -> Result<Step, Raised> {
        if lexed.token != Token::String {
            return Err(unexpected(ctx, "object key string", lexed));
        }
        ctx.push_bytes(&self.lexer.text)?;
        let colon = self.next_token(ctx);
        if colon.token != Token::Colon {
            return Err(unexpected(ctx, "colon", colon));
        }
        Ok(Step::Value(self.next_token(ctx)))
    }

    fn open_object(&mut self, ctx: &mut Ctx) -> Result<Step, Raised> {
        let table = self.descend(ctx, 3)?;
        self.enter(Open::Object { table });
        let first = self.next_token(ctx);
        if first.token == Token::ObjectEnd {
            self.leave();
            return Ok(Step::Stored);
        }
        Ok(Step::Key(first))
    }

    fn open_array(&mut self, ctx: &mut Ctx) -> Result<Step, Raised> {
        let table = self.descend(ctx, 2)?;
        self.enter(Open::Array {
            table,
            next_index: 1,
        });
        let first = self.next_token(ctx);
        if first.token == Token::ArrayEnd {
            self.leave();
            return Ok(Step::Stored);
        }
        Ok(Step::Value(first))
    }

    /// One level deeper: refused past `decode_max_depth` or when lua-cjson would find no room
    /// for `slots` more stack values; else a new table is pushed.
    fn descend(&mut self, ctx: &mut Ctx, slots: usize) -> Result<Slot, Raised> {
        let depth = self.open.len() + 1;
        if depth > self.max_depth || self.c_slots + slots > C_STACK_LIMIT {
            // C prints the depth and offset with `%d`.
            let msg = format!(
                "Found too many nested data structures ({}) at character {}",
                depth as i32, self.lexer.pos as i32
            );
            return Err(ctx.error(msg));
        }
        ctx.ensure_stack(slots + 1)?;
        ctx.new_table(0, 0)
    }

    fn enter(&mut self, open: Open) {
        self.c_slots += open.c_slots();
        self.open.push(open);
    }

    /// Close the innermost container: its table, on top, is now a complete value.
    fn leave(&mut self) {
        if let Some(open) = self.open.pop() {
            self.c_slots -= open.c_slots();
        }
    }

    /// Store the value on top into the innermost container and read what follows it; `None`
    /// when it was the whole text's value and nothing follows.
    fn store(&mut self, ctx: &mut Ctx) -> Result<Option<Step>, Raised> {
        let Some(open) = self.open.last_mut() else {
            let end = self.next_token(ctx);
            if end.token != Token::End {
                return Err(unexpected(ctx, "the end", end));
            }
            return Ok(None);
        };
        let (closing, context) = match open {
            Open::Array { table, next_index } => {
                let (table, index) = (*table, *next_index);
                *next_index += 1;
                ctx.raw_set_index(table, index)?;
                (Token::ArrayEnd, "comma or array end")
            }
            Open::Object { table } => {
                let table = *table;
                ctx.raw_set(table)?;
                (Token::ObjectEnd, "comma or object end")
            }
        };
        let next = self.next_token(ctx);
        if next.token == closing {
            self.leave();
            return Ok(Some(Step::Stored));
        }
        if next.token != Token::Comma {
            return Err(unexpected(ctx, context, next));
        }
        let following = self.next_token(ctx);
        Ok(Some(match closing {
            Token::ObjectEnd => Step::Key(following),
            _ => Step::Value(following),
        }))
    }
}

/// `Expected <what> but found <token> at character <n>` (1-based, printed with `%d`).
fn unexpected(ctx: &mut Ctx, expected: &str, found: Lexed) -> Raised {
    let msg = format!(
        "Expected {expected} but found {} at character {}",
        found.token.describe(),
        found.index.wrapping_add(1) as i32
    );
    ctx.error(msg)
}
