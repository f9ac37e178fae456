//! Looking ahead at pipelined requests: before a batch of requests from one client runs, the
//! keys they name are prefetched from the keyspace (see [`crate::db::prefetch`]), so their
//! cache misses overlap instead of each request waiting on its own. With a keyspace larger
//! than the cache, this is most of a pipelined `GET`'s or `SET`'s time.
//!
//! Requests read ahead are parsed once: the batch keeps their arguments' places and hands them
//! out as the requests run. A keyspace that fits in the cache gains nothing from prefetching:
//! below [`MIN_KEYS`] keys nothing is read ahead.
//!
//! Which argument is a key is guessed, not looked up in the command table (that would cost a
//! lookup per request even where every key is in the cache): the first argument, where most
//! commands keep their first key, or the first of a script's keys. A wrong guess only costs a
//! hash.

use crate::db::prefetch::PREFETCH_BATCH;
use crate::resp::request::{parse, Args, Limits, Parsed};
use crate::server::Server;
use smallvec::SmallVec;
use std::collections::VecDeque;
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

/// The requests of one query buffer read ahead of running them: parsed once, their keys
/// prefetched, then handed out one by one (so looking ahead costs no second parse).
#[derive(Default)]
pub struct Lookahead {
    /// The argument ranges of the requests read ahead, each relative to its request's start.
    ranges: Vec<Range<usize>>,
    /// Those requests, in order: where each starts in the buffer, its length, and its
    /// arguments' span in `ranges`.
    requests: VecDeque<Ahead>,
    /// Where in the buffer reading ahead stopped (nothing more is read ahead before it).
    end: usize,
}

struct Ahead {
    start: usize,
    consumed: usize,
    args: Range<usize>,
}

impl Lookahead {
    /// Start on a new query buffer.
    pub fn clear(&mut self) {
        self.ranges.clear();
        self.requests.clear();
        self.end = 0;
    }

    /// The request at `pos` in `query`, into `args`: handed out from what was read ahead, or
    /// parsed now. Past what was read ahead, it first reads ahead (up to [`PREFETCH_BATCH`]
    /// requests) and prefetches their keys in database `db`: not in a database under
    /// [`MIN_KEYS`] keys, nor for a lone request, which would wait on its key as soon either
    /// way.
    pub fn parse(
        &mut self,
        server: &Server,
        db: usize,
        query: &[u8],
        pos: usize,
        limits: Limits,
        args: &mut Args,
    ) -> Parsed {
        if self.requests.is_empty() && pos >= self.end {
            self.read_ahead(server, db, query, pos, limits, args);
        }
        while self.requests.front().is_some_and(|ahead| ahead.start < pos) {
            self.requests.pop_front();
        }
        match self.requests.front() {
            Some(ahead) if ahead.start == pos => {
                args.set_ranges(&self.ranges[ahead.args.clone()]);
                let consumed = ahead.consumed;
                self.requests.pop_front();
                Parsed::Request { consumed }
            }
            _ => parse(&query[pos..], limits, args),
        }
    }

    fn read_ahead(
        &mut self,
        server: &Server,
        db: usize,
        query: &[u8],
        pos: usize,
        limits: Limits,
        args: &mut Args,
    ) {
        self.ranges.clear();
        if server.keyspace.dbs.get(db).map_or(0, |d| d.len()) < MIN_KEYS {
            self.end = query.len();
            return;
        }
        let mut keys: SmallVec<[&[u8]; PREFETCH_BATCH]> = SmallVec::new();
        let mut at = pos;
        while self.requests.len() < PREFETCH_BATCH && at < query.len() {
            let request = &query[at..];
            let Parsed::Request { consumed } = parse(request, limits, args) else {
                break;
            };
            if let Some(key) = likely_key(args, request) {
                keys.push(&request[key]);
            }
            // Inline requests (typed by hand) are parsed again when their turn comes.
            if let Some(ranges) = args.ranges() {
                let first = self.ranges.len();
                self.ranges.extend_from_slice(ranges);
                self.requests.push_back(Ahead {
                    start: at,
                    consumed,
                    args: first..self.ranges.len(),
                });
            }
            at += consumed;
        }
        self.end = at;
        if keys.len() >= 2 {
            server.keyspace.prefetch(db, &keys);
        }
    }
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

    /// The likely keys of the complete requests at the start of `query`.
    fn keys_of(query: &[u8]) -> Vec<&[u8]> {
        let mut args = Args::default();
        let mut keys = Vec::new();
        let mut pos = 0;
        while let Parsed::Request { consumed } = parse(&query[pos..], limits(), &mut args) {
            if let Some(key) = likely_key(&args, &query[pos..]) {
                keys.push(&query[pos..][key]);
            }
            pos += consumed;
        }
        keys
    }

    #[test]
    fn guesses_the_first_key_of_each_request() {
        let query = b"*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$1\r\nv\r\n\
*1\r\n$4\r\nPING\r\n*4\r\n$7\r\nevalsha\r\n$3\r\nabc\r\n$1\r\n1\r\n$2\r\nk3\r\n\
*3\r\n$5\r\nFCALL\r\n$1\r\nf\r\n$1\r\n0\r\nGET inline\r\n";
        assert_eq!(keys_of(query), [&b"k1"[..], b"k2", b"k3"]);
    }
}
