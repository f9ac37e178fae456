//! The values keys hold.

use super::bytes::Bytes;
use super::hash::Hash;
use super::set::Set;
use super::zset::ZSet;

/// A key's value. Strings are bytes; the other types are in their first, plain form here (the
/// data-type work gives them Redis's compact encodings).
#[derive(Debug, Clone)]
pub enum Value {
    /// Strings up to 22 bytes are stored inline.
    Str(Bytes),
    // Collections are boxed so that a value (and so a keyspace entry) stays three words;
    // hashes and sorted sets hold their small packed form (two words) inline instead, so a
    // small one is a single allocation, and box only their large form.
    List(Box<super::list::List>),
    Hash(Hash),
    Set(Box<Set>),
    ZSet(ZSet),
    Stream(Box<super::stream::Stream>),
}

/// Longest string Redis still stores as `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
const EMBSTR_LIMIT: usize = 44;

impl Value {
    /// A string value holding `bytes`.
    pub fn string(bytes: &[u8]) -> Value {
        Value::Str(Bytes::new(bytes))
    }

    /// Whether this is a list, hash, set or sorted set left with no element (which a
    /// command deletes when its write is done).
    pub fn is_emptied_collection(&self) -> bool {
        match self {
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
            Value::Str(_) | Value::Stream(_) => false,
        }
    }

    /// The name `TYPE` replies.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The encoding `OBJECT ENCODING` reports, as Redis would have chosen it for this content.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => {
                if s.is_raw() {
                    "raw"
                } else if s.len() <= 20 && crate::util::parse_i64(s).is_some() {
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
            Value::Stream(_) => "stream",
        }
    }

    /// Bytes this value takes, roughly (for `MEMORY USAGE` and `used_memory`).
    pub fn memory(&self) -> usize {
        const ENTRY: usize = 16;
        match self {
            Value::Str(s) => s.heap_size(),
            Value::List(l) => l.heap_size(),
            Value::Hash(h) => h.iter().map(|(k, v)| k.len() + v.len() + 48 + ENTRY).sum(),
            Value::Set(s) => s.members().iter().map(|m| m.len() + 24 + ENTRY).sum(),
            Value::ZSet(z) => z.iter().map(|(m, _)| 2 * m.len() + 64 + ENTRY).sum(),
            Value::Stream(s) => s.memory(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<super::Value>(), 24);
        assert_eq!(std::mem::size_of::<super::Hash>(), 16);
        assert_eq!(std::mem::size_of::<super::ZSet>(), 16);
    }
}
