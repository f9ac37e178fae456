//! Redis scripting in any Rust key-value store: a complete host in under a hundred lines.
//!
//! `cargo run -p redis-runtime --example embed_host`
//!
//! The host owns the data and the command table; the runtime brings Redis 7.0's Lua
//! environment, the script cache, the command gate and the reply conversions.

use redis_runtime::{CallOptions, CommandFlags, CommandInfo, Host, Reply, Runtime};
use std::collections::HashMap;

/// A store of strings with three commands.
#[derive(Default)]
struct Store {
    data: HashMap<Vec<u8>, Vec<u8>>,
}

impl Host for Store {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        let name = argv.first()?.to_ascii_lowercase();
        let (arity, write) = match &name[..] {
            b"get" => (2, false),
            b"set" => (3, true),
            b"incr" => (2, true),
            _ => return None,
        };
        let flags = CommandFlags {
            write,
            read_only: !write,
            deny_oom: write,
            ..CommandFlags::default()
        };
        Some(CommandInfo { arity, flags })
    }

    fn call(&mut self, argv: &[&[u8]], _protocol: u8) -> Reply {
        let key = argv[1].to_vec();
        match &argv[0].to_ascii_lowercase()[..] {
            b"get" => self
                .data
                .get(&key)
                .cloned()
                .map_or(Reply::Null, Reply::Bulk),
            b"set" => {
                self.data.insert(key, argv[2].to_vec());
                Reply::ok()
            }
            _ => {
                let current = self.data.get(&key).map_or(Some(0), |v| {
                    std::str::from_utf8(v)
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok())
                });
                match current.and_then(|n| n.checked_add(1)) {
                    Some(n) => {
                        self.data.insert(key, n.to_string().into_bytes());
                        Reply::Integer(n)
                    }
                    None => Reply::error("ERR value is not an integer or out of range"),
                }
            }
        }
    }
}

fn main() {
    let mut runtime = Runtime::new().expect("the Lua environment builds");
    let mut store = Store::default();
    let rate_limiter = b"
        local n = redis.call('INCR', KEYS[1])
        if n > tonumber(ARGV[1]) then return redis.error_reply('LIMIT exceeded') end
        return n";
    for _ in 0..4 {
        let reply = runtime.eval(
            &mut store,
            rate_limiter,
            &[b"hits:alice"],
            &[b"3"],
            CallOptions::default(),
        );
        println!("{}", resp2(&reply)); // :1, :2, :3, then -LIMIT exceeded
    }
    let reply = runtime.eval(
        &mut store,
        b"return {redis.call('GET', KEYS[1]), cjson.encode({hits = 4})}",
        &[b"hits:alice"],
        &[],
        CallOptions::default(),
    );
    println!("{}", resp2(&reply)); // *2 $1 4 $10 {"hits":4}
}

/// A reply as a RESP2 client reads it, CR/LF shown escaped.
fn resp2(reply: &Reply) -> String {
    let mut wire = Vec::new();
    reply.write_resp(2, &mut wire);
    String::from_utf8_lossy(&wire).escape_debug().to_string()
}
