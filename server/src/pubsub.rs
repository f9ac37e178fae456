//! Publish/subscribe state: which clients listen on which channels and patterns, and the
//! delivery of a message into their reply buffers (as RESP2 arrays or RESP3 pushes).

use crate::client::Client;
use crate::db::glob;
use std::collections::HashMap;

#[derive(Default)]
pub struct PubSub {
    /// Subscribers of each channel, in subscription order.
    channels: HashMap<Vec<u8>, Vec<u64>>,
    /// Subscribers of each pattern, and the patterns in the order first subscribed.
    patterns: HashMap<Vec<u8>, Vec<u64>>,
    pattern_order: Vec<Vec<u8>>,
    /// Subscribers of each shard channel (SSUBSCRIBE): a namespace of its own, reached only by
    /// SPUBLISH and never by patterns.
    shard_channels: HashMap<Vec<u8>, Vec<u64>>,
}

impl PubSub {
    pub fn subscribe(&mut self, client: u64, channel: &[u8]) {
        self.channels
            .entry(channel.to_vec())
            .or_default()
            .push(client);
    }

    pub fn unsubscribe(&mut self, client: u64, channel: &[u8]) {
        if let Some(list) = self.channels.get_mut(channel) {
            list.retain(|&c| c != client);
            if list.is_empty() {
                self.channels.remove(channel);
            }
        }
    }

    pub fn ssubscribe(&mut self, client: u64, channel: &[u8]) {
        self.shard_channels
            .entry(channel.to_vec())
            .or_default()
            .push(client);
    }

    pub fn sunsubscribe(&mut self, client: u64, channel: &[u8]) {
        if let Some(list) = self.shard_channels.get_mut(channel) {
            list.retain(|&c| c != client);
            if list.is_empty() {
                self.shard_channels.remove(channel);
            }
        }
    }

    /// Shard channels with subscribers matching `pattern` (all without one).
    pub fn shard_channels(&self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        self.shard_channels
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
            .cloned()
            .collect()
    }

    pub fn shard_subscriber_count(&self, channel: &[u8]) -> usize {
        self.shard_channels.get(channel).map_or(0, Vec::len)
    }

    pub fn psubscribe(&mut self, client: u64, pattern: &[u8]) {
        let list = self.patterns.entry(pattern.to_vec()).or_default();
        if list.is_empty() {
            self.pattern_order.push(pattern.to_vec());
        }
        list.push(client);
    }

    pub fn punsubscribe(&mut self, client: u64, pattern: &[u8]) {
        if let Some(list) = self.patterns.get_mut(pattern) {
            list.retain(|&c| c != client);
            if list.is_empty() {
                self.patterns.remove(pattern);
                self.pattern_order.retain(|p| p != pattern);
            }
        }
    }

    /// Channels with subscribers matching `pattern` (all without one).
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        self.channels
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
            .cloned()
            .collect()
    }

    pub fn subscriber_count(&self, channel: &[u8]) -> usize {
        self.channels.get(channel).map_or(0, Vec::len)
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Who receives a message on `channel`: (client, the pattern it matched, if any), channel
    /// subscribers first, then pattern subscribers.
    pub fn receivers(&self, channel: &[u8]) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut out: Vec<(u64, Option<Vec<u8>>)> = self
            .channels
            .get(channel)
            .map(|list| list.iter().map(|&c| (c, None)).collect())
            .unwrap_or_default();
        for pattern in &self.pattern_order {
            if glob::matches(pattern, channel, false) {
                if let Some(list) = self.patterns.get(pattern) {
                    out.extend(list.iter().map(|&c| (c, Some(pattern.clone()))));
                }
            }
        }
        out
    }
}

/// How a subscriber received a message: on its channel, through a pattern, or on a shard
/// channel.
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    Channel,
    Pattern(&'a [u8]),
    Shard,
}

/// Write a `message` (`pmessage`, `smessage`) into a subscriber's reply buffer.
pub fn deliver(client: &mut Client, via: Via, channel: &[u8], message: &[u8]) {
    let out = &mut client.reply;
    let len = if matches!(via, Via::Pattern(_)) { 4 } else { 3 };
    if out.resp3() {
        out.push(len);
    } else {
        out.array(len);
    }
    match via {
        Via::Pattern(p) => {
            out.bulk(b"pmessage");
            out.bulk(p);
        }
        Via::Channel => out.bulk(b"message"),
        Via::Shard => out.bulk(b"smessage"),
    }
    out.bulk(channel);
    out.bulk(message);
}

/// Publish `message` on `channel` to every subscriber: clients resting in `server.clients`
/// (queued for writing), and `current`, the client running a command, if it subscribed.
/// Returns how many received it.
pub fn publish(
    server: &mut crate::server::Server,
    mut current: Option<&mut Client>,
    channel: &[u8],
    message: &[u8],
) -> usize {
    let receivers = server.pubsub.receivers(channel);
    for (id, pattern) in &receivers {
        let via = match pattern {
            Some(p) => Via::Pattern(p),
            None => Via::Channel,
        };
        deliver_to(server, current.as_deref_mut(), *id, via, channel, message);
    }
    receivers.len()
}

/// SPUBLISH: `message` to the subscribers of shard channel `channel`.
pub fn publish_shard(
    server: &mut crate::server::Server,
    mut current: Option<&mut Client>,
    channel: &[u8],
    message: &[u8],
) -> usize {
    let receivers: Vec<u64> = server
        .pubsub
        .shard_channels
        .get(channel)
        .cloned()
        .unwrap_or_default();
    for id in &receivers {
        deliver_to(
            server,
            current.as_deref_mut(),
            *id,
            Via::Shard,
            channel,
            message,
        );
    }
    receivers.len()
}

fn deliver_to(
    server: &mut crate::server::Server,
    current: Option<&mut Client>,
    id: u64,
    via: Via,
    channel: &[u8],
    message: &[u8],
) {
    match current {
        Some(c) if c.id == id && !c.is_script => deliver(c, via, channel, message),
        _ => {
            if let Some(client) = server.clients.get_mut(&id) {
                deliver(client, via, channel, message);
                server.pending_flush.push(id);
            }
        }
    }
}

/// Publish the keyspace notifications queued by the last command (or the periodic task).
pub fn publish_events(server: &mut crate::server::Server, mut current: Option<&mut Client>) {
    if server.keyspace.events.is_empty() {
        return;
    }
    let flags = server.keyspace.notify_flags;
    for event in std::mem::take(&mut server.keyspace.events) {
        for (channel, message) in crate::db::notify::messages(flags, &event) {
            publish(server, current.as_deref_mut(), &channel, &message);
        }
    }
}
