//! `client-output-buffer-limit`: how much reply a client may leave unread before it is
//! disconnected (`checkClientOutputBufferLimits`). Each class (normal, replica, pub/sub) has a
//! hard limit, met at once, and a soft one, met after staying over it longer than its
//! seconds. What counts is the output beyond the client's fixed reply buffer, as Redis counts
//! its reply list. The checks run where Redis makes them: after each command (before anything
//! is written, so a client over its limit gets none of the reply), inside commands that build
//! huge replies, and periodically for clients with output waiting.

use crate::client::Client;
use crate::config::Settings;
use crate::server::Server;

/// One class's limits, in bytes and seconds (0: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// The three classes' limits, read from the option's canonical text
/// (`normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub normal: Limit,
    pub replica: Limit,
    pub pubsub: Limit,
}

impl Limits {
    pub fn parse(text: &str) -> Limits {
        let mut limits = Limits::default();
        let words: Vec<&str> = text.split_whitespace().collect();
        for group in words.chunks_exact(4) {
            let number = |w: &str| crate::config::parse_memory(w).unwrap_or(0);
            let limit = Limit {
                hard: number(group[1]),
                soft: number(group[2]),
                soft_seconds: number(group[3]),
            };
            match group[0] {
                "normal" => limits.normal = limit,
                "slave" | "replica" => limits.replica = limit,
                "pubsub" => limits.pubsub = limit,
                _ => {}
            }
        }
        limits
    }

    /// The limits of `client`'s class.
    pub fn of(&self, client: &Client) -> Limit {
        if client.is_replica {
            self.replica
        } else if client.in_pubsub_mode() {
            self.pubsub
        } else {
            self.normal
        }
    }
}

/// The limits that apply to `client`. A replica's hard limit is never below
/// `repl-backlog-size`: a lower one would drop a replica right after the partial
/// resynchronization the backlog allowed, so Redis ignores it too.
pub fn limit_of(settings: &Settings, client: &Client) -> Limit {
    if client.is_replica {
        replica_limit(settings)
    } else {
        settings.output_limits.of(client)
    }
}

/// The replica class's limits, raised as [`limit_of`] says.
pub fn replica_limit(settings: &Settings) -> Limit {
    let mut limit = settings.output_limits.replica;
    if limit.hard > 0 {
        limit.hard = limit.hard.max(settings.repl_backlog_size as u64);
    }
    limit
}

/// The output `client` holds beyond its fixed reply buffer (`omem` in CLIENT LIST).
pub fn memory(server: &Server, client: &Client) -> usize {
    crate::net::pending_output(server, client).saturating_sub(client.reply_buffer.size)
}

/// Whether `client` is past its class's limits now.
pub fn reached(server: &Server, client: &mut Client) -> bool {
    let limit = limit_of(&server.config.settings, client);
    if limit == Limit::default() {
        // No limit for the class (normal clients by default): nothing to measure.
        return false;
    }
    let used = memory(server, client);
    over(limit, used, &mut client.over_soft_limit_since)
}

/// Whether `used` bytes of output are past `limit`; `soft_since` is when (unix seconds) the
/// output was first seen over the soft limit, cleared when it is seen under.
pub fn over(limit: Limit, used: usize, soft_since: &mut Option<i64>) -> bool {
    let used = used as u64;
    if used == 0 || (limit.hard == 0 && limit.soft == 0) {
        return false;
    }
    if limit.hard > 0 && used >= limit.hard {
        return true;
    }
    if limit.soft > 0 && used >= limit.soft {
        // Whole seconds of the clock, as Redis compares `server.unixtime`.
        let now = crate::db::now_ms().div_euclid(1000);
        let since = *soft_since.get_or_insert(now);
        return now - since > limit.soft_seconds as i64;
    }
    *soft_since = None;
    false
}

/// The hard limit of `client`'s class, if it has one: a command may then build a reply of
/// any size, as it stops ([`stop_building`]) once the reply passes the limit.
pub fn hard_limit(server: &Server, client: &Client) -> Option<u64> {
    let hard = limit_of(&server.config.settings, client).hard;
    (hard > 0).then_some(hard)
}

/// The room a command building a huge reply has: the client's hard limit less the output it
/// holds. Past it the command stops and the client is closed unanswered ([`schedule_close`]),
/// as Redis stops such commands mid-run.
#[derive(Debug, Clone, Copy)]
pub struct ReplyRoom(Option<usize>);

impl ReplyRoom {
    pub fn of(server: &Server, client: &Client) -> ReplyRoom {
        ReplyRoom(
            hard_limit(server, client)
                .map(|hard| (hard as usize).saturating_sub(memory(server, client))),
        )
    }

    /// The room for a reply whose length Redis only knows at its end (KEYS): Redis writes
    /// such a reply to its reply list, not the fixed buffer, so all of it counts.
    pub fn deferred(server: &Server, client: &Client) -> ReplyRoom {
        let pending = crate::net::pending_output(server, client);
        ReplyRoom(hard_limit(server, client).map(|hard| (hard as usize).saturating_sub(pending)))
    }

    /// Whether about `building` bytes of reply no longer fit.
    pub fn exceeded(self, building: usize) -> bool {
        self.0.is_some_and(|room| building >= room)
    }
}

/// After a command, or before writing to `client`: past its limits it is marked to be closed
/// without being sent anything more.
pub fn check(server: &Server, client: &mut Client) {
    if !client.close_asap && reached(server, client) {
        schedule_close(server, client);
    }
}

/// Mark `client` to be closed, unanswered, for its output.
pub fn schedule_close(server: &Server, client: &mut Client) {
    client.close_asap = true;
    server.log_warning(&scheduled_close_message(client));
}

/// The log line of a client marked to be closed for its output.
pub fn scheduled_close_message(client: &Client) -> String {
    format!(
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        describe(client)
    )
}

/// The periodic check of every client with output waiting (the soft limit is met with no
/// new traffic too): the ids to close now, each logged.
pub fn overdue(server: &mut Server) -> Vec<u64> {
    let ids: Vec<u64> = server
        .clients
        .values()
        .filter(|c| !c.close_asap && crate::net::pending_output(server, c) > 0)
        .map(|c| c.id)
        .collect();
    let mut doomed = Vec::new();
    for id in ids {
        let Some(mut client) = server.clients.remove(&id) else {
            continue;
        };
        if reached(server, &mut client) {
            server.log_warning(&format!(
                "Client {} closed for overcoming of output buffer limits.",
                describe(&client)
            ));
            doomed.push(id);
        }
        server.clients.insert(id, client);
    }
    doomed
}

fn describe(client: &Client) -> String {
    format!(
        "id={} addr={} laddr={} name={}",
        client.id,
        client.addr,
        client.local_addr,
        String::from_utf8_lossy(&client.name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_class() {
        let limits = Limits::parse("normal 1 2 3 slave 4 5 6 pubsub 7 8 9");
        assert_eq!(
            limits.normal,
            Limit {
                hard: 1,
                soft: 2,
                soft_seconds: 3
            }
        );
        assert_eq!(
            limits.replica,
            Limit {
                hard: 4,
                soft: 5,
                soft_seconds: 6
            }
        );
        assert_eq!(
            limits.pubsub,
            Limit {
                hard: 7,
                soft: 8,
                soft_seconds: 9
            }
        );
    }
}
