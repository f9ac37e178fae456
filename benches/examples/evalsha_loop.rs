//! 100,000 EVALSHA calls of `return redis.call('INCR', KEYS[1])` against a host whose INCR
//! bumps one counter: a fixed workload for counting the runtime's instructions per call,
//! which, unlike time, does not move with the machine's load:
//!
//! ```sh
//! cargo build --release -p benches --example evalsha_loop
//! valgrind --tool=callgrind target/release/examples/evalsha_loop
//! ```

use redis_runtime::{CallOptions, CommandFlags, CommandInfo, Host, Reply, Runtime};

const CALLS: usize = 100_000;

/// A host with one command, `INCR`, on one counter.
struct CounterHost {
    counter: i64,
}

impl Host for CounterHost {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        argv.first()
            .filter(|name| name.eq_ignore_ascii_case(b"incr"))
            .map(|_| CommandInfo {
                arity: 2,
                flags: CommandFlags {
                    write: true,
                    deny_oom: true,
                    ..CommandFlags::default()
                },
            })
    }

    fn call(&mut self, _argv: &[&[u8]], _protocol: u8) -> Reply {
        self.counter += 1;
        Reply::Integer(self.counter)
    }
}

fn main() {
    let mut runtime = match Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => panic!("runtime: {e}"),
    };
    let mut host = CounterHost { counter: 0 };
    let sha = match runtime.script_load(b"return redis.call('INCR', KEYS[1])") {
        Ok(sha) => sha,
        Err(e) => panic!("script: {e:?}"),
    };
    for _ in 0..CALLS {
        let reply = runtime.evalsha(
            &mut host,
            sha.as_bytes(),
            &[b"counter"],
            &[],
            CallOptions::default(),
        );
        assert!(!matches!(reply, Reply::Error(_)), "{reply:?}");
    }
    assert_eq!(host.counter, CALLS as i64);
    println!("{CALLS} calls");
}
