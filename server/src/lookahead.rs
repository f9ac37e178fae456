//! Looking ahead at requests: before a batch of requests from one client runs (pipelined
//! requests, or one request naming several keys), the keys they name are prefetched from the
//! keyspace (see [`crate::db::prefetch`]), so their cache misses overlap instead of each
//! lookup waiting on its own. With a keyspace larger than the cache, this is most of a
//! pipelined `GET`'s or `SET`'s time.
//!
//! Requests read ahead are parsed once: the batch keeps their arguments' places and hands them
//! out as the requests run. A keyspace that fits in the cache gains nothing from prefetching:
//! below [`MIN_KEYS`] keys nothing is read ahead.
//!
//! Which argument is a key is guessed, not looked up in the command table (that would cost a
//! lookup per request even where every key is in the cache): the first argument, where most
//! commands keep their first key, except for the few commands in [`KEY_PLACES`] (`MGET`,
//! `MSET`, `DEL`, scripts' keys, ...). A wrong guess only costs a hash.

use crate::resp::request::{parse, Args, Limits, Parsed};
use crate::server::Server;
use smallvec::SmallVec;
use std::collections::VecDeque;
use std::ops::Range;

/// Keys a database holds before its lookups are prefetched: about a megabyte of entries and
/// buckets, the size of a core's own cache (measured: a pipelined `GET` over 60,000 keys
/// already spends a third of its time waiting on them).
const MIN_KEYS: usize = 16 * 1024;

/// Where a command's keys are, for the commands whose keys are not just their first argument.
#[derive(Clone, Copy)]
enum KeyPlaces {
    /// Every argument (`MGET k1 k2`, `DEL k1 k2`).
    Every,
    /// Every other argument from the first (`MSET k1 v1 k2 v2`).
    Pairs,
    /// After a key count in the second argument (`EVALSHA sha 2 k1 k2`).
    Counted,
}

/// The commands whose keys are elsewhere than in their first argument alone (any other
/// command's first argument is taken for its key).
const KEY_PLACES: &[(&[u8], KeyPlaces)] = &[
    (b"mget", KeyPlaces::Every),
    (b"del", KeyPlaces::Every),
    (b"unlink", KeyPlaces::Every),
    (b"exists", KeyPlaces::Every),
    (b"touch", KeyPlaces::Every),
    (b"mset", KeyPlaces::Pairs),
    (b"msetnx", KeyPlaces::Pairs),
    (b"evalsha", KeyPlaces::Counted),
    (b"eval", KeyPlaces::Counted),
    (b"evalsha_ro", KeyPlaces::Counted),
    (b"eval_ro", KeyPlaces::Counted),
    (b"fcall", KeyPlaces::Counted),
    (b"fcall_ro", KeyPlaces::Counted),
];

/// Requests read ahead at most per batch.
const REQUESTS_AHEAD: usize = 16;

/// Arguments of a request kept read ahead, at most.
const MAX_ARGS_AHEAD: usize = 1024;

/// Keys prefetched at most per batch (more would only wait behind the first ones).
const MAX_KEYS: usize = 64;

type Keys<'a> = SmallVec<[&'a [u8]; MAX_KEYS]>;

/// The requests of one query buffer read ahead of running them: parsed once, their keys
/// prefetched, then handed out one by one (so looking ahead costs no second parse).
#[derive(Default)]
pub struct Lookahead {
    /// The arguments of the request handed out last.
    args: Args,
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

    /// The arguments of the request [`Lookahead::parse`] gave last.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The request at `pos` in `query` (its arguments then in [`Lookahead::args`]): handed out from what was read ahead, or
    /// parsed now. Past what was read ahead, it first reads ahead (up to [`REQUESTS_AHEAD`]
    /// requests) and prefetches their keys in database `db`: not in a database under
    /// [`MIN_KEYS`] keys, nor for a single key, which would be waited on as soon either way.
    pub fn parse(
        &mut self,
        server: &Server,
        db: usize,
        query: &[u8],
        pos: usize,
        limits: Limits,
    ) -> Parsed {
        if self.requests.is_empty() && pos >= self.end {
            self.read_ahead(server, db, query, pos, limits);
        }
        // Requests are read ahead at the places the caller parses at, so the next one kept
        // is at `pos` unless an inline request (not kept) is there.
        match self.requests.front() {
            Some(ahead) if ahead.start == pos => {
                self.args.set_ranges(&self.ranges[ahead.args.clone()]);
                let consumed = ahead.consumed;
                self.requests.pop_front();
                Parsed::Request { consumed }
            }
            _ => parse(&query[pos..], limits, &mut self.args),
        }
    }

    fn read_ahead(&mut self, server: &Server, db: usize, query: &[u8], pos: usize, limits: Limits) {
        self.ranges.clear();
        let args = &mut self.args;
        if server.keyspace.dbs.get(db).map_or(0, |d| d.len()) < MIN_KEYS {
            self.end = query.len();
            return;
        }
        let mut keys = Keys::new();
        let mut at = pos;
        while self.requests.len() < REQUESTS_AHEAD && at < query.len() {
            let request = &query[at..];
            let Parsed::Request { consumed } = parse(request, limits, args) else {
                break;
            };
            if args.len() > MAX_ARGS_AHEAD {
                // Parsed again in its turn rather than kept, so what is kept stays small
                // whatever the requests (a request's argument places take more room than
                // its shortest arguments do in the buffer).
                at += consumed;
                break;
            }
            likely_keys(args, request, &mut keys);
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

/// Add the arguments of a request (parsed from `request`) most likely to be its keys to
/// `keys` (while it holds fewer than [`MAX_KEYS`]).
fn likely_keys<'a>(args: &Args, request: &'a [u8], keys: &mut Keys<'a>) {
    let Some(ranges) = args.ranges() else {
        return;
    };
    let Some(name) = ranges.first().map(|r| &request[r.clone()]) else {
        return;
    };
    let places = KEY_PLACES
        .iter()
        .find(|(command, _)| command.eq_ignore_ascii_case(name))
        .map(|&(_, places)| places);
    let (first, step, count) = match places {
        None => (1, 1, 1),
        Some(KeyPlaces::Every) => (1, 1, usize::MAX),
        Some(KeyPlaces::Pairs) => (1, 2, usize::MAX),
        Some(KeyPlaces::Counted) => {
            let count = ranges
                .get(2)
                .and_then(|r| std::str::from_utf8(&request[r.clone()]).ok())
                .and_then(|text| text.parse::<usize>().ok())
                .unwrap_or(0);
            (3, 1, count)
        }
    };
    let room = MAX_KEYS.saturating_sub(keys.len());
    keys.extend(
        ranges
            .iter()
            .skip(first)
            .step_by(step)
            .take(count.min(room))
            .map(|r| &request[r.clone()]),
    );
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
        let mut keys = Keys::new();
        let mut pos = 0;
        while let Parsed::Request { consumed } = parse(&query[pos..], limits(), &mut args) {
            likely_keys(&args, &query[pos..], &mut keys);
            pos += consumed;
        }
        keys.into_vec()
    }

    fn request(args: &[&str]) -> String {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out += &format!("${}\r\n{a}\r\n", a.len());
        }
        out
    }

    #[test]
    fn guesses_the_keys_of_each_request() {
        let query = [
            request(&["GET", "k1"]),
            request(&["SET", "k2", "v"]),
            request(&["PING"]),
            request(&["evalsha", "abc", "2", "k3", "k4", "arg"]),
            request(&["FCALL", "f", "0", "arg"]),
            request(&["MGET", "k5", "k6"]),
            request(&["mset", "k7", "v", "k8", "v"]),
            request(&["EVAL", "s", "x", "notakey"]),
            "GET inline\r\n".to_string(),
        ]
        .concat();
        assert_eq!(
            keys_of(query.as_bytes()),
            [&b"k1"[..], b"k2", b"k3", b"k4", b"k5", b"k6", b"k7", b"k8"]
        );
    }

    #[test]
    fn keys_beyond_the_most_prefetched_are_left_out() {
        let names: Vec<String> = (0..MAX_KEYS + 10).map(|i| format!("k{i}")).collect();
        let mut args = vec!["DEL"];
        args.extend(names.iter().map(String::as_str));
        let query = [request(&args), request(&["GET", "more"])].concat();
        let keys = keys_of(query.as_bytes());
        assert_eq!(keys.len(), MAX_KEYS);
        assert_eq!(keys[MAX_KEYS - 1], names[MAX_KEYS - 1].as_bytes());
    }
}
