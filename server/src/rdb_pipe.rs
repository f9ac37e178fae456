//! A diskless synchronization's transfer (Redis's `rdbSaveToSlavesSockets` and its pipe
//! handlers): a forked child writes the snapshot between two copies of a random mark into a
//! pipe, and the event loop passes each chunk it reads to every replica taking part. No file
//! is written, and the snapshot's size never matters to the parent's memory.
//!
//! The next chunk is read only once every replica has written the previous one, so the
//! slowest replica sets the pace and nothing piles up in the parent. A replica stuck for
//! `repl-timeout` is dropped, and when none is left the child is stopped.
//!
//! The child does not exit when it has written everything: it waits until the parent closes
//! a second pipe, which the parent does on reading the end of the first. So when the child
//! is collected with success, every replica has been given the whole snapshot
//! ([`crate::full_sync::streamed_done`]).

use crate::server::Server;
use mio::unix::pipe::{Receiver, Sender};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::time::Instant;

/// Bytes read from the pipe at a time (Redis's `PROTO_IOBUF_LEN`).
const CHUNK: usize = 16 * 1024;
/// The most passed on in one turn of the event loop, so other clients are served between.
const TURN_BUDGET: usize = 4 * 1024 * 1024;

/// A transfer under way.
#[derive(Debug)]
pub struct Transfer {
    /// The snapshot's way from the child (which holds the writing end).
    pipe: Receiver,
    /// Closed (`None`) once the pipe's end was read: the child may exit then.
    child_may_exit: Option<Sender>,
    /// The replicas it goes to (those gone are skipped).
    replicas: Vec<Receiving>,
    chunk: Box<[u8]>,
    /// This turn's share was passed on and more may wait: the loop should not sleep.
    more_now: bool,
}

impl Transfer {
    /// Whether the pipe's end was read (the child was told it may exit).
    fn read_all(&self) -> bool {
        self.child_may_exit.is_none()
    }
}

/// A replica taking part, and since when its output has not shrunk (a stuck replica is
/// dropped after `repl-timeout`).
#[derive(Debug)]
struct Receiving {
    id: u64,
    pending: usize,
    since: Instant,
}

/// Fork the child streaming the snapshot to replicas `ids` (which then wait for its end).
pub fn start(server: &mut Server, ids: Vec<u64>) -> std::io::Result<()> {
    let (to_parent, mut pipe) = mio::unix::pipe::new()?;
    to_parent.set_nonblocking(false)?;
    let (child_may_exit, exit_signal) = mio::unix::pipe::new()?;
    exit_signal.set_nonblocking(false)?;
    if let Some(net) = server.net.as_mut() {
        net.register_rdb_pipe(&mut pipe)?;
    }
    let mark = server.random_id();
    let parent_ends = [pipe.as_raw_fd(), child_may_exit.as_raw_fd()];
    let child = crate::persist::fork_snapshot(
        server,
        "redis-rdb-to-slaves",
        &parent_ends,
        // The child's ends move into the work, so the parent's copies close when it is
        // dropped, unrun, after the fork.
        move |snapshot_of, progress| {
            let out = std::io::BufWriter::with_capacity(CHUNK, to_parent);
            let written =
                crate::persist::write_marked_snapshot(snapshot_of, progress, mark.as_bytes(), out);
            // `out` is gone: the parent reads the end of the pipe. Wait for it to say so
            // (the read ends when it closes its end, or dies).
            let mut exit_signal = exit_signal;
            let _ = exit_signal.read(&mut [0u8; 1]);
            written.is_ok()
        },
    );
    let child = match child {
        Ok((child, info)) => {
            server.rdb.child_info = info;
            child
        }
        Err(e) => {
            if let Some(net) = server.net.as_mut() {
                net.deregister_rdb_pipe(&mut pipe);
            }
            crate::persist::log_fork_failure(server, &e);
            return Err(e);
        }
    };
    server.log_notice(&format!(
        "Background RDB transfer started by pid {}",
        child.pid()
    ));
    server.rdb.child = Some(child);
    server.rdb.child_started = Some((Instant::now(), server.keyspace.dirty));
    let now = Instant::now();
    server.rdb.transfer = Some(Transfer {
        pipe,
        child_may_exit: Some(child_may_exit),
        replicas: ids
            .into_iter()
            .map(|id| Receiving {
                id,
                pending: 0,
                since: now,
            })
            .collect(),
        chunk: vec![0; CHUNK].into_boxed_slice(),
        more_now: false,
    });
    Ok(())
}

/// Whether the transfer has more to pass on at once (the event loop should not sleep).
pub fn more_now(server: &Server) -> bool {
    server.rdb.transfer.as_ref().is_some_and(|t| t.more_now)
}

/// Pass on what the pipe holds, chunk by chunk, while every replica takes it: called when
/// the pipe is readable and after each turn's writes (a replica may have caught up).
pub fn pump(server: &mut Server) {
    let Some(transfer) = server.rdb.transfer.as_mut() else {
        return;
    };
    transfer.more_now = false;
    let mut passed = 0;
    loop {
        let Some(transfer) = server.rdb.transfer.as_ref() else {
            return;
        };
        if transfer.read_all() {
            return;
        }
        let still_writing = transfer.replicas.iter().any(|r| {
            server
                .clients
                .get(&r.id)
                .is_some_and(|c| crate::net::pending_output(server, c) > 0)
        });
        if still_writing {
            return;
        }
        let Some(transfer) = server.rdb.transfer.as_mut() else {
            return;
        };
        if passed >= TURN_BUDGET {
            transfer.more_now = true;
            return;
        }
        let read = transfer.pipe.read(&mut transfer.chunk);
        match read {
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                server.log_warning(&format!(
                    "Diskless rdb transfer, read error sending DB to replicas: {}",
                    crate::util::strerror(&e)
                ));
                abandon(server);
                return;
            }
            Ok(0) => {
                read_all(server);
                return;
            }
            Ok(n) => {
                passed += n;
                if pass_on(server, n) == 0 {
                    server.log_warning(
                        "Diskless rdb transfer, last replica dropped, killing fork child.",
                    );
                    abandon(server);
                    return;
                }
            }
        }
    }
}

/// Give the chunk's first `len` bytes to every replica still there and write them; how many
/// are still there after.
fn pass_on(server: &mut Server, len: usize) -> usize {
    let Some(transfer) = server.rdb.transfer.as_mut() else {
        return 0;
    };
    let chunk = &transfer.chunk[..len];
    let mut alive = Vec::with_capacity(transfer.replicas.len());
    for receiving in &transfer.replicas {
        if let Some(client) = server.clients.get_mut(&receiving.id) {
            client.reply.buf.extend_from_slice(chunk);
            alive.push(receiving.id);
        }
    }
    for &id in &alive {
        crate::net::flush_client(server, id);
    }
    let now = Instant::now();
    let mut still_there = 0;
    for &id in &alive {
        let Some(pending) = server
            .clients
            .get(&id)
            .map(|c| crate::net::pending_output(server, c))
        else {
            continue;
        };
        still_there += 1;
        if let Some(r) = server
            .rdb
            .transfer
            .as_mut()
            .and_then(|t| t.replicas.iter_mut().find(|r| r.id == id))
        {
            r.pending = pending;
            r.since = now;
        }
    }
    still_there
}

/// The child closed its end: every replica was given the whole snapshot (or it died, which
/// its exit status tells). The child may exit now.
fn read_all(server: &mut Server) {
    let Some(mut transfer) = server.rdb.transfer.take() else {
        return;
    };
    if let Some(net) = server.net.as_mut() {
        net.deregister_rdb_pipe(&mut transfer.pipe);
    }
    let up = transfer
        .replicas
        .iter()
        .filter(|r| server.clients.contains_key(&r.id))
        .count();
    server.log_warning(&format!(
        "Diskless rdb transfer, done reading from pipe, {up} replicas still up."
    ));
    transfer.child_may_exit = None;
    server.rdb.transfer = Some(transfer);
}

/// Stop the child (its snapshot reaches nobody); its replicas are dropped.
fn abandon(server: &mut Server) {
    if crate::persist::kill_background_save(server) {
        crate::full_sync::streamed_done(server, false);
    }
}

/// The child is gone: stop watching the pipe (Redis's `backgroundSaveDoneHandlerSocket`).
pub fn finish(server: &mut Server) {
    if let Some(mut transfer) = server.rdb.transfer.take() {
        if !transfer.read_all() {
            if let Some(net) = server.net.as_mut() {
                net.deregister_rdb_pipe(&mut transfer.pipe);
            }
        }
    }
}

/// The periodic task's part: drop a replica whose output has not shrunk for `repl-timeout`
/// seconds, as it holds the transfer back for all.
pub fn cron(server: &mut Server) {
    let Some(transfer) = server.rdb.transfer.as_ref() else {
        return;
    };
    let pending: Vec<(u64, Option<usize>)> = transfer
        .replicas
        .iter()
        .map(|r| {
            let client = server.clients.get(&r.id);
            (r.id, client.map(|c| crate::net::pending_output(server, c)))
        })
        .collect();
    let timeout = server.config.settings.repl_timeout;
    let now = Instant::now();
    let mut stuck = Vec::new();
    if let Some(transfer) = server.rdb.transfer.as_mut() {
        for (r, (_, pending)) in transfer.replicas.iter_mut().zip(pending) {
            let Some(pending) = pending else {
                continue;
            };
            if pending == 0 || pending != r.pending {
                r.pending = pending;
                r.since = now;
            } else if now.duration_since(r.since).as_secs() > timeout {
                stuck.push(r.id);
            }
        }
    }
    for id in stuck {
        let name = crate::replication::replica_mut(server, id).map(|r| r.name.clone());
        server.log_warning(&format!(
            "Disconnecting timedout replica (full sync): {}",
            name.unwrap_or_default()
        ));
        crate::net::close_client(server, id);
    }
}
