//! A replica's reception of its primary's snapshot, on the synchronization's helper thread:
//! sent with its length (`$<length>`) or streamed and closed by a 40-byte mark (`$EOF:<mark>`),
//! and either kept whole in memory, to be loaded once it is all there (as Redis loads the file
//! it wrote to disk), or, under `repl-diskless-load`, read record by record as it arrives
//! ([`crate::rdb::incremental`]), as Redis loads straight from the socket: then only the
//! record being received is buffered, and the load's pace (`key-load-delay` included) holds
//! back the reading, and through it the primary's transfer.

use crate::db::encoding::Limits;
use crate::rdb::incremental::IncrementalLoad;
use crate::rdb::load::{LoadHooks, Loaded};
use crate::replica::{io_error, SyncError, Transfer, MAX_SNAPSHOT};
use std::io::{BufReader, Read};
use std::net::TcpStream;
use std::sync::atomic::Ordering;

/// Length of the mark that closes a snapshot streamed without its length
/// (`RDB_EOF_MARK_SIZE`).
const EOF_MARK_LEN: usize = 40;
/// Bytes read from the socket at a time.
const CHUNK: usize = 64 * 1024;

/// A snapshot received.
pub enum Snapshot {
    /// The file's bytes, to load.
    File(Vec<u8>),
    /// Already read as it came.
    Loaded(Box<Loaded>),
}

/// How a snapshot is read as it comes: into this many databases, values encoded under these
/// limits, sleeping `key_delay` after each key (`key-load-delay`).
#[derive(Clone, Copy)]
pub struct LoadAsItComes {
    pub databases: usize,
    pub limits: Limits,
    pub key_delay: i64,
}

/// Receive the snapshot announced by `header` (`$<length>` or `$EOF:<mark>`), read as it
/// comes when `load` says how.
pub(crate) fn receive(
    reader: &mut BufReader<TcpStream>,
    header: &str,
    transfer: &Transfer,
    load: Option<LoadAsItComes>,
) -> Result<Snapshot, SyncError> {
    let form = match header.strip_prefix("$EOF:") {
        Some(mark) if mark.len() == EOF_MARK_LEN => Form::Marked(mark.as_bytes().to_vec()),
        Some(_) => return Err("Bad EOF mark from MASTER".into()),
        None => {
            let length = header
                .strip_prefix('$')
                .and_then(|l| l.parse::<u64>().ok())
                .filter(|&l| l <= MAX_SNAPSHOT)
                .ok_or_else(|| {
                    format!("Bad protocol from MASTER, the first byte is not '$': {header}")
                })?;
            Form::Sized(length)
        }
    };
    match &form {
        Form::Marked(_) => transfer.streamed.store(true, Ordering::Relaxed),
        Form::Sized(length) => transfer.total.store((*length).max(1), Ordering::Relaxed),
    }
    match load {
        Some(load) => read_as_it_comes(reader, &form, transfer, load),
        None => read_whole(reader, &form, transfer).map(Snapshot::File),
    }
}

/// How the snapshot's end is known.
enum Form {
    Sized(u64),
    Marked(Vec<u8>),
}

/// The next chunk from the primary (at most `limit` bytes); the link closing is an error.
fn next_chunk(
    reader: &mut BufReader<TcpStream>,
    chunk: &mut [u8],
    limit: usize,
) -> Result<usize, SyncError> {
    let n = reader.read(&mut chunk[..limit]).map_err(io_error)?;
    if n == 0 {
        return Err("the master closed the connection during the transfer".into());
    }
    Ok(n)
}

/// The whole snapshot in memory. Each chunk is reserved fallibly: a length no memory can
/// hold is an error, not an abort. A marked snapshot ends with its mark (the primary sends
/// nothing after it until this server acknowledges, so the mark is the last thing read).
fn read_whole(
    reader: &mut BufReader<TcpStream>,
    form: &Form,
    transfer: &Transfer,
) -> Result<Vec<u8>, SyncError> {
    let mut snapshot: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let limit = match form {
            Form::Sized(length) if snapshot.len() as u64 >= *length => return Ok(snapshot),
            Form::Sized(length) => (*length - snapshot.len() as u64).min(CHUNK as u64) as usize,
            Form::Marked(mark) if snapshot.ends_with(mark) => {
                snapshot.truncate(snapshot.len() - EOF_MARK_LEN);
                return Ok(snapshot);
            }
            Form::Marked(_) => CHUNK,
        };
        let n = next_chunk(reader, &mut chunk, limit)?;
        if snapshot.len() as u64 + n as u64 > MAX_SNAPSHOT {
            return Err("the master's snapshot is too large".into());
        }
        snapshot
            .try_reserve(n)
            .map_err(|_| "no memory for the snapshot".to_string())?;
        snapshot.extend_from_slice(&chunk[..n]);
        transfer
            .received
            .store(snapshot.len() as u64, Ordering::Relaxed);
    }
}

/// The snapshot read record by record as it comes.
fn read_as_it_comes(
    reader: &mut BufReader<TcpStream>,
    form: &Form,
    transfer: &Transfer,
    load: LoadAsItComes,
) -> Result<Snapshot, SyncError> {
    let mut keep_going = |_: usize, _: u64| true;
    let hooks = LoadHooks {
        interval: 0,
        key_delay: load.key_delay,
        progress: &mut keep_going,
        collect_expired: false,
    };
    // A replica keeps the keys whose time has passed: its primary expires them.
    let mut parser = IncrementalLoad::new(load.databases, &load.limits, i64::MIN, Some(hooks));
    let mut chunk = vec![0u8; CHUNK];
    let mut received = 0u64;
    // The last bytes received, to see a marked snapshot's end.
    let mut tail: Vec<u8> = Vec::with_capacity(2 * EOF_MARK_LEN);
    let (loaded, mut rest) = loop {
        let limit = match form {
            Form::Sized(length) => (*length - received).min(CHUNK as u64) as usize,
            Form::Marked(_) => CHUNK,
        };
        if limit == 0 {
            return Err("the master's snapshot ended before its last record".into());
        }
        let n = next_chunk(reader, &mut chunk, limit)?;
        received += n as u64;
        transfer.received.store(received, Ordering::Relaxed);
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > EOF_MARK_LEN {
            tail.drain(..tail.len() - EOF_MARK_LEN);
        }
        let last = match form {
            Form::Sized(length) => received >= *length,
            Form::Marked(mark) => tail == *mark,
        };
        let fed = parser.feed(&chunk[..n], last).map_err(|e| {
            format!("Failed trying to load the MASTER synchronization DB from socket: {e}")
        })?;
        match fed {
            Some(done) => break (done.loaded, done.rest),
            None if last => return Err("the master's snapshot ended before its last record".into()),
            None => {}
        }
    };
    // What follows the file: nothing for a sized snapshot; the mark for a marked one (the
    // primary sends nothing after it until this server acknowledges).
    match form {
        Form::Sized(_) if rest.is_empty() => {}
        Form::Sized(_) => return Err("the master's snapshot has bytes past its end".into()),
        Form::Marked(mark) => {
            while rest.len() < EOF_MARK_LEN {
                let n = next_chunk(reader, &mut chunk, EOF_MARK_LEN - rest.len())?;
                rest.extend_from_slice(&chunk[..n]);
            }
            if rest != *mark {
                return Err("the master's snapshot does not end with its mark".into());
            }
        }
    }
    Ok(Snapshot::Loaded(Box::new(loaded)))
}
