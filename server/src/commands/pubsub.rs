//! Pub/Sub commands (`pubsub.c`): SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, PUBSUB.

use super::{Ctx, Handler};
use crate::client::Client;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("publish", publish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|help", pubsub_help),
];

/// `[kind, name or null, subscription count]`, as an array (RESP2) or a push (RESP3).
fn notice(client: &mut Client, kind: &[u8], name: Option<&[u8]>) {
    let count = (client.channels.len() + client.patterns.len()) as i64;
    let out = &mut client.reply;
    if out.resp3() {
        out.push(3);
    } else {
        out.array(3);
    }
    out.bulk(kind);
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count);
}

fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    for channel in &argv[1..] {
        if !ctx.client.channels.iter().any(|c| c == channel) {
            ctx.client.channels.push(channel.to_vec());
            ctx.server.pubsub.subscribe(ctx.client.id, channel);
        }
        notice(ctx.client, b"subscribe", Some(channel));
    }
}

fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    for pattern in &argv[1..] {
        if !ctx.client.patterns.iter().any(|p| p == pattern) {
            ctx.client.patterns.push(pattern.to_vec());
            ctx.server.pubsub.psubscribe(ctx.client.id, pattern);
        }
        notice(ctx.client, b"psubscribe", Some(pattern));
    }
}

fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    let names: Vec<Vec<u8>> = if argv.len() == 1 {
        ctx.client.channels.clone()
    } else {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    };
    if names.is_empty() {
        notice(ctx.client, b"unsubscribe", None);
        return;
    }
    for channel in names {
        let before = ctx.client.channels.len();
        ctx.client.channels.retain(|c| *c != channel);
        if ctx.client.channels.len() != before {
            ctx.server.pubsub.unsubscribe(ctx.client.id, &channel);
        }
        notice(ctx.client, b"unsubscribe", Some(&channel));
    }
}

fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    let names: Vec<Vec<u8>> = if argv.len() == 1 {
        ctx.client.patterns.clone()
    } else {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    };
    if names.is_empty() {
        notice(ctx.client, b"punsubscribe", None);
        return;
    }
    for pattern in names {
        let before = ctx.client.patterns.len();
        ctx.client.patterns.retain(|p| *p != pattern);
        if ctx.client.patterns.len() != before {
            ctx.server.pubsub.punsubscribe(ctx.client.id, &pattern);
        }
        notice(ctx.client, b"punsubscribe", Some(&pattern));
    }
}

fn publish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let count = crate::pubsub::publish(ctx.server, Some(ctx.client), argv[1], argv[2]);
    ctx.client.reply.int(count as i64);
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    let channels = ctx.server.pubsub.channels(argv.get(2).copied());
    ctx.client
        .reply
        .bulks(channels.iter().map(|c| c.as_slice()));
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    let counts: Vec<(&[u8], usize)> = argv[2..]
        .iter()
        .map(|c| (*c, ctx.server.pubsub.subscriber_count(c)))
        .collect();
    ctx.client.reply.array(counts.len() * 2);
    for (channel, count) in counts {
        ctx.client.reply.bulk(channel);
        ctx.client.reply.int(count as i64);
    }
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let count = ctx.server.pubsub.pattern_count();
    ctx.client.reply.int(count as i64);
}

fn pubsub_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::PUBSUB);
}
