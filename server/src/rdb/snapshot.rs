//! Whole RDB files (`rdbSaveRio`, `rdbLoadRio`): `REDIS0010`, the aux fields, the function
//! libraries, each non-empty database (SELECTDB, RESIZEDB, then its keys with their expiry
//! times), EOF and the CRC-64 of everything before it (zero when checksums are off).
//!
//! Saving streams the file through a buffer, key by key; a snapshot goes to a temporary file
//! that is flushed to disk and then renamed over the old one, so a crash mid-save never
//! damages the last good snapshot.

use super::opcodes;
use super::value::{read_value, type_of, write_value, LoadError, SaveOptions};
use crate::db::encoding::Limits;
use crate::db::{Db, Value};
use redis_runtime::rdb::{crc64, write_len, write_string, Reader, RDB_VERSION};
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
            if let Some(progress) = input.progress {
                progress.borrow_mut().key_written();
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
fn delay_after_key(delay: i64, keys_written: &mut u64) {
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

/// What a file held.
#[derive(Default)]
pub struct Loaded {
    pub dbs: Vec<Db>,
    /// Library codes, in file order.
    pub functions: Vec<Vec<u8>>,
    pub keys_loaded: u64,
    /// Keys whose time had passed, left out (as a primary does).
    pub keys_expired: u64,
    /// Those keys with their databases, in file order, when the hooks ask for them (a
    /// primary sends their deletion down its replication stream).
    pub expired_keys: Vec<(usize, Vec<u8>)>,
    /// Empty collections left out (files from versions with that bug).
    pub empty_keys_skipped: u64,
    /// The names of the first ten of them, which Redis logs.
    pub empty_keys: Vec<Vec<u8>>,
    /// What Redis logs about the file's aux fields (its writer's version, its age, ...).
    pub notices: Vec<String>,
    /// `redis-ver` of the writer, when given.
    pub writer_version: Option<String>,
    /// The replication stream's position, when the file has all three fields (and a stream
    /// database other than -1, which older servers wrote by mistake).
    pub replication: Option<ReplInfo>,
    /// Bytes the snapshot took (an append-only file's RDB preamble has commands after it).
    pub consumed: usize,
}

/// Why a file could not be loaded.
#[derive(Debug)]
pub enum LoadFailure {
    /// The file could not be read (the system's reason).
    Unreadable(String),
    /// Refused as a whole before any key (its signature, its version, something this
    /// server does not load): the text Redis logs about it.
    Refused(String),
    /// Corrupt or cut short somewhere inside.
    Corrupt(Box<Corruption>),
    /// Stopped by its progress hook (a shutdown asked for while loading).
    Interrupted,
}

/// Where in a file a fault was met, as Redis's loader and its file check report it.
#[derive(Debug, Default)]
pub struct Corruption {
    /// The reader's label for the fault (see [`super::report`]); `eof` for a cut file,
    /// `crc` for a checksum that does not match.
    pub what: &'static str,
    /// A line Redis logs before its report (a short read, the two checksums).
    pub preface: Option<String>,
    /// Bytes read when the fault was found.
    pub offset: usize,
    /// What the reader was doing (`redis-check-rdb`'s names).
    pub doing: &'static str,
    /// The key being read, and its value type.
    pub key: Option<Vec<u8>>,
    pub key_type: Option<u8>,
    /// Keys read, keys with a time to live, and those already past it, before the fault.
    pub keys_read: u64,
    pub expires: u64,
    pub already_expired: u64,
    /// What `redis-check-rdb` notes on its way to the fault (databases selected, aux
    /// fields), each with the offset after it.
    pub notes: Vec<(usize, String)>,
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadFailure::Unreadable(text) | LoadFailure::Refused(text) => f.write_str(text),
            LoadFailure::Corrupt(c) => f.write_str(super::report::reason(c.what).0),
            LoadFailure::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl From<LoadFailure> for String {
    fn from(failure: LoadFailure) -> String {
        failure.to_string()
    }
}

/// Where the reader stands, for the report of a fault.
#[derive(Default)]
struct Progress {
    doing: &'static str,
    key: Option<Vec<u8>>,
    key_type: Option<u8>,
    keys_read: u64,
    expires: u64,
    already_expired: u64,
    notes: Vec<(usize, String)>,
}

/// Notes kept at most (a file of nothing but aux fields should not grow them without bound).
const MAX_NOTES: usize = 1000;

impl Progress {
    fn note(&mut self, offset: usize, text: impl FnOnce() -> String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push((offset, text()));
        }
    }

    fn fault(&self, what: &'static str, offset: usize, preface: Option<String>) -> LoadFailure {
        LoadFailure::Corrupt(Box::new(Corruption {
            what,
            preface,
            offset,
            doing: self.doing,
            key: self.key.clone(),
            key_type: self.key_type,
            keys_read: self.keys_read,
            expires: self.expires,
            already_expired: self.already_expired,
            notes: self.notes.clone(),
        }))
    }
}

/// What a load calls back while it reads, so a server can answer clients meanwhile.
pub struct LoadHooks<'a> {
    /// Bytes between calls of `progress` (`loading-process-events-interval-bytes`).
    pub interval: usize,
    /// `key-load-delay`, a test knob as in Redis: microseconds slept after each key (a
    /// negative value, a 1 µs sleep once every that many keys).
    pub key_delay: i64,
    /// Told the bytes read so far and the writer's memory use (its `used-mem` field, 0
    /// until read); `false` stops the load ([`LoadFailure::Interrupted`]).
    pub progress: &'a mut dyn FnMut(usize, u64) -> bool,
    /// Keep the names of the keys left out as expired ([`Loaded::expired_keys`]).
    pub collect_expired: bool,
}

/// Read a whole file into `databases` fresh databases, or the reason it cannot be read.
pub fn load(
    data: &[u8],
    databases: usize,
    limits: &Limits,
    now_ms: i64,
) -> Result<Loaded, LoadFailure> {
    load_with(data, databases, limits, now_ms, None)
}

/// [`load`], calling `hooks` as it goes.
pub fn load_with(
    data: &[u8],
    databases: usize,
    limits: &Limits,
    now_ms: i64,
    hooks: Option<LoadHooks>,
) -> Result<Loaded, LoadFailure> {
    let version = read_signature(data)?;
    let mut state = LoadState::new(databases, limits, now_ms, hooks);
    let mut r = Reader::new(&data[9..]);
    while let Step::Record = state.step(&mut r)? {}
    let body_end = 9 + r.position();
    state.check_sum(version, &mut r, crc64(0, &data[..body_end]))?;
    Ok(state.finish(9 + r.position()))
}

/// The format version a file's first nine bytes (`REDIS` and four digits) give, if this
/// server reads it.
pub fn read_signature(data: &[u8]) -> Result<u32, LoadFailure> {
    if data.len() < 9 || &data[..5] != b"REDIS" {
        return Err(LoadFailure::Refused(
            "Wrong signature trying to load DB from file".into(),
        ));
    }
    let version: u32 = std::str::from_utf8(&data[5..9])
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if version < 1 || version > u32::from(RDB_VERSION) {
        return Err(LoadFailure::Refused(format!(
            "Can't handle RDB format version {version}"
        )));
    }
    Ok(version)
}

/// What [`LoadState::step`] read.
pub enum Step {
    /// A record; more follow.
    Record,
    /// The EOF opcode: the checksum follows.
    End,
}

/// A load under way, record by record: what was read so far and the state one record leaves
/// for the next (the database selected, an expiry time for the next key).
pub struct LoadState<'a> {
    loaded: Loaded,
    progress: Progress,
    databases: usize,
    limits: Limits,
    now_ms: i64,
    hooks: Option<LoadHooks<'a>>,
    db: usize,
    expire: Option<i64>,
    repl_fields: (Option<i64>, Option<String>, Option<u64>),
    keys_seen: u64,
    reported_at: usize,
    writer_used_mem: u64,
    /// Bytes of the file before the reader's start (a stream's reader starts anew as its
    /// buffer is emptied), so offsets stay the file's.
    pub base: usize,
}

/// What a record that turned out cut short changed, to undo before reading it again with
/// more bytes ([`LoadState::rewind`]).
pub struct Mark {
    doing: &'static str,
    key_type: Option<u8>,
    keys_read: u64,
    expires: u64,
    already_expired: u64,
    notes: usize,
    keys_seen: u64,
}

impl<'a> LoadState<'a> {
    pub fn new(
        databases: usize,
        limits: &Limits,
        now_ms: i64,
        hooks: Option<LoadHooks<'a>>,
    ) -> LoadState<'a> {
        LoadState {
            loaded: Loaded {
                dbs: (0..databases).map(|_| Db::default()).collect(),
                ..Loaded::default()
            },
            // redis-check-rdb's state starts zeroed, so a fault before any key reports
            // type 0.
            progress: Progress {
                doing: "start",
                key_type: Some(0),
                ..Progress::default()
            },
            databases,
            limits: *limits,
            now_ms,
            hooks,
            db: 0,
            expire: None,
            repl_fields: (None, None, None),
            keys_seen: 0,
            reported_at: 0,
            writer_used_mem: 0,
            base: 9,
        }
    }

    /// Where the reader stands in the file.
    fn offset(&self, r: &Reader) -> usize {
        self.base + r.position()
    }

    fn truncated(&self, r: &Reader) -> LoadFailure {
        let preface = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
        self.progress
            .fault("eof", self.offset(r), Some(preface.into()))
    }

    /// Note what a record may change before it is known to be whole.
    pub fn mark(&self) -> Mark {
        Mark {
            doing: self.progress.doing,
            key_type: self.progress.key_type,
            keys_read: self.progress.keys_read,
            expires: self.progress.expires,
            already_expired: self.progress.already_expired,
            notes: self.progress.notes.len(),
            keys_seen: self.keys_seen,
        }
    }

    /// Undo a cut-short record's changes (it is read again once more bytes came).
    pub fn rewind(&mut self, mark: &Mark) {
        self.progress.doing = mark.doing;
        self.progress.key_type = mark.key_type;
        self.progress.keys_read = mark.keys_read;
        self.progress.expires = mark.expires;
        self.progress.already_expired = mark.already_expired;
        self.progress.notes.truncate(mark.notes);
        self.progress.key = None;
        self.keys_seen = mark.keys_seen;
    }

    /// Read the next record. Nothing of it is kept unless it is whole: a record cut short
    /// fails with the `eof` fault (see [`is_cut_short`]).
    pub fn step(&mut self, r: &mut Reader) -> Result<Step, LoadFailure> {
        let at = self.offset(r);
        if let Some(hooks) = self.hooks.as_mut() {
            if hooks.interval > 0 && at / hooks.interval > self.reported_at / hooks.interval {
                self.reported_at = at;
                if !(hooks.progress)(at, self.writer_used_mem) {
                    return Err(LoadFailure::Interrupted);
                }
            }
        }
        self.progress.doing = "read-type";
        let Some(opcode) = r.byte() else {
            return Err(self.truncated(r));
        };
        self.progress.doing = match opcode {
            opcodes::EXPIRETIME | opcodes::EXPIRETIME_MS => "read-expire",
            opcodes::SELECTDB | opcodes::RESIZEDB => "read-len",
            opcodes::AUX => "read-aux",
            opcodes::MODULE_AUX => "read-module-aux",
            opcodes::FUNCTION | opcodes::FUNCTION2 => "read-functions",
            _ => "read-key",
        };
        match opcode {
            opcodes::EXPIRETIME => {
                let b = r.u32_le().ok_or_else(|| self.truncated(r))?;
                self.expire = Some(i64::from(b as i32) * 1000);
            }
            opcodes::EXPIRETIME_MS => {
                self.expire = Some(r.u64_le().ok_or_else(|| self.truncated(r))? as i64);
            }
            opcodes::FREQ => {
                r.byte().ok_or_else(|| self.truncated(r))?;
            }
            opcodes::IDLE => {
                r.len().ok_or_else(|| self.truncated(r))?;
            }
            opcodes::EOF => return Ok(Step::End),
            opcodes::SELECTDB => {
                let index = r.len().ok_or_else(|| self.truncated(r))?;
                let databases = self.databases;
                self.db = usize::try_from(index)
                    .ok()
                    .filter(|&i| i < databases)
                    .ok_or_else(|| {
                        LoadFailure::Refused(format!(
                            "FATAL: Data file was created with a Redis server configured to handle more than {databases} databases. Exiting"
                        ))
                    })?;
                let at = self.offset(r);
                self.progress
                    .note(at, || format!("Selecting DB ID {index}"));
            }
            opcodes::RESIZEDB => {
                let keys = r.len().ok_or_else(|| self.truncated(r))?;
                let expires = r.len().ok_or_else(|| self.truncated(r))?;
                // Never more slots than the rest of the bytes at hand could fill.
                let bound = (r.remaining() / 2) as u64;
                let db = &mut self.loaded.dbs[self.db];
                db.keys.reserve(keys.min(bound) as usize);
                db.expires.reserve(expires.min(bound) as usize);
            }
            opcodes::AUX => self.aux(r)?,
            opcodes::MODULE_AUX => {
                return Err(LoadFailure::Refused(
                    "The RDB file contains AUX module data I can't load: no matching module".into(),
                ))
            }
            opcodes::FUNCTION2 => {
                let code = r.string().ok_or_else(|| self.truncated(r))?;
                self.loaded.functions.push(code);
            }
            opcodes::FUNCTION => {
                return Err(LoadFailure::Refused(
                    "Failed loading library, pre-release function format is not supported".into(),
                ))
            }
            rdb_type => self.key(r, rdb_type)?,
        }
        Ok(Step::Record)
    }

    fn aux(&mut self, r: &mut Reader) -> Result<(), LoadFailure> {
        let key = r.string().ok_or_else(|| self.truncated(r))?;
        let value = r.string().ok_or_else(|| self.truncated(r))?;
        let text = String::from_utf8_lossy(&value).into_owned();
        let at = self.offset(r);
        self.progress.note(at, || {
            format!("AUX FIELD {} = '{text}'", String::from_utf8_lossy(&key))
        });
        if let Some(notice) = aux_notice(&key, &text) {
            if self.loaded.notices.len() < MAX_NOTES {
                self.loaded.notices.push(notice);
            }
        }
        match key.to_ascii_lowercase().as_slice() {
            b"redis-ver" => self.loaded.writer_version = Some(text),
            b"used-mem" => self.writer_used_mem = text.parse().unwrap_or(0),
            b"repl-stream-db" => self.repl_fields.0 = text.parse().ok(),
            b"repl-id" if text.len() == 40 => self.repl_fields.1 = Some(text),
            b"repl-offset" => self.repl_fields.2 = text.parse().ok(),
            _ => {}
        }
        Ok(())
    }

    fn key(&mut self, r: &mut Reader, rdb_type: u8) -> Result<(), LoadFailure> {
        self.progress.key_type = Some(rdb_type);
        let key = r.bytes().ok_or_else(|| self.truncated(r))?;
        self.progress.keys_read += 1;
        self.progress.doing = "read-object-value";
        let value = read_value(r, rdb_type, &self.limits);
        if value.is_ok() {
            self.progress.key_type = None;
        }
        if let Some(hooks) = self.hooks.as_ref().filter(|h| h.key_delay != 0) {
            delay_after_key(hooks.key_delay, &mut self.keys_seen);
        }
        match value {
            Ok(value) => {
                let when = self.expire.take();
                if let Some(t) = when {
                    self.progress.expires += 1;
                    if t < self.now_ms {
                        self.progress.already_expired += 1;
                        self.loaded.keys_expired += 1;
                        if self.hooks.as_ref().is_some_and(|h| h.collect_expired) {
                            self.loaded.expired_keys.push((self.db, key.into_owned()));
                        }
                        return Ok(());
                    }
                }
                let db = self.db;
                let target = &mut self.loaded.dbs[db];
                if target.keys.contains_key(&key) {
                    return Err(LoadFailure::Refused(format!(
                        "RDB has duplicated key '{}' in DB {db}",
                        String::from_utf8_lossy(&key)
                    )));
                }
                target.keys.insert_new(&key, value);
                if let Some(t) = when {
                    target.expires.insert(&key, t);
                }
                self.loaded.keys_loaded += 1;
            }
            Err(LoadError::Empty) => {
                self.expire = None;
                self.loaded.empty_keys_skipped += 1;
                if self.loaded.empty_keys.len() < 10 {
                    self.loaded.empty_keys.push(key.into_owned());
                }
            }
            Err(LoadError::UnsupportedType(t)) => {
                return Err(LoadFailure::Refused(format!(
                    "Unknown RDB encoding type {t}"
                )))
            }
            Err(LoadError::Bad(what)) => {
                self.progress.key = Some(key.into_owned());
                if super::report::is_read_error(what) {
                    return Err(self.truncated(r));
                }
                return Err(self.progress.fault(what, self.offset(r), None));
            }
        }
        Ok(())
    }

    /// After the EOF opcode: files from version 5 on end with the CRC-64 of everything
    /// before it (zero when the writer had checksums off); `computed` is that of the bytes
    /// read.
    pub fn check_sum(
        &mut self,
        version: u32,
        r: &mut Reader,
        computed: u64,
    ) -> Result<(), LoadFailure> {
        if version < 5 {
            return Ok(());
        }
        self.progress.doing = "check-sum";
        let stored = r.u64_le().ok_or_else(|| self.truncated(r))?;
        if stored != 0 && stored != computed {
            let preface = format!(
                "Wrong RDB checksum expected: ({computed:x}) but got ({stored:x}). Aborting now."
            );
            return Err(self.progress.fault("crc", self.offset(r), Some(preface)));
        }
        Ok(())
    }

    /// What was read, the file having taken `consumed` bytes.
    pub fn finish(mut self, consumed: usize) -> Loaded {
        self.loaded.consumed = consumed;
        if let (Some(db), Some(replid), Some(offset)) = self.repl_fields {
            self.loaded.replication = usize::try_from(db).ok().map(|stream_db| ReplInfo {
                stream_db,
                replid,
                offset,
            });
        }
        self.loaded
    }
}

/// Whether a load failed only because its bytes ended mid-record (more may come).
pub fn is_cut_short(failure: &LoadFailure) -> bool {
    matches!(failure, LoadFailure::Corrupt(c) if c.what == "eof")
}

/// Redis's notice about an aux field it reads (`rdbLoadRio`), if it logs one.
fn aux_notice(key: &[u8], value: &str) -> Option<String> {
    let number = || value.trim().parse::<i64>().unwrap_or(0);
    if key.first() == Some(&b'%') {
        return Some(format!("RDB '{}': {value}", String::from_utf8_lossy(key)));
    }
    match key.to_ascii_lowercase().as_slice() {
        b"redis-ver" => Some(format!("Loading RDB produced by version {value}")),
        b"ctime" => Some(format!(
            "RDB age {} seconds",
            (crate::db::now_ms() / 1000 - number()).max(0)
        )),
        b"used-mem" => Some(format!(
            "RDB memory usage when created {:.2} Mb",
            number() as f64 / (1024.0 * 1024.0)
        )),
        b"aof-preamble" if number() != 0 => Some("RDB has an AOF tail".into()),
        b"aof-base" if number() != 0 => Some("RDB is base AOF".into()),
        _ => None,
    }
}

/// The value read from a `DUMP` payload's body (type byte then value), or, when it is
/// malformed in any way (bytes left over included), the label of what was wrong (see
/// [`super::report`]).
pub fn read_dump_value(body: &[u8], limits: &Limits) -> Result<Value, &'static str> {
    let mut r = Reader::new(body);
    let rdb_type = r.byte().ok_or("type")?;
    let value = read_value(&mut r, rdb_type, limits).map_err(|e| match e {
        LoadError::Bad(what) => what,
        LoadError::Empty => "empty",
        LoadError::UnsupportedType(_) => "type",
    })?;
    if r.remaining() != 0 {
        return Err("trailing bytes");
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
