//! The run context of one script execution, independent of Lua (Redis's `script.c`): the
//! script's flags, which commands it may call, and what it has done so far.

use crate::host::{CommandInfo, Host};
use crate::Reply;

/// Flags a script declares in its shebang (`#!lua flags=...`) or a function at registration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot_keys: bool,
    /// No shebang: Redis's compatibility mode (OOM checked per write command, cross-slot
    /// allowed).
    pub eval_compat_mode: bool,
}

/// The flag names of the shebang line, and the flag each sets.
const FLAG_NAMES: &[(&str, fn(&mut ScriptFlags))] = &[
    ("no-writes", |f| f.no_writes = true),
    ("allow-oom", |f| f.allow_oom = true),
    ("allow-stale", |f| f.allow_stale = true),
    ("no-cluster", |f| f.no_cluster = true),
    ("allow-cross-slot-keys", |f| f.allow_cross_slot_keys = true),
];

impl ScriptFlags {
    /// The names of the flags set, in Redis's order (`FUNCTION LIST`).
    pub fn names(&self) -> Vec<&'static str> {
        let set = [
            self.no_writes,
            self.allow_oom,
            self.allow_stale,
            self.no_cluster,
            self.allow_cross_slot_keys,
        ];
        FLAG_NAMES
            .iter()
            .zip(set)
            .filter(|(_, on)| *on)
            .map(|((name, _), _)| *name)
            .collect()
    }

    /// Set the flag named `name`; `false` if there is no such flag.
    pub fn set_by_name(&mut self, name: &str) -> bool {
        match FLAG_NAMES.iter().find(|(n, _)| *n == name) {
            Some((_, set)) => {
                set(self);
                true
            }
            None => false,
        }
    }
}

/// The state of the running script, as the command gate sees it.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub flags: ScriptFlags,
    /// Called through `EVAL_RO`/`EVALSHA_RO`/`FCALL_RO`: writes are refused.
    pub read_only_call: bool,
    /// The protocol the script asked for with `redis.setresp` (2 or 3).
    pub resp: u8,
    /// The protocol of the client that called the script (2 or 3).
    pub client_resp: u8,
    /// A write command ran (the script can no longer be killed).
    pub wrote: bool,
    /// A kill was requested; the script stops at its next check.
    pub killed: bool,
    /// The line the script was at when it was killed (its error names it).
    pub killed_at_line: i64,
    /// The script's name in error messages: its SHA1 for EVAL, the function name for FCALL.
    pub name: std::rc::Rc<str>,
}

/// The checks made once before a script with flags (a shebang, or a function) starts, in
/// Redis's order (`scriptPrepareForRun`): memory, then the server refusing writes; a script
/// that declares `no-writes` passes both.
pub(crate) fn refuse_before_run(host: &dyn Host, flags: ScriptFlags) -> Option<Reply> {
    if flags.no_writes {
        return None;
    }
    // Redis refuses such a script as a write command before it reaches the script engine
    // (the flags of EVAL and FCALL come from the script), hence the generic text.
    if host.read_only_replica() {
        return Some(Reply::error(
            "READONLY You can't write against a read only replica.",
        ));
    }
    if !flags.allow_oom && host.out_of_memory() {
        return Some(Reply::error(
            "OOM command not allowed when used memory > 'maxmemory'.",
        ));
    }
    host.writes_refused().map(|e| Reply::Error(e.into_bytes()))
}

impl RunContext {
    pub fn new(
        name: std::rc::Rc<str>,
        flags: ScriptFlags,
        read_only_call: bool,
        client_resp: u8,
    ) -> Self {
        RunContext {
            flags,
            read_only_call,
            resp: 2,
            client_resp,
            wrote: false,
            killed: false,
            killed_at_line: 0,
            name,
        }
    }

    /// Whether the script may not write (declared `no-writes`, or called read-only).
    pub fn is_read_only(&self) -> bool {
        self.flags.no_writes || self.read_only_call
    }

    /// The checks Redis makes before a script runs a command (`scriptCall`), in its order;
    /// `Err` is the error text (without the leading `-`).
    pub fn check_command(
        &mut self,
        host: &mut dyn Host,
        argv: &[&[u8]],
    ) -> Result<CommandInfo, String> {
        let Some(info) = host.command(argv).filter(|_| !argv.is_empty()) else {
            return Err("ERR Unknown Redis command called from script".into());
        };
        let argc = argv.len() as i64;
        let arity = i64::from(info.arity);
        if (arity > 0 && arity != argc) || argc < -arity {
            return Err("ERR Wrong number of args calling Redis command from script".into());
        }
        if info.flags.no_script {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        // The host words the refusal (Redis: the command, a key, or a channel).
        if let Some(error) = host.acl_check(argv) {
            host.acl_denied(argv);
            return Err(error);
        }
        if (info.flags.write || info.flags.may_replicate) && self.is_read_only() {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        // Server states that refuse writes fail only a script that has not written yet.
        if info.flags.write && !self.wrote {
            if host.read_only_replica() {
                return Err("READONLY You can't write against a read only replica.".into());
            }
            if let Some(error) = host.writes_refused() {
                return Err(error);
            }
        }
        // Scripts with a shebang were checked for memory once, before they started; scripts in
        // compatibility mode are checked per command, until their first write.
        let check_oom = self.flags.eval_compat_mode && !self.wrote && !self.flags.allow_oom;
        if check_oom && info.flags.deny_oom && host.out_of_memory() {
            return Err("OOM command not allowed when used memory > 'maxmemory'.".into());
        }
        if info.flags.write {
            self.wrote = true;
        }
        Ok(info)
    }
}
