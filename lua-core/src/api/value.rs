//! [`Value`]: any Lua value, held safely on the Rust side.

use super::context::Inner;
use super::convert::Plain;
use super::error::Result;
use super::{AnyUserData, Function, LuaString, Table, Thread};
use crate::value::Value as RawValue;
use crate::vm::State;

/// A Lua value as Rust holds it. Collectable values are handles, which keep their object alive.
///
/// ```
/// use lua_core::api::{Lua, Value};
///
/// let lua = Lua::new();
/// let v: Value = lua.load("return {1, 2}").eval().unwrap();
/// assert_eq!(v.type_name(), "table");
/// assert!(matches!(lua.load("return 1.5").eval().unwrap(), Value::Number(n) if n == 1.5));
/// ```
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// `true` or `false`.
    Boolean(bool),
    /// A number (Lua 5.1 numbers are doubles).
    Number(f64),
    /// A string.
    String(LuaString),
    /// A table.
    Table(Table),
    /// A function, written in Lua or in Rust.
    Function(Function),
    /// A full userdata (Rust values made with `create_userdata`, `newproxy` objects, ...).
    UserData(AnyUserData),
    /// A coroutine.
    Thread(Thread),
}

impl Value {
    /// The Lua type name (`"nil"`, `"number"`, `"table"`, ...), as `type()` returns it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Boolean(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::UserData(_) => "userdata",
            Value::Thread(_) => "thread",
        }
    }

    /// Whether the value is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: everything but `nil` and `false` is true.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Boolean(false))
    }

    /// The number, if the value is one (no string coercion).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The table handle, if the value is a table.
    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The function handle, if the value is a function.
    pub fn as_function(&self) -> Option<&Function> {
        match self {
            Value::Function(f) => Some(f),
            _ => None,
        }
    }

    /// The string handle, if the value is a string.
    pub fn as_string(&self) -> Option<&LuaString> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Give a raw VM value a handle. Must run before anything can collect `raw`.
    pub(crate) fn from_raw(st: &mut State, inner: &Inner, raw: RawValue) -> Result<Value> {
        Ok(match raw {
            RawValue::Nil => Value::Nil,
            RawValue::Boolean(b) => Value::Boolean(b),
            RawValue::Number(n) => Value::Number(n),
            RawValue::String(_) => Value::String(LuaString(inner.new_slot(st, raw)?)),
            RawValue::Table(_) => Value::Table(Table(inner.new_slot(st, raw)?)),
            RawValue::LuaFunction(_) | RawValue::NativeFunction(_) => {
                Value::Function(Function(inner.new_slot(st, raw)?))
            }
            RawValue::UserData(_) => Value::UserData(AnyUserData(inner.new_slot(st, raw)?)),
            RawValue::Thread(_) => Value::Thread(Thread(inner.new_slot(st, raw)?)),
        })
    }

    /// The plain form of a raw value, borrowing a string's bytes from it: the object stays
    /// alive as long as the raw value stays where the collector sees it (the stack, a table).
    pub(crate) fn plain_of(raw: &RawValue) -> Plain<'_> {
        match raw {
            RawValue::Nil => Plain::Nil,
            RawValue::Boolean(b) => Plain::Boolean(*b),
            RawValue::Number(n) => Plain::Number(*n),
            RawValue::String(s) => Plain::Bytes(s.as_bytes()),
            _ => Plain::Other,
        }
    }

    /// The raw VM value for plain data; a string is interned (charged to the memory limit).
    pub(crate) fn raw_of_plain(st: &mut State, plain: Plain<'_>) -> Result<RawValue> {
        Ok(match plain {
            // `Other` only describes values read from the state; Rust values never give it.
            Plain::Nil | Plain::Other => RawValue::Nil,
            Plain::Boolean(b) => RawValue::Boolean(b),
            Plain::Number(n) => RawValue::Number(n),
            Plain::Bytes(b) => {
                st.reserve_memory(b.len())
                    .map_err(|_| super::Error::MemoryError)?;
                st.new_string(b)
            }
        })
    }

    /// The raw VM value, checking that a handle belongs to `inner`'s state.
    pub(crate) fn to_raw(&self, inner: &Inner) -> Result<RawValue> {
        match self {
            Value::Nil => Ok(RawValue::Nil),
            Value::Boolean(b) => Ok(RawValue::Boolean(*b)),
            Value::Number(n) => Ok(RawValue::Number(*n)),
            Value::String(s) => s.0.raw_in(inner),
            Value::Table(t) => t.0.raw_in(inner),
            Value::Function(f) => f.0.raw_in(inner),
            Value::UserData(u) => u.0.raw_in(inner),
            Value::Thread(t) => t.0.raw_in(inner),
        }
    }

    /// The raw value without the ownership check (for comparisons).
    fn raw_unchecked(&self) -> RawValue {
        match self {
            Value::Nil => RawValue::Nil,
            Value::Boolean(b) => RawValue::Boolean(*b),
            Value::Number(n) => RawValue::Number(*n),
            Value::String(s) => s.0.value,
            Value::Table(t) => t.0.value,
            Value::Function(f) => f.0.value,
            Value::UserData(u) => u.0.value,
            Value::Thread(t) => t.0.value,
        }
    }
}

/// Primitive equality (`rawequal`): numbers by value, strings by contents, everything else by
/// identity.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.raw_unchecked().raw_equal(&other.raw_unchecked())
    }
}

/// Formats a handle as its type and address, as `tostring` does without `__tostring`.
pub(crate) fn fmt_handle(f: &mut std::fmt::Formatter<'_>, raw: &RawValue) -> std::fmt::Result {
    write!(f, "{}: 0x{:08x}", raw.type_name(), raw.identity())
}
