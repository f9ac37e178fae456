//! A host may cap the scripts' heap (Redis has no cap, and neither has the runtime by
//! default): a script that allocates past it gets an error reply, and the runtime runs the
//! next script as before.

mod toy_host;

use redis_runtime::{CallOptions, Reply, Runtime};
use toy_host::ToyHost;

fn eval(runtime: &mut Runtime, host: &mut ToyHost, script: &str) -> Reply {
    let options = CallOptions {
        read_only: false,
        client_resp: 2,
    };
    runtime.eval(host, script.as_bytes(), &[], &[], options)
}

fn text(reply: &Reply) -> String {
    let mut out = Vec::new();
    reply.write_resp(2, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_script_past_the_cap_gets_an_error_and_the_runtime_goes_on() {
    let mut runtime = Runtime::new().expect("runtime");
    let mut host = ToyHost::default();
    // No cap by default: 64 MB is built.
    let big = eval(
        &mut runtime,
        &mut host,
        "return #string.rep('x', 64 * 1024 * 1024)",
    );
    assert_eq!(text(&big), ":67108864\r\n");

    runtime.set_memory_limit(Some(16 * 1024 * 1024));
    let refused = text(&eval(
        &mut runtime,
        &mut host,
        "return #string.rep('x', 64 * 1024 * 1024)",
    ));
    assert!(
        refused.starts_with("-") && refused.contains("not enough memory"),
        "{refused}"
    );
    let bomb = text(&eval(
        &mut runtime,
        &mut host,
        "local t = {} for i = 1, 1e7 do t[i] = 'item' .. i end return #t",
    ));
    assert!(bomb.contains("not enough memory"), "{bomb}");
    assert_eq!(
        text(&eval(&mut runtime, &mut host, "return 1 + 1")),
        ":2\r\n"
    );

    runtime.set_memory_limit(None);
    let again = eval(
        &mut runtime,
        &mut host,
        "return #string.rep('x', 64 * 1024 * 1024)",
    );
    assert_eq!(text(&again), ":67108864\r\n");
}

/// SCRIPT FLUSH builds a new interpreter; the host's cap carries over to it (a fuzz campaign
/// found it lost, and a 1.9 GB `string.rep` built after a flush).
#[test]
fn the_cap_survives_script_flush() {
    let mut runtime = Runtime::new().expect("runtime");
    let mut host = ToyHost::default();
    runtime.set_memory_limit(Some(16 * 1024 * 1024));
    runtime.script_flush().expect("flush");
    let refused = text(&eval(
        &mut runtime,
        &mut host,
        "return #string.rep('x', 64 * 1024 * 1024)",
    ));
    assert!(refused.contains("not enough memory"), "{refused}");
}
