//! A user's crate outside the workspace, as the README tells to start one: `wirechan`, `serde` and
//! `tokio` are its only dependencies. The external-crate test copies it to a temporary folder,
//! builds it and generates its TypeScript client with an installed `wirechan` binary.

use wirechan::prelude::*;

/// Who to greet.
#[derive(Deserialize, JsonSchema)]
struct Hello {
    name: String,
    /// How many times.
    #[serde(default)]
    times: Option<u8>,
}

/// The greeting.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Greeting {
    text: String,
    sent_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// What the lobby hears.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "kind")]
enum LobbyEvent {
    Greeted { name: String },
    Left,
}

/// The lobby: one topic for everyone.
#[derive(Topic, Deserialize, JsonSchema)]
#[topic("lobby", payload = LobbyEvent)]
struct Lobby {}

#[channel_func(auth = false)]
async fn greet(ctx: Ctx, input: Hello) -> Result<Greeting, ChannelError> {
    ctx.hub().publish(&Lobby {}, None, &LobbyEvent::Greeted { name: input.name.clone() }).await?;
    let text = format!("Hello, {}!", input.name).repeat(usize::from(input.times.unwrap_or(1)));
    Ok(Greeting { text, sent_at: 0, note: None })
}

#[channel_func(auth = false)]
async fn may_listen(_topic: Lobby) -> Result<(), ChannelError> {
    Ok(())
}

wire_channel! {
    name: "greeter",
    route: "/greeter",
    auth: false,
    on_message_wiring: { action: { greet: greet } },
    topics: { lobby: { topic: Lobby, subscribe: may_listen } },
}

bootstrap! { greeter }

#[tokio::main]
async fn main() -> Result<(), wirechan::ServeError> {
    App::new(()).channels(bootstrap::channels()).serve("127.0.0.1:3000").await
}
