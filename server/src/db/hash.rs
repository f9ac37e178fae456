//! Hash values. Small hashes keep their fields in insertion order, packed in one allocation
//! (field, value, field, value...), as Redis's listpack encoding does (so `HGETALL` answers in
//! the same order and a small hash costs little more than its bytes); past the listpack
//! limits they move to a hash table, as Redis converts them.

use super::dict::Dict;
use super::encoding::Limits;
use super::packed::Packed;

#[derive(Debug, Clone)]
pub enum Hash {
    /// Fields and values alternating.
    Small(Packed),
    Table(Box<Dict<Vec<u8>>>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Small(Packed::default())
    }
}

/// The byte offsets of a small hash's field and value entries for `field`.
fn find(p: &Packed, field: &[u8]) -> Option<(usize, usize)> {
    let mut it = p.iter();
    while let (Some((f, at)), Some((_, value_at))) = (it.next(), it.next()) {
        if f == field {
            return Some((at, value_at));
        }
    }
    None
}

impl Hash {
    pub fn len(&self) -> usize {
        match self {
            Hash::Small(p) => p.len() / 2,
            Hash::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Small(p) => {
                let mut it = p.iter();
                while let (Some((f, _)), Some((v, _))) = (it.next(), it.next()) {
                    if f == field {
                        return Some(v);
                    }
                }
                None
            }
            Hash::Table(t) => t.get(field).map(Vec::as_slice),
        }
    }

    /// Set a field; true if it is new.
    pub fn set(&mut self, field: &[u8], value: Vec<u8>, limits: &Limits) -> bool {
        if let Hash::Small(p) = self {
            if field.len() > limits.hash_value || value.len() > limits.hash_value {
                self.convert();
            } else if let Some((_, value_at)) = find(p, field) {
                p.replace_at(value_at, &value);
                return false;
            } else if p.len() / 2 < limits.hash_entries {
                p.push(field);
                p.push(&value);
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
            Hash::Small(p) => match find(p, field) {
                Some((at, _)) => {
                    p.remove_at(at, 2);
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
            Hash::Small(p) => {
                let mut it = p.iter();
                Box::new(std::iter::from_fn(move || {
                    let (f, _) = it.next()?;
                    let (v, _) = it.next()?;
                    Some((f, v))
                }))
            }
            Hash::Table(t) => Box::new(t.iter().map(|(f, value)| (f, value.as_slice()))),
        }
    }

    /// The table form, when the hash has outgrown its listpack.
    /// Move one bucket of an unfinished rehash.
    pub fn rehash_step(&mut self) {
        if let Hash::Table(t) = self {
            t.rehash(1);
        }
    }

    pub fn table(&self) -> Option<&Dict<Vec<u8>>> {
        match self {
            Hash::Table(t) => Some(&**t),
            Hash::Small(_) => None,
        }
    }

    fn convert(&mut self) {
        if let Hash::Small(p) = self {
            let mut table = Dict::new();
            let mut it = p.iter();
            while let (Some((f, _)), Some((v, _))) = (it.next(), it.next()) {
                table.insert_new(f, v.to_vec());
            }
            *self = Hash::Table(Box::new(table));
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Small(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }
}
