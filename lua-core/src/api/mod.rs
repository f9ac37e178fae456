//! The embedding API: a safe, typed layer over [`State`](crate::State) for Rust programs that
//! host Lua scripts.
//!
//! A [`Lua`] owns one interpreter. Chunks are loaded with [`Lua::load`] and run with
//! [`Chunk::exec`], [`Chunk::eval`] or [`Chunk::call`]; Rust values cross into Lua through the
//! [`IntoLua`]/[`IntoLuaMulti`] traits and come back through [`FromLua`]/[`FromLuaMulti`];
//! Rust closures become Lua functions with [`Lua::create_function`].
//!
//! Values that live in the Lua heap are seen from Rust through handles: [`Table`],
//! [`Function`], [`LuaString`], [`AnyUserData`], [`Thread`] and [`RegistryKey`]. Each handle
//! holds a slot in a table the collector treats as a root, so the object it names stays alive
//! for as long as the handle exists, whatever the script does and however often the collector
//! runs. Handles do not keep the interpreter itself alive: once the last [`Lua`] is dropped, using
//! a handle fails with [`Error::StateClosed`].
//!
//! Errors are values of [`Error`]; nothing here panics on bad input or on a failing script.
//!
//! ```
//! use lua_core::api::{Lua, Result};
//!
//! fn main() -> Result<()> {
//!     let lua = Lua::new();
//!     let add = lua.create_function(|_, (a, b): (i64, i64)| Ok(a + b))?;
//!     lua.globals().set("add", add)?;
//!     let sum: i64 = lua.load("return add(2, 3) * 10").eval()?;
//!     assert_eq!(sum, 50);
//!     Ok(())
//! }
//! ```
//!
//! # Limits
//! [`Lua::set_memory_limit`] caps the heap (scripts then get `not enough memory`, which they can
//! catch with `pcall` as in Lua 5.1), and [`Lua::set_hook`] runs a Rust closure every N
//! instructions, on every line, call or return: returning [`Error::Interrupted`] from it stops
//! the script in a way `pcall` cannot catch.

#![warn(missing_docs)]

mod chunk;
mod context;
mod convert;
mod error;
mod function;
mod lua;
mod multi;
mod registry;
mod scope;
#[cfg(feature = "send")]
mod send;
#[cfg(feature = "serde")]
pub mod serde;
mod string;
mod table;
mod thread;
mod userdata;
mod value;

pub use crate::value::StringHash;
pub use chunk::Chunk;
pub use convert::{Bytes, FromLua, IntoLua, Plain, PlainKey};
pub use error::{Error, Result};
pub use function::Function;
pub use lua::{Lua, LuaOptions};
pub use multi::{FromLuaMulti, IntoLuaMulti, MultiValue, Variadic};
pub use registry::RegistryKey;
pub use scope::Scope;
#[cfg(feature = "send")]
pub use send::SendLua;

/// What Rust values kept inside a state must be: `Send` with the `send` feature (so a whole
/// state may move to another thread, see [`SendLua`]), anything otherwise.
#[cfg(feature = "send")]
pub trait MaybeSend: Send {}
#[cfg(feature = "send")]
impl<T: Send> MaybeSend for T {}
/// What Rust values kept inside a state must be: `Send` with the `send` feature (so a whole
/// state may move to another thread), anything otherwise.
#[cfg(not(feature = "send"))]
pub trait MaybeSend {}
#[cfg(not(feature = "send"))]
impl<T> MaybeSend for T {}

/// Where `print` writes ([`Lua::set_stdout`]): `Send` with the `send` feature.
#[cfg(feature = "send")]
pub type Output = Box<dyn std::io::Write + Send>;
/// Where `print` writes ([`Lua::set_stdout`]): `Send` with the `send` feature.
#[cfg(not(feature = "send"))]
pub type Output = Box<dyn std::io::Write>;
pub use string::{BorrowedBytes, BorrowedStr, LuaString};
pub use table::{Table, TablePairs, TableSequence};
pub use thread::Thread;
pub use userdata::{
    AnyUserData, MetaMethod, UserData, UserDataMethods, UserDataRef, UserDataRefMut,
};
pub use value::Value;

/// The API's main names in one import, prefixed as an mlua user knows them
/// (`use lua_core::api::prelude::*;`).
pub mod prelude {
    pub use super::{
        AnyUserData as LuaAnyUserData, Bytes as LuaBytes, Chunk as LuaChunk, Error as LuaError,
        FromLua, FromLuaMulti, Function as LuaFunction, IntoLua, IntoLuaMulti, Lua, LuaOptions,
        LuaString, MetaMethod as LuaMetaMethod, MultiValue as LuaMultiValue,
        RegistryKey as LuaRegistryKey, Result as LuaResult, Scope as LuaScope, Table as LuaTable,
        Thread as LuaThread, UserData as LuaUserData, UserDataMethods as LuaUserDataMethods,
        UserDataRef as LuaUserDataRef, UserDataRefMut as LuaUserDataRefMut, Value as LuaValue,
        Variadic as LuaVariadic,
    };
}

/// How many raised values that are neither strings nor numbers a state keeps for
/// [`Lua::error_value`] (the most recent ones).
pub const KEPT_ERROR_OBJECTS: usize = 8;

pub use crate::stdlib::{GlibcRandom, Library, RandomSource, RAND_MAX};
pub use crate::value::ThreadStatus;
pub use crate::vm::{HookEvent, HookMask};
