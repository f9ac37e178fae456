//! A map from command names to entries that ignores ASCII case, for the command table: every
//! request looks its name up here (twice for a script's command), so the lookup hashes the
//! name as it stands, folding case on the fly, and compares without copying it.

/// Entries by case-folded name, found through an open-addressing index.
#[derive(Debug)]
pub struct NameMap<T> {
    /// Lower-case names and their entries, in insertion order.
    entries: Vec<(Box<[u8]>, T)>,
    /// Positions in `entries`, or `EMPTY`; a power of two long, at most half full.
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap {
            entries: Vec::new(),
            slots: Vec::new(),
        }
    }
}

/// The eight bytes of `name` from `at`, little-endian, zero-padded past its end. A short
/// tail is read as two overlapping loads, not byte by byte.
fn word(name: &[u8], at: usize) -> u64 {
    let rest = name.get(at..).unwrap_or_default();
    let n = rest.len();
    if n >= 8 {
        return u64::from_le_bytes(array(rest, 0));
    }
    if n >= 4 {
        let low = u32::from_le_bytes(array(rest, 0));
        let high = u32::from_le_bytes(array(rest, n - 4));
        return u64::from(low) | u64::from(high) << (8 * (n - 4));
    }
    if n >= 2 {
        let low = u16::from_le_bytes(array(rest, 0));
        let high = u16::from_le_bytes(array(rest, n - 2));
        return u64::from(low) | u64::from(high) << (8 * (n - 2));
    }
    rest.first().map_or(0, |&b| u64::from(b))
}

/// The `N` bytes of `bytes` from `at` (zeros where it is shorter: never, as called).
fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes
        .get(at..at + N)
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .unwrap_or([0; N])
}

/// `word` with its ASCII capitals made small, all eight bytes at once: a byte gets 0x20
/// where it is an ASCII byte from `A` to `Z` (the high bit of each lane after adding
/// 0x3f says `>= 'A'`, after adding 0x25 says `> 'Z'`; no lane carries into the next, as
/// each holds at most 0x7f before the addition). Exactly what `to_ascii_lowercase` does.
fn fold(word: u64) -> u64 {
    const LANES: u64 = 0x0101_0101_0101_0101;
    let low7 = word & (0x7f * LANES);
    let from_a = low7 + 0x3f * LANES;
    let past_z = low7 + 0x25 * LANES;
    let capital = from_a & !past_z & !word & (0x80 * LANES);
    word | (capital >> 2)
}

/// A hash of the case-folded name, taken a word at a time (a byte at a time cost more than
/// the rest of looking a command up).
fn hash(name: &[u8]) -> u64 {
    let mut h = name.len() as u64;
    for at in (0..name.len()).step_by(8) {
        h = (h ^ fold(word(name, at))).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    h
}

/// `name` equals `key` ignoring ASCII case, `key` being lower-case already.
fn same_name(key: &[u8], name: &[u8]) -> bool {
    key.len() == name.len()
        && (0..key.len())
            .step_by(8)
            .all(|at| word(key, at) == fold(word(name, at)))
}

impl<T> NameMap<T> {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position in `entries` of `name` (any case).
    fn find(&self, name: &[u8]) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(name) as usize & mask;
        // Bounded by the table's size; it is never full, so an empty slot ends the probe.
        for _ in 0..self.slots.len() {
            let slot = self.slots[at];
            if slot == EMPTY {
                return None;
            }
            let (key, _) = &self.entries[slot as usize];
            if same_name(key, name) {
                return Some(slot as usize);
            }
            at = (at + 1) & mask;
        }
        None
    }

    pub fn get(&self, name: &[u8]) -> Option<&T> {
        self.find(name).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut T> {
        self.find(name).map(|i| &mut self.entries[i].1)
    }

    /// Add or replace the entry for `name`.
    pub fn insert(&mut self, name: &[u8], value: T) {
        if let Some(i) = self.find(name) {
            self.entries[i].1 = value;
            return;
        }
        self.entries.push((name.to_ascii_lowercase().into(), value));
        if self.entries.len() * 2 > self.slots.len() {
            self.rebuild((self.entries.len() * 4).next_power_of_two());
        } else {
            self.place(self.entries.len() - 1);
        }
    }

    fn rebuild(&mut self, size: usize) {
        self.slots = vec![EMPTY; size];
        for i in 0..self.entries.len() {
            self.place(i);
        }
    }

    fn place(&mut self, entry: usize) {
        let mask = self.slots.len() - 1;
        let mut at = hash(&self.entries[entry].0) as usize & mask;
        while self.slots[at] != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = entry as u32;
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, word, NameMap};

    #[test]
    fn folding_a_word_is_ascii_lowercasing_of_each_byte() {
        // Every byte value in every lane, next to bytes that could carry into it.
        for b in 0..=255u8 {
            for lane in 0..8 {
                for around in [0xffu8, b'Z'] {
                    let mut bytes = [around; 8];
                    bytes[lane] = b;
                    let expected = u64::from_le_bytes(bytes.map(|x| x.to_ascii_lowercase()));
                    assert_eq!(fold(u64::from_le_bytes(bytes)), expected, "byte {b:#x}");
                }
            }
        }
    }

    #[test]
    fn a_word_is_the_next_eight_bytes_zero_padded() {
        for name in [
            &b"abcdefghijk"[..],
            b"abcdefg",
            b"abcde",
            b"abcd",
            b"abc",
            b"ab",
            b"a",
            b"",
        ] {
            for at in 0..=name.len() {
                let mut padded = [0u8; 8];
                let tail = &name[at..name.len().min(at + 8)];
                padded[..tail.len()].copy_from_slice(tail);
                assert_eq!(word(name, at), u64::from_le_bytes(padded));
            }
        }
    }

    #[test]
    fn finds_names_in_any_case_and_only_those() {
        let mut map = NameMap::default();
        let names: Vec<String> = (0..300).map(|i| format!("cmd{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.as_bytes(), i);
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(map.get(name.to_uppercase().as_bytes()), Some(&i));
        }
        assert_eq!(map.get(b"cmd300"), None);
        assert_eq!(map.get(b""), None);
        map.insert(b"CMD7", 1000);
        assert_eq!(map.get(b"cmd7"), Some(&1000));
        assert_eq!(map.values().count(), 300);
    }

    #[test]
    fn only_ascii_letters_fold() {
        let mut map = NameMap::default();
        map.insert(b"georadiusbymember_ro", 1);
        map.insert(b"a@", 2);
        map.insert("\u{e9}".as_bytes(), 3);
        assert_eq!(map.get(b"GEORADIUSBYMEMBER_RO"), Some(&1));
        assert_eq!(map.get(b"georadiusbymember_rO"), Some(&1));
        assert_eq!(map.get(b"georadiusbymember_r"), None);
        assert_eq!(map.get(b"georadiusbymember_ro\0"), None);
        assert_eq!(map.get(b"A@"), Some(&2));
        assert_eq!(map.get(b"a`"), None);
        assert_eq!(map.get("\u{c9}".as_bytes()), None);
        assert_eq!(map.get("\u{e9}".as_bytes()), Some(&3));
    }
}
