//! Replicas: a client that sends SYNC or PSYNC gets a snapshot of the dataset, then every
//! change as the commands Redis propagates (the stream the append-only file gets: a SELECT
//! when the database changes, a script's or a transaction's commands in MULTI/EXEC), and a
//! PING every `repl-ping-replica-period` seconds. What Redis's test suite reads with
//! `attach_to_replication_stream`, and what a replica loads.
//!
//! This server is always a primary: it feeds replicas; it does not follow another server.

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
    /// A replica has attached once (Redis creates its backlog then).
    pub backlog_active: bool,
    last_ping: Instant,
    /// A client blocked in WAIT: ask the replicas for their offsets before sleeping.
    pub getack_wanted: bool,
    /// A replica acknowledged an offset this turn: clients in WAIT are looked at after the
    /// turn's commands (the acknowledging replica is not among the connected clients while
    /// its `REPLCONF ACK` runs, so it could not be counted then).
    pub acks_arrived: bool,
}

/// One attached replica.
pub struct Replica {
    pub client_id: u64,
    /// The offset it last acknowledged (`REPLCONF ACK`), and when.
    pub ack_offset: u64,
    pub ack_time: Instant,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            replicas: Vec::new(),
            selected_db: None,
            offset: 0,
            backlog_active: false,
            last_ping: Instant::now(),
            getack_wanted: false,
            acks_arrived: false,
        }
    }
}

/// Make `client_id` a replica, from the next byte of the stream on.
pub fn attach(server: &mut Server, client_id: u64) {
    let replication = &mut server.replication;
    replication.selected_db = None;
    replication.backlog_active = true;
    replication.last_ping = Instant::now();
    replication.replicas.push(Replica {
        client_id,
        ack_offset: 0,
        ack_time: Instant::now(),
    });
    server.propagation_changed();
}

/// `REPLCONF ACK <offset>` from a replica.
pub fn acknowledge(server: &mut Server, client_id: u64, offset: u64) {
    if let Some(r) = server
        .replication
        .replicas
        .iter_mut()
        .find(|r| r.client_id == client_id)
    {
        r.ack_offset = offset;
        r.ack_time = Instant::now();
    }
    server.replication.acks_arrived = true;
}

/// After the turn's commands: answer the clients in WAIT that acknowledgements received this
/// turn satisfy.
pub fn serve_acks(server: &mut Server) {
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
    if server.replication.replicas.is_empty() {
        return;
    }
    let mut getack = Vec::new();
    crate::aof::encode(&mut getack, &[&b"REPLCONF"[..], b"GETACK", b"*"]);
    send(server, &getack);
}

/// Send what one command changed to every replica.
pub fn feed(server: &mut Server, ops: &[crate::aof::Propagated], transaction: bool) {
    if server.replication.replicas.is_empty() {
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

/// The periodic task's part: the PING that tells replicas the primary is alive (sent without
/// a SELECT, and in lower case, as Redis sends it).
pub fn cron(server: &mut Server) {
    if server.replication.replicas.is_empty() {
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

/// A replica's connection closed.
pub fn detach(server: &mut Server, client_id: u64) {
    server
        .replication
        .replicas
        .retain(|r| r.client_id != client_id);
    server.propagation_changed();
}

fn send(server: &mut Server, chunk: &[u8]) {
    server.replication.offset += chunk.len() as u64;
    for r in &server.replication.replicas {
        if let Some(client) = server.clients.get_mut(&r.client_id) {
            client.reply.buf.extend_from_slice(chunk);
            server.pending_flush.push(r.client_id);
        }
    }
}

/// The replicas still connected, in the order they attached.
pub fn connected(server: &Server) -> impl Iterator<Item = &Replica> {
    server
        .replication
        .replicas
        .iter()
        .filter(|r| server.clients.contains_key(&r.client_id))
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
