//! Argument checking for native functions, with Lua 5.1's messages
//! (`bad argument #1 to 'insert' (table expected, got nil)`).

use crate::gc::Gc;
use crate::value::{LuaStr, Table, Value};
use crate::vm::{LuaError, State};

impl State {
    /// Whether argument `n` (1-based) was passed at all (even as nil).
    pub fn arg_present(&self, n: usize) -> bool {
        n <= self.arg_count()
    }

    /// The type name of argument `n`, `no value` when absent (`luaL_typename`).
    pub fn arg_type_name(&self, n: usize) -> &'static str {
        if self.arg_present(n) {
            self.arg(n).type_name()
        } else {
            "no value"
        }
    }

    /// An error raised by a native function with the caller's position (`luaL_error`).
    pub fn native_error(&mut self, msg: &str) -> LuaError {
        self.native_error_bytes(msg.as_bytes())
    }

    pub fn native_error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.where_prefix(1);
        full.extend_from_slice(msg);
        let v = self.new_string(&full);
        self.throw(v)
    }

    /// `bad argument #n to 'name' (msg)` (`luaL_argerror`), naming the function as its caller did.
    pub fn arg_error(&mut self, n: usize, msg: &str) -> LuaError {
        // Signed: a method call reporting argument 0 (its receiver's caller passed none)
        // shows `#-1`, as in C.
        let mut n = n as i64;
        let frame_idx = self.frames.len().wrapping_sub(1);
        let name = if frame_idx < self.frames.len() {
            self.function_name(frame_idx)
        } else {
            None
        };
        if let Some(("method", ref fname)) = name {
            n -= 1;
            if n == 0 {
                let mut m = b"calling '".to_vec();
                m.extend_from_slice(fname);
                m.extend_from_slice(format!("' on bad self ({})", msg).as_bytes());
                return self.native_error_bytes(&m);
            }
        }
        let fname = name.map_or_else(|| b"?".to_vec(), |(_, n)| n);
        let mut m = format!("bad argument #{} to '", n).into_bytes();
        m.extend_from_slice(&fname);
        m.extend_from_slice(format!("' ({})", msg).as_bytes());
        self.native_error_bytes(&m)
    }

    /// `<expected> expected, got <type>` for argument `n` (`luaL_typerror`).
    pub fn arg_type_error(&mut self, n: usize, expected: &str) -> LuaError {
        let msg = format!("{} expected, got {}", expected, self.arg_type_name(n));
        self.arg_error(n, &msg)
    }

    pub fn check_any(&mut self, n: usize) -> Result<Value, LuaError> {
        if !self.arg_present(n) {
            return Err(self.arg_error(n, "value expected"));
        }
        Ok(self.arg(n))
    }

    pub fn check_table(&mut self, n: usize) -> Result<Gc<Table>, LuaError> {
        match self.arg(n) {
            Value::Table(t) => Ok(t),
            _ => Err(self.arg_type_error(n, "table")),
        }
    }

    /// A number argument; strings that read as numbers are accepted (`luaL_checknumber`).
    pub fn check_number(&mut self, n: usize) -> Result<f64, LuaError> {
        match crate::vm::to_number(&self.arg(n)) {
            Some(x) => Ok(x),
            None => Err(self.arg_type_error(n, "number")),
        }
    }

    pub fn opt_number(&mut self, n: usize, default: f64) -> Result<f64, LuaError> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_number(n)
        }
    }

    /// An integer argument, converted as C's `(long)` cast does (`luaL_checkinteger`).
    pub fn check_int(&mut self, n: usize) -> Result<i64, LuaError> {
        let x = self.check_number(n)?;
        Ok(crate::number::to_c_long(x))
    }

    /// An `int` argument (`luaL_checkint`): the `long` value wrapped to 32 bits.
    pub fn check_int32(&mut self, n: usize) -> Result<i32, LuaError> {
        Ok(self.check_int(n)? as i32)
    }

    pub fn opt_int32(&mut self, n: usize, default: i32) -> Result<i32, LuaError> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int32(n)
        }
    }

    pub fn opt_int(&mut self, n: usize, default: i64) -> Result<i64, LuaError> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int(n)
        }
    }

    /// A string argument; numbers are converted (in place, as `lua_tolstring` does).
    pub fn check_string(&mut self, n: usize) -> Result<Gc<LuaStr>, LuaError> {
        match self.arg(n) {
            Value::String(s) => Ok(s),
            Value::Number(x) => {
                let mut buf = Vec::new();
                crate::number::format_number(x, &mut buf);
                let s = self.intern(&buf);
                self.set_arg(n, Value::String(s));
                Ok(s)
            }
            _ => Err(self.arg_type_error(n, "string")),
        }
    }

    pub fn opt_string(&mut self, n: usize) -> Result<Option<Gc<LuaStr>>, LuaError> {
        if self.arg(n).is_nil() {
            Ok(None)
        } else {
            self.check_string(n).map(Some)
        }
    }

    /// One of a fixed set of option names (`luaL_checkoption`), returning its index.
    pub fn check_option(
        &mut self,
        n: usize,
        default: Option<&str>,
        options: &[&str],
    ) -> Result<usize, LuaError> {
        let name: Vec<u8> = match (self.arg(n), default) {
            (Value::Nil, Some(d)) => d.as_bytes().to_vec(),
            _ => self.check_string(n)?.as_bytes().to_vec(),
        };
        match options.iter().position(|o| o.as_bytes() == name.as_slice()) {
            Some(i) => Ok(i),
            None => {
                let msg = format!("invalid option '{}'", String::from_utf8_lossy(&name));
                Err(self.arg_error(n, &msg))
            }
        }
    }
}
