//! Scripting over the wire: EVAL, EVALSHA, their `_RO` forms and SCRIPT, joined to the
//! runtime through [`ScriptHost`], the server as the runtime's [`Host`].
//!
//! A script's `redis.call` runs the command through the same table and handlers as a
//! client's request, on a client of its own (so `SELECT` inside a script stays inside it),
//! and gets the reply back as a [`Reply`] read from the bytes the command wrote.

use super::table::Flags;
use super::{is, Ctx, Handler};
use crate::client::Client;

use crate::server::{RunningScript, ScriptingFigures, Server};
use redis_runtime::{split_keys, CallOptions, CommandFlags, CommandInfo, Host, LogLevel, Reply};
use std::time::{Duration, Instant};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("eval", eval),
    ("evalsha", evalsha),
    ("eval_ro", eval_ro),
    ("evalsha_ro", evalsha_ro),
    ("script|load", script_load),
    ("script|exists", script_exists),
    ("script|flush", script_flush),
    ("script|kill", script_kill),
    ("script|help", script_help),
];

/// The server as the scripting runtime sees it during one script.
pub struct ScriptHost<'a> {
    server: &'a mut Server,
    /// The script's own client: the caller's database at the start, the script's protocol.
    /// One is kept in the server between scripts (see [`ScriptHost::finish`]), boxed so that
    /// lending it to each script moves a pointer, not the whole client.
    client: Box<Client>,
    /// The command line that started the script.
    argv: &'a [&'a [u8]],
    /// The script came down the replication stream: a read-only replica runs it anyway.
    caller_is_primary: bool,
    /// The command the runtime's checks looked up last, for the call that follows them.
    checked: std::cell::RefCell<Option<Checked>>,
}

/// A plain (not container) command as the runtime's checks found it: the call that follows
/// names it the same way and need not look it up again.
struct Checked {
    /// The command's name as the script wrote it (held inline: a script's host is made per
    /// run, and allocating here cost as much as the rest of a short script's checks).
    given: smallvec::SmallVec<[u8; 24]>,
    command: Resolved,
}

/// What a script's call needs of a command of the table.
#[derive(Clone)]
struct Resolved {
    name: std::rc::Rc<str>,
    handler: Option<Handler>,
    arity: i32,
    flags: Flags,
}

impl Resolved {
    fn of(command: &super::table::Command) -> Resolved {
        Resolved {
            name: command.full_name.clone(),
            handler: command.handler,
            arity: command.arity,
            flags: command.flags,
        }
    }
}

impl<'a> ScriptHost<'a> {
    pub fn new(server: &'a mut Server, caller: &Client, argv: &'a [&'a [u8]]) -> Self {
        let mut client = server.script_client.take().unwrap_or_else(|| {
            let mut client = Client::new(0, String::new(), String::new(), true);
            client.is_script = true;
            Box::new(client)
        });
        client.id = caller.id;
        client.db = caller.db;
        if client.user != caller.user {
            client.user = caller.user.clone();
        }
        client.reply.buf.clear();
        client.script_caller_keys.clear();
        if server.keyspace.tracking.mode(caller.id).is_some() {
            if let Ok(command) = server.commands.describe(argv) {
                let name = command.full_name.clone();
                client.script_caller_keys = super::introspect::key_positions(&name, argv)
                    .into_iter()
                    .filter_map(|i| argv.get(i).map(|k| k.to_vec()))
                    .collect();
            }
        }
        ScriptHost {
            server,
            client,
            argv,
            caller_is_primary: caller.is_master,
            checked: std::cell::RefCell::new(None),
        }
    }

    /// Give the script client back to the server for the next script.
    pub fn finish(self) {
        self.server.script_client = Some(self.client);
    }
}

impl Host for ScriptHost<'_> {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        // A container's unknown subcommand is left to the call, which answers Redis's error.
        let command = match self.server.commands.describe(argv) {
            Ok(c) => c,
            Err(_) => self.server.commands.get(argv.first()?)?,
        };
        if !command.is_container() {
            let mut slot = self.checked.borrow_mut();
            match slot.as_mut() {
                // The name's buffer is kept from one call to the next.
                Some(checked) => {
                    checked.given.clear();
                    checked.given.extend_from_slice(argv[0]);
                    checked.command = Resolved::of(command);
                }
                None => {
                    *slot = Some(Checked {
                        given: argv[0].into(),
                        command: Resolved::of(command),
                    });
                }
            }
        }
        let f = command.flags;
        Some(CommandInfo {
            arity: command.arity,
            flags: CommandFlags {
                write: f.has(Flags::WRITE),
                read_only: f.has(Flags::READONLY),
                deny_oom: f.has(Flags::DENYOOM),
                no_script: f.has(Flags::NOSCRIPT) && !self.server.deny_scripts_disabled,
                allow_busy: f.has(Flags::ALLOW_BUSY),
                may_replicate: f.has(Flags::MAY_REPLICATE),
                stale: f.has(Flags::STALE),
            },
        })
    }

    fn call(&mut self, argv: &[&[u8]], protocol: u8) -> Reply {
        self.client.reply.buf.clear();
        self.client.reply.resp = protocol;
        let checked = self
            .checked
            .borrow()
            .as_ref()
            .filter(|c| argv.first() == Some(&&c.given[..]) && c.command.handler.is_some())
            .map(|c| c.command.clone());
        let found = match checked {
            Some(command) => Ok(command),
            None => self.server.commands.lookup(argv).map(Resolved::of),
        }
        .map(|c| {
            let arity_ok = super::table::arity_ok(c.arity, argv.len());
            (
                c.name,
                c.handler,
                arity_ok,
                c.flags.has(Flags::WRITE),
                c.flags,
            )
        });
        if let Ok((_, _, _, true, _)) = found {
            if let Some(script) = self.server.script.as_mut() {
                script.wrote = true;
            }
        }
        let mut ctx = Ctx {
            server: self.server,
            client: &mut self.client,
            runtime: None,
        };
        match found {
            Ok((name, handler, true, _, flags)) => {
                ctx.client.last_command = name.clone();
                super::call(&mut ctx, argv, &name, handler, flags)
            }
            Ok((name, _, false, _, _)) => ctx.client.reply.error(&format!(
                "ERR wrong number of arguments for '{name}' command"
            )),
            Err(_) => ctx
                .client
                .reply
                .error("ERR Unknown Redis command called from script"),
        }
        // Parsed in place: the buffer keeps its capacity for the script's next call.
        let reply = Reply::parse(&self.client.reply.buf)
            .unwrap_or_else(|| Reply::error("ERR reply could not be read"));
        self.client.reply.buf.clear();
        reply
    }

    fn acl_check(&self, argv: &[&[u8]]) -> Option<String> {
        if self.server.acl.unrestricted(self.client.user.as_bytes()) {
            return None;
        }
        let command = self.server.commands.describe(argv).ok()?;
        let name = command.full_name.clone();
        let denied = self
            .server
            .acl
            .check(self.client.user.as_bytes(), &name, argv, || {
                super::introspect::key_accesses(&name, argv)
            })?;
        Some(
            match denied {
                crate::acl::Denied::Command => {
                    "ERR The user executing the script can't run this command or subcommand"
                }
                crate::acl::Denied::Key(_) => "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
                crate::acl::Denied::Channel(_) => {
                    "ERR The user executing the script can't publish to the channel mentioned in the command"
                }
            }
            .to_string(),
        )
    }

    fn acl_denied(&mut self, argv: &[&[u8]]) {
        let Ok(command) = self.server.commands.describe(argv) else {
            return;
        };
        let name = command.full_name.clone();
        let user = self.client.user.clone();
        let denied = self.server.acl.check(user.as_bytes(), &name, argv, || {
            super::introspect::key_accesses(&name, argv)
        });
        if let Some(denied) = denied {
            let (reason, object) = denied.log_reason(&name);
            super::log_acl_refusal(
                self.server,
                &self.client,
                reason,
                crate::acl::log::Context::Lua,
                object,
                user.into_bytes(),
            );
        }
    }

    fn log(&mut self, level: LogLevel, message: &[u8]) {
        self.server
            .log(level as u8, &String::from_utf8_lossy(message));
    }

    fn out_of_memory(&self) -> bool {
        self.server.over_maxmemory()
    }

    fn read_only_replica(&self) -> bool {
        crate::replica::read_only(self.server) && !self.caller_is_primary
    }

    fn writes_refused(&self) -> Option<String> {
        if crate::persist::writes_denied(self.server) {
            return Some(crate::persist::MISCONF.to_string());
        }
        crate::replication::too_few_good_replicas(self.server)
            .then(|| super::NOREPLICAS.to_string())
    }

    fn command_rejected(&mut self, argv: &[&[u8]], error: &[u8]) {
        let code_end = error.iter().position(|&b| b == b' ').unwrap_or(error.len());
        let code = String::from_utf8_lossy(&error[..code_end]).into_owned();
        self.server.stats.count_error(&code);
        let name = self
            .server
            .commands
            .describe(argv)
            .ok()
            .map(|c| c.full_name.clone());
        if let Some(name) = name {
            self.server.stats.count_rejected(&name);
        }
    }

    fn script_tick(&mut self, elapsed: Duration, script_name: &str) -> bool {
        let threshold = Duration::from_millis(self.server.config.settings.busy_reply_threshold_ms);
        if elapsed >= threshold {
            let argv = self.argv;
            let newly_busy = self.server.script.as_mut().is_some_and(|s| {
                if s.busy {
                    return false;
                }
                s.busy = true;
                s.started = Instant::now().checked_sub(elapsed);
                s.name = script_name.to_string();
                if !s.is_eval {
                    s.command = argv.iter().map(|a| a.to_vec()).collect();
                }
                true
            });
            if newly_busy {
                let (kill, name) = match self.server.script.as_ref() {
                    Some(s) if !s.is_eval => ("FUNCTION KILL", s.name.clone()),
                    Some(s) => ("SCRIPT KILL", s.name.clone()),
                    None => ("SCRIPT KILL", String::new()),
                };
                self.server.log_warning(&format!(
                    "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {kill} command. Script name is: {name}.",
                    elapsed.as_millis()
                ));
            }
            crate::net::serve_while_busy(self.server);
        }
        // SHUTDOWN NOSAVE while busy ends the script too; the event loop then stops.
        self.server.shutdown.is_some()
            || self
                .server
                .script
                .as_ref()
                .is_some_and(|s| s.kill_requested)
    }
}

fn eval(ctx: &mut Ctx, argv: &[&[u8]]) {
    run_script(ctx, argv, false, false);
}

fn evalsha(ctx: &mut Ctx, argv: &[&[u8]]) {
    run_script(ctx, argv, true, false);
}

fn eval_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    run_script(ctx, argv, false, true);
}

fn evalsha_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    run_script(ctx, argv, true, true);
}

fn run_script(ctx: &mut Ctx, argv: &[&[u8]], by_sha: bool, read_only: bool) {
    // EVAL is shown to MONITOR before the commands it runs (the table marks it skip-monitor).
    crate::slowlog::feed_monitors(ctx.server, ctx.client, argv);
    // A digest that is not 40 characters long matches no script: Redis says so before it
    // reads the number of keys.
    if by_sha && argv[1].len() != 40 {
        ctx.client
            .reply
            .error("NOSCRIPT No matching script. Please use EVAL.");
        return;
    }
    let (keys, args) = match split_keys(argv[2], &argv[3..]) {
        Ok(split) => split,
        Err(reply) => {
            ctx.client.reply.reply(&reply);
            return;
        }
    };
    let options = CallOptions {
        read_only,
        client_resp: ctx.client.resp(),
    };
    run_lent(ctx, true, argv, |runtime, host| {
        if by_sha {
            runtime.evalsha(host, argv[1], keys, args, options)
        } else {
            runtime.eval(host, argv[1], keys, args, options)
        }
    });
}

/// Run a script or function on the runtime lent by the event loop: the server marks it
/// running (for busy replies and kills) and freezes the clock for it, as Redis does.
pub(super) fn run_lent(
    ctx: &mut Ctx,
    is_eval: bool,
    argv: &[&[u8]],
    run: impl FnOnce(&mut redis_runtime::Runtime, &mut ScriptHost) -> Reply,
) {
    let Some(runtime) = ctx.runtime.take() else {
        ctx.client
            .reply
            .error("ERR This Redis command is not allowed from script");
        return;
    };
    ctx.server.script = Some(RunningScript {
        is_eval,
        busy: false,
        kill_requested: false,
        wrote: false,
        client_id: ctx.client.id,
        started: None,
        name: String::new(),
        command: Vec::new(),
    });
    // The script sees the time its batch of requests was read at, frozen for its whole run.
    ctx.server.keyspace.time_frozen = true;
    let mut host = ScriptHost::new(ctx.server, ctx.client, argv);
    let reply = run(runtime, &mut host);
    host.finish();
    ctx.server.keyspace.time_frozen = false;
    if ctx.server.script.take().is_some_and(|s| s.busy) {
        ctx.server.log_warning("Slow script finished.");
    }
    ctx.server.scripting = ScriptingFigures::of(runtime);
    ctx.client.reply_error_counted = runtime.last_error_counted();
    ctx.client.reply.reply(&reply);
    // Its commands were logged one by one: the script itself never is.
    ctx.client.propagate_instead(Vec::new());
    ctx.runtime = Some(runtime);
}

/// The runtime, or the error for a SCRIPT command run where there is none (inside a script).
fn runtime<'a>(ctx: &'a mut Ctx) -> Option<&'a mut redis_runtime::Runtime> {
    if ctx.runtime.is_none() {
        ctx.client
            .reply
            .error("ERR This Redis command is not allowed from script");
    }
    ctx.runtime.as_deref_mut()
}

fn script_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(rt) = runtime(ctx) else { return };
    let result = rt.script_load(argv[2]);
    ctx.server.scripting = ScriptingFigures::of(rt);
    match result {
        Ok(sha) => ctx.client.reply.bulk(sha.as_bytes()),
        Err(reply) => ctx.client.reply.reply(&reply),
    }
}

fn script_exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(rt) = runtime(ctx) else { return };
    let found: Vec<bool> = argv[2..].iter().map(|sha| rt.script_exists(sha)).collect();
    ctx.client.reply.array(found.len());
    for f in found {
        ctx.client.reply.int(i64::from(f));
    }
}

fn script_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    let valid = match argv.len() {
        2 => true,
        3 => is(argv[2], "async") || is(argv[2], "sync"),
        _ => false,
    };
    if !valid {
        ctx.client
            .reply
            .error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    let Some(rt) = runtime(ctx) else { return };
    match rt.script_flush() {
        Ok(()) => {
            ctx.server.scripting = ScriptingFigures::of(rt);
            ctx.client.reply.ok();
        }
        Err(e) => ctx.client.reply.error(&format!("ERR {e}")),
    }
}

fn script_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    kill(ctx, true);
}

/// SCRIPT KILL (`is_eval`) or FUNCTION KILL: each stops only its own kind (`scriptKill`).
pub(super) fn kill(ctx: &mut Ctx, is_eval: bool) {
    match ctx.server.script.as_mut() {
        None => ctx
            .client
            .reply
            .error("NOTBUSY No scripts in execution right now."),
        Some(script) if script.wrote => ctx.client.reply.error(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ),
        Some(script) if script.is_eval != is_eval => ctx.client.reply.error(busy_text(script.is_eval)),
        Some(script) => {
            script.kill_requested = true;
            ctx.client.reply.ok();
        }
    }
}

/// The BUSY error naming the kill command for the running kind of script.
pub fn busy_text(is_eval: bool) -> &'static str {
    if is_eval {
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    } else {
        "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
    }
}

fn script_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::SCRIPT);
}
