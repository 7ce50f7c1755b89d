//! The decode-and-dispatch fuzz harness: opening data from a query string, then a sequence of
//! inbound frames on one connection, each through the codec, routing, auth, input decoding,
//! middleware, the handler and reply encoding, exactly as the connection task runs them; and
//! the `rate_limited` refusal of the same frame. The fuzz target (`fuzz_targets/`) runs it under
//! libFuzzer; `tests/corpus_replay.rs` replays the checked-in corpus through it in every test run.
//!
//! Input: one flags byte (bit 0: envelope mode, bit 1: the channel with a fallback), then the
//! query, a `\n`, then frames separated by `\0`. Seeds: `seeds/decode_dispatch/`.
//!
//! Beyond "never panics": every frame the server would write is a JSON object with each member
//! once, every error it carries has a string code and message, and the one-pass paths and the
//! general path write exactly the same frames.

use std::sync::{Arc, OnceLock};

use serde_json::Value;
use serde_json::value::RawValue;
use wirechan::__fuzz::FuzzConnection;
use wirechan::prelude::*;
use wirechan::{Channel, Invocation, Next, Reply};

#[derive(Deserialize, JsonSchema)]
struct Room {
    room: String,
    limit: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EchoIn {
    text: String,
    n: u32,
    nested: Option<Nested>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Nested {
    deep: Vec<Option<i8>>,
}

#[derive(Serialize, JsonSchema)]
struct EchoOut {
    text: String,
    n: u32,
    nested: Option<Nested>,
}

#[derive(Deserialize, JsonSchema)]
struct AddIn {
    a: i64,
    b: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Circle { r: f64 },
    Square { side: f64 },
}

#[derive(Deserialize, JsonSchema)]
struct TopicIn {
    topic: String,
}

#[derive(Deserialize, JsonSchema)]
struct LoginIn {
    user: String,
}

#[derive(Deserialize, JsonSchema)]
struct StepsIn {
    steps: u8,
}

#[derive(Clone)]
struct User(String);

#[channel_func]
async fn on_connect(ctx: Ctx<Room>) -> Result<String, ChannelError> {
    ctx.hub().subscribe_untyped(&format!("room:{}", ctx.opening_data().room))?;
    Ok(format!("hello {} ({:?})", ctx.opening_data().room, ctx.opening_data().limit))
}

#[channel_func]
async fn echo(input: EchoIn) -> EchoOut {
    EchoOut { text: input.text, n: input.n, nested: input.nested }
}

#[channel_func]
async fn add(input: AddIn) -> i64 {
    input.a.wrapping_add(input.b)
}

#[channel_func]
async fn area(input: Shape) -> f64 {
    match input {
        Shape::Circle { r } => std::f64::consts::PI * r * r,
        Shape::Square { side } => side * side,
    }
}

#[channel_func]
async fn noop() {}

#[channel_func]
async fn nothing() -> Option<Nested> {
    None
}

#[channel_func]
async fn fail() -> Result<u8, ChannelError> {
    Err(ChannelError::new("teapot", "short and stout"))
}

#[channel_func]
async fn login(ctx: Ctx<Room>, input: LoginIn) -> String {
    ctx.session().set(User(input.user.clone()));
    input.user
}

#[channel_func]
async fn secret(ctx: Ctx<Room>) -> Result<String, ChannelError> {
    ctx.session().get::<User>().map(|u| u.0.clone()).ok_or_else(ChannelError::internal)
}

#[channel_func]
async fn join(ctx: Ctx<Room>, input: TopicIn) -> Result<Vec<String>, ChannelError> {
    ctx.hub().subscribe_untyped(&input.topic)?;
    Ok(ctx.hub().topics())
}

#[channel_func]
async fn say(ctx: Ctx<Room>, input: TopicIn) -> Result<usize, ChannelError> {
    Ok(ctx.hub().publish_untyped(&input.topic, None, &input.topic).await?.delivered)
}

#[channel_func]
async fn progress(input: StepsIn, progress: Progress<u8>) -> Result<u8, ChannelError> {
    for step in 0..input.steps.min(10) {
        progress.send(&step).await?;
    }
    Ok(input.steps)
}

#[channel_func]
async fn ping() -> bool {
    true
}

/// Takes its input as JSON text and sends it back as it came: the reply splices it in, so a
/// member named like the routing key (plainly or through an escape) must be found in the text.
#[channel_func]
async fn raw(input: Box<RawValue>) -> Box<RawValue> {
    input
}

#[derive(Serialize, JsonSchema)]
struct Got {
    got: Value,
}

/// Wraps what it receives: in flat mode a fallback's object output is sent as the reply with
/// the routing key spliced in, so returning the frame itself would echo a client's own
/// `"error"` member as if it were the server's.
#[channel_func]
async fn anything(frame: Value) -> Got {
    Got { got: frame }
}

async fn count_mw(_inv: Invocation, next: Next) -> Result<Reply, ChannelError> {
    next.run().await
}

async fn deny_mw(_inv: Invocation, _next: Next) -> Result<Reply, ChannelError> {
    Err(ChannelError::forbidden("no"))
}

wire_channel! {
    name: "routed",
    route: "/routed",
    auth: false,
    opening_data: Room,
    on_connect: on_connect,
    on_message_wiring: {
        action: {
            echo: echo,
            add: add,
            area: area,
            noop: noop,
            nothing: nothing,
            fail: fail,
            login: login,
            secret: { func: secret, auth: true },
            join: join,
            say: say,
            progress: progress,
            raw: raw,
            admin: { func: noop, middleware: [deny_mw] },
        },
        type: {
            ping: ping,
        },
    },
    middleware: [count_mw],
}

wire_channel! {
    name: "catchall",
    route: "/catchall",
    auth: true,
    opening_data: Room,
    binary: true,
    on_message: { func: anything, auth: false },
    on_message_wiring: {
        action: {
            add: { func: add, auth: false },
            secret: secret,
        },
    },
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    routed: Arc<Channel<()>>,
    fallback: Arc<Channel<()>>,
    services: Arc<()>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime"),
        routed: Arc::new(routed::channel()),
        fallback: Arc::new(catchall::channel()),
        services: Arc::new(()),
    })
}

/// The routing keys of both channels.
const ROUTING_KEYS: [&str; 2] = ["action", "type"];

/// A frame the server would write: a JSON object with a routing key at most once (names compared
/// unescaped; other members are the handler's own, and a raw output's are as the handler wrote
/// them), whose error, if any, has a string code and message.
fn check_frame(frame: &str) {
    if frame.starts_with("close ") {
        return;
    }
    let Names(names) = serde_json::from_str(frame).unwrap_or_else(|e| panic!("not a JSON object ({e}): {frame:?}"));
    for key in ROUTING_KEYS {
        assert!(names.iter().filter(|n| *n == key).count() <= 1, "`{key}` twice: {frame}");
    }
    // Members other than `error` are skipped unparsed: a raw output may hold numbers past `f64`.
    #[derive(Deserialize)]
    struct Frame {
        error: Option<Value>,
    }
    let Frame { error } = serde_json::from_str(frame).unwrap_or_else(|e| panic!("not JSON ({e}): {frame:?}"));
    if let Some(error) = error {
        assert!(error["code"].is_string() && error["message"].is_string(), "malformed error: {frame}");
    }
}

/// The frames with the tokens of their JSON as serde_json writes them: no whitespace outside
/// strings, every string escaped the same way. A raw input is the members' text: as written on
/// the one-pass path, re-joined on the general path (member names unescaped and written again), so
/// the spelling of its tokens may differ; nothing else may (every token, number formatting and
/// member order included).
fn canonical(frames: &[String]) -> Vec<String> {
    frames
        .iter()
        .map(|frame| {
            let mut out = String::with_capacity(frame.len());
            let mut rest = frame.as_str();
            while let Some(c) = rest.chars().next() {
                if c == '"' {
                    let end = string_end(rest);
                    let token = &rest[..end];
                    match serde_json::from_str::<String>(token) {
                        Ok(text) => out.push_str(&serde_json::to_string(&text).expect("a string serializes")),
                        Err(_) => out.push_str(token),
                    }
                    rest = &rest[end..];
                    continue;
                }
                if !matches!(c, ' ' | '\t' | '\n' | '\r') {
                    out.push(c);
                }
                rest = &rest[c.len_utf8()..];
            }
            out
        })
        .collect()
}

/// The length of the JSON string `text` opens with, quotes included (all of `text` if unclosed).
fn string_end(text: &str) -> usize {
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate().skip(1) {
        match b {
            b'"' if !escaped => return i + 1,
            b'\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    text.len()
}

/// The member names of a JSON object, repeats kept.
struct Names(Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Names;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                let mut names = Vec::new();
                while let Some((name, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    names.push(name);
                }
                Ok(Names(names))
            }
        }
        de.deserialize_map(Visitor)
    }
}

/// Runs one fuzz input (see the crate's documentation for its format) and panics on any finding.
pub fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (query, frames) = text.split_once('\n').unwrap_or((text, ""));
    let f = fixture();
    let channel = if flags & 2 == 0 { &f.routed } else { &f.fallback };
    let open = || FuzzConnection::open(channel.clone(), f.services.clone(), flags & 1 == 1, Some(query));
    let Some(mut conn) = open() else {
        return;
    };
    // The same frames through the general path only: the one-pass path of flat frames must give
    // exactly the same answers.
    let mut general = open().expect("the same opening data opens twice").general_path_only();
    f.runtime.block_on(async {
        for frame in frames.split('\0') {
            let written = conn.message(frame).await;
            let by_general_path = general.message(frame).await;
            assert_eq!(canonical(&written), canonical(&by_general_path), "the paths differ on {frame:?}");
            for written in written {
                check_frame(&written);
            }
            if let Some(refusal) = conn.rate_limited(frame) {
                check_frame(&refusal);
            }
        }
    });
    conn.close();
    general.close();
}
