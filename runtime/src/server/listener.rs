//! The listening socket. tokio's `TcpListener::bind` asks the kernel for a backlog of 128
//! connections that completed the TCP handshake and wait for `accept`; a burst of connects
//! larger than that (every client reconnecting after a deploy) overflows it, and each client
//! past it waits a second or more for a SYN retransmit. The backlog is the server's setting
//! ([`crate::ServerConfig::listen_backlog`]; the kernel caps it at `net.core.somaxconn`).

use std::io;

use tokio::net::{TcpListener, TcpSocket, ToSocketAddrs};

/// Listens on the first address `addr` resolves to that can be bound, with `backlog`.
pub(crate) async fn bind(addr: impl ToSocketAddrs, backlog: u32) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        // As tokio's `bind` does: a restarted server can bind again at once.
        #[cfg(not(windows))]
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolves to no socket address")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Connects that the listener never accepts: the kernel completes up to the backlog of them.
    async fn completed_connects(listener: &TcpListener, tries: usize) -> usize {
        let addr = listener.local_addr().unwrap();
        let connects = (0..tries).map(|_| {
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(700), tokio::net::TcpStream::connect(addr)).await
            })
        });
        let mut done = Vec::new();
        for connect in connects {
            done.push(connect.await.unwrap());
        }
        done.iter().filter(|c| matches!(c, Ok(Ok(_)))).count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_connects_fits_in_the_backlog() {
        const BURST: usize = 600;
        let listener = bind("127.0.0.1:0", 1024).await.unwrap();
        // With tokio's own `bind` (a backlog of 128) most of the burst waits for a SYN
        // retransmit, past the test's timeout.
        assert_eq!(completed_connects(&listener, BURST).await, BURST, "every connect completes without an accept");
    }
}
