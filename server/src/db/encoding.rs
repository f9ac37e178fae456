//! The size limits under which Redis keeps a collection in its compact form (`listpack`,
//! `intset`), from the `*-max-*` configuration options. A collection that outgrows them moves
//! to its table form and, as in Redis, never moves back.

/// The limits in force, read from the configuration (`CONFIG SET` changes them for collections
/// that grow afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`
    pub hash_entries: usize,
    /// `hash-max-listpack-value`: longest field or value kept in a listpack.
    pub hash_value: usize,
    /// `set-max-intset-entries`
    pub set_intset_entries: usize,
    /// `zset-max-listpack-entries`
    pub zset_entries: usize,
    /// `zset-max-listpack-value`: longest member kept in a listpack.
    pub zset_value: usize,
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits {
            hash_entries: 512,
            hash_value: 64,
            set_intset_entries: 512,
            zset_entries: 128,
            zset_value: 64,
        }
    }
}
