//! One value in RDB form (`rdbSaveObject` / `rdbLoadObject`), without its type byte and key.
//! Each value is written in the encoding Redis 7.0 would have in memory for the same content
//! (listpack or table, intset or table), so `DUMP` gives Redis's bytes; reading accepts every
//! encoding Redis 7.0 writes and rebuilds the value under this server's encoding limits.

use super::{intset, listpack, stream, types, ziplist};
use crate::db::encoding::Limits;
use crate::db::hash::Hash;
use crate::db::list::List;
use crate::db::set::Set;
use crate::db::zset::ZSet;
use crate::db::Value;
use redis_runtime::rdb::{write_len, write_string, Reader};

/// How values are written.
#[derive(Debug, Clone, Copy)]
pub struct SaveOptions {
    /// `rdbcompression`: LZF for strings (and blobs) over 20 bytes.
    pub compress: bool,
    /// `list-max-listpack-size`: where list nodes close.
    pub list_fill: i64,
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions {
            compress: true,
            list_fill: -2,
        }
    }
}

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// An empty collection: Redis skips such keys when loading a file.
    Empty,
    /// Truncated or malformed data, with what was being read.
    Bad(&'static str),
    /// A type this server does not read (module values).
    UnsupportedType(u8),
}

/// The type byte `value` is written with.
pub fn type_of(value: &Value) -> u8 {
    match value {
        Value::Str(_) => types::STRING,
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Hash(h) => match *h {
            Hash::Small(_) => types::HASH_LISTPACK,
            Hash::Table(_) => types::HASH,
        },
        Value::Set(s) => match **s {
            Set::Ints(_) => types::SET_INTSET,
            Set::Small(_) | Set::Table(_) => types::SET,
        },
        Value::ZSet(z) => {
            if z.is_listpack() {
                types::ZSET_LISTPACK
            } else {
                types::ZSET_2
            }
        }
        Value::Stream(_) => types::STREAM_LISTPACKS_2,
    }
}

/// Append `value` (its type byte not included).
pub fn write_value(out: &mut Vec<u8>, value: &Value, options: &SaveOptions) {
    let compress = options.compress;
    match value {
        Value::Str(s) => write_string(out, s.as_slice(), compress),
        Value::List(list) => {
            let nodes = list_nodes(list, options.list_fill);
            write_len(out, nodes.len() as u64);
            for node in nodes {
                // Container 2: a packed (listpack) node.
                write_len(out, 2);
                write_string(out, &node, compress);
            }
        }
        Value::Hash(h) => match h {
            Hash::Small(_) => {
                let mut lp = listpack::Writer::new();
                for (field, v) in h.iter() {
                    lp.push(field);
                    lp.push(v);
                }
                write_string(out, &lp.finish(), compress);
            }
            Hash::Table(table) => {
                write_len(out, table.len() as u64);
                for (field, v) in table.iter() {
                    write_string(out, field, compress);
                    write_string(out, v, compress);
                }
            }
        },
        Value::Set(s) => match &**s {
            Set::Ints(values) => write_string(out, &intset::encode(values), compress),
            Set::Small(_) | Set::Table(_) => {
                write_len(out, s.len() as u64);
                s.for_each_member(|member| write_string(out, member, compress));
            }
        },
        Value::ZSet(z) => {
            if z.is_listpack() {
                let mut lp = listpack::Writer::new();
                for (member, score) in z.iter() {
                    lp.push(member);
                    lp.push(&redis_runtime::format_double(score));
                }
                write_string(out, &lp.finish(), compress);
            } else {
                // Greatest first, as Redis walks its skiplist backwards.
                write_len(out, z.len() as u64);
                for (member, score) in z.iter().rev() {
                    write_string(out, member, compress);
                    out.extend_from_slice(&score.to_bits().to_le_bytes());
                }
            }
        }
        Value::Stream(s) => stream::write(out, s, compress),
    }
}

/// Bytes Redis adds to a node's size when deciding whether an element still fits
/// (`SIZE_ESTIMATE_OVERHEAD`).
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// A node's byte limit for each negative `list-max-listpack-size`.
const NODE_SIZE_CLASSES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Past this a node never grows, whatever its entry limit (`SIZE_SAFETY_LIMIT`).
const NODE_SAFETY_LIMIT: usize = 8192;

/// The list cut into listpack nodes as pushes at the tail would fill them
/// (`_quicklistNodeAllowInsert`).
fn list_nodes(list: &List, fill: i64) -> Vec<Vec<u8>> {
    let mut nodes = Vec::new();
    let mut node = listpack::Writer::new();
    for item in list.iter() {
        if node.count() > 0 {
            let new_size = node.bytes() + item.len() + SIZE_ESTIMATE_OVERHEAD;
            let fits = if fill < 0 {
                let class = usize::try_from(-fill - 1).unwrap_or(usize::MAX);
                match NODE_SIZE_CLASSES.get(class) {
                    Some(&limit) => new_size <= limit,
                    None => false,
                }
            } else {
                new_size <= NODE_SAFETY_LIMIT && (node.count() as i64) < fill
            };
            if !fits {
                nodes.push(std::mem::take(&mut node).finish());
            }
        }
        node.push(item);
    }
    if node.count() > 0 {
        nodes.push(node.finish());
    }
    nodes
}

fn bad<T>(what: &'static str) -> Result<T, LoadError> {
    Err(LoadError::Bad(what))
}

/// Read a value of `rdb_type` (`rdbLoadObject`), building it under `limits`.
pub fn read_value(r: &mut Reader, rdb_type: u8, limits: &Limits) -> Result<Value, LoadError> {
    let string = |r: &mut Reader, what| r.string().ok_or(LoadError::Bad(what));
    let len = |r: &mut Reader, what| r.len().ok_or(LoadError::Bad(what));
    match rdb_type {
        types::STRING => {
            let bytes = r.bytes().ok_or(LoadError::Bad("string"))?;
            Ok(Value::string(&bytes))
        }
        types::LIST => {
            let n = len(r, "list length")?;
            let mut list = List::new();
            for _ in 0..n {
                list.push_back(&string(r, "list element")?);
            }
            non_empty_list(list)
        }
        types::LIST_QUICKLIST_2 => {
            let nodes = len(r, "quicklist length")?;
            let mut list = List::new();
            for _ in 0..nodes {
                let container = len(r, "quicklist container")?;
                let blob = string(r, "quicklist node")?;
                if blob.is_empty() {
                    return bad("quicklist node");
                }
                match container {
                    1 => list.push_back(&blob),
                    2 => {
                        let elements =
                            listpack::elements(&blob).ok_or(LoadError::Bad("list listpack"))?;
                        list.extend(elements.into_iter().map(listpack::Element::to_vec));
                    }
                    _ => return bad("quicklist container"),
                }
            }
            non_empty_list(list)
        }
        types::SET => {
            let n = len(r, "set length")?;
            let mut set = Set::default();
            for _ in 0..n {
                let member = string(r, "set member")?;
                if !set.insert(&member, limits) {
                    return bad(if matches!(set, Set::Ints(_)) {
                        "duplicate intset member"
                    } else {
                        "duplicate set member"
                    });
                }
            }
            non_empty(Value::Set(Box::new(set)))
        }
        types::SET_INTSET => {
            let blob = string(r, "intset")?;
            let values = intset::decode(&blob).ok_or(LoadError::Bad("intset"))?;
            let set = if values.len() <= limits.set_intset_entries {
                Set::Ints(values)
            } else {
                let mut set = Set::default();
                for v in values {
                    set.insert(v.to_string().as_bytes(), limits);
                }
                set
            };
            non_empty(Value::Set(Box::new(set)))
        }
        types::HASH => {
            let n = len(r, "hash length")?;
            let mut hash = Hash::default();
            for _ in 0..n {
                let field = string(r, "hash field")?;
                let v = string(r, "hash value")?;
                if !hash.set(&field, v, limits) {
                    // Redis reports a small hash's duplicate on its way into a listpack.
                    return bad(if n as usize <= limits.hash_entries {
                        "duplicate small hash field"
                    } else {
                        "duplicate hash field"
                    });
                }
            }
            non_empty(Value::Hash(hash))
        }
        types::HASH_LISTPACK => {
            let blob = string(r, "hash listpack")?;
            let elements = listpack::elements(&blob).ok_or(LoadError::Bad("hash listpack"))?;
            if elements.len() % 2 != 0 {
                return bad("hash listpack");
            }
            let mut hash = Hash::default();
            for pair in elements.chunks_exact(2) {
                if !hash.set(&pair[0].to_vec(), pair[1].to_vec(), limits) {
                    return bad("hash listpack");
                }
            }
            non_empty(Value::Hash(hash))
        }
        types::ZSET | types::ZSET_2 => {
            let n = len(r, "zset length")?;
            let mut zset = ZSet::default();
            for _ in 0..n {
                let member = string(r, "zset member")?;
                let score = if rdb_type == types::ZSET_2 {
                    r.binary_double().ok_or(LoadError::Bad("zset score"))?
                } else {
                    text_score(r)?
                };
                if score.is_nan() {
                    return bad("zset nan score");
                }
                if !zset.insert(&member, score, limits) {
                    return bad("duplicate zset member");
                }
            }
            non_empty(Value::ZSet(zset))
        }
        types::ZSET_LISTPACK => {
            let blob = string(r, "zset listpack")?;
            let elements = listpack::elements(&blob).ok_or(LoadError::Bad("zset listpack"))?;
            zset_from_pairs(&elements, limits, "zset listpack")
        }
        types::LIST_ZIPLIST => {
            let blob = string(r, "ziplist")?;
            let elements = ziplist::elements(&blob).ok_or(LoadError::Bad("list ziplist"))?;
            non_empty_list(
                elements
                    .into_iter()
                    .map(listpack::Element::to_vec)
                    .collect(),
            )
        }
        types::LIST_QUICKLIST => {
            let nodes = len(r, "quicklist length")?;
            let mut list = List::new();
            for _ in 0..nodes {
                let blob = string(r, "quicklist node")?;
                let elements =
                    ziplist::elements(&blob).ok_or(LoadError::Bad("quicklist ziplist"))?;
                list.extend(elements.into_iter().map(listpack::Element::to_vec));
            }
            non_empty_list(list)
        }
        types::HASH_ZIPLIST | types::HASH_ZIPMAP => {
            let blob = string(r, "hash ziplist")?;
            let label = if rdb_type == types::HASH_ZIPMAP {
                "hash zipmap"
            } else {
                "hash ziplist"
            };
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = if rdb_type == types::HASH_ZIPMAP {
                ziplist::zipmap_pairs(&blob)
                    .ok_or(LoadError::Bad("hash zipmap"))?
                    .into_iter()
                    .map(|(f, v)| (f.to_vec(), v.to_vec()))
                    .collect()
            } else {
                let elements = ziplist::elements(&blob).ok_or(LoadError::Bad("hash ziplist"))?;
                if elements.len() % 2 != 0 {
                    return bad("hash ziplist");
                }
                elements
                    .chunks_exact(2)
                    .map(|p| (p[0].to_vec(), p[1].to_vec()))
                    .collect()
            };
            // An empty zipmap fails Redis's integrity check (an empty ziplist is an empty key).
            if pairs.is_empty() && rdb_type == types::HASH_ZIPMAP {
                return bad(label);
            }
            let mut hash = Hash::default();
            for (field, v) in pairs {
                if !hash.set(&field, v, limits) {
                    return bad(label);
                }
            }
            non_empty(Value::Hash(hash))
        }
        types::ZSET_ZIPLIST => {
            let blob = string(r, "zset ziplist")?;
            let elements = ziplist::elements(&blob).ok_or(LoadError::Bad("zset ziplist"))?;
            zset_from_pairs(&elements, limits, "zset ziplist")
        }
        types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 => {
            stream::read(r, rdb_type == types::STREAM_LISTPACKS_2)
                .map(|s| Value::Stream(Box::new(s)))
        }
        other => Err(LoadError::UnsupportedType(other)),
    }
}

/// A sorted set from member, score, member, score... (listpack or ziplist elements); a fault
/// is reported as `label` (the blob's integrity check, as Redis reports it).
fn zset_from_pairs(
    elements: &[listpack::Element],
    limits: &Limits,
    label: &'static str,
) -> Result<Value, LoadError> {
    if elements.len() % 2 != 0 {
        return bad(label);
    }
    let mut zset = ZSet::default();
    for pair in elements.chunks_exact(2) {
        let score = match pair[1] {
            listpack::Element::Int(v) => v as f64,
            listpack::Element::Str(s) => crate::util::parse_f64(s).ok_or(LoadError::Bad(label))?,
        };
        if !zset.insert(&pair[0].to_vec(), score, limits) {
            return bad(label);
        }
    }
    non_empty(Value::ZSet(zset))
}

/// A score of the oldest sorted-set type: a length byte and that much text (253, 254, 255
/// for nan, inf, -inf).
fn text_score(r: &mut Reader) -> Result<f64, LoadError> {
    let n = r.byte().ok_or(LoadError::Bad("zset score"))?;
    match n {
        253 => Ok(f64::NAN),
        254 => Ok(f64::INFINITY),
        255 => Ok(f64::NEG_INFINITY),
        _ => {
            let text = r.take(u64::from(n)).ok_or(LoadError::Bad("zset score"))?;
            crate::util::parse_f64(text).ok_or(LoadError::Bad("zset score"))
        }
    }
}

fn non_empty_list(list: List) -> Result<Value, LoadError> {
    non_empty(Value::List(Box::new(list)))
}

fn non_empty(value: Value) -> Result<Value, LoadError> {
    let empty = match &value {
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        Value::Str(_) | Value::Stream(_) => false,
    };
    if empty {
        Err(LoadError::Empty)
    } else {
        Ok(value)
    }
}
