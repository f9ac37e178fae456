//! A primary's side of a full synchronization, as Redis's disk-based one: the snapshot is
//! written by a background save (a forked child, so the event loop keeps serving however
//! large the dataset), then sent from the file in chunks as the replica's socket takes them.
//!
//! A replica goes through Redis's states:
//! - waiting for a background save to start, when another child runs (a save started for
//!   other reasons may be joined only while a replica already waits for it: its stream must
//!   start where the child's snapshot was taken);
//! - waiting for the save to end: `+FULLRESYNC <replid> <offset>` is sent, and the stream
//!   after that offset is held for it in the backlog, which grows past `repl-backlog-size`
//!   as long as some replica still needs its bytes (Redis's shared replication buffer);
//! - receiving the file (`$<length>` then its bytes);
//! - online: what the backlog held for it is queued, and the stream flows.
//!
//! Every second a replica that waits gets a newline, which keeps its link from timing out.
//!
//! Under `repl-diskless-sync`, replicas that take a snapshot closed by a mark (`capa eof`)
//! first wait for others to arrive, then get it streamed from the child through a pipe
//! ([`crate::rdb_pipe`]), no file written. Such a replica is online once the child is done,
//! but the stream starts only when it acknowledges (its end-of-snapshot mark is then the
//! last thing it read).
//! Replicas that asked for part of the snapshot (`REPLCONF rdb-filter-only`) get it made in
//! memory at once instead (it holds the functions only).

use crate::client::Client;
use crate::server::Server;
use std::io::Read;

/// Bytes read from the snapshot file per write to the replica (Redis's `PROTO_IOBUF_LEN`).
const CHUNK: usize = 16 * 1024;
/// The most one replica is sent of its snapshot in one turn of the event loop, so other
/// clients are served between chunks.
const TURN_BUDGET: usize = 4 * 1024 * 1024;

/// Where a replica's synchronization stands (Redis's `replstate`).
#[derive(Debug)]
pub enum SyncState {
    /// Waiting for a background save to start.
    WaitSaveStart,
    /// `+FULLRESYNC` sent; the snapshot of stream offset `start` is being written.
    WaitSaveEnd,
    /// The snapshot file is being sent: what is left of it.
    SendBulk(Box<Bulk>),
    /// The snapshot was streamed: online, the stream held until it acknowledges.
    WaitAck,
    /// The stream flows.
    Online,
}

#[derive(Debug)]
pub struct Bulk {
    file: std::fs::File,
    left: u64,
}

impl SyncState {
    /// The name INFO gives it.
    pub fn name(&self) -> &'static str {
        match self {
            SyncState::WaitSaveStart | SyncState::WaitSaveEnd => "wait_bgsave",
            SyncState::SendBulk(_) => "send_bulk",
            SyncState::WaitAck | SyncState::Online => "online",
        }
    }

    /// Whether the replica counts as online (ROLE, WAIT, `min-replicas`).
    pub fn is_online(&self) -> bool {
        matches!(self, SyncState::WaitAck | SyncState::Online)
    }
}

/// A full synchronization asked for by `client` (its `PSYNC` could not go on, or it sent
/// `SYNC`, `pre_psync`: then no `+FULLRESYNC` line), which is a replica from now on. The
/// client is out of the server's table while its command runs: its own lines are written
/// here.
pub fn request(server: &mut Server, client: &mut Client, pre_psync: bool) {
    let id = client.id;
    server.stats.sync_full += 1;
    client.is_replica = true;
    let state = SyncState::WaitSaveStart;
    crate::replication::attach(server, client, state, pre_psync, client.replica_rdb_only);
    if server.rdb.transfer.is_some() {
        server.log_notice("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
    } else if server.rdb.child.is_some() {
        // A save is writing the disk file: join it when another replica waits for it (its
        // stream starts at the save's offset) and this one takes what that one does, else
        // wait for the next one.
        let joined = server
            .replication
            .replicas
            .iter()
            .find(|r| {
                matches!(r.state, SyncState::WaitSaveEnd)
                    && (!r.rdb_only || client.replica_rdb_only)
            })
            .filter(|r| client.replica_capa_eof || !r.capa_eof)
            .map(|r| r.start);
        match joined {
            Some(start) => {
                setup_full_resync(server, id, start);
                server.log_notice("Waiting for end of BGSAVE for SYNC");
            }
            None => server.log_notice(
                "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC",
            ),
        }
    } else if client.replica_capa_eof && diskless(server).waits() {
        // Other replicas may arrive: the periodic task starts the save (`start_pending`).
        server.log_notice("Delay next BGSAVE for diskless SYNC");
    } else if server.has_active_child() {
        server.log_notice(
            "No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed",
        );
    } else {
        start_save(server);
    }
    let replica = server
        .replication
        .replicas
        .iter()
        .find(|r| r.client_id == id);
    match replica {
        None => {
            client.is_replica = false;
            client.reply.error(SAVE_FAILED);
            client.close_after_reply = true;
        }
        Some(replica) if matches!(replica.state, SyncState::WaitSaveEnd) && !pre_psync => {
            let line = format!("+FULLRESYNC {} {}\r\n", server.replid, replica.start);
            client.reply.buf.extend_from_slice(line.as_bytes());
        }
        Some(_) => {}
    }
}

/// Redis's answer to replicas whose save could not start.
const SAVE_FAILED: &str = "ERR BGSAVE failed, replication can't continue";

/// Start a background save for the replicas waiting for one (`startBgsaveForReplication`):
/// streamed to them under `repl-diskless-sync` when all of them take a marked snapshot,
/// written to the file otherwise.
fn start_save(server: &mut Server) {
    let waiting_ids = waiting(server, |s| matches!(s, SyncState::WaitSaveStart));
    let all_take_marks = server
        .replication
        .replicas
        .iter()
        .filter(|r| matches!(r.state, SyncState::WaitSaveStart))
        .all(|r| r.capa_eof);
    let to_sockets = diskless(server).sync && all_take_marks;
    let started = if to_sockets {
        server.log_notice("Starting BGSAVE for SYNC with target: replicas sockets");
        crate::rdb_pipe::start(server, waiting_ids)
    } else {
        server.log_notice("Starting BGSAVE for SYNC with target: disk");
        crate::persist::background_save(server)
    };
    if started.is_err() {
        server.log_warning("BGSAVE for replication failed");
        let failed: Vec<u64> = waiting(server, |s| matches!(s, SyncState::WaitSaveStart));
        for id in failed {
            crate::replication::detach(server, id);
            if let Some(client) = server.clients.get_mut(&id) {
                client.is_replica = false;
                client.reply.error(SAVE_FAILED);
                client.close_after_reply = true;
                server.pending_flush.push(id);
            }
        }
        return;
    }
    let offset = server.replication.offset;
    for id in waiting(server, |s| matches!(s, SyncState::WaitSaveStart)) {
        setup_full_resync(server, id, offset);
    }
}

/// The replicas whose state matches.
fn waiting(server: &Server, state: impl Fn(&SyncState) -> bool) -> Vec<u64> {
    server
        .replication
        .replicas
        .iter()
        .filter(|r| state(&r.state))
        .map(|r| r.client_id)
        .collect()
}

/// Replica `id` will get the snapshot of stream offset `start`, then the stream after it
/// (`replicationSetupSlaveForFullResync`).
fn setup_full_resync(server: &mut Server, id: u64, start: u64) {
    crate::replication::reselect(server);
    let replid = server.replid.clone();
    let Some(replica) = crate::replication::replica_mut(server, id) else {
        return;
    };
    replica.state = SyncState::WaitSaveEnd;
    replica.start = start;
    let announce = !replica.pre_psync;
    if let Some(client) = server.clients.get_mut(&id) {
        if announce {
            client
                .reply
                .buf
                .extend_from_slice(format!("+FULLRESYNC {replid} {start}\r\n").as_bytes());
            server.pending_flush.push(id);
        }
    }
}

/// A background save ended (`ok` when its file was written): replicas waiting for it start
/// receiving the file, or are dropped when it failed; replicas waiting for a save to start
/// get one (`updateSlavesWaitingBgsave`).
pub fn save_done(server: &mut Server, ok: bool) {
    for id in waiting(server, |s| matches!(s, SyncState::WaitSaveEnd)) {
        if !ok {
            server.log_warning("SYNC failed. BGSAVE child returned an error");
            close_replica(server, id);
            continue;
        }
        let path = server.config.settings.dbfilename.clone();
        let opened = std::fs::File::open(&path).and_then(|f| Ok((f.metadata()?.len(), f)));
        let (len, file) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                server.log_warning(&format!(
                    "SYNC failed. Can't open/stat DB after BGSAVE: {}",
                    crate::util::strerror(&e)
                ));
                close_replica(server, id);
                continue;
            }
        };
        if let Some(replica) = crate::replication::replica_mut(server, id) {
            replica.state = SyncState::SendBulk(Box::new(Bulk { file, left: len }));
        }
        if let Some(client) = server.clients.get_mut(&id) {
            client
                .reply
                .buf
                .extend_from_slice(format!("${len}\r\n").as_bytes());
            server.pending_flush.push(id);
        }
    }
    start_pending(server);
}

/// The last replica waiting for the running save left: with no `save` rules the snapshot
/// serves nobody, so the child is stopped (memory back, and the next synchronization or
/// BGSAVE can start at once), as Redis's `freeClient` does.
pub fn save_unwanted(server: &mut Server) {
    // A streamed snapshot stops when its last replica is gone ([`crate::rdb_pipe`]).
    if server.rdb.transfer.is_some() {
        return;
    }
    let still_wanted = server
        .replication
        .replicas
        .iter()
        .any(|r| matches!(r.state, SyncState::WaitSaveEnd));
    if !still_wanted && server.config.settings.save_rules.is_empty() {
        crate::persist::kill_background_save(server);
    }
}

fn close_replica(server: &mut Server, id: u64) {
    if let Some(client) = server.clients.get_mut(&id) {
        client.close_asap = true;
    }
}

/// `repl-diskless-sync` and the options that go with it: replicas that take a marked
/// snapshot wait `delay` seconds for others to arrive, or until `max_replicas` wait, then
/// get it streamed.
struct Diskless {
    sync: bool,
    delay: u64,
    max_replicas: usize,
}

impl Diskless {
    /// Whether replicas taking marked snapshots wait for others.
    fn waits(&self) -> bool {
        self.sync && self.delay > 0
    }
}

fn diskless(server: &Server) -> Diskless {
    let config = &server.config;
    let number = |name: &str| config.get(name).and_then(|v| v.parse().ok()).unwrap_or(0);
    Diskless {
        sync: config.get("repl-diskless-sync") == Some("yes"),
        delay: number("repl-diskless-sync-delay"),
        max_replicas: number("repl-diskless-sync-max-replicas") as usize,
    }
}

/// Start a save for replicas waiting for one, once no child runs and, under diskless
/// synchronization, the longest waiting replica waited the delay or enough replicas wait
/// (`shouldStartChildReplication`).
pub fn start_pending(server: &mut Server) {
    if server.has_active_child() {
        return;
    }
    let now = std::time::Instant::now();
    let waiting = server
        .replication
        .replicas
        .iter()
        .filter(|r| matches!(r.state, SyncState::WaitSaveStart));
    let (mut count, mut longest) = (0, 0);
    for replica in waiting {
        count += 1;
        if let Some(client) = server.clients.get(&replica.client_id) {
            let idle = now.duration_since(client.last_interaction).as_secs();
            longest = longest.max(idle);
        }
    }
    if count == 0 {
        return;
    }
    let diskless = diskless(server);
    let due = !diskless.sync
        || (diskless.max_replicas > 0 && count >= diskless.max_replicas)
        || longest >= diskless.delay;
    if due {
        start_save(server);
    }
}

/// The periodic newline to replicas that wait for their snapshot (not into a streamed one).
pub fn keep_alive(server: &mut Server) {
    let streaming = server.rdb.transfer.is_some();
    for id in waiting(server, |s| match s {
        SyncState::WaitSaveStart => true,
        SyncState::WaitSaveEnd => !streaming,
        _ => false,
    }) {
        if let Some(client) = server.clients.get_mut(&id) {
            client.reply.buf.push(b'\n');
            server.pending_flush.push(id);
        }
    }
}

/// What the writer does next for a replica whose reply buffer was all written.
pub enum Next {
    /// Nothing: an online replica, or not a replica.
    Idle,
    /// More of the snapshot was queued: write again.
    Write,
    /// This turn's share was sent: go on next turn.
    Later,
}

/// Called when replica `id`'s reply buffer was written out, `sent` bytes so far this turn:
/// queue the snapshot file's next chunk, or, past its end, put the replica online.
pub fn refill(server: &mut Server, id: u64, sent: usize) -> Next {
    let Some(replica) = server
        .replication
        .replicas
        .iter_mut()
        .find(|r| r.client_id == id)
    else {
        return Next::Idle;
    };
    let SyncState::SendBulk(bulk) = &mut replica.state else {
        return Next::Idle;
    };
    if bulk.left == 0 {
        put_online(server, id);
        return Next::Write;
    }
    if sent >= TURN_BUDGET {
        return Next::Later;
    }
    let Some(client) = server.clients.get_mut(&id) else {
        return Next::Idle;
    };
    let want = (bulk.left as usize).min(CHUNK);
    let at = client.reply.buf.len();
    client.reply.buf.resize(at + want, 0);
    let read = bulk.file.read(&mut client.reply.buf[at..]);
    match read {
        Ok(n) if n > 0 => {
            client.reply.buf.truncate(at + n);
            bulk.left -= n as u64;
            Next::Write
        }
        failed => {
            client.reply.buf.truncate(at);
            client.close_asap = true;
            let reason = match failed {
                Err(e) => crate::util::strerror(&e),
                Ok(_) => "unexpected end of file".to_string(),
            };
            server.log_warning(&format!("Read error sending DB to replica: {reason}"));
            Next::Idle
        }
    }
}

/// The snapshot file was sent: the replica is online, and the stream held since its offset
/// follows. A replica that asked for the snapshot only is closed.
fn put_online(server: &mut Server, id: u64) {
    if !mark_online(server, id, SyncState::Online) {
        if let Some(client) = server.clients.get_mut(&id) {
            client.close_after_reply = true;
        }
        return;
    }
    let held = begin_stream(server, id);
    if let Some(client) = server.clients.get_mut(&id) {
        queue_held(client, held);
    }
}

/// A streamed snapshot's child ended (`ok`: every byte of it reached the pipe's end):
/// its replicas are online, their stream starting when they acknowledge, or are dropped
/// when it failed; replicas waiting for a save to start get one.
pub fn streamed_done(server: &mut Server, ok: bool) {
    for id in waiting(server, |s| matches!(s, SyncState::WaitSaveEnd)) {
        if !ok {
            server.log_warning("SYNC failed. BGSAVE child returned an error");
            close_replica(server, id);
            continue;
        }
        let name = crate::replication::replica_mut(server, id).map(|r| r.name.clone());
        server.log_notice(&format!(
            "Streamed RDB transfer with replica {} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming",
            name.unwrap_or_default()
        ));
        if !mark_online(server, id, SyncState::WaitAck) {
            close_replica(server, id);
            continue;
        }
        let acknowledged = crate::replication::replica_mut(server, id)
            .is_some_and(|r| std::mem::take(&mut r.acknowledged_snapshot));
        if acknowledged {
            server.replication.acknowledged.push(id);
        }
    }
    start_pending(server);
}

/// After the turn's commands: replicas whose first `REPLCONF ACK` after a streamed snapshot
/// came start their stream (`replicaStartCommandStream`; not while their command ran, when
/// any output of theirs counts as a reply they must not get). The streaming child may have
/// ended since the periodic task looked: it is collected first, as Redis does on an ACK.
pub fn start_acknowledged_streams(server: &mut Server) {
    if server.rdb.transfer.is_some() {
        crate::persist::collect_child(server);
    }
    for id in std::mem::take(&mut server.replication.acknowledged) {
        let waits = crate::replication::replica_mut(server, id)
            .is_some_and(|r| matches!(r.state, SyncState::WaitAck));
        if !waits {
            continue;
        }
        let held = begin_stream(server, id);
        if let Some(client) = server.clients.get_mut(&id) {
            queue_held(client, held);
            server.pending_flush.push(id);
        }
    }
}

/// The snapshot reached replica `id`, which counts as online from now on, in `state`
/// (`replicaPutOnline`); false for a replica that asked for the snapshot only, which the
/// caller closes.
fn mark_online(server: &mut Server, id: u64, state: SyncState) -> bool {
    let Some(replica) = crate::replication::replica_mut(server, id) else {
        return false;
    };
    let name = replica.name.clone();
    if replica.rdb_only {
        replica.state = SyncState::Online;
        server.log_notice(&format!(
            "RDB transfer completed, rdb only replica ({name}) should be disconnected asap"
        ));
        return false;
    }
    replica.state = state;
    replica.ack_time = std::time::Instant::now();
    server.log_notice(&format!("Synchronization with replica {name} succeeded"));
    true
}

/// Queue for a replica the stream [`begin_stream`] gave, or close it when the backlog had
/// lost it.
fn queue_held(client: &mut Client, held: Option<Vec<u8>>) {
    match held {
        Some(held) => client.reply.buf.extend_from_slice(&held),
        None => client.close_asap = true,
    }
}

/// Replica `id` gets every change from now on, after what the backlog held for it since its
/// snapshot: those bytes, `None` when the backlog no longer has them.
fn begin_stream(server: &mut Server, id: u64) -> Option<Vec<u8>> {
    let replica = crate::replication::replica_mut(server, id)?;
    replica.state = SyncState::Online;
    let start = replica.start;
    let held = server
        .replication
        .backlog
        .as_ref()
        .and_then(|b| b.since(start + 1));
    crate::replication::release_backlog(server);
    held
}
