//! The pieces of Redis's RDB encoding that more than one payload shares: lengths, strings
//! (integer-encoded, LZF-compressed or plain, as `rdbSaveRawString` chooses), binary doubles,
//! and the CRC-64 that closes a dump. `FUNCTION DUMP` writes its payload with them, and hosts
//! use the same ones for their snapshots and `DUMP`, so every payload agrees byte for byte.

mod codec;
pub mod lzf;

pub use codec::{crc64, write_len, write_string, Reader, RDB_VERSION};
