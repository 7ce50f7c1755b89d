//! Three hubs in one process, each serving its own app, share topics through one Redis: an
//! `exclude` naming a connection of another node holds, `broadcast` crosses nodes, publications of
//! one publisher arrive in order everywhere, and a dropped hub lets go of Redis.

use std::collections::HashMap;

use serde_json::{Value, json};
use wirechan::prelude::*;
use wirechan::testing::{TestClient, TestServer};
use wirechan::{Hub, HubHealth, RedisHubConfig, ServerConfig};

use crate::support::*;

#[derive(Deserialize, JsonSchema)]
struct Room {
    room: String,
}

#[derive(Serialize, JsonSchema)]
struct Hello {
    id: String,
}

#[derive(Deserialize, JsonSchema)]
struct Publish {
    exclude: Option<String>,
    text: String,
}

#[derive(Deserialize, JsonSchema)]
struct Shout {
    text: String,
}

#[derive(Serialize, JsonSchema)]
struct Published {
    delivered_here: usize,
}

/// Joins the room and tells the client its connection id.
#[channel_func]
async fn relay_connect(ctx: Ctx<Room>) -> Result<Hello, ChannelError> {
    ctx.hub().subscribe_untyped(&format!("room:{}", ctx.opening_data().room))?;
    Ok(Hello { id: ctx.connection_id().to_string() })
}

/// Publishes to the room, excluding whichever connection the client names.
#[channel_func]
async fn publish(ctx: Ctx<Room>, input: Publish) -> Result<Published, ChannelError> {
    let exclude = input.exclude.as_deref().map(ConnectionId::from);
    let topic = format!("room:{}", ctx.opening_data().room);
    let delivery = ctx.hub().publish_untyped(&topic, exclude.as_ref(), &json!({ "text": input.text })).await?;
    Ok(Published { delivered_here: delivery.delivered })
}

/// Broadcasts to every connection of the channel.
#[channel_func]
async fn shout(ctx: Ctx<Room>, input: Shout) -> Result<Published, ChannelError> {
    let delivery = ctx.hub().broadcast(None, &json!({ "text": input.text })).await?;
    Ok(Published { delivered_here: delivery.delivered })
}

wire_channel! {
    name: "relay",
    route: "/relay",
    auth: false,
    opening_data: Room,
    on_connect: relay_connect,
    on_message_wiring: {
        action: {
            publish: publish,
            shout: shout,
        },
    },
}

struct Node {
    hub: Hub,
    server: TestServer,
}

async fn node(redis: &RedisServer) -> Node {
    let hub = Hub::redis(&redis.url()).expect("a valid Redis URL");
    // Room for every publication of the ordering test in each connection's queue.
    let app = App::new(())
        .channel(relay::channel())
        .with_hub(hub.clone())
        .config(ServerConfig::default().outbound_queue(4096));
    let server = TestServer::start(app).await.expect("the node serves");
    eventually("the hub to connect to Redis", || async {
        if hub.health().is_degraded() { Err(hub.health()) } else { Ok(()) }
    })
    .await;
    Node { hub, server }
}

/// Connects to `room` on `node`; returns the client and its connection id.
async fn join(node: &Node, room: &str) -> (TestClient, String) {
    let mut client = TestClient::connect_envelope(&node.server.url(&format!("/relay?room={room}"))).await.unwrap();
    let hello = client.recv_json().await.unwrap();
    let id = hello["data"]["id"].as_str().expect("the connection id").to_owned();
    (client, id)
}

async fn publish_from(client: &mut TestClient, exclude: Option<&str>, text: &str) -> Value {
    client.call_json("action", "publish", json!({ "exclude": exclude, "text": text })).await.unwrap()
}

async fn assert_silent(client: &mut TestClient, why: &str) {
    if let Some(event) = client.try_recv_within(QUIET).await {
        panic!("expected nothing ({why}), got {event:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclude_names_a_connection_on_another_node_and_broadcast_crosses_nodes() {
    let redis = RedisServer::start().await;
    let nodes = [node(&redis).await, node(&redis).await, node(&redis).await];
    let (mut x, x_id) = join(&nodes[0], "r").await;
    let (mut y, y_id) = join(&nodes[1], "r").await;
    let (mut z, _) = join(&nodes[2], "r").await;
    redis.wait_numsub("wirechan:room:r", 3).await;
    redis.wait_numsub("wirechan:channel:relay", 3).await;

    // x (node 0) excludes y (node 1): x itself and z (node 2) get it.
    let reply = publish_from(&mut x, Some(&y_id), "not for y").await;
    assert_eq!(reply["data"], json!({ "delivered_here": 1 }), "the delivery counts node 0's subscribers");
    let frame = json!({ "topic": "room:r", "data": { "text": "not for y" } });
    assert_eq!(x.recv_json().await.unwrap(), frame);
    assert_eq!(z.recv_json().await.unwrap(), frame);
    assert_silent(&mut y, "y was excluded from another node").await;

    // z (node 2) excludes x (node 0).
    publish_from(&mut z, Some(&x_id), "not for x").await;
    let frame = json!({ "topic": "room:r", "data": { "text": "not for x" } });
    assert_eq!(y.recv_json().await.unwrap(), frame);
    assert_eq!(z.recv_json().await.unwrap(), frame);
    assert_silent(&mut x, "x was excluded from another node").await;

    // broadcast goes through the channel's implicit topic on every node.
    let reply = y.call_json("action", "shout", json!({ "text": "all" })).await.unwrap();
    assert_eq!(reply["data"], json!({ "delivered_here": 1 }));
    let frame = json!({ "topic": "channel:relay", "data": { "text": "all" } });
    for client in [&mut x, &mut y, &mut z] {
        assert_eq!(client.recv_json().await.unwrap(), frame);
    }
    for client in [&mut x, &mut y, &mut z] {
        assert_silent(client, "each publication arrives once").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publications_of_each_publisher_arrive_once_and_in_order_on_every_node() {
    const COUNT: usize = 300;
    let redis = RedisServer::start().await;
    let nodes = [node(&redis).await, node(&redis).await, node(&redis).await];
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(join(node, "order").await.0);
    }
    redis.wait_numsub("wirechan:room:order", 3).await;

    // Two publishers on two nodes at the same time, from outside any handler.
    let publishers = [0, 1].map(|n| {
        let hub = nodes[n].hub.clone();
        tokio::spawn(async move {
            for i in 0..COUNT {
                hub.publish_untyped("room:order", None, &json!({ "p": n, "i": i })).await.unwrap();
            }
        })
    });
    for publisher in publishers {
        publisher.await.unwrap();
    }

    for (n, client) in clients.iter_mut().enumerate() {
        let mut seen: HashMap<u64, Vec<u64>> = HashMap::new();
        for _ in 0..2 * COUNT {
            let frame = client.recv_json().await.unwrap();
            assert_eq!(frame["topic"], "room:order");
            let (p, i) = (frame["data"]["p"].as_u64().unwrap(), frame["data"]["i"].as_u64().unwrap());
            seen.entry(p).or_default().push(i);
        }
        for p in [0, 1] {
            let expected: Vec<u64> = (0..COUNT as u64).collect();
            assert_eq!(seen.get(&p), Some(&expected), "node {n} got publisher {p}'s publications once, in order");
        }
        assert_silent(client, "no duplicates").await;
    }
    for node in &nodes {
        let HubHealth::Redis(health) = node.hub.health() else { panic!("a Redis hub") };
        assert!(health.connected);
        assert_eq!(health.dropped, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_never_blocks_publishers_and_the_buffer_stays_bounded() {
    let nowhere = format!("redis://127.0.0.1:{}", free_port());
    let hub = Hub::redis_with(RedisHubConfig::new(nowhere).outage_buffer(10)).unwrap();
    for i in 0..25 {
        hub.publish_untyped("t", None, &i).await.unwrap();
    }
    let HubHealth::Redis(health) = hub.health() else { panic!("a Redis hub") };
    assert!(!health.connected);
    assert_eq!((health.buffered, health.dropped), (10, 15));
    assert!(hub.health().is_degraded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_hub_closes_its_redis_connections() {
    let redis = RedisServer::start().await;
    let connections = |expected: usize| {
        let redis = &redis;
        async move {
            eventually(&format!("{expected} connections besides the test's own"), || async {
                let n = redis.client_count().await;
                if n == expected { Ok(()) } else { Err(n) }
            })
            .await
        }
    };
    connections(0).await;
    let hub = Hub::redis(&redis.url()).unwrap();
    // A pub/sub connection and a command connection.
    connections(2).await;
    drop(hub);
    connections(0).await;
}
