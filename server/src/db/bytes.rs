//! Compact byte strings for keys and string values: up to 22 bytes live inside the value
//! itself (most keys and many values), longer ones in a growable heap buffer (so APPEND and
//! SETRANGE grow in place, amortized, as Redis's sds strings do). 24 bytes either way.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Bytes stored inline.
pub const INLINE: usize = 22;

#[derive(Clone)]
pub enum Bytes {
    Inline {
        len: u8,
        data: [u8; INLINE],
    },
    Heap(Box<Vec<u8>>),
    /// Edited in place (APPEND, SETRANGE): what Redis reports as the `raw` encoding.
    Raw(Box<Vec<u8>>),
}

impl Bytes {
    pub fn new(bytes: &[u8]) -> Bytes {
        if bytes.len() <= INLINE {
            let mut data = [0u8; INLINE];
            data[..bytes.len()].copy_from_slice(bytes);
            Bytes::Inline {
                len: bytes.len() as u8,
                data,
            }
        } else {
            Bytes::Heap(Box::new(bytes.to_vec()))
        }
    }

    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        if bytes.len() <= INLINE {
            Bytes::new(&bytes)
        } else {
            Bytes::Heap(Box::new(bytes))
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => &data[..usize::from(*len)],
            Bytes::Heap(v) | Bytes::Raw(v) => v,
        }
    }

    /// Whether the bytes were edited in place.
    pub fn is_raw(&self) -> bool {
        matches!(self, Bytes::Raw(_))
    }

    /// The bytes as a growable buffer, for edits in place (moves inline bytes to the heap).
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        match self {
            Bytes::Raw(_) => {}
            Bytes::Heap(v) => *self = Bytes::Raw(std::mem::take(v)),
            Bytes::Inline { .. } => *self = Bytes::Raw(Box::new(self.as_slice().to_vec())),
        }
        match self {
            Bytes::Raw(v) => v,
            Bytes::Heap(v) => v,
            Bytes::Inline { .. } => unreachable!("converted to the raw form just above"),
        }
    }

    /// Heap bytes held beyond the value itself (for memory accounting).
    pub fn heap_size(&self) -> usize {
        match self {
            Bytes::Inline { .. } => 0,
            Bytes::Heap(v) | Bytes::Raw(v) => 24 + v.capacity(),
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl Hash for Bytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_forms() {
        assert_eq!(std::mem::size_of::<Bytes>(), 24);
        let short = Bytes::new(b"key:0000000001");
        assert!(matches!(short, Bytes::Inline { .. }));
        assert_eq!(&*short, b"key:0000000001");
        let mut long = Bytes::new(&[7u8; 40]);
        assert!(matches!(long, Bytes::Heap(_)) && !long.is_raw());
        let mut grown = short.clone();
        grown.make_mut().extend_from_slice(b"-more");
        assert_eq!(&*grown, b"key:0000000001-more");
        long.make_mut().truncate(3);
        assert!(long.is_raw());
        assert_eq!(&*long, &[7, 7, 7]);
        assert_eq!(Bytes::new(b""), Bytes::from_vec(Vec::new()));
    }
}
