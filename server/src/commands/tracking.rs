//! CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: client-side caching as Redis 7.0's
//! `networking.c` parses it; the state is the keyspace's `tracking` (see `db/tracking.rs`).

use super::{is, Ctx, Handler, SYNTAX};
use crate::db::tracking::Mode;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("client|tracking", client_tracking),
    ("client|caching", client_caching),
    ("client|getredir", client_getredir),
    ("client|trackinginfo", client_trackinginfo),
];

/// `CLIENT TRACKING on|off [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]`.
fn client_tracking(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut options = Mode::default();
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let arg = argv[j];
        if is(arg, "redirect") && more {
            j += 1;
            if options.redirect != 0 {
                ctx.client
                    .reply
                    .error("ERR A client can only redirect to a single other client");
                return;
            }
            let Some(id) = crate::util::parse_i64(argv[j]) else {
                ctx.client
                    .reply
                    .error("ERR value is not an integer or out of range");
                return;
            };
            let exists = u64::try_from(id)
                .is_ok_and(|id| id == ctx.client.id || ctx.server.clients.contains_key(&id));
            if !exists {
                ctx.client
                    .reply
                    .error("ERR The client ID you want redirect to does not exist");
                return;
            }
            options.redirect = id as u64;
        } else if is(arg, "bcast") {
            options.bcast = true;
        } else if is(arg, "optin") {
            options.optin = true;
        } else if is(arg, "optout") {
            options.optout = true;
        } else if is(arg, "noloop") {
            options.noloop = true;
        } else if is(arg, "prefix") && more {
            j += 1;
            prefixes.push(argv[j].to_vec());
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 1;
    }
    let id = ctx.client.id;
    if is(argv[2], "on") {
        if let Err(text) = ctx.server.keyspace.tracking.enable(id, options, &prefixes) {
            ctx.client.reply.error(&text);
            return;
        }
    } else if is(argv[2], "off") {
        ctx.server.keyspace.tracking.disable(id);
    } else {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    ctx.client.reply.ok();
}

/// `CLIENT CACHING yes|no`: whether the next command's keys are tracked, in OPTIN or OPTOUT
/// mode.
fn client_caching(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(mode) = ctx.server.keyspace.tracking.mode_mut(ctx.client.id) else {
        ctx.client.reply.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        return;
    };
    if is(argv[2], "yes") {
        if !mode.optin {
            ctx.client.reply.error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
            return;
        }
        mode.caching = true;
    } else if is(argv[2], "no") {
        if !mode.optout {
            ctx.client.reply.error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
            return;
        }
        mode.caching = true;
    } else {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    ctx.client.reply.ok();
}

/// `CLIENT GETREDIR`: the redirect target, 0 for none, -1 when tracking is off.
fn client_getredir(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let redirect = match ctx.server.keyspace.tracking.mode(ctx.client.id) {
        Some(mode) => mode.redirect as i64,
        None => -1,
    };
    ctx.client.reply.int(redirect);
}

/// `CLIENT TRACKINGINFO`: flags, redirect and prefixes.
fn client_trackinginfo(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let mode = ctx.server.keyspace.tracking.mode(ctx.client.id).cloned();
    let out = &mut ctx.client.reply;
    out.map(3);
    out.bulk(b"flags");
    let mut flags: Vec<&[u8]> = vec![if mode.is_some() { b"on" } else { b"off" }];
    if let Some(m) = &mode {
        if m.bcast {
            flags.push(b"bcast");
        }
        if m.optin {
            flags.push(b"optin");
            if m.caching {
                flags.push(b"caching-yes");
            }
        }
        if m.optout {
            flags.push(b"optout");
            if m.caching {
                flags.push(b"caching-no");
            }
        }
        if m.noloop {
            flags.push(b"noloop");
        }
        if m.broken_redirect {
            flags.push(b"broken_redirect");
        }
    }
    out.set(flags.len());
    for f in flags {
        out.bulk(f);
    }
    out.bulk(b"redirect");
    out.int(mode.as_ref().map_or(-1, |m| m.redirect as i64));
    out.bulk(b"prefixes");
    let prefixes: Vec<Vec<u8>> = mode
        .map(|m| m.prefixes.into_iter().collect())
        .unwrap_or_default();
    out.array(prefixes.len());
    for p in prefixes {
        out.bulk(&p);
    }
}
