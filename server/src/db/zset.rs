//! Sorted set values: members with scores, ordered by (score, member) as Redis orders them.
//! Small sets are packed in one allocation (member, score, member, score..., in order), as
//! Redis's listpack keeps them; past the listpack limits a map gives a member's score and an
//! ordered set gives ranges. (Ranks in the large form are counted by walking the ordered set;
//! Redis's skiplist with spans is the planned replacement for very large sets.)

use super::dict::Dict;
use super::encoding::Limits;
use super::packed::Packed;
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

/// The large form.
#[derive(Debug, Clone, Default)]
pub struct Large {
    scores: Dict<f64>,
    order: BTreeSet<(Score, Vec<u8>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_round_trip_through_their_small_form() {
        for s in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            127.0,
            128.0,
            -129.0,
            1e15,
            -(2f64.powi(52)),
            0.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9007199254740993.0,
        ] {
            let (bytes, len) = encode_score(s);
            let back = decode_score(&bytes[..len]);
            assert_eq!(back, if s == 0.0 { 0.0 } else { s }, "{s}");
        }
        assert_eq!(encode_score(5.0).1, 1);
        assert_eq!(encode_score(-5.0).1, 1);
        assert_eq!(encode_score(0.0).1, 0);
    }
}

#[derive(Debug, Clone)]
pub enum ZSet {
    /// Members and their scores (8 bytes, little endian) alternating, in order.
    Small(Packed),
    Large(Box<Large>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Small(Packed::default())
    }
}

/// A score as a small set stores it: an integral score below 2^53 as its shortest
/// little-endian two's complement (0 to 7 bytes, as a listpack stores small integers
/// compactly), any other as the 8 bytes of the double.
fn encode_score(score: f64) -> ([u8; 8], usize) {
    if score.fract() == 0.0 && score.abs() < (1u64 << 53) as f64 {
        let v = score as i64;
        let bytes = v.to_le_bytes();
        let mut len = 8;
        // Drop high bytes that only repeat the sign.
        while len > 0 {
            let top = bytes[len - 1];
            let next_sign = if len >= 2 { bytes[len - 2] & 0x80 } else { 0 };
            let redundant =
                (top == 0 && next_sign == 0) || (top == 0xff && next_sign != 0 && len >= 2);
            if !redundant {
                break;
            }
            len -= 1;
        }
        return (bytes, len.min(7));
    }
    (score.to_le_bytes(), 8)
}

fn decode_score(bytes: &[u8]) -> f64 {
    if bytes.len() == 8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        return f64::from_le_bytes(b);
    }
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut b = if negative { [0xffu8; 8] } else { [0u8; 8] };
    b[..bytes.len()].copy_from_slice(bytes);
    i64::from_le_bytes(b) as f64
}

/// The entries of a small set: member, score, and the byte offset of the member.
fn small_entries(p: &Packed) -> impl Iterator<Item = (&[u8], f64, usize)> {
    let mut it = p.iter();
    std::iter::from_fn(move || {
        let (m, at) = it.next()?;
        let (s, _) = it.next()?;
        Some((m, decode_score(s), at))
    })
}

/// Entries in ascending order, either form.
pub enum ZIter<'a> {
    Small(std::vec::IntoIter<(&'a [u8], f64)>),
    Large(std::collections::btree_set::Iter<'a, (Score, Vec<u8>)>),
}

impl<'a> Iterator for ZIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ZIter::Small(it) => it.next(),
            ZIter::Large(it) => it.next().map(|(s, m)| (m.as_slice(), s.0)),
        }
    }
}

impl DoubleEndedIterator for ZIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ZIter::Small(it) => it.next_back(),
            ZIter::Large(it) => it.next_back().map(|(s, m)| (m.as_slice(), s.0)),
        }
    }
}

impl ZSet {
    pub fn len(&self) -> usize {
        match self {
            ZSet::Small(p) => p.len() / 2,
            ZSet::Large(l) => l.scores.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(p) => small_entries(p)
                .find(|(m, _, _)| *m == member)
                .map(|(_, s, _)| s),
            ZSet::Large(l) => l.scores.get(member).copied(),
        }
    }

    /// Set a member's score; true if the member is new.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &Limits) -> bool {
        if let ZSet::Small(p) = self {
            let grows = p.len() / 2 >= limits.zset_entries && self.score(member).is_none();
            if grows || member.len() > limits.zset_value {
                self.convert_to_large();
            }
        }
        match self {
            ZSet::Small(p) => {
                // A listpack keeps an integral score as an integer, which has no negative
                // zero.
                let score = if score == 0.0 { 0.0 } else { score };
                let existing = small_entries(p)
                    .find(|(m, _, _)| *m == member)
                    .map(|(_, s, at)| (s, at));
                if let Some((old, at)) = existing {
                    if old == score {
                        return false;
                    }
                    p.remove_at(at, 2);
                }
                let key = (Score(score), member);
                let at = small_entries(p)
                    .find(|(m, s, _)| (Score(*s), *m) > key)
                    .map(|(_, _, at)| at);
                let (bytes, len) = encode_score(score);
                match at {
                    Some(at) => p.insert_at(at, &[member, &bytes[..len]]),
                    None => {
                        p.push(member);
                        p.push(&bytes[..len]);
                    }
                }
                existing.is_none()
            }
            ZSet::Large(l) => match l.scores.insert(member, score) {
                Some(old) => {
                    l.order.remove(&(Score(old), member.to_vec()));
                    l.order.insert((Score(score), member.to_vec()));
                    false
                }
                None => {
                    l.order.insert((Score(score), member.to_vec()));
                    true
                }
            },
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Small(p) => {
                let at = small_entries(p)
                    .find(|(m, _, _)| *m == member)
                    .map(|(_, _, at)| at);
                if let Some(at) = at {
                    p.remove_at(at, 2);
                }
                at.is_some()
            }
            ZSet::Large(l) => match l.scores.remove(member) {
                Some((_, score)) => {
                    l.order.remove(&(Score(score), member.to_vec()));
                    true
                }
                None => false,
            },
        }
    }

    /// Remove and give up to `count` entries from the highest scores (`max`) or the lowest,
    /// in the order they are taken.
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<(Vec<u8>, f64)> {
        let mut taken = Vec::with_capacity(count.min(self.len()));
        while taken.len() < count {
            let entry = match self {
                ZSet::Small(p) => {
                    let last = if max {
                        small_entries(p).last()
                    } else {
                        small_entries(p).next()
                    };
                    last.map(|(m, s, at)| (m.to_vec(), s, at))
                        .map(|(m, s, at)| {
                            p.remove_at(at, 2);
                            (m, s)
                        })
                }
                ZSet::Large(l) => {
                    let e = if max {
                        l.order.pop_last()
                    } else {
                        l.order.pop_first()
                    };
                    e.map(|(score, member)| {
                        l.scores.remove(&member);
                        (member, score.0)
                    })
                }
            };
            let Some(entry) = entry else {
                break;
            };
            taken.push(entry);
        }
        taken
    }

    /// 0-based rank in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSet::Small(p) => small_entries(p).position(|(m, _, _)| m == member),
            ZSet::Large(l) => {
                let score = l.scores.get(member).copied()?;
                Some(l.order.range(..(Score(score), member.to_vec())).count())
            }
        }
    }

    /// Move one bucket of an unfinished rehash.
    pub fn rehash_step(&mut self) {
        if let ZSet::Large(l) = self {
            l.scores.rehash(1);
        }
    }

    /// The member-to-score table of a large sorted set (DEBUG HTSTATS-KEY).
    pub fn table(&self) -> Option<&Dict<f64>> {
        match self {
            ZSet::Small(_) => None,
            ZSet::Large(l) => Some(&l.scores),
        }
    }

    /// Entries in ascending order.
    pub fn iter(&self) -> ZIter<'_> {
        match self {
            ZSet::Small(p) => ZIter::Small(
                small_entries(p)
                    .map(|(m, s, _)| (m, s))
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
            ZSet::Large(l) => ZIter::Large(l.order.iter()),
        }
    }

    /// Entries with `min <= score < max`, ascending.
    pub fn range_by_score(
        &self,
        min: f64,
        max: f64,
    ) -> Box<dyn Iterator<Item = (&[u8], f64)> + '_> {
        match self {
            ZSet::Small(_) => Box::new(
                self.iter()
                    .skip_while(move |(_, s)| *s < min)
                    .take_while(move |(_, s)| *s < max),
            ),
            ZSet::Large(l) => Box::new(
                l.order
                    .range((Score(min), Vec::new())..)
                    .take_while(move |(s, _)| s.0 < max)
                    .map(|(s, m)| (m.as_slice(), s.0)),
            ),
        }
    }

    /// The member-to-score table of the large form (for `ZSCAN`).
    pub fn scores(&self) -> Option<&Dict<f64>> {
        match self {
            ZSet::Small(_) => None,
            ZSet::Large(l) => Some(&l.scores),
        }
    }

    /// A random entry, `next` giving random numbers.
    pub fn random(&self, mut next: impl FnMut() -> u64) -> Option<(&[u8], f64)> {
        match self {
            ZSet::Small(p) => {
                let n = p.len() / 2;
                if n == 0 {
                    return None;
                }
                let i = (next() % n as u64) as usize;
                small_entries(p).nth(i).map(|(m, s, _)| (m, s))
            }
            ZSet::Large(l) => l.scores.fair_random_entry(next).map(|(m, s)| (m, *s)),
        }
    }

    fn convert_to_large(&mut self) {
        if let ZSet::Small(p) = self {
            let mut large = Large::default();
            for (m, s, _) in small_entries(p) {
                large.scores.insert_new(m, s);
                large.order.insert((Score(s), m.to_vec()));
            }
            *self = ZSet::Large(Box::new(large));
        }
    }

    /// The same set, in the encoding Redis gives a computed result of its size
    /// (`zsetConvertToListpackIfNeeded`).
    pub fn with_encoding_for(mut self, limits: &Limits) -> ZSet {
        let large = self.len() > limits.zset_entries
            || self.iter().any(|(m, _)| m.len() > limits.zset_value);
        match (&self, large) {
            (ZSet::Small(_), true) => self.convert_to_large(),
            (ZSet::Large(l), false) => {
                let mut p = Packed::default();
                for (s, m) in &l.order {
                    let (bytes, len) = encode_score(s.0);
                    p.push(m);
                    p.push(&bytes[..len]);
                }
                self = ZSet::Small(p);
            }
            _ => {}
        }
        self
    }

    /// Whether the set is in its listpack form.
    pub fn is_listpack(&self) -> bool {
        matches!(self, ZSet::Small(_))
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Small(_) => "listpack",
            ZSet::Large(_) => "skiplist",
        }
    }
}
