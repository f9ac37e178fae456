//! FAILOVER: hand the primary role to a replica without losing a write (Redis 7.0's
//! coordinated failover).
//!
//! 1. Writes are paused (as `CLIENT PAUSE WRITE` pauses them) so the stream stops growing.
//! 2. The periodic task waits for the chosen replica (or any) to acknowledge the whole stream.
//! 3. This server then follows that replica, asking with `PSYNC <replid> <offset+1> FAILOVER`,
//!    which makes the replica a primary and lets it continue this server's stream.
//! 4. When the synchronization succeeds the failover ends and paused clients run (as a
//!    replica's clients: writes get READONLY). A target that refuses the request, or a
//!    timeout without `FORCE`, aborts it and this server stays (or becomes again) the primary.

use crate::server::Server;
use std::time::Instant;

/// A failover under way.
pub struct Failover {
    /// The replica to hand over to (`TO host port`); chosen once one catches up otherwise.
    pub target: Option<(String, u16)>,
    /// When to give up waiting (or, with `force`, to fail over anyway).
    pub deadline: Option<Instant>,
    pub force: bool,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Writes are paused until a replica acknowledges the whole stream.
    WaitForSync,
    /// This server follows the target and asks it to take over.
    InProgress,
}

/// `master_failover_state` in `INFO replication`.
pub fn state_name(server: &Server) -> &'static str {
    match server.failover.as_ref().map(|f| f.state) {
        None => "no-failover",
        Some(State::WaitForSync) => "waiting-for-sync",
        Some(State::InProgress) => "failover-in-progress",
    }
}

/// Writes wait while a failover is under way.
pub fn pauses_writes(server: &Server) -> bool {
    server.failover.is_some()
}

/// The `PSYNC` arguments a failing-over server sends its target: its replication id and the
/// offset just past its stream.
pub fn psync_request(server: &Server) -> Option<(String, u64)> {
    let failover = server.failover.as_ref()?;
    (failover.state == State::InProgress)
        .then(|| (server.replid.clone(), server.replication.offset + 1))
}

/// The replica at `host:port` (the port it listens on), as `findReplica` matches it.
pub fn find_replica(server: &Server, host: &str, port: u16) -> Option<u64> {
    crate::replication::connected(server)
        .find(|r| {
            server.clients.get(&r.client_id).is_some_and(|c| {
                c.replica_port == i64::from(port) && crate::replication::replica_ip(&c.addr) == host
            })
        })
        .map(|r| r.client_id)
}

/// The periodic step (`updateFailoverStatus`): give up or force at the deadline, and start
/// the handover once the target acknowledged everything.
pub fn tick(server: &mut Server) {
    let Some(failover) = server.failover.as_ref() else {
        return;
    };
    if failover.state != State::WaitForSync {
        return;
    }
    if failover.deadline.is_some_and(|d| Instant::now() >= d) {
        match failover.target.clone() {
            Some((host, port)) if failover.force => {
                server.log_notice(&format!(
                    "FAILOVER to {host}:{port} time out exceeded, failing over."
                ));
                hand_over(server, host, port);
            }
            _ => abort(server, "Replica never caught up before timeout"),
        }
        return;
    }
    let offset = server.replication.offset;
    let caught_up = |server: &Server, id: u64| {
        crate::replication::connected(server).any(|r| r.client_id == id && r.ack_offset == offset)
    };
    let target = match failover.target.clone() {
        Some((host, port)) => find_replica(server, &host, port)
            .filter(|&id| caught_up(server, id))
            .map(|_| (host, port)),
        None => crate::replication::connected(server)
            .filter(|r| r.ack_offset == offset)
            .find_map(|r| server.clients.get(&r.client_id))
            .map(|c| {
                let host = crate::replication::replica_ip(&c.addr).to_string();
                (host, u16::try_from(c.replica_port).unwrap_or(0))
            }),
    };
    if let Some((host, port)) = target {
        server.log_notice(&format!(
            "Failover target {host}:{port} is synced, failing over."
        ));
        hand_over(server, host, port);
    }
}

/// Follow the target, asking it to take over.
fn hand_over(server: &mut Server, host: String, port: u16) {
    if let Some(failover) = server.failover.as_mut() {
        failover.target = Some((host.clone(), port));
        failover.state = State::InProgress;
    }
    crate::replica::set_master(server, host, port);
}

/// The target accepted: the failover is over (`clearFailoverState`), paused clients run.
pub fn finished(server: &mut Server) {
    server.failover = None;
}

/// Give up (`abortFailover`): back to being the primary if the handover had started.
pub fn abort(server: &mut Server, reason: &str) {
    let Some(failover) = server.failover.take() else {
        return;
    };
    match &failover.target {
        Some((host, port)) => {
            server.log_notice(&format!("FAILOVER to {host}:{port} aborted: {reason}"));
        }
        None => server.log_notice(&format!("FAILOVER to any replica aborted: {reason}")),
    }
    if failover.state == State::InProgress {
        crate::replica::unset_master(server);
    }
}
