//! Three chat server processes share one room through Redis: every message reaches every other
//! member exactly once, in order per sender, never the sender; a node keeps a Redis subscription
//! only while it has local members.

use std::collections::HashMap;

use serde_json::json;

use crate::support::*;

const ROOM: &str = "scale";
const PER_SENDER: usize = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_every_member_on_every_node_exactly_once_in_order() {
    let redis = RedisServer::start().await;
    let hub = redis.url();
    let mut nodes = [
        ChatNode::start("a", &hub, &[]).await,
        ChatNode::start("b", &hub, &[]).await,
        ChatNode::start("c", &hub, &[]).await,
    ];

    // Two members per node in one room, and a bystander in another room.
    let mut members = Vec::new();
    for (node, names) in nodes.iter().zip([["a1", "a2"], ["b1", "b2"], ["c1", "c2"]]) {
        for name in names {
            members.push(Member::join(node, ROOM, name).await);
        }
    }
    let mut bystander = Member::join(&nodes[1], "elsewhere", "bystander").await;
    let room_channel = format!("wirechan:room:{ROOM}");
    redis.wait_numsub(&room_channel, 3).await;
    redis.wait_numsub("wirechan:channel:chat", 3).await;
    assert_eq!(redis.numsub("wirechan:room:elsewhere").await, 1, "only node b has a member in `elsewhere`");

    // Everyone sends at once; each sender's messages go out one after the other.
    let senders = members.into_iter().map(|mut m| {
        tokio::spawn(async move {
            for i in 0..PER_SENDER {
                m.say(&format!("{}-{i}", m.name)).await;
            }
            m
        })
    });
    let mut members = Vec::new();
    for sender in senders {
        members.push(sender.await.expect("a sender task"));
    }

    let others = members.len() - 1;
    for member in &mut members {
        let got = member.messages(ROOM, others * PER_SENDER).await;
        let mut by_sender: HashMap<String, Vec<String>> = HashMap::new();
        for (from, message) in got {
            assert!(message.starts_with(&format!("{from}-")), "{}: {message:?} claims to be from {from}", member.name);
            by_sender.entry(from).or_default().push(message);
        }
        assert!(!by_sender.contains_key(&member.name), "{} received its own messages (exclude)", member.name);
        assert_eq!(by_sender.len(), others, "{} heard from every other member", member.name);
        for (from, messages) in by_sender {
            let expected: Vec<String> = (0..PER_SENDER).map(|i| format!("{from}-{i}")).collect();
            assert_eq!(messages, expected, "{} got {from}'s messages exactly once, in order", member.name);
        }
        // Nothing more: no second copy from Redis of what a node already delivered locally.
        member.assert_silent("every message was already received once").await;
    }
    bystander.assert_silent("another room").await;

    // Node a's hub metrics: its 2 members published 25 each, each delivered to the other local
    // member; the 100 from b and c arrived through Redis once each and reached both members.
    let a = &nodes[0];
    eventually("node a's hub metrics", || async {
        let counts = [
            a.metric("wirechan_hub_published_total").await?,
            a.metric("wirechan_hub_received_total").await?,
            a.metric("wirechan_hub_delivered_total").await?,
        ];
        if counts == [50.0, 100.0, 250.0] { Ok(()) } else { Err(format!("{counts:?}")) }
    })
    .await;

    // Node c's members leave: its subscriptions go, the others' stay.
    let c2 = members.pop().expect("c2");
    let c1 = members.pop().expect("c1");
    c1.leave().await;
    c2.leave().await;
    redis.wait_numsub(&room_channel, 2).await;
    redis.wait_numsub("wirechan:channel:chat", 2).await;
    let health = nodes[2].wait_health("ok").await;
    assert_eq!(health["hub"]["subscriptions"], 0, "node c subscribes to nothing: {health}");
    assert_eq!(
        redis.channels("wirechan:*").await,
        ["wirechan:channel:chat", "wirechan:room:elsewhere", "wirechan:room:scale"],
    );
    // Their departure was announced on the other nodes.
    for member in &mut members {
        let mut left = vec![member.next_in(ROOM).await, member.next_in(ROOM).await];
        left.sort_by_key(|v| v.to_string());
        assert_eq!(left, [json!({ "left": "c1" }), json!({ "left": "c2" })], "{}", member.name);
    }

    // A newcomer on c brings the subscription back, and hears the next message.
    let mut c3 = Member::join(&nodes[2], ROOM, "c3").await;
    redis.wait_numsub(&room_channel, 3).await;
    members[0].say("welcome back").await;
    for member in members.iter_mut().skip(1) {
        assert_eq!(member.messages(ROOM, 1).await, [("a1".to_owned(), "welcome back".to_owned())]);
    }
    // The room keeps history, so node c delivers its own publications when Redis passes them on:
    // c2's departure, which node c published as c2 left, may still have been on its way when c3
    // joined. Then c3 hears it first, once.
    let mut first = c3.next_in(ROOM).await;
    if first == json!({ "left": "c2" }) {
        first = c3.next_in(ROOM).await;
    }
    assert_eq!((&first["from"], &first["message"]), (&json!("a1"), &json!("welcome back")), "c3 got {first}");
    members[0].assert_silent("the sender is excluded on its own node").await;

    for node in &mut nodes {
        node.assert_running();
    }
}
