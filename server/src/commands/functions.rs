//! FUNCTION and FCALL over the wire, joined to the runtime's function libraries.
//!
//! The runtime answers every FUNCTION subcommand itself when nothing runs. While a script
//! runs, the runtime is lent to it, so the two subcommands allowed then (`KILL` and `STATS`)
//! are answered here from what the server knows of the running script.

use super::scripting::{busy_text, kill, run_lent, ScriptHost};
use super::Ctx;
use super::Handler;
use crate::server::ScriptingFigures;
use redis_runtime::{stats_reply, CallOptions, RunningFunction};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("fcall", fcall),
    ("fcall_ro", fcall_ro),
    ("function|delete", function),
    ("function|dump", function),
    ("function|flush", function),
    ("function|help", function),
    ("function|kill", function_kill),
    ("function|list", function),
    ("function|load", function),
    ("function|restore", function),
    ("function|stats", function_stats),
];

fn fcall(ctx: &mut Ctx, argv: &[&[u8]]) {
    call_function(ctx, argv, false);
}

fn fcall_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    call_function(ctx, argv, true);
}

fn call_function(ctx: &mut Ctx, argv: &[&[u8]], read_only: bool) {
    // Shown to MONITOR before the commands it runs (the table marks FCALL skip-monitor).
    crate::slowlog::feed_monitors(ctx.server, ctx.client, argv);
    let options = CallOptions {
        read_only,
        client_resp: ctx.client.resp(),
    };
    run_lent(ctx, false, argv, |runtime, host| {
        runtime.fcall(host, argv, options)
    });
}

/// Every FUNCTION subcommand the runtime answers alone.
fn function(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(runtime) = ctx.runtime.take() else {
        ctx.client
            .reply
            .error("ERR This Redis command is not allowed from script");
        return;
    };
    let mut host = ScriptHost::new(ctx.server, ctx.client, argv);
    let reply = runtime.function(&mut host, argv);
    host.finish();
    // Library changes are logged (and count as changes to save), as Redis's dirty++.
    let changes_libraries = ["load", "delete", "flush", "restore"]
        .iter()
        .any(|sub| super::is(argv[1], sub));
    if changes_libraries && !matches!(reply, redis_runtime::Reply::Error(_)) {
        ctx.server.keyspace.count_writes(1);
    }
    ctx.server.scripting = ScriptingFigures::of(runtime);
    crate::persist::refresh_function_codes(ctx.server, runtime);
    ctx.client.reply.reply(&reply);
    ctx.runtime = Some(runtime);
}

fn function_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    kill(ctx, false);
}

/// FUNCTION STATS: the running function, if any, and the library counts. An EVAL script
/// running makes it answer BUSY, as Redis does.
fn function_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let figures = ctx.server.scripting;
    let reply = match ctx.server.script.as_ref() {
        Some(script) if script.is_eval => {
            ctx.client.reply.error(busy_text(true));
            return;
        }
        Some(script) => {
            let name = script.name.as_bytes();
            let duration = script.started.map_or(0, |s| s.elapsed().as_millis() as i64);
            stats_reply(
                Some(RunningFunction {
                    name,
                    command: &script.command,
                    duration_ms: duration,
                }),
                figures.libraries,
                figures.functions,
            )
        }
        None => stats_reply(None, figures.libraries, figures.functions),
    };
    ctx.client.reply.reply(&reply);
}
