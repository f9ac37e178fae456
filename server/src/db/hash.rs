//! Hash values. Small hashes keep their fields in insertion order, as Redis's listpack
//! encoding does (so `HGETALL` answers in the same order); past the listpack limits they move
//! to a hash table, as Redis converts them.

use std::collections::HashMap;

/// `hash-max-listpack-entries` and `hash-max-listpack-value` at their defaults.
const MAX_SMALL_ENTRIES: usize = 512;
const MAX_SMALL_VALUE: usize = 64;

#[derive(Debug, Clone)]
pub enum Hash {
    Small(Vec<(Vec<u8>, Vec<u8>)>),
    Table(HashMap<Vec<u8>, Vec<u8>, ahash::RandomState>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Small(Vec::new())
    }
}

impl Hash {
    pub fn len(&self) -> usize {
        match self {
            Hash::Small(v) => v.len(),
            Hash::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        match self {
            Hash::Small(v) => v.iter().find(|(f, _)| f == field).map(|(_, value)| value),
            Hash::Table(t) => t.get(field),
        }
    }

    /// Set a field; true if it is new.
    pub fn set(&mut self, field: &[u8], value: Vec<u8>) -> bool {
        if let Hash::Small(v) = self {
            if field.len() > MAX_SMALL_VALUE || value.len() > MAX_SMALL_VALUE {
                self.convert();
            } else if let Some(slot) = v.iter_mut().find(|(f, _)| f == field) {
                slot.1 = value;
                return false;
            } else if v.len() < MAX_SMALL_ENTRIES {
                v.push((field.to_vec(), value));
                return true;
            } else {
                self.convert();
            }
        }
        match self {
            Hash::Table(t) => t.insert(field.to_vec(), value).is_none(),
            Hash::Small(_) => false,
        }
    }

    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Small(v) => match v.iter().position(|(f, _)| f == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Hash::Table(t) => t.remove(field).is_some(),
        }
    }

    pub fn iter(&self) -> Box<dyn Iterator<Item = (&Vec<u8>, &Vec<u8>)> + '_> {
        match self {
            Hash::Small(v) => Box::new(v.iter().map(|(f, value)| (f, value))),
            Hash::Table(t) => Box::new(t.iter()),
        }
    }

    fn convert(&mut self) {
        if let Hash::Small(v) = self {
            let table = std::mem::take(v).into_iter().collect();
            *self = Hash::Table(table);
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Small(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }
}
