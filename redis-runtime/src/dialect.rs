//! The server a script runs in, where servers differ: Redis 7.0 (our server's reference) or
//! Valkey (whose scripting engine this runtime can also be). One runtime, two sets of names and
//! texts, chosen when an interpreter is built.

/// Which server's behaviour scripts see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    kind: Kind,
    /// `redis.REDIS_VERSION`, and its number (`0x00MMmmpp`).
    redis_version: String,
    redis_version_num: u32,
    /// Valkey's name and version (`server.SERVER_NAME`, `server.VALKEY_VERSION`).
    valkey: Option<(String, String, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Redis70,
    Valkey,
}

/// Which kill stopped a script (Valkey names it in the error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillKind {
    Script,
    Function,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect::redis_7_0()
    }
}

impl Dialect {
    /// Redis 7.0.15, as `redis-server` runs scripts.
    pub fn redis_7_0() -> Dialect {
        Dialect {
            kind: Kind::Redis70,
            redis_version: crate::REDIS_VERSION.to_string(),
            redis_version_num: version_number(crate::REDIS_VERSION),
            valkey: None,
        }
    }

    /// Valkey, as its own Lua engine behaves: scripts also see the `redis` table as `server`
    /// (with `SERVER_NAME`, `VALKEY_VERSION`, `VALKEY_VERSION_NUM`), messages name `server.`
    /// functions, and the host checks each command a script runs itself (`ValkeyModule_Call`
    /// in script mode), so the runtime passes commands straight through.
    pub fn valkey(server_name: &str, valkey_version: &str, redis_version: &str) -> Dialect {
        Dialect {
            kind: Kind::Valkey,
            redis_version: redis_version.to_string(),
            redis_version_num: version_number(redis_version),
            valkey: Some((
                server_name.to_string(),
                valkey_version.to_string(),
                version_number(valkey_version),
            )),
        }
    }

    pub(crate) fn redis_version(&self) -> (&str, u32) {
        (&self.redis_version, self.redis_version_num)
    }

    /// `(SERVER_NAME, VALKEY_VERSION, VALKEY_VERSION_NUM)` under Valkey.
    pub(crate) fn valkey_identity(&self) -> Option<(&str, &str, u32)> {
        self.valkey
            .as_ref()
            .map(|(name, version, num)| (name.as_str(), version.as_str(), *num))
    }

    /// Whether the host checks every command a script runs (Valkey), rather than the runtime's
    /// [`crate::RunContext::check_command`] (Redis 7.0).
    pub(crate) fn host_checks_commands(&self) -> bool {
        self.kind == Kind::Valkey
    }

    /// How this server's Lua hashes strings, which decides the order `pairs`, `next`, cjson
    /// and cmsgpack visit a table's string keys: Redis 7.0's Lua mixes every byte in, Valkey's
    /// (since 8.1) uses MurmurHash3.
    pub(crate) fn string_hash(&self) -> lua_core::api::StringHash {
        match self.kind {
            Kind::Redis70 => lua_core::api::StringHash::AllBytes,
            Kind::Valkey => lua_core::api::StringHash::Murmur3,
        }
    }

    /// Whether a RESP3 map or set a command returns becomes a table made at its final size
    /// (Valkey) rather than one grown from empty (Redis 7.0); the order `pairs` visits its keys
    /// follows.
    pub(crate) fn presizes_collections(&self) -> bool {
        self.kind == Kind::Valkey
    }

    /// Whether scripts have `os.clock` (Valkey opens `os` with it alone; Redis 7.0 has no
    /// `os`).
    pub(crate) fn has_os_clock(&self) -> bool {
        self.kind == Kind::Valkey
    }

    /// Whether the host checks the names library code registers (valid, not repeated) once
    /// the load ends (Valkey), rather than `register_function` raising at once (Redis 7.0).
    pub(crate) fn host_checks_registrations(&self) -> bool {
        self.kind == Kind::Valkey
    }

    /// A message naming the scripting table's functions (`redis.log() requires ...`) as
    /// this server names them: Valkey says `server.` where Redis says `redis.`.
    pub(crate) fn message(&self, text: &str) -> String {
        match self.kind {
            Kind::Redis70 => text.to_string(),
            Kind::Valkey => text.replace("redis.", "server."),
        }
    }

    /// `redis.call` with no arguments.
    pub(crate) fn no_arguments(&self) -> &'static str {
        match self.kind {
            Kind::Redis70 => "ERR Please specify at least one argument for this redis lib call",
            Kind::Valkey => "ERR Please specify at least one argument for this call",
        }
    }

    /// `redis.call` with an argument that is neither a string nor a number.
    pub(crate) fn bad_argument(&self) -> &'static str {
        match self.kind {
            Kind::Redis70 => "ERR Lua redis lib command arguments must be strings or integers",
            Kind::Valkey => "ERR Command arguments must be strings or integers",
        }
    }

    /// `redis.log` with a level out of range.
    pub(crate) fn bad_log_level(&self) -> &'static str {
        match self.kind {
            Kind::Redis70 => "ERR Invalid debug level.",
            Kind::Valkey => "ERR Invalid log level.",
        }
    }

    /// `redis.set_repl()` without its one argument.
    pub(crate) fn set_repl_arity(&self) -> &'static str {
        match self.kind {
            Kind::Redis70 => "ERR redis.set_repl() requires two arguments.",
            Kind::Valkey => "ERR server.set_repl() requires one argument.",
        }
    }

    /// Where a script's error was raised, appended to its message: script `name` (its SHA1
    /// or function name, which Valkey's engine does not know), chunk `source`, `line`.
    pub(crate) fn push_location(&self, out: &mut Vec<u8>, name: &str, source: &[u8], line: &[u8]) {
        match self.kind {
            Kind::Redis70 => {
                out.extend_from_slice(b" script: ");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b", on ");
            }
            Kind::Valkey => out.extend_from_slice(b" script: on "),
        }
        out.extend_from_slice(source);
        out.push(b':');
        out.extend_from_slice(line);
        out.push(b'.');
    }

    /// The error a killed script ends with, before its location.
    pub(crate) fn killed(&self, kind: KillKind) -> &'static str {
        match (self.kind, kind) {
            (Kind::Redis70, _) => "ERR Script killed by user with SCRIPT KILL...",
            (Kind::Valkey, KillKind::Script) => "ERR Script killed by user with SCRIPT KILL.",
            (Kind::Valkey, KillKind::Function) => "ERR Script killed by user with FUNCTION KILL.",
        }
    }
}

/// `major.minor.patch` as `0x00MMmmpp` (each part one byte, as Redis's `REDIS_VERSION_NUM`).
fn version_number(version: &str) -> u32 {
    let mut parts = version
        .split('.')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0) & 0xff);
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (major << 16) | (minor << 8) | patch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_numbers_as_the_servers_report_them() {
        // Values read from the servers: redis-server 7.0.15, valkey-server 9.1.2.
        assert_eq!(version_number("7.0.15"), 0x07000f);
        assert_eq!(version_number("7.2.4"), 459268);
        assert_eq!(version_number("9.1.2"), 590082);
        assert_eq!(version_number("garbage"), 0);
    }

    #[test]
    fn locations_in_each_dialect() {
        let mut redis = Vec::new();
        Dialect::redis_7_0().push_location(&mut redis, "abc", b"@user_script", b"1");
        assert_eq!(redis, b" script: abc, on @user_script:1.");
        let mut valkey = Vec::new();
        Dialect::valkey("valkey", "9.1.2", "7.2.4").push_location(
            &mut valkey,
            "abc",
            b"@user_script",
            b"1",
        );
        assert_eq!(valkey, b" script: on @user_script:1.");
    }
}
