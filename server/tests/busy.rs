//! Busy scripts: past `busy-reply-threshold` other clients get BUSY, SCRIPT KILL stops a
//! script that has not written (FUNCTION KILL a function, each only its own kind), UNKILLABLE after a write, SHUTDOWN NOSAVE ends the server.
//! Expected texts are redis-server 7.0.15's.

mod support;

use std::time::Duration;
use support::{start, Client};

const BUSY: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FUNCTION: &str =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";

/// Wait (bounded) until another client sees the server busy with an EVAL script.
fn wait_busy(port: u16) {
    wait_busy_with(port, BUSY);
}

/// Wait (bounded) until another client gets `busy` for a PING.
fn wait_busy_with(port: u16, busy: &str) {
    let mut probe = Client::connect(port);
    for _ in 0..100 {
        if probe.call(&["PING"]) == busy {
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
fn function_kill_stops_a_function_and_each_kill_only_its_kind() {
    let server = start("busy-reply-threshold 100");
    let port = server.port;
    let mut runner = Client::connect(port);
    let code = "#!lua name=spin\nredis.register_function('spin', function() local x = 0 while true do x = x + 1 end end)";
    assert_eq!(runner.call(&["FUNCTION", "LOAD", code]), "$4\r\nspin\r\n");
    runner.send(&["fcall", "spin", "0"]);
    wait_busy_with(port, BUSY_FUNCTION);
    let mut other = Client::connect(port);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), BUSY_FUNCTION);
    assert_eq!(other.call(&["FUNCTION", "LIST"]), BUSY_FUNCTION);
    // FUNCTION STATS shows the running function and its command line, as redis-server does.
    let stats = other.call(&["FUNCTION", "STATS"]);
    let expected_start = "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nfcall\r\n$4\r\nspin\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:";
    assert!(stats.starts_with(expected_start), "{stats}");
    assert!(stats.ends_with("$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n"), "{stats}");
    assert_eq!(other.call(&["FUNCTION", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply(Duration::from_secs(5))).into_owned();
    assert_eq!(
        reply,
        "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n"
    );
    assert_eq!(other.call(&["PING"]), "+PONG\r\n");

    // An EVAL script: FUNCTION KILL and FUNCTION STATS answer BUSY naming SCRIPT KILL.
    runner.send(&["EVAL", "while true do end", "0"]);
    wait_busy(port);
    assert_eq!(other.call(&["FUNCTION", "STATS"]), BUSY);
    assert_eq!(other.call(&["FUNCTION", "KILL"]), BUSY);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply(Duration::from_secs(5))).into_owned();
    assert_eq!(
        reply,
        "-ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n"
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

/// A malformed request while a script runs (an item of CVE hardening): the sender gets
/// Redis's protocol error and is disconnected; the script, its caller and everyone else go on.
#[test]
fn malformed_requests_while_a_script_runs() {
    let server = start("busy-reply-threshold 100");
    let port = server.port;
    let mut runner = Client::connect(port);
    runner.send(&["EVAL", "local x = 0\nwhile true do x = x + 1 end", "0"]);
    wait_busy(port);
    let malformed: [&[u8]; 4] = [
        b"*1\r\n$-5\r\n",
        b"*2\r\nfoo\r\n",
        b"*99999999999\r\n",
        b"*1\r\n$99999999999\r\n",
    ];
    for bad in malformed {
        let mut hostile = Client::connect(port);
        hostile.write_raw(bad);
        let reply =
            String::from_utf8_lossy(&hostile.read_reply(Duration::from_secs(5))).into_owned();
        assert!(
            reply.starts_with("-ERR Protocol error: "),
            "{bad:?}: {reply:?}"
        );
    }
    let mut other = Client::connect(port);
    assert_eq!(other.call(&["PING"]), BUSY);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply(Duration::from_secs(5))).into_owned();
    assert!(reply.starts_with("-ERR Script killed by user"), "{reply:?}");
    assert_eq!(other.call(&["PING"]), "+PONG\r\n");
    server.stop();
}

/// A script stuck in one pattern match (quadratic backtracking over a long subject: hours of
/// work in one `string.find`) is busy and killable like any other. redis-server cannot stop
/// it: its hook never runs inside C's matcher; ours counts the matcher's steps.
#[test]
fn script_kill_stops_a_script_stuck_in_a_pattern_match() {
    let server = start("busy-reply-threshold 100");
    let port = server.port;
    let mut runner = Client::connect(port);
    runner.send(&[
        "EVAL",
        "return string.find(string.rep('a', 200000), '.-.-.-.-.-b')",
        "0",
    ]);
    wait_busy(port);
    let mut other = Client::connect(port);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply(Duration::from_secs(10))).into_owned();
    assert!(
        reply.starts_with("-ERR Script killed by user with SCRIPT KILL... script: ")
            && reply.ends_with(", on @user_script:1.\r\n"),
        "{reply}"
    );
    assert_eq!(other.call(&["PING"]), "+PONG\r\n");
    server.stop();
}
