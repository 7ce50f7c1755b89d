//! A WebSocket client over a real loopback socket that speaks both protocol modes. A reader
//! task routes envelope replies to the calls awaiting them and queues everything else as events.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TestError;
use crate::action_spec::ActionSpec;
use crate::error::ChannelError;

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;
type Pending = Arc<parking_lot::Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// Something the server sent that is not the reply to a pending call.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A JSON frame (a reply in flat mode, a push, a publication, an error).
    Json(Value),
    /// A frame that is not JSON.
    Text(String),
    /// The server closed the connection.
    Closed {
        /// Its close code.
        code: Option<u16>,
        /// Its reason.
        reason: String,
    },
}

/// A test client connected to a channel.
#[derive(Debug)]
pub struct TestClient {
    sink: Arc<Mutex<Sink>>,
    events: mpsc::UnboundedReceiver<Event>,
    pending: Pending,
    next_id: AtomicU64,
    envelope: bool,
    timeout: Duration,
}

impl TestClient {
    /// Connects in flat mode (no subprotocol).
    pub async fn connect(url: &str) -> Result<Self, TestError> {
        Self::open(url, false).await
    }

    /// Connects in envelope mode (subprotocol `wirechan.v1`), where calls carry ids.
    pub async fn connect_envelope(url: &str) -> Result<Self, TestError> {
        Self::open(url, true).await
    }

    async fn open(url: &str, envelope: bool) -> Result<Self, TestError> {
        // The same handshake as `wirechan::client`.
        let ws = match crate::client::handshake(url, envelope).await {
            Ok(ws) => ws,
            Err(crate::client::HandshakeError::Refused { status, body }) => {
                return Err(TestError::Refused { status, body });
            }
            Err(crate::client::HandshakeError::Other(e)) => return Err(e.into()),
        };
        let (sink, mut stream) = ws.split();
        let (tx, events) = mpsc::unbounded_channel();
        let pending: Pending = Default::default();
        let routes = pending.clone();
        tokio::spawn(async move {
            while let Some(msg) = stream.next().await {
                let event = match msg {
                    Ok(Message::Text(t)) => match serde_json::from_str::<Value>(&t) {
                        Ok(v) => {
                            if let Some(tx) = reply_slot(&routes, &v) {
                                let _ = tx.send(v);
                                continue;
                            }
                            Event::Json(v)
                        }
                        Err(_) => Event::Text(t.to_string()),
                    },
                    Ok(Message::Close(frame)) => Event::Closed {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    },
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(event).is_err() {
                    break;
                }
            }
            routes.lock().clear();
        });
        Ok(Self {
            sink: Arc::new(Mutex::new(sink)),
            events,
            pending,
            next_id: AtomicU64::new(1),
            envelope,
            timeout: Duration::from_secs(5),
        })
    }

    /// Changes how long `recv*` and `call` wait (default 5 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends a raw text frame.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), TestError> {
        self.sink.lock().await.send(Message::Text(text.into().into())).await?;
        Ok(())
    }

    /// Sends a raw binary frame.
    pub async fn send_binary(&self, bytes: Vec<u8>) -> Result<(), TestError> {
        self.sink.lock().await.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// Sends a JSON value as a text frame.
    pub async fn send_json(&self, value: &Value) -> Result<(), TestError> {
        self.send_text(value.to_string()).await
    }

    /// Sends a close frame.
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), TestError> {
        let frame = CloseFrame { code: code.into(), reason: reason.to_owned().into() };
        self.sink.lock().await.send(Message::Close(Some(frame))).await?;
        Ok(())
    }

    /// The next event.
    pub async fn recv(&mut self) -> Result<Event, TestError> {
        match tokio::time::timeout(self.timeout, self.events.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(TestError::Closed { code: None, reason: "socket ended".to_owned() }),
            Err(_) => Err(TestError::Timeout("a frame")),
        }
    }

    /// The next event, if one arrives within `wait`.
    pub async fn try_recv_within(&mut self, wait: Duration) -> Option<Event> {
        tokio::time::timeout(wait, self.events.recv()).await.ok().flatten()
    }

    /// The next JSON frame; a close or a non-JSON frame is an error.
    pub async fn recv_json(&mut self) -> Result<Value, TestError> {
        match self.recv().await? {
            Event::Json(v) => Ok(v),
            Event::Text(t) => Err(TestError::Unexpected(format!("not JSON: {t}"))),
            Event::Closed { code, reason } => Err(TestError::Closed { code, reason }),
        }
    }

    /// Waits for the server's close frame, skipping other frames; returns its code and reason.
    pub async fn recv_close(&mut self) -> Result<(Option<u16>, String), TestError> {
        loop {
            if let Event::Closed { code, reason } = self.recv().await? {
                return Ok((code, reason));
            }
        }
    }

    /// The next publication on `topic`, skipping other frames, decoded as `T`.
    pub async fn next_publication<T: DeserializeOwned>(&mut self, topic: &str) -> Result<T, TestError> {
        loop {
            let v = self.recv_json().await?;
            if v.get("topic").and_then(Value::as_str) == Some(topic) {
                return Ok(serde_json::from_value(v.get("data").cloned().unwrap_or(Value::Null))?);
            }
        }
    }

    /// Calls action `A` and awaits its typed reply. In envelope mode the call carries an id
    /// and may run beside others; in flat mode the next frame tagged with the action answers.
    pub async fn call<A>(&mut self, input: &A::Input) -> Result<A::Output, TestError>
    where
        A: ActionSpec,
        A::Input: Serialize,
        A::Output: DeserializeOwned,
    {
        let data = serde_json::to_value(input)?;
        let reply = self.call_json(A::KEY, A::NAME, data).await?;
        decode_reply::<A::Output>(reply, self.envelope, A::KEY)
    }

    /// Calls an action by name with a JSON input and returns the raw reply frame.
    pub async fn call_json(&mut self, key: &str, action: &str, data: Value) -> Result<Value, TestError> {
        if self.envelope {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = oneshot::channel();
            self.pending.lock().insert(id, tx);
            let mut frame = serde_json::json!({ key: action, "id": id });
            if !data.is_null() {
                frame["data"] = data;
            }
            self.send_json(&frame).await?;
            match tokio::time::timeout(self.timeout, rx).await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(_)) => Err(TestError::Closed { code: None, reason: "socket ended during a call".to_owned() }),
                Err(_) => {
                    self.pending.lock().remove(&id);
                    Err(TestError::Timeout("a reply"))
                }
            }
        } else {
            let mut frame = match data {
                Value::Object(map) => Value::Object(map),
                Value::Null => Value::Object(Default::default()),
                other => return Err(TestError::Unexpected(format!("flat mode needs an object input, got {other}"))),
            };
            frame[key] = Value::String(action.to_owned());
            self.send_json(&frame).await?;
            loop {
                let v = self.recv_json().await?;
                if v.get(key).and_then(Value::as_str) == Some(action) {
                    return Ok(v);
                }
            }
        }
    }
}

/// The pending call a frame answers: a reply or an error with a known id, not a progress frame.
fn reply_slot(pending: &Pending, v: &Value) -> Option<oneshot::Sender<Value>> {
    let id = v.get("id")?.as_u64()?;
    if v.get("progress").is_some() {
        return None;
    }
    pending.lock().remove(&id)
}

fn decode_reply<T: DeserializeOwned>(mut reply: Value, envelope: bool, key: &str) -> Result<T, TestError> {
    if let Some(err) = reply.get("error") {
        let err: ChannelError = serde_json::from_value(err.clone())?;
        return Err(TestError::Call(err));
    }
    let data = if envelope {
        reply.get_mut("data").map(Value::take).unwrap_or(Value::Null)
    } else if let Some(result) = reply.get_mut("result") {
        result.take()
    } else if let Value::Object(map) = &mut reply {
        map.remove(key);
        if map.is_empty() { Value::Null } else { reply }
    } else {
        reply
    };
    Ok(serde_json::from_value(data)?)
}
