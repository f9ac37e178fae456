//! Set values. Sets of integers stay sorted in an array, as Redis's intset encoding keeps them
//! (so `SMEMBERS` lists them in ascending order); others are hash tables.

use super::dict::Dict;
use super::encoding::Limits;
use super::packed::Packed;
use crate::util::parse_i64;

#[derive(Debug, Clone)]
pub enum Set {
    Ints(Vec<i64>),
    /// A few short members packed in one allocation, searched linearly. Redis 7.0 keeps such
    /// a set in a hash table, and this form answers as one (`OBJECT ENCODING`, DUMP, RDB): it
    /// only costs less memory, as Redis 7.2's listpack sets do.
    Small(Packed),
    Table(Box<Dict<()>>),
}

/// Members a set keeps packed at most, and the longest member it packs.
const SMALL_ENTRIES: usize = 32;
const SMALL_MEMBER: usize = 64;

impl Default for Set {
    fn default() -> Self {
        Set::Ints(Vec::new())
    }
}

impl Set {
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Small(p) => p.len(),
            Set::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Set::Small(p) => p.iter().any(|(m, _)| m == member),
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
                    Err(_) => self.convert(member),
                },
                None => self.convert(member),
            }
        }
        if let Set::Small(p) = self {
            if p.iter().any(|(m, _)| m == member) {
                return false;
            }
            if p.len() < SMALL_ENTRIES && member.len() <= SMALL_MEMBER {
                p.push(member);
                return true;
            }
            self.convert(member);
        }
        match self {
            Set::Table(t) => t.insert(member, ()).is_none(),
            Set::Ints(_) | Set::Small(_) => false,
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
            Set::Small(p) => match p.iter().find(|(m, _)| *m == member) {
                Some((_, at)) => {
                    p.remove_at(at, 1);
                    true
                }
                None => false,
            },
            Set::Table(t) => t.remove(member).is_some(),
        }
    }

    /// Call `visit` with every member, as bytes.
    pub fn for_each_member(&self, mut visit: impl FnMut(&[u8])) {
        match self {
            Set::Ints(v) => {
                let mut digits = itoa::Buffer::new();
                v.iter().for_each(|n| visit(digits.format(*n).as_bytes()));
            }
            Set::Small(p) => p.iter().for_each(|(m, _)| visit(m)),
            Set::Table(t) => t.iter().for_each(|(m, _)| visit(m)),
        }
    }

    /// Every member, as bytes.
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut members = Vec::with_capacity(self.len());
        self.for_each_member(|m| members.push(m.to_vec()));
        members
    }

    /// A member chosen at random (from a table, as Redis picks: a random bucket, then a
    /// random entry of its chain).
    pub fn random_member(&self, rng: &mut crate::util::Rng) -> Option<Vec<u8>> {
        match self {
            Set::Ints(v) if v.is_empty() => None,
            Set::Ints(v) => Some(v[rng.below(v.len())].to_string().into_bytes()),
            Set::Small(p) if p.is_empty() => None,
            Set::Small(p) => p.iter().nth(rng.below(p.len())).map(|(m, _)| m.to_vec()),
            Set::Table(t) => t.fair_random_entry(|| rng.next()).map(|(m, _)| m.to_vec()),
        }
    }

    /// Move one bucket of an unfinished rehash.
    pub fn rehash_step(&mut self) {
        if let Set::Table(t) = self {
            t.rehash(1);
        }
    }

    /// The table form, once the set has outgrown its intset and packed forms.
    pub fn table(&self) -> Option<&Dict<()>> {
        match self {
            Set::Table(t) => Some(t),
            Set::Ints(_) | Set::Small(_) => None,
        }
    }

    /// Leave the intset or packed form for the next one able to hold `adding` too: packed
    /// while the set stays small and its members short, else the table.
    /// The hash table statistics `DEBUG HTSTATS-KEY` shows: the table's, or for a packed
    /// set (a hash table to Redis 7.0) those of the table holding its members; `None` for an
    /// intset.
    pub fn table_stats(&self) -> Option<String> {
        match self {
            Set::Table(t) => Some(t.stats_text()),
            Set::Small(_) => {
                let mut table = Dict::new();
                self.for_each_member(|m| table.insert_new(m, ()));
                Some(table.stats_text())
            }
            Set::Ints(_) => None,
        }
    }

    fn convert(&mut self, adding: &[u8]) {
        let stays_small = self.len() < SMALL_ENTRIES
            && adding.len() <= SMALL_MEMBER
            && matches!(self, Set::Ints(_));
        let mut packed = Packed::default();
        let mut table = Dict::new();
        self.for_each_member(|m| {
            if stays_small {
                packed.push(m);
            } else {
                table.insert_new(m, ());
            }
        });
        *self = if stays_small {
            Set::Small(packed)
        } else {
            Set::Table(Box::new(table))
        };
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Small(_) | Set::Table(_) => "hashtable",
        }
    }
}
