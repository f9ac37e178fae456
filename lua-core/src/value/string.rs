//! Interned byte strings and the intern table.
//!
//! Every string is interned, so equal strings are one object: equality and table lookup compare
//! pointers, and the hash is computed once, at creation. The hash function is Lua 5.1's (seeded
//! with the length, sampling at most ~32 bytes of long strings) so that hash-part order, and
//! thus `pairs` order, matches the reference.

use crate::gc::Gc;
use std::cell::Cell;

/// An interned string. Its hash sits in the collector header and its bytes in the same
/// allocation, right after the object (see `Gc::allocate_string`), so a string costs a 24-byte
/// box plus its bytes; read them through the handle (`Gc::<LuaStr>::as_bytes`, `hash`).
pub struct LuaStr {
    /// Next string in the same intern bucket. The intern table is also the collector's list of
    /// strings: they are swept through it, not through the heap's object list.
    pub(crate) next_in_bucket: Cell<Option<Gc<LuaStr>>>,
    pub(crate) len: usize,
}

impl Gc<LuaStr> {
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl LuaStr {
    /// Heap bytes held by one string of this length, for accounting.
    pub(crate) fn size_for(len: usize) -> usize {
        std::mem::size_of::<crate::gc::GcBoxOf<LuaStr>>() + len
    }
}

/// Lua 5.1's string hash.
#[inline]
pub fn lua_hash(bytes: &[u8]) -> u32 {
    let len = bytes.len();
    let mut h = len as u32;
    let step = (len >> 5) + 1;
    let mut l1 = len;
    while l1 >= step {
        h ^= (h << 5)
            .wrapping_add(h >> 2)
            .wrapping_add(bytes[l1 - 1] as u32);
        l1 -= step;
    }
    h
}

/// The set of all live strings, chained per bucket through the strings themselves.
pub struct StringTable {
    buckets: Vec<Option<Gc<LuaStr>>>,
    count: usize,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable {
            buckets: vec![None; 64],
            count: 0,
        }
    }
}

impl StringTable {
    /// The interned string with these bytes, if one exists.
    #[inline]
    pub(crate) fn find(&self, bytes: &[u8], hash: u32) -> Option<Gc<LuaStr>> {
        let mut cur = self.buckets[hash as usize & (self.buckets.len() - 1)];
        while let Some(s) = cur {
            if s.hash() == hash && s.as_bytes() == bytes {
                return Some(s);
            }
            cur = s.next_in_bucket.get();
        }
        None
    }

    /// Add a string not yet in the table; returns by how many bytes the bucket array grew
    /// (for the heap's accounting: usually 0).
    pub(crate) fn insert(&mut self, s: Gc<LuaStr>) -> usize {
        let mut grown = 0;
        if self.count >= self.buckets.len() {
            let before = self.bucket_bytes();
            self.grow();
            grown = self.bucket_bytes() - before;
        }
        let b = s.hash() as usize & (self.buckets.len() - 1);
        s.next_in_bucket.set(self.buckets[b]);
        self.buckets[b] = Some(s);
        self.count += 1;
        grown
    }

    /// Bytes held by the bucket array.
    pub(crate) fn bucket_bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<Option<Gc<LuaStr>>>()
    }

    fn grow(&mut self) {
        let mut new_buckets: Vec<Option<Gc<LuaStr>>> = vec![None; self.buckets.len() * 2];
        let mask = new_buckets.len() - 1;
        for head in std::mem::take(&mut self.buckets) {
            let mut cur = head;
            while let Some(s) = cur {
                cur = s.next_in_bucket.get();
                let b = s.hash() as usize & mask;
                s.next_in_bucket.set(new_buckets[b]);
                new_buckets[b] = Some(s);
            }
        }
        self.buckets = new_buckets;
    }

    /// Visit every string once; unlink those for which `keep` returns false. `keep` may free
    /// such a string: it is not touched again (its successor is read before the call).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(Gc<LuaStr>) -> bool) {
        for bucket in self.buckets.iter_mut() {
            let mut prev: Option<Gc<LuaStr>> = None;
            let mut cur = *bucket;
            while let Some(s) = cur {
                let next = s.next_in_bucket.get();
                if keep(s) {
                    prev = Some(s);
                } else {
                    match prev {
                        None => *bucket = next,
                        Some(p) => p.next_in_bucket.set(next),
                    }
                    self.count -= 1;
                }
                cur = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_lua_5_1() {
        // h starts at the length; each sampled byte mixes in from the end.
        let mut h: u32 = 1;
        h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(b'a' as u32);
        assert_eq!(lua_hash(b"a"), h);
        assert_eq!(lua_hash(b""), 0);
    }
}
