//! Set values. Sets of integers stay sorted in an array, as Redis's intset encoding keeps them
//! (so `SMEMBERS` lists them in ascending order); others are hash tables.

use super::dict::Dict;
use super::encoding::Limits;
use crate::util::parse_i64;

#[derive(Debug, Clone)]
pub enum Set {
    Ints(Vec<i64>),
    Table(Dict<()>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Ints(Vec::new())
    }
}

impl Set {
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Set::Table(t) => t.contains_key(member),
        }
    }

    /// Add a member; true if it is new.
    pub fn insert(&mut self, member: &[u8], limits: &Limits) -> bool {
        if let Set::Ints(v) = self {
            match parse_i64(member) {
                Some(n) => match v.binary_search(&n) {
                    Ok(_) => return false,
                    Err(at) if v.len() < limits.set_intset_entries => {
                        v.insert(at, n);
                        return true;
                    }
                    Err(_) => self.convert(),
                },
                None => self.convert(),
            }
        }
        match self {
            Set::Table(t) => t.insert(member, ()).is_none(),
            Set::Ints(_) => false,
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(i)) => {
                    v.remove(i);
                    true
                }
                _ => false,
            },
            Set::Table(t) => t.remove(member).is_some(),
        }
    }

    /// Every member, as bytes.
    pub fn members(&self) -> Vec<Vec<u8>> {
        match self {
            Set::Ints(v) => v.iter().map(|n| n.to_string().into_bytes()).collect(),
            Set::Table(t) => t.iter().map(|(m, _)| m.to_vec()).collect(),
        }
    }

    /// A member chosen at random (from a table, as Redis picks: a random bucket, then a
    /// random entry of its chain).
    pub fn random_member(&self, rng: &mut crate::util::Rng) -> Option<Vec<u8>> {
        match self {
            Set::Ints(v) if v.is_empty() => None,
            Set::Ints(v) => Some(v[rng.below(v.len())].to_string().into_bytes()),
            Set::Table(t) => t.fair_random_entry(|| rng.next()).map(|(m, _)| m.to_vec()),
        }
    }

    /// Move one bucket of an unfinished rehash.
    pub fn rehash_step(&mut self) {
        if let Set::Table(t) = self {
            t.rehash(1);
        }
    }

    /// The table form, once the set has outgrown its intset.
    pub fn table(&self) -> Option<&Dict<()>> {
        match self {
            Set::Table(t) => Some(t),
            Set::Ints(_) => None,
        }
    }

    fn convert(&mut self) {
        if let Set::Ints(v) = self {
            let mut table = Dict::new();
            for n in v.iter() {
                table.insert_new(n.to_string().as_bytes(), ());
            }
            *self = Set::Table(table);
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }
}
