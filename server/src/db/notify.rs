//! Keyspace notifications (`notify-keyspace-events`): events are queued where keys change and
//! published by the dispatcher after the command, on `__keyspace@<db>__:<key>` (the event as
//! message) and `__keyevent@<db>__:<event>` (the key as message), as Redis's `notify.c` does.

/// Notification classes, as bits (the letters of `notify-keyspace-events`).
pub mod class {
    pub const KEYSPACE: u32 = 1 << 0; // K
    pub const KEYEVENT: u32 = 1 << 1; // E
    pub const GENERIC: u32 = 1 << 2; // g
    pub const STRING: u32 = 1 << 3; // $
    pub const LIST: u32 = 1 << 4; // l
    pub const SET: u32 = 1 << 5; // s
    pub const HASH: u32 = 1 << 6; // h
    pub const ZSET: u32 = 1 << 7; // z
    pub const EXPIRED: u32 = 1 << 8; // x
    pub const EVICTED: u32 = 1 << 9; // e
    pub const STREAM: u32 = 1 << 10; // t
    pub const KEY_MISS: u32 = 1 << 11; // m
    pub const MODULE: u32 = 1 << 13; // d
    pub const NEW: u32 = 1 << 14; // n
    /// `A`: every type class (not `m` nor `n`).
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// The bits of a `notify-keyspace-events` value.
pub fn parse_flags(classes: &str) -> u32 {
    classes
        .chars()
        .map(|c| match c {
            'A' => class::ALL,
            'g' => class::GENERIC,
            '$' => class::STRING,
            'l' => class::LIST,
            's' => class::SET,
            'h' => class::HASH,
            'z' => class::ZSET,
            'x' => class::EXPIRED,
            'e' => class::EVICTED,
            'K' => class::KEYSPACE,
            'E' => class::KEYEVENT,
            't' => class::STREAM,
            'm' => class::KEY_MISS,
            'd' => class::MODULE,
            'n' => class::NEW,
            _ => 0,
        })
        .fold(0, |a, b| a | b)
}

/// One event waiting to be published.
#[derive(Debug, Clone)]
pub struct Event {
    pub db: usize,
    pub event: &'static str,
    pub key: Vec<u8>,
}

/// The (channel, message) pairs an event is published as, given the configured flags.
pub fn messages(flags: u32, e: &Event) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    if flags & class::KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{}__:", e.db).into_bytes();
        channel.extend_from_slice(&e.key);
        out.push((channel, e.event.as_bytes().to_vec()));
    }
    if flags & class::KEYEVENT != 0 {
        let channel = format!("__keyevent@{}__:{}", e.db, e.event).into_bytes();
        out.push((channel, e.key.clone()));
    }
    out
}
