//! The process title (`proc-title-template`, `set-proc-title`): what `ps` and
//! `/proc/<pid>/cmdline` show for the server, as Redis sets it (`redis-server *:6379`), from a
//! template of `{title}`, `{listen-addr}`, `{server-mode}`, `{config-file}`, `{port}`,
//! `{tls-port}` and `{unixsocket}` (`{{` for a brace).
//!
//! Linux shows the memory that held the program's arguments, and, when the last argument's
//! end is overwritten, the environment's strings after them: a longer title uses that room
//! too, once the environment has been copied elsewhere (what setproctitle(3) does). The
//! writes are the module's one unsafe block.

use std::sync::Mutex;

/// What the template's variables stand for.
pub struct Vars<'a> {
    pub title: &'a str,
    pub bind: Option<&'a str>,
    pub port: u16,
    pub config_file: Option<&'a str>,
    pub unixsocket: &'a str,
}

/// The template with its variables replaced, trimmed of spaces (`expandProcTitleTemplate`);
/// `None` for an unknown variable or an unclosed brace.
pub fn expand(template: &str, vars: &Vars) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return None;
        }
        if let Some(quoted) = after.strip_prefix('{') {
            out.push('{');
            rest = quoted;
            continue;
        }
        let close = after.find('}')?;
        out.push_str(&variable(&after[..close], vars)?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out.trim_matches(' ').to_string())
}

fn variable(name: &str, vars: &Vars) -> Option<String> {
    Some(match name {
        "title" => vars.title.to_string(),
        "listen-addr" if vars.port != 0 => format!("{}:{}", vars.bind.unwrap_or("*"), vars.port),
        "listen-addr" => format!("unixsocket:{}", vars.unixsocket),
        "server-mode" => String::new(),
        "config-file" => vars.config_file.unwrap_or("-").to_string(),
        "port" => vars.port.to_string(),
        "tls-port" => "0".to_string(),
        "unixsocket" => vars.unixsocket.to_string(),
        _ => return None,
    })
}

/// The server's title from its template, with `title` for `{title}` (the executable as
/// started, or a fork child's name).
pub fn of_server(server: &crate::server::Server, title: &str) -> Option<String> {
    let template = server.config.get("proc-title-template").unwrap_or_default();
    let vars = Vars {
        title,
        bind: server.config.settings.bind.first().map(String::as_str),
        port: server.port,
        config_file: server.config.file.as_deref().and_then(|p| p.to_str()),
        unixsocket: server.config.get("unixsocket").unwrap_or_default(),
    };
    expand(template, &vars)
}

/// Show the server's title (at start, and when the template changes), if `set-proc-title`.
pub fn apply(server: &crate::server::Server) {
    if server.config.get("set-proc-title") != Some("no") {
        if let Some(title) = of_server(server, &server.executable) {
            set(&title);
        }
    }
}

/// A fork child's title (`redis-rdb-bgsave`, `redis-aof-rewrite`), made before forking.
pub fn for_child(server: &crate::server::Server, name: &str) -> Option<String> {
    (server.config.get("set-proc-title") != Some("no"))
        .then(|| of_server(server, name))
        .flatten()
}

/// Whether a template may be set: it expands, to something (`validateProcTitleTemplate`).
pub fn valid(template: &str) -> bool {
    let vars = Vars {
        title: "",
        bind: None,
        port: 0,
        config_file: None,
        unixsocket: "",
    };
    expand(template, &vars).is_some_and(|t| !t.is_empty())
}

/// The memory the kernel shows as the command line, once taken over: its start and length.
static AREA: Mutex<Option<(usize, usize)>> = Mutex::new(None);

/// The arguments' and the environment's memory, from `/proc/self/stat` (fields 48 to 51).
fn argument_area() -> Option<(usize, usize, usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start with the third.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<usize>().ok();
    Some((field(48)?, field(49)?, field(50)?, field(51)?))
}

extern "C" {
    /// The C library's environment, which `getenv` reads.
    static mut environ: *mut *mut libc::c_char;
}

/// Take the command line's memory over, at start, before any other thread exists: the
/// environment is copied out of it first (the copies live as long as the process). Nothing
/// is done when the layout is not the usual one (arguments, then the environment's strings).
pub fn init() {
    let Some((arg_start, arg_end, env_start, env_end)) = argument_area() else {
        return;
    };
    if arg_start == 0 || arg_end <= arg_start || env_start < arg_end || env_end < env_start {
        return;
    }
    let Ok(mut area) = AREA.lock() else {
        return;
    };
    if area.is_some() {
        return;
    }
    // SAFETY: this runs at start, on the only thread, so nothing reads `environ` meanwhile.
    // `environ` is the C library's NULL-terminated array of pointers to NUL-terminated
    // strings; each is copied into a leaked `CString`, and the new NULL-terminated array of
    // the copies is leaked too, so `environ` points at memory that lives until the process
    // ends. From then on no pointer the C library or std keeps points into the environment's
    // old strings (std reads the environment through `environ`).
    unsafe {
        let mut copies: Vec<*mut libc::c_char> = Vec::new();
        let mut entry = environ;
        while !entry.is_null() && !(*entry).is_null() {
            let text = std::ffi::CStr::from_ptr(*entry).to_owned();
            copies.push(text.into_raw());
            entry = entry.add(1);
        }
        copies.push(std::ptr::null_mut());
        environ = Box::leak(copies.into_boxed_slice()).as_mut_ptr();
    }
    *area = Some((arg_start, env_end - arg_start));
}

/// Show `title` as the command line (cut to the room there is), when [`init`] took the
/// memory over.
pub fn set(title: &str) {
    let Ok(area) = AREA.lock() else {
        return;
    };
    let Some((start, len)) = *area else {
        return;
    };
    let bytes = title.as_bytes();
    let shown = bytes.len().min(len.saturating_sub(1));
    // SAFETY: `start..start + len` is the memory the kernel reports as this process's
    // arguments and environment strings (mapped and writable, on the initial stack), which
    // `init` took over: the environment was copied out and `environ` points at the copies,
    // so nothing reads these bytes as strings any more except through `std::env::args`,
    // whose pointers still find NUL-terminated text (the rest is zeroed). The lock keeps
    // writers one at a time; `shown < len` keeps every write inside the area.
    unsafe {
        let base = start as *mut u8;
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), base, shown);
        std::ptr::write_bytes(base.add(shown), 0, len - shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars<'static> {
        Vars {
            title: "/usr/bin/luredis",
            bind: Some("127.0.0.1"),
            port: 6379,
            config_file: Some("/etc/redis.conf"),
            unixsocket: "/tmp/s.sock",
        }
    }

    #[test]
    fn templates_expand_as_redis_expands_them() {
        let v = vars();
        assert_eq!(
            expand("{title} {listen-addr} {server-mode}", &v).as_deref(),
            Some("/usr/bin/luredis 127.0.0.1:6379")
        );
        assert_eq!(
            expand("TEST {port} {tls-port} {unixsocket} {config-file}", &v).as_deref(),
            Some("TEST 6379 0 /tmp/s.sock /etc/redis.conf")
        );
        assert_eq!(expand("{{x} }", &v).as_deref(), Some("{x} }"));
        assert_eq!(expand("{invalid-var}", &v), None);
        assert_eq!(expand("{title", &v), None);
        assert_eq!(expand("a {", &v), None);
        assert!(valid("{title}x"));
        assert!(!valid("{server-mode}"));
        assert!(!valid("{nope}"));
    }
}
