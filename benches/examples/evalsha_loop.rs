//! 100,000 EVALSHA calls of `return redis.call('INCR', KEYS[1])` against a host whose INCR
//! bumps one counter: a fixed workload for counting the runtime's instructions per call,
//! which, unlike time, does not move with the machine's load:
//!
//! ```sh
//! cargo build --release -p benches --example evalsha_loop
//! valgrind --tool=callgrind target/release/examples/evalsha_loop
//! ```

use benches::CounterHost;
use redis_runtime::{CallOptions, Reply, Runtime};

const CALLS: usize = 100_000;

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
