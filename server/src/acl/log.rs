//! `ACL LOG`: the recent refusals (commands, keys and channels a user may not use, failed
//! authentications), newest first, as Redis 7.0's `acl.c` keeps them: a refusal like one of
//! the last ten entries (same reason, context, object and user, within a minute) bumps that
//! entry's count and moves it to the front instead of adding one.

use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Command,
    Key,
    Channel,
    Auth,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        }
    }
}

/// Where the refused command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Toplevel,
    Multi,
    Lua,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Toplevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub count: u64,
    pub reason: Reason,
    pub context: Context,
    /// The command, key or channel refused (for authentication, the command as sent).
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// When it last happened, in Unix milliseconds.
    pub time_ms: i64,
    /// The client's `CLIENT LIST` line, the last time it happened.
    pub client_info: String,
}

/// Refusals within this many milliseconds of each other may share an entry.
const GROUPING_WINDOW_MS: i64 = 60_000;
/// How many recent entries a new refusal is compared with.
const ENTRIES_SCANNED: usize = 10;

#[derive(Debug, Clone, Default)]
pub struct AclLog {
    entries: VecDeque<Entry>,
}

impl AclLog {
    /// Record a refusal, keeping at most `max_len` entries.
    pub fn add(&mut self, entry: Entry, max_len: usize) {
        let similar = self.entries.iter().take(ENTRIES_SCANNED).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && (e.time_ms - entry.time_ms).abs() <= GROUPING_WINDOW_MS
                && e.object == entry.object
                && e.username == entry.username
        });
        if let Some(at) = similar {
            if let Some(mut existing) = self.entries.remove(at) {
                existing.count += 1;
                existing.time_ms = entry.time_ms;
                existing.client_info = entry.client_info;
                self.entries.push_front(existing);
            }
            return;
        }
        self.entries.push_front(entry);
        self.entries.truncate(max_len);
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// Newest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
