//! Lists, packed: elements back to back in chunks of about a kilobyte (Redis keeps a list as
//! listpack nodes of about 8 KB for the same reason). A small element costs its bytes and two
//! length bytes instead of a heap allocation of its own, and a growing list adds chunks
//! instead of copying one ever larger buffer.
//!
//! An entry is its length as a varint, its bytes, then the same varint with its bytes in
//! reverse order, so an entry can be read from either end: the last entry of a chunk is found
//! from the chunk's end (RPOP) as the first is from its start (LPOP).

use super::packed::varint;
use std::collections::VecDeque;

/// A chunk stops taking new elements at the ends once it holds this many bytes; an insert
/// in the middle splits a chunk that reaches twice as many.
const CHUNK_BYTES: usize = 1024;

#[derive(Clone, Default, Debug, PartialEq, Eq)]
struct Chunk {
    data: Vec<u8>,
    count: usize,
}

#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct List {
    chunks: VecDeque<Chunk>,
    len: usize,
}

/// An element as stored: length, bytes, length reversed (no buffer of its own: pushes and
/// inserts write it straight into their chunk).
fn encode(item: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let (len, used) = varint(item.len());
    let head = len.into_iter().take(used);
    let tail = len.into_iter().take(used).rev();
    head.chain(item.iter().copied()).chain(tail)
}

/// Store `item` at byte offset `at` of `data`, moving what follows (a `splice` would do it
/// too, at several times the cost for a short element).
fn insert_entry(data: &mut Vec<u8>, at: usize, item: &[u8]) {
    let n = encoded_len(item);
    let old = data.len();
    data.resize(old + n, 0);
    data.copy_within(at..old, at + n);
    for (slot, byte) in data[at..at + n].iter_mut().zip(encode(item)) {
        *slot = byte;
    }
}

/// Bytes an element takes stored.
fn encoded_len(item: &[u8]) -> usize {
    item.len() + 2 * varint(item.len()).1
}

/// A varint from its bytes in reading order: its value and how many bytes it took.
fn read_varint(bytes: impl Iterator<Item = u8>) -> (usize, usize) {
    let mut n = 0usize;
    let mut used = 0;
    for b in bytes {
        let shift = 7 * used as u32;
        if shift < usize::BITS {
            n |= usize::from(b & 0x7f) << shift;
        }
        used += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    (n, used)
}

/// The entry starting at `at`: its bytes and where the next entry starts.
fn entry_at(data: &[u8], at: usize) -> (&[u8], usize) {
    let (n, used) = read_varint(data[at.min(data.len())..].iter().copied());
    let start = (at + used).min(data.len());
    let end = (start + n).min(data.len());
    (&data[start..end], (end + used).min(data.len()))
}

/// Where the entry that ends at `end` starts (its trailing length read backwards).
fn entry_before(data: &[u8], end: usize) -> usize {
    let (n, used) = read_varint(data[..end.min(data.len())].iter().rev().copied());
    end.saturating_sub(2 * used + n)
}

impl Chunk {
    fn with(item: &[u8]) -> Chunk {
        Chunk {
            data: encode(item).collect(),
            count: 1,
        }
    }

    fn entries(&self) -> Entries<'_> {
        Entries {
            data: &self.data,
            at: 0,
        }
    }

    /// Byte offset of the entry at `index` (or the end, for `index == count`).
    fn offset(&self, index: usize) -> usize {
        let mut at = 0;
        for _ in 0..index {
            at = entry_at(&self.data, at).1;
        }
        at
    }

    fn has_room(&self, item: &[u8]) -> bool {
        self.data.len() + encoded_len(item) <= CHUNK_BYTES
    }
}

/// The entries of one chunk, in order.
struct Entries<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.at >= self.data.len() {
            return None;
        }
        let (entry, next) = entry_at(self.data, self.at);
        self.at = next;
        Some(entry)
    }
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the elements take stored: each one's bytes and its two lengths.
    pub fn stored_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.data.len()).sum()
    }

    /// Heap bytes held (for `MEMORY USAGE` and eviction).
    pub fn heap_size(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.chunks.iter().map(|c| c.data.capacity()).sum::<usize>()
    }

    pub fn push_back(&mut self, item: &[u8]) {
        self.len += 1;
        match self.chunks.back_mut() {
            Some(last) if last.has_room(item) => {
                last.data.extend(encode(item));
                last.count += 1;
            }
            last => {
                // A full chunk gives back its spare room: it only changes in the middle now.
                if let Some(last) = last {
                    last.data.shrink_to_fit();
                }
                self.chunks.push_back(Chunk::with(item));
            }
        }
    }

    pub fn push_front(&mut self, item: &[u8]) {
        self.len += 1;
        match self.chunks.front_mut() {
            Some(first) if first.has_room(item) => {
                insert_entry(&mut first.data, 0, item);
                first.count += 1;
            }
            first => {
                if let Some(first) = first {
                    first.data.shrink_to_fit();
                }
                self.chunks.push_front(Chunk::with(item));
            }
        }
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let first = self.chunks.front_mut()?;
        let (entry, next) = entry_at(&first.data, 0);
        let item = entry.to_vec();
        first.data.drain(..next);
        first.count -= 1;
        if first.count == 0 {
            self.chunks.pop_front();
        }
        self.len -= 1;
        Some(item)
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let last = self.chunks.back_mut()?;
        let start = entry_before(&last.data, last.data.len());
        let item = entry_at(&last.data, start).0.to_vec();
        last.data.truncate(start);
        last.count -= 1;
        if last.count == 0 {
            self.chunks.pop_back();
        }
        self.len -= 1;
        Some(item)
    }

    /// The chunk holding element `index` (which must be in range) and its index there, found
    /// from the nearer end.
    fn locate(&self, index: usize) -> (usize, usize) {
        if index < self.len / 2 {
            let mut rest = index;
            for (c, chunk) in self.chunks.iter().enumerate() {
                if rest < chunk.count {
                    return (c, rest);
                }
                rest -= chunk.count;
            }
        } else {
            let mut after = self.len - index;
            for (c, chunk) in self.chunks.iter().enumerate().rev() {
                if after <= chunk.count {
                    return (c, chunk.count - after);
                }
                after -= chunk.count;
            }
        }
        (self.chunks.len(), 0)
    }

    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len {
            return None;
        }
        let (c, i) = self.locate(index);
        let chunk = self.chunks.get(c)?;
        Some(entry_at(&chunk.data, chunk.offset(i)).0)
    }

    /// Replace element `index` (in range: otherwise nothing happens).
    pub fn set(&mut self, index: usize, item: &[u8]) {
        if index >= self.len {
            return;
        }
        let (c, i) = self.locate(index);
        if let Some(chunk) = self.chunks.get_mut(c) {
            let start = chunk.offset(i);
            let end = entry_at(&chunk.data, start).1;
            chunk.data.drain(start..end);
            insert_entry(&mut chunk.data, start, item);
        }
        self.split_if_large(c);
    }

    /// Insert `item` so that it becomes element `index` (at most `len`).
    pub fn insert(&mut self, index: usize, item: &[u8]) {
        if index == 0 {
            return self.push_front(item);
        }
        if index >= self.len {
            return self.push_back(item);
        }
        let (c, i) = self.locate(index);
        if let Some(chunk) = self.chunks.get_mut(c) {
            let at = chunk.offset(i);
            insert_entry(&mut chunk.data, at, item);
            chunk.count += 1;
            self.len += 1;
        }
        self.split_if_large(c);
    }

    /// A chunk grown past twice the chunk size by changes in the middle is cut in two.
    fn split_if_large(&mut self, c: usize) {
        let Some(chunk) = self.chunks.get_mut(c) else {
            return;
        };
        if chunk.data.len() <= 2 * CHUNK_BYTES || chunk.count < 2 {
            return;
        }
        let half = chunk.count / 2;
        let at = chunk.offset(half);
        let tail = Chunk {
            data: chunk.data.split_off(at),
            count: chunk.count - half,
        };
        chunk.count = half;
        chunk.data.shrink_to_fit();
        self.chunks.insert(c + 1, tail);
    }

    pub fn clear(&mut self) {
        *self = List::default();
    }

    /// Keep only elements `start..=end`, as LTRIM does (empty when the range is): whole
    /// chunks are dropped from either end and only the two at the range's edges are cut, so
    /// the work is that of what is removed.
    pub fn keep_range(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            return self.clear();
        }
        self.drop_back(self.len - 1 - end.min(self.len - 1));
        self.drop_front(start);
    }

    /// Remove the last `n` elements (at most all of them).
    fn drop_back(&mut self, mut n: usize) {
        while n > 0 {
            let Some(last) = self.chunks.back_mut() else {
                return;
            };
            let cut = n.min(last.count);
            if cut == last.count {
                self.chunks.pop_back();
            } else {
                let kept = last.count - cut;
                let at = last.offset(kept);
                last.data.truncate(at);
                last.count = kept;
            }
            self.len -= cut;
            n -= cut;
        }
    }

    /// Remove the first `n` elements (at most all of them).
    fn drop_front(&mut self, mut n: usize) {
        while n > 0 {
            let Some(first) = self.chunks.front_mut() else {
                return;
            };
            let cut = n.min(first.count);
            if cut == first.count {
                self.chunks.pop_front();
            } else {
                let at = first.offset(cut);
                first.data.drain(..at);
                first.count -= cut;
            }
            self.len -= cut;
            n -= cut;
        }
    }

    /// Remove the first `limit` elements equal to `target` (the last ones with `from_back`),
    /// in one pass over the list: how many were removed (LREM).
    pub fn remove_matching(&mut self, target: &[u8], limit: usize, from_back: bool) -> usize {
        let matches = self.iter().filter(|&v| v == target).count();
        let removed = matches.min(limit);
        if removed == 0 {
            return 0;
        }
        // From the back, the first `matches - removed` matches are the ones kept.
        let keep_first = if from_back { matches - removed } else { 0 };
        let mut seen = 0;
        let kept: List = self
            .iter()
            .filter(|&v| {
                if v != target {
                    return true;
                }
                seen += 1;
                seen <= keep_first || seen > keep_first + removed
            })
            .collect();
        *self = kept;
        removed
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.chunks.iter().flat_map(Chunk::entries)
    }

    /// The elements from `start` on, skipping whole chunks to get there.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let mut rest = start;
        let mut first = 0;
        for chunk in &self.chunks {
            if rest < chunk.count {
                break;
            }
            rest -= chunk.count;
            first += 1;
        }
        self.chunks
            .iter()
            .skip(first)
            .flat_map(Chunk::entries)
            .skip(rest)
    }
}

impl<'a> FromIterator<&'a [u8]> for List {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(items: I) -> List {
        let mut list = List::new();
        for item in items {
            list.push_back(item);
        }
        list
    }
}

impl Extend<Vec<u8>> for List {
    fn extend<I: IntoIterator<Item = Vec<u8>>>(&mut self, items: I) {
        for item in items {
            self.push_back(&item);
        }
    }
}

impl FromIterator<Vec<u8>> for List {
    fn from_iter<I: IntoIterator<Item = Vec<u8>>>(items: I) -> List {
        let mut list = List::new();
        for item in items {
            list.push_back(&item);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for the model test.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % below.max(1)
        }
    }

    fn item(rng: &mut Lcg) -> Vec<u8> {
        // Mostly short elements, sometimes past one varint byte and past a chunk.
        let len = match rng.next(10) {
            0 => 100 + rng.next(300),
            1 => CHUNK_BYTES + rng.next(500),
            _ => rng.next(12),
        };
        (0..len).map(|_| rng.next(256) as u8).collect()
    }

    /// Every chunk holds elements, and their counts add up to the list's length.
    fn assert_chunks_consistent(list: &List) {
        assert_eq!(
            list.chunks.iter().map(|c| c.count).sum::<usize>(),
            list.len()
        );
        assert!(list.chunks.iter().all(|c| c.count > 0));
    }

    #[test]
    fn behaves_as_a_deque_under_every_operation() {
        let mut rng = Lcg(7);
        let mut list = List::new();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for step in 0..20_000 {
            let len = model.len();
            match rng.next(11) {
                0 | 1 => {
                    let x = item(&mut rng);
                    list.push_back(&x);
                    model.push_back(x);
                }
                2 | 3 => {
                    let x = item(&mut rng);
                    list.push_front(&x);
                    model.push_front(x);
                }
                4 => assert_eq!(list.pop_front(), model.pop_front(), "step {step}"),
                5 => assert_eq!(list.pop_back(), model.pop_back(), "step {step}"),
                6 if len > 0 => {
                    let i = rng.next(len);
                    let x = item(&mut rng);
                    list.set(i, &x);
                    model[i] = x;
                }
                7 => {
                    let i = rng.next(len + 1);
                    let x = item(&mut rng);
                    list.insert(i, &x);
                    model.insert(i, x);
                }
                8 if len > 0 => {
                    let target = model[rng.next(len)].clone();
                    let limit = 1 + rng.next(3);
                    let from_back = rng.next(2) == 0;
                    let mut positions: Vec<usize> =
                        (0..len).filter(|&i| model[i] == target).collect();
                    if from_back {
                        positions.reverse();
                    }
                    positions.truncate(limit);
                    positions.sort_unstable();
                    for &i in positions.iter().rev() {
                        model.remove(i);
                    }
                    let removed = list.remove_matching(&target, limit, from_back);
                    assert_eq!(removed, positions.len(), "step {step}");
                }
                9 if len > 0 && rng.next(4) == 0 => {
                    let s = rng.next(len);
                    let e = s + rng.next(len - s);
                    list.keep_range(s, e);
                    model.truncate(e + 1);
                    model.drain(..s);
                }
                _ if len > 0 => {
                    let i = rng.next(len);
                    assert_eq!(list.get(i), Some(&model[i][..]), "step {step}");
                    let from: Vec<&[u8]> = list.iter_from(i).take(3).collect();
                    let expected: Vec<&[u8]> = model.range(i..).take(3).map(|v| &v[..]).collect();
                    assert_eq!(from, expected);
                }
                _ => {}
            }
            assert_eq!(list.len(), model.len());
            assert_eq!(list.get(model.len()), None);
            if step % 500 == 0 {
                assert!(list.iter().eq(model.iter().map(|v| &v[..])));
                assert_chunks_consistent(&list);
            }
        }
    }

    #[test]
    fn trimming_a_long_list_keeps_exactly_the_range() {
        let items: Vec<Vec<u8>> = (0..5000)
            .map(|i| format!("item-{i}").into_bytes())
            .collect();
        for (start, end) in [
            (1234, 4321),
            (0, 4999),
            (0, 0),
            (4999, 4999),
            (17, 9000),
            (300, 299),
            (6000, 7000),
        ] {
            let mut list: List = items.iter().map(|v| &v[..]).collect();
            list.keep_range(start, end);
            let expected: Vec<&[u8]> = if start > end || start >= items.len() {
                Vec::new()
            } else {
                items[start..=end.min(items.len() - 1)]
                    .iter()
                    .map(|v| &v[..])
                    .collect()
            };
            assert!(list.iter().eq(expected.iter().copied()), "{start}..={end}");
            assert_eq!(list.len(), expected.len());
            assert_chunks_consistent(&list);
        }
    }

    #[test]
    fn small_elements_take_a_few_bytes_each() {
        let list: List = (0..100_000u32)
            .map(|i| (i % 1000).to_string().into_bytes())
            .collect();
        assert_eq!(list.len(), 100_000);
        // Three digits and two length bytes each, plus chunk bookkeeping.
        assert!(list.heap_size() < 100_000 * 6, "{}", list.heap_size());
        assert_eq!(list.get(54_321), Some(&b"321"[..]));
    }

    #[test]
    fn lengths_read_back_from_either_end() {
        for len in [0, 1, 127, 128, 300, 16_383, 16_384, 70_000] {
            let x = vec![b'x'; len];
            let stored: Vec<u8> = encode(&x).collect();
            assert_eq!(stored.len(), encoded_len(&x));
            assert_eq!(entry_at(&stored, 0), (&x[..], stored.len()));
            assert_eq!(entry_before(&stored, stored.len()), 0);
        }
    }
}
