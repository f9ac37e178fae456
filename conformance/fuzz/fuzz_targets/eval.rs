//! EVAL end to end through the runtime, with an in-memory host: the input is the script, with
//! two keys and two arguments; the reply is encoded in RESP2 and RESP3.
#![no_main]
use libfuzzer_sys::fuzz_target;
use redis_runtime::{CallOptions, CommandFlags, CommandInfo, Host, Reply, Runtime};
use std::cell::RefCell;
use std::collections::HashMap;

/// GET, SET, DEL, INCR and PING on a map; the runtime's gate decides the rest.
#[derive(Default)]
struct MapHost {
    data: HashMap<Vec<u8>, Vec<u8>>,
    ticks: u32,
}

impl Host for MapHost {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        let name = argv.first()?.to_ascii_lowercase();
        let (arity, write) = match &name[..] {
            b"get" => (2, false),
            b"set" => (3, true),
            b"del" => (-2, true),
            b"incr" => (2, true),
            b"ping" => (-1, false),
            _ => return None,
        };
        Some(CommandInfo {
            arity,
            flags: CommandFlags {
                write,
                deny_oom: write,
                ..CommandFlags::default()
            },
        })
    }

    fn call(&mut self, argv: &[&[u8]], _protocol: u8) -> Reply {
        match &argv[0].to_ascii_lowercase()[..] {
            b"get" => self
                .data
                .get(argv[1])
                .cloned()
                .map_or(Reply::Null, Reply::Bulk),
            b"set" => {
                self.data.insert(argv[1].to_vec(), argv[2].to_vec());
                Reply::ok()
            }
            b"del" => Reply::Integer(
                argv[1..]
                    .iter()
                    .filter(|k| self.data.remove(**k).is_some())
                    .count() as i64,
            ),
            b"incr" => {
                let n = self
                    .data
                    .get(argv[1])
                    .and_then(|v| std::str::from_utf8(v).ok()?.parse::<i64>().ok())
                    .unwrap_or(0)
                    .wrapping_add(1);
                self.data
                    .insert(argv[1].to_vec(), n.to_string().into_bytes());
                Reply::Integer(n)
            }
            _ => Reply::Status(b"PONG".to_vec()),
        }
    }

    // Kill any script that runs past ten ticks (about a million instructions).
    fn script_tick(&mut self, _elapsed: std::time::Duration, _script: &str) -> bool {
        self.ticks += 1;
        self.ticks > 10
    }
}

thread_local! {
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    RUNTIME.with(|cell| {
        let mut slot = cell.borrow_mut();
        let runtime = slot.get_or_insert_with(|| {
            let mut runtime = Runtime::new().expect("runtime");
            // Within the campaign's memory budget (a script may build strings of any size).
            runtime.set_memory_limit(Some(fuzz::MEMORY_BUDGET));
            runtime
        });
        let mut host = MapHost::default();
        for resp in [2, 3] {
            let options = CallOptions {
                read_only: false,
                client_resp: resp,
            };
            let reply = runtime.eval(&mut host, data, &[b"k1", b"k2"], &[b"a1", b"2"], options);
            let mut out = Vec::new();
            reply.write_resp(resp, &mut out);
        }
        // Keep the cache from growing without bound over a long campaign.
        if runtime.cached_scripts() > 1000 {
            let _ = runtime.script_flush();
        }
    });
});
