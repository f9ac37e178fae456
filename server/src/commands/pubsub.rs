//! Pub/Sub commands (`pubsub.c`): SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs,
//! PUBLISH, SPUBLISH, PUBSUB.

use super::{Ctx, Handler};
use crate::client::Client;
use crate::pubsub::PubSub;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("ssubscribe", ssubscribe),
    ("sunsubscribe", sunsubscribe),
    ("publish", publish),
    ("spublish", spublish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|shardchannels", pubsub_shardchannels),
    ("pubsub|shardnumsub", pubsub_shardnumsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|help", pubsub_help),
];

/// The three kinds of subscription, each a list of its own in the client and the server.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn names(self, client: &mut Client) -> &mut Vec<Vec<u8>> {
        match self {
            Kind::Channel => &mut client.channels,
            Kind::Pattern => &mut client.patterns,
            Kind::Shard => &mut client.shard_channels,
        }
    }

    fn add(self, pubsub: &mut PubSub, client: u64, name: &[u8]) {
        match self {
            Kind::Channel => pubsub.subscribe(client, name),
            Kind::Pattern => pubsub.psubscribe(client, name),
            Kind::Shard => pubsub.ssubscribe(client, name),
        }
    }

    fn remove(self, pubsub: &mut PubSub, client: u64, name: &[u8]) {
        match self {
            Kind::Channel => pubsub.unsubscribe(client, name),
            Kind::Pattern => pubsub.punsubscribe(client, name),
            Kind::Shard => pubsub.sunsubscribe(client, name),
        }
    }
}

/// `[kind, name or null, subscription count]`, as an array (RESP2) or a push (RESP3). Shard
/// subscriptions are counted apart from the others, as Redis counts them.
fn notice(client: &mut Client, kind: Kind, word: &[u8], name: Option<&[u8]>) {
    let count = if kind == Kind::Shard {
        client.shard_channels.len()
    } else {
        client.channels.len() + client.patterns.len()
    } as i64;
    let start = client.reply.buf.len();
    let out = &mut client.reply;
    if out.resp3() {
        out.push(3);
    } else {
        out.array(3);
    }
    out.bulk(word);
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count);
    // Kept apart too, to survive `CLIENT REPLY OFF|SKIP`.
    if client.reply_mode != crate::client::ReplyMode::On {
        let notice = client.reply.buf[start..].to_vec();
        client.pushes.extend_from_slice(&notice);
    }
}

fn subscribe_to(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, word: &[u8]) {
    for name in &argv[1..] {
        if !kind.names(ctx.client).iter().any(|c| c == name) {
            kind.names(ctx.client).push(name.to_vec());
            kind.add(&mut ctx.server.pubsub, ctx.client.id, name);
        }
        notice(ctx.client, kind, word, Some(name));
    }
}

/// Unsubscribe from the names given, or from all when none is.
fn unsubscribe_from(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, word: &[u8]) {
    let names: Vec<Vec<u8>> = if argv.len() == 1 {
        kind.names(ctx.client).clone()
    } else {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    };
    if names.is_empty() {
        notice(ctx.client, kind, word, None);
        return;
    }
    for name in names {
        let list = kind.names(ctx.client);
        let before = list.len();
        list.retain(|c| *c != name);
        if list.len() != before {
            kind.remove(&mut ctx.server.pubsub, ctx.client.id, &name);
        }
        notice(ctx.client, kind, word, Some(&name));
    }
}

fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    subscribe_to(ctx, argv, Kind::Channel, b"subscribe");
}

fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    subscribe_to(ctx, argv, Kind::Pattern, b"psubscribe");
}

fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis refuses it where a reply per command is expected (inside EXEC); SUBSCRIBE is not.
    if ctx.client.in_exec {
        ctx.client
            .reply
            .error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    subscribe_to(ctx, argv, Kind::Shard, b"ssubscribe");
}

fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_from(ctx, argv, Kind::Channel, b"unsubscribe");
}

fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_from(ctx, argv, Kind::Pattern, b"punsubscribe");
}

fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_from(ctx, argv, Kind::Shard, b"sunsubscribe");
}

fn publish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let count = crate::pubsub::publish(ctx.server, Some(ctx.client), argv[1], argv[2]);
    ctx.client.force_replication = true;
    ctx.client.reply.int(count as i64);
}

fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let count = crate::pubsub::publish_shard(ctx.server, Some(ctx.client), argv[1], argv[2]);
    ctx.client.force_replication = true;
    ctx.client.reply.int(count as i64);
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern].
fn list_channels(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) {
    if argv.len() > 3 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    let pattern = argv.get(2).copied();
    let channels = if shard {
        ctx.server.pubsub.shard_channels(pattern)
    } else {
        ctx.server.pubsub.channels(pattern)
    };
    ctx.client
        .reply
        .bulks(channels.iter().map(|c| c.as_slice()));
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel...].
fn count_subscribers(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) {
    let counts: Vec<(&[u8], usize)> = argv[2..]
        .iter()
        .map(|c| {
            let n = if shard {
                ctx.server.pubsub.shard_subscriber_count(c)
            } else {
                ctx.server.pubsub.subscriber_count(c)
            };
            (*c, n)
        })
        .collect();
    ctx.client.reply.array(counts.len() * 2);
    for (channel, count) in counts {
        ctx.client.reply.bulk(channel);
        ctx.client.reply.int(count as i64);
    }
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) {
    list_channels(ctx, argv, false);
}

fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) {
    list_channels(ctx, argv, true);
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    count_subscribers(ctx, argv, false);
}

fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    count_subscribers(ctx, argv, true);
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let count = ctx.server.pubsub.pattern_count();
    ctx.client.reply.int(count as i64);
}

fn pubsub_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::PUBSUB);
}
