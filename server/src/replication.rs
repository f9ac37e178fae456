//! Replicas: a client that sends SYNC or PSYNC gets a snapshot of the dataset, then every
//! change as the commands Redis propagates (the stream the append-only file gets: a SELECT
//! when the database changes, a script's or a transaction's commands in MULTI/EXEC), and a
//! PING every `repl-ping-replica-period` seconds. What Redis's test suite reads with
//! `attach_to_replication_stream`, and what a replica loads.
//!
//! From the first replica's attaching on, the stream is also kept in a backlog
//! ([`crate::backlog`]): a replica that lost its link and asks to go on from its offset
//! (`PSYNC <replid> <offset>`) gets `+CONTINUE` and what it missed, as Redis's
//! `masterTryPartialResynchronization` decides. A server that follows a primary does not
//! make a stream of its own: it passes its primary's on, byte for byte, to its backlog and
//! its own replicas ([`proxy`]).

use crate::full_sync::SyncState;
use crate::server::Server;
use std::time::Instant;

/// The replicas and the stream's position.
pub struct Replication {
    pub replicas: Vec<Replica>,
    /// The database the stream last selected; `None` makes the next change select its own,
    /// as Redis's `slaveseldb = -1` after a full synchronization.
    selected_db: Option<usize>,
    /// Bytes sent down the stream since the first replica attached (`master_repl_offset`).
    pub offset: u64,
    /// The stream's last bytes, from the first replica's attaching on.
    pub backlog: Option<crate::backlog::Backlog>,
    /// Since when no replica is connected (the backlog is freed after `repl-backlog-ttl`).
    no_replicas_since: Instant,
    last_ping: Instant,
    /// When replicas waiting for their snapshot last got a keep-alive newline.
    last_keep_alive: Instant,
    /// A client blocked in WAIT: ask the replicas for their offsets before sleeping.
    pub getack_wanted: bool,
    /// A replica acknowledged an offset this turn: clients in WAIT are looked at after the
    /// turn's commands (the acknowledging replica is not among the connected clients while
    /// its `REPLCONF ACK` runs, so it could not be counted then).
    pub acks_arrived: bool,
    /// Replicas whose acknowledgement this turn starts their stream (after a streamed
    /// snapshot, [`crate::full_sync::start_acknowledged_streams`]).
    pub acknowledged: Vec<u64>,
}

/// One attached replica.
pub struct Replica {
    pub client_id: u64,
    /// The offset it last acknowledged (`REPLCONF ACK`), and when.
    pub ack_offset: u64,
    pub ack_time: Instant,
    /// Where its synchronization stands ([`crate::full_sync`]).
    pub state: SyncState,
    /// The stream offset its snapshot was taken at: the stream it gets starts after it.
    pub start: u64,
    /// It asked for the snapshot only (`REPLCONF rdb-only 1`): no stream is kept for it.
    pub rdb_only: bool,
    /// It attached with `SYNC`: no `+FULLRESYNC` line.
    pub pre_psync: bool,
    /// How the log names it ([`replica_name`]).
    pub name: String,
    /// It takes a snapshot closed by a mark (`REPLCONF capa eof`): one streamed to it.
    pub capa_eof: bool,
    /// It acknowledged while its snapshot was streamed (it had it all, but the child was not
    /// collected yet): its stream starts as soon as the child is.
    pub acknowledged_snapshot: bool,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            replicas: Vec::new(),
            selected_db: None,
            offset: 0,
            backlog: None,
            no_replicas_since: Instant::now(),
            last_ping: Instant::now(),
            last_keep_alive: Instant::now(),
            getack_wanted: false,
            acks_arrived: false,
            acknowledged: Vec::new(),
        }
    }
}

/// Make `client_id` a replica in `state` (online: from the next byte of the stream on).
pub fn attach(
    server: &mut Server,
    client: &crate::client::Client,
    state: SyncState,
    pre_psync: bool,
    rdb_only: bool,
) {
    let (client_id, name, capa_eof) = (client.id, replica_name(client), client.replica_capa_eof);
    create_backlog(server);
    let replication = &mut server.replication;
    replication.last_ping = Instant::now();
    replication.replicas.push(Replica {
        client_id,
        ack_offset: 0,
        ack_time: Instant::now(),
        state,
        start: replication.offset,
        rdb_only,
        pre_psync,
        name,
        capa_eof,
        acknowledged_snapshot: false,
    });
    server.propagation_changed();
}

/// The next change selects its database again (after a snapshot, Redis's `slaveseldb = -1`).
pub fn reselect(server: &mut Server) {
    server.replication.selected_db = None;
}

/// The replica on client `client_id`, if that client is one.
pub fn replica_mut(server: &mut Server, client_id: u64) -> Option<&mut Replica> {
    server
        .replication
        .replicas
        .iter_mut()
        .find(|r| r.client_id == client_id)
}

/// The first stream offset a replica waiting for (or receiving) its snapshot still needs:
/// the backlog keeps it and what follows.
fn keep_from(replication: &Replication) -> Option<u64> {
    replication
        .replicas
        .iter()
        .filter(|r| {
            !r.rdb_only
                && matches!(
                    r.state,
                    SyncState::WaitSaveEnd | SyncState::SendBulk(_) | SyncState::WaitAck
                )
        })
        .map(|r| r.start + 1)
        .min()
}

/// A replica no longer needs what the backlog kept for it: back to `repl-backlog-size`.
pub fn release_backlog(server: &mut Server) {
    let keep = keep_from(&server.replication);
    if let Some(backlog) = server.replication.backlog.as_mut() {
        backlog.trim(keep);
    }
}

/// `REPLCONF ACK <offset>` from a replica.
pub fn acknowledge(server: &mut Server, client_id: u64, offset: u64) {
    let streaming = server.rdb.transfer.is_some();
    if let Some(r) = server
        .replication
        .replicas
        .iter_mut()
        .find(|r| r.client_id == client_id)
    {
        r.ack_offset = offset;
        r.ack_time = Instant::now();
        // A replica acknowledges once it has the whole snapshot, which may be before the
        // child was collected (or even seen to have closed its pipe).
        if matches!(r.state, SyncState::WaitSaveEnd) && streaming {
            r.acknowledged_snapshot = true;
        }
        if matches!(r.state, SyncState::WaitAck | SyncState::WaitSaveEnd) {
            server.replication.acknowledged.push(client_id);
        }
    }
    server.replication.acks_arrived = true;
}

/// After the turn's commands: answer the clients in WAIT that acknowledgements received this
/// turn satisfy.
pub fn serve_acks(server: &mut Server) {
    if !server.replication.acknowledged.is_empty() {
        crate::full_sync::start_acknowledged_streams(server);
    }
    if std::mem::take(&mut server.replication.acks_arrived) {
        crate::blocking::serve_waiting_replicas(server);
    }
}

/// How many connected replicas acknowledged `offset` or more (`replicationCountAcksByOffset`).
pub fn count_acks(server: &Server, offset: u64) -> usize {
    connected(server).filter(|r| r.ack_offset >= offset).count()
}

/// End of an event-loop turn: if a client blocked in WAIT, ask every replica for its offset
/// (`REPLCONF GETACK *` down the stream, as Redis does before sleeping).
pub fn request_acks(server: &mut Server) {
    if !std::mem::take(&mut server.replication.getack_wanted) {
        return;
    }
    // A replica's replicas get its primary's stream only.
    if server.replication.replicas.is_empty() || server.master_link.is_some() {
        return;
    }
    let mut getack = Vec::new();
    crate::aof::encode(&mut getack, &[&b"REPLCONF"[..], b"GETACK", b"*"]);
    send(server, &getack);
}

/// Before a full synchronization: a primary without a backlog makes one, and since it has no
/// past, takes a new replication id and none second (as Redis's `syncCommand` does for its
/// first replica).
pub fn prepare_full_sync(server: &mut Server) {
    if server.replication.backlog.is_some() || server.master_link.is_some() {
        return;
    }
    new_history(server);
    create_backlog(server);
    server.log_notice(&format!(
        "Replication backlog created, my new replication IDs are '{}' and '{}'",
        server.replid, server.replid2
    ));
}

/// A new replication id, and no previous one (Redis's `changeReplicationId` and
/// `clearReplicationId2`): the stream's history starts here.
fn new_history(server: &mut Server) {
    server.replid = server.random_id();
    server.replid2 = "0".repeat(40);
    server.second_repl_offset = -1;
}

/// Whether changes go down the stream: to replicas, or into the backlog kept for them. A
/// server following a primary passes its primary's stream on instead ([`proxy`]).
fn streaming(server: &Server) -> bool {
    server.master_link.is_none()
        && !(server.replication.replicas.is_empty() && server.replication.backlog.is_none())
}

/// The next change sent down the stream selects its database first (`slaveseldb = -1`).
pub fn force_select(server: &mut Server) {
    server.replication.selected_db = None;
}

/// Start keeping the stream, if it is not kept yet (`createReplicationBacklog`).
pub fn create_backlog(server: &mut Server) {
    let limit = server.config.settings.repl_backlog_size;
    let replication = &mut server.replication;
    if replication.backlog.is_none() {
        replication.backlog = Some(crate::backlog::Backlog::new(limit, replication.offset));
    }
}

/// Start the stream afresh at `offset` (a replica's full synchronization: its backlog then
/// holds its new primary's stream from there).
pub fn restart_stream(server: &mut Server, offset: u64) {
    let limit = server.config.settings.repl_backlog_size;
    let replication = &mut server.replication;
    replication.offset = offset;
    replication.selected_db = None;
    replication.backlog = Some(crate::backlog::Backlog::new(limit, offset));
}

/// `PSYNC <replid> <offset>`: whether the replica can go on from `from` (the first byte it
/// lacks) with what the backlog holds, as Redis decides, logging its reasons: the bytes to
/// send it after `+CONTINUE`, or `None` for a full synchronization.
pub fn partial_resync(server: &Server, replica: &str, replid: &str, from: i64) -> Option<Vec<u8>> {
    if replid != server.replid {
        let second = server.second_repl_offset;
        if replid != server.replid2 {
            if replid != "?" {
                server.log_notice(&format!(
                    "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{replid}', my replication IDs are '{}' and '{}')",
                    server.replid, server.replid2
                ));
            } else {
                server.log_notice(&format!("Full resync requested by replica {replica}"));
            }
            return None;
        }
        if from > second {
            server.log_notice(&format!(
                "Partial resynchronization not accepted: Requested offset for second ID was {from}, but I can reply up to {second}"
            ));
            return None;
        }
    }
    let held = u64::try_from(from)
        .ok()
        .and_then(|from| server.replication.backlog.as_ref()?.since(from));
    if held.is_none() {
        server.log_notice(&format!(
            "Unable to partial resync with replica {replica} for lack of backlog (Replica request was: {from})."
        ));
        if from > server.replication.offset as i64 {
            server.log_warning(&format!("Warning: replica {replica} tried to PSYNC with an offset that is greater than the master replication offset."));
        }
    }
    held
}

/// The backlog's last `n` bytes at most (none when it is empty or absent).
pub fn backlog_tail(server: &Server, n: usize) -> Option<Vec<u8>> {
    let backlog = server.replication.backlog.as_ref()?;
    let held = backlog.histlen();
    if held == 0 {
        return None;
    }
    let from = backlog.first_byte() + held.saturating_sub(n as u64);
    backlog.since(from)
}

/// Pass on `bytes` of the stream this server's primary sent (and it applied): to the
/// backlog and to this server's own replicas, at the primary's offsets.
pub fn proxy(server: &mut Server, bytes: &[u8]) {
    send(server, bytes);
}

/// `DEBUG REPLICATE <args>`: send a command down the stream as it is, in the database the
/// stream has selected (a primary's only).
pub fn feed_command(server: &mut Server, argv: &[&[u8]]) {
    if !streaming(server) {
        return;
    }
    let mut chunk = Vec::new();
    crate::aof::encode(&mut chunk, argv);
    send(server, &chunk);
}

/// Send what one command changed to every replica (and the backlog).
pub fn feed(server: &mut Server, ops: &[crate::aof::Propagated], transaction: bool) {
    if !streaming(server) {
        return;
    }
    let mut chunk = Vec::new();
    crate::aof::encode_changes(
        &mut chunk,
        &mut server.replication.selected_db,
        ops.iter(),
        transaction,
    );
    send(server, &chunk);
}

/// `CONFIG SET repl-backlog-size`: the backlog keeps the newest bytes that fit.
pub fn apply_backlog_size(server: &mut Server) {
    let limit = server.config.settings.repl_backlog_size;
    let keep = keep_from(&server.replication);
    if let Some(backlog) = server.replication.backlog.as_mut() {
        backlog.set_limit(limit, keep);
    }
}

/// The periodic task's part: the PING that tells replicas the primary is alive (sent without
/// a SELECT, and in lower case, as Redis sends it), and the backlog freed after
/// `repl-backlog-ttl` seconds without replicas (a primary's only: the history changes then,
/// under a new replication id).
pub fn cron(server: &mut Server) {
    if server.replication.replicas.is_empty() {
        let ttl = server.config.settings.repl_backlog_ttl;
        let idle = server.replication.no_replicas_since.elapsed().as_secs();
        if server.replication.backlog.is_some()
            && server.master_link.is_none()
            && ttl > 0
            && idle > ttl
        {
            new_history(server);
            server.replication.backlog = None;
            server.propagation_changed();
            server.log_notice(&format!(
                "Replication backlog freed after {ttl} seconds without connected replicas."
            ));
        }
        return;
    }
    if server.replication.last_keep_alive.elapsed().as_secs() >= 1 {
        server.replication.last_keep_alive = Instant::now();
        crate::full_sync::keep_alive(server);
    }
    crate::full_sync::start_pending(server);
    crate::rdb_pipe::cron(server);
    drop_silent_replicas(server);
    // A replica's replicas get its primary's PINGs, passed on, not PINGs of its own.
    if server.master_link.is_some() {
        return;
    }
    let period = server.config.settings.repl_ping_replica_period.max(1);
    if server.replication.last_ping.elapsed().as_secs() >= period {
        server.replication.last_ping = Instant::now();
        let mut ping = Vec::new();
        crate::aof::encode(&mut ping, &[b"ping".to_vec()]);
        send(server, &ping);
    }
}

/// Online replicas that acknowledged nothing for `repl-timeout` seconds are disconnected
/// (those attached with `SYNC` never acknowledge).
fn drop_silent_replicas(server: &mut Server) {
    let timeout = server.config.settings.repl_timeout;
    let silent: Vec<(u64, String)> = server
        .replication
        .replicas
        .iter()
        .filter(|r| r.state.is_online() && !r.pre_psync && r.ack_time.elapsed().as_secs() > timeout)
        .map(|r| (r.client_id, r.name.clone()))
        .collect();
    for (id, name) in silent {
        server.log_warning(&format!(
            "Disconnecting timedout replica (streaming sync): {name}"
        ));
        crate::net::close_client(server, id);
    }
}

/// A replica is gone: its connection closed, or its synchronization could not start.
pub fn detach(server: &mut Server, client_id: u64) {
    let waited_for_save = server
        .replication
        .replicas
        .iter()
        .any(|r| r.client_id == client_id && matches!(r.state, SyncState::WaitSaveEnd));
    server
        .replication
        .replicas
        .retain(|r| r.client_id != client_id);
    if waited_for_save {
        crate::full_sync::save_unwanted(server);
    }
    if server.replication.replicas.is_empty() {
        server.replication.no_replicas_since = Instant::now();
    }
    release_backlog(server);
    server.propagation_changed();
}

fn send(server: &mut Server, chunk: &[u8]) {
    let replication = &mut server.replication;
    replication.offset += chunk.len() as u64;
    let keep = keep_from(replication);
    if let Some(backlog) = replication.backlog.as_mut() {
        backlog.append(chunk, keep);
    }
    let offset = replication.offset;
    let limit = crate::output_limits::replica_limit(&server.config.settings);
    let mut warnings = Vec::new();
    for r in &replication.replicas {
        let Some(client) = server.clients.get_mut(&r.client_id) else {
            continue;
        };
        match r.state {
            SyncState::Online => {
                client.reply.buf.extend_from_slice(chunk);
                server.pending_flush.push(r.client_id);
            }
            // The backlog holds the stream for it: that is its output (Redis counts a
            // replica's share of the replication buffer against its limit).
            SyncState::WaitSaveEnd | SyncState::SendBulk(_) | SyncState::WaitAck if !r.rdb_only => {
                let held = (offset - r.start) as usize;
                if !client.close_asap
                    && crate::output_limits::over(limit, held, &mut client.over_soft_limit_since)
                {
                    client.close_asap = true;
                    warnings.push(crate::output_limits::scheduled_close_message(client));
                }
            }
            _ => {}
        }
    }
    for warning in warnings {
        server.log_warning(&warning);
    }
}

/// The stream's position to record in an RDB file (`rdbPopulateSaveInfo`): a replica's
/// (connected, or where its lost link would go on), or a primary's once it keeps a backlog.
pub fn save_info(server: &Server) -> Option<crate::rdb::snapshot::ReplInfo> {
    use crate::rdb::snapshot::ReplInfo;
    match server.master_link.as_ref() {
        Some(link) => {
            if let Some(id) = link.client_id() {
                let stream_db = server.clients.get(&id).map_or(0, |c| c.db);
                return Some(ReplInfo {
                    stream_db,
                    replid: server.replid.clone(),
                    offset: link.offset,
                });
            }
            let (replid, next) = link.resume_point()?;
            Some(ReplInfo {
                stream_db: link.resume_db(),
                replid,
                offset: next.saturating_sub(1),
            })
        }
        None => server.replication.backlog.as_ref().map(|_| ReplInfo {
            stream_db: server.replication.selected_db.unwrap_or(0),
            replid: server.replid.clone(),
            offset: server.replication.offset,
        }),
    }
}

/// At start, the position an RDB file recorded: a replica goes on from it with its primary;
/// a primary keeps it as its second history, so its former replicas can go on with it.
pub fn restore(server: &mut Server, info: crate::rdb::snapshot::ReplInfo) {
    if let Some(link) = server.master_link.as_mut() {
        server.replid = info.replid.clone();
        server.replication.offset = info.offset;
        link.resume_from(info.replid, info.offset + 1, info.stream_db);
        return;
    }
    server.replid2 = info.replid;
    server.second_repl_offset = info.offset as i64 + 1;
    // The stream (already holding what the load sent) moves on to the file's offset.
    create_backlog(server);
    server.replication.offset += info.offset;
    if let Some(backlog) = server.replication.backlog.as_mut() {
        backlog.rebase(info.offset);
    }
    server.replication.no_replicas_since = Instant::now();
    server.propagation_changed();
}

/// After the data file loaded at start (`loadDataFromDisk`): a primary sends the deletion of
/// the keys the load found expired down a new backlog, then, when the file recorded its
/// replication position, takes it up as its second history (so its replicas can go on after
/// a restart); without one, the backlog is dropped again.
pub fn restore_at_start(
    server: &mut Server,
    info: Option<crate::rdb::snapshot::ReplInfo>,
    expired: &[(usize, Vec<u8>)],
) {
    if server.master_link.is_none() {
        create_backlog(server);
        let command: &[u8] = if server.config.get("lazyfree-lazy-expire") == Some("yes") {
            b"UNLINK"
        } else {
            b"DEL"
        };
        for (db, key) in expired {
            let op = crate::aof::Propagated {
                db: *db,
                argv: vec![command.to_vec(), key.clone()],
                to_aof: true,
            };
            feed(server, std::slice::from_ref(&op), false);
        }
    }
    match info {
        Some(info) => restore(server, info),
        None if server.master_link.is_none() => server.replication.backlog = None,
        None => {}
    }
}

/// Whether `min-replicas-to-write` and `min-replicas-max-lag` are both set (a primary then
/// refuses writes without that many good replicas).
pub fn min_replicas_enabled(server: &Server) -> bool {
    let settings = &server.config.settings;
    settings.min_replicas_to_write > 0 && settings.min_replicas_max_lag > 0
}

/// Replicas that acknowledged within `min-replicas-max-lag` seconds
/// (`repl_good_slaves_count`).
pub fn good_replicas(server: &Server) -> usize {
    let max_lag = server.config.settings.min_replicas_max_lag.max(0) as u64;
    connected(server)
        .filter(|r| r.ack_time.elapsed().as_secs() <= max_lag)
        .count()
}

/// Whether writes are refused for want of good replicas (`checkGoodReplicasStatus`): only
/// on a primary with the check enabled.
pub fn too_few_good_replicas(server: &Server) -> bool {
    server.master_link.is_none()
        && min_replicas_enabled(server)
        && (good_replicas(server) as i64) < server.config.settings.min_replicas_to_write
}

/// The replicas still connected, in the order they attached, whatever their state.
pub fn attached(server: &Server) -> impl Iterator<Item = &Replica> {
    server
        .replication
        .replicas
        .iter()
        .filter(|r| server.clients.contains_key(&r.client_id))
}

/// The replicas past their synchronization, which the stream reaches.
pub fn connected(server: &Server) -> impl Iterator<Item = &Replica> {
    attached(server).filter(|r| r.state.is_online())
}

/// How the log names a replica (`replicationGetSlaveName`): its address, with the port it
/// listens on when it said (`REPLCONF listening-port`).
pub fn replica_name(client: &crate::client::Client) -> String {
    let ip = replica_ip(&client.addr);
    match client.replica_port {
        0 => format!("{ip}:<unknown-replica-port>"),
        port => format!("{ip}:{port}"),
    }
}

/// The address part of `ip:port` (ROLE and INFO list replicas by it).
pub fn replica_ip(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(ip, _)| ip)
}
