//! Resource limits against slow and hostile clients: `client-output-buffer-limit` closes a
//! subscriber that stops reading, `maxclients` refuses connections past it, and request
//! headers announcing huge sizes without the data behind them cost the server almost nothing.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{start, Client};

/// The servers of these tests share the process's allocator, whose count `used_memory`
/// reports: they run one at a time so that one test's load does not show in another's figure.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn used_memory(c: &mut Client) -> u64 {
    let info = c.call(&["INFO", "memory"]);
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory in INFO")
}

fn numsub(c: &mut Client, channel: &str) -> String {
    c.call(&["PUBSUB", "NUMSUB", channel])
}

#[test]
fn a_subscriber_that_stops_reading_is_closed_past_the_hard_limit() {
    let _serial = serial();
    let server = start("client-output-buffer-limit pubsub 1mb 0 0");
    let mut subscriber = Client::connect(server.port);
    subscriber.send(&["SUBSCRIBE", "news"]);
    subscriber.read_reply(Duration::from_secs(5));
    let mut publisher = Client::connect(server.port);
    assert!(numsub(&mut publisher, "news").ends_with(":1\r\n"));
    // The subscriber never reads again; the kernel's socket buffers take a few megabytes,
    // the rest waits in the server until the limit closes the connection.
    let message = "x".repeat(100_000);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut published = 0;
    while numsub(&mut publisher, "news").ends_with(":1\r\n") {
        assert!(
            Instant::now() < deadline,
            "still subscribed after {published} messages"
        );
        publisher.call(&["PUBLISH", "news", &message]);
        published += 1;
    }
    assert!(numsub(&mut publisher, "news").ends_with(":0\r\n"));
    assert_eq!(publisher.call(&["PING"]), "+PONG\r\n");
    server.stop();
}

#[test]
fn maxclients_refuses_the_connection_past_it() {
    let _serial = serial();
    let server = start("maxclients 3");
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.port)).collect();
    for c in &mut clients {
        assert_eq!(c.call(&["PING"]), "+PONG\r\n");
    }
    let mut refused = Client::connect(server.port);
    let reply = refused.read_reply(Duration::from_secs(5));
    assert_eq!(reply, b"-ERR max number of clients reached\r\n");
    drop(clients.pop());
    // Once one leaves, a new connection is served (bounded wait for the close to be seen).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = Client::connect(server.port);
        if again.call(&["PING"]) == "+PONG\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "no room after a client left");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.stop();
}

#[test]
fn huge_announced_sizes_cost_nothing_until_the_data_comes() {
    let _serial = serial();
    let server = start("");
    let mut observer = Client::connect(server.port);
    let before = used_memory(&mut observer);
    let mut hostile = Vec::new();
    for header in [
        &b"*1\r\n$536870912\r\n"[..],
        b"*1000000\r\n",
        b"*2\r\n$3\r\nSET\r\n$536870000\r\nabc",
    ] {
        for _ in 0..5 {
            let mut c = Client::connect(server.port);
            c.write_raw(header);
            hostile.push(c);
        }
    }
    // Let the server read everything sent.
    assert_eq!(observer.call(&["PING"]), "+PONG\r\n");
    std::thread::sleep(Duration::from_millis(200));
    let after = used_memory(&mut observer);
    assert!(
        after < before + 8 * 1024 * 1024,
        "used_memory grew from {before} to {after}"
    );
    drop(hostile);
    assert_eq!(observer.call(&["PING"]), "+PONG\r\n");
    server.stop();
}
