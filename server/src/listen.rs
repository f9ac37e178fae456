//! The listening sockets of the `bind` list, opened as redis-server opens them: each address
//! in turn (`*` is every IPv4 address, `::*` every IPv6 one, a name is resolved), an address
//! written `-addr` skipped when this machine does not have it, and an address family the
//! machine lacks skipped. IPv6 sockets take IPv6 only (`IPV6_V6ONLY`, as Redis sets it), so
//! that `* ::*` binds both families on one port. The one unsafe block of the networking code
//! is here: std has no way to set `IPV6_V6ONLY` before `bind`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Redis's `listen` backlog (`tcp-backlog` default).
const BACKLOG: libc::c_int = 511;

/// A `bind` entry that could not be listened on: what Redis logs about it.
#[derive(Debug)]
pub struct BindError {
    pub address: String,
    pub error: io::Error,
}

impl BindError {
    /// Redis's log line about it.
    pub fn log_line(&self, port: u16) -> String {
        format!(
            "Warning: Could not create server TCP listening socket {}:{port}: bind: {}",
            self.address,
            crate::util::strerror(&self.error)
        )
    }
}

/// Listen on every address of `binds` at `port`; none when the list is empty (no TCP). Port 0
/// takes the free port the first address is given for all of them (the socket that found it
/// is kept, so no other program can take the port in between).
pub fn open(binds: &[String], mut port: u16) -> Result<Vec<std::net::TcpListener>, BindError> {
    let mut listeners: Vec<std::net::TcpListener> = Vec::with_capacity(binds.len());
    for entry in binds {
        if port == 0 {
            if let Some(first) = listeners.first() {
                port = first.local_addr().map_or(0, |a| a.port());
            }
        }
        let (optional, host) = match entry.strip_prefix('-') {
            Some(host) => (true, host),
            None => (false, entry.as_str()),
        };
        match open_one(host, port) {
            Ok(listener) => listeners.push(listener),
            Err(e) if optional && e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => {}
            Err(e) if family_missing(&e) => {}
            Err(error) => {
                return Err(BindError {
                    address: host.to_string(),
                    error,
                })
            }
        }
    }
    Ok(listeners)
}

/// The errors of an address family this machine does not have (Redis skips those entries).
fn family_missing(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::ENOPROTOOPT)
            | Some(libc::EPROTONOSUPPORT)
            | Some(libc::ESOCKTNOSUPPORT)
            | Some(libc::EPFNOSUPPORT)
            | Some(libc::EAFNOSUPPORT)
    )
}

fn open_one(host: &str, port: u16) -> io::Result<std::net::TcpListener> {
    let address = resolve(host, port)?;
    match address {
        SocketAddr::V4(_) => std::net::TcpListener::bind(address),
        SocketAddr::V6(v6) => listen_v6_only(v6),
    }
}

/// The socket address of a `bind` entry: `*`, `::*`, an IP literal, or a name (an IPv4
/// address for a name, as Redis asks for one when the entry has no `:`).
fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    let ip = match host {
        "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => match host.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => {
                let wanted_v6 = host.contains(':');
                return (host, port)
                    .to_socket_addrs()?
                    .find(|a| a.is_ipv6() == wanted_v6)
                    .ok_or_else(|| io::Error::from_raw_os_error(libc::EADDRNOTAVAIL));
            }
        },
    };
    Ok(SocketAddr::new(ip, port))
}

/// An IPv6 listener that takes IPv6 connections only.
fn listen_v6_only(address: std::net::SocketAddrV6) -> io::Result<std::net::TcpListener> {
    use std::os::fd::{FromRawFd, OwnedFd};
    let on: libc::c_int = 1;
    let on_len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor owned by `fd` from the moment it exists (so
    // it is closed on every error path); the option value and the address are local values
    // that outlive the calls, passed with their exact sizes; `sockaddr_in6` is plain data for
    // which all-zero bytes are valid before the fields are set.
    unsafe {
        let raw = libc::socket(libc::AF_INET6, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = OwnedFd::from_raw_fd(raw);
        let check = |result: libc::c_int| {
            if result < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        let option = |level, name| {
            libc::setsockopt(raw, level, name, (&on as *const libc::c_int).cast(), on_len)
        };
        check(option(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY))?;
        check(option(libc::SOL_SOCKET, libc::SO_REUSEADDR))?;
        let mut sockaddr: libc::sockaddr_in6 = std::mem::zeroed();
        sockaddr.sin6_family = libc::AF_INET6 as libc::sa_family_t;
        sockaddr.sin6_port = address.port().to_be();
        sockaddr.sin6_addr.s6_addr = address.ip().octets();
        sockaddr.sin6_scope_id = address.scope_id();
        let length = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        check(libc::bind(
            raw,
            (&sockaddr as *const libc::sockaddr_in6).cast(),
            length,
        ))?;
        check(libc::listen(raw, BACKLOG))?;
        Ok(std::net::TcpListener::from(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("address").port()
    }

    #[test]
    fn both_wildcards_share_a_port() {
        let port = free_port();
        let binds = ["*".to_string(), "-::*".to_string()];
        let listeners = open(&binds, port).expect("listens");
        assert!(!listeners.is_empty());
        assert!(listeners
            .iter()
            .all(|l| l.local_addr().expect("addr").port() == port));
    }

    #[test]
    fn an_optional_address_this_machine_lacks_is_skipped() {
        let port = free_port();
        let binds = ["127.0.0.1".to_string(), "-10.254.254.254".to_string()];
        assert_eq!(open(&binds, port).expect("listens").len(), 1);
        let binds = ["10.254.254.254".to_string()];
        let error = open(&binds, port).expect_err("no such address");
        assert_eq!(
            error.log_line(port),
            format!("Warning: Could not create server TCP listening socket 10.254.254.254:{port}: bind: Cannot assign requested address")
        );
    }

    #[test]
    fn a_taken_port_is_an_error_and_no_list_is_no_listener() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let error = open(&["127.0.0.1".to_string()], port).expect_err("taken");
        assert_eq!(error.error.kind(), io::ErrorKind::AddrInUse);
        assert!(open(&[], port).expect("nothing to open").is_empty());
    }
}
