//! Reading whole RDB files (`rdbLoadRio`), record by record ([`LoadState`]): the aux fields,
//! the function libraries, each database's keys with their expiry times, then the CRC-64.
//! A fault is reported with where it was met, as Redis's loader and `redis-check-rdb` report
//! it ([`Corruption`]).

use super::opcodes;
use super::snapshot::{delay_after_key, ReplInfo};
use super::value::{read_value, LoadError};
use crate::db::encoding::Limits;
use crate::db::{Db, Value};
use redis_runtime::rdb::{crc64, Reader, RDB_VERSION};

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
pub struct Checkpoint {
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
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
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
    pub fn rewind(&mut self, checkpoint: &Checkpoint) {
        self.progress.doing = checkpoint.doing;
        self.progress.key_type = checkpoint.key_type;
        self.progress.keys_read = checkpoint.keys_read;
        self.progress.expires = checkpoint.expires;
        self.progress.already_expired = checkpoint.already_expired;
        self.progress.notes.truncate(checkpoint.notes);
        self.progress.key = None;
        self.keys_seen = checkpoint.keys_seen;
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
