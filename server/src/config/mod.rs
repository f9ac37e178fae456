//! Configuration: one table of every option redis-server 7.0 knows (`options.txt`, with each
//! option's kind, bounds, flags and default), read from a `redis.conf`-style file and
//! `--name value` flags at start, and by `CONFIG GET/SET` while running.
//!
//! Values are kept as their canonical text, as `CONFIG GET` shows them; the options the server
//! acts on are also read into [`Settings`], typed, after every change.

pub mod rewrite;
mod settings;

pub use settings::{EvictionPolicy, Protected, Settings};

use crate::resp::request::split_args;
use std::collections::HashMap;

/// The option table, generated from the reference (see `server/scripts/config_table.py`).
const OPTIONS: &str = include_str!("options.txt");

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Bool,
    Int {
        min: i128,
        max: i128,
    },
    Memory {
        min: i128,
        max: i128,
        percent: bool,
    },
    Octal,
    Enum(Vec<String>),
    Text,
    /// Options with their own syntax (`save`, `bind`, `client-output-buffer-limit`, ...).
    Special,
}

#[derive(Debug, Clone)]
struct OptionSpec {
    name: String,
    alias: Option<String>,
    kind: Kind,
    immutable: bool,
    /// Settable only where `enable-protected-configs` allows the client.
    protected: bool,
    hidden: bool,
    multi_arg: bool,
    /// Not settable while the dataset loads.
    deny_loading: bool,
    default: String,
}

/// Why a value was refused; the text Redis gives after `... - `.
pub type ConfigError = String;

pub struct Config {
    specs: Vec<OptionSpec>,
    by_name: HashMap<String, usize>,
    values: Vec<String>,
    /// The config file given at start, for `CONFIG REWRITE`.
    pub file: Option<std::path::PathBuf>,
    /// `user <name> <rules...>` lines, name first, checked and kept for the start
    /// (`crate::acl::load_configured_users`).
    pub users: Vec<Vec<String>>,
    pub settings: Settings,
    /// A `save` line was read at the start: the next ones add to it rather than replacing the
    /// defaults (`save 900 1` then `--save 100 100` is `900 1 100 100`).
    save_loaded: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// Every option at its default.
    pub fn new() -> Config {
        let mut specs = Vec::new();
        for line in OPTIONS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut fields = line.splitn(6, ' ');
            let mut next = || fields.next().unwrap_or("");
            let (name, alias, kind, flags, bounds) = (next(), next(), next(), next(), next());
            let default = next().to_string();
            let range = || {
                let (lo, hi) = bounds.split_once(':').unwrap_or(("0", "0"));
                (lo.parse().unwrap_or(0), hi.parse().unwrap_or(0))
            };
            let kind = match kind {
                "bool" => Kind::Bool,
                "int" => {
                    let (min, max) = range();
                    Kind::Int { min, max }
                }
                "memory" | "memory-percent" => {
                    let (min, max) = range();
                    Kind::Memory {
                        min,
                        max,
                        percent: kind == "memory-percent",
                    }
                }
                "octal" => Kind::Octal,
                "enum" => Kind::Enum(bounds.split(',').map(str::to_string).collect()),
                "string" => Kind::Text,
                _ => Kind::Special,
            };
            let flags: Vec<&str> = flags.split(',').collect();
            specs.push(OptionSpec {
                name: name.to_string(),
                alias: (alias != "-").then(|| alias.to_string()),
                kind,
                immutable: flags.contains(&"immutable"),
                protected: flags.contains(&"protected"),
                hidden: flags.contains(&"hidden"),
                multi_arg: flags.contains(&"multi_arg"),
                deny_loading: flags.contains(&"deny_loading"),
                default,
            });
        }
        let mut by_name = HashMap::new();
        for (i, spec) in specs.iter().enumerate() {
            by_name.insert(spec.name.clone(), i);
            if let Some(alias) = &spec.alias {
                by_name.insert(alias.clone(), i);
            }
        }
        let values = specs.iter().map(|s| s.default.clone()).collect();
        let mut config = Config {
            specs,
            by_name,
            values,
            file: None,
            users: Vec::new(),
            save_loaded: false,
            settings: Settings::default(),
        };
        config.settings = Settings::read(&config);
        config
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// The current text of an option (by name or alias).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.index(name).map(|i| self.values[i].as_str())
    }

    /// Record a value the server itself changed (an immutable option such as `replicaof`,
    /// which `REPLICAOF` sets): what `CONFIG GET` and `CONFIG REWRITE` then show.
    pub fn record(&mut self, name: &str, value: String) {
        if let Some(i) = self.index(name) {
            self.values[i] = value;
        }
    }

    /// `CONFIG GET pattern...`: matching (name, value) pairs; an exact name also finds hidden
    /// options and aliases, a pattern only the visible primary names (and aliases).
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for pattern in patterns {
            let text = String::from_utf8_lossy(pattern).to_ascii_lowercase();
            if !text.contains(['[', '*', '?']) {
                // An exact name is answered under the spelling it was asked with.
                if let Some(i) = self.index(&text) {
                    if seen.insert(text.clone()) {
                        out.push((
                            String::from_utf8_lossy(pattern).into_owned(),
                            self.display(i),
                        ));
                    }
                }
                continue;
            }
            for (i, spec) in self.specs.iter().enumerate() {
                if spec.hidden {
                    continue;
                }
                for name in std::iter::once(&spec.name).chain(spec.alias.iter()) {
                    if crate::db::glob::matches(pattern, name.as_bytes(), true)
                        && seen.insert(name.clone())
                    {
                        out.push((name.clone(), self.display(i)));
                    }
                }
            }
        }
        out
    }

    fn display(&self, i: usize) -> String {
        match self.specs[i].name.as_str() {
            "dir" => std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            // Kept with an `n` that `A` hides (see `settings::stored_notify_flags`).
            "notify-keyspace-events" => settings::canonical_notify_flags(&self.values[i]),
            _ => self.values[i].clone(),
        }
    }

    /// Every option's value, to put back with [`Config::restore`] when applying a change
    /// fails after it was accepted (`CONFIG SET port` to a port in use).
    pub fn values(&self) -> Vec<String> {
        self.values.clone()
    }

    pub fn restore(&mut self, values: Vec<String>) {
        self.values = values;
        self.settings = Settings::read(self);
    }

    /// Whether CONFIG SET of `name` is refused while the dataset loads (an option flagged so,
    /// which the client could set otherwise).
    pub fn refused_while_loading(&self, name: &[u8], protected_allowed: bool) -> bool {
        let name = String::from_utf8_lossy(name);
        self.index(&name).is_some_and(|i| {
            let spec = &self.specs[i];
            spec.deny_loading && !spec.immutable && (protected_allowed || !spec.protected)
        })
    }

    /// `CONFIG SET name value [name value ...]`, all or nothing; protected options (`dir`,
    /// `dbfilename`) only when `protected_allowed`. The error is the whole reply text.
    pub fn set_many(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        protected_allowed: bool,
    ) -> Result<(), String> {
        let mut targets = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (name, _) in pairs {
            let name = String::from_utf8_lossy(name);
            let Some(i) = self.index(&name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                ));
            };
            if self.specs[i].immutable {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
                ));
            }
            if self.specs[i].protected && !protected_allowed {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config"
                ));
            }
            // Redis compares the names given: an option and its alias may both be set.
            if names.contains(&name.to_ascii_lowercase()) {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter"
                ));
            }
            names.push(name.to_ascii_lowercase());
            targets.push(i);
        }
        let backup = self.values.clone();
        for (&i, (_, value)) in targets.iter().zip(pairs) {
            let value = String::from_utf8_lossy(value);
            // CONFIG SET splits at every single space, empty words kept (`sdssplitlen`);
            // the configuration file splits as a command line does.
            let args = if self.specs[i].multi_arg {
                if value.is_empty() {
                    Vec::new()
                } else {
                    value.split(' ').map(str::to_string).collect()
                }
            } else {
                vec![value.into_owned()]
            };
            if let Err(e) = self.set_index(i, &args) {
                self.values = backup;
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {e}",
                    self.specs[i].name
                ));
            }
        }
        self.settings = Settings::read(self);
        Ok(())
    }

    /// Set one option from its arguments (a config file line's words after the name).
    fn set_index(&mut self, i: usize, args: &[String]) -> Result<(), ConfigError> {
        let spec = &self.specs[i];
        if !spec.multi_arg && args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        let value = args.first().map(String::as_str).unwrap_or("");
        let canonical = match &spec.kind {
            Kind::Bool => match value.to_ascii_lowercase().as_str() {
                "yes" => "yes".to_string(),
                "no" => "no".to_string(),
                _ => return Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int { min, max } => {
                let n = crate::util::parse_i64(value.as_bytes())
                    .ok_or("argument couldn't be parsed into an integer")?;
                check_range(i128::from(n), *min, *max)?;
                // Redis keeps `hz` within 1..=500 whatever is asked.
                let n = if spec.name == "hz" {
                    n.clamp(1, 500)
                } else {
                    n
                };
                n.to_string()
            }
            Kind::Memory { min, max, percent } => {
                let n = if let Some(n) = parse_memory(value) {
                    i128::from(n)
                } else if let Some(p) = value
                    .strip_suffix('%')
                    .filter(|_| *percent && value.len() > 1)
                    .and_then(|p| crate::util::parse_i64(p.as_bytes()))
                    .filter(|p| *p >= 0)
                {
                    -i128::from(p)
                } else if *percent {
                    return Err("argument must be a memory or percent value".into());
                } else {
                    return Err("argument must be a memory value".into());
                };
                if *percent && n < *min {
                    // Percentages are kept negative: the (negative) lower bound caps them.
                    return Err(format!(
                        "percentage argument must be less or equal to {}",
                        -*min
                    ));
                }
                check_range(n, *min, *max)?;
                if n < 0 {
                    format!("{}%", -n)
                } else {
                    n.to_string()
                }
            }
            Kind::Octal => {
                let n = i64::from_str_radix(value, 8)
                    .map_err(|_| "argument couldn't be parsed as an octal number")?;
                format!("{n:o}")
            }
            Kind::Enum(names) => {
                let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
                if lower.is_empty() || !lower.iter().all(|a| names.contains(a)) {
                    return Err(format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    ));
                }
                if self.specs[i].multi_arg {
                    // Flags (`shutdown-on-sigint nosave force now`): read back in the table's
                    // order, as Redis renders a bit set; its first name is the empty set.
                    let set: Vec<&str> = names[1..]
                        .iter()
                        .filter(|n| lower.contains(n))
                        .map(String::as_str)
                        .collect();
                    if set.is_empty() {
                        names[0].clone()
                    } else {
                        set.join(" ")
                    }
                } else {
                    lower.join(" ")
                }
            }
            Kind::Text => value.to_string(),
            Kind::Special => self.set_special(i, args)?,
        };
        self.values[i] = canonical;
        Ok(())
    }

    /// `client-output-buffer-limit <class> <hard> <soft> <soft seconds>...`: the classes given
    /// change, the others keep their limits; the value reads back as Redis writes it, every
    /// class in bytes (`normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60`).
    fn output_buffer_limits(&self, i: usize, args: &[String]) -> Result<String, ConfigError> {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        if words.len() % 4 != 0 {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        const CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];
        let mut limits: Vec<[u64; 3]> = CLASSES
            .iter()
            .map(|class| {
                let current: Vec<&str> = self.values[i].split_whitespace().collect();
                let at = current.iter().position(|w| w == class);
                let number = |k: usize| {
                    at.and_then(|at| current.get(at + k))
                        .and_then(|w| w.parse().ok())
                        .unwrap_or(0)
                };
                [number(1), number(2), number(3)]
            })
            .collect();
        for group in words.chunks(4) {
            let class = match group[0].to_ascii_lowercase().as_str() {
                "normal" => 0,
                "slave" | "replica" => 1,
                "pubsub" => 2,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    )
                }
            };
            let bad = || {
                ConfigError::from(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                )
            };
            let hard = parse_memory(group[1]).ok_or_else(bad)?;
            let soft = parse_memory(group[2]).ok_or_else(bad)?;
            let seconds = group[3].parse::<u64>().map_err(|_| bad())?;
            limits[class] = [hard, soft, seconds];
        }
        Ok(CLASSES
            .iter()
            .zip(&limits)
            .map(|(class, [h, s, t])| format!("{class} {h} {s} {t}"))
            .collect::<Vec<_>>()
            .join(" "))
    }

    fn set_special(&self, i: usize, args: &[String]) -> Result<String, ConfigError> {
        let name = self.specs[i].name.as_str();
        match name {
            "save" => {
                let args: Vec<&str> = match args {
                    [only] if only.is_empty() => Vec::new(),
                    _ => args.iter().map(String::as_str).collect(),
                };
                if args.len() % 2 == 1 {
                    return Err("Invalid save parameters".into());
                }
                let mut numbers = Vec::new();
                for (j, a) in args.iter().enumerate() {
                    let n: i64 = a.parse().map_err(|_| "Invalid save parameters")?;
                    if (j % 2 == 0 && n < 1) || n < 0 {
                        return Err("Invalid save parameters".into());
                    }
                    numbers.push(n.to_string());
                }
                Ok(numbers.join(" "))
            }
            "dir" => {
                let [dir] = args else {
                    return Err("wrong number of arguments".into());
                };
                std::env::set_current_dir(dir).map_err(|e| crate::util::strerror(&e))?;
                Ok(dir.clone())
            }
            "replicaof" => {
                let [host, port] = args else {
                    return Err("wrong number of arguments".into());
                };
                if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
                    return Ok(String::new());
                }
                // Redis reads the port with strtol: digits only (a sign allowed), 0..=65535.
                let valid = port
                    .strip_prefix(['+', '-'])
                    .unwrap_or(port)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    && port.parse::<i64>().is_ok_and(|p| (0..=65535).contains(&p));
                if !valid {
                    return Err("Invalid master port".into());
                }
                Ok(format!("{host} {port}"))
            }
            "client-output-buffer-limit" => self.output_buffer_limits(i, args),
            "proc-title-template" => {
                let [template] = args else {
                    return Err("wrong number of arguments".into());
                };
                if !crate::proc_title::valid(template) {
                    return Err("template format is invalid or contains unknown variables".into());
                }
                Ok(template.clone())
            }
            "latency-tracking-info-percentiles" => latency_percentiles(args),
            "oom-score-adj-values" => oom_score_adj_values(args),
            "notify-keyspace-events" => {
                let [classes] = args else {
                    return Err("wrong number of arguments".into());
                };
                if !classes.chars().all(|c| "Ag$lshzxeKEtmdn".contains(c)) {
                    return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into());
                }
                Ok(settings::stored_notify_flags(classes))
            }
            _ => {
                if args.is_empty() {
                    return Err("wrong number of arguments".into());
                }
                Ok(args.join(" "))
            }
        }
    }

    /// A `user` line (`words[0]` is `user`), checked on a scratch user as redis-server checks
    /// it: a rule naming an unknown command or category passes here and fails at the start.
    fn declare_user(&mut self, words: &[String]) -> Result<(), String> {
        let name = &words[1];
        if self.users.iter().any(|u| u[0] == *name) {
            return Err(format!(
                "Error in user declaration '{name}': Duplicate user found. A user can only be defined once in config files"
            ));
        }
        let universe = crate::acl::Universe::default();
        let mut scratch = crate::acl::User::new();
        let args: Vec<&[u8]> = words[2..].iter().map(|w| w.as_bytes()).collect();
        let rules = crate::acl::merge_selector_args(&args).map_err(|start| {
            let j = args.iter().position(|a| *a == &start[..]).unwrap_or(0);
            format!("Error in user declaration '{}': Syntax error", words[j])
        })?;
        for (j, rule) in rules.iter().enumerate() {
            if let Err(e) = scratch.apply(rule, &universe) {
                if e != crate::acl::UNKNOWN_COMMAND {
                    // Redis names `argv[j]` of the whole line here, two words before the rule
                    // at fault (`user`, then the name, count first).
                    return Err(format!("Error in user declaration '{}': {e}", words[j]));
                }
            }
        }
        self.users.push(words[1..].to_vec());
        Ok(())
    }

    /// Apply a `redis.conf`-style text (the file, then the command-line options); the error is
    /// what redis-server prints before exiting.
    pub fn load_text(&mut self, text: &str) -> Result<(), String> {
        for (number, raw) in text.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |err: &str| {
                Err(format!(
                    "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
                    number + 1,
                    line,
                    err
                ))
            };
            let Some(words) = split_args(line.as_bytes()) else {
                return fail("Unbalanced quotes in configuration line");
            };
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if name == "user" && !args.is_empty() {
                if let Err(e) = self.declare_user(&words) {
                    return fail(&e);
                }
                continue;
            }
            let Some(i) = self.index(&name) else {
                if matches!(
                    name.as_str(),
                    "list-max-ziplist-entries"
                        | "list-max-ziplist-value"
                        | "lua-replicate-commands"
                ) && args.len() == 1
                {
                    continue;
                }
                return fail("Bad directive or wrong number of arguments");
            };
            let args: Vec<String> = match args {
                [one] if self.specs[i].multi_arg && !one.is_empty() => split_args(one.as_bytes())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
                _ => args.to_vec(),
            };
            if !self.specs[i].multi_arg && args.len() != 1 {
                return fail("wrong number of arguments");
            }
            let args = if self.specs[i].name == "save" {
                let reset = args.len() == 1 && args[0].is_empty();
                let mut all: Vec<String> = if self.save_loaded && !reset {
                    self.values[i]
                        .split_whitespace()
                        .map(str::to_string)
                        .collect()
                } else {
                    Vec::new()
                };
                all.extend(args.into_iter().filter(|a| !a.is_empty()));
                self.save_loaded = true;
                all
            } else {
                args
            };
            if let Err(e) = self.set_index(i, &args) {
                return fail(&e);
            }
        }
        self.settings = Settings::read(self);
        Ok(())
    }

    /// Options with values other than their defaults, as `name value` lines (for
    /// `CONFIG REWRITE`).
    pub fn changed_lines(&self) -> Vec<String> {
        self.specs
            .iter()
            .zip(&self.values)
            .filter(|(spec, value)| **value != spec.default && spec.name != "dir")
            .map(|(spec, value)| {
                if value.is_empty() || value.contains(' ') && !spec.multi_arg {
                    format!("{} \"{}\"", spec.name, value)
                } else {
                    format!("{} {}", spec.name, value)
                }
            })
            .collect()
    }
}

fn check_range(n: i128, min: i128, max: i128) -> Result<(), ConfigError> {
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(())
}

/// Redis's `memtoull`: digits with an optional unit `b k kb m mb g gb` (any case).
pub fn parse_memory(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// The command-line options as configuration text, as redis-server builds it: each `--name`
/// starts a line, and the words after it are added quoted (`sdscatrepr`), so `--port 6379
/// 6380` is the line `port "6379" "6380"`. An argument holding the name and its value
/// (`"--maxmemory 700mb"`) is a whole line; a bare `--save` is `save ""`.
pub fn args_to_text(args: &[String]) -> String {
    let mut text = String::new();
    // Whether the option just started has its value (words after a bare `--name` are its
    // values, even when they start with `--`).
    let mut has_value = true;
    for (j, arg) in args.iter().enumerate() {
        let next_is_option = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
        if has_value && arg.starts_with("--") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&arg[2..]);
            text.push(' ');
            let words = split_args(arg.as_bytes()).map_or(1, |w| w.len());
            if words == 1 {
                has_value = false;
                if arg.eq_ignore_ascii_case("--save") && (next_is_option || j + 1 == args.len()) {
                    text.push_str("\"\"");
                    has_value = true;
                }
            } else {
                has_value = true;
            }
        } else {
            text.push_str(&rewrite::repr(arg));
            text.push(' ');
            has_value = true;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_sets() {
        let mut c = Config::new();
        assert_eq!(c.get("maxmemory"), Some("0"));
        assert_eq!(c.get("lua-time-limit"), Some("5000"));
        c.set_many(&[(b"maxmemory", b"1kb"), (b"lua-time-limit", b"100")], true)
            .unwrap();
        assert_eq!(c.get("maxmemory"), Some("1024"));
        assert_eq!(c.settings.busy_reply_threshold_ms, 100);
        assert_eq!(
            c.set_many(&[(b"maxmemory", b"x")], true).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
        );
        assert_eq!(
            c.set_many(&[(b"nope", b"1")], true).unwrap_err(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nope'"
        );
        assert!(c
            .set_many(&[(b"daemonize", b"yes")], true)
            .unwrap_err()
            .ends_with("can't set immutable config"));
    }

    #[test]
    fn command_line_text() {
        let args: Vec<String> = ["--port", "7000", "--save", "--bind", "127.0.0.1", "::1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            args_to_text(&args),
            "port \"7000\" \nsave \"\"\nbind \"127.0.0.1\" \"::1\" "
        );
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            args_to_text(&words(&[
                "--port",
                "--loglevel",
                "verbose",
                "--maxmemory 1mb"
            ])),
            "port \"--loglevel\" \"verbose\" \nmaxmemory 1mb "
        );
        let mut c = Config::new();
        c.load_text(&args_to_text(&args)).unwrap();
        assert_eq!(c.get("save"), Some(""));
        assert_eq!(c.settings.port, 7000);
        let err = c.load_text("port 1\nfoo bar").unwrap_err();
        assert!(
            err.contains("at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments")
        );
    }
}

/// `latency-tracking-info-percentiles`: numbers from 0 to 100 (one empty argument for none),
/// kept as Redis shows them: `%f` with the trailing zeros trimmed.
fn latency_percentiles(args: &[String]) -> Result<String, ConfigError> {
    if let [only] = args {
        if only.is_empty() {
            return Ok(String::new());
        }
    }
    let mut shown = Vec::with_capacity(args.len());
    for arg in args {
        let percentile = crate::util::parse_f64_in_range(arg.as_bytes())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&percentile) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        let fixed = format!("{percentile:.6}");
        shown.push(
            fixed
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
        );
    }
    Ok(shown.join(" "))
}

/// `oom-score-adj-values <primary> <replica> <child>`: three numbers from -2000 to 2000, each
/// read as `strtoll` reads it (leading spaces and a sign allowed, an empty word is 0).
fn oom_score_adj_values(args: &[String]) -> Result<String, ConfigError> {
    if args.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let strtoll = |word: &str| -> Option<i64> {
        if word.is_empty() {
            return Some(0);
        }
        let rest = word.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
        let (negative, digits) = match rest.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, rest.strip_prefix('+').unwrap_or(rest)),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Past the 64-bit range strtoll saturates, which is out of bounds here anyway.
        let value = digits.parse::<i64>().unwrap_or(i64::MAX);
        Some(if negative { -value } else { value })
    };
    let mut values = Vec::with_capacity(3);
    for word in args {
        match strtoll(word) {
            Some(v) if (-2000..=2000).contains(&v) => values.push(v.to_string()),
            _ => {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into(),
                )
            }
        }
    }
    Ok(values.join(" "))
}
