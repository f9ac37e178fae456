//! Inputs that crash redis-server 7.0.15 itself (it closes every connection and exits), so no
//! reference reply can be recorded: `error()` raised with a table that has no string `err`
//! field or with a table that only `__tostring` can describe. Ours must answer each with an
//! error reply, keep serving, and keep its data.

mod support;

use std::time::Duration;

const CRASHERS: &[&str] = &[
    "return error({})",
    "error({err={}})",
    "error({ok='x'})",
    "error(setmetatable({}, {__tostring=function() return 'x' end}))",
    "error(setmetatable({}, {__index=function() error('inner') end}))",
    "error({err=setmetatable({}, {__tostring=function() return 'y' end})})",
    "error(coroutine.create(function() end))",
    "error(function() end)",
];

#[test]
fn redis_crashers_get_error_replies() {
    let server = support::start("");
    let mut c = support::Client::connect(server.port);
    assert_eq!(c.call(&["SET", "kept", "value"]), "+OK\r\n");
    for script in CRASHERS {
        let reply = c.call(&["EVAL", script, "0"]);
        assert!(
            reply.starts_with("-ERR "),
            "{script}: expected an error reply, got {reply:?}"
        );
        assert!(
            reply.ends_with("\r\n") && reply.matches("\r\n").count() == 1,
            "{reply:?}"
        );
        assert_eq!(c.call(&["PING"]), "+PONG\r\n", "after {script}");
    }
    // A new connection is served, and the data is still there.
    let mut other = support::Client::connect(server.port);
    assert_eq!(other.call(&["GET", "kept"]), "$5\r\nvalue\r\n");
    assert_eq!(other.call(&["EVAL", "return 1", "0"]), ":1\r\n");
    let _ = other.read_reply(Duration::from_millis(10));
    server.stop();
}
