//! CLIENT commands that act on other clients (`networking.c`): KILL with its filters, UNBLOCK,
//! and PAUSE/UNPAUSE.

use super::{is, Ctx, Handler, SYNTAX};
use crate::client::Client;
use crate::server::Pause;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("client|kill", client_kill),
    ("client|unblock", client_unblock),
    ("client|pause", client_pause),
    ("client|unpause", client_unpause),
];

/// The filters of `CLIENT KILL <filter> <value> ...`.
#[derive(Default)]
struct Filters {
    id: Option<u64>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    kind: Option<crate::client::Kind>,
    skip_me: bool,
}

impl Filters {
    fn matches(&self, c: &Client) -> bool {
        self.id.is_none_or(|id| c.id == id)
            && self.addr.as_ref().is_none_or(|a| &c.addr == a)
            && self.laddr.as_ref().is_none_or(|a| &c.local_addr == a)
            && self.user.as_ref().is_none_or(|u| &c.user == u)
            && self.kind.is_none_or(|k| c.kind() == k)
    }
}

/// Parse the filters, replying with Redis's error on a bad one.
fn parse_filters(ctx: &mut Ctx, argv: &[&[u8]]) -> Option<Filters> {
    let mut f = Filters {
        skip_me: true,
        ..Filters::default()
    };
    if argv.len() == 3 {
        // The old form, CLIENT KILL addr:port, may kill the caller too.
        f.addr = Some(String::from_utf8_lossy(argv[2]).into_owned());
        f.skip_me = false;
        return Some(f);
    }
    if argv.len() < 3 {
        ctx.client.reply.error(SYNTAX);
        return None;
    }
    let mut i = 2;
    while i < argv.len() {
        let Some(value) = argv.get(i + 1).copied() else {
            ctx.client.reply.error(SYNTAX);
            return None;
        };
        let text = String::from_utf8_lossy(value).into_owned();
        let option = argv[i];
        if is(option, "id") {
            // Redis answers a non-number with the same text as a number out of range.
            match crate::util::parse_i64(value) {
                Some(n) if n > 0 => f.id = Some(n as u64),
                _ => {
                    ctx.client
                        .reply
                        .error("ERR client-id should be greater than 0");
                    return None;
                }
            }
        } else if is(option, "type") {
            let Some(kind) = crate::client::Kind::named(value) else {
                ctx.client
                    .reply
                    .error(&format!("ERR Unknown client type '{text}'"));
                return None;
            };
            f.kind = Some(kind);
        } else if is(option, "addr") {
            f.addr = Some(text);
        } else if is(option, "laddr") {
            f.laddr = Some(text);
        } else if is(option, "user") {
            if !ctx.server.acl.has_user(value) {
                ctx.client
                    .reply
                    .error(&format!("ERR No such user '{text}'"));
                return None;
            }
            f.user = Some(text);
        } else if is(option, "skipme") {
            if is(value, "yes") {
                f.skip_me = true;
            } else if is(value, "no") {
                f.skip_me = false;
            } else {
                ctx.client.reply.error(SYNTAX);
                return None;
            }
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        i += 2;
    }
    Some(f)
}

fn client_kill(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(filters) = parse_filters(ctx, argv) else {
        return;
    };
    // Other clients are closed at once, as Redis frees them; the caller after its reply.
    let doomed: Vec<u64> = ctx
        .server
        .clients
        .values()
        .filter(|c| filters.matches(c))
        .map(|c| c.id)
        .collect();
    let mut killed = doomed.len();
    for id in doomed {
        crate::net::close_client(ctx.server, id);
    }
    if !filters.skip_me && filters.matches(ctx.client) {
        ctx.client.close_after_reply = true;
        killed += 1;
    }
    if argv.len() == 3 {
        if killed == 0 {
            ctx.client.reply.error("ERR No such client");
        } else {
            ctx.client.reply.ok();
        }
    } else {
        ctx.client.reply.int(killed as i64);
    }
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: answer a blocked client as if it timed out, or with an
/// error.
fn client_unblock(ctx: &mut Ctx, argv: &[&[u8]]) {
    let error = match argv.get(3) {
        None => false,
        Some(r) if is(r, "timeout") => false,
        Some(r) if is(r, "error") => true,
        Some(_) => {
            ctx.client
                .reply
                .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    };
    let Some(id) = super::int_arg(ctx, argv[2]) else {
        return;
    };
    let unblocked = crate::blocking::unblock(ctx.server, id as u64, error);
    ctx.client.reply.int(i64::from(unblocked));
}

fn client_pause(ctx: &mut Ctx, argv: &[&[u8]]) {
    let all = match argv.get(3) {
        None => true,
        Some(m) if is(m, "all") => true,
        Some(m) if is(m, "write") => false,
        Some(_) => {
            ctx.client
                .reply
                .error("ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    };
    let Some(ms) = super::millis_arg(ctx, argv[2]) else {
        return;
    };
    let until = super::deadline_after_ms(ms);
    // A pause only grows: the later end, and ALL over WRITE.
    ctx.server.pause = Some(match ctx.server.pause {
        Some(p) => Pause {
            until: p.until.max(until),
            all: p.all || all,
        },
        None => Pause { until, all },
    });
    ctx.client.reply.ok();
}

fn client_unpause(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.server.pause = None;
    ctx.client.reply.ok();
}
