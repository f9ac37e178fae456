//! Clients blocked in BLPOP, BLMOVE, BZPOPMIN and the like: registering them on their keys,
//! serving them in the order they blocked when a key receives data (by running their command
//! again), and answering those whose timeout passes.

use crate::client::{Blocked, Client};
use crate::commands::{process, Ctx};
use crate::server::Server;
use std::time::Instant;

/// Blocking commands whose serving Redis does not count as a change (`serveClientBlockedOnList`).
const SERVED_UNCOUNTED: [&[u8]; 4] = [b"blpop", b"brpop", b"blmove", b"brpoplpush"];

/// The type of key a blocking command waits for.
fn wanted_type(command: &[u8]) -> &'static str {
    if command
        .first()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'x'))
    {
        "stream"
    } else if command.len() > 1 && command[1].eq_ignore_ascii_case(&b'z') {
        "zset"
    } else {
        "list"
    }
}

/// After a command ran: if it asked to block, register the client on its keys.
/// Returns whether the client is now blocked.
pub fn register_if_requested(server: &mut Server, client: &mut Client, argv: &[&[u8]]) -> bool {
    let Some(request) = client.block_request.take() else {
        return false;
    };
    for key in &request.keys {
        server.keyspace.block(client.id, client.db, key);
    }
    if let Some(deadline) = request.deadline {
        server.block_deadlines.insert((deadline, client.id));
    }
    client.argv_mem = argv.iter().map(|a| a.len()).sum();
    client.blocked = Some(Blocked {
        db: client.db,
        keys: request.keys,
        deadline: request.deadline,
        argv: request
            .argv
            .unwrap_or_else(|| argv.iter().map(|a| a.to_vec()).collect()),
        wants: wanted_type(argv[0]),
        replicas: request.replicas,
    });
    true
}

/// Whether a blocked client waits in XREADGROUP (whose consumer group lives in the stream).
fn in_readgroup(client: &Client) -> bool {
    client
        .blocked
        .as_ref()
        .and_then(|b| b.argv.first())
        .is_some_and(|name| name.eq_ignore_ascii_case(b"xreadgroup"))
}

/// Whether the consumer group a client blocked in XREADGROUP names (`GROUP <name>`) still
/// exists in the stream at `key`.
fn group_exists(server: &Server, db: usize, key: &[u8], client: &Client) -> bool {
    let group = client.blocked.as_ref().and_then(|b| b.argv.get(2));
    match (server.keyspace.dbs[db].keys.get(key), group) {
        (Some(crate::db::Value::Stream(stream)), Some(group)) => {
            stream.groups.contains_key(group.as_slice())
        }
        _ => false,
    }
}

/// Take a client out of every blocking registry.
pub fn unregister(server: &mut Server, client: &mut Client) -> Option<Blocked> {
    let blocked = client.blocked.take()?;
    client.argv_mem = 0;
    for key in &blocked.keys {
        server.keyspace.unblock(client.id, blocked.db, key);
    }
    if let Some(deadline) = blocked.deadline {
        server.block_deadlines.remove(&(deadline, client.id));
    }
    Some(blocked)
}

/// Serve the clients blocked on keys that received data; the ids of those served.
pub fn serve_ready(server: &mut Server) -> Vec<u64> {
    let mut served = Vec::new();
    // Bounded: each round serves at least one client or ends.
    for _ in 0..10_000 {
        let ready = std::mem::take(&mut server.keyspace.ready_keys);
        if ready.is_empty() {
            break;
        }
        for (db, key) in ready {
            for id in server.keyspace.blocked_on(db, &key) {
                let holds = server
                    .keyspace
                    .dbs
                    .get(db)
                    .and_then(|d| d.keys.get(&key))
                    .map(|v| v.type_name());
                let Some(mut client) = server.clients.remove(&id) else {
                    continue;
                };
                let wants = client.blocked.as_ref().map(|b| b.wants);
                let lost = if wants != Some("stream") || !in_readgroup(&client) {
                    None
                } else if holds != wants {
                    Some(("UNBLOCKED", "UNBLOCKED the stream key no longer exists"))
                } else if !group_exists(server, db, &key, &client) {
                    Some((
                        "NOGROUP",
                        "NOGROUP the consumer group this client was blocked on no longer exists",
                    ))
                } else {
                    None
                };
                if let Some((code, text)) = lost {
                    // It can never be served: its group went (with its stream, or alone).
                    unregister(server, &mut client);
                    client.reply.error(text);
                    server.stats.count_error(code);
                    // The blocked call ends here, failed.
                    count_ended_call(server, b"xreadgroup", true);
                    served.push(id);
                    server.clients.insert(id, client);
                    continue;
                }
                if holds.is_none() || holds != wants {
                    server.clients.insert(id, client);
                    break;
                }
                if let Some(blocked) = unregister(server, &mut client) {
                    // Served after the command that made the key ready, at the clock's time
                    // then (a key that expired meanwhile does not serve it).
                    server.keyspace.refresh_time_unless_script();
                    let argv: Vec<&[u8]> = blocked.argv.iter().map(Vec::as_slice).collect();
                    let db_before = client.db;
                    client.db = blocked.db;
                    client.unblocking = true;
                    let mut ctx = Ctx {
                        server,
                        client: &mut client,
                        runtime: None,
                    };
                    // Redis counts no change for serving BLPOP, BRPOP, BLMOVE or BRPOPLPUSH
                    // (the push that woke it counted); BLMPOP and the sorted-set pops count
                    // what they take, as when they do not block.
                    let before = ctx.server.keyspace.dirty;
                    process(&mut ctx, &argv);
                    if SERVED_UNCOUNTED
                        .iter()
                        .any(|c| argv[0].eq_ignore_ascii_case(c))
                    {
                        ctx.server.keyspace.recount_writes_since(before, 0);
                    }
                    client.unblocking = false;
                    // Still nothing for it (another waiter took the data): wait again, keeping
                    // the original deadline.
                    if let Some(mut request) = client.block_request.take() {
                        request.deadline = blocked.deadline;
                        client.block_request = Some(request);
                        register_if_requested(server, &mut client, &argv);
                    } else {
                        served.push(id);
                    }
                    client.db = db_before;
                }
                server.clients.insert(id, client);
            }
        }
    }
    served
}

/// Answer the blocked clients whose deadline passed (a null array, as Redis replies on a
/// timeout); the ids answered.
pub fn expire_timeouts(server: &mut Server, now: Instant) -> Vec<u64> {
    let due: Vec<(Instant, u64)> = server
        .block_deadlines
        .iter()
        .take_while(|(deadline, _)| *deadline <= now)
        .copied()
        .collect();
    let mut answered = Vec::new();
    for (_, id) in due {
        let Some(mut client) = server.clients.remove(&id) else {
            server.block_deadlines.retain(|(_, c)| *c != id);
            continue;
        };
        if let Some(blocked) = unregister(server, &mut client) {
            answer_timeout(server, &mut client, &blocked);
            answered.push(id);
        }
        server.clients.insert(id, client);
    }
    answered
}

/// `CLIENT UNBLOCK`: answer blocked client `id` as on a timeout (or with an error) and let
/// its further input run; whether it was blocked.
pub fn unblock(server: &mut Server, id: u64, error: bool) -> bool {
    let Some(mut client) = server.clients.remove(&id) else {
        return false;
    };
    let blocked = unregister(server, &mut client);
    let was_blocked = blocked.is_some();
    if let Some(blocked) = blocked {
        if error {
            client
                .reply
                .error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
            server.stats.count_error("UNBLOCKED");
        } else {
            answer_timeout(server, &mut client, &blocked);
        }
        // Redis 7.0 records the call as failed either way.
        if let Some(command) = blocked.argv.first() {
            count_ended_call(server, command, true);
        }
        server.resumed.push(id);
    }
    server.clients.insert(id, client);
    was_blocked
}

/// A blocked call that ends without being served: its figures are recorded then (Redis's
/// `updateStatsOnUnblock`), its call having been counted when it blocked.
fn count_ended_call(server: &mut Server, command: &[u8], failed: bool) {
    if let Ok(command) = server.commands.lookup(&[command]) {
        let name = command.full_name.clone();
        let track = server.config.settings.latency_tracking;
        server
            .stats
            .count_unblocked(&name, Default::default(), failed, track);
    }
}

/// Answer blocked client `id` with `error` and let its further input run (a SHUTDOWN that
/// waited for replicas and then failed or was aborted).
pub fn unblock_with_error(server: &mut Server, id: u64, error: &str) {
    let Some(mut client) = server.clients.remove(&id) else {
        return;
    };
    if unregister(server, &mut client).is_some() {
        client.reply.error(error);
        server.resumed.push(id);
    }
    server.clients.insert(id, client);
}

/// Answer every blocked client with `error` and let its further input run (the server's
/// role changed under it: `disconnectAllBlockedClients`).
pub fn unblock_all(server: &mut Server, error: &str) {
    let blocked: Vec<u64> = server
        .clients
        .iter()
        .filter(|(_, c)| c.blocked.is_some())
        .map(|(id, _)| *id)
        .collect();
    for id in blocked {
        unblock_with_error(server, id, error);
    }
}

/// The reply of a blocked command whose time ran out: a null array, or for WAIT the number
/// of replicas that acknowledged its offset by then.
fn answer_timeout(server: &Server, client: &mut Client, blocked: &Blocked) {
    match blocked.replicas {
        Some(wait) => {
            let acked = crate::replication::count_acks(server, wait.offset);
            client.reply.int(acked as i64);
        }
        None => client.reply.null_array(),
    }
}

/// After a replica's acknowledgement: answer the clients in WAIT whose replicas are all
/// there, and let their further input run.
pub fn serve_waiting_replicas(server: &mut Server) {
    let waiting: Vec<(u64, crate::client::WaitForReplicas)> = server
        .clients
        .iter()
        .filter_map(|(id, c)| Some((*id, c.blocked.as_ref()?.replicas?)))
        .collect();
    for (id, wait) in waiting {
        let acked = crate::replication::count_acks(server, wait.offset);
        if (acked as i64) < wait.count {
            continue;
        }
        let Some(mut client) = server.clients.remove(&id) else {
            continue;
        };
        if unregister(server, &mut client).is_some() {
            client.reply.int(acked as i64);
            server.resumed.push(id);
        }
        server.clients.insert(id, client);
    }
}

/// The earliest blocked client's deadline.
pub fn next_deadline(server: &Server) -> Option<Instant> {
    server.block_deadlines.iter().next().map(|(d, _)| *d)
}
