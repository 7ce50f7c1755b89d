//! The task that owns a client's WebSocket: it sends calls and matches their answers, routes
//! publications to subscriptions (through their positions, `recovery.rs`), and after a drop
//! reconnects with backoff, signs in and subscribes again from each subscription's position, in
//! order, before it takes the next command.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::frames::{self, Received};
use super::recovery::{Event, Frame, Tracker};
use super::{Backoff, ClientError, ConnectionState, SignIn};
use crate::Position;

/// A client's WebSocket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why an opening handshake failed.
pub(crate) enum HandshakeError {
    /// The server answered with an HTTP error instead of upgrading: its status and body.
    Refused { status: u16, body: String },
    /// Anything else (the connection, the URL, the protocol).
    Other(tokio_tungstenite::tungstenite::Error),
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeError::Refused { status, body } => write!(f, "HTTP {status}: {body}"),
            HandshakeError::Other(e) => e.fmt(f),
        }
    }
}

/// Opens a WebSocket to `url`, offering the envelope subprotocol when `envelope`. Nagle is off, as
/// for any request/response client: a frame that gets no answer must not wait for a delayed ACK.
/// Shared by the client and `wirechan::testing`.
pub(crate) async fn handshake(url: &str, envelope: bool) -> Result<Socket, HandshakeError> {
    let mut request = url.into_client_request().map_err(HandshakeError::Other)?;
    if envelope {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(crate::server::ENVELOPE_PROTOCOL));
    }
    match tokio_tungstenite::connect_async_with_config(request, None, true).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response.into_body().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
            Err(HandshakeError::Refused { status, body })
        }
        Err(e) => Err(HandshakeError::Other(e)),
    }
}

/// What the [`super::Client`] asks of its connection.
pub(super) enum Command {
    Call(Request),
    Subscribe {
        topic: &'static str,
        name: String,
        params: Value,
        recent: Option<u32>,
        sender: mpsc::Sender<Event>,
        reply: oneshot::Sender<Result<(), ClientError>>,
    },
    Unsubscribe {
        topic: &'static str,
        name: String,
        params: Value,
    },
    Close,
}

/// A call: routing key, action, input, and where its answer goes.
pub(super) struct Request {
    pub(super) key: &'static str,
    pub(super) action: &'static str,
    pub(super) input: Value,
    pub(super) reply: oneshot::Sender<Result<Value, ClientError>>,
}

pub(super) struct Settings {
    pub(super) url: String,
    pub(super) envelope: bool,
    pub(super) call_timeout: Duration,
    pub(super) backoff: Option<Backoff>,
    pub(super) sign_in: Option<SignIn>,
}

/// A subscription the client holds (from when its frame is sent): made again on every
/// connection, in the order made, resuming from its position.
struct Held {
    /// Tells two subscriptions of one topic apart.
    key: u64,
    topic: &'static str,
    name: String,
    params: Value,
    recent: Option<u32>,
    sender: mpsc::Sender<Event>,
    tracker: Tracker,
}

impl Held {
    /// The subscription frame's input: the parameters, and where to resume from.
    fn input(&self) -> Value {
        let mut input = self.params.clone();
        if let Value::Object(members) = &mut input {
            if let Some(since) = self.tracker.since() {
                members.insert("since".to_owned(), serde_json::json!(since));
            }
            if let Some(recent) = self.recent {
                members.insert("recent".to_owned(), recent.into());
            }
        }
        input
    }
}

/// A call in flight: its routing, for flat mode's in-order answers, and where the answer goes.
struct InFlight {
    id: u64,
    key: &'static str,
    action: &'static str,
    reply: Answer,
}

enum Answer {
    Call(oneshot::Sender<Result<Value, ClientError>>),
    /// A new subscription (held already, by its key).
    Subscribe(u64, oneshot::Sender<Result<(), ClientError>>),
    /// A held subscription made again to fill a gap.
    Resubscribe(u64),
    Ignore,
}

struct Task {
    settings: Settings,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Commands taken while disconnected, sent (in order) once the next connection is open.
    waiting: VecDeque<Command>,
    state: watch::Sender<ConnectionState>,
    held: Vec<Held>,
    next_id: u64,
    /// Subscriptions (by key) that saw a gap and must be made again with `since`.
    repairs: Vec<u64>,
}

pub(super) async fn run(
    settings: Settings,
    commands: mpsc::UnboundedReceiver<Command>,
    state: watch::Sender<ConnectionState>,
    first: oneshot::Sender<Result<(), ClientError>>,
) {
    let mut task =
        Task { settings, commands, waiting: VecDeque::new(), state, held: Vec::new(), next_id: 1, repairs: Vec::new() };
    let mut first = Some(first);
    let mut attempt = 0u32;
    loop {
        let _ = task.state.send(ConnectionState::Connecting);
        match task.open().await {
            Ok(mut socket) => {
                attempt = 0;
                let _ = task.state.send(ConnectionState::Open);
                if let Some(first) = first.take() {
                    let _ = first.send(Ok(()));
                }
                if task.serve(&mut socket).await.is_break() {
                    let _ = socket.close(None).await;
                    break;
                }
                // Not open while it waits to reconnect.
                let _ = task.state.send(ConnectionState::Connecting);
            }
            Err(e) => {
                if let Some(first) = first.take() {
                    let _ = first.send(Err(e));
                    break;
                }
                tracing::debug!(error = %e, "reconnecting");
            }
        }
        let Some(backoff) = task.settings.backoff else { break };
        let delay = backoff.delay(attempt, super::backoff::random());
        attempt = attempt.saturating_add(1);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            closed = task.wait_closing() => if closed { break },
        }
    }
    let _ = task.state.send(ConnectionState::Closed);
}

/// Whether a close code ends the client rather than calling for a reconnect, as the TypeScript
/// client decides: 1000 (the channel closed the connection), 1008 (policy) and 4000-4999 (the
/// application's own, e.g. a refused sign-in).
fn deliberate(code: u16) -> bool {
    code == 1000 || code == 1008 || (4000..=4999).contains(&code)
}

impl Task {
    /// Connects, signs in and subscribes again to every topic held, one at a time.
    async fn open(&mut self) -> Result<Socket, ClientError> {
        let connect_error = |reason: String| ClientError::Connect { url: self.settings.url.clone(), reason };
        let connecting = handshake(&self.settings.url, self.settings.envelope);
        let mut socket = tokio::time::timeout(self.settings.call_timeout, connecting)
            .await
            .map_err(|_| connect_error("the handshake timed out".to_owned()))?
            .map_err(|e| connect_error(e.to_string()))?;
        if let Some(sign_in) = &self.settings.sign_in {
            let input = (sign_in.input)()?;
            let (key, action) = (sign_in.key, sign_in.action);
            self.roundtrip(&mut socket, key, action, input).await?;
        }
        self.held.retain(|h| !h.sender.is_closed());
        self.repairs.clear();
        let mut refused = Vec::new();
        for i in 0..self.held.len() {
            let (topic, input) = (self.held[i].topic, self.held[i].input());
            self.held[i].tracker.subscribing();
            match self.roundtrip(&mut socket, crate::__private::SUBSCRIBE, topic, input).await {
                Ok(answer) => {
                    let held = &mut self.held[i];
                    if held.tracker.answered(&held.name, &answer, &held.sender) {
                        self.repairs.push(held.key);
                    }
                }
                // The hub cannot answer yet (its broker is away): the whole connection is tried
                // again after the backoff, so no subscription is given up for it.
                Err(ClientError::Server { error, .. }) if error.code() == crate::codes::UNAVAILABLE => {
                    return Err(ClientError::Connect { url: self.settings.url.clone(), reason: error.to_string() });
                }
                Err(e @ ClientError::Server { .. }) => {
                    tracing::warn!(topic = self.held[i].name, error = %e, "a subscription was refused after a reconnect");
                    refused.push(i);
                }
                Err(e) => return Err(e),
            }
        }
        // Its stream ends: the application learns that the subscription is gone.
        for i in refused.into_iter().rev() {
            self.held.remove(i);
        }
        Ok(socket)
    }

    /// Sends one call and waits for its answer, routing publications that arrive meanwhile.
    async fn roundtrip(
        &mut self,
        socket: &mut Socket,
        key: &'static str,
        action: &'static str,
        input: Value,
    ) -> Result<Value, ClientError> {
        let id = self.next_id();
        let frame = frames::request(self.settings.envelope, key, action, id, input)?;
        socket.send(Message::text(frame)).await.map_err(|_| ClientError::Disconnected)?;
        let timeout = self.settings.call_timeout;
        let wait = async {
            while let Some(message) = socket.next().await {
                let Ok(Message::Text(text)) = message else {
                    if message.is_err() {
                        break;
                    }
                    continue;
                };
                match frames::receive(&text, self.settings.envelope, Some((key, action))) {
                    Received::Publication(topic, data, position) => self.publish(&topic, data, position),
                    Received::Missed(topic, at) => self.missed(&topic, &at),
                    Received::Answer(answer_id, result) if answer_id.is_none_or(|a| a == id) => {
                        return result.map_err(|error| ClientError::Server { action: action.to_owned(), error });
                    }
                    _ => {}
                }
            }
            Err(ClientError::Disconnected)
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| ClientError::Timeout(timeout))?
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn publish(&mut self, topic: &str, data: Option<Value>, position: Option<Position>) {
        for held in self.held.iter_mut().filter(|h| h.name == topic) {
            let Some(at) = position.clone() else {
                let Some(data) = data.clone() else { continue };
                if held.sender.try_send(Event::Publication(data, None)).is_err() && !held.sender.is_closed() {
                    tracing::warn!(topic, "a subscriber does not keep up: a publication was dropped");
                }
                continue;
            };
            let frame = data.clone().map_or(Frame::Excluded, Frame::Publication);
            if held.tracker.offer(at, frame, &held.sender) {
                tracing::debug!(topic, "a gap in the offsets: subscribing again from the last position");
                self.repairs.push(held.key);
            }
        }
    }

    /// The server dropped publications of `topic` up to `at`.
    fn missed(&mut self, topic: &str, at: &Position) {
        for held in self.held.iter_mut().filter(|h| h.name == topic) {
            if held.tracker.offer(at.clone(), Frame::Missed, &held.sender) {
                tracing::debug!(
                    topic,
                    "publications were dropped for this client: subscribing again from the last position"
                );
                self.repairs.push(held.key);
            }
        }
    }

    /// Makes again, with `since`, the subscriptions that saw a gap.
    async fn repair(&mut self, socket: &mut Socket, in_flight: &mut VecDeque<InFlight>) -> Result<(), ()> {
        for key in std::mem::take(&mut self.repairs) {
            let Some(held) = self.held.iter().find(|h| h.key == key) else { continue };
            let (topic, input) = (held.topic, held.input());
            let id = self.next_id();
            let frame = frames::request(self.settings.envelope, crate::__private::SUBSCRIBE, topic, id, input)
                .map_err(|_| ())?;
            in_flight.push_back(InFlight {
                id,
                key: crate::__private::SUBSCRIBE,
                action: topic,
                reply: Answer::Resubscribe(key),
            });
            socket.send(Message::text(frame)).await.map_err(|_| ())?;
        }
        Ok(())
    }

    /// Serves commands and frames until the connection drops (`Continue`: reconnect) or the client
    /// closes (`Break`).
    async fn serve(&mut self, socket: &mut Socket) -> std::ops::ControlFlow<()> {
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        let flow = 'serve: {
            if self.repair(socket, &mut in_flight).await.is_err() {
                break 'serve std::ops::ControlFlow::Continue(());
            }
            while let Some(command) = self.waiting.pop_front() {
                match self.start(socket, command, &mut in_flight).await {
                    Ok(true) => {}
                    Ok(false) => break 'serve std::ops::ControlFlow::Break(()),
                    Err(()) => break 'serve std::ops::ControlFlow::Continue(()),
                }
            }
            loop {
                tokio::select! {
                    command = self.commands.recv() => {
                        let Some(command) = command else { break std::ops::ControlFlow::Break(()) };
                        match self.start(socket, command, &mut in_flight).await {
                            Ok(true) => {}
                            Ok(false) => break std::ops::ControlFlow::Break(()),
                            Err(()) => break std::ops::ControlFlow::Continue(()),
                        }
                    }
                    message = socket.next() => {
                        let text = match message {
                            Some(Ok(Message::Text(text))) => text,
                            Some(Ok(Message::Close(frame))) if frame.as_ref().is_some_and(|f| deliberate(f.code.into())) => {
                                tracing::info!(close = ?frame, "the server closed the connection on purpose: not reconnecting");
                                break std::ops::ControlFlow::Break(());
                            }
                            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break std::ops::ControlFlow::Continue(()),
                            Some(Ok(_)) => continue,
                        };
                        let routing = in_flight.front().map(|f| (f.key, f.action));
                        match frames::receive(&text, self.settings.envelope, routing) {
                            Received::Publication(topic, data, position) => self.publish(&topic, data, position),
                            Received::Missed(topic, at) => self.missed(&topic, &at),
                            Received::Answer(id, result) => {
                                let position = match id {
                                    Some(id) => in_flight.iter().position(|f| f.id == id),
                                    None => (!in_flight.is_empty()).then_some(0),
                                };
                                if let Some(call) = position.and_then(|p| in_flight.remove(p))
                                    && self.answer(call, result).is_break()
                                {
                                    // The hub cannot fill a gap now: the connection is made again.
                                    break std::ops::ControlFlow::Continue(());
                                }
                            }
                            Received::Other => {}
                        }
                        if !self.repairs.is_empty() && self.repair(socket, &mut in_flight).await.is_err() {
                            break std::ops::ControlFlow::Continue(());
                        }
                    }
                }
            }
        };
        // Calls in flight may or may not have run; a subscription in flight is held and made again.
        for call in in_flight {
            match call.reply {
                Answer::Call(reply) => {
                    let _ = reply.send(Err(ClientError::Disconnected));
                }
                Answer::Subscribe(_, reply) => {
                    let _ = reply.send(Ok(()));
                }
                Answer::Resubscribe(_) | Answer::Ignore => {}
            }
        }
        flow
    }

    /// Sends a command's frame; `Ok(false)` when the client closes, `Err` when the socket failed.
    async fn start(
        &mut self,
        socket: &mut Socket,
        command: Command,
        in_flight: &mut VecDeque<InFlight>,
    ) -> Result<bool, ()> {
        let (key, action, input, reply) = match command {
            Command::Close => return Ok(false),
            Command::Call(request) => {
                if request.reply.is_closed() {
                    return Ok(true); // timed out while waiting for the connection
                }
                (request.key, request.action, request.input, Answer::Call(request.reply))
            }
            Command::Subscribe { topic, name, params, recent, sender, reply } => {
                let key = self.next_id();
                let mut held = Held { key, topic, name, params, recent, sender, tracker: Tracker::default() };
                held.tracker.subscribing();
                let input = held.input();
                // Held from now on: what is replayed before the answer is kept for it.
                self.held.retain(|h| !h.sender.is_closed());
                self.held.push(held);
                (crate::__private::SUBSCRIBE, topic, input, Answer::Subscribe(key, reply))
            }
            Command::Unsubscribe { topic, name, params } => {
                self.held.retain(|h| !h.sender.is_closed());
                if self.held.iter().any(|h| h.name == name) {
                    return Ok(true); // another subscription of the client still listens
                }
                (crate::__private::UNSUBSCRIBE, topic, params, Answer::Ignore)
            }
        };
        let id = self.next_id();
        let frame = match frames::request(self.settings.envelope, key, action, id, input) {
            Ok(frame) => frame,
            Err(e) => {
                if let Answer::Call(reply) = reply {
                    let _ = reply.send(Err(e));
                }
                return Ok(true);
            }
        };
        in_flight.push_back(InFlight { id, key, action, reply });
        socket.send(Message::text(frame)).await.map(|()| true).map_err(|_| ())
    }

    /// Takes an answer; `Break` when the connection must be made again.
    fn answer(&mut self, call: InFlight, result: Result<Value, crate::ChannelError>) -> std::ops::ControlFlow<()> {
        let refused = |error| ClientError::Server { action: call.action.to_owned(), error };
        match call.reply {
            Answer::Call(reply) => {
                let _ = reply.send(result.map_err(refused));
            }
            Answer::Subscribe(key, reply) => match result {
                Ok(answer) => {
                    self.answered(key, &answer);
                    let _ = reply.send(Ok(()));
                }
                Err(error) => {
                    self.held.retain(|h| h.key != key);
                    let _ = reply.send(Err(refused(error)));
                }
            },
            Answer::Resubscribe(key) => match result {
                Ok(answer) => self.answered(key, &answer),
                Err(error) if error.code() == crate::codes::UNAVAILABLE => return std::ops::ControlFlow::Break(()),
                Err(error) => {
                    // Refused now (e.g. no longer allowed): its stream ends.
                    tracing::warn!(topic = call.action, error = %error, "a subscription was refused when filling a gap");
                    self.held.retain(|h| h.key != key);
                }
            },
            Answer::Ignore => {}
        }
        std::ops::ControlFlow::Continue(())
    }

    fn answered(&mut self, key: u64, answer: &Value) {
        let Some(held) = self.held.iter_mut().find(|h| h.key == key) else { return };
        if held.tracker.answered(&held.name, answer, &held.sender) {
            self.repairs.push(key);
        }
    }

    /// While disconnected: resolves `true` on a `Close` (or when the last client is gone); keeps
    /// every other command for the next connection.
    async fn wait_closing(&mut self) -> bool {
        loop {
            match self.commands.recv().await {
                None | Some(Command::Close) => return true,
                Some(command) => self.waiting.push_back(command),
            }
        }
    }
}
