//! Reading and checking a native function's arguments, with Lua 5.1's messages
//! (`bad argument #1 to 'tohex' (number expected, got nil)`).

use super::{Ctx, Raised, TableRef, ValueRef};
use crate::value::Value;

impl Ctx {
    /// How many arguments the function was called with.
    #[inline]
    pub fn arg_count(&self) -> usize {
        self.state().arg_count()
    }

    /// A view of argument `n` (1-based; `nil` when absent).
    #[inline]
    pub fn arg(&self, n: usize) -> ValueRef<'_> {
        ValueRef::new(self.state().arg(n))
    }

    /// `bad argument #n to '<function>' (msg)` (`luaL_argerror`).
    pub fn arg_error(&mut self, n: usize, msg: &str) -> Raised {
        let e = self.state_mut().arg_error(n, msg);
        self.keep(e)
    }

    /// As [`Ctx::arg_error`], for a message that may not be UTF-8: one quoting a byte of the
    /// caller's input, as `invalid format option '\xff'` does.
    pub fn arg_error_bytes(&mut self, n: usize, msg: &[u8]) -> Raised {
        if let Ok(text) = std::str::from_utf8(msg) {
            return self.arg_error(n, text);
        }
        // The same naming as `arg_error` (which takes text), with the message kept as bytes.
        let st = self.state();
        let name = match st.frames.len().checked_sub(1) {
            Some(frame_idx) => st.function_name(frame_idx),
            None => None,
        };
        let mut n = n;
        let mut full = Vec::with_capacity(msg.len() + 48);
        if let Some(("method", fname)) = &name {
            n = n.saturating_sub(1);
            if n == 0 {
                full.extend_from_slice(b"calling '");
                full.extend_from_slice(fname);
                full.extend_from_slice(b"' on bad self (");
                full.extend_from_slice(msg);
                full.push(b')');
                return self.error(full);
            }
        }
        full.extend_from_slice(format!("bad argument #{n} to '").as_bytes());
        full.extend_from_slice(name.as_ref().map_or(&b"?"[..], |(_, f)| f));
        full.extend_from_slice(b"' (");
        full.extend_from_slice(msg);
        full.push(b')');
        self.error(full)
    }

    /// `bad argument #n to '<function>' (<expected> expected, got <type>)` (`luaL_typerror`).
    pub fn type_error(&mut self, n: usize, expected: &str) -> Raised {
        let e = self.state_mut().arg_type_error(n, expected);
        self.keep(e)
    }

    /// Argument `n` must be present, even as `nil` (`luaL_checkany`).
    pub fn check_any(&mut self, n: usize) -> Result<(), Raised> {
        match self.state_mut().check_any(n) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.keep(e)),
        }
    }

    /// A number argument; strings that read as numbers are accepted (`luaL_checknumber`).
    #[inline]
    pub fn check_number(&mut self, n: usize) -> Result<f64, Raised> {
        match self.state().arg(n) {
            Value::Number(x) => Ok(x),
            _ => self.state_mut().check_number(n).map_err(|e| self.keep(e)),
        }
    }

    /// `default` when argument `n` is absent or `nil`, else as [`Ctx::check_number`].
    pub fn opt_number(&mut self, n: usize, default: f64) -> Result<f64, Raised> {
        if self.state().arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_number(n)
        }
    }

    /// An integer argument, converted from the number as C's `(long)` cast does
    /// (`luaL_checkinteger`).
    #[inline]
    pub fn check_integer(&mut self, n: usize) -> Result<i64, Raised> {
        self.check_number(n).map(crate::number::to_c_long)
    }

    /// `default` when argument `n` is absent or `nil`, else as [`Ctx::check_integer`].
    pub fn opt_integer(&mut self, n: usize, default: i64) -> Result<i64, Raised> {
        if self.state().arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_integer(n)
        }
    }

    /// An `int` argument (`luaL_checkint`): the `long` value wrapped to 32 bits.
    #[inline]
    pub fn check_int(&mut self, n: usize) -> Result<i32, Raised> {
        self.check_integer(n).map(|i| i as i32)
    }

    /// `default` when argument `n` is absent or `nil`, else as [`Ctx::check_int`].
    pub fn opt_int(&mut self, n: usize, default: i32) -> Result<i32, Raised> {
        if self.state().arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int(n)
        }
    }

    /// A string argument's bytes; a number is converted to its string in place, as
    /// `luaL_checklstring` does.
    pub fn check_bytes(&mut self, n: usize) -> Result<&[u8], Raised> {
        match self.state_mut().check_string(n) {
            // SAFETY: the string is argument `n`'s value, so the stack keeps it alive while the
            // function runs, and the returned borrow of `self` ends before anything can change
            // that slot or run the collector.
            Ok(s) => Ok(unsafe { s.bytes_for() }),
            Err(e) => Err(self.keep(e)),
        }
    }

    /// `None` when argument `n` is absent or `nil`, else as [`Ctx::check_bytes`].
    pub fn opt_bytes(&mut self, n: usize) -> Result<Option<&[u8]>, Raised> {
        if self.state().arg(n).is_nil() {
            Ok(None)
        } else {
            self.check_bytes(n).map(Some)
        }
    }

    /// A table argument (`luaL_checktype(L, n, LUA_TTABLE)`).
    pub fn check_table(&mut self, n: usize) -> Result<TableRef<'_>, Raised> {
        match self.state().arg(n) {
            Value::Table(t) => Ok(TableRef::new(t)),
            _ => Err(self.type_error(n, "table")),
        }
    }

    /// One of a fixed set of option names (`luaL_checkoption`), as an index into `options`.
    pub fn check_option(
        &mut self,
        n: usize,
        default: Option<&str>,
        options: &[&str],
    ) -> Result<usize, Raised> {
        self.state_mut()
            .check_option(n, default, options)
            .map_err(|e| self.keep(e))
    }
}
