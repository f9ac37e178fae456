//! The replication backlog: the last `repl-backlog-size` bytes of the replication stream,
//! kept from the first replica's attaching on, so a replica that lost its link asks to go on
//! from its offset (`PSYNC <replid> <offset>`) and gets only what it missed instead of a whole
//! snapshot. Offsets are the stream's, as Redis numbers them: the first byte is 1, and
//! `end` is the offset of the last byte sent (`master_repl_offset`).

use std::collections::VecDeque;

#[derive(Debug)]
pub struct Backlog {
    data: VecDeque<u8>,
    limit: usize,
    end: u64,
}

impl Backlog {
    /// An empty backlog holding at most `limit` bytes, the stream being at offset `end`.
    pub fn new(limit: usize, end: u64) -> Backlog {
        Backlog {
            data: VecDeque::new(),
            limit: limit.max(1),
            end,
        }
    }

    /// Keep the stream's next bytes, dropping the oldest past the limit but none at or after
    /// offset `keep_from` (the first byte a replica waiting for its snapshot still needs:
    /// the backlog grows past its limit for it, as Redis's shared replication buffer does).
    pub fn append(&mut self, bytes: &[u8], keep_from: Option<u64>) {
        self.end += bytes.len() as u64;
        if bytes.len() >= self.limit && keep_from.is_none() {
            self.data.clear();
            self.data.extend(&bytes[bytes.len() - self.limit..]);
            return;
        }
        self.data.extend(bytes);
        self.trim(keep_from);
    }

    /// Drop the oldest bytes past the limit, none at or after `keep_from`; memory held for
    /// bytes no longer kept goes back once it is more than twice what is kept.
    pub fn trim(&mut self, keep_from: Option<u64>) {
        let mut excess = self.data.len().saturating_sub(self.limit);
        if let Some(keep_from) = keep_from {
            let pinned = keep_from.saturating_sub(self.first_byte()) as usize;
            excess = excess.min(pinned);
        }
        self.data.drain(..excess);
        let kept = self.data.len().max(self.limit);
        if self.data.capacity() > 2 * kept && self.data.capacity() > 1024 * 1024 {
            self.data.shrink_to(kept);
        }
    }

    /// Bytes of memory held (`mem_total_replication_buffers` counts them).
    pub fn memory(&self) -> usize {
        self.data.capacity()
    }

    /// The configured limit (`repl-backlog-size`).
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A new limit (`CONFIG SET repl-backlog-size`): the oldest bytes go if it is smaller.
    pub fn set_limit(&mut self, limit: usize, keep_from: Option<u64>) {
        self.limit = limit.max(1);
        self.trim(keep_from);
    }

    /// Move the stream's offsets on by `delta` (a restarted primary taking up the offset its
    /// file recorded: `rebaseReplicationBuffer`).
    pub fn rebase(&mut self, delta: u64) {
        self.end += delta;
    }

    /// The offset of the oldest byte held (`repl_backlog_first_byte_offset`); one past the
    /// end when nothing is held.
    pub fn first_byte(&self) -> u64 {
        self.end + 1 - self.data.len() as u64
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> u64 {
        self.data.len() as u64
    }

    /// Everything from stream offset `from` (the first byte a replica lacks) to the end, or
    /// `None` when that part of the stream is no longer (or not yet) held.
    pub fn since(&self, from: u64) -> Option<Vec<u8>> {
        if from < self.first_byte() || from > self.end + 1 {
            return None;
        }
        let skip = (from - self.first_byte()) as usize;
        Some(self.data.iter().skip(skip).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_stream_and_old_bytes_go() {
        let mut backlog = Backlog::new(8, 100);
        assert_eq!((backlog.first_byte(), backlog.histlen()), (101, 0));
        assert_eq!(backlog.since(101), Some(Vec::new()));
        backlog.append(b"abcde", None);
        assert_eq!((backlog.first_byte(), backlog.histlen()), (101, 5));
        assert_eq!(backlog.since(103).as_deref(), Some(&b"cde"[..]));
        backlog.append(b"fghij", None);
        // Ten bytes sent, eight kept: offsets 103..=110.
        assert_eq!((backlog.first_byte(), backlog.histlen()), (103, 8));
        assert_eq!(backlog.since(102), None);
        assert_eq!(backlog.since(103).as_deref(), Some(&b"cdefghij"[..]));
        assert_eq!(backlog.since(111), Some(Vec::new()));
        assert_eq!(backlog.since(112), None);
    }

    #[test]
    fn a_chunk_larger_than_the_limit_keeps_its_tail() {
        let mut backlog = Backlog::new(4, 0);
        backlog.append(b"0123456789", None);
        assert_eq!(backlog.first_byte(), 7);
        assert_eq!(backlog.since(7).as_deref(), Some(&b"6789"[..]));
        backlog.set_limit(2, None);
        assert_eq!(backlog.since(9).as_deref(), Some(&b"89"[..]));
        assert_eq!(backlog.since(8), None);
    }

    #[test]
    fn bytes_a_waiting_replica_needs_are_kept_past_the_limit() {
        let mut backlog = Backlog::new(4, 0);
        backlog.append(b"0123", None);
        // A replica's stream starts at offset 3 (the byte '2').
        backlog.append(b"456789", Some(3));
        assert_eq!(backlog.first_byte(), 3);
        assert_eq!(backlog.since(3).as_deref(), Some(&b"23456789"[..]));
        // Released: back to the limit.
        backlog.trim(None);
        assert_eq!(backlog.since(7).as_deref(), Some(&b"6789"[..]));
        assert_eq!(backlog.since(6), None);
    }
}
