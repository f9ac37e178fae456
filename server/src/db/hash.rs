//! Hash values. Small hashes keep their fields in insertion order, as Redis's listpack
//! encoding does (so `HGETALL` answers in the same order); past the listpack limits they move
//! to a hash table, as Redis converts them.

use super::dict::Dict;
use super::encoding::Limits;

#[derive(Debug, Clone)]
pub enum Hash {
    Small(Vec<(Vec<u8>, Vec<u8>)>),
    Table(Dict<Vec<u8>>),
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
    pub fn set(&mut self, field: &[u8], value: Vec<u8>, limits: &Limits) -> bool {
        if let Hash::Small(v) = self {
            if field.len() > limits.hash_value || value.len() > limits.hash_value {
                self.convert();
            } else if let Some(slot) = v.iter_mut().find(|(f, _)| f == field) {
                slot.1 = value;
                return false;
            } else if v.len() < limits.hash_entries {
                v.push((field.to_vec(), value));
                return true;
            } else {
                self.convert();
            }
        }
        match self {
            Hash::Table(t) => t.insert(field, value).is_none(),
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

    /// Every field and value: a small hash in insertion order, a table in table order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            Hash::Small(v) => Box::new(v.iter().map(|(f, value)| (f.as_slice(), value.as_slice()))),
            Hash::Table(t) => Box::new(t.iter().map(|(f, value)| (f, value.as_slice()))),
        }
    }

    /// The table form, when the hash has outgrown its listpack.
    pub fn table(&self) -> Option<&Dict<Vec<u8>>> {
        match self {
            Hash::Table(t) => Some(t),
            Hash::Small(_) => None,
        }
    }

    fn convert(&mut self) {
        if let Hash::Small(v) = self {
            let mut table = Dict::new();
            for (field, value) in std::mem::take(v) {
                table.insert_new(&field, value);
            }
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
