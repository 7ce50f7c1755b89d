//! The client side of RFC 6455, by hand: the opening handshake, masked text frames built once,
//! and a parser for the server's (unmasked) frames.

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The mask every frame of this client uses: masking is required, not secret, and a fixed key
/// lets a frame be built once and sent many times.
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Opcode of a text frame.
pub const TEXT: u8 = 0x1;

/// Where the server lives, from a `ws://host:port/path` URL.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub addr: String,
    pub host: String,
    pub path: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let rest = url.strip_prefix("ws://").context("only ws:// URLs are supported")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let addr = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:80") };
        Ok(Self { addr, host: authority.to_owned(), path: path.to_owned() })
    }
}

/// An upgraded connection and the bytes that followed the handshake response.
pub struct Conn {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
}

/// Connects, upgrades, and returns the socket with whatever frame bytes arrived already.
pub async fn connect(endpoint: &Endpoint, envelope: bool) -> anyhow::Result<Conn> {
    let stream = TcpStream::connect(&endpoint.addr).await.with_context(|| format!("connect {}", endpoint.addr))?;
    upgrade(stream, endpoint, envelope, None).await
}

/// [`connect`] offering permessage-deflate as `offer` says (the `Sec-WebSocket-Extensions`
/// value); fails unless the server agreed. Frames the server then sends may be compressed (RSV1).
pub async fn connect_deflate(endpoint: &Endpoint, offer: &str) -> anyhow::Result<Conn> {
    let stream = TcpStream::connect(&endpoint.addr).await.with_context(|| format!("connect {}", endpoint.addr))?;
    upgrade(stream, endpoint, false, Some(offer)).await
}

/// Reads the frames the server answered a publisher with and drops them; fails on an error
/// frame (only an error matters in a reply to `publish`).
pub fn drain_publish_replies(buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut off = 0;
    while let Some((opcode, body, total)) = parse_frame(&buf[off..])? {
        let body = &buf[off..][body];
        if opcode == TEXT && body.windows(7).any(|w| w == b"\"error\"") {
            bail!("publish failed: {}", String::from_utf8_lossy(body));
        }
        off += total;
    }
    buf.drain(..off);
    Ok(())
}

/// A subscriber's next read: `Ok(false)` once `stopped` and nothing came for half a second
/// (after the stop, whatever is still on its way gets that long to arrive).
pub async fn read_until_quiet(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    stopped: impl Fn() -> bool,
) -> anyhow::Result<bool> {
    match tokio::time::timeout(std::time::Duration::from_millis(500), stream.read_buf(buf)).await {
        Ok(Ok(0)) => bail!("the server closed a subscriber"),
        Ok(Ok(_)) => Ok(true),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Ok(!stopped()),
    }
}

/// Whether a server frame starting at `frame` is compressed (RSV1, RFC 7692).
pub fn compressed(frame: &[u8]) -> bool {
    frame.first().is_some_and(|b| b & 0x40 != 0)
}

/// [`connect`], also returning how long the TCP connection alone took.
pub async fn connect_timed(endpoint: &Endpoint) -> anyhow::Result<(Conn, std::time::Duration)> {
    let started = std::time::Instant::now();
    let stream = TcpStream::connect(&endpoint.addr).await.with_context(|| format!("connect {}", endpoint.addr))?;
    let connect = started.elapsed();
    Ok((upgrade(stream, endpoint, false, None).await?, connect))
}

/// [`connect`] with a receive buffer of `bytes` (set before the handshake, so that the TCP window
/// stays that small): a client that stops reading then stalls the server's writes soon.
pub async fn connect_small_window(endpoint: &Endpoint, bytes: u32) -> anyhow::Result<Conn> {
    let addr = tokio::net::lookup_host(&endpoint.addr).await?.next().context("the address resolves")?;
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_recv_buffer_size(bytes)?;
    let stream = socket.connect(addr).await.with_context(|| format!("connect {}", endpoint.addr))?;
    upgrade(stream, endpoint, false, None).await
}

async fn upgrade(
    mut stream: TcpStream,
    endpoint: &Endpoint,
    envelope: bool,
    deflate: Option<&str>,
) -> anyhow::Result<Conn> {
    stream.set_nodelay(true)?;
    let mut protocol = if envelope { "Sec-WebSocket-Protocol: wirechan.v1\r\n".to_owned() } else { String::new() };
    if let Some(offer) = deflate {
        protocol.push_str(&format!("Sec-WebSocket-Extensions: {offer}\r\n"));
    }
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{protocol}\r\n",
        endpoint.path, endpoint.host
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::with_capacity(4096);
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 16 * 1024 {
            bail!("handshake response too long");
        }
        if stream.read_buf(&mut buf).await? == 0 {
            bail!("connection closed during the handshake");
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    if !head.starts_with("HTTP/1.1 101") {
        bail!("upgrade refused: {}", head.lines().next().unwrap_or_default());
    }
    if deflate.is_some() && !head.to_ascii_lowercase().contains("sec-websocket-extensions: permessage-deflate") {
        bail!("the server did not agree to permessage-deflate (is its compression on?)");
    }
    buf.drain(..end);
    Ok(Conn { stream, buf })
}

/// A masked text frame holding `payload`.
pub fn text_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | TEXT);
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= u16::MAX as usize => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&MASK);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    frame
}

/// A complete server frame at the start of a buffer: its opcode, where its payload is, and its
/// total length. `None` when the buffer holds only part of one.
pub fn parse_frame(buf: &[u8]) -> anyhow::Result<Option<(u8, std::ops::Range<usize>, usize)>> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let opcode = buf[0] & 0x0f;
    if buf[1] & 0x80 != 0 {
        bail!("the server sent a masked frame");
    }
    let (len, header) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (u64::from_be_bytes(buf[2..10].try_into()?) as usize, 10),
        126 | 127 => return Ok(None),
        n => (n as usize, 2),
    };
    if buf.len() < header + len {
        return Ok(None);
    }
    Ok(Some((opcode, header..header + len, header + len)))
}

/// A JSON member of about `size` bytes (at least one record) that compresses as real data does:
/// `"items"`, records whose ids, prices, quantities and words vary with `seed`.
pub fn records_member(size: usize, seed: u64) -> String {
    const WORDS: [&str; 12] =
        ["red", "blue", "green", "small", "large", "steel", "wooden", "round", "square", "light", "heavy", "spare"];
    const THINGS: [&str; 8] = ["widget", "bolt", "panel", "bracket", "valve", "hinge", "gear", "spring"];
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut json = String::from(r#""items":["#);
    loop {
        let record = format!(
            r#"{{"id":{},"sku":"{}-{:05}","name":"{} {}","price":{}.{:02},"qty":{},"in_stock":{}}}"#,
            next() % 1_000_000,
            ["AB", "CX", "QT", "ZR"][next() % 4],
            next() % 100_000,
            WORDS[next() % WORDS.len()],
            THINGS[next() % THINGS.len()],
            next() % 500,
            next() % 100,
            next() % 40,
            next() % 3 != 0,
        );
        if json.ends_with('[') || json.len() + record.len() + 2 <= size {
            if !json.ends_with('[') {
                json.push(',');
            }
            json.push_str(&record);
        } else {
            break;
        }
    }
    json.push(']');
    json
}

/// A JSON object of exactly `size` bytes: `prefix`, then a padding field, then `}`.
pub fn padded_json(prefix: &str, size: usize) -> String {
    let fixed = prefix.len() + r#","pad":""}"#.len();
    let pad = "x".repeat(size.saturating_sub(fixed));
    format!(r#"{prefix},"pad":"{pad}"}}"#)
}
