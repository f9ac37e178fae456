//! A replica whose primary goes quiet in the middle of the handshake: ROLE shows the
//! `handshake` state, and after `repl-timeout` seconds the replica logs Redis's "Timeout
//! connecting to the MASTER..." and tries again. The primary is a socket of this test that
//! answers PING and then says nothing. The transcript must equal `golden/replica_timeout.txt`,
//! recorded from redis-server 7.0.15 (`RECORD_REFERENCE=1`), which is run live when installed.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::{Client, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/replica_timeout.txt"
);

/// A primary that answers the first request (PING) with +PONG, then stays silent; it
/// stops after `hold`.
fn silent_primary(hold: Duration) -> Option<(u16, std::thread::JoinHandle<()>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
    let port = listener.local_addr().ok()?.port();
    let thread = std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        let _ = conn.set_read_timeout(Some(hold));
        let mut buf = [0u8; 1024];
        if conn.read(&mut buf).is_ok() {
            let _ = conn.write_all(b"+PONG\r\n");
        }
        let deadline = Instant::now() + hold;
        while Instant::now() < deadline {
            // Read (and ignore) whatever else the replica sends, answering nothing.
            if matches!(conn.read(&mut buf), Ok(0)) {
                break;
            }
        }
    });
    Some((port, thread))
}

fn scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("replica-timeout-{}", program.len()));
    let log = scratch.0.join("log.txt");
    let log_arg = log.display().to_string();
    let (mut child, port) = support::spawn_on_free_port(program, move |_| {
        ["--repl-timeout", "1", "--logfile", &log_arg]
            .map(String::from)
            .to_vec()
    })?;
    let (primary_port, primary) = silent_primary(Duration::from_secs(4))?;
    let mut c = Client::connect(port);
    let mut out = c.call(&["REPLICAOF", "127.0.0.1", &primary_port.to_string()]);
    let handshake = support::wait_for(&mut c, &["ROLE"], |r| r.contains("handshake"));
    out += &format!(
        "role shows handshake: {}\n",
        handshake.contains("handshake")
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut logged = false;
    while Instant::now() < deadline && !logged {
        logged = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("Timeout connecting to the MASTER...");
        std::thread::sleep(Duration::from_millis(50));
    }
    out += &format!("timeout logged: {logged}\n");
    let _ = child.kill();
    let _ = child.wait();
    let _ = primary.join();
    Some(out)
}

#[test]
fn a_silent_primary_times_out_the_handshake() {
    support::check_program_transcript(GOLDEN, scenario);
}
