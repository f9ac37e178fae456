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
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
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
