//! The compiler as a tool: compile source to a function prototype (plain data, no heap
//! objects) and list it as `luac5.1 -l` does.

pub use crate::bytecode::{list_proto, Proto};
pub use crate::compile::{compile, compile_at_depth, SyntaxError};
