//! Looking ahead at pipelined requests: before a batch of requests from one client runs, the
//! keys they name are prefetched from the keyspace (see [`crate::db::prefetch`]), so their
//! cache misses overlap instead of each request waiting on its own. With a keyspace larger
//! than the cache, this is most of a pipelined `GET`'s or `SET`'s time.
//!
//! A keyspace that fits in the cache gains nothing from it, and pays for reading each request
//! twice: below [`MIN_KEYS`] keys nothing is looked ahead at.
//!
//! Which argument is a key is guessed, not looked up in the command table (that would cost a
//! lookup per request even where every key is in the cache): the first argument, where most
//! commands keep their first key, or the first of a script's keys. A wrong guess only costs a
//! hash.

use crate::db::prefetch::PREFETCH_BATCH;
use crate::resp::request::{parse, Args, Limits, Parsed};
use crate::server::Server;
use smallvec::SmallVec;
use std::ops::Range;

/// Keys a database holds before its lookups are prefetched: about a megabyte of entries and
/// buckets, the size of a core's own cache (measured: a pipelined `GET` over 60,000 keys
/// already spends a third of its time waiting on them).
const MIN_KEYS: usize = 16 * 1024;

/// Commands whose keys follow a key count in their second argument (`EVALSHA sha 1 key`).
const KEY_COUNT_SECOND: &[&[u8]] = &[
    b"evalsha",
    b"eval",
    b"evalsha_ro",
    b"eval_ro",
    b"fcall",
    b"fcall_ro",
];

/// Prefetch the keys of the requests at the start of `query`, to be run in database `db`
/// (up to [`PREFETCH_BATCH`] of them). Returns how many bytes were looked at: the caller
/// looks ahead again once it has run those requests. A lone request is not prefetched: it
/// would wait on its key as soon either way.
pub fn prefetch(server: &Server, db: usize, query: &[u8], limits: Limits) -> usize {
    if server.keyspace.dbs.get(db).map_or(0, |d| d.len()) < MIN_KEYS {
        return query.len();
    }
    let (key_ranges, looked_at) = pipelined_keys(query, limits);
    if key_ranges.len() >= 2 {
        let keys: SmallVec<[&[u8]; PREFETCH_BATCH]> = key_ranges
            .iter()
            .map(|range| &query[range.clone()])
            .collect();
        server.keyspace.prefetch(db, &keys);
    }
    looked_at
}

/// Where the likely first keys of the complete requests at the start of `query` lie in it,
/// and how many bytes those requests take.
fn pipelined_keys(
    query: &[u8],
    limits: Limits,
) -> (SmallVec<[Range<usize>; PREFETCH_BATCH]>, usize) {
    let mut args = Args::default();
    let mut key_ranges = SmallVec::new();
    let mut pos = 0;
    let mut requests = 0;
    while requests < PREFETCH_BATCH && pos < query.len() {
        let Parsed::Request { consumed } = parse(&query[pos..], limits, &mut args) else {
            break;
        };
        if let Some(key) = likely_key(&args, &query[pos..]) {
            key_ranges.push(pos + key.start..pos + key.end);
        }
        pos += consumed;
        requests += 1;
    }
    (key_ranges, pos)
}

/// The argument of a request (parsed from `request`) most likely to be its first key.
fn likely_key(args: &Args, request: &[u8]) -> Option<Range<usize>> {
    let name = &request[args.range(0)?];
    if !KEY_COUNT_SECOND
        .iter()
        .any(|command| command.eq_ignore_ascii_case(name))
    {
        return args.range(1);
    }
    let count = &request[args.range(2)?];
    if count == b"0" {
        return None;
    }
    args.range(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_bulk: 512 * 1024 * 1024,
            unauthenticated: false,
        }
    }

    fn keys_of(query: &[u8]) -> (Vec<&[u8]>, usize) {
        let (ranges, looked_at) = pipelined_keys(query, limits());
        (ranges.into_iter().map(|r| &query[r]).collect(), looked_at)
    }

    #[test]
    fn finds_the_first_key_of_each_complete_request() {
        let complete = b"*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$1\r\nv\r\n\
*1\r\n$4\r\nPING\r\n*4\r\n$7\r\nevalsha\r\n$3\r\nabc\r\n$1\r\n1\r\n$2\r\nk3\r\n\
*3\r\n$5\r\nFCALL\r\n$1\r\nf\r\n$1\r\n0\r\n";
        let mut query = complete.to_vec();
        query.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$2\r\nk");
        let (keys, looked_at) = keys_of(&query);
        assert_eq!(keys, [&b"k1"[..], b"k2", b"k3"]);
        assert_eq!(looked_at, complete.len());
    }

    #[test]
    fn looks_at_one_batch_at_most_and_skips_inline_requests() {
        let mut query = b"GET inline\r\n".to_vec();
        for i in 0..PREFETCH_BATCH + 5 {
            query.extend_from_slice(format!("*2\r\n$3\r\nGET\r\n$3\r\nk{i:02}\r\n").as_bytes());
        }
        let (keys, looked_at) = keys_of(&query);
        assert_eq!(keys.len(), PREFETCH_BATCH - 1);
        assert_eq!(keys[0], b"k00");
        assert_eq!(looked_at, 12 + (PREFETCH_BATCH - 1) * 22);
    }

    #[test]
    fn a_malformed_request_ends_the_look_ahead() {
        let (keys, looked_at) = keys_of(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*x\r\n");
        assert_eq!(keys, [&b"a"[..]]);
        assert_eq!(looked_at, 20);
    }
}
