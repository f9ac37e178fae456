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

/// FNV-1a over the case-folded bytes.
fn hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
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
            if key.eq_ignore_ascii_case(name) {
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
    use super::NameMap;

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
}
