//! A script returning tables nested far deeper than the reply limit: the conversion keeps its
//! own stack, so a host thread with a small stack is enough (found by the `eval` fuzz target,
//! where one Rust frame per level overflowed the sanitizer's stack).

mod toy_host;

use redis_runtime::{CallOptions, Reply, Runtime};
use toy_host::ToyHost;

const NESTED: &[u8] = b"local t = {} local cur = t \
    for i = 1, 20000 do local n = {} cur[1] = n cur = n end return t";

/// How deep a reply nests, walking down first elements.
fn depth(mut reply: &Reply) -> (usize, &Reply) {
    let mut n = 0;
    while let Reply::Array(items) = reply {
        match items.first() {
            Some(first) => {
                n += 1;
                reply = first;
            }
            None => break,
        }
    }
    (n, reply)
}

#[test]
fn deep_tables_convert_on_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let mut runtime = Runtime::new().expect("runtime");
            let mut host = ToyHost::default();
            for resp in [2, 3] {
                let options = CallOptions {
                    client_resp: resp,
                    ..CallOptions::default()
                };
                let reply = runtime.eval(&mut host, NESTED, &[], &[], options);
                // Redis's limit: the 7,995th nested table becomes an error reply.
                let (levels, innermost) = depth(&reply);
                assert_eq!(levels, 7995);
                assert_eq!(
                    innermost,
                    &Reply::Error(b"ERR reached lua stack limit".to_vec())
                );
                let mut wire = Vec::new();
                reply.write_resp(resp, &mut wire);
                assert!(wire.starts_with(b"*1\r\n*1\r\n"));
            }
        })
        .expect("thread");
    assert!(
        worker.join().is_ok(),
        "the conversion overflowed a 1 MB stack"
    );
}
