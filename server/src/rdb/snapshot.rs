//! Whole RDB files (`rdbSaveRio`, `rdbLoadRio`): `REDIS0010`, the aux fields, the function
//! libraries, each non-empty database (SELECTDB, RESIZEDB, then its keys with their expiry
//! times), EOF and the CRC-64 of everything before it (zero when checksums are off).
//!
//! Saving streams the file through a buffer, key by key; a snapshot goes to a temporary file
//! that is flushed to disk and then renamed over the old one, so a crash mid-save never
//! damages the last good snapshot.

use super::opcodes;
use super::value::{type_of, write_value, SaveOptions};
use crate::db::Db;
use redis_runtime::rdb::{crc64, write_len, write_string, RDB_VERSION};
use std::io::Write;
use std::path::Path;

/// What a snapshot holds and how to write it.
pub struct SaveInput<'a> {
    pub dbs: &'a [Db],
    /// The function libraries as `FUNCTION2` records (a `FUNCTION DUMP` payload without its
    /// footer).
    pub function_records: &'a [u8],
    pub options: SaveOptions,
    pub checksum: bool,
    pub used_memory: usize,
    /// `aof-base`: written as an AOF's base file.
    pub aof_base: bool,
    /// The replication stream's position (`repl-stream-db`, `repl-id`, `repl-offset`), so a
    /// restarted replica can go on from it.
    pub replication: Option<ReplInfo>,
    /// `rdb-key-save-delay` (a test knob, as in Redis): microseconds to sleep after each key,
    /// or, negative, a 1 µs sleep once every that many keys on average.
    pub key_save_delay: i64,
    /// A background save's reports to its parent, told of each key written.
    pub progress: Option<&'a std::cell::RefCell<crate::child_info::Reporter>>,
}

/// A writer that keeps the running CRC-64 of what passed through it.
struct Checksummed<W: Write> {
    inner: W,
    crc: u64,
    enabled: bool,
}

impl<W: Write> Checksummed<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.enabled {
            self.crc = crc64(self.crc, bytes);
        }
        self.inner.write_all(bytes)
    }
}

/// Where a replication stream stood when a file was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplInfo {
    pub stream_db: usize,
    pub replid: String,
    pub offset: u64,
}

fn aux(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(opcodes::AUX);
    write_string(out, key.as_bytes(), false);
    write_string(out, value.as_bytes(), false);
}

/// Write a whole snapshot to `w`.
pub fn write_to(input: &SaveInput, w: impl Write) -> std::io::Result<()> {
    let mut w = Checksummed {
        inner: w,
        crc: 0,
        enabled: input.checksum,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    buf.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    aux(&mut buf, "redis-ver", redis_runtime::REDIS_VERSION);
    aux(&mut buf, "redis-bits", "64");
    let now = crate::db::now_ms() / 1000;
    aux(&mut buf, "ctime", &now.to_string());
    aux(&mut buf, "used-mem", &input.used_memory.to_string());
    if let Some(info) = &input.replication {
        aux(&mut buf, "repl-stream-db", &info.stream_db.to_string());
        aux(&mut buf, "repl-id", &info.replid);
        aux(&mut buf, "repl-offset", &info.offset.to_string());
    }
    aux(&mut buf, "aof-base", if input.aof_base { "1" } else { "0" });
    buf.extend_from_slice(input.function_records);
    let mut keys_written = 0u64;
    for (index, db) in input.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        buf.push(opcodes::SELECTDB);
        write_len(&mut buf, index as u64);
        buf.push(opcodes::RESIZEDB);
        write_len(&mut buf, db.keys.len() as u64);
        write_len(&mut buf, db.expires.len() as u64);
        let has_expires = !db.expires.is_empty();
        for (key, value) in db.keys.iter() {
            if let Some(&when) = db.expires.get(key).filter(|_| has_expires) {
                buf.push(opcodes::EXPIRETIME_MS);
                buf.extend_from_slice(&when.to_le_bytes());
            }
            buf.push(type_of(value));
            write_string(&mut buf, key, input.options.compress);
            write_value(&mut buf, value, &input.options);
            if buf.len() >= 32 * 1024 {
                w.put(&buf)?;
                buf.clear();
            }
            delay_after_key(input.key_save_delay, &mut keys_written);
            // A child whose parent is gone stops (its temporary file removed by the caller).
            if let Some(progress) = input.progress {
                if !progress.borrow_mut().key_written() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the parent process is gone",
                    ));
                }
            }
        }
    }
    buf.push(opcodes::EOF);
    w.put(&buf)?;
    let crc = w.crc;
    w.inner.write_all(&crc.to_le_bytes())?;
    w.inner.flush()
}

/// Redis's `debugDelay` after each key saved (`rdb-key-save-delay`), so tests can watch a save
/// in progress: a positive delay is slept each time; a negative one sleeps 1 µs once every
/// `-delay` keys.
pub(super) fn delay_after_key(delay: i64, keys_written: &mut u64) {
    *keys_written += 1;
    let micros = match delay {
        0 => return,
        d if d > 0 => d as u64,
        d if *keys_written % d.unsigned_abs() == 0 => 1,
        _ => return,
    };
    std::thread::sleep(std::time::Duration::from_micros(micros));
}

/// Save to `path` through `temp` (written, synced to disk, then renamed over `path`).
pub fn save(input: &SaveInput, temp: &Path, path: &Path) -> std::io::Result<()> {
    let result = (|| {
        let file = std::fs::File::create(temp)?;
        let mut writer = std::io::BufWriter::with_capacity(256 * 1024, file);
        write_to(input, &mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::load::*;
    use super::*;
    use crate::db::encoding::Limits;
    use crate::db::Value;

    const GOLDEN: &[u8] = include_bytes!("../../tests/golden/redis-7.0.15.rdb");

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn the_golden_file_loads() {
        let loaded = load(GOLDEN, 16, &Limits::default(), 0).expect("loads");
        assert_eq!(loaded.keys_loaded, 17);
        assert_eq!(loaded.functions.len(), 2);
        assert_eq!(loaded.dbs[3].len(), 2);
    }

    #[test]
    fn saving_what_was_loaded_gives_a_file_that_loads_the_same() {
        let loaded = load(GOLDEN, 16, &Limits::default(), 0).expect("loads");
        let mut records = Vec::new();
        for code in &loaded.functions {
            records.push(opcodes::FUNCTION2);
            write_string(&mut records, code, true);
        }
        let input = SaveInput {
            dbs: &loaded.dbs,
            function_records: &records,
            options: SaveOptions::default(),
            checksum: true,
            used_memory: 0,
            aof_base: false,
            replication: Some(ReplInfo {
                stream_db: 9,
                replid: "a".repeat(40),
                offset: 1234,
            }),
            key_save_delay: 0,
            progress: None,
        };
        let mut file = Vec::new();
        write_to(&input, &mut file).expect("write");
        let again = load(&file, 16, &Limits::default(), 0).expect("reloads");
        assert_eq!(again.keys_loaded, loaded.keys_loaded);
        assert_eq!(again.replication, input.replication);
        assert_eq!(again.functions, loaded.functions);
        for (a, b) in loaded.dbs.iter().zip(&again.dbs) {
            for (key, value) in a.keys.iter() {
                let other = b.keys.get(key).expect("key kept");
                assert_eq!(
                    canonical(value),
                    canonical(other),
                    "{}",
                    String::from_utf8_lossy(key)
                );
            }
        }
    }

    /// A value's content with hash-table order taken out.
    fn canonical(value: &Value) -> Vec<Vec<u8>> {
        match value {
            Value::Hash(h) => {
                let mut pairs: Vec<Vec<u8>> =
                    h.iter().map(|(f, v)| [f, b"=", v].concat()).collect();
                pairs.sort();
                pairs
            }
            Value::Set(set) => {
                let mut members = set.members();
                members.sort();
                members
            }
            other => {
                let mut bytes = vec![type_of(other)];
                write_value(&mut bytes, other, &SaveOptions::default());
                vec![bytes]
            }
        }
    }

    /// Mutated files (checksum zeroed, so every mutation is parsed to its end) and mutated
    /// value payloads are refused or loaded, never a panic or a runaway allocation.
    #[test]
    fn mutated_files_never_panic() {
        let mut base = GOLDEN.to_vec();
        let n = base.len();
        base[n - 8..].fill(0);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let limits = Limits::default();
        for round in 0..4000 {
            let mut data = base.clone();
            let edits = 1 + (xorshift(&mut state) % 4) as usize;
            for _ in 0..edits {
                let at = (xorshift(&mut state) as usize) % data.len();
                match xorshift(&mut state) % 4 {
                    0 => data[at] ^= 1 << (xorshift(&mut state) % 8),
                    1 => data[at] = xorshift(&mut state) as u8,
                    2 => data.truncate(at.max(1)),
                    _ => data.insert(at, xorshift(&mut state) as u8),
                }
            }
            let _ = load(&data, 16, &limits, 0);
            let start = (round * 37) % data.len();
            let _ = read_dump_value(&data[start..], &limits);
        }
    }
}
