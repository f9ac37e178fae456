//! A Lua 5.1 interpreter: lexer, compiler to register bytecode, VM, tracing GC, standard library.

pub mod api;
pub mod bytecode;
pub mod chunkid;
pub mod cli;
pub mod compile;
pub mod gc;
pub mod lex;
pub mod number;
pub mod stdlib;
pub mod value;
pub mod vm;

pub use value::Value;
pub use vm::{ErrorKind, LuaError, LuaResult, State};
