//! The Redis 7.0 scripting environment on `lua_core`: the sandbox, the `redis` table, the
//! bundled libraries, conversions between Lua values and replies, the script cache, functions
//! and the run context. It knows nothing of sockets: the host's keyspace is reached through the
//! [`Host`] trait.

pub mod libs;
