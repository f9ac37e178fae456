//! Interned byte strings and the intern table.
//!
//! Every string is interned, so equal strings are one object: equality and table lookup compare
//! pointers, and the hash is computed once, at creation. The hash function is Lua 5.1's (seeded
//! with the length, sampling at most ~32 bytes of long strings) so that hash-part order, and
//! thus `pairs` order, matches the reference.

use crate::gc::Gc;
use std::cell::Cell;

/// An interned string. Its bytes live in the same allocation, right after the object (see
/// `Gc::allocate_string`); `data` points at them.
pub struct LuaStr {
    pub(crate) hash: u32,
    /// Next string in the same intern bucket.
    pub(crate) next_in_bucket: Cell<Option<Gc<LuaStr>>>,
    pub(crate) len: usize,
    pub(crate) data: std::ptr::NonNull<u8>,
}

impl LuaStr {
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        self.hash
    }
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `data` points at `len` initialized bytes in this object's own allocation,
        // written once at creation and never changed; they live as long as the object.
        unsafe { std::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Lossy UTF-8 view, for Rust-side messages.
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
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
            if s.hash == hash && s.as_bytes() == bytes {
                return Some(s);
            }
            cur = s.next_in_bucket.get();
        }
        None
    }

    pub(crate) fn insert(&mut self, s: Gc<LuaStr>) {
        if self.count >= self.buckets.len() {
            self.grow();
        }
        let b = s.hash as usize & (self.buckets.len() - 1);
        s.next_in_bucket.set(self.buckets[b]);
        self.buckets[b] = Some(s);
        self.count += 1;
    }

    fn grow(&mut self) {
        let mut new_buckets: Vec<Option<Gc<LuaStr>>> = vec![None; self.buckets.len() * 2];
        let mask = new_buckets.len() - 1;
        for head in std::mem::take(&mut self.buckets) {
            let mut cur = head;
            while let Some(s) = cur {
                cur = s.next_in_bucket.get();
                let b = s.hash as usize & mask;
                s.next_in_bucket.set(new_buckets[b]);
                new_buckets[b] = Some(s);
            }
        }
        self.buckets = new_buckets;
    }

    /// Unlink every string the predicate calls dead (before the sweeper frees them).
    pub(crate) fn remove_dead(&mut self, is_dead: impl Fn(Gc<LuaStr>) -> bool) {
        for bucket in self.buckets.iter_mut() {
            let mut prev: Option<Gc<LuaStr>> = None;
            let mut cur = *bucket;
            while let Some(s) = cur {
                let next = s.next_in_bucket.get();
                if is_dead(s) {
                    match prev {
                        None => *bucket = next,
                        Some(p) => p.next_in_bucket.set(next),
                    }
                    self.count -= 1;
                } else {
                    prev = Some(s);
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
