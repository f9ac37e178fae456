//! A Lua 5.1 interpreter: lexer, compiler to register bytecode, VM, tracing GC, standard library.
//!
//! The public surface is small on purpose:
//! - [`api`]: the embedding API (`Lua`, `Table`, `Function`, conversions, hooks, limits), for
//!   hosts that run scripts;
//! - [`native`]: the extension surface, for native libraries written in Rust;
//! - [`tools`]: the compiler and its bytecode listings, for tools such as `luac -l`;
//! - [`cli`]: the `lua` command itself.
//!
//! Everything else (the VM, the heap and its raw object pointers) is internal: no safe code
//! outside the crate can hold a pointer to a Lua object across a collection.

pub mod api;
pub mod cli;
pub mod luac;
pub mod native;
pub mod tools;

pub(crate) mod bytecode;
pub(crate) mod chunkid;
pub(crate) mod compile;
pub(crate) mod cstr;
pub(crate) mod gc;
pub(crate) mod lex;
pub(crate) mod number;
pub(crate) mod stdlib;
pub(crate) mod sys;
pub(crate) mod value;
pub(crate) mod vm;

#[allow(unused_imports)]
pub(crate) use value::Value;
#[allow(unused_imports)]
pub(crate) use vm::{ErrorKind, LuaError, LuaResult, State};
