//! A large keyspace's pipelined requests have their keys prefetched before they run
//! (`lookahead.rs`): the requests must still run as if sent one at a time, whatever they are
//! (keyless, several keys, inline, scripts, a SELECT in the middle, a request cut across
//! reads), and reply as redis-server does to the same pipeline (`golden/pipelined_lookahead.txt`,
//! recorded from redis-server 7.0.15 with `RECORD_REFERENCE=1`, run live when installed).

mod support;

use std::time::Duration;
use support::{Client, Process, Scratch};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/pipelined_lookahead.txt"
);

/// Requests in RESP, each a list of arguments.
fn requests() -> Vec<Vec<String>> {
    let sha = "61636018f4e6b5817b89791bbed242f93fa089e3"; // return redis.call('INCR', KEYS[1])
    let mut all = Vec::new();
    for i in 0..120 {
        let n = (i * 7919) % 25_000; // some keys beyond the populated ones
        let request: Vec<String> = match i % 11 {
            0 => vec!["GET".into(), format!("key:{n}")],
            1 => vec!["SET".into(), format!("key:{n}"), format!("new{i}")],
            2 => vec!["INCR".into(), format!("counter:{n}")],
            3 => vec![
                "EVALSHA".into(),
                sha.into(),
                "1".into(),
                format!("counter:{n}"),
            ],
            4 => vec!["EVAL".into(), "return 1".into(), "0".into()],
            5 => vec!["PING".into()],
            6 => vec!["STRLEN".into(), format!("key:{n}")],
            7 => vec!["MGET".into(), format!("key:{n}"), "key:1".into()],
            8 => vec![
                "MSET".into(),
                format!("key:{n}"),
                "a".into(),
                format!("key:{}", n + 1),
                "b".into(),
            ],
            9 => vec!["DEL".into(), format!("key:{n}"), format!("key:{}", n + 2)],
            _ => vec![
                "EVAL".into(),
                "return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[2])}".into(),
                "2".into(),
                format!("key:{n}"),
                format!("key:{}", n + 3),
            ],
        };
        all.push(request);
        if i == 60 {
            all.push(vec!["SELECT".into(), "1".into()]);
        }
        if i == 90 {
            // Too long to be kept read ahead: parsed again in its turn.
            let mut del = vec!["DEL".to_string()];
            del.extend((0..2000).map(|k| format!("key:{}", k * 5 + 7)));
            all.push(del);
        }
    }
    all
}

fn encode(args: &[String]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
    }
    out
}

/// Fill databases 0 and 1 with 20,000 keys each (past the size where lookups are
/// prefetched), some with a time to live, and load the INCR script; database 0 is left
/// selected.
fn populate(c: &mut Client) {
    for db in ["1", "0"] {
        assert_eq!(c.call(&["SELECT", db]), "+OK\r\n");
        assert_eq!(c.call(&["DEBUG", "POPULATE", "20000"]), "+OK\r\n");
        for i in (0..20_000).step_by(97) {
            assert_eq!(c.call(&["EXPIRE", &format!("key:{i}"), "1000"]), ":1\r\n");
        }
    }
    let sha = c.call(&["SCRIPT", "LOAD", "return redis.call('INCR', KEYS[1])"]);
    assert!(
        sha.contains("61636018f4e6b5817b89791bbed242f93fa089e3"),
        "{sha}"
    );
}

/// An in-process server, populated.
fn populated() -> (server::Handle, Client) {
    let server = support::start("enable-debug-command yes");
    let mut c = Client::connect(server.port);
    populate(&mut c);
    (server, c)
}

/// The whole pipeline sent in one write to a populated server of `program`, and each
/// request's reply.
fn scenario(program: &str) -> Option<String> {
    let scratch = Scratch::new(&format!("pipelined-lookahead-{}", program.len()));
    let dir = scratch.0.display().to_string();
    let (child, port) = support::spawn_on_free_port(program, |_| {
        ["--enable-debug-command", "yes", "--dir", &dir]
            .map(String::from)
            .to_vec()
    })?;
    let _process = Process(child);
    let mut c = Client::connect(port);
    populate(&mut c);
    let requests = requests();
    let batch: Vec<u8> = requests.iter().flat_map(|r| encode(r)).collect();
    c.write_raw(&batch);
    let mut out = String::new();
    for request in &requests {
        let reply = c.read_reply(Duration::from_secs(5));
        let shown: Vec<&str> = request.iter().take(4).map(String::as_str).collect();
        out += &format!("> {}\n{}", shown.join(" "), String::from_utf8_lossy(&reply));
    }
    Some(out)
}

#[test]
fn a_pipeline_over_a_large_keyspace_replies_as_redis_server_does() {
    support::check_program_transcript(GOLDEN, scenario);
}

#[test]
fn pipelined_requests_reply_as_requests_sent_one_at_a_time() {
    let requests = requests();

    let (_one_server, mut one) = populated();
    let expected: Vec<Vec<u8>> = requests
        .iter()
        .map(|r| {
            one.write_raw(&encode(r));
            one.read_reply(Duration::from_secs(5))
        })
        .collect();
    assert_eq!(expected[0], b"$7\r\nvalue:0\r\n");

    let (_piped_server, mut piped) = populated();
    // All of it in one write, then an inline request and one cut across two writes.
    let mut batch: Vec<u8> = requests.iter().flat_map(|r| encode(r)).collect();
    batch.extend_from_slice(b"GET key:5\r\n*2\r\n$3\r\nGET\r\n$5\r\nke");
    piped.write_raw(&batch);
    for (request, want) in requests.iter().zip(&expected) {
        let got = piped.read_reply(Duration::from_secs(5));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "{request:?}"
        );
    }
    assert_eq!(
        piped.read_reply(Duration::from_secs(5)),
        b"$7\r\nvalue:5\r\n"
    );
    std::thread::sleep(Duration::from_millis(50));
    piped.write_raw(b"y:6\r\n");
    assert_eq!(
        piped.read_reply(Duration::from_secs(5)),
        b"$7\r\nvalue:6\r\n"
    );
}
