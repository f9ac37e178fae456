//! A new server's scripts draw `math.random` from the state Redis's generator starts in: the
//! reply is what a freshly started redis-server 7.0.15 sent for the same first script.

mod support;

use support::{start, Client};

#[test]
fn the_first_random_numbers_of_a_new_server_match_the_reference() {
    let server = start("");
    let mut c = Client::connect(server.port);
    let script = "return {math.random(100), math.random(100), math.random(1000000)}";
    assert_eq!(
        c.call(&["EVAL", script, "0"]),
        "*3\r\n:40\r\n:85\r\n:353337\r\n"
    );
    // The state is the process's: the next script goes on from it, as in Redis 7.0.
    assert_eq!(
        c.call(&["EVAL", script, "0"]),
        "*3\r\n:45\r\n:32\r\n:886429\r\n"
    );
    server.stop();
}
