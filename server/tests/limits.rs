//! Resource limits against slow and hostile clients: `client-output-buffer-limit` closes a
//! subscriber that stops reading and a client whose reply passes the limit (unanswered, its
//! pipeline stopped, huge replies stopped while being built), `maxclients` refuses
//! connections past it, and request
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

/// As redis-server 7.0.15 behaves (its unit/obuf-limits): a reply past the hard limit is
/// never sent, the connection is closed, the commands pipelined after it do not run, and a
/// reply that would be huge stops being built.
#[test]
fn a_reply_past_the_hard_limit_closes_the_client_unanswered() {
    let _serial = serial();
    let server = start("client-output-buffer-limit normal 100000 0 0");
    let mut admin = Client::connect(server.port);
    let item = "x".repeat(1000);
    for _ in 0..150 {
        admin.call(&["RPUSH", "big", &item]);
    }
    let mut reader = Client::connect(server.port);
    reader.write_raw(
        b"*4\r\n$6\r\nLRANGE\r\n$3\r\nbig\r\n$1\r\n0\r\n$2\r\n-1\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n",
    );
    assert_eq!(reader.read_reply(Duration::from_secs(5)), b"");
    assert_eq!(admin.call(&["EXISTS", "after"]), ":0\r\n");
    // Under the limit the same client is answered.
    let mut small = Client::connect(server.port);
    assert_eq!(
        small.call(&["LRANGE", "big", "0", "9"]).len(),
        10 * 1009 + 5
    );

    // A repeating random reply of a billion fields stops once past the limit.
    admin.call(&["HSET", "h", "a", "b"]);
    let mut huge = Client::connect(server.port);
    huge.send(&["HRANDFIELD", "h", "-999999999"]);
    assert_eq!(huge.read_reply(Duration::from_secs(10)), b"");
    // So does KEYS, whose reply length Redis only knows at its end.
    for i in 0..1000 {
        admin.call(&["SET", &format!("{}{i}", "k".repeat(100)), "v"]);
    }
    let mut keys = Client::connect(server.port);
    keys.send(&["KEYS", "*"]);
    assert_eq!(keys.read_reply(Duration::from_secs(5)), b"");
    // Without a limit, the repeating count is bounded instead.
    admin.call(&[
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "normal 0 0 0",
    ]);
    assert_eq!(
        admin.call(&["HRANDFIELD", "h", "-999999999"]),
        "-ERR value is out of range\r\n"
    );
    assert_eq!(admin.call(&["PING"]), "+PONG\r\n");
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

/// An address of this machine that is not loopback, if it has one.
fn outside_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket
        .connect("192.0.2.1:9")
        .or_else(|_| socket.connect("8.8.8.8:53"))
        .ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// What a connection to `ip:port` gets for a PING.
fn ping_from(ip: std::net::IpAddr, port: u16) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect((ip, port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(b"PING\r\n");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.ends_with(b"\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// redis-server 7.0.15's text (networking.c), checked live below when redis-server is here.
const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

#[test]
fn protected_mode_turns_away_outside_clients() {
    let _serial = serial();
    let Some(outside) = outside_address() else {
        eprintln!("no non-loopback address on this machine: protected mode not tested");
        return;
    };
    let server = start("bind 0.0.0.0");
    let mut local = Client::connect(server.port);
    assert_eq!(local.call(&["PING"]), "+PONG\r\n");
    assert_eq!(ping_from(outside, server.port), DENIED);
    // Turned off, or with a password for the default user, outside clients are served.
    assert_eq!(
        local.call(&["CONFIG", "SET", "protected-mode", "no"]),
        "+OK\r\n"
    );
    assert_eq!(ping_from(outside, server.port), "+PONG\r\n");
    assert_eq!(
        local.call(&["CONFIG", "SET", "protected-mode", "yes"]),
        "+OK\r\n"
    );
    assert_eq!(
        local.call(&["CONFIG", "SET", "requirepass", "secret"]),
        "+OK\r\n"
    );
    assert_eq!(
        ping_from(outside, server.port),
        "-NOAUTH Authentication required.\r\n"
    );
    server.stop();

    // The same text from redis-server itself, when it is installed.
    let Some(reference) = support::Reference::start(&["--bind".as_ref(), "0.0.0.0".as_ref()])
    else {
        eprintln!("redis-server not on PATH: compared with the recorded text only");
        return;
    };
    let live = ping_from(outside, reference.port);
    drop(reference);
    assert_eq!(live, DENIED, "redis-server's text changed");
}
