//! The libraries Redis bundles with its Lua, each opened into any `lua_core` state by one call
//! (`bit::open(ctx)`, ...), so embedders can use them outside Redis too.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod lua_struct;
