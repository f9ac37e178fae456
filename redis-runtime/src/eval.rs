//! The EVAL family: the script cache keyed by SHA1, the shebang line, `numkeys`, and the run
//! of a cached script.

use crate::engine::{Engine, ScriptId};
use crate::functions::Functions;
use crate::host::Host;
use crate::lua::rand48::Rand48;
use crate::lua::EvalEngine;
use crate::script::{RunContext, ScriptFlags};
use crate::{ExtraLibrary, Reply};
use std::collections::HashMap;
use std::rc::Rc;

/// The script cache's map (keys are SHA1s already, so a fast hash is enough).
type ScriptMap = HashMap<[u8; 40], CachedScript, ahash::RandomState>;

/// A compiled script in the cache.
struct CachedScript {
    id: ScriptId,
    flags: ScriptFlags,
    /// Its SHA1, as errors and the host's busy reports name it.
    name: Rc<str>,
}

/// How a script is being called.
#[derive(Debug, Clone, Copy)]
pub struct CallOptions {
    /// `EVAL_RO` / `EVALSHA_RO`.
    pub read_only: bool,
    /// The calling client's protocol (2 or 3).
    pub client_resp: u8,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions {
            read_only: false,
            client_resp: 2,
        }
    }
}

/// The scripting runtime: Redis's Lua environment and its script cache.
pub struct Runtime {
    engine: Box<dyn Engine>,
    scripts: ScriptMap,
    /// The SHA1s of recent EVAL bodies, so a script sent again and again is not hashed each
    /// time (only short bodies, and a bounded number of them).
    recent_bodies: HashMap<Box<[u8]>, [u8; 40], ahash::RandomState>,
    functions: Functions,
    /// The last EVAL/EVALSHA/FCALL ended in an error the host had counted already.
    last_error_counted: bool,
}

impl Runtime {
    /// A runtime with every bundled library, as redis-server has.
    pub fn new() -> Result<Runtime, lua_core::api::Error> {
        Runtime::with_libraries(ExtraLibrary::ALL)
    }

    /// A runtime with only `libraries` of the bundled ones.
    pub fn with_libraries(libraries: &[ExtraLibrary]) -> Result<Runtime, lua_core::api::Error> {
        let random = Rand48::new();
        Ok(Runtime {
            engine: Box::new(EvalEngine::new(libraries, random.clone())?),
            scripts: ScriptMap::default(),
            recent_bodies: HashMap::default(),
            functions: Functions::new(libraries, random)?,
            last_error_counted: false,
        })
    }

    /// A runtime whose EVAL scripts run on `engine` (their shebang line names it: `#!<name>`);
    /// FUNCTION libraries stay Lua, with every bundled library.
    pub fn with_engine(engine: Box<dyn Engine>) -> Result<Runtime, lua_core::api::Error> {
        Ok(Runtime {
            engine,
            scripts: ScriptMap::default(),
            recent_bodies: HashMap::default(),
            functions: Functions::new(ExtraLibrary::ALL, Rand48::new())?,
            last_error_counted: false,
        })
    }

    /// `EVAL body numkeys key... arg...`, the keys and arguments already split (see
    /// [`split_keys`]).
    pub fn eval(
        &mut self,
        host: &mut dyn Host,
        body: &[u8],
        keys: &[&[u8]],
        args: &[&[u8]],
        options: CallOptions,
    ) -> Reply {
        self.last_error_counted = false;
        let key = self.body_key(body);
        if !self.scripts.contains_key(&key) {
            if let Err(e) = self.load(body, key) {
                return e;
            }
        }
        self.run_cached(host, &key, keys, args, options)
    }

    /// The cache key (SHA1 in hex) of an EVAL body, remembered for short bodies.
    fn body_key(&mut self, body: &[u8]) -> [u8; 40] {
        /// Longest body remembered, and how many are.
        const MEMO_BODY: usize = 4096;
        const MEMO_ENTRIES: usize = 64;
        if let Some(key) = self.recent_bodies.get(body) {
            return *key;
        }
        let key = crate::sha1_hex_bytes(body);
        if body.len() <= MEMO_BODY {
            if self.recent_bodies.len() >= MEMO_ENTRIES {
                self.recent_bodies.clear();
            }
            self.recent_bodies.insert(body.into(), key);
        }
        key
    }

    /// `EVALSHA sha numkeys key... arg...`.
    pub fn evalsha(
        &mut self,
        host: &mut dyn Host,
        sha: &[u8],
        keys: &[&[u8]],
        args: &[&[u8]],
        options: CallOptions,
    ) -> Reply {
        self.last_error_counted = false;
        let Some(key) = lookup_key(sha) else {
            return noscript();
        };
        self.run_cached(host, &key, keys, args, options)
    }

    /// `SCRIPT LOAD body`: the script's SHA1, or the error reply of a script that does not
    /// compile.
    pub fn script_load(&mut self, body: &[u8]) -> Result<String, Reply> {
        let sha = crate::sha1_hex(body);
        let key = sha_key(&sha);
        if !self.scripts.contains_key(&key) {
            self.load(body, key)?;
        }
        Ok(sha)
    }

    /// The flags of a script, given its body (`evalsha` false) or its SHA1: those it was
    /// cached with, else (a body not run yet) those of its shebang line; `None` for an
    /// unknown SHA1 or a shebang that does not parse.
    pub fn script_flags(&self, evalsha: bool, script: &[u8]) -> Option<ScriptFlags> {
        let key = if evalsha {
            lookup_key(script)?
        } else {
            match self.recent_bodies.get(script) {
                Some(key) => *key,
                None => crate::sha1_hex_bytes(script),
            }
        };
        match self.scripts.get(&key) {
            Some(cached) => Some(cached.flags),
            None if evalsha => None,
            None => parse_shebang(script).ok().map(|(flags, _)| flags),
        }
    }

    /// `SCRIPT EXISTS sha`.
    pub fn script_exists(&self, sha: &[u8]) -> bool {
        lookup_key(sha).is_some_and(|k| self.scripts.contains_key(&k))
    }

    /// `SCRIPT FLUSH`: every script is dropped with the interpreter that held them.
    pub fn script_flush(&mut self) -> Result<(), String> {
        self.scripts.clear();
        self.engine.reset()
    }

    /// Cached scripts (`number_of_cached_scripts`).
    pub fn cached_scripts(&self) -> usize {
        self.scripts.len()
    }

    /// Bytes the Lua heap holds (`used_memory_lua`).
    pub fn used_memory(&self) -> usize {
        self.engine.used_memory()
    }

    /// Cap the scripts' heap at `bytes` beyond what it holds now (`None`, the default: no
    /// cap, as Redis has none); a script allocating past it gets Redis's out-of-memory error
    /// and the runtime stays usable.
    pub fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.engine.set_memory_limit(bytes);
    }

    /// The FUNCTION libraries.
    pub fn functions(&self) -> &Functions {
        &self.functions
    }

    pub fn functions_mut(&mut self) -> &mut Functions {
        &mut self.functions
    }

    /// A whole `FUNCTION <subcommand> ...` command line (see [`Functions::command`]).
    pub fn function(&mut self, host: &mut dyn Host, argv: &[&[u8]]) -> Reply {
        self.functions.command(host, argv)
    }

    /// A whole `FCALL` / `FCALL_RO` command line (see [`Functions::call`]).
    pub fn fcall(&mut self, host: &mut dyn Host, argv: &[&[u8]], options: CallOptions) -> Reply {
        let (reply, counted) = self.functions.call_counted(host, argv, options);
        self.last_error_counted = counted;
        reply
    }

    /// Whether the error reply of the last EVAL, EVALSHA or FCALL is one the host counted
    /// already, when the command that failed ran or was refused (Redis counts it once: the
    /// script's caller still sees it as a failed call).
    pub fn last_error_counted(&self) -> bool {
        self.last_error_counted
    }

    /// How long the running script has run (for busy checks from `Host::script_tick`).
    pub fn elapsed(&self) -> std::time::Duration {
        self.engine.elapsed()
    }

    fn load(&mut self, body: &[u8], key: [u8; 40]) -> Result<(), Reply> {
        let (flags, source) = parse_shebang_for(body, self.engine.name()).map_err(Reply::Error)?;
        let id = self.engine.compile(source)?;
        let name = Rc::from(std::str::from_utf8(&key).unwrap_or_default());
        self.scripts.insert(key, CachedScript { id, flags, name });
        Ok(())
    }

    fn run_cached(
        &mut self,
        host: &mut dyn Host,
        key: &[u8; 40],
        keys: &[&[u8]],
        args: &[&[u8]],
        options: CallOptions,
    ) -> Reply {
        let Some(script) = self.scripts.get(key) else {
            return noscript();
        };
        let flags = script.flags;
        if options.read_only && !flags.no_writes && !flags.eval_compat_mode {
            return Reply::error(
                "ERR Can not execute a script with write flag using *_ro command.",
            );
        }
        if !flags.eval_compat_mode {
            if let Some(refused) = crate::script::refuse_before_run(host, flags) {
                return refused;
            }
        }
        let run = RunContext::new(
            script.name.clone(),
            flags,
            options.read_only,
            options.client_resp,
        );
        let reply = self.engine.run(host, script.id, run, keys, args);
        self.last_error_counted = self.engine.last_error_counted();
        reply
    }
}

fn noscript() -> Reply {
    Reply::error("NOSCRIPT No matching script. Please use EVAL.")
}

fn sha_key(sha: &str) -> [u8; 40] {
    let mut key = [0u8; 40];
    key.copy_from_slice(&sha.as_bytes()[..40]);
    key
}

/// The cache key of a SHA1 given by a client: 40 characters, any case.
fn lookup_key(sha: &[u8]) -> Option<[u8; 40]> {
    let sha: &[u8; 40] = sha.try_into().ok()?;
    Some(sha.map(|b| b.to_ascii_lowercase()))
}

/// The flags of a Lua script's shebang line and the source to compile: the body with the
/// shebang line removed but its newline kept, so line numbers stay right. A script without a
/// shebang runs in compatibility mode.
pub fn parse_shebang(body: &[u8]) -> Result<(ScriptFlags, &[u8]), Vec<u8>> {
    parse_shebang_for(body, "lua")
}

/// [`parse_shebang`] for the engine called `engine` (`#!<engine> flags=...`).
pub fn parse_shebang_for<'a>(
    body: &'a [u8],
    engine_name: &str,
) -> Result<(ScriptFlags, &'a [u8]), Vec<u8>> {
    if !body.starts_with(b"#!") {
        let flags = ScriptFlags {
            eval_compat_mode: true,
            ..Default::default()
        };
        return Ok((flags, body));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err(b"ERR Invalid script shebang".to_vec());
    };
    let line = String::from_utf8_lossy(&body[..end]);
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or_default();
    if engine.strip_prefix("#!") != Some(engine_name) {
        return Err(format!("ERR Unexpected engine in script shebang: {engine}").into_bytes());
    }
    let mut flags = ScriptFlags::default();
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(format!("ERR Unknown lua shebang option: {part}").into_bytes());
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            if !flags.set_by_name(flag) {
                return Err(format!("ERR Unexpected flag in script shebang: {flag}").into_bytes());
            }
        }
    }
    Ok((flags, &body[end..]))
}

/// Split `numkeys key... arg...` as EVAL does, with its errors.
pub fn split_keys<'a>(
    numkeys: &[u8],
    rest: &'a [&'a [u8]],
) -> Result<(&'a [&'a [u8]], &'a [&'a [u8]]), Reply> {
    let n: i64 = std::str::from_utf8(numkeys)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Reply::error("ERR value is not an integer or out of range"))?;
    if n < 0 {
        return Err(Reply::error("ERR Number of keys can't be negative"));
    }
    if n as u64 > rest.len() as u64 {
        return Err(Reply::error(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    Ok(rest.split_at(n as usize))
}
