use wirechan::prelude::*;

#[derive(Topic, Deserialize, JsonSchema)]
#[topic("log:{log}", payload = String)]
pub struct Log {
    pub log: String,
}

#[channel_func]
async fn anyone(_log: Log) -> Result<(), ChannelError> {
    Ok(())
}

// A history keeps at least one publication.
mod empty {
    use super::*;
    wire_channel! {
        name: "a",
        route: "/a",
        topics: { log: { topic: Log, subscribe: anyone, history: { size: 0, ttl: "5m" } } },
    }
}

// A duration is a number and a unit.
mod weeks {
    use super::*;
    wire_channel! {
        name: "b",
        route: "/b",
        topics: { log: { topic: Log, subscribe: anyone, history: { size: 10, ttl: "2 weeks" } } },
    }
}

// Both bounds are given.
mod unbounded {
    use super::*;
    wire_channel! {
        name: "c",
        route: "/c",
        topics: { log: { topic: Log, subscribe: anyone, history: { size: 10 } } },
    }
}

fn main() {}
