//! `CONFIG SET port`: the server moves to the new port, and a port it cannot have leaves
//! every option of the command as it was, with Redis's error (`unit/introspection`'s
//! "CONFIG SET rollback on apply error").

mod support;

use support::Client;

/// A loopback port nobody listens on (bound, then let go).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn a_port_in_use_is_refused_and_every_option_rolled_back() {
    let server = support::start("");
    let mut client = Client::connect(server.port);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_port = taken.local_addr().expect("address").port().to_string();
    let reply = client.call(&[
        "CONFIG",
        "SET",
        "maxmemory",
        "10000001",
        "port",
        &taken_port,
        "client-query-buffer-limit",
        "10m",
    ]);
    assert_eq!(
        reply,
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n"
    );
    assert_eq!(
        client.call(&["CONFIG", "GET", "maxmemory"]),
        "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    );
    assert_eq!(
        client.call(&["CONFIG", "GET", "client-query-buffer-limit"]),
        "*2\r\n$25\r\nclient-query-buffer-limit\r\n$10\r\n1073741824\r\n"
    );
    // Still listening where it was.
    assert_eq!(Client::connect(server.port).call(&["PING"]), "+PONG\r\n");
}

#[test]
fn the_server_moves_to_a_new_port() {
    let server = support::start("");
    let mut client = Client::connect(server.port);
    let port = free_port();
    assert_eq!(
        client.call(&["CONFIG", "SET", "port", &port.to_string()]),
        "+OK\r\n"
    );
    // The connection made before stays; new ones go to the new port only.
    assert_eq!(client.call(&["PING"]), "+PONG\r\n");
    assert_eq!(Client::connect(port).call(&["PING"]), "+PONG\r\n");
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err());
    let expected = format!(
        "*2\r\n$4\r\nport\r\n${}\r\n{port}\r\n",
        port.to_string().len()
    );
    assert_eq!(client.call(&["CONFIG", "GET", "port"]), expected);
}
