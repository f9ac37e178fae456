//! The RESP server. It is built after the Lua core and the Redis runtime.
