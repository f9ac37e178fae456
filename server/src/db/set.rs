//! Set values. Sets of integers stay sorted in an array, as Redis's intset encoding keeps them
//! (so `SMEMBERS` lists them in ascending order); others are hash tables.

use crate::util::parse_i64;
use std::collections::HashSet;

/// `set-max-intset-entries` at its default.
const MAX_INTSET_ENTRIES: usize = 512;

#[derive(Debug, Clone)]
pub enum Set {
    Ints(Vec<i64>),
    Table(HashSet<Vec<u8>, ahash::RandomState>),
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
            Set::Table(t) => t.contains(member),
        }
    }

    /// Add a member; true if it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        if let Set::Ints(v) = self {
            match parse_i64(member) {
                Some(n) => match v.binary_search(&n) {
                    Ok(_) => return false,
                    Err(at) if v.len() < MAX_INTSET_ENTRIES => {
                        v.insert(at, n);
                        return true;
                    }
                    Err(_) => self.convert(),
                },
                None => self.convert(),
            }
        }
        match self {
            Set::Table(t) => t.insert(member.to_vec()),
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
            Set::Table(t) => t.remove(member),
        }
    }

    /// Every member, as bytes.
    pub fn members(&self) -> Vec<Vec<u8>> {
        match self {
            Set::Ints(v) => v.iter().map(|n| n.to_string().into_bytes()).collect(),
            Set::Table(t) => t.iter().cloned().collect(),
        }
    }

    fn convert(&mut self) {
        if let Set::Ints(v) = self {
            let table = v.iter().map(|n| n.to_string().into_bytes()).collect();
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
