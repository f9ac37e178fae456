//! Outgoing connections from a chosen local address (`bind-source-addr`), made as Redis's
//! `anetTcpNonBlockBestEffortBindConnect` makes them: bind the socket to the source address
//! (any port), then connect; when the source cannot be bound, connect from wherever the system
//! picks. std binds only listeners, so the socket calls are made here, in one unsafe block.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

/// Connect to `target` within `timeout`, from `source` when it is given and can be bound.
pub fn connect(
    target: SocketAddr,
    source: Option<IpAddr>,
    timeout: Duration,
) -> io::Result<TcpStream> {
    match source {
        Some(source) if source.is_ipv6() == target.is_ipv6() => {
            match bound_connect(target, source, timeout) {
                Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => {
                    TcpStream::connect_timeout(&target, timeout)
                }
                other => other,
            }
        }
        _ => TcpStream::connect_timeout(&target, timeout),
    }
}

/// A socket address in the C layout, with its length.
fn raw_address(address: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` is plain data, valid all zero; it is larger than and aligned
    // for both `sockaddr_in` and `sockaddr_in6`, so writing either at its start stays inside it.
    unsafe {
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        let length = match address {
            SocketAddr::V4(v4) => {
                let sin =
                    &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = v4.port().to_be();
                sin.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(v6) => {
                let sin6 = &mut *(&mut storage as *mut libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in6>();
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = v6.port().to_be();
                sin6.sin6_addr.s6_addr = v6.ip().octets();
                sin6.sin6_scope_id = v6.scope_id();
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        (storage, length as libc::socklen_t)
    }
}

fn bound_connect(target: SocketAddr, source: IpAddr, timeout: Duration) -> io::Result<TcpStream> {
    let family = if target.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    let (local, local_length) = raw_address(SocketAddr::new(source, 0));
    let (remote, remote_length) = raw_address(target);
    let limit = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    let check = |result: libc::c_int| {
        if result < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    // SAFETY: the descriptor is owned by `fd` from the moment it exists, so every error path
    // closes it; the addresses and the time limit are local values that outlive the calls and
    // are passed with their exact sizes.
    unsafe {
        let raw = libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = OwnedFd::from_raw_fd(raw);
        check(libc::bind(
            raw,
            (&local as *const libc::sockaddr_storage).cast(),
            local_length,
        ))?;
        // A blocking connect gives up after the send time limit (Linux's SO_SNDTIMEO).
        check(libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&limit as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        ))?;
        check(libc::connect(
            raw,
            (&remote as *const libc::sockaddr_storage).cast(),
            remote_length,
        ))?;
        Ok(TcpStream::from(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, TcpListener};

    #[test]
    fn connects_from_the_source_address() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listens");
        let target = listener.local_addr().expect("address");
        let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let stream = connect(target, Some(source), Duration::from_secs(2)).expect("connects");
        let (_, peer) = listener.accept().expect("accepts");
        assert_eq!(peer.ip(), source);
        assert_eq!(stream.local_addr().expect("local").ip(), source);
    }

    #[test]
    fn an_address_this_machine_lacks_is_passed_over() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listens");
        let target = listener.local_addr().expect("address");
        // TEST-NET-1: never an address of this machine.
        let source = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let stream = connect(target, Some(source), Duration::from_secs(2)).expect("connects");
        assert_eq!(
            stream.local_addr().expect("local").ip(),
            Ipv4Addr::LOCALHOST
        );
    }
}
