//! The values keys hold.

use super::hash::Hash;
use super::set::Set;
use super::zset::ZSet;
use std::collections::VecDeque;

/// A key's value. Strings are bytes; the other types are in their first, plain form here (the
/// data-type work gives them Redis's compact encodings).
#[derive(Debug, Clone)]
pub enum Value {
    Str(Vec<u8>),
    List(VecDeque<Vec<u8>>),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
}

/// Longest string Redis still stores as `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
const EMBSTR_LIMIT: usize = 44;

impl Value {
    /// The name `TYPE` replies.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The encoding `OBJECT ENCODING` reports, as Redis would have chosen it for this content.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => {
                if s.len() <= 20 && crate::util::parse_i64(s).is_some() {
                    "int"
                } else if s.len() <= EMBSTR_LIMIT {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::List(_) => "quicklist",
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// Bytes this value takes, roughly (for `MEMORY USAGE` and `used_memory`).
    pub fn memory(&self) -> usize {
        const ENTRY: usize = 16;
        match self {
            Value::Str(s) => s.capacity(),
            Value::List(l) => l.iter().map(|e| e.capacity() + 24).sum(),
            Value::Hash(h) => h
                .iter()
                .map(|(k, v)| k.capacity() + v.capacity() + 48 + ENTRY)
                .sum(),
            Value::Set(s) => s.members().iter().map(|m| m.len() + 24 + ENTRY).sum(),
            Value::ZSet(z) => z.iter().map(|(m, _)| 2 * m.len() + 64 + ENTRY).sum(),
        }
    }
}
