//! The ACL file: users read at start from `aclfile`, `ACL SAVE` and `ACL LOAD`, and the errors
//! of a bad file (every problem listed, the users left as they were). The transcript (with the
//! scratch folder's path written as `DIR`) must equal `golden/acl_file.txt`, recorded from
//! redis-server 7.0.15 with `RECORD_REFERENCE=1`; when `redis-server` is on PATH it is also run
//! live and compared.

mod support;

use std::path::{Path, PathBuf};
use support::Client;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/acl_file.txt");
const USERS: &str = "user default on nopass ~* &* +@all\nuser bob on #d74ff0ee8da3b9806b18c877dbf29bbde50b5bd8e4dad7a3a725000feb82e8f1 ~bob* resetchannels -@all +get\n";
const BAD: &str =
    "user bob on +nosuchcommand\nfoo bar\n\nuser bob off\nuser carol on >x +get ~* nonsense\n";

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("acl-file-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn step(lines: &mut Vec<String>, dir: &Path, label: &str, c: &mut Client, args: &[&str]) {
    let reply = c.call(args);
    let text = reply
        .replace(&dir.display().to_string(), "DIR")
        .replace('\r', "\\r")
        .replace('\n', "\\n");
    lines.push(format!("{label}: {text}"));
}

fn scenario(port: u16, dir: &Path) -> String {
    let file = dir.join("users.acl");
    let mut lines = Vec::new();
    let mut c = Client::connect(port);
    step(&mut lines, dir, "list", &mut c, &["ACL", "LIST"]);
    let mut bob = Client::connect(port);
    step(
        &mut lines,
        dir,
        "auth bob",
        &mut bob,
        &["AUTH", "bob", "pw"],
    );
    step(&mut lines, dir, "bob get", &mut bob, &["GET", "bob1"]);
    step(&mut lines, dir, "bob set", &mut bob, &["SET", "bob1", "x"]);
    step(
        &mut lines,
        dir,
        "setuser carol",
        &mut c,
        &["ACL", "SETUSER", "carol", "on", ">x", "~c*", "+@read"],
    );
    step(&mut lines, dir, "save", &mut c, &["ACL", "SAVE"]);
    let saved = std::fs::read_to_string(&file).unwrap_or_default();
    lines.push(format!("saved file: {}", saved.replace('\n', "\\n")));
    std::fs::write(&file, BAD).unwrap();
    step(&mut lines, dir, "load bad", &mut c, &["ACL", "LOAD"]);
    step(&mut lines, dir, "unchanged", &mut c, &["ACL", "USERS"]);
    std::fs::write(&file, USERS).unwrap();
    step(&mut lines, dir, "load good", &mut c, &["ACL", "LOAD"]);
    step(&mut lines, dir, "users", &mut c, &["ACL", "USERS"]);
    std::fs::remove_file(&file).unwrap();
    step(&mut lines, dir, "load missing", &mut c, &["ACL", "LOAD"]);
    step(&mut lines, dir, "save again", &mut c, &["ACL", "SAVE"]);
    lines.join("\n") + "\n"
}

fn run_reference() -> Option<String> {
    let scratch = Scratch::new("reference");
    let file = scratch.0.join("users.acl");
    std::fs::write(&file, USERS).unwrap();
    let r = support::Reference::start(&["--aclfile".as_ref(), file.as_os_str()])?;
    Some(scenario(r.port, &scratch.0))
}

#[test]
fn acl_file_matches_redis() {
    support::check_transcript(
        GOLDEN,
        || {
            let scratch = Scratch::new("ours");
            let file = scratch.0.join("users.acl");
            std::fs::write(&file, USERS).unwrap();
            let server = support::start(&format!("aclfile {}", file.display()));
            let transcript = scenario(server.port, &scratch.0);
            server.stop();
            transcript
        },
        run_reference,
    );
}

#[test]
fn a_missing_acl_file_stops_the_start() {
    let scratch = Scratch::new("missing");
    let file = scratch.0.join("absent.acl");
    let mut config = server::config::Config::new();
    config
        .load_text(&format!(
            "port 0\nsave \"\"\nloglevel warning\naclfile {}",
            file.display()
        ))
        .unwrap();
    let stop = server::signals::new_request();
    let error = server::build(config, stop)
        .err()
        .expect("the start is refused");
    assert_eq!(
        error.to_string(),
        format!(
            "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '{}': No such file or directory",
            file.display()
        )
    );
}

// ---- users declared in the configuration (`user <name> <rules...>` lines) -------------------

const CONFIG_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/acl_config_users.txt"
);

fn config_users_scenario(port: u16) -> String {
    let dir = Path::new("/nonexistent");
    let mut lines = Vec::new();
    let mut c = Client::connect(port);
    step(&mut lines, dir, "list", &mut c, &["ACL", "LIST"]);
    let mut alice = Client::connect(port);
    step(
        &mut lines,
        dir,
        "auth alice",
        &mut alice,
        &["AUTH", "alice", "pw"],
    );
    step(&mut lines, dir, "alice get", &mut alice, &["GET", "a1"]);
    step(
        &mut lines,
        dir,
        "alice set",
        &mut alice,
        &["SET", "a1", "x"],
    );
    step(
        &mut lines,
        dir,
        "alice other key",
        &mut alice,
        &["GET", "b1"],
    );
    step(&mut lines, dir, "save", &mut c, &["ACL", "SAVE"]);
    lines.join("\n") + "\n"
}

#[test]
fn users_declared_in_the_configuration_match_redis() {
    let rules = [
        ["alice", "on", ">pw", "%R~a*", "+@read"].as_slice(),
        ["default", "on", "nopass", "~*", "+@all"].as_slice(),
    ];
    support::check_transcript(
        CONFIG_GOLDEN,
        || {
            let text: String = rules
                .iter()
                .map(|r| format!("user {}\n", r.join(" ")))
                .collect();
            let server = support::start(&text);
            let transcript = config_users_scenario(server.port);
            server.stop();
            transcript
        },
        || {
            let mut args: Vec<std::ffi::OsString> = Vec::new();
            for r in rules {
                args.push("--user".into());
                args.extend(r.iter().map(|w| std::ffi::OsString::from(*w)));
            }
            let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            let r = support::Reference::start(&refs)?;
            Some(config_users_scenario(r.port))
        },
    );
}

/// The start-up errors of `user` lines, as redis-server 7.0.15 prints them.
#[test]
fn bad_user_declarations_stop_the_start() {
    let load = |text: &str| {
        let mut config = server::config::Config::new();
        config.load_text(text).err().unwrap_or_default()
    };
    // Redis names the word two places before the faulty rule.
    assert!(load("user alice on >pw %X~a +get").ends_with(
        "\n>>> 'user alice on >pw %X~a +get'\nError in user declaration 'on': Syntax error"
    ));
    assert!(load("user alice on\nuser alice off").ends_with(
        "at line 2\n>>> 'user alice off'\nError in user declaration 'alice': Duplicate user found. A user can only be defined once in config files"
    ));
    let build = |text: &str| {
        let mut config = server::config::Config::new();
        config
            .load_text(&format!("port 0\nsave \"\"\nloglevel warning\n{text}"))
            .expect("the configuration reads");
        let stop = server::signals::new_request();
        server::build(config, stop)
            .err()
            .expect("the start is refused")
            .to_string()
    };
    // An unknown command passes the reading and stops the start.
    assert_eq!(
        build("user alice on >pw ~a* +nosuchcmd"),
        "Error loading ACL rule '+nosuchcmd' for the user named 'alice': Unknown command or category name in ACL"
    );
    assert!(build("user alice on\naclfile /tmp/users.acl")
        .starts_with("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."));
}

/// Without an ACL file, CONFIG REWRITE keeps the users in the configuration, one `user` line
/// each as ACL LIST shows them, and a server started from the rewritten file has them again.
#[test]
fn config_rewrite_keeps_the_users() {
    let scratch = Scratch::new("rewrite");
    let path = scratch.0.join("redis.conf");
    std::fs::write(
        &path,
        "port 0\nsave \"\"\nloglevel warning\nuser alice on >pw %R~a* +get\n",
    )
    .unwrap();
    let start = |path: &Path| {
        let mut config = server::config::Config::new();
        config
            .load_text(&std::fs::read_to_string(path).unwrap())
            .expect("config");
        config.file = Some(path.to_path_buf());
        server::start(config).expect("server starts")
    };
    let server = start(&path);
    let mut c = Client::connect(server.port);
    c.call(&["ACL", "SETUSER", "bob", "on", "nopass", "~b*", "+set"]);
    let before = c.call(&["ACL", "LIST"]);
    assert_eq!(c.call(&["CONFIG", "REWRITE"]), "+OK\r\n");
    server.stop();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nuser alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 %R~a* resetchannels -@all +get\n"), "{text}");
    assert!(
        text.contains("\nuser bob on nopass ~b* resetchannels -@all +set\n"),
        "{text}"
    );
    // Read back, the default user is reset before its rules, as redis-server resets it, which
    // adds `sanitize-payload`; the other users come back as they were.
    let again = start(&path);
    let mut c = Client::connect(again.port);
    let expected = before.replace(
        "$34\r\nuser default on nopass ~* &* +@all",
        "$51\r\nuser default on nopass sanitize-payload ~* &* +@all",
    );
    assert_ne!(expected, before);
    assert_eq!(c.call(&["ACL", "LIST"]), expected);
    again.stop();
}
