//! A snapshot read as its bytes arrive (a replica's diskless load: Redis parses straight from
//! the socket). Each record is read as soon as it is whole, so the reader keeps only the
//! record being received, and the load's pace (`key-load-delay` included) holds back the
//! reading, and through it the primary's transfer.
//!
//! A record cut short is read again once more bytes came: at least as many again as it
//! had, so a large value is read a few times at most, not once per chunk.

use super::load::{is_cut_short, read_signature, LoadFailure, LoadHooks, LoadState, Loaded, Step};
use crate::db::encoding::Limits;
use redis_runtime::rdb::{crc64, Reader};

/// The least number of bytes waited for before a cut-short record is read again.
const MIN_WAIT: usize = 16 * 1024;

/// A load fed chunk by chunk.
pub struct IncrementalLoad<'a> {
    state: LoadState<'a>,
    /// The format version, once the signature was read.
    version: Option<u32>,
    /// Bytes not read yet.
    pending: Vec<u8>,
    /// The CRC-64 of the bytes read and dropped.
    crc: u64,
    /// Bytes read and dropped.
    dropped: usize,
    /// The EOF opcode was read: the checksum is next.
    at_end: bool,
    /// Do not read again before `pending` holds this many bytes (unless it is the last).
    wait_for: usize,
    /// The least wait after a record cut short ([`MIN_WAIT`]; tests lower it, to cut
    /// records everywhere).
    min_wait: usize,
}

/// A finished load, and the bytes fed past the file's end.
pub struct Finished {
    pub loaded: Loaded,
    pub rest: Vec<u8>,
}

impl<'a> IncrementalLoad<'a> {
    pub fn new(
        databases: usize,
        limits: &Limits,
        now_ms: i64,
        hooks: Option<LoadHooks<'a>>,
    ) -> IncrementalLoad<'a> {
        IncrementalLoad {
            state: LoadState::new(databases, limits, now_ms, hooks),
            version: None,
            pending: Vec::new(),
            crc: 0,
            dropped: 0,
            at_end: false,
            wait_for: 0,
            min_wait: MIN_WAIT,
        }
    }

    /// Take `bytes` and read every record they complete; `last` when no more will come (a
    /// record still cut short then is an error). `Some` once the file was read to its end.
    pub fn feed(&mut self, bytes: &[u8], last: bool) -> Result<Option<Finished>, LoadFailure> {
        self.pending
            .try_reserve(bytes.len())
            .map_err(|_| LoadFailure::Unreadable("no memory for the snapshot".into()))?;
        self.pending.extend_from_slice(bytes);
        if !last && self.pending.len() < self.wait_for {
            return Ok(None);
        }
        let version = match self.version {
            Some(version) => version,
            None if self.pending.len() < 9 && !last => return Ok(None),
            None => {
                let version = read_signature(&self.pending)?;
                self.drop_read(9);
                self.version = Some(version);
                version
            }
        };
        let mut r = Reader::new(&self.pending);
        let mut read = 0;
        while !self.at_end {
            let checkpoint = self.state.checkpoint();
            match self.state.step(&mut r) {
                Ok(Step::Record) => read = r.position(),
                Ok(Step::End) => {
                    read = r.position();
                    self.at_end = true;
                }
                // A record cut short may fail with any fault of the value it holds.
                Err(e) if !last && (is_cut_short(&e) || r.ran_out()) => {
                    self.state.rewind(&checkpoint);
                    let waiting = self.pending.len() - read;
                    self.wait_for = waiting + waiting.max(self.min_wait);
                    self.drop_read(read);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        let computed = crc64(self.crc, &self.pending[..read]);
        let checkpoint = self.state.checkpoint();
        match self.state.check_sum(version, &mut r, computed) {
            Ok(()) => {}
            Err(e) if !last && (is_cut_short(&e) || r.ran_out()) => {
                self.state.rewind(&checkpoint);
                self.wait_for = 0;
                self.drop_read(read);
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
        let end = r.position();
        let rest = self.pending[end..].to_vec();
        let consumed = self.dropped + end;
        let state = std::mem::replace(
            &mut self.state,
            LoadState::new(0, &Limits::default(), 0, None),
        );
        Ok(Some(Finished {
            loaded: state.finish(consumed),
            rest,
        }))
    }

    /// Forget the first `n` pending bytes, which were read.
    fn drop_read(&mut self, n: usize) {
        self.crc = crc64(self.crc, &self.pending[..n]);
        self.pending.drain(..n);
        self.dropped += n;
        self.state.base = self.dropped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, Value};

    /// A file of `keys` keys, saved as the server saves one.
    fn file(keys: usize) -> Vec<u8> {
        let mut db = Db::default();
        for i in 0..keys {
            let text = format!("value-{i}-{}", "x".repeat(i % 300));
            let value = Value::Str(crate::db::bytes::Bytes::new(text.as_bytes()));
            db.keys.insert_new(format!("key:{i}").as_bytes(), value);
        }
        let dbs = vec![db];
        let input = super::super::snapshot::SaveInput {
            dbs: &dbs,
            function_records: &[],
            options: Default::default(),
            checksum: true,
            used_memory: 0,
            aof_base: false,
            replication: None,
            key_save_delay: 0,
            progress: None,
        };
        let mut out = Vec::new();
        super::super::snapshot::write_to(&input, &mut out).expect("save");
        out
    }

    fn load_in_chunks(data: &[u8], chunk: usize) -> Result<Finished, LoadFailure> {
        let mut load = IncrementalLoad::new(16, &Limits::default(), i64::MIN, None);
        load.min_wait = 1;
        let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
        for (i, part) in chunks.iter().enumerate() {
            if let Some(done) = load.feed(part, i + 1 == chunks.len())? {
                return Ok(done);
            }
        }
        Err(LoadFailure::Unreadable("never finished".into()))
    }

    #[test]
    fn any_chunking_reads_the_same_keys() {
        let data = file(500);
        let whole = super::super::load::load(&data, 16, &Limits::default(), 0).expect("whole file");
        for chunk in [1, 7, 100, 4096, data.len()] {
            let done = load_in_chunks(&data, chunk).expect("chunked load");
            assert_eq!(
                done.loaded.keys_loaded, whole.keys_loaded,
                "chunks of {chunk}"
            );
            assert_eq!(done.loaded.consumed, data.len());
            assert!(done.rest.is_empty());
        }
    }

    /// A file redis-server wrote, with every type in its compact and its large forms: cut
    /// anywhere, a value's own checks (a listpack's, an intset's) must not take the cut for
    /// corruption.
    #[test]
    fn a_file_of_every_type_reads_the_same_in_any_chunks() {
        let data: &[u8] = include_bytes!("../../tests/golden/redis-7.0.15.rdb");
        let whole =
            super::super::load::load(data, 16, &Limits::default(), i64::MIN).expect("whole file");
        for chunk in [1, 2, 3, 5, 64, 1000] {
            let done = load_in_chunks(data, chunk).expect("chunked load");
            assert_eq!(
                done.loaded.keys_loaded, whole.keys_loaded,
                "chunks of {chunk}"
            );
            assert_eq!(done.loaded.functions, whole.functions);
        }
    }

    #[test]
    fn bytes_after_the_file_are_given_back() {
        let mut data = file(20);
        data.extend_from_slice(b"MARK");
        let done = load_in_chunks(&data, 33).expect("load");
        assert_eq!(done.rest, b"MARK");
        assert_eq!(done.loaded.keys_loaded, 20);
    }

    #[test]
    fn a_cut_file_or_a_bad_checksum_fails() {
        let data = file(50);
        let cut = load_in_chunks(&data[..data.len() - 20], 64);
        assert!(matches!(cut, Err(ref e) if is_cut_short(e)));
        let mut bad = data.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert!(matches!(
            load_in_chunks(&bad, 64),
            Err(LoadFailure::Corrupt(c)) if c.what == "crc"
        ));
    }
}
