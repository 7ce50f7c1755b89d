//! Shared by every end-to-end test binary: the test channels, their services, and helpers to
//! open connections in both protocol modes, build and check frames, and speak raw HTTP.
//!
//! Channels:
//! - `proto` at `/proto/:room` (opening data [`Room`], channel-level `auth: false`): one action
//!   per behaviour under test, the routing keys `action` then `type`, channel middleware that
//!   counts invocations, an `on_error` hook that records every error, no fallback (so unknown
//!   actions get `unknown_action`).
//! - `fb` at `/fb` (no opening data, `auth: true`, binary frames allowed): an `on_message`
//!   fallback, an `on_connect` that returns nothing.
//! - `guarded` at `/guarded` (no opening data, default auth): for the connect-time hook.
//! - `rooms` at `/rooms` (`auth: false`): declared topics (`room` and `alerts` that clients
//!   subscribe to, authorized; `notices` that only the server subscribes connections to) and
//!   typed publications.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wirechan::prelude::*;
use wirechan::testing::{Event, TestClient, TestServer};
use wirechan::{Invocation, Next, Reply};

// ---------------------------------------------------------------------------------------------
// Services: what tests observe of the server, reached by handlers through `ctx.services()`.
// ---------------------------------------------------------------------------------------------

/// Observations shared between the handlers of one server and the test that started it.
#[derive(Default)]
pub struct Observed {
    /// `on_connect` runs (all channels).
    pub connects: AtomicUsize,
    /// `on_disconnect` runs of `proto`.
    pub disconnects: AtomicUsize,
    /// Channel ids whose `on_disconnect` ran.
    pub disconnected: Mutex<Vec<String>>,
    /// Runs of the `admin` handler (its middleware refuses every call).
    pub admin_runs: AtomicUsize,
    /// Invocations seen by the channel middleware of `proto`.
    pub invocations: AtomicUsize,
    /// Frames the `fb` fallback received, with the action it saw.
    pub fallback_frames: Mutex<Vec<Value>>,
    /// Released by the test to let a `wait` call finish.
    pub gate: tokio::sync::Notify,
}

/// The services of the test app. Cheap to clone; the test keeps a clone to observe.
#[derive(Clone, Default)]
pub struct Svc(pub Arc<Observed>);

impl Deref for Svc {
    type Target = Observed;

    fn deref(&self) -> &Observed {
        &self.0
    }
}

/// The session the `login` action and the connect-time hook set.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// The errors `on_error` sees. The hook is a plain function of the channel (it cannot capture the
// services), so this record is the one global of the suite; entries are keyed by channel id so
// that parallel tests never read each other's.
// ---------------------------------------------------------------------------------------------

/// One error `on_error` saw: the connection, the action, and the code (`transport` for socket
/// errors).
#[derive(Debug, Clone, PartialEq)]
pub struct SeenError {
    pub connection_id: String,
    pub action: Option<String>,
    pub code: String,
}

static SEEN_ERRORS: Mutex<Vec<SeenError>> = Mutex::new(Vec::new());

pub fn record_error(event: &wirechan::ErrorEvent<'_>) {
    let code = match &event.kind {
        wirechan::ErrorKind::Sent(e) => e.code().to_owned(),
        wirechan::ErrorKind::Transport(_) => "transport".to_owned(),
    };
    let seen =
        SeenError { connection_id: event.connection_id.to_string(), action: event.action.map(str::to_owned), code };
    SEEN_ERRORS.lock().unwrap_or_else(|e| e.into_inner()).push(seen);
}

/// The errors `on_error` saw on one connection, in order: `(action, code)`.
pub fn errors_seen_by(connection_id: &str) -> Vec<(Option<String>, String)> {
    SEEN_ERRORS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|e| e.connection_id == connection_id)
        .map(|e| (e.action.clone(), e.code.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Types of the `proto` channel.
// ---------------------------------------------------------------------------------------------

/// Opening data of `proto`: the room from the path, an optional numeric limit from the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Room {
    pub room: String,
    pub limit: Option<u32>,
}

/// The first frame of a `proto` connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Welcome {
    pub hello: String,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EchoIn {
    pub text: String,
    pub n: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<Nested>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Nested {
    pub deep: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EchoOut {
    pub text: String,
    pub n: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AddIn {
    pub a: i64,
    pub b: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GreetIn {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListIn {
    pub up_to: u8,
}

/// An output object with no members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Nothing {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BuyIn {
    pub item: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Bought {
    pub item: String,
}

/// An application error type that converts into a `ChannelError`.
#[derive(Debug)]
pub struct OutOfStock {
    pub item: String,
}

impl From<OutOfStock> for ChannelError {
    fn from(e: OutOfStock) -> Self {
        ChannelError::new("out_of_stock", format!("no {} left", e.item))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoginIn {
    pub user: String,
    /// When given, the session expires this many milliseconds after the sign-in.
    pub ttl_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoginOut {
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SayIn {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Said {
    pub delivered: usize,
}

/// What `say` publishes to the room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RoomLine {
    pub from: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TopicIn {
    pub topic: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SlowIn {
    pub ms: u64,
    pub tag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SlowOut {
    pub tag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Released {
    pub released: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepsIn {
    pub steps: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub step: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Done {
    pub done: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pong {
    pub pong: bool,
}

/// Per-connection state of `count`.
#[derive(Default)]
struct Counter(u32);

pub fn room_topic(room: &str) -> String {
    format!("room:{room}")
}

// ---------------------------------------------------------------------------------------------
// Functions of the `proto` channel.
// ---------------------------------------------------------------------------------------------

/// Joins the room's topic and greets the newcomer.
#[channel_func]
pub async fn proto_connect(ctx: Ctx<Room, Svc>) -> Result<Welcome, ChannelError> {
    ctx.services().connects.fetch_add(1, Ordering::SeqCst);
    let room = ctx.opening_data().room.clone();
    ctx.hub().subscribe_untyped(&room_topic(&room))?;
    Ok(Welcome { hello: room, limit: ctx.opening_data().limit })
}

/// Records the departure.
#[channel_func]
pub async fn proto_disconnect(ctx: Ctx<Room, Svc>) {
    let svc = ctx.services();
    svc.disconnected.lock().unwrap_or_else(|e| e.into_inner()).push(ctx.connection_id().to_string());
    svc.disconnects.fetch_add(1, Ordering::SeqCst);
}

/// Returns its input.
#[channel_func]
pub async fn echo(input: EchoIn) -> EchoOut {
    EchoOut { text: input.text, n: input.n }
}

/// Returns its input as the JSON text it came as.
#[channel_func]
pub async fn raw(input: Box<serde_json::value::RawValue>) -> Box<serde_json::value::RawValue> {
    input
}

/// A number output.
#[channel_func]
pub async fn add(input: AddIn) -> i64 {
    input.a.wrapping_add(input.b)
}

/// A string output.
#[channel_func]
pub async fn greet(input: GreetIn) -> String {
    format!("hello {}", input.name)
}

/// An array output.
#[channel_func]
pub async fn list(input: ListIn) -> Vec<u32> {
    (1..=u32::from(input.up_to)).collect()
}

/// No input, unit output.
#[channel_func]
pub async fn noop() {}

/// An empty object output.
#[channel_func]
pub async fn empty() -> Nothing {
    Nothing {}
}

/// A `null` output (not unit).
#[channel_func]
pub async fn maybe() -> Option<u32> {
    None
}

/// The connection's id.
#[channel_func]
pub async fn whoami(ctx: Ctx<Room, Svc>) -> String {
    ctx.connection_id().to_string()
}

/// An application error with details.
#[channel_func]
pub async fn fail() -> Result<u32, ChannelError> {
    Err(ChannelError::new("teapot", "short and stout").with_details(json!({ "size": "small" })))
}

/// An application error of the application's own type.
#[channel_func]
pub async fn buy(input: BuyIn) -> Result<Bought, OutOfStock> {
    Err(OutOfStock { item: input.item })
}

/// Panics with a message that must not reach the client.
#[channel_func]
pub async fn boom() -> u32 {
    panic!("the database password is hunter2")
}

/// A reply JSON cannot carry: serde_json would write `{"ratio":null}`, against its type.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Ratio {
    pub ratio: f64,
}

/// Divides zero by zero.
#[channel_func]
pub async fn divide() -> Ratio {
    Ratio { ratio: f64::NAN }
}

/// Guarded by middleware that refuses every call: it must never run.
#[channel_func]
pub async fn admin(ctx: Ctx<Room, Svc>) -> String {
    ctx.services().admin_runs.fetch_add(1, Ordering::SeqCst);
    "welcome, admin".to_owned()
}

/// Sets the session (wired without auth: the channel default is `auth: false`).
#[channel_func]
pub async fn login(ctx: Ctx<Room, Svc>, input: LoginIn) -> LoginOut {
    let user = User { name: input.user.clone() };
    match input.ttl_ms {
        Some(ms) => ctx.session().set_until(user, std::time::SystemTime::now() + Duration::from_millis(ms)),
        None => ctx.session().set(user),
    }
    LoginOut { user: input.user }
}

/// Clears the session.
#[channel_func]
pub async fn logout(ctx: Ctx<Room, Svc>) {
    ctx.session().clear();
}

/// Needs a session: wired with `auth: true`.
#[channel_func]
pub async fn secret(ctx: Ctx<Room, Svc>) -> Result<String, ChannelError> {
    let user = ctx.session().get::<User>().ok_or_else(ChannelError::internal)?;
    Ok(format!("for {}", user.name))
}

/// Needs a session: marked `auth = true` on the function itself.
#[channel_func(auth = true)]
pub async fn me(ctx: Ctx<Room, Svc>) -> Result<LoginOut, ChannelError> {
    let user = ctx.session().get::<User>().ok_or_else(ChannelError::internal)?;
    Ok(LoginOut { user: user.name.clone() })
}

/// Publishes to the room, excluding the sender.
#[channel_func]
pub async fn say(ctx: Ctx<Room, Svc>, input: SayIn) -> Result<Said, ChannelError> {
    let line = RoomLine { from: ctx.connection_id().to_string(), text: input.text };
    let topic = room_topic(&ctx.opening_data().room);
    let delivery = ctx.hub().publish_untyped(&topic, Some(ctx.connection_id()), &line).await?;
    Ok(Said { delivered: delivery.delivered })
}

/// Broadcasts to every connection of the channel, the sender included.
#[channel_func]
pub async fn shout(ctx: Ctx<Room, Svc>, input: SayIn) -> Result<Said, ChannelError> {
    let delivery = ctx.hub().broadcast(None, &input.text).await?;
    Ok(Said { delivered: delivery.delivered })
}

/// Subscribes to a topic; returns the connection's topics, sorted.
#[channel_func]
pub async fn join(ctx: Ctx<Room, Svc>, input: TopicIn) -> Result<Vec<String>, ChannelError> {
    ctx.hub().subscribe_untyped(&input.topic)?;
    let mut topics = ctx.hub().topics();
    topics.sort();
    Ok(topics)
}

/// Unsubscribes from a topic; returns the connection's topics, sorted.
#[channel_func]
pub async fn leave(ctx: Ctx<Room, Svc>, input: TopicIn) -> Vec<String> {
    ctx.hub().unsubscribe_untyped(&input.topic);
    let mut topics = ctx.hub().topics();
    topics.sort();
    topics
}

/// Per-connection state: 1, 2, 3... on each connection.
#[channel_func]
pub async fn count(ctx: Ctx<Room, Svc>) -> u32 {
    ctx.with_state(|c: &mut Counter| {
        c.0 += 1;
        c.0
    })
}

/// Closes the connection with an application code.
#[channel_func]
pub async fn bye(ctx: Ctx<Room, Svc>) {
    ctx.close(4321, "bye").await;
}

/// Sleeps `ms` (at most 2 s), then answers with its tag.
#[channel_func]
pub async fn slow(input: SlowIn) -> SlowOut {
    tokio::time::sleep(Duration::from_millis(input.ms.min(2000))).await;
    SlowOut { tag: input.tag }
}

/// Waits until the test releases the gate.
#[channel_func]
pub async fn wait(ctx: Ctx<Room, Svc>) -> Released {
    ctx.services().gate.notified().await;
    Released { released: true }
}

/// Sends `steps` progress values (at most 10) before its reply.
#[channel_func]
pub async fn progress(_ctx: Ctx<Room, Svc>, input: StepsIn, progress: Progress<Step>) -> Result<Done, ChannelError> {
    let steps = input.steps.min(10);
    for step in 0..steps {
        progress.send(&Step { step }).await?;
    }
    Ok(Done { done: steps })
}

/// Wired under the second routing key, `type`.
#[channel_func]
pub async fn ping() -> Pong {
    Pong { pong: true }
}

/// Refuses every call without running it.
pub async fn deny_mw(inv: Invocation, _next: Next) -> Result<Reply, ChannelError> {
    Err(ChannelError::forbidden(format!("`{}` is for admins only", inv.action().unwrap_or("?"))))
}

/// Counts invocations, then runs the call.
pub async fn count_mw(inv: Invocation, next: Next) -> Result<Reply, ChannelError> {
    if let Some(svc) = inv.services::<Svc>() {
        svc.invocations.fetch_add(1, Ordering::SeqCst);
    }
    next.run().await
}

wire_channel! {
    name: "proto",
    route: "/proto/:room",
    auth: false,
    opening_data: Room,
    binary: false,
    on_connect: proto_connect,
    on_disconnect: proto_disconnect,
    on_error: record_error,
    on_message_wiring: {
        action: {
            echo: echo,
            raw: raw,
            add: add,
            greet: greet,
            list: list,
            noop: noop,
            empty: empty,
            maybe: maybe,
            whoami: whoami,
            fail: fail,
            buy: buy,
            boom: boom,
            divide: divide,
            admin: { func: admin, middleware: [deny_mw] },
            login: login,
            logout: logout,
            secret: { func: secret, auth: true },
            me: me,
            say: say,
            shout: shout,
            join: join,
            leave: leave,
            count: count,
            bye: bye,
            slow: slow,
            wait: wait,
            progress: progress,
        },
        type: {
            ping: ping,
        },
    },
    middleware: [count_mw],
    tags: ["test"],
}

// ---------------------------------------------------------------------------------------------
// The `fb` channel: a fallback, binary frames allowed, channel-level auth.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FallbackOut {
    pub got: Value,
}

/// Returns nothing: no first frame.
#[channel_func]
pub async fn fb_connect(ctx: Ctx<(), Svc>) {
    ctx.services().connects.fetch_add(1, Ordering::SeqCst);
}

/// Receives every frame that routes to no action.
#[channel_func]
pub async fn fallback(ctx: Ctx<(), Svc>, frame: Value) -> FallbackOut {
    let seen = json!({ "action": ctx.action(), "frame": frame.clone() });
    ctx.services().fallback_frames.lock().unwrap_or_else(|e| e.into_inner()).push(seen);
    FallbackOut { got: frame }
}

/// Needs a session through the channel's default `auth: true`.
#[channel_func]
pub async fn locked() -> String {
    "opened".to_owned()
}

wire_channel! {
    name: "fb",
    route: "/fb",
    auth: true,
    binary: true,
    on_connect: fb_connect,
    on_message: { func: fallback, auth: false },
    on_message_wiring: {
        action: {
            noop: { func: noop, auth: false },
            locked: locked,
        },
    },
}

// ---------------------------------------------------------------------------------------------
// The `guarded` channel: for the connect-time authenticate hook.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectedAs {
    pub user: Option<String>,
}

/// Tells who the connect-time hook signed in.
#[channel_func]
pub async fn guarded_connect(ctx: Ctx<(), Svc>) -> ConnectedAs {
    ctx.services().connects.fetch_add(1, Ordering::SeqCst);
    ConnectedAs { user: ctx.session().get::<User>().map(|u| u.name.clone()) }
}

/// Needs a session (the channel's default auth).
#[channel_func]
pub async fn guarded_me(ctx: Ctx<(), Svc>) -> Result<String, ChannelError> {
    let user = ctx.session().get::<User>().ok_or_else(ChannelError::internal)?;
    Ok(user.name.clone())
}

/// Open to everyone: `auth = false` on the function.
#[channel_func(auth = false)]
pub async fn guarded_open() -> String {
    "open".to_owned()
}

wire_channel! {
    name: "guarded",
    route: "/guarded",
    on_connect: guarded_connect,
    on_message_wiring: {
        action: {
            me: guarded_me,
            open: guarded_open,
        },
    },
}

// ---------------------------------------------------------------------------------------------
// The `rooms` channel: declared topics, typed publications, client subscriptions.
// ---------------------------------------------------------------------------------------------

/// What a room carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RoomEvent {
    Said { from: String, text: String },
}

/// A room anyone may enter, except `secret`.
#[derive(Debug, Clone, Topic, Serialize, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = RoomEvent)]
pub struct RoomTopic {
    pub room: String,
}

/// Alerts of a level: watching needs a session.
#[derive(Debug, Clone, Topic, Serialize, Deserialize, JsonSchema)]
#[topic("alerts:{level}", payload = Alert)]
pub struct Alerts {
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub text: String,
}

/// Only the server subscribes connections to the notices.
#[derive(Debug, Clone, Topic)]
#[topic("notices", payload = String)]
pub struct Notices;

/// A log that keeps its last 5 lines: a topic with history.
#[derive(Debug, Clone, Topic, Serialize, Deserialize, JsonSchema)]
#[topic("log:{log}", payload = Line)]
pub struct LogTopic {
    pub log: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Line {
    pub n: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Append {
    pub log: String,
    pub n: u64,
}

/// Anyone may read a log.
#[channel_func]
pub async fn may_read(_topic: LogTopic) -> Result<(), ChannelError> {
    Ok(())
}

/// Appends a line to a log, excluding the sender; answers how many got it live.
#[channel_func]
pub async fn append(ctx: Ctx<(), Svc>, input: Append) -> Result<usize, ChannelError> {
    let topic = LogTopic { log: input.log };
    Ok(ctx.hub().publish(&topic, Some(ctx.connection_id()), &Line { n: input.n }).await?.delivered)
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Post {
    pub room: String,
    pub text: String,
}

/// Lets a client into any room but `secret`.
#[channel_func]
pub async fn may_enter(topic: RoomTopic) -> Result<(), ChannelError> {
    if topic.room == "secret" {
        return Err(ChannelError::forbidden("the room `secret` is invite-only"));
    }
    Ok(())
}

/// Needs a session (`auth = true`) and refuses levels over 3.
#[channel_func(auth = true)]
pub async fn may_watch(ctx: Ctx<(), Svc>, topic: Alerts) -> Result<(), ChannelError> {
    let user = ctx.session().get::<User>().map(|u| u.name.clone()).unwrap_or_default();
    if topic.level > 3 {
        return Err(ChannelError::forbidden(format!("{user} may watch levels 0 to 3")));
    }
    Ok(())
}

/// Publishes to a room, excluding the sender; answers how many got it.
#[channel_func]
pub async fn post(ctx: Ctx<(), Svc>, input: Post) -> Result<usize, ChannelError> {
    let event = RoomEvent::Said { from: ctx.connection_id().to_string(), text: input.text };
    let topic = RoomTopic { room: input.room };
    Ok(ctx.hub().publish(&topic, Some(ctx.connection_id()), &event).await?.delivered)
}

/// Subscribes this connection to the notices (the server's decision).
#[channel_func]
pub async fn hear_notices(ctx: Ctx<(), Svc>) -> Result<(), ChannelError> {
    ctx.hub().subscribe(&Notices)
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SignIn {
    pub name: String,
}

/// Signs in as `name`.
#[channel_func]
pub async fn sign_in(ctx: Ctx<(), Svc>, input: SignIn) {
    ctx.session().set(User { name: input.name });
}

/// The topics this connection holds.
#[channel_func]
pub async fn held(ctx: Ctx<(), Svc>) -> Vec<String> {
    ctx.hub().topics()
}

wire_channel! {
    name: "rooms",
    route: "/rooms",
    auth: false,
    on_message_wiring: {
        action: {
            post: post,
            hearNotices: hear_notices,
            signIn: sign_in,
            held: held,
            append: append,
        },
    },
    topics: {
        room: { topic: RoomTopic, subscribe: may_enter },
        log: { topic: LogTopic, subscribe: may_read, history: { size: 5, ttl: "1h" } },
        alerts: { topic: Alerts, subscribe: may_watch },
        notices: Notices,
    },
}

// ---------------------------------------------------------------------------------------------
// Starting servers.
// ---------------------------------------------------------------------------------------------

/// A running test server with its services and hub.
pub struct Harness {
    pub server: TestServer,
    pub svc: Svc,
    pub hub: wirechan::Hub,
}

/// The app of the suite: `proto`, `fb`, `guarded` and `rooms`.
pub fn test_app(svc: Svc) -> App<Svc> {
    App::new(svc).channel(proto::channel()).channel(fb::channel()).channel(guarded::channel()).channel(rooms::channel())
}

/// Serves the test app with default settings.
pub async fn start() -> Harness {
    start_app(|app| app).await
}

/// Serves the test app after `customize` (config, authenticate hook) is applied.
pub async fn start_app(customize: impl FnOnce(App<Svc>) -> App<Svc>) -> Harness {
    let svc = Svc::default();
    let app = customize(test_app(svc.clone()));
    let hub = app.hub();
    let server = TestServer::start(app).await.expect("the test server starts");
    Harness { server, svc, hub }
}

// ---------------------------------------------------------------------------------------------
// Modes and frames.
// ---------------------------------------------------------------------------------------------

/// The two protocol modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No subprotocol (PROTOCOL.md section 2).
    Flat,
    /// Subprotocol `wirechan.v1` (section 3).
    Envelope,
}

pub const MODES: [Mode; 2] = [Mode::Flat, Mode::Envelope];

/// Connects to `url` in `mode`.
pub async fn connect(url: &str, mode: Mode) -> TestClient {
    let client = match mode {
        Mode::Flat => TestClient::connect(url).await,
        Mode::Envelope => TestClient::connect_envelope(url).await,
    };
    client.unwrap_or_else(|e| panic!("connecting to {url} in {mode:?} mode: {e}"))
}

/// The first frame `on_connect` sends: the value itself (flat) or the `connect` event (envelope).
pub fn connect_frame(mode: Mode, value: Value) -> Value {
    match mode {
        Mode::Flat => value,
        Mode::Envelope => json!({ "event": "connect", "data": value }),
    }
}

/// Opens `proto` in `room` and checks (and consumes) the welcome frame.
pub async fn open_proto(h: &Harness, room: &str, mode: Mode) -> TestClient {
    let mut client = connect(&h.server.url(&format!("/proto/{room}")), mode).await;
    let first = client.recv_json().await.expect("the welcome frame");
    assert_eq!(first, connect_frame(mode, json!({ "hello": room, "limit": null })), "{mode:?}: first frame");
    client
}

/// The connection's id, asked with `whoami`.
pub async fn connection_id_of(client: &mut TestClient, mode: Mode) -> String {
    let reply = call(client, mode, "whoami", "who", None).await;
    let id = match mode {
        Mode::Flat => &reply["result"],
        Mode::Envelope => &reply["data"],
    };
    id.as_str().expect("whoami answers a string").to_owned()
}

/// A call frame. Flat: the input object with the routing key added (`id` is ignored).
/// Envelope: `{"action":..,"id":..,"data":..}`, members left out when `None`.
pub fn request(mode: Mode, action: &str, id: Option<Value>, data: Option<Value>) -> Value {
    request_keyed(mode, "action", action, id, data)
}

/// [`request`] under another routing key.
pub fn request_keyed(mode: Mode, key: &str, action: &str, id: Option<Value>, data: Option<Value>) -> Value {
    match mode {
        Mode::Flat => {
            let mut obj = match data {
                None => Map::new(),
                Some(Value::Object(map)) => map,
                Some(other) => panic!("a flat-mode input must be an object, got {other}"),
            };
            obj.insert(key.to_owned(), Value::String(action.to_owned()));
            Value::Object(obj)
        }
        Mode::Envelope => {
            let mut obj = Map::new();
            obj.insert(key.to_owned(), Value::String(action.to_owned()));
            if let Some(id) = id {
                obj.insert("id".to_owned(), id);
            }
            if let Some(data) = data {
                obj.insert("data".to_owned(), data);
            }
            Value::Object(obj)
        }
    }
}

/// The reply PROTOCOL.md prescribes for `action` with output `out` (`None`: unit).
/// Flat: the output object with the routing key, a non-object under `result`, unit as the key
/// alone. Envelope: `{"action":..,"id":..,"data":..}`, `data` absent for unit.
pub fn reply(mode: Mode, action: &str, id: Option<Value>, out: Option<Value>) -> Value {
    reply_keyed(mode, "action", action, id, out)
}

/// [`reply`] under another routing key.
pub fn reply_keyed(mode: Mode, key: &str, action: &str, id: Option<Value>, out: Option<Value>) -> Value {
    let mut obj = Map::new();
    obj.insert(key.to_owned(), Value::String(action.to_owned()));
    match mode {
        Mode::Flat => match out {
            None => {}
            Some(Value::Object(map)) => obj.extend(map),
            Some(other) => {
                obj.insert("result".to_owned(), other);
            }
        },
        Mode::Envelope => {
            if let Some(id) = id {
                obj.insert("id".to_owned(), id);
            }
            if let Some(out) = out {
                obj.insert("data".to_owned(), out);
            }
        }
    }
    Value::Object(obj)
}

/// Sends a call (with id `id` in envelope mode) and returns the next frame.
pub async fn call(client: &mut TestClient, mode: Mode, action: &str, id: &str, data: Option<Value>) -> Value {
    client.send_json(&request(mode, action, Some(json!(id)), data)).await.expect("send");
    client.recv_json().await.unwrap_or_else(|e| panic!("{mode:?}: reply to `{action}`: {e}"))
}

/// Checks that `frame` is an error frame of exactly this shape: the routing key and action when
/// `call` is given, the id when given, and `error` with this code and a non-empty message.
/// Returns the error object.
pub fn assert_error_frame<'f>(
    frame: &'f Value,
    call: Option<(&str, &str)>,
    id: Option<&Value>,
    code: &str,
) -> &'f Value {
    let obj = frame.as_object().unwrap_or_else(|| panic!("an error frame is an object: {frame}"));
    let mut expected_keys = vec!["error".to_owned()];
    if let Some((key, action)) = call {
        assert_eq!(obj.get(key), Some(&json!(action)), "the error carries `{key}`: {frame}");
        expected_keys.push(key.to_owned());
    }
    if let Some(id) = id {
        assert_eq!(obj.get("id"), Some(id), "the error echoes the id: {frame}");
        expected_keys.push("id".to_owned());
    }
    let mut keys: Vec<String> = obj.keys().cloned().collect();
    keys.sort();
    expected_keys.sort();
    assert_eq!(keys, expected_keys, "members of the error frame {frame}");
    let error = &frame["error"];
    assert_eq!(error["code"], json!(code), "error code in {frame}");
    let message = error["message"].as_str().unwrap_or_else(|| panic!("the error has a message: {frame}"));
    assert!(!message.is_empty(), "the error message is not empty: {frame}");
    for key in error.as_object().expect("error is an object").keys() {
        assert!(["code", "message", "details"].contains(&key.as_str()), "unexpected member `{key}` in {frame}");
    }
    error
}

/// Asserts that nothing arrives within `wait`.
pub async fn assert_silent(client: &mut TestClient, wait: Duration, what: &str) {
    if let Some(event) = client.try_recv_within(wait).await {
        panic!("{what}: expected no frame, got {event:?}");
    }
}

/// Checks that the connection still answers: `echo` round trip.
pub async fn assert_still_answers(client: &mut TestClient, mode: Mode) {
    let data = json!({ "text": "still here", "n": 7 });
    let got = call(client, mode, "echo", "alive", Some(data.clone())).await;
    assert_eq!(got, reply(mode, "echo", Some(json!("alive")), Some(data)), "{mode:?}: the connection still answers");
}

/// Waits (up to 5 s) until `cond` holds.
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The next frame, which must be the server's close frame: `(code, reason)`.
pub async fn expect_close(client: &mut TestClient) -> (Option<u16>, String) {
    match client.recv().await {
        Ok(Event::Closed { code, reason }) => (code, reason),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a TcpStream, for the plain (non-WebSocket) responses.
// ---------------------------------------------------------------------------------------------

/// A plain HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one HTTP/1.1 request with `headers` and reads the response (headers, then a body of
/// `Content-Length` bytes, or to the end of the stream).
pub async fn http_request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_request_as(addr, "HTTP/1.1", method, path, headers).await
}

/// [`http_request`] with another HTTP version on the request line (e.g. `HTTP/1.0`).
pub async fn http_request_as(
    addr: SocketAddr,
    version: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let exchange = async {
        let mut tcp = TcpStream::connect(addr).await.expect("tcp connect");
        let mut req = format!("{method} {path} {version}\r\nHost: {addr}\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).await.expect("write request");

        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            let n = tcp.read(&mut chunk).await.expect("read response");
            assert!(n > 0, "connection closed before the response head: {:?}", String::from_utf8_lossy(&buf));
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
        let mut body = buf[head_end + 4..].to_vec();
        let length = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        match length {
            Some(len) => {
                while body.len() < len {
                    let n = tcp.read(&mut chunk).await.expect("read body");
                    assert!(n > 0, "connection closed before the whole body");
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(len);
            }
            None if status != 101 => {
                tcp.read_to_end(&mut body).await.expect("read body");
            }
            None => {}
        }
        HttpResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    };
    tokio::time::timeout(Duration::from_secs(5), exchange).await.expect("the HTTP exchange finishes in time")
}

/// `GET path` without an upgrade.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    http_request(addr, "GET", path, &[("Connection", "close")]).await
}

/// The headers of a WebSocket upgrade request.
pub const UPGRADE_HEADERS: [(&str, &str); 4] = [
    ("Connection", "Upgrade"),
    ("Upgrade", "websocket"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
];
