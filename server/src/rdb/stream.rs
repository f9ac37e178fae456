//! Streams in RDB form (`RDB_TYPE_STREAM_LISTPACKS_2`): every node as its 16-byte master ID and
//! its listpack, the stream's counters, then each consumer group with its pending entries and
//! consumers.
//!
//! A node's listpack starts with its master entry (live count, deleted count, the master
//! fields, a 0) and holds each entry as flags, ID deltas from the master ID, the fields (unless
//! they are the master's) interleaved with the values, and the entry's element count.

use super::listpack::{self, Element};
use super::value::LoadError;
use crate::db::stream::{Consumer, Entry, Group, Nack, Node, Stream, StreamId};
use redis_runtime::rdb::{write_len, write_string, Reader};

const FLAG_DELETED: i64 = 1;
const FLAG_SAME_FIELDS: i64 = 2;

/// Append `stream` (type 19's layout).
pub fn write(out: &mut Vec<u8>, stream: &Stream, compress: bool) {
    write_len(out, stream.nodes().len() as u64);
    for (master, node) in stream.nodes() {
        write_string(out, &master.key(), compress);
        write_string(out, &node_listpack(*master, node), compress);
    }
    for n in [
        stream.length,
        stream.last_id.ms,
        stream.last_id.seq,
        stream.first_id.ms,
        stream.first_id.seq,
        stream.max_deleted_id.ms,
        stream.max_deleted_id.seq,
        stream.entries_added,
    ] {
        write_len(out, n);
    }
    write_len(out, stream.groups.len() as u64);
    for (name, group) in &stream.groups {
        write_string(out, name, compress);
        write_len(out, group.last_id.ms);
        write_len(out, group.last_id.seq);
        // -1 (unknown) is written as its 64-bit pattern, as Redis writes it.
        write_len(out, group.entries_read as u64);
        write_len(out, group.pel.len() as u64);
        for (id, nack) in &group.pel {
            out.extend_from_slice(&id.key());
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            write_len(out, nack.delivery_count);
        }
        write_len(out, group.consumers.len() as u64);
        for (name, consumer) in &group.consumers {
            write_string(out, name, compress);
            out.extend_from_slice(&consumer.seen_time.to_le_bytes());
            write_len(out, consumer.pel.len() as u64);
            for id in &consumer.pel {
                out.extend_from_slice(&id.key());
            }
        }
    }
}

fn node_listpack(master: StreamId, node: &Node) -> Vec<u8> {
    let mut lp = listpack::Writer::new();
    lp.push_int(node.live as i64);
    lp.push_int(node.deleted as i64);
    lp.push_int(node.master_fields.len() as i64);
    for field in &node.master_fields {
        lp.push(field);
    }
    lp.push_int(0);
    for entry in &node.entries {
        let mut flags = 0;
        if entry.deleted {
            flags |= FLAG_DELETED;
        }
        if entry.fields.is_none() {
            flags |= FLAG_SAME_FIELDS;
        }
        lp.push_int(flags);
        lp.push_int(entry.id.ms.wrapping_sub(master.ms) as i64);
        lp.push_int(entry.id.seq.wrapping_sub(master.seq) as i64);
        let n = entry.values.len();
        match &entry.fields {
            None => {
                for v in &entry.values {
                    lp.push(v);
                }
                lp.push_int(n as i64 + 3);
            }
            Some(fields) => {
                lp.push_int(n as i64);
                for (f, v) in fields.iter().zip(&entry.values) {
                    lp.push(f);
                    lp.push(v);
                }
                lp.push_int(2 * n as i64 + 4);
            }
        }
    }
    lp.finish()
}

fn bad<T>(what: &'static str) -> Result<T, LoadError> {
    Err(LoadError::Bad(what))
}

fn id_from_key(key: &[u8]) -> Option<StreamId> {
    if key.len() != 16 {
        return None;
    }
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&key[..8]);
    seq.copy_from_slice(&key[8..]);
    Some(StreamId::new(
        u64::from_be_bytes(ms),
        u64::from_be_bytes(seq),
    ))
}

/// Read a stream; `v2` for type 19 (with first ID, tombstone, counters and read counts).
pub fn read(r: &mut Reader, v2: bool) -> Result<Stream, LoadError> {
    let len = |r: &mut Reader, what| r.len().ok_or(LoadError::Bad(what));
    let mut stream = Stream::new();
    let nodes = len(r, "stream node count")?;
    let mut previous: Option<StreamId> = None;
    for _ in 0..nodes {
        let key = r.string().ok_or(LoadError::Bad("stream node key"))?;
        let master = id_from_key(&key).ok_or(LoadError::Bad("stream node key"))?;
        let blob = r.string().ok_or(LoadError::Bad("stream listpack"))?;
        let node = read_node(master, &blob)?;
        if node.entries.is_empty() {
            return bad("empty stream node");
        }
        // Nodes and entries must ascend across the whole stream.
        let first = node.entries[0].id;
        if previous.is_some_and(|p| p >= first) || first < master {
            return bad("stream entry order");
        }
        previous = node.entries.last().map(|e| e.id);
        stream.insert_loaded_node(master, node);
    }
    stream.length = len(r, "stream length")?;
    stream.last_id = StreamId::new(len(r, "stream last id")?, len(r, "stream last id")?);
    if v2 {
        stream.first_id = StreamId::new(len(r, "stream first id")?, len(r, "stream first id")?);
        stream.max_deleted_id = StreamId::new(
            len(r, "stream max deleted id")?,
            len(r, "stream max deleted id")?,
        );
        stream.entries_added = len(r, "stream entries added")?;
    } else {
        stream.first_id = stream.first_entry_id();
        stream.entries_added = stream.length;
    }
    if previous.is_some_and(|p| p > stream.last_id) {
        return bad("stream last id");
    }
    let groups = len(r, "stream group count")?;
    for _ in 0..groups {
        let name = r.string().ok_or(LoadError::Bad("group name"))?;
        let last_id = StreamId::new(len(r, "group last id")?, len(r, "group last id")?);
        // An older RDB has no count: it is estimated from the group's position, as Redis
        // does when it loads one.
        let entries_read = if v2 {
            len(r, "group entries read")? as i64
        } else {
            stream
                .entries_up_to(last_id)
                .map_or(crate::db::stream::INVALID_ENTRIES_READ, |n| n as i64)
        };
        let mut group = Group::new(last_id, entries_read);
        let pending = len(r, "group pending count")?;
        for _ in 0..pending {
            let id = r
                .take(16)
                .and_then(id_from_key)
                .ok_or(LoadError::Bad("pending id"))?;
            let delivery_time = r.u64_le().ok_or(LoadError::Bad("pending time"))? as i64;
            let delivery_count = len(r, "pending count")?;
            let nack = Nack {
                consumer: None,
                delivery_time,
                delivery_count,
            };
            if group.pel.insert(id, nack).is_some() {
                return bad("duplicate pending id");
            }
        }
        let consumers = len(r, "consumer count")?;
        for _ in 0..consumers {
            let consumer_name = r.string().ok_or(LoadError::Bad("consumer name"))?;
            let seen_time = r.u64_le().ok_or(LoadError::Bad("consumer time"))? as i64;
            let mut consumer = Consumer {
                seen_time,
                ..Consumer::default()
            };
            let owned = len(r, "consumer pending count")?;
            for _ in 0..owned {
                let id = r
                    .take(16)
                    .and_then(id_from_key)
                    .ok_or(LoadError::Bad("pending id"))?;
                // Each consumer's entry must be pending in the group and owned by no other.
                match group.pel.get_mut(&id) {
                    Some(nack) if nack.consumer.is_none() => {
                        nack.consumer = Some(consumer_name.clone());
                    }
                    Some(_) => return bad("pending id owned twice"),
                    None => return bad("consumer pending id"),
                }
                consumer.pel.insert(id);
            }
            if group.consumers.insert(consumer_name, consumer).is_some() {
                return bad("duplicate consumer");
            }
        }
        if stream.groups.insert(name, group).is_some() {
            return bad("duplicate group");
        }
    }
    Ok(stream)
}

/// A node from its listpack, checking the layout entry by entry.
fn read_node(master: StreamId, blob: &[u8]) -> Result<Node, LoadError> {
    let elements = listpack::elements(blob).ok_or(LoadError::Bad("stream listpack"))?;
    let mut it = elements.into_iter();
    let int = |it: &mut std::vec::IntoIter<Element>| -> Result<i64, LoadError> {
        it.next()
            .and_then(Element::as_int)
            .ok_or(LoadError::Bad("stream listpack entry"))
    };
    let live = int(&mut it)?;
    let deleted = int(&mut it)?;
    let master_count = int(&mut it)?;
    if live < 0 || deleted < 0 || master_count < 0 || master_count as usize > blob.len() {
        return bad("stream master entry");
    }
    let mut master_fields = Vec::with_capacity(master_count as usize);
    for _ in 0..master_count {
        let field = it.next().ok_or(LoadError::Bad("stream master entry"))?;
        master_fields.push(field.to_vec());
    }
    if int(&mut it)? != 0 {
        return bad("stream master entry");
    }
    let mut entries: Vec<Entry> = Vec::new();
    let (mut seen_live, mut seen_deleted) = (0i64, 0i64);
    while let Some(flags) = it.next() {
        let flags = flags.as_int().ok_or(LoadError::Bad("stream entry flags"))?;
        let ms = master.ms.wrapping_add(int(&mut it)? as u64);
        let seq = master.seq.wrapping_add(int(&mut it)? as u64);
        let id = StreamId::new(ms, seq);
        if entries.last().is_some_and(|e| e.id >= id) {
            return bad("stream entry order");
        }
        let (fields, values, expected_count) = if flags & FLAG_SAME_FIELDS != 0 {
            let mut values = Vec::with_capacity(master_fields.len());
            for _ in 0..master_fields.len() {
                values.push(it.next().ok_or(LoadError::Bad("stream entry"))?.to_vec());
            }
            (None, values, master_fields.len() as i64 + 3)
        } else {
            let n = int(&mut it)?;
            if n < 0 || n as usize > blob.len() {
                return bad("stream entry");
            }
            let mut fields = Vec::with_capacity(n as usize);
            let mut values = Vec::with_capacity(n as usize);
            for _ in 0..n {
                fields.push(it.next().ok_or(LoadError::Bad("stream entry"))?.to_vec());
                values.push(it.next().ok_or(LoadError::Bad("stream entry"))?.to_vec());
            }
            (Some(fields), values, 2 * n + 4)
        };
        if int(&mut it)? != expected_count {
            return bad("stream entry count");
        }
        let is_deleted = flags & FLAG_DELETED != 0;
        if is_deleted {
            seen_deleted += 1;
        } else {
            seen_live += 1;
        }
        entries.push(Entry {
            id,
            fields,
            values,
            deleted: is_deleted,
        });
    }
    if seen_live != live || seen_deleted != deleted {
        return bad("stream node counts");
    }
    Ok(Node::loaded(
        master_fields,
        entries,
        live as u64,
        deleted as u64,
        blob.len(),
    ))
}
