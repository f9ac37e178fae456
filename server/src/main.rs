//! `luredis`: the server, started as redis-server is: `luredis [config-file] [--name value...]`.

use server::config::{args_to_text, Config};
use std::io::IsTerminal;

#[global_allocator]
static ALLOCATOR: server::alloc::CountingAllocator = server::alloc::CountingAllocator;

fn main() {
    let executable = std::env::args().next().unwrap_or_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Before any other thread: the command line's memory becomes the process title's.
    server::proc_title::init();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!(
            "luredis server v={} (Redis {} compatible) bits=64",
            env!("CARGO_PKG_VERSION"),
            redis_runtime::REDIS_VERSION
        );
        return;
    }
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("Usage: luredis [/path/to/redis.conf] [options]\n       luredis -v or --version\n       luredis -h or --help\n\nExamples:\n       luredis (run the server with default conf)\n       luredis /etc/redis/6379.conf\n       luredis --port 7777\n       luredis /etc/myredis.conf --loglevel verbose");
        return;
    }
    let mut config = Config::new();
    let mut rest = &args[..];
    // As redis-server: the file's text, a newline, then the options as config lines, loaded
    // as one text (so an error's line number counts from the file's first line).
    let mut text = String::new();
    if let Some(first) = args.first().filter(|a| !a.starts_with('-')) {
        let path = std::path::PathBuf::from(first);
        // Made absolute first: a `dir` line changes the working directory.
        let absolute = std::fs::canonicalize(&path).ok();
        match std::fs::read_to_string(&path) {
            Ok(file_text) => text = file_text,
            Err(e) => {
                eprintln!(
                    "Fatal error, can't open config file '{}': {}",
                    path.display(),
                    server::util::strerror(&e)
                );
                std::process::exit(1);
            }
        }
        config.file = absolute.or(Some(path));
        rest = &args[1..];
    }
    if !rest.is_empty() {
        text.push('\n');
        text.push_str(&args_to_text(rest));
    }
    if let Err(e) = config.load_text(&text) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    if config.settings.daemonize {
        // As Redis: a pid file is written at the default path unless one is named (the log,
        // without a log file, goes to the standard output, now /dev/null).
        if config.settings.pidfile.is_empty() {
            config.record("pidfile", "/var/run/redis.pid".into());
        }
        config.settings = server::config::Settings::read(&config);
        if let Err(e) = server::fork::daemonize() {
            eprintln!("cannot daemonize: {e}");
            std::process::exit(1);
        }
    }
    let stop = server::signals::new_request();
    if let Err(e) = server::signals::install(&stop) {
        eprintln!("cannot handle shutdown signals: {e}");
    }
    // Scripts run on this thread; Lua's call-depth limits are sized for a large stack.
    let child = std::thread::Builder::new()
        .name("main".into())
        .stack_size(64 * 1024 * 1024)
        .spawn(move || run(config, stop, executable));
    match child.map(|t| t.join()) {
        Ok(Ok(code)) => std::process::exit(code),
        _ => std::process::exit(1),
    }
}

fn run(config: Config, stop: server::signals::ShutdownRequest, executable: String) -> i32 {
    let (mut server, mut runtime) = match server::build(config, stop) {
        Ok(pair) => pair,
        // What went wrong is in the log.
        Err(_) => return 1,
    };
    server.executable = executable;
    server::proc_title::apply(&server);
    let pidfile = server.config.settings.pidfile.clone();
    let daemonized = server.config.get("daemonize") == Some("yes");
    server::crash_report::install(
        &server.config.settings.logfile,
        daemonized.then(|| pidfile.clone()),
        server.config.get("crash-log-enabled") != Some("no"),
    );
    if !pidfile.is_empty() {
        if let Err(e) = std::fs::write(&pidfile, format!("{}\n", std::process::id())) {
            server.log_warning(&format!(
                "Failed to write PID file: {}",
                server::util::strerror(&e)
            ));
        }
    }
    server.log_notice(&format!(
        "luredis {} (Redis {} compatible) started, pid={}",
        env!("CARGO_PKG_VERSION"),
        redis_runtime::REDIS_VERSION,
        std::process::id()
    ));
    let settings = &server.config.settings;
    let show_logo = server.config.get("always-show-logo") == Some("yes")
        || (settings.logfile.is_empty() && std::io::stdout().is_terminal());
    let banner = server::log::startup_banner(server.port, show_logo);
    if show_logo {
        server::log::write_raw(&settings.logfile, &banner);
    } else {
        server.log_notice(&banner);
    }
    let no_flush = server::persist::LoadMode {
        flush: false,
        merge: false,
    };
    if server.config.settings.aof_enabled {
        if let Err(e) = server::aof::start(&mut server, &mut runtime) {
            server.log_warning(&format!("Fatal error loading the DB: {e}. Exiting."));
            return 1;
        }
    } else if let Err(failure) = server::persist::load(&mut server, &mut runtime, no_flush, true) {
        // A shutdown asked for while loading ends the load, and the server, cleanly.
        if matches!(failure, server::rdb::load::LoadFailure::Interrupted) {
            server.log_warning("Redis is now ready to exit, bye bye...");
            if !pidfile.is_empty() {
                let _ = std::fs::remove_file(&pidfile);
            }
            return 0;
        }
        server::persist::log_failed_start(&server, &failure);
        return 1;
    }
    server.scripting = server::server::ScriptingFigures::of(&runtime);
    server.log_notice(&format!(
        "Ready to accept connections tcp (port {})",
        server.port
    ));
    server::net::run(&mut server, &mut runtime);
    if !pidfile.is_empty() {
        let _ = std::fs::remove_file(&pidfile);
    }
    0
}
