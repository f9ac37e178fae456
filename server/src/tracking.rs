//! Delivering client-side caching invalidations (`sendTrackingMessage`): to the tracking
//! client itself as a RESP3 push, or to the client it redirects to, as a push or, for a RESP2
//! client subscribed to anything, as a message on `__redis__:invalidate`. RESP2 clients without
//! a redirect get nothing, as in Redis.

use crate::client::Client;
use crate::db::tracking::Invalidation;
use crate::server::Server;

const CHANNEL: &[u8] = b"__redis__:invalidate";

/// After a command: its client's one-command `CLIENT CACHING` flag lapses (unless it queues a
/// transaction, or the command was CLIENT itself), and the invalidations it caused go out,
/// those for itself after its reply.
pub fn after_command(server: &mut Server, client: &mut Client, argv: &[&[u8]]) {
    let tracking = &mut server.keyspace.tracking;
    let keeps_caching = client.multi.is_some() || argv[0].eq_ignore_ascii_case(b"client");
    if !keeps_caching && tracking.client_count() > 0 {
        if let Some(mode) = tracking.mode_mut(client.id) {
            mode.caching = false;
        }
    }
    tracking.current = 0;
    deliver(server, Some(client));
}

/// Send the queued invalidations; `current` is the client whose command ran, if any.
pub fn deliver(server: &mut Server, mut current: Option<&mut Client>) {
    if server.keyspace.tracking.outbox.is_empty() {
        return;
    }
    for (target, message) in std::mem::take(&mut server.keyspace.tracking.outbox) {
        send(server, current.as_deref_mut(), target, &message);
    }
}

/// Keep the tracking table within `tracking-table-max-keys` (`trackingLimitUsedSlots`), in
/// the periodic task and before each command; the invalidations wait in the outbox.
pub fn limit_keys(server: &mut Server) {
    if server.keyspace.tracking.client_count() == 0 {
        return;
    }
    let max_keys = server
        .config
        .get("tracking-table-max-keys")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut seed = (server.keyspace.now_ms as u64) | 1;
    server.keyspace.tracking.limit_keys(max_keys, || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    });
}

/// The end of an event-loop turn: broadcast-mode invalidations.
pub fn end_of_turn(server: &mut Server) {
    let broadcasts = server.keyspace.tracking.take_broadcasts();
    for (target, message) in broadcasts {
        send(server, None, target, &message);
    }
    deliver(server, None);
}

fn client_mut<'a>(
    server: &'a mut Server,
    current: Option<&'a mut Client>,
    id: u64,
) -> Option<&'a mut Client> {
    match current {
        Some(c) if c.id == id => Some(c),
        _ => server.clients.get_mut(&id),
    }
}

fn send(
    server: &mut Server,
    mut current: Option<&mut Client>,
    target: u64,
    message: &Invalidation,
) {
    let Some(mode) = server.keyspace.tracking.mode(target) else {
        return;
    };
    let redirect = mode.redirect;
    // A flush is told with the tracking client's own null, even through a redirect.
    let target_resp3 = match client_mut(server, current.as_deref_mut(), target) {
        Some(c) => c.reply.resp3(),
        None => return,
    };
    let destination = if redirect != 0 {
        let exists = current.as_ref().is_some_and(|c| c.id == redirect)
            || server.clients.contains_key(&redirect);
        if !exists {
            if let Some(mode) = server.keyspace.tracking.mode_mut(target) {
                mode.broken_redirect = true;
            }
            if let Some(c) = client_mut(server, current.as_deref_mut(), target) {
                if c.reply.resp3() {
                    c.reply.push(2);
                    c.reply.bulk(b"tracking-redir-broken");
                    c.reply.int(redirect as i64);
                }
            }
            mark_for_flush(server, current.as_deref(), target);
            return;
        }
        redirect
    } else {
        target
    };
    let Some(dest) = client_mut(server, current.as_deref_mut(), destination) else {
        return;
    };
    if dest.reply.resp3() {
        dest.reply.push(2);
        dest.reply.bulk(b"invalidate");
    } else if redirect != 0 && dest.in_pubsub_mode() {
        dest.reply.array(3);
        dest.reply.bulk(b"message");
        dest.reply.bulk(CHANNEL);
    } else {
        return;
    }
    match message {
        Invalidation::Keys(keys) => {
            dest.reply.array(keys.len());
            for key in keys {
                dest.reply.bulk(key);
            }
        }
        Invalidation::All => {
            dest.reply
                .buf
                .extend_from_slice(if target_resp3 { b"_\r\n" } else { b"$-1\r\n" })
        }
    }
    mark_for_flush(server, current.as_deref(), destination);
}

/// A client other than the one running a command has output waiting.
fn mark_for_flush(server: &mut Server, current: Option<&Client>, id: u64) {
    if current.is_none_or(|c| c.id != id) {
        server.pending_flush.push(id);
    }
}
