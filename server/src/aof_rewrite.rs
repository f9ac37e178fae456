//! An append-only base written as commands (`aof-use-rdb-preamble no`), as Redis's
//! `rewriteAppendOnlyFileRio` writes it: the function libraries as FUNCTION LOAD, then each
//! non-empty database after a SELECT, each key as the commands that rebuild it (SET; RPUSH,
//! SADD, ZADD, HMSET of at most 64 items each; a stream's XADDs, XSETID, groups and their
//! pending entries as XCLAIMs), followed by PEXPIREAT when it has a time to live.

use crate::db::set::Set;
use crate::db::stream::{Stream, StreamId};
use crate::db::Value;
use crate::server::Server;
use std::io::Write;

/// Items per variadic command (`AOF_REWRITE_ITEMS_PER_CMD`).
const ITEMS_PER_COMMAND: usize = 64;

/// Write the dataset of `server` as commands to `w`.
pub fn write_commands(server: &Server, w: &mut impl Write) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(64 * 1024);
    if server.config.get("aof-timestamp-enabled") == Some("yes") {
        out.extend_from_slice(format!("#TS:{}\r\n", crate::db::now_ms() / 1000).as_bytes());
    }
    for code in &server.function_codes {
        out.extend_from_slice(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n");
        bulk(&mut out, code);
    }
    for (index, db) in server.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        out.extend_from_slice(b"*2\r\n$6\r\nSELECT\r\n");
        bulk(&mut out, index.to_string().as_bytes());
        for (key, value) in db.keys.iter() {
            write_key(&mut out, key, value);
            if let Some(&when) = db.expires.get(key) {
                out.extend_from_slice(b"*3\r\n$9\r\nPEXPIREAT\r\n");
                bulk(&mut out, key);
                bulk(&mut out, when.to_string().as_bytes());
            }
            if out.len() >= 32 * 1024 {
                w.write_all(&out)?;
                out.clear();
            }
        }
    }
    w.write_all(&out)
}

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, count: usize) {
    out.extend_from_slice(format!("*{count}\r\n").as_bytes());
}

/// The commands that rebuild `key` holding `value`.
fn write_key(out: &mut Vec<u8>, key: &[u8], value: &Value) {
    match value {
        Value::Str(s) => {
            out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(out, key);
            bulk(out, s.as_slice());
        }
        Value::List(list) => {
            let items: Vec<&[u8]> = list.iter().collect();
            batches(out, b"RPUSH", key, &items, 1);
        }
        Value::Set(set) => {
            let mut members: Vec<Vec<u8>> = Vec::with_capacity(set.len());
            match &**set {
                Set::Ints(values) => {
                    members.extend(values.iter().map(|v| v.to_string().into_bytes()));
                }
                _ => set.for_each_member(|m| members.push(m.to_vec())),
            }
            let items: Vec<&[u8]> = members.iter().map(Vec::as_slice).collect();
            batches(out, b"SADD", key, &items, 1);
        }
        Value::ZSet(zset) => {
            let pairs: Vec<Vec<u8>> = zset
                .iter()
                .flat_map(|(member, score)| [redis_runtime::format_double(score), member.to_vec()])
                .collect();
            let items: Vec<&[u8]> = pairs.iter().map(Vec::as_slice).collect();
            batches(out, b"ZADD", key, &items, 2);
        }
        Value::Hash(hash) => {
            let items: Vec<&[u8]> = hash.iter().flat_map(|(f, v)| [f, v]).collect();
            batches(out, b"HMSET", key, &items, 2);
        }
        Value::Stream(stream) => write_stream(out, key, stream),
    }
}

/// `command key items...` in commands of at most 64 items (an item being `width` words).
fn batches(out: &mut Vec<u8>, command: &[u8], key: &[u8], words: &[&[u8]], width: usize) {
    for chunk in words.chunks(ITEMS_PER_COMMAND * width) {
        header(out, 2 + chunk.len());
        bulk(out, command);
        bulk(out, key);
        for word in chunk {
            bulk(out, word);
        }
    }
}

fn id_text(id: StreamId) -> Vec<u8> {
    format!("{}-{}", id.ms, id.seq).into_bytes()
}

/// A stream: its entries (an empty stream through `XADD ... MAXLEN 0`), its last ID and
/// counters, then each group, its consumers' pending entries as forced XCLAIMs and the
/// consumers with none by XGROUP CREATECONSUMER.
fn write_stream(out: &mut Vec<u8>, key: &[u8], stream: &Stream) {
    if stream.length > 0 {
        for node in stream.nodes().values() {
            for entry in node.entries.iter().filter(|e| !e.deleted) {
                let fields = entry.fields.as_ref().unwrap_or(&node.master_fields);
                header(out, 3 + 2 * entry.values.len());
                bulk(out, b"XADD");
                bulk(out, key);
                bulk(out, &id_text(entry.id));
                for (field, value) in fields.iter().zip(&entry.values) {
                    bulk(out, field);
                    bulk(out, value);
                }
            }
        }
    } else {
        header(out, 7);
        for word in [&b"XADD"[..], key, b"MAXLEN", b"0", b"0-1", b"x", b"y"] {
            bulk(out, word);
        }
    }
    header(out, 7);
    bulk(out, b"XSETID");
    bulk(out, key);
    bulk(out, &id_text(stream.last_id));
    bulk(out, b"ENTRIESADDED");
    bulk(out, stream.entries_added.to_string().as_bytes());
    bulk(out, b"MAXDELETEDID");
    bulk(out, &id_text(stream.max_deleted_id));
    for (name, group) in &stream.groups {
        header(out, 7);
        bulk(out, b"XGROUP");
        bulk(out, b"CREATE");
        bulk(out, key);
        bulk(out, name);
        bulk(out, &id_text(group.last_id));
        bulk(out, b"ENTRIESREAD");
        bulk(out, group.entries_read.to_string().as_bytes());
        for (consumer_name, consumer) in &group.consumers {
            if consumer.pel.is_empty() {
                header(out, 5);
                for word in [&b"XGROUP"[..], b"CREATECONSUMER", key, name, consumer_name] {
                    bulk(out, word);
                }
                continue;
            }
            for id in &consumer.pel {
                let Some(nack) = group.pel.get(id) else {
                    continue;
                };
                header(out, 12);
                for word in [&b"XCLAIM"[..], key, name, consumer_name, b"0"] {
                    bulk(out, word);
                }
                bulk(out, &id_text(*id));
                bulk(out, b"TIME");
                bulk(out, nack.delivery_time.to_string().as_bytes());
                bulk(out, b"RETRYCOUNT");
                bulk(out, nack.delivery_count.to_string().as_bytes());
                bulk(out, b"JUSTID");
                bulk(out, b"FORCE");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(out: &[u8]) -> String {
        String::from_utf8_lossy(out).replace("\r\n", " ")
    }

    #[test]
    fn variadic_commands_take_64_items_each() {
        let mut out = Vec::new();
        let words: Vec<Vec<u8>> = (0..130).map(|i| i.to_string().into_bytes()).collect();
        let items: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        batches(&mut out, b"RPUSH", b"k", &items, 1);
        let t = text(&out);
        assert_eq!(t.matches("RPUSH").count(), 3);
        assert!(t.starts_with("*66 $5 RPUSH $1 k $1 0 "));
        assert!(t.contains("*4 $5 RPUSH $1 k $3 128 $3 129 "));
        let mut out = Vec::new();
        batches(&mut out, b"HMSET", b"h", &items, 2);
        assert!(text(&out).starts_with("*130 $5 HMSET"));
        assert!(text(&out).contains("*4 $5 HMSET $1 h $3 128 $3 129 "));
    }
}
