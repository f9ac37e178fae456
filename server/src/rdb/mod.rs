//! Redis 7.0's RDB format (version 10): how values are written into snapshots and `DUMP`
//! payloads, and read back from files and payloads written by redis-server or by us.
//!
//! - [`value`]: one value (strings, lists as quicklist nodes, hashes, sets, sorted sets) in the
//!   encoding Redis would choose for it, and every encoding Redis 7.0 writes read back.
//! - [`stream`]: streams, node by node, with their consumer groups.
//! - [`snapshot`]: whole files (header, aux fields, function libraries, databases, checksum).
//! - [`report`]: a corrupt value's fault as Redis logs it.
//! - [`listpack`] and [`intset`]: the compact blobs inside them; [`ziplist`]: the older ones
//!   files from before 7.0 hold.
//!
//! The length and string codec, LZF and CRC-64 come from `redis_runtime::rdb`, which
//! `FUNCTION DUMP` shares.

pub mod incremental;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod report;
pub mod snapshot;
pub mod stream;
pub mod value;
pub mod ziplist;

pub use value::{read_value, type_of, write_value, LoadError, SaveOptions};

/// Value types (`RDB_TYPE_*`).
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    /// Before 7.0 (read only): zipmap and ziplist encodings.
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const SET_INTSET: u8 = 11;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// Opcodes between values in a file (`RDB_OPCODE_*`).
pub mod opcodes {
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}
