//! Errors as values: every failure travels back through `Result`, never as a panic.

use super::State;
use crate::value::Value;

/// What kind of failure an error is (Lua 5.1's `LUA_ERR*` status codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A runtime error: `error()`, a failed operation, an argument error.
    Runtime,
    /// A chunk failed to compile.
    Syntax,
    /// An allocation went past the memory limit.
    Memory,
    /// The message handler itself failed.
    ErrorHandler,
    /// Raised by a hook to stop the script: protected calls (`pcall`, `xpcall`) do not catch it,
    /// so it always reaches the host.
    Interrupt,
    /// Not an error: a coroutine yielding unwinds to its `resume` this way.
    Yield,
}

impl ErrorKind {
    /// Whether `pcall`/`xpcall` may catch an error of this kind.
    pub fn is_catchable(self) -> bool {
        !matches!(self, ErrorKind::Interrupt | ErrorKind::Yield)
    }
}

/// A raised error: its kind and the error value (usually a string with position).
#[derive(Clone, Copy, Debug)]
pub struct LuaError {
    pub kind: ErrorKind,
    pub value: Value,
}

pub type LuaResult<T> = Result<T, LuaError>;

impl State {
    /// Raise `value` as an error: runs the `xpcall` message handler, if one is installed, while
    /// the erroring frames are still on the stack (so it can take a traceback).
    pub fn throw(&mut self, value: Value) -> LuaError {
        let Some(handler_idx) = self.error_handler else {
            return LuaError {
                kind: ErrorKind::Runtime,
                value,
            };
        };
        let handler = self.stack[handler_idx];
        if !handler.is_function() {
            return self.error_in_handler();
        }
        // The handler runs with itself still installed, as in Lua 5.1: an error inside it calls
        // it again, until the Rust-call limit turns that into "error in error handling".
        let func_idx = self.top;
        self.push(handler);
        self.push(value);
        let blocked = std::mem::replace(&mut self.finalizers_blocked, true);
        let r = self.call_at(func_idx, 1, 1);
        self.finalizers_blocked = blocked;
        match r {
            Ok(()) => {
                let v = self.stack[func_idx];
                self.top = func_idx;
                LuaError {
                    kind: ErrorKind::Runtime,
                    value: v,
                }
            }
            // An error raised while the handler ran went through this function again (the
            // handler stays installed), so it comes back handled: the handler's answer to it,
            // or "error in error handling" once the nesting reached the Rust-call limit. It
            // is the error, as when lua5.1's `luaG_errormsg` re-enters the handler and
            // throws its result past the first handler call.
            Err(e) => {
                self.top = func_idx;
                e
            }
        }
    }

    pub(crate) fn error_in_handler(&mut self) -> LuaError {
        let value = self.new_string(b"error in error handling");
        LuaError {
            kind: ErrorKind::ErrorHandler,
            value,
        }
    }

    /// A runtime error with the position of the running Lua function prefixed
    /// (`chunk:line: msg`), as `luaG_runerror` does.
    pub fn rt_error(&mut self, msg: &str) -> LuaError {
        self.rt_error_bytes(msg.as_bytes())
    }

    pub fn rt_error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.where_prefix(0);
        full.extend_from_slice(msg);
        let v = self.new_string(&full);
        self.throw(v)
    }

    /// An error raised from Rust without position (like `lua_error` on a plain message).
    pub fn plain_error(&mut self, msg: &[u8]) -> LuaError {
        let v = self.new_string(msg);
        self.throw(v)
    }

    /// The text of an error value for reporting (`(error object is a table value)` otherwise).
    pub fn error_text(&self, e: &LuaError) -> Vec<u8> {
        match e.value {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Number(n) => {
                let mut out = Vec::new();
                crate::number::format_number(n, &mut out);
                out
            }
            Value::Nil => b"nil".to_vec(),
            other => format!("(error object is a {} value)", other.type_name()).into_bytes(),
        }
    }
}
