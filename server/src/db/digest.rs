//! DEBUG DIGEST and DEBUG DIGEST-VALUE: a SHA-1 fingerprint of the dataset or of single
//! values, computed exactly as Redis's `debug.c` computes it, so that two servers (or one
//! before and after a reload) holding the same data give the same digest. Ordered things
//! (list items, stream entries, a key and its value) are chained with `mix`; unordered ones
//! (set members, hash fields, sorted-set members, the keys of a database) are combined with
//! `xor`, so their order does not matter.

use super::{Keyspace, Value};

pub type Digest = [u8; 20];

fn sha1(data: &[u8]) -> Digest {
    sha1_smol::Sha1::from(data).digest().bytes()
}

/// `xorDigest`: digest ^= SHA1(data).
fn xor(digest: &mut Digest, data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(data)) {
        *d ^= h;
    }
}

/// `mixDigest`: digest = SHA1(digest ^ SHA1(data)).
fn mix(digest: &mut Digest, data: &[u8]) {
    xor(digest, data);
    *digest = sha1(digest);
}

/// Redis's type codes (`OBJ_STRING`...), mixed in first.
fn type_code(value: &Value) -> u32 {
    match value {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

/// `xorObjectDigest`: a value (and whether its key expires) mixed into `digest`.
pub fn mix_value(digest: &mut Digest, value: &Value, expires: bool) {
    mix(digest, &type_code(value).to_be_bytes());
    match value {
        Value::Str(s) => mix(digest, s),
        Value::List(items) => {
            for item in items.iter() {
                mix(digest, item);
            }
        }
        Value::Set(set) => {
            for member in set.members() {
                xor(digest, &member);
            }
        }
        Value::ZSet(zset) => {
            for (member, score) in zset.iter() {
                let mut element = [0u8; 20];
                mix(&mut element, member);
                mix(&mut element, &redis_runtime::format_double(score));
                xor(digest, &element);
            }
        }
        Value::Hash(hash) => {
            for (field, value) in hash.iter() {
                let mut element = [0u8; 20];
                mix(&mut element, field);
                mix(&mut element, value);
                xor(digest, &element);
            }
        }
        Value::Stream(stream) => {
            use super::stream::StreamId;
            for (id, fields) in stream.range(StreamId::MIN, StreamId::MAX, false, 0) {
                mix(digest, format!("{}.{}", id.ms, id.seq).as_bytes());
                for (field, value) in fields {
                    mix(digest, field);
                    mix(digest, value);
                }
            }
        }
    }
    if expires {
        xor(digest, b"!!expire!!");
    }
}

/// As hex, the way DEBUG replies it.
pub fn hex(digest: &Digest) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of one key's value in `db` (logically expired keys included), zeros when the
/// key does not exist.
pub fn value_digest(keyspace: &Keyspace, db: usize, key: &[u8]) -> Digest {
    let mut digest = [0u8; 20];
    let d = &keyspace.dbs[db];
    if let Some(value) = d.keys.get(key) {
        mix_value(&mut digest, value, d.expires.get(key).is_some());
    }
    digest
}

/// `computeDatasetDigest`: every database's id and key-value digests.
pub fn dataset_digest(keyspace: &Keyspace) -> Digest {
    let mut digest = [0u8; 20];
    for (index, d) in keyspace.dbs.iter().enumerate() {
        if d.keys.is_empty() {
            continue;
        }
        mix(&mut digest, &(index as u32).to_be_bytes());
        for (key, value) in d.keys.iter() {
            let mut pair = [0u8; 20];
            mix(&mut pair, key);
            mix_value(&mut pair, value, d.expires.get(key).is_some());
            xor(&mut digest, &pair);
        }
    }
    digest
}
