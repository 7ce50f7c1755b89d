//! Declared topics: one clients subscribe to (typed parameters, an enum payload, an authorization
//! function, a history), one only the server subscribes connections to, with a pattern of two
//! parameters and no history; an action that reports typed progress.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::Sample;

/// What happens in a game.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GameEvent {
    /// A move.
    Moved { player: String, to: u32 },
    /// The end.
    Over { winner: Option<String> },
}

/// One game: anyone may watch it.
#[derive(Debug, Topic, Deserialize, JsonSchema)]
#[topic("game:{id}", payload = GameEvent)]
pub struct Game {
    pub id: u64,
}

/// A player's private messages, per region.
#[derive(Debug, Topic)]
#[topic("inbox:{region}:{player}", payload = String)]
pub struct Inbox {
    pub region: String,
    pub player: String,
}

/// Lets anyone watch any game but game 0.
#[channel_func(auth = false)]
pub async fn may_watch(game: Game) -> Result<(), ChannelError> {
    if game.id == 0 { Err(ChannelError::forbidden("game 0 is private")) } else { Ok(()) }
}

/// Replays a game: each event as progress, then how many there were.
#[channel_func(auth = false)]
pub async fn replay(_game: Game, progress: Progress<GameEvent>) -> Result<u32, ChannelError> {
    progress.send(&GameEvent::Over { winner: None }).await?;
    Ok(1)
}

wire_channel! {
    name: "games",
    route: "/games",
    on_message_wiring: { action: { replay: replay } },
    topics: {
        game: { topic: Game, subscribe: may_watch, history: { size: 50, ttl: "1h" } },
        inbox: Inbox,
    },
}

bootstrap! { games }

pub fn samples() -> Vec<Sample> {
    let spec = "GamesChannel";
    let topic = |name: &str, part: &str| format!("M.{spec}['topics']['{name}']['{part}']");
    vec![
        Sample::accepted::<Game>(topic("game", "params"), json!({ "id": 7 })),
        Sample::refused::<Game>(topic("game", "params"), json!({ "id": "7" }), "the id is a number"),
        Sample::sent(topic("game", "payload"), &GameEvent::Moved { player: "ada".into(), to: 3 }),
        Sample::sent(topic("game", "payload"), &GameEvent::Over { winner: None }),
        Sample::ts(topic("game", "payload"), "{ kind: 'resigned' }", false, "no such event"),
        Sample::ts(topic("game", "subscribe"), "true", true, "clients subscribe"),
        Sample::ts(topic("inbox", "subscribe"), "false", true, "only the server subscribes"),
        Sample::ts(topic("game", "history"), "true", true, "games keep a history"),
        Sample::ts(topic("inbox", "history"), "false", true, "inboxes keep none"),
        Sample::ts(topic("inbox", "history"), "true", false, "inboxes keep none"),
        Sample::ts(topic("inbox", "params"), "{ region: 'eu', player: 'ada' }", true, "pattern parameters"),
        Sample::ts(topic("inbox", "params"), "{ region: 'eu' }", false, "every parameter is needed"),
        Sample::sent(topic("inbox", "payload"), &"hello"),
        Sample::sent(format!("M.{spec}['actions']['replay']['progress']"), &GameEvent::Moved { player: "ada".into(), to: 1 }),
        Sample::ts(format!("M.{spec}['actions']['replay']['progress']"), "1", false, "progress is a GameEvent"),
    ]
}
