//! A small in-memory host for the runtime's tests: strings, lists, hashes and sets with the
//! replies redis-server gives for the commands the reference cases use, and the command table
//! entries (arity and flags) of a few commands scripts may not call.

#![allow(dead_code)]

use redis_runtime::{CommandFlags, CommandInfo, Host, LogLevel, Reply};
use std::collections::HashMap;

#[derive(Clone)]
enum Value {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
}

#[derive(Default)]
pub struct ToyHost {
    data: HashMap<Vec<u8>, Value>,
    pub log: Vec<(LogLevel, Vec<u8>)>,
    pub calls: usize,
    pub oom: bool,
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// name, arity, write, no-script, deny-oom
const COMMANDS: &[(&str, i32, bool, bool, bool)] = &[
    ("ping", -1, false, false, false),
    ("echo", 2, false, false, false),
    ("set", -3, true, false, true),
    ("get", 2, false, false, false),
    ("incr", 2, true, false, true),
    ("del", -2, true, false, false),
    ("exists", -2, false, false, false),
    ("mget", -2, false, false, false),
    ("type", 2, false, false, false),
    ("lpush", -3, true, false, true),
    ("rpush", -3, true, false, true),
    ("lpop", -2, true, false, false),
    ("lrange", 4, false, false, false),
    ("hset", -4, true, false, true),
    ("hgetall", 2, false, false, false),
    ("hmget", -3, false, false, false),
    ("hlen", 2, false, false, false),
    ("sadd", -3, true, false, true),
    ("sismember", 3, false, false, false),
    ("publish", 3, false, false, false),
    ("multi", 1, false, true, false),
    ("exec", 1, false, true, false),
    ("watch", -2, false, true, false),
    ("subscribe", -2, false, true, false),
    ("psubscribe", -2, false, true, false),
    ("monitor", 1, false, true, false),
    ("blpop", -3, true, true, false),
    ("blmove", 6, true, true, true),
    ("wait", 3, false, true, false),
    ("auth", -2, false, true, false),
    ("client", -2, false, true, false),
    ("eval", -3, false, true, false),
    ("evalsha", -3, false, true, false),
    ("fcall", -3, false, true, false),
    ("script", -2, false, true, false),
    ("debug", -2, false, true, false),
];

fn lower(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

impl ToyHost {
    pub fn reset(&mut self) {
        self.data.clear();
        self.log.clear();
    }

    fn string(&self, key: &[u8]) -> Result<Option<&Vec<u8>>, Reply> {
        match self.data.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Reply::error(WRONGTYPE)),
        }
    }

    fn run(&mut self, name: &str, a: &[&[u8]]) -> Result<Reply, Reply> {
        Ok(match name {
            "ping" if a.len() == 1 => Reply::Status(b"PONG".to_vec()),
            "ping" | "echo" => Reply::Bulk(a[1].to_vec()),
            "set" => {
                self.data
                    .insert(a[1].to_vec(), Value::String(a[2].to_vec()));
                Reply::ok()
            }
            "get" => self
                .string(a[1])?
                .map_or(Reply::Null, |s| Reply::Bulk(s.clone())),
            "incr" => {
                let n: i64 = match self.string(a[1])? {
                    None => 0,
                    Some(s) => std::str::from_utf8(s)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| {
                            Reply::error("ERR value is not an integer or out of range")
                        })?,
                };
                self.data.insert(
                    a[1].to_vec(),
                    Value::String((n + 1).to_string().into_bytes()),
                );
                Reply::Integer(n + 1)
            }
            "del" => Reply::Integer(
                a[1..]
                    .iter()
                    .filter(|k| self.data.remove(**k).is_some())
                    .count() as i64,
            ),
            "exists" => Reply::Integer(
                a[1..]
                    .iter()
                    .filter(|k| self.data.contains_key(**k))
                    .count() as i64,
            ),
            "mget" => Reply::Array(
                a[1..]
                    .iter()
                    .map(|k| match self.data.get(*k) {
                        Some(Value::String(s)) => Reply::Bulk(s.clone()),
                        _ => Reply::Null,
                    })
                    .collect(),
            ),
            "type" => Reply::Status(
                match self.data.get(a[1]) {
                    None => "none",
                    Some(Value::String(_)) => "string",
                    Some(Value::List(_)) => "list",
                    Some(Value::Hash(_)) => "hash",
                    Some(Value::Set(_)) => "set",
                }
                .into(),
            ),
            "lpush" | "rpush" => {
                let entry = self
                    .data
                    .entry(a[1].to_vec())
                    .or_insert(Value::List(Vec::new()));
                let Value::List(list) = entry else {
                    return Err(Reply::error(WRONGTYPE));
                };
                for v in &a[2..] {
                    if name == "lpush" {
                        list.insert(0, v.to_vec());
                    } else {
                        list.push(v.to_vec());
                    }
                }
                Reply::Integer(list.len() as i64)
            }
            "lpop" => match self.data.get_mut(a[1]) {
                None => Reply::Null,
                Some(Value::List(list)) => {
                    let v = list.remove(0);
                    if list.is_empty() {
                        self.data.remove(a[1]);
                    }
                    Reply::Bulk(v)
                }
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "lrange" => match self.data.get(a[1]) {
                None => Reply::Array(Vec::new()),
                Some(Value::List(list)) => {
                    let len = list.len() as i64;
                    let parse = |b: &[u8]| {
                        std::str::from_utf8(b)
                            .ok()
                            .and_then(|s| s.parse::<i64>().ok())
                    };
                    let (Some(mut s), Some(mut e)) = (parse(a[2]), parse(a[3])) else {
                        return Err(Reply::error("ERR value is not an integer or out of range"));
                    };
                    if s < 0 {
                        s += len;
                    }
                    if e < 0 {
                        e += len;
                    }
                    let s = s.max(0);
                    let e = e.min(len - 1);
                    Reply::Array(if s > e {
                        Vec::new()
                    } else {
                        list[s as usize..=e as usize]
                            .iter()
                            .map(|v| Reply::Bulk(v.clone()))
                            .collect()
                    })
                }
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "hset" => {
                if a.len() % 2 != 0 {
                    return Err(Reply::error(
                        "ERR wrong number of arguments for 'hset' command",
                    ));
                }
                let entry = self
                    .data
                    .entry(a[1].to_vec())
                    .or_insert(Value::Hash(Vec::new()));
                let Value::Hash(h) = entry else {
                    return Err(Reply::error(WRONGTYPE));
                };
                let mut added = 0;
                for pair in a[2..].chunks(2) {
                    match h.iter_mut().find(|(f, _)| f == pair[0]) {
                        Some(slot) => slot.1 = pair[1].to_vec(),
                        None => {
                            h.push((pair[0].to_vec(), pair[1].to_vec()));
                            added += 1;
                        }
                    }
                }
                Reply::Integer(added)
            }
            "hgetall" => match self.data.get(a[1]) {
                None => Reply::Map(Vec::new()),
                Some(Value::Hash(h)) => Reply::Map(
                    h.iter()
                        .map(|(f, v)| (Reply::Bulk(f.clone()), Reply::Bulk(v.clone())))
                        .collect(),
                ),
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "hmget" => match self.data.get(a[1]) {
                None => Reply::Array(a[2..].iter().map(|_| Reply::Null).collect()),
                Some(Value::Hash(h)) => Reply::Array(
                    a[2..]
                        .iter()
                        .map(|f| {
                            h.iter()
                                .find(|(k, _)| k == f)
                                .map_or(Reply::Null, |(_, v)| Reply::Bulk(v.clone()))
                        })
                        .collect(),
                ),
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "hlen" => match self.data.get(a[1]) {
                None => Reply::Integer(0),
                Some(Value::Hash(h)) => Reply::Integer(h.len() as i64),
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "sadd" => {
                let entry = self
                    .data
                    .entry(a[1].to_vec())
                    .or_insert(Value::Set(Vec::new()));
                let Value::Set(s) = entry else {
                    return Err(Reply::error(WRONGTYPE));
                };
                let mut added = 0;
                for m in &a[2..] {
                    if !s.iter().any(|x| x == m) {
                        s.push(m.to_vec());
                        added += 1;
                    }
                }
                Reply::Integer(added)
            }
            "sismember" => match self.data.get(a[1]) {
                None => Reply::Integer(0),
                Some(Value::Set(s)) => Reply::Integer(i64::from(s.iter().any(|x| x == a[2]))),
                Some(_) => return Err(Reply::error(WRONGTYPE)),
            },
            "publish" => Reply::Integer(0),
            _ => Reply::error(format!("ERR unknown command '{name}'")),
        })
    }
}

impl Host for ToyHost {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        let name = lower(argv.first()?);
        COMMANDS
            .iter()
            .find(|c| c.0 == name)
            .map(|&(_, arity, write, no_script, deny_oom)| CommandInfo {
                arity,
                flags: CommandFlags {
                    write,
                    read_only: !write,
                    deny_oom,
                    no_script,
                    ..Default::default()
                },
            })
    }

    fn call(&mut self, argv: &[&[u8]], protocol: u8) -> Reply {
        self.calls += 1;
        let name = lower(argv[0]);
        let reply = self.run(&name, argv).unwrap_or_else(|e| e);
        if protocol == 2 {
            if let Reply::Map(pairs) = reply {
                return Reply::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect());
            }
        }
        reply
    }

    fn log(&mut self, level: LogLevel, message: &[u8]) {
        self.log.push((level, message.to_vec()));
    }

    fn out_of_memory(&self) -> bool {
        self.oom
    }
}
