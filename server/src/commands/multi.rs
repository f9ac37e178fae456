//! Transactions (`multi.c`): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use super::{Ctx, Handler};
use crate::client::Multi;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("multi", multi),
    ("exec", exec),
    ("discard", discard),
    ("watch", watch),
    ("unwatch", unwatch),
];

fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.client.multi.is_some() {
        ctx.client.reply.error("ERR MULTI calls can not be nested");
        return;
    }
    ctx.client.multi = Some(Multi::default());
    ctx.client.reply.ok();
}

/// Forget the client's watched keys; whether one of them changed meanwhile.
fn unwatch_all(ctx: &mut Ctx) -> bool {
    let watched = std::mem::take(&mut ctx.client.watched);
    ctx.server.keyspace.unwatch_all(ctx.client.id, &watched)
}

fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(multi) = ctx.client.multi.take() else {
        ctx.client.reply.error("ERR EXEC without MULTI");
        return;
    };
    // A watched key that expired since WATCH counts as changed.
    let expired = ctx
        .server
        .keyspace
        .watched_key_expired(ctx.client.id, &ctx.client.watched);
    let changed = unwatch_all(ctx) || expired;
    if multi.aborted {
        ctx.client
            .reply
            .error("EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    if changed {
        ctx.client.reply.null_array();
        return;
    }
    ctx.client.reply.array(multi.queued.len());
    ctx.client.in_exec = true;
    for argv in &multi.queued {
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let found = ctx
            .server
            .commands
            .lookup(&args)
            .ok()
            .map(|c| (c.full_name.clone(), c.handler, c.flags));
        match found {
            Some((name, handler, flags)) => super::call(ctx, &args, &name, handler, flags),
            None => ctx.client.reply.error("ERR unknown command"),
        }
    }
    ctx.client.in_exec = false;
    // The queued commands were logged as they ran (and get wrapped in MULTI/EXEC).
    ctx.client.propagate_instead(Vec::new());
}

fn discard(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.client.multi.take().is_none() {
        ctx.client.reply.error("ERR DISCARD without MULTI");
        return;
    }
    unwatch_all(ctx);
    ctx.client.reply.ok();
}

fn watch(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.client.multi.is_some() {
        ctx.client
            .reply
            .error("ERR WATCH inside MULTI is not allowed");
        return;
    }
    let db = ctx.client.db;
    for key in &argv[1..] {
        if !ctx.client.watched.iter().any(|(d, k)| *d == db && k == key) {
            ctx.client.watched.push((db, key.to_vec()));
            ctx.server.keyspace.watch(ctx.client.id, db, key);
        }
    }
    ctx.client.reply.ok();
}

fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) {
    unwatch_all(ctx);
    ctx.client.reply.ok();
}
