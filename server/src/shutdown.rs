//! A shutdown (SHUTDOWN, or the signal the periodic task carries out) on a primary whose
//! replicas are behind waits for them, as Redis 7.0 does, so what they were sent is not
//! lost: writes pause, the replicas are asked to acknowledge (`REPLCONF GETACK`), and the
//! shutdown finishes when all have caught up or `shutdown-timeout` seconds have passed.
//! `SHUTDOWN ABORT` cancels the wait; `NOW`/`FORCE` skip it.

use crate::server::{Pause, Server, Shutdown};
use std::time::{Duration, Instant};

/// A shutdown waiting for replicas.
#[derive(Debug)]
pub struct Waiting {
    pub mode: Shutdown,
    pub deadline: Instant,
    /// The clients whose SHUTDOWN waits (none for a signal): answered only if it fails.
    pub callers: Vec<u64>,
    /// A `CLIENT PAUSE` the wait's own write pause replaced, put back if it is cancelled.
    paused_before: Option<Pause>,
}

/// Whether some replica has not acknowledged everything sent to it.
fn lagging(server: &Server) -> bool {
    let offset = server.replication.offset;
    server
        .replication
        .replicas
        .iter()
        .any(|r| r.ack_offset != offset)
}

/// Start waiting for the replicas before a shutdown in `mode`, when some are behind and
/// `shutdown-timeout` allows: whether the shutdown now waits (the periodic task finishes it).
pub fn begin_wait(server: &mut Server, mode: Shutdown, caller: Option<u64>) -> bool {
    let timeout: u64 = server
        .config
        .get("shutdown-timeout")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    if timeout == 0 || server.master_link.is_some() || !lagging(server) {
        return false;
    }
    let paused_before = server.pause.take();
    // Writes wait (reads go on) until the shutdown ends or is cancelled.
    server.pause = Some(Pause {
        until: Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600),
        all: false,
    });
    server.replication.getack_wanted = true;
    crate::replication::request_acks(server);
    server.shutdown_wait = Some(Waiting {
        mode,
        deadline: Instant::now() + Duration::from_secs(timeout),
        callers: caller.into_iter().collect(),
        paused_before,
    });
    server.log_notice("Waiting for replicas before shutting down.");
    true
}

/// Milliseconds left before a waiting shutdown goes ahead anyway (`shutdown_in_milliseconds`).
pub fn remaining_ms(server: &Server) -> u128 {
    server.shutdown_wait.as_ref().map_or(0, |w| {
        w.deadline
            .saturating_duration_since(Instant::now())
            .as_millis()
    })
}

/// The periodic task's part: finish a waiting shutdown once the replicas caught up or the
/// time ran out.
pub fn cron(server: &mut Server) {
    let Some(wait) = server.shutdown_wait.as_ref() else {
        return;
    };
    if lagging(server) && Instant::now() < wait.deadline {
        return;
    }
    let Some(wait) = server.shutdown_wait.take() else {
        return;
    };
    server.pause = wait.paused_before;
    log_replicas(server);
    if crate::persist::prepare_for_shutdown(server, wait.mode, false).is_ok() {
        server.shutdown = Some(wait.mode);
    } else {
        answer_callers(server, &wait.callers);
    }
}

/// `SHUTDOWN ABORT` during the wait: writes go on and the waiting caller is told; whether a
/// shutdown was waiting.
pub fn abort(server: &mut Server) -> bool {
    let Some(wait) = server.shutdown_wait.take() else {
        return false;
    };
    server.pause = wait.paused_before;
    answer_callers(server, &wait.callers);
    true
}

/// Another SHUTDOWN while one waits: it waits too; whether one was waiting.
pub fn join_wait(server: &mut Server, caller: u64) -> bool {
    match server.shutdown_wait.as_mut() {
        Some(wait) => {
            wait.callers.push(caller);
            true
        }
        None => false,
    }
}

fn answer_callers(server: &mut Server, callers: &[u64]) {
    for &id in callers {
        crate::blocking::unblock_with_error(
            server,
            id,
            "ERR Errors trying to SHUTDOWN. Check logs.",
        );
    }
}

/// What Redis logs about the replicas as it shuts down: each one behind, then how many are
/// in sync.
pub fn log_replicas(server: &Server) {
    let offset = server.replication.offset;
    let replicas = &server.replication.replicas;
    if replicas.is_empty() {
        return;
    }
    let mut lagging = 0;
    for replica in replicas {
        if replica.ack_offset == offset {
            continue;
        }
        lagging += 1;
        let name = server
            .clients
            .get(&replica.client_id)
            .map(crate::replication::replica_name)
            .unwrap_or_default();
        server.log_warning(&format!(
            "Lagging replica {name} reported offset {} behind master, lag={}, state=online.",
            offset.saturating_sub(replica.ack_offset),
            replica.ack_time.elapsed().as_secs()
        ));
    }
    server.log_notice(&format!(
        "{} of {} replicas are in sync when shutting down.",
        replicas.len() - lagging,
        replicas.len()
    ));
}
