//! CLIENT TRACKING with REDIRECT, which the `.cases` format cannot express (the target's id is
//! an argument): invalidations redirected to a RESP2 client subscribed to
//! `__redis__:invalidate`, to a RESP3 client as pushes, to a RESP2 client that is not
//! subscribed (nothing), a flush through a redirect, and a redirect target that went away.
//!
//! The transcript (client ids replaced by names) must equal `golden/tracking_redirect.txt`,
//! recorded from redis-server 7.0.15 with `RECORD_REFERENCE=1`; when `redis-server` is on
//! PATH it is also run live and compared.

mod support;

use std::time::{Duration, Instant};
use support::Client;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/tracking_redirect.txt"
);

/// A transcript of one run: each step's label and the bytes it read.
struct Transcript {
    lines: Vec<String>,
    ids: Vec<(String, String)>,
}

impl Transcript {
    fn record(&mut self, label: &str, bytes: &[u8]) {
        let mut text = String::new();
        for &b in bytes {
            match b {
                b'\r' => text.push_str("\\r"),
                b'\n' => text.push_str("\\n"),
                0x20..=0x7e => text.push(b as char),
                _ => text.push_str(&format!("\\x{b:02x}")),
            }
        }
        self.lines.push(format!("{label}: {text}"));
    }

    fn name_id(&mut self, name: &str, reply: &str) -> String {
        let id = reply.trim_start_matches(':').trim_end().to_string();
        self.ids.push((id.clone(), name.to_string()));
        id
    }

    /// The text with every client id written as its name.
    fn finish(self) -> String {
        let mut text = self.lines.join("\n") + "\n";
        for (id, name) in &self.ids {
            text = text.replace(&format!(":{id}\\r"), &format!(":{name}\\r"));
        }
        text
    }
}

/// Send a command and record its reply, with the pushes that arrived before it.
fn ask(t: &mut Transcript, label: &str, c: &mut Client, args: &[&str]) {
    c.send(args);
    let mut bytes = Vec::new();
    loop {
        let reply = c.read_reply(Duration::from_secs(5));
        let push = reply.first() == Some(&b'>');
        bytes.extend_from_slice(&reply);
        if !push || reply.is_empty() {
            break;
        }
    }
    t.record(label, &bytes);
}

/// What arrives on `c` within a moment (an invalidation message, or nothing).
fn pending(t: &mut Transcript, label: &str, c: &mut Client) {
    let reply = c.read_reply(Duration::from_millis(300));
    t.record(label, &reply);
}

fn scenario(port: u16) -> String {
    let mut t = Transcript {
        lines: Vec::new(),
        ids: Vec::new(),
    };
    let (mut a, mut b, mut c) = (
        Client::connect(port),
        Client::connect(port),
        Client::connect(port),
    );
    let id_b = t.name_id("ID_B", &b.call(&["CLIENT", "ID"]));
    ask(
        &mut t,
        "b subscribe",
        &mut b,
        &["SUBSCRIBE", "__redis__:invalidate"],
    );
    ask(
        &mut t,
        "a tracking on redirect b",
        &mut a,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &id_b],
    );
    ask(&mut t, "a getredir", &mut a, &["CLIENT", "GETREDIR"]);
    ask(&mut t, "a get k", &mut a, &["GET", "k"]);
    ask(&mut t, "c set k", &mut c, &["SET", "k", "v"]);
    pending(&mut t, "b receives", &mut b);
    ask(&mut t, "a get k again", &mut a, &["GET", "k"]);
    ask(&mut t, "a flushall", &mut a, &["FLUSHALL"]);
    pending(&mut t, "b receives the flush", &mut b);
    ask(
        &mut t,
        "a trackinginfo",
        &mut a,
        &["CLIENT", "TRACKINGINFO"],
    );

    // A RESP3 target gets pushes.
    let mut d = Client::connect(port);
    let id_d = t.name_id("ID_D", &d.call(&["CLIENT", "ID"]));
    ask(&mut t, "d hello 3", &mut d, &["HELLO", "3", "SETNAME", "d"]);
    t.lines.pop();
    ask(
        &mut t,
        "a redirect to d",
        &mut a,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &id_d],
    );
    ask(&mut t, "a get k2", &mut a, &["GET", "k2"]);
    ask(&mut t, "c set k2", &mut c, &["SET", "k2", "x"]);
    ask(&mut t, "d ping", &mut d, &["PING"]);

    // A RESP2 target that is not subscribed gets nothing.
    let mut g = Client::connect(port);
    let id_g = t.name_id("ID_G", &g.call(&["CLIENT", "ID"]));
    ask(
        &mut t,
        "a redirect to g",
        &mut a,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &id_g],
    );
    ask(&mut t, "a get k4", &mut a, &["GET", "k4"]);
    ask(&mut t, "c set k4", &mut c, &["SET", "k4", "z"]);
    ask(&mut t, "g ping", &mut g, &["PING"]);

    // The target goes away: a RESP3 tracking client is told, and TRACKINGINFO shows it.
    let mut e = Client::connect(port);
    e.call(&["HELLO", "3"]);
    let mut f = Client::connect(port);
    let id_f = t.name_id("ID_F", &f.call(&["CLIENT", "ID"]));
    f.call(&["CLIENT", "SETNAME", "f"]);
    ask(
        &mut t,
        "e redirect to f",
        &mut e,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &id_f],
    );
    ask(&mut t, "e get k3", &mut e, &["GET", "k3"]);
    drop(f);
    // Wait until the server has noticed the closed connection.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && c.call(&["CLIENT", "LIST"]).contains("name=f ") {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    ask(&mut t, "c set k3", &mut c, &["SET", "k3", "y"]);
    ask(&mut t, "e ping", &mut e, &["PING"]);
    ask(
        &mut t,
        "e trackinginfo",
        &mut e,
        &["CLIENT", "TRACKINGINFO"],
    );
    ask(&mut t, "e getredir", &mut e, &["CLIENT", "GETREDIR"]);
    t.finish()
}

#[test]
fn redirected_invalidations_match_redis() {
    support::check_scenario(GOLDEN, scenario);
}
