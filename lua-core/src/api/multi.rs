//! Several values at once: function arguments and results.
//!
//! Any single convertible type is a one-value list; `()` is the empty list; a tuple is one value
//! per element, whose last element may itself be a list (`Variadic<T>` or `MultiValue` take all
//! the remaining values). Missing values read as `nil`, extra values are dropped, as in Lua.

use super::convert::{FromLua, IntoLua, Plain};
use super::error::{Error, Result};
use super::{Lua, Value};
use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// An ordered list of Lua values (arguments or results).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiValue(VecDeque<Value>);

impl MultiValue {
    /// An empty list.
    pub fn new() -> MultiValue {
        MultiValue(VecDeque::new())
    }

    /// The values in order.
    pub fn into_vec(self) -> Vec<Value> {
        self.0.into()
    }

    /// Remove and return the first value (`nil` when there is none).
    pub fn pop_front_or_nil(&mut self) -> Value {
        self.0.pop_front().unwrap_or_default()
    }
}

impl Deref for MultiValue {
    type Target = VecDeque<Value>;
    fn deref(&self) -> &VecDeque<Value> {
        &self.0
    }
}

impl DerefMut for MultiValue {
    fn deref_mut(&mut self) -> &mut VecDeque<Value> {
        &mut self.0
    }
}

impl From<Vec<Value>> for MultiValue {
    fn from(v: Vec<Value>) -> Self {
        MultiValue(v.into())
    }
}

impl FromIterator<Value> for MultiValue {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        MultiValue(iter.into_iter().collect())
    }
}

impl IntoIterator for MultiValue {
    type Item = Value;
    type IntoIter = std::collections::vec_deque::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Any number of values of one type: the rest of the arguments or results.
///
/// ```
/// use lua_core::api::{Lua, Variadic};
///
/// let lua = Lua::new();
/// let sum = lua.create_function(|_, xs: Variadic<f64>| Ok(xs.iter().sum::<f64>())).unwrap();
/// lua.globals().set("sum", sum).unwrap();
/// assert_eq!(lua.load("return sum(1, 2, 3.5)").eval::<f64>().unwrap(), 6.5);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(Vec<T>);

impl<T> Variadic<T> {
    /// An empty list.
    pub fn new() -> Variadic<T> {
        Variadic(Vec::new())
    }

    /// The values.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for Variadic<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> DerefMut for Variadic<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for Variadic<T> {
    fn from(v: Vec<T>) -> Self {
        Variadic(v)
    }
}

impl<T> FromIterator<T> for Variadic<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Variadic(iter.into_iter().collect())
    }
}

/// Plain values for a call's arguments or results, kept on the Rust stack when few.
#[doc(hidden)]
pub type PlainList<'a> = smallvec::SmallVec<[Plain<'a>; 8]>;

/// Rust values that become a list of Lua values.
pub trait IntoLuaMulti {
    /// Convert into Lua values of `lua`'s state.
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue>;

    /// Append the values as plain data to `out`, when every one has a plain form; `false`
    /// (the default) sends the caller to [`IntoLuaMulti::into_lua_multi`] (`out` is then
    /// left partly filled, and discarded).
    #[doc(hidden)]
    fn push_plain<'a>(&'a self, out: &mut PlainList<'a>) -> bool {
        let _ = out;
        false
    }
}

/// Rust values read from a list of Lua values.
pub trait FromLuaMulti: Sized {
    /// Convert from Lua values of `lua`'s state.
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self>;

    /// Convert from plain data, when every value converts without a handle. `None` (the
    /// default) sends the caller to [`FromLuaMulti::from_lua_multi`] or
    /// [`FromLuaMulti::from_lua_args`], which also say why a conversion fails.
    #[doc(hidden)]
    fn from_plain_multi(values: &[Plain<'_>]) -> Option<Self> {
        let _ = values;
        None
    }

    /// As `from_lua_multi`, for the arguments of a Rust function: a value that does not
    /// convert is reported as [`Error::BadArgument`], counting positions from
    /// `first_position`.
    fn from_lua_args(values: MultiValue, first_position: usize, lua: &Lua) -> Result<Self> {
        let _ = first_position;
        Self::from_lua_multi(values, lua)
    }
}

fn bad_argument(position: usize, cause: Error) -> Error {
    Error::BadArgument {
        position,
        cause: Arc::new(cause),
    }
}

/// The first plain value, `nil` when there is none.
fn first_plain<'a>(values: &[Plain<'a>]) -> Plain<'a> {
    values.first().copied().unwrap_or(Plain::Nil)
}

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        Ok(MultiValue(VecDeque::from([self.into_lua(lua)?])))
    }

    fn push_plain<'a>(&'a self, out: &mut PlainList<'a>) -> bool {
        match self.as_plain() {
            Some(p) => {
                out.push(p);
                true
            }
            None => false,
        }
    }
}

impl<T: FromLua> FromLuaMulti for T {
    fn from_lua_multi(mut values: MultiValue, lua: &Lua) -> Result<Self> {
        T::from_lua(values.pop_front_or_nil(), lua)
    }

    fn from_plain_multi(values: &[Plain<'_>]) -> Option<Self> {
        T::from_plain(first_plain(values))
    }

    fn from_lua_args(mut values: MultiValue, first_position: usize, lua: &Lua) -> Result<Self> {
        let missing = values.is_empty();
        T::from_lua(values.pop_front_or_nil(), lua)
            .map_err(|e| bad_argument(first_position, no_value(e, missing)))
    }
}

/// Lua says `got no value` for a missing argument, where the conversion saw `nil`.
fn no_value(e: Error, missing: bool) -> Error {
    match e {
        Error::FromLuaConversionError {
            from: "nil",
            to,
            message,
        } if missing => Error::FromLuaConversionError {
            from: "no value",
            to,
            message,
        },
        other => other,
    }
}

impl IntoLuaMulti for MultiValue {
    fn into_lua_multi(self, _: &Lua) -> Result<MultiValue> {
        Ok(self)
    }

    fn push_plain<'a>(&'a self, out: &mut PlainList<'a>) -> bool {
        self.iter().all(|v| v.push_plain(out))
    }
}

impl FromLuaMulti for MultiValue {
    fn from_lua_multi(values: MultiValue, _: &Lua) -> Result<Self> {
        Ok(values)
    }

    fn from_plain_multi(values: &[Plain<'_>]) -> Option<Self> {
        values.iter().map(|&v| Value::from_plain(v)).collect()
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        self.0
            .into_iter()
            .map(|v| v.into_lua(lua))
            .collect::<Result<MultiValue>>()
    }

    fn push_plain<'a>(&'a self, out: &mut PlainList<'a>) -> bool {
        self.0.iter().all(|v| v.push_plain(out))
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self> {
        values.into_iter().map(|v| T::from_lua(v, lua)).collect()
    }

    fn from_plain_multi(values: &[Plain<'_>]) -> Option<Self> {
        values.iter().map(|&v| T::from_plain(v)).collect()
    }

    fn from_lua_args(values: MultiValue, first_position: usize, lua: &Lua) -> Result<Self> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| T::from_lua(v, lua).map_err(|e| bad_argument(first_position + i, e)))
            .collect()
    }
}

impl IntoLuaMulti for () {
    fn into_lua_multi(self, _: &Lua) -> Result<MultiValue> {
        Ok(MultiValue::new())
    }

    fn push_plain<'a>(&'a self, _: &mut PlainList<'a>) -> bool {
        true
    }
}

impl FromLuaMulti for () {
    fn from_lua_multi(_: MultiValue, _: &Lua) -> Result<Self> {
        Ok(())
    }

    fn from_plain_multi(_: &[Plain<'_>]) -> Option<Self> {
        Some(())
    }
}

/// Tuples: every element but the last is one value; the last takes the rest.
macro_rules! tuple_conversions {
    ($($name:ident)* ; $last:ident) => {
        impl<$($name: IntoLua,)* $last: IntoLuaMulti> IntoLuaMulti for ($($name,)* $last,) {
            #[allow(non_snake_case)]
            fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
                let ($($name,)* $last,) = self;
                let mut out = MultiValue::new();
                $(out.push_back($name.into_lua(lua)?);)*
                out.extend($last.into_lua_multi(lua)?);
                Ok(out)
            }

            #[allow(non_snake_case)]
            fn push_plain<'a>(&'a self, out: &mut PlainList<'a>) -> bool {
                let ($($name,)* $last,) = self;
                $(if !IntoLuaMulti::push_plain($name, out) { return false; })*
                $last.push_plain(out)
            }
        }

        impl<$($name: FromLua,)* $last: FromLuaMulti> FromLuaMulti for ($($name,)* $last,) {
            #[allow(non_snake_case, unused_mut)]
            fn from_lua_multi(mut values: MultiValue, lua: &Lua) -> Result<Self> {
                $(let $name = $name::from_lua(values.pop_front_or_nil(), lua)?;)*
                let $last = $last::from_lua_multi(values, lua)?;
                Ok(($($name,)* $last,))
            }

            #[allow(non_snake_case, unused_mut)]
            fn from_plain_multi(values: &[Plain<'_>]) -> Option<Self> {
                let mut rest = values;
                $(
                    let $name = $name::from_plain(first_plain(rest))?;
                    rest = rest.get(1..).unwrap_or(&[]);
                )*
                let $last = $last::from_plain_multi(rest)?;
                Some(($($name,)* $last,))
            }

            #[allow(non_snake_case, unused_mut, unused_assignments)]
            fn from_lua_args(mut values: MultiValue, first_position: usize, lua: &Lua) -> Result<Self> {
                let mut position = first_position;
                $(
                    let missing = values.is_empty();
                    let $name = $name::from_lua(values.pop_front_or_nil(), lua)
                        .map_err(|e| bad_argument(position, no_value(e, missing)))?;
                    position += 1;
                )*
                let $last = $last::from_lua_args(values, position, lua)?;
                Ok(($($name,)* $last,))
            }
        }
    };
}

tuple_conversions!(; A);
tuple_conversions!(A ; B);
tuple_conversions!(A B ; C);
tuple_conversions!(A B C ; D);
tuple_conversions!(A B C D ; E);
tuple_conversions!(A B C D E ; F);
tuple_conversions!(A B C D E F ; G);
tuple_conversions!(A B C D E F G ; H);
tuple_conversions!(A B C D E F G H ; I);
tuple_conversions!(A B C D E F G H I ; J);
tuple_conversions!(A B C D E F G H I J ; K);
tuple_conversions!(A B C D E F G H I J K ; L);
