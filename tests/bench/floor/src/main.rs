//! The floor of `scripts/bench`: the flat-mode protocol of `examples/echo` (`echo`, `join`,
//! `publish`) on bare tokio-tungstenite, configured the way the research found fastest: 4 KiB
//! read buffer, TCP_NODELAY, replies and publications fed into the sink and flushed once per
//! burst, publication frames encoded once and shared. It does only what the protocol needs (it
//! reads the routing key and the room, not a typed input), so it is what a hand-written server
//! would cost. `echo` sends the request text back; `echo_map` parses its input into a
//! `serde_json::Map` and serializes the reply from it, as the echo channel's `echo_map` handler
//! does: the floor plus the JSON work any server that reads its input does. Environment: `HOST`
//! (127.0.0.1), `PORT` (3000).

mod rooms;

use std::borrow::Cow;
use std::sync::Arc;

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use rooms::Rooms;

/// The `listen` backlog: wirechan's default (`ServerConfig::listen_backlog`).
const LISTEN_BACKLOG: u32 = 4096;

/// Frames a connection may have queued for writing; publications to a full queue are dropped,
/// as the runtime's default does.
const OUTBOUND_QUEUE: usize = 256;

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow, default)]
    room: Option<Cow<'a, str>>,
}

/// The echo reply built from the parsed input: the routing key first, then the input's members.
fn echo_reply(text: &str) -> Option<Utf8Bytes> {
    let mut input: Map<String, Value> = serde_json::from_str(text).ok()?;
    input.remove("action");
    let members = serde_json::to_string(&input).ok()?;
    let rest = members.strip_prefix('{')?;
    let comma = if rest == "}" { "" } else { "," };
    Some(format!(r#"{{"action":"echo_map"{comma}{rest}"#).into())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    // The same listen backlog as wirechan's default (tokio's `bind` asks for 1,024): in the
    // reconnect storm the floor is then what the server code costs, not what a full backlog does.
    let addr: std::net::SocketAddr = tokio::net::lookup_host(format!("{host}:{port}"))
        .await?
        .next()
        .ok_or_else(|| anyhow::anyhow!("{host}:{port} does not resolve"))?;
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener: TcpListener = socket.listen(LISTEN_BACKLOG)?;
    println!("bench-floor: ws://{host}:{port}/echo");
    let rooms = Arc::new(Rooms::default());
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        next_id += 1;
        tokio::spawn(serve(stream, next_id, rooms.clone()));
    }
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(1 << 22)
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(1 << 20))
}

async fn serve(stream: TcpStream, id: u64, rooms: Arc<Rooms>) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config())).await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Message>(OUTBOUND_QUEUE);
    let mut joined: Vec<String> = Vec::new();
    loop {
        let ok = tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(msg)) => read_burst(&mut ws, msg, id, &tx, &rooms, &mut joined).await,
                _ => false,
            },
            Some(frame) = rx.recv() => {
                let mut ok = ws.feed(frame).await.is_ok();
                while let (true, Ok(frame)) = (ok, rx.try_recv()) {
                    ok = ws.feed(frame).await.is_ok();
                }
                ok && ws.flush().await.is_ok()
            }
        };
        if !ok {
            break;
        }
    }
    for room in &joined {
        rooms.leave(room, id);
    }
}

/// Answers `first` and every message already readable without waiting, then flushes once.
async fn read_burst(
    ws: &mut WebSocketStream<TcpStream>,
    first: Message,
    id: u64,
    tx: &mpsc::Sender<Message>,
    rooms: &Rooms,
    joined: &mut Vec<String>,
) -> bool {
    let mut next = Some(first);
    while let Some(msg) = next.take() {
        let reply = match msg {
            Message::Text(text) => handle(text, id, tx, rooms, joined),
            Message::Close(_) => return false,
            _ => None,
        };
        if let Some(reply) = reply
            && ws.feed(Message::Text(reply)).await.is_err()
        {
            return false;
        }
        next = match ws.next().now_or_never() {
            Some(Some(Ok(msg))) => Some(msg),
            Some(_) => return false,
            None => None,
        };
    }
    ws.flush().await.is_ok()
}

fn handle(
    text: Utf8Bytes,
    id: u64,
    tx: &mpsc::Sender<Message>,
    rooms: &Rooms,
    joined: &mut Vec<String>,
) -> Option<Utf8Bytes> {
    let head: Head<'_> = match serde_json::from_str(text.as_str()) {
        Ok(head) => head,
        Err(e) => return Some(error(None, "invalid_json", &e.to_string())),
    };
    let room = head.room.as_deref();
    match (&*head.action, room) {
        // A flat-mode echo reply is the request itself: its input with the routing key.
        ("echo_map", _) => echo_reply(text.as_str()),
        ("echo", _) => Some(text.clone()),
        ("join", Some(room)) => {
            if !joined.iter().any(|r| r == room) {
                rooms.join(room, id, tx.clone());
                joined.push(room.to_owned());
            }
            let room = serde_json::to_string(room).ok()?;
            Some(format!(r#"{{"action":"join","joined":{room}}}"#).into())
        }
        ("publish", Some(room)) => {
            let mut data: Map<String, Value> = serde_json::from_str(text.as_str()).ok()?;
            data.remove("action");
            // Topic first, as the runtime writes it.
            let topic = serde_json::to_string(&format!("room:{room}")).ok()?;
            let data = serde_json::to_string(&data).ok()?;
            let delivered = rooms.publish(room, Utf8Bytes::from(format!(r#"{{"topic":{topic},"data":{data}}}"#)));
            Some(format!(r#"{{"action":"publish","delivered":{delivered}}}"#).into())
        }
        ("join" | "publish", None) => Some(error(Some(&head.action), "invalid_input", "missing field `room`")),
        (action, _) => Some(error(Some(action), "unknown_action", "no such action")),
    }
}

fn error(action: Option<&str>, code: &str, message: &str) -> Utf8Bytes {
    let error = serde_json::json!({ "code": code, "message": message });
    let frame = match action {
        Some(action) => serde_json::json!({ "action": action, "error": error }),
        None => serde_json::json!({ "error": error }),
    };
    frame.to_string().into()
}
