//! A typed Rust client of wirechan channels (feature `client`): calls with the generated
//! `actions::*` types, subscriptions to declared topics as `Stream`s of their payloads, and a
//! connection that comes back by itself (exponential backoff with jitter), signs in again and
//! subscribes again, in order, before anything else is sent. A subscription to a topic with
//! history resumes from the last publication it delivered: it gets every publication once and in
//! order, or a [`Gap`] where it missed some it cannot get back.
//!
//! ```no_run
//! # use wirechan::prelude::*;
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Say { text: String }
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Said { text: String }
//! # #[derive(Topic, Serialize, Deserialize, JsonSchema)] #[topic("room:{room}", payload = Said)] struct Room { room: String }
//! # #[channel_func] async fn say(input: Say) -> Said { Said { text: input.text } }
//! # #[channel_func] async fn anyone(_room: Room) -> Result<(), ChannelError> { Ok(()) }
//! # wire_channel! { name: "chat", route: "/chat", auth: false, on_message_wiring: { action: { say: say } }, topics: { room: { topic: Room, subscribe: anyone } } }
//! use futures_util::StreamExt;
//! use wirechan::client::Client;
//!
//! # async fn run() -> Result<(), wirechan::client::ClientError> {
//! let client = Client::builder("ws://127.0.0.1:3000/chat").connect().await?;
//! let mut room = client.subscribe(&Room { room: "lobby".into() }).await?;
//! let said = client.call::<chat::actions::Say>(&Say { text: "hello".into() }).await?;
//! while let Some(event) = room.next().await {
//!     match event {
//!         Ok(said) => println!("{}", said.text), // a `Said`, decoded
//!         Err(gap) => println!("missed some: {gap}"), // reload what depends on the room
//!     }
//! }
//! # let _ = said; Ok(()) }
//! # fn main() {}
//! ```

mod backoff;
mod connection;
mod error;
mod frames;
mod recovery;

use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

pub use backoff::Backoff;
pub use error::ClientError;
pub use recovery::Gap;

use self::connection::{Command, Request};
#[cfg(feature = "testing")]
pub(crate) use self::connection::{HandshakeError, handshake};
use self::recovery::Event;
use crate::Position;
use crate::action_spec::ActionSpec;
use crate::topic::Topic;

/// How many publications a subscription holds for a consumer that does not keep up; more are
/// asked for again from the topic's history when it has one, else dropped (and logged).
const SUBSCRIPTION_BUFFER: usize = 1024;

/// The state of a client's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connecting, for the first time or again.
    Connecting,
    /// Open, signed in and subscribed again.
    Open,
    /// Closed for good (`close()`, or reconnecting is off).
    Closed,
}

/// Settings of a [`Client`]; made by [`Client::builder`].
pub struct ClientBuilder {
    url: String,
    envelope: bool,
    call_timeout: Duration,
    backoff: Option<Backoff>,
    sign_in: Option<SignIn>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("envelope", &self.envelope)
            .finish_non_exhaustive()
    }
}

/// A call replayed first on every connection (a sign-in), with a fresh input each time.
pub(crate) struct SignIn {
    key: &'static str,
    action: &'static str,
    input: Box<dyn Fn() -> Result<Value, ClientError> + Send + Sync>,
}

impl ClientBuilder {
    /// Flat mode (`false`: no subprotocol, one call at a time, answered in order) or envelope mode
    /// (`true`, the default: call ids, concurrent calls, progress frames).
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    /// How long a call waits for its reply, from the moment it is made (default 10 s); a call
    /// made while disconnected waits for the connection within the same time.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How to reconnect after the connection drops (default [`Backoff::default`]); `None` never
    /// reconnects. A close the server makes on purpose (1000, 1008, 4000-4999: e.g. a refused
    /// sign-in) ends the client rather than calling for a reconnect.
    pub fn reconnect(mut self, backoff: Option<Backoff>) -> Self {
        self.backoff = backoff;
        self
    }

    /// Calls `A` with `input()` first on every connection, before the subscriptions are made
    /// again and before anything queued is sent (e.g. `authenticate` with a fresh token).
    pub fn sign_in<A>(mut self, input: impl Fn() -> A::Input + Send + Sync + 'static) -> Self
    where
        A: ActionSpec,
        A::Input: Serialize,
    {
        self.sign_in = Some(SignIn {
            key: A::KEY,
            action: A::NAME,
            input: Box::new(move || serde_json::to_value(input()).map_err(|e| ClientError::Encode(e.to_string()))),
        });
        self
    }

    /// Connects; resolves once the first connection is open (and signed in). Fails when that first
    /// connection cannot be made; later drops are reconnected in the background.
    pub async fn connect(self) -> Result<Client, ClientError> {
        let (commands, receiver) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(ConnectionState::Connecting);
        let (first_tx, first) = oneshot::channel();
        let settings = connection::Settings {
            url: self.url,
            envelope: self.envelope,
            call_timeout: self.call_timeout,
            backoff: self.backoff,
            sign_in: self.sign_in,
        };
        tokio::spawn(connection::run(settings, receiver, state_tx, first_tx));
        first.await.map_err(|_| ClientError::Closed)??;
        Ok(Client { inner: Arc::new(Inner { commands, state, call_timeout: self.call_timeout }) })
    }
}

/// A connection to one channel, typed by the channel's generated `actions::*` and its topics.
/// Cloning is cheap: clones share the connection. It closes when the last clone is dropped or
/// [`Client::close`] is called.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<ConnectionState>,
    call_timeout: Duration,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Close);
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("state", &*self.inner.state.borrow()).finish_non_exhaustive()
    }
}

impl Client {
    /// Settings for a client of the channel at `url` (`ws://host:port/route?query`).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            envelope: true,
            call_timeout: Duration::from_secs(10),
            backoff: Some(Backoff::default()),
            sign_in: None,
        }
    }

    /// The connection's state now.
    pub fn state(&self) -> ConnectionState {
        *self.inner.state.borrow()
    }

    /// Waits until the connection is open (again); fails once the client is closed.
    pub async fn opened(&self) -> Result<(), ClientError> {
        let mut state = self.inner.state.clone();
        let open = state.wait_for(|s| matches!(s, ConnectionState::Open | ConnectionState::Closed)).await;
        match open.map(|s| *s) {
            Ok(ConnectionState::Open) => Ok(()),
            _ => Err(ClientError::Closed),
        }
    }

    /// Calls action `A` and returns its output; the server's refusal is [`ClientError::Server`].
    pub async fn call<A>(&self, input: &A::Input) -> Result<A::Output, ClientError>
    where
        A: ActionSpec,
        A::Input: Serialize,
        A::Output: DeserializeOwned,
    {
        let input = serde_json::to_value(input).map_err(|e| ClientError::Encode(e.to_string()))?;
        let data = self.request(A::KEY, A::NAME, input).await?;
        frames::decode_output(A::NAME, data)
    }

    /// Subscribes to a topic the channel lets clients subscribe to; the subscription is made
    /// again after every reconnect until the returned stream is dropped (or
    /// [`Subscription::unsubscribe`]d). Its items are the topic's payloads, decoded; for a topic
    /// with history, it resumes where it left off, and an `Err(`[`Gap`]`)` says where it missed
    /// publications that could not be recovered.
    pub async fn subscribe<T>(&self, topic: &T) -> Result<Subscription<T::Payload>, ClientError>
    where
        T: Topic + Serialize,
        T::Payload: DeserializeOwned,
    {
        self.subscribe_with(topic, None).await
    }

    /// [`Client::subscribe`] to a topic with history, starting with its last `recent`
    /// publications (at most what it keeps); also what a subscription that comes back too late
    /// to recover gets after its [`Gap`].
    pub async fn subscribe_recent<T>(&self, topic: &T, recent: u32) -> Result<Subscription<T::Payload>, ClientError>
    where
        T: Topic + Serialize,
        T::Payload: DeserializeOwned,
    {
        self.subscribe_with(topic, Some(recent)).await
    }

    async fn subscribe_with<T>(&self, topic: &T, recent: Option<u32>) -> Result<Subscription<T::Payload>, ClientError>
    where
        T: Topic + Serialize,
        T::Payload: DeserializeOwned,
    {
        let params = serde_json::to_value(topic).map_err(|e| ClientError::Encode(e.to_string()))?;
        let name = topic.name();
        let (sender, receiver) = mpsc::channel(SUBSCRIPTION_BUFFER);
        let (reply, answered) = oneshot::channel();
        let command =
            Command::Subscribe { topic: T::NAME, name: name.clone(), params: params.clone(), recent, sender, reply };
        self.inner.commands.send(command).map_err(|_| ClientError::Closed)?;
        match tokio::time::timeout(self.inner.call_timeout, answered).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(e),
            Ok(Err(_)) => return Err(ClientError::Closed),
            Err(_) => return Err(ClientError::Timeout(self.inner.call_timeout)),
        }
        Ok(Subscription {
            receiver,
            leave: Some((self.inner.commands.clone(), T::NAME, name, params)),
            position: None,
            payload: std::marker::PhantomData,
        })
    }

    /// Closes the connection and stops reconnecting; waiting calls fail with `closed`.
    pub fn close(&self) {
        let _ = self.inner.commands.send(Command::Close);
    }

    async fn request(&self, key: &'static str, action: &'static str, input: Value) -> Result<Value, ClientError> {
        let (reply, answered) = oneshot::channel();
        let request = Request { key, action, input, reply };
        self.inner.commands.send(Command::Call(request)).map_err(|_| ClientError::Closed)?;
        match tokio::time::timeout(self.inner.call_timeout, answered).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(self.inner.call_timeout)),
        }
    }
}

/// The publications of one topic, decoded into its payload type, as a `Stream`; for a topic with
/// history, an `Err(`[`Gap`]`)` in place of publications it missed and could not recover.
/// Dropping it leaves the topic.
pub struct Subscription<P> {
    receiver: mpsc::Receiver<Event>,
    leave: Option<(mpsc::UnboundedSender<Command>, &'static str, String, Value)>,
    position: Option<Position>,
    payload: std::marker::PhantomData<fn() -> P>,
}

impl<P> std::fmt::Debug for Subscription<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.leave.as_ref().map(|l| &l.2))
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl<P> Subscription<P> {
    /// The topic's name, e.g. `room:lobby`.
    pub fn name(&self) -> &str {
        self.leave.as_ref().map_or("", |l| l.2.as_str())
    }

    /// The position of the last publication this stream yielded (after a [`Gap`], where it goes
    /// on from); `None` for a topic without history, or before the first.
    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    /// Leaves the topic now (dropping the subscription does too, without waiting).
    pub fn unsubscribe(mut self) {
        self.leave();
    }

    fn leave(&mut self) {
        if let Some((commands, topic, name, params)) = self.leave.take() {
            // Closed first: the connection task tells this subscription from another of the same
            // topic by whether its stream is closed, and may read the command before the
            // receiver is dropped.
            self.receiver.close();
            let _ = commands.send(Command::Unsubscribe { topic, name, params });
        }
    }
}

impl<P> Drop for Subscription<P> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<P: DeserializeOwned> Stream for Subscription<P> {
    type Item = Result<P, Gap>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        loop {
            match self.receiver.poll_recv(cx) {
                std::task::Poll::Ready(Some(Event::Publication(value, position))) => {
                    match serde_json::from_value::<P>(value) {
                        Ok(payload) => {
                            self.position = position;
                            return std::task::Poll::Ready(Some(Ok(payload)));
                        }
                        Err(e) => {
                            tracing::warn!(topic = self.name(), error = %e, "a publication does not decode into the topic's payload");
                        }
                    }
                }
                std::task::Poll::Ready(Some(Event::Gap(gap))) => {
                    self.position = Some(gap.to.clone());
                    return std::task::Poll::Ready(Some(Err(gap)));
                }
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
    }
}
