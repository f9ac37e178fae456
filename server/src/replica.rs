//! Following a primary (`REPLICAOF host port`): this server's side of Redis's replication.
//!
//! The handshake and the full synchronization run on a helper thread with blocking sockets and
//! timeouts (PING, AUTH when `masterauth` is set, REPLCONF, `PSYNC ? -1`, then the snapshot as
//! a `$<length>` bulk), so the event loop never waits on the primary. The loop picks the
//! result up ([`poll`]), loads the snapshot in place of its data, and adopts the socket as the
//! primary's client: from then on the replication stream is ordinary requests from a client
//! that skips every check and gets no replies, apart from `REPLCONF ACK <offset>` (every
//! second, and on `REPLCONF GETACK`). A link that closes or stays silent past `repl-timeout`
//! is dropped and synchronized again a second later.
//!
//! A lost link is taken up again where it stopped: the helper asks `PSYNC <replid> <offset>`
//! with the replication id and the offset of the last byte applied (a transaction counts once
//! its EXEC has run), and on `+CONTINUE` the data stays and the stream goes on, into the
//! database it had selected. The same is offered to a new primary after `REPLICAOF` (which
//! accepts it when it was promoted from a sibling and shares the history). Otherwise, or when
//! refused, a full synchronization. The snapshot comes with its length, or (capability `eof`,
//! a primary's diskless transfer) closed by a 40-byte mark, after which this server
//! acknowledges at once, since such a primary starts the stream only then. What the
//! primary sends is passed on, as applied, to this server's backlog and its own replicas
//! ([`crate::replication::proxy`]).

use crate::server::Server;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Redis's error for writes on a read-only replica.
pub const READONLY: &str = "READONLY You can't write against a read only replica.";
/// Redis's error for commands refused while the link is down and stale data is not served.
pub const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/// Pause between a failed or lost link and the next attempt.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Largest snapshot accepted from a primary.
pub(crate) const MAX_SNAPSHOT: u64 = 64 * 1024 * 1024 * 1024;

/// Where the link stands (the states `ROLE` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Waiting to (re)connect.
    Connect,
    /// The helper thread is connecting, shaking hands or receiving the snapshot.
    Connecting,
    /// The snapshot is loaded and the stream flows on client `client_id`.
    Connected { client_id: u64 },
}

/// The primary this server follows, and the link to it.
pub struct MasterLink {
    pub host: String,
    pub port: u16,
    pub state: LinkState,
    /// The helper thread's result, while it runs.
    sync: Option<Receiver<Result<Synced, SyncError>>>,
    /// How far the helper thread's snapshot transfer is.
    transfer: Arc<Transfer>,
    /// The transfer is shown as a load (`loading:1`, `-LOADING`), as a replica loading
    /// from the socket (`repl-diskless-load` on) shows it.
    loading_shown: bool,
    /// The running synchronization reads its snapshot as it comes (`repl-diskless-load`).
    loads_as_it_comes: bool,
    /// When to try again, in state `Connect`.
    retry_at: Instant,
    /// The stream offset processed so far (the primary's replication id is the server's
    /// own `replid` once synchronized).
    pub offset: u64,
    /// Last bytes from the primary.
    pub last_io: Instant,
    /// When the link went down (`None`: it never came up).
    pub down_since: Option<Instant>,
    /// An acknowledgement is owed to the primary (`REPLCONF GETACK`, or the periodic one).
    pub ack_due: bool,
    /// When the last periodic acknowledgement was owed.
    last_ack: Instant,
    /// Where to take the stream up again: the replication id and the first byte not applied
    /// (`None`: ask for a full synchronization).
    resume: Option<(String, u64)>,
    /// The database the stream had selected when the link was lost.
    db: usize,
    /// The bytes of a transaction under way in the stream: applied (and counted) at its EXEC.
    transaction: Vec<u8>,
}

/// Why a synchronization failed: the link (tried again later), nothing from the primary for
/// `repl-timeout` seconds, or the primary refused the `PSYNC` itself (what ends a failover).
pub enum SyncError {
    Link(String),
    Timeout,
    Refused(String),
}

/// A socket error: a read that waited `repl-timeout` in vain is a timeout.
pub(crate) fn io_error(e: std::io::Error) -> SyncError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => SyncError::Timeout,
        std::io::ErrorKind::UnexpectedEof => {
            SyncError::Link("the master closed the connection".into())
        }
        _ => SyncError::Link(e.to_string()),
    }
}

impl From<String> for SyncError {
    fn from(message: String) -> SyncError {
        SyncError::Link(message)
    }
}

impl From<&str> for SyncError {
    fn from(message: &str) -> SyncError {
        SyncError::Link(message.to_string())
    }
}

/// A synchronization's progress, written by the helper thread: its phase (connecting, the
/// handshake, the transfer after `+FULLRESYNC`), the snapshot's length (0 until known) and
/// the bytes received.
#[derive(Default)]
pub(crate) struct Transfer {
    phase: std::sync::atomic::AtomicU8,
    pub(crate) total: AtomicU64,
    pub(crate) received: AtomicU64,
    /// The snapshot is streamed, closed by a mark: its length is never known.
    pub(crate) streamed: std::sync::atomic::AtomicBool,
    /// The primary's snapshot continues this server's history (`+FULLRESYNC` names its
    /// replication id): under `repl-diskless-load swapdb` the old data stays served while it
    /// comes (an asynchronous load).
    same_history: std::sync::atomic::AtomicBool,
    /// The helper's connection, so an abandoned synchronization can close it at once (the
    /// primary then stops preparing a snapshot for nobody).
    socket: std::sync::Mutex<Option<TcpStream>>,
}

impl Transfer {
    /// Close the helper's connection, if it has one: its blocked reads end.
    fn abandon(&self) {
        if let Ok(socket) = self.socket.lock() {
            if let Some(socket) = socket.as_ref() {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// [`Transfer::phase`] values.
const PHASE_CONNECTING: u8 = 0;
const PHASE_HANDSHAKE: u8 = 1;
const PHASE_TRANSFER: u8 = 2;

/// A snapshot transfer under way: its length (0 until the primary sent it) and the bytes
/// received, for INFO's `master_sync_*` fields.
pub struct TransferFigures {
    /// The snapshot's length as Redis reports it (`repl_transfer_size`): -1 until the
    /// primary sent it, 0 for a streamed one.
    pub total: i64,
    pub received: u64,
}

/// What the helper thread hands over after a successful synchronization.
pub struct Synced {
    pub stream: TcpStream,
    /// The primary's data; `None` when it continues this server's own stream (`+CONTINUE`,
    /// after a failover), so the data stays.
    pub snapshot: Option<crate::replica_transfer::Snapshot>,
    pub replid: String,
    pub offset: u64,
    /// Stream bytes read past the snapshot.
    pub leftover: Vec<u8>,
}

impl MasterLink {
    fn new(host: String, port: u16) -> MasterLink {
        MasterLink {
            host,
            port,
            state: LinkState::Connect,
            sync: None,
            transfer: Arc::new(Transfer::default()),
            loading_shown: false,
            loads_as_it_comes: false,
            retry_at: Instant::now(),
            offset: 0,
            last_io: Instant::now(),
            down_since: None,
            ack_due: false,
            last_ack: Instant::now(),
            resume: None,
            db: 0,
            transaction: Vec::new(),
        }
    }

    /// Back to waiting: the next attempt comes after a pause.
    fn retry_later(&mut self) {
        self.state = LinkState::Connect;
        self.retry_at = Instant::now() + RETRY_AFTER;
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.state, LinkState::Connected { .. })
    }

    /// The client the stream arrives on, once connected.
    pub fn client_id(&self) -> Option<u64> {
        match self.state {
            LinkState::Connected { client_id } => Some(client_id),
            _ => None,
        }
    }

    /// The state as `ROLE` names it.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            LinkState::Connect => "connect",
            LinkState::Connecting => match self.transfer.phase.load(Ordering::Relaxed) {
                PHASE_HANDSHAKE => "handshake",
                PHASE_TRANSFER => "sync",
                _ => "connecting",
            },
            LinkState::Connected { .. } => "connected",
        }
    }

    /// The snapshot transfer, while one is under way (`master_sync_in_progress`).
    pub fn transfer_figures(&self) -> Option<TransferFigures> {
        let in_transfer = matches!(self.state, LinkState::Connecting)
            && self.transfer.phase.load(Ordering::Relaxed) == PHASE_TRANSFER;
        let total = match self.transfer.total.load(Ordering::Relaxed) {
            _ if self.transfer.streamed.load(Ordering::Relaxed) => 0,
            0 => -1,
            length => length as i64,
        };
        in_transfer.then(|| TransferFigures {
            total,
            received: self.transfer.received.load(Ordering::Relaxed),
        })
    }

    /// Where a lost link would go on: the replication id and the first byte not applied.
    pub fn resume_point(&self) -> Option<(String, u64)> {
        self.resume.clone()
    }

    /// The database the stream had selected when the link was lost.
    pub fn resume_db(&self) -> usize {
        self.db
    }

    /// Go on from `next` of history `replid`, in database `db` (what an RDB file recorded).
    pub fn resume_from(&mut self, replid: String, next: u64, db: usize) {
        self.resume = Some((replid, next));
        self.db = db;
    }

    /// `REPLCONF ACK <offset>` as the primary reads it.
    pub fn ack_command(&self) -> Vec<u8> {
        let offset = self.offset.to_string();
        format!(
            "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n${}\r\n{offset}\r\n",
            offset.len()
        )
        .into_bytes()
    }
}

/// Whether client `id` is the primary's (no lookup of the client: the link knows it).
pub fn is_primary(server: &Server, id: u64) -> bool {
    server.master_link.as_ref().and_then(MasterLink::client_id) == Some(id)
}

/// Whether this server is a replica that refuses writes from its clients (not the
/// append-only file's commands while it loads, which Redis runs unchecked).
pub fn read_only(server: &Server) -> bool {
    server.master_link.is_some()
        && server.config.settings.replica_read_only
        && !server.keyspace.loading
}

/// Whether this server is a replica whose link is down and that serves no stale data.
pub fn stale(server: &Server) -> bool {
    server
        .master_link
        .as_ref()
        .is_some_and(|l| !l.is_connected())
        && !server.config.settings.replica_serve_stale_data
}

/// Start following `host:port` (`replicationSetMaster`): blocked clients are released with
/// an error, and the link is made from the next turn of the event loop.
pub fn set_master(server: &mut Server, host: String, port: u16) {
    // The history this server has, offered to the new primary (Redis's cached primary, or
    // `replicationCacheMasterUsingMyself` for a server that was a primary).
    let resume = match server.master_link.as_ref() {
        Some(link) if link.is_connected() => Some((server.replid.clone(), link.offset + 1)),
        Some(link) => link.resume.clone(),
        None => Some((server.replid.clone(), server.replication.offset + 1)),
    };
    // The database the stream has selected: the primary's client's while connected.
    let db = server.master_link.as_ref().map_or(0, |link| {
        let client = link.client_id().and_then(|id| server.clients.get(&id));
        client.map_or(link.db, |c| c.db)
    });
    drop_link(server);
    crate::blocking::unblock_all(
        server,
        "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
    );
    // This server's own replicas stay: they may go on from where they are if the new
    // primary continues this history; they are disconnected once it turns out otherwise
    // (a new replication id, or a snapshot loaded).
    server.log_notice(&format!("Connecting to MASTER {host}:{port}"));
    server.config.record("replicaof", format!("{host} {port}"));
    let mut link = MasterLink::new(host, port);
    link.resume = resume;
    link.db = db;
    server.master_link = Some(link);
    server.keyspace.replica = true;
    crate::oom_score::update(server);
}

/// Stop following (`REPLICAOF NO ONE`): the data stays, the server becomes a primary again
/// under a new replication id, and its replicas must synchronize again.
pub fn unset_master(server: &mut Server) {
    drop_link(server);
    // The stream this server now starts continues the primary's offsets (which its own
    // stream has followed as it passed them on), and starts with a SELECT: its replicas'
    // streams may have another database selected.
    server.master_link = None;
    crate::replication::force_select(server);
    server.keyspace.replica = false;
    server.keyspace.replica_keys_with_expire.clear();
    server.config.record("replicaof", String::new());
    let new_id = server.random_id();
    server.replid2 = std::mem::replace(&mut server.replid, new_id);
    server.second_repl_offset = server.replication.offset as i64 + 1;
    disconnect_replicas(server);
    crate::oom_score::update(server);
}

/// Close the primary's client, if the link has one, or the connection of a synchronization
/// under way.
fn drop_link(server: &mut Server) {
    if let Some(link) = server.master_link.as_ref() {
        match link.client_id() {
            Some(id) => close_soon(server, id),
            None => link.transfer.abandon(),
        }
    }
    end_transfer_loading(server);
}

/// A transfer shown as a load is over (done, failed or abandoned).
fn end_transfer_loading(server: &mut Server) {
    if let Some(link) = server.master_link.as_mut() {
        if std::mem::take(&mut link.loading_shown) {
            server.loading = None;
        }
    }
}

/// While the helper thread reads a snapshot as it comes (`repl-diskless-load`), the server
/// shows it as loading (clients are answered `-LOADING`), as a replica loading straight
/// from the socket does; asynchronously when it continues this server's history under
/// `swapdb`.
fn show_transfer_loading(server: &mut Server) {
    let swapdb = server.config.get("repl-diskless-load") == Some("swapdb");
    let Some(link) = server.master_link.as_mut() else {
        return;
    };
    let total = link.transfer.total.load(Ordering::Relaxed);
    let streamed = link.transfer.streamed.load(Ordering::Relaxed);
    if !link.loads_as_it_comes || (total == 0 && !streamed) {
        return;
    }
    let received = link.transfer.received.load(Ordering::Relaxed);
    if !link.loading_shown {
        link.loading_shown = true;
        let asynchronous = swapdb && link.transfer.same_history.load(Ordering::Relaxed);
        server.loading = Some(crate::server::Loading {
            start_unix: crate::db::now_ms() / 1000,
            total_bytes: total,
            loaded_bytes: received,
            rdb_used_mem: 0,
            asynchronous,
        });
        server.log_notice("MASTER <-> REPLICA sync: Loading DB in memory");
    } else if let Some(loading) = server.loading.as_mut() {
        loading.loaded_bytes = received;
    }
}

fn disconnect_replicas(server: &mut Server) {
    let replicas: Vec<u64> = server
        .clients
        .iter()
        .filter(|(_, c)| c.is_replica)
        .map(|(id, _)| *id)
        .collect();
    for id in replicas {
        close_soon(server, id);
    }
}

/// Close client `id` at the end of this turn of the event loop.
fn close_soon(server: &mut Server, id: u64) {
    if let Some(client) = server.clients.get_mut(&id) {
        client.close_asap = true;
        server.pending_flush.push(id);
    }
}

/// The primary's client closed (its stream had database `db` selected): the link is down
/// until the next attempt, which asks to go on from the last byte applied.
pub fn link_lost(server: &mut Server, client_id: u64, db: usize) {
    let Some(link) = server.master_link.as_mut() else {
        return;
    };
    if link.client_id() != Some(client_id) {
        return;
    }
    link.resume = Some((server.replid.clone(), link.offset + 1));
    link.db = db;
    link.transaction.clear();
    link.retry_later();
    link.down_since = Some(Instant::now());
    server.log_warning("Connection with master lost.");
}

/// What the event loop does with the link each turn: start a synchronization when one is
/// due, and hand over a finished one (`Some`: the caller loads the snapshot and adopts the
/// socket).
pub fn poll(server: &mut Server) -> Option<Synced> {
    let link = server.master_link.as_mut()?;
    match link.state {
        LinkState::Connect if Instant::now() >= link.retry_at => {
            let settings = &server.config.settings;
            let (user, pass) = (settings.masteruser.clone(), settings.masterauth.clone());
            let announce_port = server
                .net
                .as_ref()
                .map_or(settings.port, |n| n.local_port());
            let (tx, rx) = mpsc::channel();
            let (host, port) = (link.host.clone(), link.port);
            link.transfer = Arc::new(Transfer::default());
            link.loads_as_it_comes = false;
            let transfer = link.transfer.clone();
            let resume = link.resume.clone();
            // `bind-source-addr`: the address the link is made from (an unreadable one is
            // ignored, as a failed bind is).
            let source = server
                .config
                .get("bind-source-addr")
                .and_then(|a| a.parse().ok());
            let load = load_as_it_comes(server);
            let loads_as_it_comes = load.is_some();
            let handshake = Handshake {
                announce_port,
                source,
                user,
                pass,
                failover: crate::failover::psync_request(server),
                resume,
                own_replid: server.replid.clone(),
                load,
                transfer,
                timeout: Duration::from_secs(server.config.settings.repl_timeout.max(1)),
            };
            let link = server.master_link.as_mut()?;
            let spawned = std::thread::Builder::new()
                .name("replica-sync".into())
                .spawn(move || {
                    let _ = tx.send(synchronize(&host, port, &handshake));
                });
            if spawned.is_ok() {
                link.sync = Some(rx);
                link.loads_as_it_comes = loads_as_it_comes;
                link.state = LinkState::Connecting;
            } else {
                link.retry_later();
            }
            None
        }
        LinkState::Connecting => {
            let result = match link.sync.as_ref().map(Receiver::try_recv) {
                Some(Ok(result)) => result,
                Some(Err(TryRecvError::Empty)) => {
                    show_transfer_loading(server);
                    return None;
                }
                Some(Err(TryRecvError::Disconnected)) | None => {
                    Err(SyncError::Link("sync thread ended".into()))
                }
            };
            link.sync = None;
            // The helper is done: its copy of the connection must not keep it open.
            if let Ok(mut kept) = link.transfer.socket.lock() {
                kept.take();
            }
            end_transfer_loading(server);
            let failing_over = server
                .failover
                .as_ref()
                .is_some_and(|f| f.state == crate::failover::State::InProgress);
            match result {
                Ok(synced) => Some(synced),
                Err(SyncError::Refused(e)) if failing_over => {
                    server.log_warning(&format!("Unexpected reply to PSYNC from master: {e}"));
                    crate::failover::abort(server, "Failover target rejected psync request");
                    None
                }
                Err(SyncError::Timeout) => {
                    let link = server.master_link.as_mut()?;
                    let in_transfer = link.transfer.phase.load(Ordering::Relaxed) == PHASE_TRANSFER;
                    link.retry_later();
                    server.log_warning(if in_transfer {
                        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
                    } else {
                        "Timeout connecting to the MASTER..."
                    });
                    None
                }
                Err(SyncError::Link(e) | SyncError::Refused(e)) => {
                    let link = server.master_link.as_mut()?;
                    link.retry_later();
                    server.log_warning(&format!("Error condition on socket for SYNC: {e}"));
                    None
                }
            }
        }
        LinkState::Connected { client_id }
            if link.last_io.elapsed()
                > Duration::from_secs(server.config.settings.repl_timeout) =>
        {
            server.log_warning("MASTER timeout: no data nor PING received...");
            close_soon(server, client_id);
            None
        }
        _ => None,
    }
}

/// Drive the link one turn ([`poll`]) and, when a synchronization finished, load its
/// snapshot in place of the data and serve its socket as the primary's client: that client's
/// id, with stream bytes that may be waiting in its query buffer.
pub fn drive(server: &mut Server, runtime: &mut redis_runtime::Runtime) -> Option<u64> {
    let synced = poll(server)?;
    let continued = synced.snapshot.is_none();
    if let Some(snapshot) = synced.snapshot {
        if let Err(e) = load_snapshot(server, runtime, &synced.replid, synced.offset, snapshot) {
            server.master_link.as_mut()?.retry_later();
            server.log_warning(&format!(
                "Failed trying to load the MASTER synchronization DB from socket: {e}"
            ));
            return None;
        }
        // A new history: this server's own replicas must synchronize again, and its stream
        // starts over at the primary's offset.
        disconnect_replicas(server);
        crate::replication::restart_stream(server, synced.offset);
    } else {
        server.log_notice("Successful partial resynchronization with master.");
        server.log_notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    }
    let link = server.master_link.as_mut()?;
    let id = server.next_client_id;
    server.next_client_id += 1;
    let mut client = crate::client::Client::new(
        id,
        format!("{}:{}", link.host, link.port),
        String::new(),
        true,
    );
    client.is_master = true;
    if continued {
        client.db = link.db;
    }
    // The replica's stream is the primary's from now on. Continuing its own stream under the
    // new primary's id, the server keeps its old id as the second one (`replid2`).
    if continued {
        if synced.replid != server.replid {
            server.log_warning(&format!(
                "Master replication ID changed to {}",
                synced.replid
            ));
            server.replid2 = std::mem::replace(&mut server.replid, synced.replid);
            server.second_repl_offset = synced.offset as i64 + 1;
            // This server's replicas must learn the new id: they reconnect, and continue
            // under the old one as its second.
            disconnect_replicas(server);
        }
    } else {
        server.replid = synced.replid;
        server.replid2 = "0".repeat(40);
        server.second_repl_offset = -1;
    }
    if continued {
        crate::replication::create_backlog(server);
    }
    let link = server.master_link.as_mut()?;
    link.offset = synced.offset;
    link.resume = None;
    link.db = 0;
    link.transaction.clear();
    link.last_io = Instant::now();
    link.last_ack = Instant::now();
    // After a snapshot, acknowledge at once: a primary that streamed it without its length
    // starts the stream only then.
    link.ack_due = !continued;
    link.state = LinkState::Connected { client_id: id };
    if !crate::net::adopt(server, synced.stream, synced.leftover, client) {
        if let Some(link) = server.master_link.as_mut() {
            link.retry_later();
        }
        return None;
    }
    if !continued {
        server.log_notice("MASTER <-> REPLICA sync: Finished with success");
    }
    // A failover's handover is complete: the target is the primary now.
    crate::failover::finished(server);
    Some(id)
}

/// Load a primary's snapshot in place of the data.
fn load_snapshot(
    server: &mut Server,
    runtime: &mut redis_runtime::Runtime,
    replid: &str,
    offset: u64,
    snapshot: crate::replica_transfer::Snapshot,
) -> Result<(), String> {
    server.log_notice(&format!("Full resync from master: {replid}:{offset}"));
    let loaded = match snapshot {
        crate::replica_transfer::Snapshot::Loaded(loaded) => *loaded,
        crate::replica_transfer::Snapshot::File(bytes) => {
            server.log_notice(&format!(
                "MASTER <-> REPLICA sync: Loading DB in memory ({} bytes)",
                bytes.len()
            ));
            let limits = server.config.settings.encoding;
            // A replica keeps the keys whose time has passed: its primary expires them.
            crate::rdb::load::load(&bytes, server.keyspace.dbs.len(), &limits, i64::MIN)?
        }
    };
    let mode = crate::persist::LoadMode {
        flush: true,
        merge: false,
    };
    crate::persist::install(server, runtime, loaded, mode)
}

/// Under `repl-diskless-load` (`swapdb`, or `on-empty-db` with no keys), the snapshot is read
/// as it comes, as Redis loads it straight from the socket; otherwise it is kept whole first,
/// as Redis writes it to disk first.
fn load_as_it_comes(server: &Server) -> Option<crate::replica_transfer::LoadAsItComes> {
    let on = match server.config.get("repl-diskless-load") {
        Some("swapdb") => true,
        Some("on-empty-db") => server.keyspace.dbs.iter().all(|db| db.keys.is_empty()),
        _ => false,
    };
    let key_delay = server
        .config
        .get("key-load-delay")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    on.then(|| crate::replica_transfer::LoadAsItComes {
        databases: server.keyspace.dbs.len(),
        limits: server.config.settings.encoding,
        key_delay,
    })
}

/// Once a second, owe the primary an acknowledgement: the client to flush it to.
pub fn ack_tick(server: &mut Server) -> Option<u64> {
    let link = server.master_link.as_mut()?;
    let id = link.client_id()?;
    if link.last_ack.elapsed() < Duration::from_secs(1) {
        return None;
    }
    link.last_ack = Instant::now();
    link.ack_due = true;
    Some(id)
}

/// An error replied on a replication link, which nobody reads (Redis's `afterErrorReply`):
/// by this server to its primary's stream (`replica`: a request of the stream failed), or to
/// one of its replicas (a replica sent a command that failed). It is logged, with the end
/// of the backlog when the stream failed, and counted (`unexpected_error_replies`).
pub fn error_on_link(server: &mut Server, client: &crate::client::Client, reply_start: usize) {
    let reply = &client.reply.buf[reply_start + 1..];
    let end = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(reply.len())
        .min(4096);
    let text = String::from_utf8_lossy(&reply[..end]);
    let command = match &*client.last_command {
        "NULL" => "<unknown>",
        name => name,
    };
    let (from, to) = if client.is_master {
        ("replica", "master")
    } else {
        ("master", "replica")
    };
    server.log_warning(&format!(
        "== CRITICAL == This {from} is sending an error to its {to}: '{text}' after processing the command '{command}'"
    ));
    if client.is_master {
        if let Some(tail) = crate::replication::backlog_tail(server, 256) {
            let shown = crate::util::repr(&tail);
            server.log_warning(&format!("Latest backlog is: '{shown}'"));
        }
    }
    server.stats.unexpected_error_replies += 1;
}

/// Bytes arrived from the primary (the link is alive).
pub fn heard_from(server: &mut Server) {
    if let Some(link) = server.master_link.as_mut() {
        link.last_io = Instant::now();
    }
}

/// The primary's client ran one request of the stream, its raw `bytes`; `in_transaction`
/// when it left a MULTI open. A request counts toward the offset (and is passed on to the
/// backlog and this server's replicas) once applied: a transaction's at its EXEC, as Redis
/// counts `reploff`, so a link lost inside one is taken up again from its MULTI.
pub fn stream_applied(server: &mut Server, bytes: &[u8], in_transaction: bool) {
    let Some(link) = server.master_link.as_mut() else {
        return;
    };
    if in_transaction || !link.transaction.is_empty() {
        link.transaction.extend_from_slice(bytes);
        if in_transaction {
            return;
        }
        let applied = std::mem::take(&mut link.transaction);
        link.offset += applied.len() as u64;
        crate::replication::proxy(server, &applied);
    } else {
        link.offset += bytes.len() as u64;
        crate::replication::proxy(server, bytes);
    }
}

/// What the helper thread needs for the handshake.
struct Handshake {
    /// The port this server says it listens on.
    announce_port: u16,
    /// The local address to connect from, if one is configured.
    source: Option<std::net::IpAddr>,
    user: String,
    pass: String,
    /// Failing over to this primary: this server's replication id and next offset, sent as
    /// `PSYNC <id> <offset> FAILOVER`.
    failover: Option<(String, u64)>,
    /// Otherwise, the history to go on from (`PSYNC <id> <offset>`), if any.
    resume: Option<(String, u64)>,
    /// This server's replication id now.
    own_replid: String,
    /// Under `repl-diskless-load`: read the snapshot as it comes, so.
    load: Option<crate::replica_transfer::LoadAsItComes>,
    /// Where the snapshot transfer's progress is reported.
    transfer: Arc<Transfer>,
    /// `repl-timeout`: longest wait for the connection or for the primary's next bytes.
    timeout: Duration,
}

/// The helper thread's work: connect, shake hands, receive the snapshot.
fn synchronize(host: &str, port: u16, handshake: &Handshake) -> Result<Synced, SyncError> {
    let (user, pass) = (handshake.user.as_str(), handshake.pass.as_str());
    use std::net::ToSocketAddrs;
    let address = (host, port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("no address for {host}"))?;
    handshake
        .transfer
        .phase
        .store(PHASE_CONNECTING, Ordering::Relaxed);
    let stream =
        crate::connect::connect(address, handshake.source, handshake.timeout).map_err(io_error)?;
    if let (Ok(mut kept), Ok(copy)) = (handshake.transfer.socket.lock(), stream.try_clone()) {
        *kept = Some(copy);
    }
    handshake
        .transfer
        .phase
        .store(PHASE_HANDSHAKE, Ordering::Relaxed);
    stream
        .set_read_timeout(Some(handshake.timeout))
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);

    let mut ask = |argv: &[&str], reader: &mut BufReader<TcpStream>| -> Result<String, SyncError> {
        let mut request = Vec::new();
        crate::aof::encode(&mut request, argv);
        writer.write_all(&request).map_err(io_error)?;
        read_line(reader)
    };
    let pong = ask(&["PING"], &mut reader)?;
    if pong.starts_with('-') && !pong.starts_with("-NOAUTH") && !pong.starts_with("-NOPERM") {
        return Err(format!("Error reply to PING from master: '{pong}'").into());
    }
    if !pass.is_empty() {
        let mut argv = vec!["AUTH"];
        if !user.is_empty() {
            argv.push(user);
        }
        argv.push(pass);
        let reply = ask(&argv, &mut reader)?;
        if reply.starts_with('-') {
            return Err(format!("Unable to AUTH to MASTER: {reply}").into());
        }
    }
    let port_text = handshake.announce_port.to_string();
    let reply = ask(&["REPLCONF", "listening-port", &port_text], &mut reader)?;
    if reply.starts_with('-') {
        return Err(format!("Master refused REPLCONF listening-port: {reply}").into());
    }
    // `eof`: the snapshot may come as a stream closed by a mark instead of with its length
    // (a primary's diskless transfer).
    ask(&["REPLCONF", "capa", "eof", "capa", "psync2"], &mut reader)?;
    let mut reply = match (&handshake.failover, &handshake.resume) {
        (Some((replid, offset)), _) => {
            let offset = offset.to_string();
            ask(&["PSYNC", replid, &offset, "FAILOVER"], &mut reader)?
        }
        (None, Some((replid, offset))) => {
            ask(&["PSYNC", replid, &offset.to_string()], &mut reader)?
        }
        (None, None) => ask(&["PSYNC", "?", "-1"], &mut reader)?,
    };
    // A primary may send newlines before it answers (keep-alives while a save is awaited).
    while reply.is_empty() {
        reply = read_line(&mut reader)?;
    }
    if let Some((replid, offset)) = handshake.failover.as_ref().or(handshake.resume.as_ref()) {
        if reply == "+CONTINUE" || reply.starts_with("+CONTINUE ") {
            let new_id = reply.strip_prefix("+CONTINUE ").unwrap_or(replid).trim();
            let leftover = reader.buffer().to_vec();
            let stream = reader.into_inner();
            stream.set_read_timeout(None).map_err(|e| e.to_string())?;
            return Ok(Synced {
                stream,
                snapshot: None,
                replid: new_id.to_string(),
                offset: offset.saturating_sub(1),
                leftover,
            });
        }
    }
    if reply.starts_with('-') {
        return Err(SyncError::Refused(reply));
    }
    let Some(rest) = reply.strip_prefix("+FULLRESYNC ") else {
        return Err(format!("Unexpected reply to PSYNC from master: {reply}").into());
    };
    let mut fields = rest.split(' ');
    let replid = fields.next().unwrap_or("?").to_string();
    let offset = fields
        .next()
        .and_then(|o| o.parse::<u64>().ok())
        .ok_or_else(|| format!("Bad offset in +FULLRESYNC: {rest}"))?;
    handshake
        .transfer
        .same_history
        .store(replid == handshake.own_replid, Ordering::Relaxed);
    handshake
        .transfer
        .phase
        .store(PHASE_TRANSFER, Ordering::Relaxed);

    // The primary sends newlines while it prepares the snapshot, then `$<length>`.
    let header = loop {
        let line = read_line(&mut reader)?;
        if !line.is_empty() {
            break line;
        }
    };
    let snapshot = crate::replica_transfer::receive(
        &mut reader,
        &header,
        &handshake.transfer,
        handshake.load,
    )?;
    let leftover = reader.buffer().to_vec();
    let stream = reader.into_inner();
    stream.set_read_timeout(None).map_err(|e| e.to_string())?;
    Ok(Synced {
        stream,
        snapshot: Some(snapshot),
        replid,
        offset,
        leftover,
    })
}

/// One reply line without its line end; bounded, so a hostile primary cannot grow it.
fn read_line(reader: &mut BufReader<TcpStream>) -> Result<String, SyncError> {
    crate::util::read_reply_line(reader, 64 * 1024).map_err(io_error)
}
