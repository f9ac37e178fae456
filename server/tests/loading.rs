//! Clients served while the data file loads at start: INFO reports `loading:1` with the
//! load's figures, commands Redis refuses while loading get `-LOADING`, and those it allows
//! (INFO, DEBUG LOG) run. The load is slowed with `key-load-delay`, as Redis's own tests slow
//! it. The transcript must equal `golden/loading.txt`, recorded from redis-server 7.0.15
//! (`RECORD_REFERENCE=1`); when `redis-server` is on PATH it is run live and compared too.

mod support;

use support::{info_field, Client, Scratch};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/loading.txt");

/// A data file of 3,000 keys, written by our server into a fresh directory.
fn data_dir(tag: &str) -> Scratch {
    let scratch = Scratch::new(&format!("loading-{tag}"));
    let server = support::start(&format!(
        "dir {}\nenable-debug-command yes",
        scratch.0.display()
    ));
    let mut c = Client::connect(server.port);
    assert_eq!(
        c.call(&["DEBUG", "POPULATE", "3000", "key", "100"]),
        "+OK\r\n"
    );
    assert_eq!(c.call(&["SAVE"]), "+OK\r\n");
    server.stop();
    scratch
}

fn scenario(program: &str) -> Option<String> {
    let scratch = data_dir(&format!("{}", program.len()));
    // The port is answered while the file loads (connections are taken meanwhile).
    let dir = scratch.0.display().to_string();
    let (mut child, port) = support::spawn_on_free_port(program, |_| {
        [
            "--dir",
            &dir,
            "--enable-debug-command",
            "yes",
            "--key-load-delay",
            "2000",
            "--loading-process-events-interval-bytes",
            "1024",
        ]
        .map(String::from)
        .to_vec()
    })?;
    let mut c = Client::connect(port);
    let info = c.call(&["INFO", "persistence"]);
    let mut out = String::new();
    out += &format!("loading: {}\n", info_field(&info, "loading"));
    let total = info_field(&info, "loading_total_bytes");
    let size = std::fs::metadata(scratch.0.join("dump.rdb")).map_or(0, |m| m.len());
    out += &format!(
        "loading_total_bytes is the file's size: {}\n",
        total == size.to_string()
    );
    for name in [
        "loading_start_time",
        "loading_loaded_bytes",
        "loading_loaded_perc",
        "loading_eta_seconds",
    ] {
        out += &format!("{name} present: {}\n", !info_field(&info, name).is_empty());
    }
    for args in [
        &["PING"][..],
        &["GET", "key:1"],
        &["SET", "x", "1"],
        &["DEBUG", "LOG", "while loading"],
        &["CONFIG", "GET", "maxmemory"],
    ] {
        out += &format!("{}: {:?}\n", args.join(" "), c.call(args));
    }
    let _ = child.kill();
    let _ = child.wait();
    Some(out)
}

#[test]
fn clients_are_answered_while_the_data_loads() {
    support::check_program_transcript(GOLDEN, scenario);
}
