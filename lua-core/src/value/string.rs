//! Interned byte strings and the intern table.
//!
//! Every string is interned, so equal strings are one object: equality and table lookup compare
//! pointers, and the hash is computed once, at creation. The hash function decides hash-part
//! order, and thus `pairs` order: by default it is Lua 5.1's (seeded with the length, sampling
//! at most ~32 bytes of long strings), and a state can take the variant its host's Lua uses
//! (see [`StringHash`]) so that its `pairs` order matches that host's.

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

/// Which function hashes a state's strings. It is fixed when the state is made: every string
/// of a state must hash the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringHash {
    /// Lua 5.1.5's: strings of 32 bytes or more are sampled, about 32 of their bytes mixed in.
    #[default]
    Lua51,
    /// Lua 5.1's function over every byte, as the Lua inside Redis (since 7.0) hashes, so long
    /// strings sharing a prefix do not collide.
    AllBytes,
    /// MurmurHash3 (32-bit, seeded with the length), as the Lua inside Valkey (since 8.1)
    /// hashes.
    Murmur3,
}

impl StringHash {
    /// The hash of `bytes`.
    #[inline]
    pub fn of(self, bytes: &[u8]) -> u32 {
        match self {
            StringHash::Lua51 => lua_hash(bytes),
            StringHash::AllBytes => all_bytes_hash(bytes),
            StringHash::Murmur3 => murmur3_hash(bytes),
        }
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

/// Lua 5.1's mixing step over every byte, last to first.
fn all_bytes_hash(bytes: &[u8]) -> u32 {
    let mut h = bytes.len() as u32;
    for &b in bytes.iter().rev() {
        h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(b as u32);
    }
    h
}

/// MurmurHash3's 32-bit function with the length as its seed.
fn murmur3_hash(bytes: &[u8]) -> u32 {
    murmur3_seeded(bytes, bytes.len() as u32)
}

/// MurmurHash3's 32-bit function. Blocks are read in the machine's byte order, as the C
/// function reads them.
fn murmur3_seeded(bytes: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mix = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut h = seed;
    let mut blocks = bytes.chunks_exact(4);
    for block in &mut blocks {
        let k = u32::from_ne_bytes([block[0], block[1], block[2], block[3]]);
        h ^= mix(k);
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k = tail
            .iter()
            .enumerate()
            .fold(0u32, |k, (i, &b)| k ^ ((b as u32) << (8 * i)));
        h ^= mix(k);
    }
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The set of all live strings, chained per bucket through the strings themselves.
pub struct StringTable {
    buckets: Vec<Option<Gc<LuaStr>>>,
    count: usize,
    /// How this state's strings are hashed.
    hash: StringHash,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable::new(StringHash::default())
    }
}

impl StringTable {
    pub(crate) fn new(hash: StringHash) -> StringTable {
        StringTable {
            buckets: vec![None; 64],
            count: 0,
            hash,
        }
    }

    /// The hash this table gives `bytes`.
    #[inline]
    pub(crate) fn hash_of(&self, bytes: &[u8]) -> u32 {
        self.hash.of(bytes)
    }

    pub(crate) fn string_hash(&self) -> StringHash {
        self.hash
    }

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

    #[test]
    fn every_byte_counts_in_the_all_bytes_hash() {
        // Lua 5.1's sampling skips bytes of a 64-byte string: these two collide there.
        let a = [b'x'; 64];
        let mut b = a;
        b[0] = b'y';
        assert_eq!(lua_hash(&a), lua_hash(&b));
        assert_ne!(all_bytes_hash(&a), all_bytes_hash(&b));
        // Under 32 bytes Lua 5.1 mixes every byte too, so both agree.
        assert_eq!(all_bytes_hash(b"short key"), lua_hash(b"short key"));
    }

    #[test]
    fn murmur3_matches_its_published_vectors() {
        assert_eq!(murmur3_seeded(b"", 0), 0);
        assert_eq!(murmur3_seeded(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_seeded(b"", 0xffff_ffff), 0x81f1_6f39);
        assert_eq!(murmur3_seeded(b"test", 0), 0xba6b_d213);
        assert_eq!(murmur3_seeded(b"Hello, world!", 1234), 0xfaf6_cdb3);
        assert_eq!(
            murmur3_seeded(b"The quick brown fox jumps over the lazy dog", 0),
            0x2e4f_f723
        );
        assert_eq!(StringHash::Murmur3.of(b"abc"), murmur3_seeded(b"abc", 3));
    }
}
