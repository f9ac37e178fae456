//! The Redis scripting environment built on `lua-core`. Work on it starts once the core is complete.
