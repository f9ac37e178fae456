//! Blocking commands: served in the order clients blocked when data arrives (from a push, a
//! transaction or a script), timeouts answered with a null array, non-blocking inside MULTI.
//! Expected replies are redis-server 7.0.15's.

mod support;

use std::time::{Duration, Instant};
use support::{start, Client};

fn read(c: &mut Client) -> String {
    String::from_utf8_lossy(&c.read_reply(Duration::from_secs(5))).into_owned()
}

/// Wait (bounded) until the server reports `n` blocked clients... we have no INFO field for
/// it yet, so give the blocking commands a moment to arrive.
fn settle() {
    std::thread::sleep(Duration::from_millis(100));
}

#[test]
fn waiters_are_served_in_order_by_pushes_transactions_and_scripts() {
    let server = start("");
    let (mut a, mut b, mut pusher) = (
        Client::connect(server.port),
        Client::connect(server.port),
        Client::connect(server.port),
    );
    a.send(&["BLPOP", "q1", "q2", "0"]);
    settle();
    b.send(&["BLPOP", "q2", "0"]);
    settle();
    assert_eq!(pusher.call(&["RPUSH", "q2", "x", "y"]), ":2\r\n");
    assert_eq!(read(&mut a), "*2\r\n$2\r\nq2\r\n$1\r\nx\r\n");
    assert_eq!(read(&mut b), "*2\r\n$2\r\nq2\r\n$1\r\ny\r\n");
    // A transaction and a script wake waiters too.
    a.send(&["BRPOP", "t", "0"]);
    settle();
    assert_eq!(pusher.call(&["MULTI"]), "+OK\r\n");
    assert_eq!(pusher.call(&["LPUSH", "t", "m"]), "+QUEUED\r\n");
    assert_eq!(pusher.call(&["EXEC"]), "*1\r\n:1\r\n");
    assert_eq!(read(&mut a), "*2\r\n$1\r\nt\r\n$1\r\nm\r\n");
    b.send(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
    settle();
    assert_eq!(
        pusher.call(&[
            "EVAL",
            "return redis.call('rpush', KEYS[1], 'z')",
            "1",
            "src"
        ]),
        ":1\r\n"
    );
    assert_eq!(read(&mut b), "$1\r\nz\r\n");
    assert_eq!(
        pusher.call(&["LRANGE", "dst", "0", "-1"]),
        "*1\r\n$1\r\nz\r\n"
    );
    // Sorted sets.
    a.send(&["BZPOPMIN", "z", "0"]);
    settle();
    assert_eq!(pusher.call(&["ZADD", "z", "2", "b", "1", "a"]), ":2\r\n");
    assert_eq!(read(&mut a), "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
    server.stop();
}

#[test]
fn timeouts_and_non_blocking_contexts() {
    let server = start("");
    let mut c = Client::connect(server.port);
    let started = Instant::now();
    c.send(&["BLPOP", "nothing", "0.2"]);
    assert_eq!(read(&mut c), "*-1\r\n");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    c.send(&["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.1"]);
    assert_eq!(read(&mut c), "*-1\r\n");
    assert_eq!(
        c.call(&["BLPOP", "k", "-1"]),
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(
        c.call(&["BLPOP", "k", "abc"]),
        "-ERR timeout is not a float or out of range\r\n"
    );
    // Inside MULTI and scripts a blocking command answers at once.
    assert_eq!(c.call(&["MULTI"]), "+OK\r\n");
    assert_eq!(c.call(&["BLPOP", "k", "0"]), "+QUEUED\r\n");
    assert_eq!(
        c.call(&["BLMOVE", "k", "x", "LEFT", "LEFT", "0"]),
        "+QUEUED\r\n"
    );
    assert_eq!(c.call(&["EXEC"]), "*2\r\n*-1\r\n$-1\r\n");
    // Blocking commands are refused in scripts altogether (no-script).
    assert_eq!(
        c.call(&["EVAL", "return redis.call('blpop', 'k', 0)", "0"]),
        "-ERR This Redis command is not allowed from script script: a81e3ab411a00f657652825e230ac5a481d1936e, on @user_script:1.\r\n"
    );
    // A client that blocks keeps its pipelined requests until it is served.
    c.write_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n");
    settle();
    let mut other = Client::connect(server.port);
    assert_eq!(other.call(&["RPUSH", "q", "v"]), ":1\r\n");
    assert_eq!(read(&mut c), "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    assert_eq!(read(&mut c), "+PONG\r\n");
    server.stop();
}

#[test]
fn stream_readers_wait_for_new_entries() {
    let server = start("");
    let (mut reader, mut grouped, mut writer) = (
        Client::connect(server.port),
        Client::connect(server.port),
        Client::connect(server.port),
    );
    assert_eq!(
        writer.call(&["XADD", "s", "1-1", "a", "1"]),
        "$3\r\n1-1\r\n"
    );
    // `$` means "after what the stream holds when the reader blocks".
    reader.send(&["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"]);
    settle();
    assert_eq!(
        writer.call(&["XADD", "s", "2-1", "b", "2"]),
        "$3\r\n2-1\r\n"
    );
    assert_eq!(
        read(&mut reader),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    // A group reader with `>` takes the next entry and it becomes pending.
    assert_eq!(writer.call(&["XGROUP", "CREATE", "s", "g", "$"]), "+OK\r\n");
    grouped.send(&[
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    ]);
    settle();
    assert_eq!(
        writer.call(&["XADD", "s", "3-1", "c", "3"]),
        "$3\r\n3-1\r\n"
    );
    assert_eq!(
        read(&mut grouped),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        writer.call(&["XPENDING", "s", "g"]),
        "*4\r\n:1\r\n$3\r\n3-1\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"
    );
    // A timeout answers a null array.
    let started = Instant::now();
    reader.send(&["XREAD", "BLOCK", "100", "STREAMS", "s", "$"]);
    assert_eq!(read(&mut reader), "*-1\r\n");
    assert!(started.elapsed() >= Duration::from_millis(100));
    server.stop();
}

/// CLIENT UNBLOCK answers a blocked client as a timeout or with an error, and its pipelined
/// commands run after; CLIENT PAUSE holds commands (writes only with WRITE) until it ends or
/// CLIENT UNPAUSE. Replies as redis-server 7.0.15 gave them to the same sequence.
#[test]
fn client_unblock_and_pause() {
    let server = start("");
    let (mut a, mut b) = (Client::connect(server.port), Client::connect(server.port));
    let id = b.call(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end();
    for (reason, reply) in [
        (None, "*-1\r\n"),
        (Some("TIMEOUT"), "*-1\r\n"),
        (
            Some("ERROR"),
            "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
        ),
    ] {
        b.send(&["BLPOP", "nolist", "0"]);
        settle();
        let mut args = vec!["CLIENT", "UNBLOCK", id];
        args.extend(reason);
        assert_eq!(a.call(&args), ":1\r\n");
        assert_eq!(read(&mut b), reply);
    }
    assert_eq!(a.call(&["CLIENT", "UNBLOCK", id]), ":0\r\n");
    // A command pipelined after the blocking one runs once it is unblocked.
    b.write_raw(b"*3\r\n$5\r\nBLPOP\r\n$6\r\nnolist\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n");
    settle();
    assert_eq!(a.call(&["CLIENT", "UNBLOCK", id]), ":1\r\n");
    assert_eq!(read(&mut b), "*-1\r\n");
    assert_eq!(read(&mut b), "+PONG\r\n");

    // WRITE: a write waits for the end of the pause, a read does not.
    assert_eq!(a.call(&["CLIENT", "PAUSE", "300", "WRITE"]), "+OK\r\n");
    let started = Instant::now();
    assert_eq!(b.call(&["GET", "k"]), "$-1\r\n");
    assert!(started.elapsed() < Duration::from_millis(250));
    assert_eq!(b.call(&["SET", "k", "v"]), "+OK\r\n");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // ALL: every command waits.
    assert_eq!(a.call(&["CLIENT", "PAUSE", "200"]), "+OK\r\n");
    let started = Instant::now();
    assert_eq!(b.call(&["GET", "k"]), "$1\r\nv\r\n");
    assert!(started.elapsed() >= Duration::from_millis(150));
    // UNPAUSE ends a WRITE pause at once.
    assert_eq!(a.call(&["CLIENT", "PAUSE", "10000", "WRITE"]), "+OK\r\n");
    b.send(&["SET", "k", "w"]);
    settle();
    assert_eq!(a.call(&["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(read(&mut b), "+OK\r\n");
}

/// A call that CLIENT UNBLOCK ends is recorded as failed, with either reason (Redis 7.0.15's
/// `updateStatsOnUnblock(c, 0, 0, 1)`); the ERROR reason also counts an UNBLOCKED error reply.
/// Figures as redis-server 7.0.15 reported them after the same sequence.
#[test]
fn client_unblock_records_a_failed_call() {
    let server = start("");
    let (mut a, mut b) = (Client::connect(server.port), Client::connect(server.port));
    let id = b.call(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end().to_string();
    let info_line = |a: &mut Client, section: &str, prefix: &str| {
        let info = a.call(&["INFO", section]);
        info.split("\r\n")
            .find(|l| l.starts_with(prefix))
            .map(|l| {
                l.split(",usec").next().unwrap_or(l).to_string()
                    + &l[l.find(",rejected").unwrap_or(l.len())..]
            })
            .unwrap_or_default()
    };
    for (reason, failed, errors) in [("TIMEOUT", 1, "0"), ("ERROR", 2, "1")] {
        b.send(&["BLPOP", "nolist", "0"]);
        settle();
        assert_eq!(a.call(&["CLIENT", "UNBLOCK", &id, reason]), ":1\r\n");
        read(&mut b);
        let calls = info_line(&mut a, "commandstats", "cmdstat_blpop:");
        assert_eq!(
            calls,
            format!("cmdstat_blpop:calls={failed},rejected_calls=0,failed_calls={failed}")
        );
        let total = info_line(&mut a, "stats", "total_error_replies:");
        assert_eq!(total, format!("total_error_replies:{errors}"));
    }
    let unblocked = info_line(&mut a, "errorstats", "errorstat_UNBLOCKED:");
    assert_eq!(unblocked, "errorstat_UNBLOCKED:count=1");
}
