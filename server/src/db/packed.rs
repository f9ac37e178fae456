//! Byte strings packed back to back in one allocation, each as a varint length and its bytes:
//! the compact form of small hashes and sorted sets (Redis's listpack plays this part). One
//! allocation holds the whole collection, so a small hash costs a few bytes over its data.
//! Lookups are linear, as in Redis: the collections kept this way are small.
//!
//! The collection is one boxed slice (two words, so a small hash or sorted set fits inside a
//! keyspace value with no box of its own): the entries, then the entry count as 4 bytes,
//! little endian. An empty collection holds no allocation at all.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Box<[u8]>,
}

/// Bytes of the trailing entry count.
const COUNT: usize = 4;

/// `n` as a little-endian base-128 varint: its bytes, and how many there are.
pub(crate) fn varint(mut n: usize) -> ([u8; 10], usize) {
    let mut out = [0u8; 10];
    let mut used = 0;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out[used] = byte;
            return (out, used + 1);
        }
        out[used] = byte | 0x80;
        used += 1;
    }
}

/// A varint length at `at`: the length and where its bytes start.
fn get_len(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    while let Some(&b) = bytes.get(at) {
        n |= usize::from(b & 0x7f) << shift;
        at += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    (n, at)
}

/// The entry at byte offset `at` of `body` and the offset of the next one.
fn entry_at(body: &[u8], at: usize) -> (&[u8], usize) {
    let (len, start) = get_len(body, at);
    let end = (start + len).min(body.len());
    (&body[start.min(end)..end], end)
}

/// Entries as stored, each its varint length and then its bytes; no buffer of their own.
fn encoded<'a>(entries: &'a [&'a [u8]]) -> impl Iterator<Item = u8> + 'a {
    entries.iter().flat_map(|e| {
        let (len, used) = varint(e.len());
        len.into_iter().take(used).chain(e.iter().copied())
    })
}

/// Bytes `entries` take as stored.
fn encoded_len(entries: &[&[u8]]) -> usize {
    entries.iter().map(|e| varint(e.len()).1 + e.len()).sum()
}

impl Packed {
    /// Entries stored.
    pub fn len(&self) -> usize {
        match self.bytes.len().checked_sub(COUNT) {
            Some(at) => {
                let mut count = [0u8; COUNT];
                count.copy_from_slice(&self.bytes[at..]);
                u32::from_le_bytes(count) as usize
            }
            None => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held (for memory reports).
    pub fn heap_size(&self) -> usize {
        self.bytes.len()
    }

    /// The entries' bytes, without the count.
    fn body(&self) -> &[u8] {
        &self.bytes[..self.bytes.len().saturating_sub(COUNT)]
    }

    /// The entry at byte offset `at` and the offset of the next one.
    fn entry(&self, at: usize) -> (&[u8], usize) {
        entry_at(self.body(), at)
    }

    /// The entries in order, each with its byte offset.
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter {
            body: self.body(),
            at: 0,
        }
    }

    /// Replace the byte range `range` of the entries with `entries` and add `added` (which
    /// may be negative) to the count. The slice is reallocated to its exact new size, as a
    /// listpack is: a small collection keeps no spare room.
    fn splice(&mut self, range: std::ops::Range<usize>, entries: &[&[u8]], added: isize) {
        let count = self.len().saturating_add_signed(added);
        if count == 0 {
            self.bytes = Box::default();
            return;
        }
        // Edited in place: the slice's block is reallocated, not copied into a new one.
        let mut bytes = std::mem::take(&mut self.bytes).into_vec();
        bytes.truncate(bytes.len().saturating_sub(COUNT));
        bytes.reserve_exact((encoded_len(entries) + COUNT).saturating_sub(range.len()));
        bytes.splice(range, encoded(entries));
        bytes.extend_from_slice(&(count as u32).to_le_bytes());
        self.bytes = bytes.into_boxed_slice();
    }

    pub fn push(&mut self, entry: &[u8]) {
        let end = self.body().len();
        self.splice(end..end, &[entry], 1);
    }

    /// Insert entries at byte offset `at` (an entry boundary).
    pub fn insert_at(&mut self, at: usize, entries: &[&[u8]]) {
        self.splice(at..at, entries, entries.len() as isize);
    }

    /// Remove `n` entries from byte offset `at`.
    pub fn remove_at(&mut self, at: usize, n: usize) {
        let mut end = at;
        for _ in 0..n {
            end = self.entry(end).1;
        }
        self.splice(at..end, &[], -(n as isize));
    }

    /// Replace the entry at byte offset `at`.
    pub fn replace_at(&mut self, at: usize, entry: &[u8]) {
        let end = self.entry(at).1;
        self.splice(at..end, &[entry], 0);
    }
}

pub struct PackedIter<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    /// An entry and its byte offset.
    type Item = (&'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.body.len() {
            return None;
        }
        let at = self.at;
        let (entry, next) = entry_at(self.body, at);
        self.at = next;
        Some((entry, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_edit() {
        let mut p = Packed::default();
        p.push(b"a");
        p.push(&[7u8; 200]);
        p.push(b"");
        let entries: Vec<Vec<u8>> = p.iter().map(|(e, _)| e.to_vec()).collect();
        assert_eq!(entries, vec![b"a".to_vec(), vec![7u8; 200], Vec::new()]);
        let second = p.iter().nth(1).unwrap().1;
        p.replace_at(second, b"bb");
        p.insert_at(0, &[b"z", b"y"]);
        p.remove_at(p.iter().nth(2).unwrap().1, 1);
        let entries: Vec<Vec<u8>> = p.iter().map(|(e, _)| e.to_vec()).collect();
        assert_eq!(
            entries,
            vec![b"z".to_vec(), b"y".to_vec(), b"bb".to_vec(), Vec::new()]
        );
        assert_eq!(p.len(), 4);
    }
}
