//! Conversions between Rust values and Lua values, one value at a time.
//!
//! Numbers follow Lua 5.1's coercions: a numeric string converts to a number, and a number to a
//! string (formatted with `%.14g`); integers must be exact (no fractional part, in range).
//! `bool` reads any value by truthiness. `Option<T>` maps `None` to `nil`.

use super::error::{Error, Result};
use super::{AnyUserData, Function, Lua, LuaString, Table, Thread, Value};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// A Rust value that can become a Lua value.
///
/// ```
/// use lua_core::api::{IntoLua, Lua, Value};
///
/// let lua = Lua::new();
/// assert_eq!(42.into_lua(&lua).unwrap(), Value::Number(42.0));
/// assert_eq!(Option::<i32>::None.into_lua(&lua).unwrap(), Value::Nil);
/// ```
pub trait IntoLua {
    /// Convert into a Lua value of `lua`'s state.
    fn into_lua(self, lua: &Lua) -> Result<Value>;

    /// The key as plain data, for lookups that need no handle (`Table::get` of a string or a
    /// number). `None` (the default) takes the general path through [`IntoLua::into_lua`].
    #[doc(hidden)]
    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        None
    }

    /// The value as plain data, for calls that pass it without a handle. `None` (the
    /// default) takes the general path through [`IntoLua::into_lua`].
    #[doc(hidden)]
    fn as_plain(&self) -> Option<Plain<'_>> {
        self.as_plain_key().map(Plain::from)
    }
}

/// A table key that needs no handle to be looked up (see [`IntoLua::as_plain_key`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum PlainKey<'a> {
    Number(f64),
    Bytes(&'a [u8]),
}

/// A value as plain data, borrowed from the state or from Rust: what the API's fast paths
/// (table reads, calls in both directions) convert without giving the value a handle. A
/// string's bytes are borrowed only while the state holds them, so these never outlive the
/// call that made them.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Plain<'a> {
    Nil,
    Boolean(bool),
    Number(f64),
    Bytes(&'a [u8]),
    /// A table, function, userdata or thread: only a handle can hold it.
    Other,
}

impl<'a> From<PlainKey<'a>> for Plain<'a> {
    fn from(key: PlainKey<'a>) -> Plain<'a> {
        match key {
            PlainKey::Number(n) => Plain::Number(n),
            PlainKey::Bytes(b) => Plain::Bytes(b),
        }
    }
}

/// A Rust value that can be read from a Lua value.
///
/// ```
/// use lua_core::api::{FromLua, Lua, Value};
///
/// let lua = Lua::new();
/// assert_eq!(i64::from_lua(Value::Number(7.0), &lua).unwrap(), 7);
/// assert!(i64::from_lua(Value::Number(7.5), &lua).is_err());
/// let s = lua.create_string("10").unwrap();
/// assert_eq!(f64::from_lua(Value::String(s), &lua).unwrap(), 10.0);
/// ```
pub trait FromLua: Sized {
    /// Convert from a Lua value of `lua`'s state.
    fn from_lua(value: Value, lua: &Lua) -> Result<Self>;

    /// Convert from plain data, when that needs no handle and succeeds. `None` (the default)
    /// sends the caller to [`FromLua::from_lua`], which also reports why a conversion fails:
    /// an implementation must give the same value `from_lua` would, or `None`.
    #[doc(hidden)]
    fn from_plain(value: Plain<'_>) -> Option<Self> {
        let _ = value;
        None
    }
}

/// A value's plain form, when it has one without its handle.
fn value_as_plain(value: &Value) -> Option<Plain<'static>> {
    match value {
        Value::Nil => Some(Plain::Nil),
        Value::Boolean(b) => Some(Plain::Boolean(*b)),
        Value::Number(n) => Some(Plain::Number(*n)),
        _ => None,
    }
}

impl IntoLua for Value {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(self)
    }

    fn as_plain(&self) -> Option<Plain<'_>> {
        value_as_plain(self)
    }
}

impl IntoLua for &Value {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(self.clone())
    }

    fn as_plain(&self) -> Option<Plain<'_>> {
        value_as_plain(self)
    }
}

impl FromLua for Value {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        Ok(value)
    }

    fn from_plain(value: Plain<'_>) -> Option<Self> {
        match value {
            Plain::Nil => Some(Value::Nil),
            Plain::Boolean(b) => Some(Value::Boolean(b)),
            Plain::Number(n) => Some(Value::Number(n)),
            Plain::Bytes(_) | Plain::Other => None,
        }
    }
}

impl IntoLua for bool {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(Value::Boolean(self))
    }

    fn as_plain(&self) -> Option<Plain<'_>> {
        Some(Plain::Boolean(*self))
    }
}

impl FromLua for bool {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        Ok(value.is_truthy())
    }

    fn from_plain(value: Plain<'_>) -> Option<Self> {
        Some(!matches!(value, Plain::Nil | Plain::Boolean(false)))
    }
}

/// The number plain data coerces to, as [`coerce_number`] does.
fn plain_number(value: Plain<'_>) -> Option<f64> {
    match value {
        Plain::Number(n) => Some(n),
        Plain::Bytes(b) => crate::number::str_to_number(b),
        _ => None,
    }
}

/// The number a value coerces to (numbers, and strings that read as numbers).
fn coerce_number(value: &Value) -> Result<Option<f64>> {
    match value {
        Value::Number(n) => Ok(Some(*n)),
        Value::String(s) => Ok(crate::number::str_to_number(&s.as_bytes()?)),
        _ => Ok(None),
    }
}

/// What integer a double holds, found with the hardware's conversions (a 128-bit conversion
/// is a library call, and this runs for every integer argument of a Rust callback).
enum ExactInteger {
    Signed(i64),
    /// At or above 2^63 (below 2^64).
    Unsigned(u64),
    /// Not a whole number (or not a number).
    Fraction,
    /// Whole, but beyond what any Rust integer type holds.
    OutOfRange,
}

fn exact_integer(n: f64) -> ExactInteger {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if (-TWO_63..TWO_63).contains(&n) {
        let i = n as i64;
        if i as f64 == n {
            ExactInteger::Signed(i)
        } else {
            ExactInteger::Fraction
        }
    } else if (TWO_63..TWO_64).contains(&n) {
        // Doubles this large are all whole.
        ExactInteger::Unsigned(n as u64)
    } else if n.is_finite() {
        ExactInteger::OutOfRange
    } else {
        ExactInteger::Fraction
    }
}

/// `n`, the double nearest to the integer `value`, if it equals it (checked with
/// [`exact_integer`], without a 128-bit float conversion).
fn exact_double(n: f64, value: i128) -> Option<f64> {
    match exact_integer(n) {
        ExactInteger::Signed(i) if i128::from(i) == value => Some(n),
        ExactInteger::Unsigned(u) if i128::from(u) == value => Some(n),
        _ => None,
    }
}

macro_rules! integer_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                // Lua 5.1 numbers are doubles: refuse what a double cannot hold exactly.
                let Some(n) = exact_double(self as f64, self as i128) else {
                    return Err(Error::ToLuaConversionError {
                        from: stringify!($t),
                        to: "number",
                        message: Some("integer too large to be represented exactly".into()),
                    });
                };
                Ok(Value::Number(n))
            }

            fn as_plain_key(&self) -> Option<PlainKey<'_>> {
                exact_double(*self as f64, *self as i128).map(PlainKey::Number)
            }
        }

        impl FromLua for $t {
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                let Some(n) = coerce_number(&value)? else {
                    return Err(Error::from_lua_conversion(value.type_name(), "number"));
                };
                let fail = |message: &str| Error::FromLuaConversionError {
                    from: value.type_name(),
                    to: stringify!($t),
                    message: Some(message.into()),
                };
                match exact_integer(n) {
                    ExactInteger::Fraction => Err(fail("number has no integer representation")),
                    ExactInteger::Signed(i) => <$t>::try_from(i).map_err(|_| fail("number out of range")),
                    ExactInteger::Unsigned(u) => <$t>::try_from(u).map_err(|_| fail("number out of range")),
                    ExactInteger::OutOfRange => Err(fail("number out of range")),
                }
            }

            fn from_plain(value: Plain<'_>) -> Option<Self> {
                match exact_integer(plain_number(value)?) {
                    ExactInteger::Signed(i) => <$t>::try_from(i).ok(),
                    ExactInteger::Unsigned(u) => <$t>::try_from(u).ok(),
                    ExactInteger::Fraction | ExactInteger::OutOfRange => None,
                }
            }
        }
    )*};
}

integer_conversions!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! float_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::Number(self as f64))
            }

            fn as_plain_key(&self) -> Option<PlainKey<'_>> {
                Some(PlainKey::Number(*self as f64))
            }
        }

        impl FromLua for $t {
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                match coerce_number(&value)? {
                    Some(n) => Ok(n as $t),
                    None => Err(Error::from_lua_conversion(value.type_name(), "number")),
                }
            }

            fn from_plain(value: Plain<'_>) -> Option<Self> {
                plain_number(value).map(|n| n as $t)
            }
        }
    )*};
}

float_conversions!(f32, f64);

impl IntoLua for &str {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }

    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        Some(PlainKey::Bytes(self.as_bytes()))
    }
}

impl IntoLua for String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }

    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        Some(PlainKey::Bytes(self.as_bytes()))
    }
}

impl IntoLua for &String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }

    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        Some(PlainKey::Bytes(self.as_bytes()))
    }
}

impl IntoLua for &[u8] {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }

    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        Some(PlainKey::Bytes(self))
    }
}

/// Owned bytes that convert to and from a Lua string (a `Vec<u8>` converts to a sequence of
/// numbers, as every `Vec<T>` does).
///
/// ```
/// use lua_core::api::{Bytes, Lua};
///
/// let lua = Lua::new();
/// lua.globals().set("b", Bytes(b"a\0b".to_vec())).unwrap();
/// assert_eq!(lua.load("return #b, type(b)").eval::<(i64, String)>().unwrap(), (3, "string".into()));
/// let back: Bytes = lua.load("return 'x' .. 1").eval().unwrap();
/// assert_eq!(&back[..], b"x1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl std::ops::Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        Bytes(bytes)
    }
}

impl From<Bytes> for Vec<u8> {
    fn from(bytes: Bytes) -> Vec<u8> {
        bytes.0
    }
}

impl IntoLua for Bytes {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self.0)?))
    }

    fn as_plain_key(&self) -> Option<PlainKey<'_>> {
        Some(PlainKey::Bytes(&self.0))
    }
}

/// The bytes of plain data that is a string or a number, as [`coerce_bytes`] gives them.
fn plain_bytes(value: Plain<'_>) -> Option<Vec<u8>> {
    match value {
        Plain::Bytes(b) => Some(b.to_vec()),
        Plain::Number(n) => {
            let mut out = Vec::new();
            crate::number::format_number(n, &mut out);
            Some(out)
        }
        _ => None,
    }
}

/// The bytes of a string, or of a number formatted as Lua formats it.
fn coerce_bytes(value: &Value) -> Result<Option<Vec<u8>>> {
    match value {
        Value::String(s) => Ok(Some(s.as_bytes()?.to_vec())),
        Value::Number(n) => {
            let mut out = Vec::new();
            crate::number::format_number(*n, &mut out);
            Ok(Some(out))
        }
        _ => Ok(None),
    }
}

impl FromLua for String {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match coerce_bytes(&value)? {
            Some(bytes) => String::from_utf8(bytes).map_err(|_| Error::FromLuaConversionError {
                from: "string",
                to: "String",
                message: Some("invalid UTF-8".into()),
            }),
            None => Err(Error::from_lua_conversion(value.type_name(), "string")),
        }
    }

    fn from_plain(value: Plain<'_>) -> Option<Self> {
        String::from_utf8(plain_bytes(value)?).ok()
    }
}

impl FromLua for Bytes {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match coerce_bytes(&value)? {
            Some(bytes) => Ok(Bytes(bytes)),
            None => Err(Error::from_lua_conversion(value.type_name(), "string")),
        }
    }

    fn from_plain(value: Plain<'_>) -> Option<Self> {
        plain_bytes(value).map(Bytes)
    }
}

/// A sequence: `t[1]` to `t[n]`.
impl<T: IntoLua> IntoLua for Vec<T> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_sequence_from(self)?))
    }
}

/// A fixed-size sequence.
impl<T: IntoLua, const N: usize> IntoLua for [T; N] {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_sequence_from(self)?))
    }
}

/// The values `t[1]`, `t[2]`, ... up to the first nil (read raw, as `ipairs` read them in
/// 5.1 without metamethods).
impl<T: FromLua> FromLua for Vec<T> {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match value {
            Value::Table(t) => t.sequence_values::<T>().collect(),
            other => Err(Error::from_lua_conversion(other.type_name(), "Vec")),
        }
    }
}

/// Exactly `N` values `t[1]` to `t[N]` (a sequence of another length is an error).
impl<T: FromLua, const N: usize> FromLua for [T; N] {
    fn from_lua(value: Value, lua: &Lua) -> Result<Self> {
        let values = Vec::<T>::from_lua(value, lua)?;
        let found = values.len();
        values
            .try_into()
            .map_err(|_| Error::FromLuaConversionError {
                from: "table",
                to: "array",
                message: Some(format!("expected a sequence of {N} values, got {found}")),
            })
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        match self {
            Some(v) => v.into_lua(lua),
            None => Ok(Value::Nil),
        }
    }

    fn as_plain(&self) -> Option<Plain<'_>> {
        match self {
            Some(v) => v.as_plain(),
            None => Some(Plain::Nil),
        }
    }
}

impl<T: FromLua> FromLua for Option<T> {
    fn from_lua(value: Value, lua: &Lua) -> Result<Self> {
        match value {
            Value::Nil => Ok(None),
            v => T::from_lua(v, lua).map(Some),
        }
    }

    fn from_plain(value: Plain<'_>) -> Option<Self> {
        match value {
            Plain::Nil => Some(None),
            v => T::from_plain(v).map(Some),
        }
    }
}

/// Conversions for the handle types: each converts to its own variant of [`Value`] only
/// (strings also from numbers).
macro_rules! handle_conversions {
    ($($t:ident => $variant:ident, $lua_name:literal;)*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self))
            }
        }

        impl IntoLua for &$t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self.clone()))
            }
        }
    )*
    $(
        impl FromLua for $t {
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                match value {
                    Value::$variant(h) => Ok(h),
                    other => Err(Error::from_lua_conversion(other.type_name(), $lua_name)),
                }
            }
        }
    )*};
}

handle_conversions! {
    Table => Table, "table";
    Function => Function, "function";
    AnyUserData => UserData, "userdata";
    Thread => Thread, "thread";
}

impl IntoLua for LuaString {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(Value::String(self))
    }
}

impl IntoLua for &LuaString {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(Value::String(self.clone()))
    }
}

impl FromLua for LuaString {
    fn from_lua(value: Value, lua: &Lua) -> Result<Self> {
        match value {
            Value::String(s) => Ok(s),
            Value::Number(_) => match coerce_bytes(&value)? {
                Some(bytes) => lua.create_string(bytes),
                None => Err(Error::from_lua_conversion("number", "string")),
            },
            other => Err(Error::from_lua_conversion(other.type_name(), "string")),
        }
    }
}

impl<K: IntoLua + Eq + Hash, V: IntoLua, S> IntoLua for HashMap<K, V, S> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_table_from(self)?))
    }
}

impl<K: FromLua + Eq + Hash, V: FromLua, S: std::hash::BuildHasher + Default> FromLua
    for HashMap<K, V, S>
{
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match value {
            // The pairs convert with the table's own state.
            Value::Table(t) => t.pairs::<K, V>().collect(),
            other => Err(Error::from_lua_conversion(other.type_name(), "table")),
        }
    }
}

impl<K: IntoLua + Ord, V: IntoLua> IntoLua for BTreeMap<K, V> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_table_from(self)?))
    }
}

impl<K: FromLua + Ord, V: FromLua> FromLua for BTreeMap<K, V> {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match value {
            // The pairs convert with the table's own state.
            Value::Table(t) => t.pairs::<K, V>().collect(),
            other => Err(Error::from_lua_conversion(other.type_name(), "table")),
        }
    }
}
