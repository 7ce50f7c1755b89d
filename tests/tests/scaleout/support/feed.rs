//! The `feed` channel of the history chaos tests (`history_chaos.rs`), shared by the test and its
//! server process (`tests/examples/feed_node.rs`): topics that keep history, which anyone may
//! subscribe to, and a call that publishes a numbered item to one of them.

use wirechan::prelude::*;

/// One feed: a topic with history.
#[derive(Debug, Clone, Topic, Serialize, Deserialize, JsonSchema)]
#[topic("feed:{feed}", payload = Item)]
pub struct Feed {
    pub feed: String,
}

/// What a feed carries: who published it, and its number among that publisher's items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub publisher: String,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Publish {
    pub feed: String,
    pub item: Item,
}

/// `count` items at once, numbered from `first`: more than a subscriber's outbound queue takes,
/// so that some are dropped for it (docs/PROTOCOL.md section 8) and it fills the gap.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Burst {
    pub feed: String,
    pub publisher: String,
    pub first: u64,
    pub count: u64,
}

/// Anyone may follow a feed.
#[channel_func]
pub async fn anyone(_feed: Feed) -> Result<(), ChannelError> {
    Ok(())
}

/// Publishes an item to every subscriber of the feed.
#[channel_func]
pub async fn publish(ctx: Ctx<(), ()>, input: Publish) -> Result<(), ChannelError> {
    ctx.hub().publish(&Feed { feed: input.feed }, None, &input.item).await?;
    Ok(())
}

/// Publishes a burst of items, as fast as the hub takes them.
#[channel_func]
pub async fn burst(ctx: Ctx<(), ()>, input: Burst) -> Result<(), ChannelError> {
    let feed = Feed { feed: input.feed };
    for seq in input.first..input.first + input.count {
        ctx.hub().publish(&feed, None, &Item { publisher: input.publisher.clone(), seq }).await?;
    }
    Ok(())
}

wire_channel! {
    name: "feed",
    route: "/feed",
    auth: false,
    on_message_wiring: {
        action: {
            publish: publish,
            burst: burst,
        },
    },
    topics: {
        feed: { topic: Feed, subscribe: anyone, history: { size: 200, ttl: "10m" } },
    },
}
