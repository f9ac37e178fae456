//! The size Redis gives a client's reply buffer, as `CLIENT LIST` reports it (`rbs`, `rbp`)
//! and `INFO stats` counts its changes (`reply_buffer_shrinks`, `reply_buffer_expands`).
//!
//! Redis keeps a fixed buffer per client for small replies, 16 KB at first, and resizes it in
//! its periodic task (`clientsCronResizeOutputBuffer`): halved or more while the most it held
//! since the last reset (its peak) stays under half of it, doubled up to 16 KB while replies
//! fill it. The peak is reset every `peak-reset-time` ms (`DEBUG REPLYBUFFER`). Our replies
//! go to one growable buffer; this keeps Redis's accounting of the fixed one so the figures
//! clients and tests read behave the same.

/// `PROTO_REPLY_CHUNK_BYTES`: the size a new client starts with, and the most it grows to.
const CHUNK: usize = 16 * 1024;
/// `PROTO_REPLY_MIN_BYTES`: the least it shrinks to.
const MIN: usize = 1024;
/// `REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME`, in ms.
pub const DEFAULT_PEAK_RESET_MS: i64 = 5000;

/// Server-wide settings (`DEBUG REPLYBUFFER peak-reset-time|resizing`).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How often the peak is reset, in ms; negative: never.
    pub peak_reset_ms: i64,
    pub resizing: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            peak_reset_ms: DEFAULT_PEAK_RESET_MS,
            resizing: true,
        }
    }
}

/// One client's buffer accounting.
#[derive(Debug, Clone)]
pub struct ReplyBuffer {
    /// Its size (`rbs`).
    pub size: usize,
    /// The most it held since the peak was last reset (`rbp`).
    pub peak: usize,
    /// When the peak was last reset, in ms; 0 for a new client, whose first reset comes at
    /// the first periodic run (Redis stamps it in seconds, so its first reset is immediate).
    peak_reset_at_ms: i64,
}

impl Default for ReplyBuffer {
    fn default() -> Self {
        ReplyBuffer {
            size: CHUNK,
            peak: CHUNK,
            peak_reset_at_ms: 0,
        }
    }
}

/// What a periodic run did to a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    Shrunk,
    Expanded,
}

impl ReplyBuffer {
    /// `pending` reply bytes are about to be written: the fixed buffer would hold as much of
    /// them as fits.
    pub fn note_pending(&mut self, pending: usize) {
        self.peak = self.peak.max(pending.min(self.size));
    }

    /// The periodic run for this client, at `now_ms`, with `pending` bytes not yet written.
    pub fn cron(&mut self, policy: Policy, now_ms: i64, pending: usize) -> Option<Resize> {
        if !policy.resizing {
            return None;
        }
        let mut resized = None;
        let shrink_to = self.size / 2;
        if shrink_to >= MIN && self.peak < shrink_to {
            self.size = MIN.max(self.peak + 1);
            resized = Some(Resize::Shrunk);
        } else if self.size * 2 < CHUNK * 2 && self.peak == self.size {
            self.size = CHUNK.min(self.size * 2);
            resized = Some(Resize::Expanded);
        }
        if policy.peak_reset_ms >= 0 && now_ms - self.peak_reset_at_ms >= policy.peak_reset_ms {
            self.peak = pending.min(self.size);
            self.peak_reset_at_ms = now_ms;
        }
        resized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    #[test]
    fn an_idle_client_shrinks_to_the_minimum() {
        let mut b = ReplyBuffer::default();
        let policy = Policy::default();
        // First run: the peak (a new client's whole buffer) is reset; second: shrink.
        assert_eq!(b.cron(policy, NOW, 0), None);
        assert_eq!(b.cron(policy, NOW + 100, 0), Some(Resize::Shrunk));
        assert_eq!((b.size, b.peak), (MIN, 0));
        assert_eq!(b.cron(policy, NOW + 200, 0), None);
    }

    #[test]
    fn a_busy_client_grows_back_to_sixteen_kilobytes() {
        let mut b = ReplyBuffer::default();
        let policy = Policy {
            peak_reset_ms: -1,
            resizing: true,
        };
        b.cron(Policy::default(), NOW, 0);
        b.cron(policy, NOW + 100, 0);
        assert_eq!(b.size, MIN);
        let mut sizes = Vec::new();
        for i in 0..6 {
            b.note_pending(32 * 1024);
            b.cron(policy, NOW + 200 + i, 0);
            sizes.push(b.size);
        }
        assert_eq!(sizes, [2048, 4096, 8192, 16384, 16384, 16384]);
    }

    #[test]
    fn resizing_can_be_turned_off() {
        let mut b = ReplyBuffer::default();
        let off = Policy {
            peak_reset_ms: 0,
            resizing: false,
        };
        assert_eq!(b.cron(off, NOW, 0), None);
        assert_eq!(b.cron(off, NOW + 100, 0), None);
        assert_eq!(b.size, CHUNK);
    }
}
