//! Command-line options of the `compare` runner.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) const USAGE: &str = "\
Runs the Lua benchmark scripts side by side under our interpreter, lua5.1 and luajit -joff,
checks that every output equals lua5.1's, and prints times, peak memory and ratios.

usage: compare [options] [filter...]

  filter...          run only the benchmarks whose name (group/name) contains one of these
  --lua PATH         our interpreter (default: $LUA_UNDER_TEST, else the distributable
                     build of this workspace's target dir, or $CARGO_TARGET_DIR's: the
                     static x86_64-unknown-linux-gnu/release/lua that `cargo build-static`
                     makes, on x86_64 Linux; release/lua elsewhere)
  --lua51 PATH       the reference interpreter (default: lua5.1 from PATH)
  --luajit PATH      LuaJIT, run with -joff (default: luajit from PATH)
  --runs N           runs per interpreter and benchmark; the best time counts (default 3)
  --timeout SECS     kill a run after this long (default 120)
  --scripts DIR      where the <group>/<name>.lua scripts are (default: benches/scripts)
  --cpu-time         rank by user+system CPU time instead of wall time (leaves out
                     time spent waiting for a busy core)
  --markdown         print the tables as Markdown
  --list             list the benchmarks and exit
  -h, --help         show this help

A bare name given to --lua, --lua51 or --luajit is looked up in PATH. Interpreters that are
not found show as '-'. Exit status: 0 when everything ran and agreed with lua5.1, 1 when
some run failed or printed something else, 2 on a usage error.";

/// What the user asked for.
#[derive(Debug, PartialEq)]
pub(crate) enum Command {
    Help,
    List(Options),
    Compare(Options),
}

#[derive(Debug, PartialEq)]
pub(crate) struct Options {
    pub(crate) ours: PathBuf,
    /// Whether `ours` was asked for explicitly, so that its absence is an error.
    pub(crate) ours_explicit: bool,
    pub(crate) lua51: Option<PathBuf>,
    pub(crate) luajit: Option<PathBuf>,
    pub(crate) runs: u32,
    pub(crate) timeout: Duration,
    pub(crate) scripts: PathBuf,
    /// Time by CPU (user + system) instead of wall clock.
    pub(crate) cpu_time: bool,
    pub(crate) markdown: bool,
    pub(crate) filters: Vec<String>,
}

/// The environment variables that give defaults, passed in so parsing stays a pure function.
#[derive(Default)]
pub(crate) struct Environment {
    pub(crate) lua_under_test: Option<String>,
    pub(crate) cargo_target_dir: Option<String>,
}

/// Parses the arguments after the program name.
pub(crate) fn parse(
    args: impl IntoIterator<Item = String>,
    env: &Environment,
) -> Result<Command, String> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ours: Option<PathBuf> = None;
    let mut lua51 = None;
    let mut luajit = None;
    let mut runs = 3;
    let mut timeout = Duration::from_secs(120);
    let mut scripts = manifest_dir.join("scripts");
    let mut cpu_time = false;
    let mut markdown = false;
    let mut list = false;
    let mut filters = Vec::new();

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both `--opt value` and `--opt=value` are accepted.
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline_value
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--lua" => ours = Some(PathBuf::from(value()?)),
            "--lua51" => lua51 = Some(PathBuf::from(value()?)),
            "--luajit" => luajit = Some(PathBuf::from(value()?)),
            "--runs" => runs = parse_runs(&value()?)?,
            "--timeout" => timeout = parse_seconds(&value()?)?,
            "--scripts" => scripts = PathBuf::from(value()?),
            "--cpu-time" => cpu_time = true,
            "--markdown" => markdown = true,
            "--list" => list = true,
            _ if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => filters.push(arg),
        }
    }

    let ours_explicit = ours.is_some() || env.lua_under_test.is_some();
    let ours = ours
        .or_else(|| env.lua_under_test.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| default_ours(manifest_dir, env.cargo_target_dir.as_deref()));
    let options = Options {
        ours,
        ours_explicit,
        lua51,
        luajit,
        runs,
        timeout,
        scripts,
        cpu_time,
        markdown,
        filters,
    };
    Ok(if list {
        Command::List(options)
    } else {
        Command::Compare(options)
    })
}

/// Where `cargo build-static` (an alias in `.cargo/config.toml`) puts the distributable `lua`,
/// relative to the target directory; `None` where that alias does not apply.
const STATIC_BUILD: Option<&str> = if cfg!(all(
    target_arch = "x86_64",
    target_os = "linux",
    target_env = "gnu"
)) {
    Some("x86_64-unknown-linux-gnu/release/lua")
} else {
    None
};

/// The `lua` that ships, in the target directory cargo would build into: the static build
/// where there is one, else `release/lua`.
fn default_ours(manifest_dir: &Path, cargo_target_dir: Option<&str>) -> PathBuf {
    let target = match cargo_target_dir {
        Some(dir) => PathBuf::from(dir),
        None => manifest_dir.parent().unwrap_or(manifest_dir).join("target"),
    };
    match STATIC_BUILD {
        Some(path) => target.join(path),
        None => target.join("release").join("lua"),
    }
}

fn parse_runs(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "--runs wants a positive whole number, not {text:?}"
        )),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs.is_finite() && secs < 1e9 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "--timeout wants a positive number of seconds, not {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str, env: &Environment) -> Result<Command, String> {
        parse(words.split_whitespace().map(String::from), env)
    }

    fn options(words: &str, env: &Environment) -> Options {
        match parse_words(words, env) {
            Ok(Command::Compare(options)) => options,
            other => panic!("expected options, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let o = options("", &Environment::default());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf);
        let built = STATIC_BUILD.unwrap_or("release/lua");
        assert_eq!(
            Some(o.ours),
            workspace.map(|w| w.join("target").join(built))
        );
        assert!(!o.ours_explicit);
        assert_eq!((o.lua51, o.luajit), (None, None));
        assert_eq!(
            (o.runs, o.timeout, o.cpu_time, o.markdown),
            (3, Duration::from_secs(120), false, false)
        );
        assert!(o.scripts.ends_with("benches/scripts"));
        assert!(o.filters.is_empty());
    }

    #[test]
    fn every_option_and_filters() {
        let o = options(
            "fib --lua=/x/lua --lua51 /y/lua5.1 --luajit lj --runs 5 --timeout 2.5 \
             --scripts /s --cpu-time --markdown sort",
            &Environment::default(),
        );
        assert_eq!(o.ours, PathBuf::from("/x/lua"));
        assert!(o.ours_explicit);
        assert_eq!(o.lua51, Some(PathBuf::from("/y/lua5.1")));
        assert_eq!(o.luajit, Some(PathBuf::from("lj")));
        assert_eq!((o.runs, o.timeout), (5, Duration::from_millis(2500)));
        assert_eq!(o.scripts, PathBuf::from("/s"));
        assert!(o.cpu_time && o.markdown);
        assert_eq!(o.filters, ["fib", "sort"]);
    }

    #[test]
    fn ours_comes_from_the_flag_then_the_environment_then_the_target_dir() {
        let env = Environment {
            lua_under_test: Some("/env/lua".into()),
            cargo_target_dir: Some("/t".into()),
        };
        assert_eq!(
            options("--lua /flag/lua", &env).ours,
            PathBuf::from("/flag/lua")
        );
        assert_eq!(options("", &env).ours, PathBuf::from("/env/lua"));
        let env = Environment {
            lua_under_test: None,
            ..env
        };
        let built = STATIC_BUILD.unwrap_or("release/lua");
        assert_eq!(options("", &env).ours, Path::new("/t").join(built));
        assert!(!options("", &env).ours_explicit);
    }

    #[test]
    fn help_and_list() {
        assert_eq!(
            parse_words("fib -h", &Environment::default()),
            Ok(Command::Help)
        );
        assert!(matches!(
            parse_words("--list", &Environment::default()),
            Ok(Command::List(_))
        ));
    }

    #[test]
    fn bad_arguments_are_errors() {
        let env = Environment::default();
        assert_eq!(
            parse_words("--runs", &env),
            Err("--runs needs a value".into())
        );
        assert_eq!(
            parse_words("--runs 0", &env),
            Err("--runs wants a positive whole number, not \"0\"".into())
        );
        assert!(parse_words("--timeout -1", &env).is_err());
        assert!(parse_words("--timeout inf", &env).is_err());
        assert_eq!(
            parse_words("--fast", &env),
            Err("unknown option --fast".into())
        );
    }
}
