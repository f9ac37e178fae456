//! Sorted set values: members with scores, ordered by (score, member) as Redis orders them.
//! A map gives a member's score; an ordered set gives ranges. (Ranks are counted by walking
//! the ordered set; Redis's skiplist with spans is the planned replacement for large sets.)

use super::dict::Dict;
use super::encoding::Limits;
use std::cmp::Ordering;
use std::collections::BTreeSet;

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
    scores: Dict<f64>,
    order: BTreeSet<(Score, Vec<u8>)>,
    /// The set has outgrown the listpack limits (Redis never converts back).
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
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &Limits) -> bool {
        let grows = self.len() >= limits.zset_entries && self.score(member).is_none();
        if grows || member.len() > limits.zset_value {
            self.large = true;
        }
        // A listpack keeps an integral score as an integer, which has no negative zero.
        let score = if !self.large && score == 0.0 {
            0.0
        } else {
            score
        };
        match self.scores.insert(member, score) {
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
            Some((_, score)) => {
                self.order.remove(&(Score(score), member.to_vec()));
                true
            }
            None => false,
        }
    }

    /// Remove and give up to `count` entries from the highest scores (`max`) or the lowest,
    /// in the order they are taken.
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<(Vec<u8>, f64)> {
        let mut taken = Vec::with_capacity(count.min(self.len()));
        while taken.len() < count {
            let entry = if max {
                self.order.pop_last()
            } else {
                self.order.pop_first()
            };
            let Some((score, member)) = entry else {
                break;
            };
            self.scores.remove(&member);
            taken.push((member, score.0));
        }
        taken
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

    /// Entries with `min <= score < max`, ascending.
    pub fn range_by_score(&self, min: f64, max: f64) -> impl Iterator<Item = (&[u8], f64)> {
        self.order
            .range((Score(min), Vec::new())..)
            .take_while(move |(s, _)| s.0 < max)
            .map(|(s, m)| (m.as_slice(), s.0))
    }

    /// The member-to-score table (for `ZSCAN` on a large set).
    pub fn scores(&self) -> &Dict<f64> {
        &self.scores
    }

    /// The same set, in the encoding Redis gives a computed result of its size
    /// (`zsetConvertToListpackIfNeeded`).
    pub fn with_encoding_for(mut self, limits: &Limits) -> ZSet {
        self.large = self.len() > limits.zset_entries
            || self.iter().any(|(m, _)| m.len() > limits.zset_value);
        self
    }

    /// Whether the set is in its listpack form.
    pub fn is_listpack(&self) -> bool {
        !self.large
    }

    pub fn encoding(&self) -> &'static str {
        if !self.large {
            "listpack"
        } else {
            "skiplist"
        }
    }
}
