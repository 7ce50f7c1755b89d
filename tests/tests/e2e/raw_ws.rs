//! A raw WebSocket client over a plain `TcpStream`, for the transport tests: it does exactly
//! what a test tells it and nothing else. Unlike `TestClient`, it does not read unless asked, so
//! it answers no ping and takes no data: the peer that stops answering, or stops reading.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// One frame from the server (servers never mask).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub fin: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.payload).expect("a text frame is UTF-8")
    }

    /// The close code of a close frame.
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == OP_CLOSE && self.payload.len() >= 2)
            .then(|| u16::from_be_bytes([self.payload[0], self.payload[1]]))
    }

    pub fn close_reason(&self) -> &str {
        std::str::from_utf8(self.payload.get(2..).unwrap_or_default()).unwrap_or_default()
    }
}

pub struct RawWs {
    pub tcp: TcpStream,
    buf: Vec<u8>,
}

/// An upgrade request for `path`, with `extra` headers.
pub fn upgrade_request(addr: SocketAddr, path: &str, extra: &[(&str, &str)]) -> String {
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req
}

/// The headers every upgrade sends, for `http_request`.
pub const UPGRADE_HEADERS: [(&str, &str); 4] = [
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
];

impl RawWs {
    /// Opens `path` and reads the `101` answer; panics on any other.
    pub async fn connect(addr: SocketAddr, path: &str) -> Self {
        Self::connect_with(addr, path, None, None).await
    }

    /// Opens `path` from a socket with a receive buffer of about `recv_buffer` bytes, so that
    /// a client that does not read fills up after little data.
    pub async fn connect_small_window(addr: SocketAddr, path: &str, recv_buffer: u32) -> Self {
        Self::connect_with(addr, path, Some(recv_buffer), None).await
    }

    /// Opens `path` from the local address `from` (any 127.x.y.z on Linux).
    pub async fn connect_from(addr: SocketAddr, path: &str, from: SocketAddr) -> Self {
        Self::connect_with(addr, path, None, Some(from)).await
    }

    async fn connect_with(addr: SocketAddr, path: &str, recv_buffer: Option<u32>, from: Option<SocketAddr>) -> Self {
        let socket = TcpSocket::new_v4().expect("a socket");
        if let Some(bytes) = recv_buffer {
            socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        }
        if let Some(from) = from {
            socket.bind(from).expect("bind the local address");
        }
        let mut tcp = socket.connect(addr).await.expect("tcp connect");
        tcp.set_nodelay(true).expect("TCP_NODELAY");
        tcp.write_all(upgrade_request(addr, path, &[]).as_bytes()).await.expect("send the upgrade");
        let mut ws = Self { tcp, buf: Vec::new() };
        let head = ws.read_head().await;
        assert!(head.starts_with("HTTP/1.1 101"), "the upgrade is accepted: {head}");
        ws
    }

    async fn read_head(&mut self) -> String {
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.drain(..end + 4);
                return head;
            }
            let n = tokio::time::timeout(Duration::from_secs(5), self.tcp.read(&mut chunk))
                .await
                .expect("the upgrade answer in time")
                .expect("read the upgrade answer");
            assert!(n > 0, "the server closed before answering the upgrade");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends one masked frame.
    pub async fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        assert!(self.try_send_frame(opcode, payload).await, "send a frame");
    }

    /// Sends one masked frame; `false` when the connection is gone.
    pub async fn try_send_frame(&mut self, opcode: u8, payload: &[u8]) -> bool {
        self.tcp.write_all(&masked_frame(opcode, payload)).await.is_ok()
    }

    /// Sends bytes as they are (a frame built by the test).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.expect("send bytes");
    }

    pub async fn send_text(&mut self, text: &str) {
        self.send_frame(OP_TEXT, text.as_bytes()).await;
    }

    /// The next frame, `None` when the server closed the TCP connection. Panics when nothing
    /// arrives within `wait`.
    pub async fn read_frame_within(&mut self, wait: Duration) -> Option<Frame> {
        tokio::time::timeout(wait, self.read_frame()).await.expect("a frame or the end of the stream in time")
    }

    /// The next frame (5 s at most), `None` when the server closed the TCP connection.
    pub async fn next_frame(&mut self) -> Option<Frame> {
        self.read_frame_within(Duration::from_secs(5)).await
    }

    async fn fill(&mut self, len: usize) -> bool {
        let mut chunk = vec![0u8; 64 * 1024];
        while self.buf.len() < len {
            match self.tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
        true
    }

    async fn read_frame(&mut self) -> Option<Frame> {
        if !self.fill(2).await {
            return None;
        }
        let (b0, b1) = (self.buf[0], self.buf[1]);
        assert_eq!(b1 & 0x80, 0, "server frames are not masked");
        let (len, head) = match b1 & 0x7f {
            126 => {
                if !self.fill(4).await {
                    return None;
                }
                (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
            }
            127 => {
                if !self.fill(10).await {
                    return None;
                }
                let mut be = [0u8; 8];
                be.copy_from_slice(&self.buf[2..10]);
                (u64::from_be_bytes(be) as usize, 10)
            }
            n => (n as usize, 2),
        };
        if !self.fill(head + len).await {
            return None;
        }
        let payload = self.buf[head..head + len].to_vec();
        self.buf.drain(..head + len);
        Some(Frame { fin: b0 & 0x80 != 0, opcode: b0 & 0x0f, payload })
    }
}

/// One final client frame: `opcode`, masked `payload`.
pub fn masked_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    masked_frame_with(0x80 | opcode, payload)
}

/// One client frame whose first byte (FIN, RSV1-3, opcode) is `first`, with masked `payload`.
pub fn masked_frame_with(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![first];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}
