//! [`LuaString`] handles: Lua's byte strings, read without copying.

use super::context::{Inner, Slot};
use super::error::{Error, Result};
use crate::gc::Gc;
use crate::value::{LuaStr, Value as RawValue};
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

/// A Lua string (bytes, not necessarily UTF-8), kept alive by this handle.
///
/// ```
/// use lua_core::api::{Lua, LuaString};
///
/// let lua = Lua::new();
/// let s: LuaString = lua.load(r#"return "a\0b""#).eval().unwrap();
/// assert_eq!(&*s.as_bytes().unwrap(), b"a\0b");
/// assert_eq!(s.len().unwrap(), 3);
/// ```
#[derive(Clone)]
pub struct LuaString(pub(crate) Rc<Slot>);

impl LuaString {
    fn string(&self) -> Result<Gc<LuaStr>> {
        match self.0.value {
            RawValue::String(s) => Ok(s),
            _ => Err(Error::InvalidHandle),
        }
    }

    /// The bytes, borrowed from the Lua heap for as long as the guard lives.
    pub fn as_bytes(&self) -> Result<BorrowedBytes<'_>> {
        let state = self.0.state()?;
        Ok(BorrowedBytes {
            string: self.string()?,
            _state: state,
            _handle: PhantomData,
        })
    }

    /// The text, if the bytes are valid UTF-8.
    pub fn to_str(&self) -> Result<BorrowedStr<'_>> {
        let bytes = self.as_bytes()?;
        if std::str::from_utf8(&bytes).is_err() {
            return Err(Error::FromLuaConversionError {
                from: "string",
                to: "&str",
                message: Some("invalid UTF-8".into()),
            });
        }
        Ok(BorrowedStr(bytes))
    }

    /// The length in bytes.
    pub fn len(&self) -> Result<usize> {
        Ok(self.as_bytes()?.len())
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

impl PartialEq for LuaString {
    fn eq(&self, other: &LuaString) -> bool {
        self.0.value.raw_equal(&other.0.value)
    }
}

impl PartialEq<[u8]> for LuaString {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_bytes().is_ok_and(|b| &*b == other)
    }
}

impl PartialEq<str> for LuaString {
    fn eq(&self, other: &str) -> bool {
        *self == *other.as_bytes()
    }
}

impl PartialEq<&str> for LuaString {
    fn eq(&self, other: &&str) -> bool {
        *self == *other.as_bytes()
    }
}

impl std::fmt::Debug for LuaString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.as_bytes() {
            Ok(b) => write!(f, "{:?}", String::from_utf8_lossy(&b)),
            Err(_) => write!(f, "<string of a closed state>"),
        }
    }
}

/// The bytes of a [`LuaString`], borrowed from the Lua heap. While it lives, the string and
/// its interpreter stay alive.
pub struct BorrowedBytes<'a> {
    string: Gc<LuaStr>,
    _state: Rc<Inner>,
    _handle: PhantomData<&'a LuaString>,
}

impl Deref for BorrowedBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.string.as_bytes()
    }
}

impl AsRef<[u8]> for BorrowedBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// The text of a [`LuaString`] known to be UTF-8, borrowed from the Lua heap.
pub struct BorrowedStr<'a>(BorrowedBytes<'a>);

impl Deref for BorrowedStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        // Checked to be UTF-8 when the guard was made, and strings never change.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl AsRef<str> for BorrowedStr<'_> {
    fn as_ref(&self) -> &str {
        self
    }
}
