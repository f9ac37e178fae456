//! Busy scripts: past `busy-reply-threshold` other clients get BUSY, SCRIPT KILL stops a
//! script that has not written, UNKILLABLE after a write, SHUTDOWN NOSAVE ends the server.
//! Expected texts are redis-server 7.0.15's.

mod support;

use std::time::Duration;
use support::{start, Client};

const BUSY: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

/// Wait (bounded) until another client sees the server busy.
fn wait_busy(port: u16) {
    let mut probe = Client::connect(port);
    for _ in 0..100 {
        if probe.call(&["PING"]) == BUSY {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server never became busy");
}

#[test]
fn script_kill_stops_a_read_only_script() {
    let server = start("busy-reply-threshold 100");
    let port = server.port;
    let mut runner = Client::connect(port);
    runner.send(&["EVAL", "local x = 0\nwhile true do x = x + 1 end", "0"]);
    wait_busy(port);
    let mut other = Client::connect(port);
    assert_eq!(other.call(&["GET", "k"]), BUSY);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply(Duration::from_secs(5))).into_owned();
    assert_eq!(
        reply,
        "-ERR Script killed by user with SCRIPT KILL... script: e62ff4a319ab990e807919aa9d1a8e5576f514a0, on @user_script:2.\r\n"
    );
    assert_eq!(other.call(&["PING"]), "+PONG\r\n");
    assert_eq!(
        runner.call(&["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    server.stop();
}

#[test]
fn a_script_that_wrote_is_unkillable_and_shutdown_nosave_ends_it() {
    let server = start("busy-reply-threshold 100");
    let port = server.port;
    let mut runner = Client::connect(port);
    runner.send(&["EVAL", "redis.call('set','k','v') while true do end", "0"]);
    wait_busy(port);
    let mut other = Client::connect(port);
    assert_eq!(
        other.call(&["SCRIPT", "KILL"]),
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"
    );
    assert_eq!(other.call(&["SHUTDOWN"]), BUSY);
    other.send(&["SHUTDOWN", "NOSAVE"]);
    // The server stops: the connection closes with no reply.
    assert_eq!(other.read_reply(Duration::from_secs(5)), b"");
    server.stop();
}
