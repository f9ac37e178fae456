//! Byte strings packed back to back in one allocation, each as a varint length and its bytes:
//! the compact form of small hashes and sorted sets (Redis's listpack plays this part). One
//! allocation holds the whole collection, so a small hash costs a few bytes over its data.
//! Lookups are linear, as in Redis: the collections kept this way are small.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Vec<u8>,
    count: u32,
}

/// Append `n` as a little-endian base-128 varint.
fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
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

impl Packed {
    /// Entries stored.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes held (for memory reports).
    pub fn heap_size(&self) -> usize {
        self.bytes.capacity()
    }

    /// The entry at byte offset `at` and the offset of the next one.
    fn entry(&self, at: usize) -> (&[u8], usize) {
        let (len, start) = get_len(&self.bytes, at);
        let end = (start + len).min(self.bytes.len());
        (&self.bytes[start.min(end)..end], end)
    }

    /// The entries in order, each with its byte offset.
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter {
            packed: self,
            at: 0,
        }
    }

    pub fn push(&mut self, entry: &[u8]) {
        // Exact growth: a small collection keeps no spare room (as a listpack keeps none).
        self.bytes.reserve_exact(entry.len() + 3);
        put_len(&mut self.bytes, entry.len());
        self.bytes.extend_from_slice(entry);
        self.count += 1;
    }

    /// Insert entries at byte offset `at` (an entry boundary).
    pub fn insert_at(&mut self, at: usize, entries: &[&[u8]]) {
        let mut encoded = Vec::new();
        for e in entries {
            put_len(&mut encoded, e.len());
            encoded.extend_from_slice(e);
        }
        self.bytes.reserve_exact(encoded.len());
        self.bytes.splice(at..at, encoded);
        self.count += entries.len() as u32;
    }

    /// Remove `n` entries from byte offset `at`.
    pub fn remove_at(&mut self, at: usize, n: usize) {
        let mut end = at;
        for _ in 0..n {
            end = self.entry(end).1;
        }
        self.bytes.drain(at..end);
        self.count -= n as u32;
        if self.bytes.capacity() > 2 * self.bytes.len() + 64 {
            self.bytes.shrink_to_fit();
        }
    }

    /// Replace the entry at byte offset `at`.
    pub fn replace_at(&mut self, at: usize, entry: &[u8]) {
        let end = self.entry(at).1;
        let mut encoded = Vec::with_capacity(entry.len() + 2);
        put_len(&mut encoded, entry.len());
        encoded.extend_from_slice(entry);
        self.bytes.splice(at..end, encoded);
    }
}

pub struct PackedIter<'a> {
    packed: &'a Packed,
    at: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    /// An entry and its byte offset.
    type Item = (&'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.packed.bytes.len() {
            return None;
        }
        let at = self.at;
        let (entry, next) = self.packed.entry(at);
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
