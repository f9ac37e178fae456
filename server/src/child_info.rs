//! What a background save's child tells its parent while it runs, as Redis's child-info pipe
//! carries it: once a second, the memory the child has copied so far (copy-on-write: the
//! pages the parent changed since the fork, read as `Private_Dirty` from `/proc`) and the
//! keys it has written; at its end, the final copied size. INFO shows them
//! (`current_cow_size`, `current_save_keys_processed`, `current_fork_perc`,
//! `rdb_last_cow_size`).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// One report: its kind, the copied bytes, the keys written so far.
const RECORD: usize = 24;
const CURRENT: u64 = 1;
const FINAL: u64 = 2;

/// The child's end: reports at most once a second.
pub struct Reporter {
    stream: UnixStream,
    last: Instant,
    keys: u64,
    /// A report could not be written: the parent is gone.
    parent_gone: bool,
}

/// The parent's end, and what it was told.
#[derive(Debug)]
pub struct Listener {
    stream: UnixStream,
    pending: Vec<u8>,
    /// Keys in the dataset when the child was forked.
    pub keys_total: u64,
    pub current: Option<Report>,
    /// The largest copied size reported.
    pub peak: u64,
    /// The size the child reported as it ended.
    pub last_cow: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub cow: u64,
    pub keys: u64,
    pub at: Instant,
}

/// The two ends, made before the fork; `keys_total` is the dataset's size then.
pub fn channel(keys_total: u64) -> std::io::Result<(Reporter, Listener)> {
    let (child, parent) = UnixStream::pair()?;
    parent.set_nonblocking(true)?;
    let reporter = Reporter {
        stream: child,
        last: Instant::now(),
        keys: 0,
        parent_gone: false,
    };
    let listener = Listener {
        stream: parent,
        pending: Vec::new(),
        keys_total,
        current: None,
        peak: 0,
        last_cow: None,
    };
    Ok((reporter, listener))
}

/// The two ends for a child about to be forked from `server`: the child's (to lend to the
/// writer through a `RefCell`) and the parent's. Without sockets left, neither: the child
/// then runs unreported.
pub fn for_fork(
    server: &crate::server::Server,
) -> (Option<std::cell::RefCell<Reporter>>, Option<Listener>) {
    let keys_total = server
        .keyspace
        .dbs
        .iter()
        .map(|db| db.keys.len() as u64)
        .sum();
    match channel(keys_total) {
        Ok((reporter, listener)) => (Some(std::cell::RefCell::new(reporter)), Some(listener)),
        Err(_) => (None, None),
    }
}

impl Reporter {
    /// A key was written: report when a second passed since the last report.
    /// Count a key written; false once the parent is gone (killed: a report to it failed),
    /// when the work serves nobody and should stop, as Redis's child does.
    pub fn key_written(&mut self) -> bool {
        self.keys += 1;
        // The clock is read every 1,024 keys only.
        if self.keys % 1024 == 0 && self.last.elapsed().as_secs() >= 1 {
            self.last = Instant::now();
            self.send(CURRENT);
        }
        !self.parent_gone
    }

    /// The save is done: the final copied size.
    pub fn finish(&mut self) {
        self.send(FINAL);
    }

    /// [`finish`](Self::finish) for a writer that may run unreported.
    pub fn finish_lent(progress: Option<&std::cell::RefCell<Reporter>>) {
        if let Some(progress) = progress {
            progress.borrow_mut().finish();
        }
    }

    fn send(&mut self, kind: u64) {
        let mut record = [0u8; RECORD];
        record[..8].copy_from_slice(&kind.to_le_bytes());
        record[8..16].copy_from_slice(&private_dirty().to_le_bytes());
        record[16..].copy_from_slice(&self.keys.to_le_bytes());
        if self.stream.write_all(&record).is_err() {
            self.parent_gone = true;
        }
    }
}

impl Listener {
    /// The descriptor of the parent's end, which the child closes (so that its reports
    /// fail once the parent is gone).
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.stream.as_raw_fd()
    }

    /// Take in what the child reported since the last call.
    pub fn receive(&mut self) {
        let mut chunk = [0u8; 16 * RECORD];
        while let Ok(n) = self.stream.read(&mut chunk) {
            if n == 0 {
                break;
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
        let complete = self.pending.len() / RECORD * RECORD;
        for record in self.pending[..complete].chunks_exact(RECORD) {
            let field = |i: usize| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&record[i * 8..i * 8 + 8]);
                u64::from_le_bytes(bytes)
            };
            let (kind, cow, keys) = (field(0), field(1), field(2));
            self.peak = self.peak.max(cow);
            if kind == FINAL {
                self.last_cow = Some(cow);
            } else {
                self.current = Some(Report {
                    cow,
                    keys,
                    at: Instant::now(),
                });
            }
        }
        self.pending.drain(..complete);
    }

    /// The child ended: the copied size it reported last (0 without a report).
    pub fn final_cow(&mut self) -> u64 {
        self.receive();
        self.last_cow.unwrap_or(0)
    }

    /// `current_fork_perc`: the share of the keys written, in percent.
    pub fn progress_percent(&self) -> f64 {
        match (self.current, self.keys_total) {
            (Some(report), total) if total > 0 => report.keys as f64 * 100.0 / total as f64,
            _ => 0.0,
        }
    }
}

/// The memory this process has written since its fork: the sum of `Private_Dirty` over its
/// mappings (what `zmalloc_get_private_dirty` reads), 0 where `/proc` cannot tell.
fn private_dirty() -> u64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup")
        .or_else(|_| std::fs::read_to_string("/proc/self/smaps"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|line| line.strip_prefix("Private_Dirty:"))
        .filter_map(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .sum::<u64>()
        * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_reach_the_parent() {
        let (mut reporter, mut listener) = channel(10).expect("pair");
        reporter.keys = 4;
        reporter.send(CURRENT);
        reporter.finish();
        listener.receive();
        let current = listener.current.expect("a current report");
        assert_eq!(current.keys, 4);
        assert_eq!(listener.progress_percent(), 40.0);
        assert!(listener.last_cow.is_some());
        assert!(private_dirty() > 0, "this process has written memory");
    }
}
