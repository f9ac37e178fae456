//! A keyspace key together with its access field ([`super::access`]), in the three words a
//! plain [`Bytes`] key takes: keys up to 18 bytes inline, longer ones in one exact heap
//! block. Keeping the field inside the key (as Redis keeps its `lru` field inside the object
//! header) holds a keyspace entry (key, value, chain link) at 56 bytes, in the allocator's
//! 64-byte class; a separate field would push every entry into the 80-byte one.

use super::access;
use super::bytes::Bytes;
use super::dict::StoredKey;
use std::cell::Cell;

/// Key bytes stored inline.
const INLINE: usize = 18;

pub enum AccessKey {
    Inline {
        len: u8,
        data: [u8; INLINE],
        access: Cell<u32>,
    },
    Heap {
        bytes: Box<[u8]>,
        access: Cell<u32>,
    },
}

impl AccessKey {
    fn access_cell(&self) -> &Cell<u32> {
        match self {
            AccessKey::Inline { access, .. } | AccessKey::Heap { access, .. } => access,
        }
    }
}

impl StoredKey for AccessKey {
    const BOUNDED_BY_MAXMEMORY: bool = true;

    fn new(key: &[u8]) -> Self {
        let access = Cell::new(access::fresh());
        if key.len() <= INLINE {
            let mut data = [0u8; INLINE];
            data[..key.len()].copy_from_slice(key);
            AccessKey::Inline {
                len: key.len() as u8,
                data,
                access,
            }
        } else {
            AccessKey::Heap {
                bytes: key.into(),
                access,
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            AccessKey::Inline { len, data, .. } => &data[..usize::from(*len)],
            AccessKey::Heap { bytes, .. } => bytes,
        }
    }

    fn into_bytes(self) -> Bytes {
        Bytes::new(self.bytes())
    }

    fn touch(&self) {
        let cell = self.access_cell();
        cell.set(access::touched(cell.get()));
    }

    fn access(&self) -> u32 {
        self.access_cell().get()
    }

    fn set_access(&self, field: u32) {
        self.access_cell().set(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_with_its_access_field_is_three_words() {
        assert_eq!(std::mem::size_of::<AccessKey>(), 24);
    }

    #[test]
    fn short_and_long_keys_keep_their_bytes_and_field() {
        for len in [0, 1, INLINE, INLINE + 1, 300] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let stored = AccessKey::new(&key);
            assert_eq!(stored.bytes(), &key[..]);
            stored.set_access(0xdead_beef);
            assert_eq!(stored.access(), 0xdead_beef);
            assert_eq!(stored.bytes(), &key[..]);
            assert_eq!(&*stored.into_bytes(), &key[..]);
        }
    }
}
