//! Criterion benchmarks of the Redis scripting runtime's own work per call: EVALSHA of three
//! scripts against a host whose commands cost nothing (its INCR bumps one counter), so what is
//! timed is the runtime: the cache lookup, KEYS/ARGV, the run context, the call into Lua,
//! `redis.call`'s checks and conversions, and the reply.

use benches::CounterHost;
use criterion::{criterion_group, criterion_main, Criterion};
use redis_runtime::{CallOptions, Reply, Runtime};
use std::hint::black_box;

fn evalsha(c: &mut Criterion) {
    let mut runtime = match Runtime::new() {
        Ok(r) => r,
        Err(e) => panic!("runtime: {e}"),
    };
    let mut host = CounterHost { counter: 0 };
    let scripts: [(&str, &[u8], &[&[u8]], &[&[u8]]); 3] = [
        ("evalsha_return_1", b"return 1", &[], &[]),
        (
            "evalsha_return_key",
            b"return KEYS[1]",
            &[b"key:1"],
            &[b"arg-one", b"arg-two"],
        ),
        (
            "evalsha_incr",
            b"return redis.call('INCR', KEYS[1])",
            &[b"counter"],
            &[],
        ),
    ];
    for (name, body, keys, args) in scripts {
        let sha = match runtime.script_load(body) {
            Ok(sha) => sha,
            Err(e) => panic!("{name}: {e:?}"),
        };
        // The script must do what it says before it is timed.
        let first = runtime.evalsha(
            &mut host,
            sha.as_bytes(),
            keys,
            args,
            CallOptions::default(),
        );
        assert!(
            !matches!(first, Reply::Error(_)),
            "{name} failed: {first:?}"
        );
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(runtime.evalsha(
                    &mut host,
                    black_box(sha.as_bytes()),
                    keys,
                    args,
                    CallOptions::default(),
                ))
            })
        });
    }
}

criterion_group!(benches, evalsha);
criterion_main!(benches);
