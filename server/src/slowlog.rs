//! The slow log (`SLOWLOG`) and the MONITOR feed: what `call` records after each command.

use crate::client::Client;
use crate::server::Server;
use std::collections::VecDeque;

/// Arguments kept per entry, and bytes kept per argument (`SLOWLOG_ENTRY_MAX_*`).
const MAX_ARGS: usize = 32;
const MAX_STRING: usize = 128;

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    pub time: i64,
    pub micros: u64,
    pub args: Vec<Vec<u8>>,
    pub peer: String,
    pub name: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct SlowLog {
    pub entries: VecDeque<Entry>,
    next_id: u64,
}

impl SlowLog {
    /// Record a command that took `micros` if the configured threshold says so.
    pub fn record(
        &mut self,
        threshold: i64,
        max_len: usize,
        client: &Client,
        argv: &[&[u8]],
        micros: u64,
    ) {
        if threshold < 0 || (micros as i64) < threshold {
            return;
        }
        let mut args: Vec<Vec<u8>> = Vec::new();
        let kept = argv.len().min(MAX_ARGS);
        for (j, arg) in argv.iter().take(kept).enumerate() {
            if kept != argv.len() && j == kept - 1 {
                args.push(format!("... ({} more arguments)", argv.len() - kept + 1).into_bytes());
            } else if arg.len() > MAX_STRING {
                let mut cut = arg[..MAX_STRING].to_vec();
                cut.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_STRING).as_bytes(),
                );
                args.push(cut);
            } else {
                args.push(arg.to_vec());
            }
        }
        self.entries.push_front(Entry {
            id: self.next_id,
            time: crate::db::now_ms() / 1000,
            micros,
            args,
            peer: client.addr.clone(),
            name: client.name.clone(),
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

/// `sdscatrepr`: a quoted, escaped rendering of bytes.
pub fn repr(bytes: &[u8], out: &mut Vec<u8>) {
    crate::util::repr_into(bytes, out);
}

/// Send a command to the clients in MONITOR mode: `+<time> [<db> <peer>] "arg" ...`.
pub fn feed_monitors(server: &mut Server, client: &Client, argv: &[&[u8]]) {
    if server.monitors.is_empty() {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let source = if client.is_script {
        "lua"
    } else {
        client.addr.as_str()
    };
    let mut line = format!(
        "+{}.{:06} [{} {}] ",
        now.as_secs(),
        now.subsec_micros(),
        client.db,
        source
    )
    .into_bytes();
    for (j, arg) in argv.iter().enumerate() {
        repr(arg, &mut line);
        if j + 1 < argv.len() {
            line.push(b' ');
        }
    }
    line.extend_from_slice(b"\r\n");
    for id in server.monitors.clone() {
        if let Some(monitor) = server.clients.get_mut(&id) {
            monitor.reply.buf.extend_from_slice(&line);
            server.pending_flush.push(id);
        }
    }
}
