//! Sorted set values: members with scores, ordered by (score, member) as Redis orders them.
//! A map gives a member's score; an ordered set gives ranges. (Ranks are counted by walking
//! the ordered set; Redis's skiplist with spans is the planned replacement for large sets.)

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

/// `zset-max-listpack-entries` and `zset-max-listpack-value` at their defaults (only for the
/// encoding `OBJECT ENCODING` reports).
const LISTPACK_ENTRIES: usize = 128;
const LISTPACK_VALUE: usize = 64;

/// A score ordered as Redis compares doubles (scores are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ZSet {
    scores: HashMap<Vec<u8>, f64, ahash::RandomState>,
    order: BTreeSet<(Score, Vec<u8>)>,
    /// A member once exceeded the listpack value size (Redis never converts back).
    large: bool,
}

impl ZSet {
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Set a member's score; true if the member is new.
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        if member.len() > LISTPACK_VALUE {
            self.large = true;
        }
        match self.scores.insert(member.to_vec(), score) {
            Some(old) => {
                self.order.remove(&(Score(old), member.to_vec()));
                self.order.insert((Score(score), member.to_vec()));
                false
            }
            None => {
                self.order.insert((Score(score), member.to_vec()));
                true
            }
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove(member) {
            Some(score) => {
                self.order.remove(&(Score(score), member.to_vec()));
                true
            }
            None => false,
        }
    }

    /// 0-based rank in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(self.order.range(..(Score(score), member.to_vec())).count())
    }

    /// Entries in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], f64)> {
        self.order.iter().map(|(s, m)| (m.as_slice(), s.0))
    }

    pub fn encoding(&self) -> &'static str {
        if self.len() <= LISTPACK_ENTRIES && !self.large {
            "listpack"
        } else {
            "skiplist"
        }
    }
}
