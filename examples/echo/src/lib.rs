//! The benchmark channel at `/echo`: `echo` replies with its input, `join` subscribes the
//! connection to a room's topic (as does a client subscription, `{"subscribe":"room","room":..}`),
//! `publish` publishes its whole input to a room's topic, typed, and `publish_log` to a room's
//! log, a topic that keeps history (clients subscribe with `{"subscribe":"log","room":..}`). It needs no authentication, and
//! speaks both the flat and the envelope mode. `scripts/bench` drives it
//! with `wirechan-loadgen` side by side with the same protocol on bare tokio-tungstenite
//! (`tests/bench/floor`) and on Node `ws` (`tests/bench/node`).

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use wirechan::prelude::*;

/// The input of `join`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Join {
    /// The room to subscribe to.
    pub room: String,
}

/// The reply of `join`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Joined {
    /// The room now subscribed to.
    pub joined: String,
}

/// The input of `publish`: a room and any other fields, published as they are.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Publish {
    /// The room whose topic gets the publication.
    pub room: String,
    /// Every other field of the input.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// The reply of `publish`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Published {
    /// How many subscribers of this process took the publication.
    pub delivered: usize,
}

/// A room: anyone may subscribe; every publication is a JSON object.
#[derive(Debug, Clone, Topic, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = Map<String, Value>)]
pub struct RoomTopic {
    /// The room's name.
    pub room: String,
}

/// A room's log: a room whose publications carry positions and are kept, so that a client
/// that subscribed with `since` gets what it missed.
#[derive(Debug, Clone, Topic, Deserialize, JsonSchema)]
#[topic("log:{room}", payload = Map<String, Value>)]
pub struct LogTopic {
    /// The room's name.
    pub room: String,
}

/// Lets every connection into every room.
#[channel_func]
pub async fn anyone(_room: RoomTopic) -> Result<(), ChannelError> {
    Ok(())
}

/// Lets every connection follow every log.
#[channel_func]
pub async fn any_log(_log: LogTopic) -> Result<(), ChannelError> {
    Ok(())
}

/// Replies with its input, as the JSON text it came as: the input is checked to be JSON, not
/// parsed into a value.
#[channel_func]
pub async fn echo_back(input: Box<RawValue>) -> Box<RawValue> {
    input
}

/// Replies with its input, parsed into a JSON object and serialized again: the echo of a handler
/// that reads its input.
#[channel_func]
pub async fn echo_map(input: Map<String, Value>) -> Map<String, Value> {
    input
}

/// Subscribes the connection to the room's topic.
#[channel_func]
pub async fn join(ctx: Ctx, input: Join) -> Result<Joined, ChannelError> {
    ctx.hub().subscribe(&RoomTopic { room: input.room.clone() })?;
    Ok(Joined { joined: input.room })
}

/// Publishes the whole input (room included) to the room's topic, the sender included if it
/// joined.
#[channel_func]
pub async fn publish(ctx: Ctx, input: Publish) -> Result<Published, ChannelError> {
    let mut data = input.rest;
    data.insert("room".to_owned(), Value::String(input.room.clone()));
    let delivery = ctx.hub().publish(&RoomTopic { room: input.room }, None, &data).await?;
    Ok(Published { delivered: delivery.delivered })
}

/// Publishes the whole input to the room's log, which keeps it.
#[channel_func]
pub async fn publish_log(ctx: Ctx, input: Publish) -> Result<Published, ChannelError> {
    let mut data = input.rest;
    data.insert("room".to_owned(), Value::String(input.room.clone()));
    let delivery = ctx.hub().publish(&LogTopic { room: input.room }, None, &data).await?;
    Ok(Published { delivered: delivery.delivered })
}

wire_channel! {
    name: "echo",
    route: "/echo",
    auth: false,
    on_message_wiring: {
        action: {
            echo: echo_back,
            echo_map: echo_map,
            join: join,
            publish: publish,
            publish_log: publish_log,
        },
    },
    topics: {
        room: { topic: RoomTopic, subscribe: anyone },
        log: { topic: LogTopic, subscribe: any_log, history: { size: 1000, ttl: "1m" } },
    },
    tags: ["bench"],
}

bootstrap! { echo }

/// The echo app with the default server settings.
pub fn app() -> App<()> {
    App::new(()).channels(bootstrap::channels())
}
