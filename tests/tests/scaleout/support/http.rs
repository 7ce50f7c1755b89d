//! One HTTP GET over a raw socket, enough for the health check and the metrics.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET path` with `Connection: close`; the status and the body as JSON. `Err` when the server
/// does not answer (e.g. it is not listening yet).
pub async fn http_get_json(addr: SocketAddr, path: &str) -> Result<(u16, Value), String> {
    let (status, body) = http_get_text(addr, path).await?;
    let body = serde_json::from_str(&body).map_err(|e| format!("body is not JSON ({e}): {body:?}"))?;
    Ok((status, body))
}

/// `GET path` with `Connection: close`; the status and the body.
pub async fn http_get_text(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8(raw).map_err(|e| format!("not UTF-8: {e}"))?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no header end: {text:?}"))?;
    let status =
        head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("no status line: {head:?}"))?;
    Ok((status, body.to_owned()))
}
