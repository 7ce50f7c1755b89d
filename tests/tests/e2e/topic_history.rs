//! PROTOCOL.md section 4 "Topics with history", on the in-memory hub: positions in publication
//! frames, `since` recovering exactly what was missed, `recovered: false` with the start position
//! when it cannot be, `recent`, the position alone for an excluded subscriber, subscribing again
//! to fill a gap, and malformed recovery members.

use std::time::Duration;

use crate::support::*;
use serde_json::{Value, json};
use wirechan::testing::TestClient;

const QUIET: Duration = Duration::from_millis(150);

fn id(mode: Mode, n: u32) -> Option<Value> {
    (mode == Mode::Envelope).then(|| json!(n))
}

/// Sends a subscription of `log:<log>` with `extra` members and returns the frames up to and
/// including its answer: the replayed publications, then the answer's data.
async fn subscribe(c: &mut TestClient, mode: Mode, n: u32, log: &str, extra: Value) -> (Vec<Value>, Value) {
    let mut params = json!({ "log": log });
    params.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    c.send_json(&request_keyed(mode, "subscribe", "log", id(mode, n), Some(params))).await.unwrap();
    let mut replayed = Vec::new();
    loop {
        let frame = c.recv_json().await.unwrap_or_else(|e| panic!("{mode:?}: answer to subscribe {log}: {e}"));
        if frame.get("subscribe").is_some() {
            let answer = match mode {
                Mode::Envelope => frame["data"].clone(),
                Mode::Flat => {
                    let mut f = frame.clone();
                    f.as_object_mut().unwrap().remove("subscribe");
                    f
                }
            };
            assert!(frame.get("error").is_none(), "{mode:?}: {frame}");
            return (replayed, answer);
        }
        replayed.push(frame);
    }
}

/// Appends line `n` to `log` from `c` (flat mode) and returns how many got it live.
async fn append(c: &mut TestClient, log: &str, n: u64) -> u64 {
    c.send_json(&json!({ "action": "append", "log": log, "n": n })).await.unwrap();
    let reply = c.recv_json().await.unwrap();
    reply["result"].as_u64().unwrap_or_else(|| panic!("append answered {reply}"))
}

fn line(log: &str, n: u64, offset: u64, epoch: &str) -> Value {
    json!({ "topic": format!("log:{log}"), "data": { "n": n }, "offset": offset, "epoch": epoch })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_recovers_exactly_what_it_missed_or_is_told_it_cannot() {
    for mode in MODES {
        let h = start().await;
        let url = h.server.url("/rooms");
        let mut writer = connect(&url, Mode::Flat).await;
        let mut a = connect(&url, mode).await;

        // A first subscription: nothing to replay, the start position before any publication.
        let (replayed, answer) = subscribe(&mut a, mode, 1, "x", json!({})).await;
        assert!(replayed.is_empty(), "{mode:?}: {replayed:?}");
        let epoch = answer["epoch"].as_str().expect("an epoch").to_owned();
        assert_eq!(answer, json!({ "topic": "log:x", "epoch": epoch, "offset": 0 }), "{mode:?}");

        // Publications carry their position, one offset after the other.
        for n in 1..=3 {
            assert_eq!(append(&mut writer, "x", n * 10).await, 1);
            assert_eq!(a.recv_json().await.unwrap(), line("x", n * 10, n, &epoch), "{mode:?}");
        }

        // Another connection that saw offset 1 gets 2 and 3, in order, then `recovered: true`
        // with its own position as the start.
        let mut b = connect(&url, mode).await;
        let since = json!({ "since": { "epoch": epoch, "offset": 1 } });
        let (replayed, answer) = subscribe(&mut b, mode, 1, "x", since).await;
        assert_eq!(replayed, vec![line("x", 20, 2, &epoch), line("x", 30, 3, &epoch)], "{mode:?}");
        assert_eq!(answer, json!({ "topic": "log:x", "recovered": true, "epoch": epoch, "offset": 1 }), "{mode:?}");
        // Live publications follow with no gap and no duplicate.
        assert_eq!(append(&mut writer, "x", 40).await, 2);
        assert_eq!(b.recv_json().await.unwrap(), line("x", 40, 4, &epoch), "{mode:?}");
        assert_eq!(a.recv_json().await.unwrap(), line("x", 40, 4, &epoch), "{mode:?}");

        // Past the history's size (5): offsets 1 and 2 are gone, so `since` 1 is not recovered;
        // `recent` gives the last ones after a start position that says so.
        for n in 5..=7 {
            append(&mut writer, "x", n * 10).await;
        }
        let mut c = connect(&url, mode).await;
        let lost = json!({ "since": { "epoch": epoch, "offset": 1 }, "recent": 2 });
        let (replayed, answer) = subscribe(&mut c, mode, 1, "x", lost).await;
        assert_eq!(replayed, vec![line("x", 60, 6, &epoch), line("x", 70, 7, &epoch)], "{mode:?}");
        assert_eq!(answer, json!({ "topic": "log:x", "recovered": false, "epoch": epoch, "offset": 5 }), "{mode:?}");
        // Offset 2, the oldest kept after it, is recovered.
        let mut d = connect(&url, mode).await;
        let (replayed, answer) =
            subscribe(&mut d, mode, 1, "x", json!({ "since": { "epoch": epoch, "offset": 2 } })).await;
        let offsets: Vec<u64> = replayed.iter().map(|f| f["offset"].as_u64().unwrap()).collect();
        assert_eq!((offsets, answer["recovered"].clone()), (vec![3, 4, 5, 6, 7], json!(true)), "{mode:?}");

        // Another epoch (a restarted hub's, or made up) is not recovered, nor a position ahead.
        for since in [json!({ "epoch": "0000000000000000", "offset": 7 }), json!({ "epoch": epoch, "offset": 8 })] {
            let mut e = connect(&url, mode).await;
            let (replayed, answer) = subscribe(&mut e, mode, 1, "x", json!({ "since": since })).await;
            assert!(replayed.is_empty(), "{mode:?}: {replayed:?}");
            assert_eq!(
                answer,
                json!({ "topic": "log:x", "recovered": false, "epoch": epoch, "offset": 7 }),
                "{mode:?}"
            );
        }

        // A fresh subscription with `recent` gets at most what is kept.
        let mut f = connect(&url, mode).await;
        let (replayed, answer) = subscribe(&mut f, mode, 1, "x", json!({ "recent": 50 })).await;
        assert_eq!(replayed.len(), 5, "{mode:?}: {replayed:?}");
        assert_eq!(answer, json!({ "topic": "log:x", "epoch": epoch, "offset": 2 }), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excluded_subscriber_gets_the_position_alone_and_a_gap_is_filled_by_subscribing_again() {
    for mode in MODES {
        let h = start().await;
        let url = h.server.url("/rooms");
        let mut a = connect(&url, mode).await;
        let mut b = connect(&url, Mode::Flat).await;
        let (_, answer) = subscribe(&mut a, mode, 1, "y", json!({})).await;
        let epoch = answer["epoch"].as_str().unwrap().to_owned();
        let (_, _) = subscribe(&mut b, Mode::Flat, 1, "y", json!({})).await;

        // `b` publishes excluding itself: it gets the position alone (before its answer, since
        // the publication is made during its call), `a` the publication.
        b.send_json(&json!({ "action": "append", "log": "y", "n": 1 })).await.unwrap();
        assert_eq!(b.recv_json().await.unwrap(), json!({ "topic": "log:y", "offset": 1, "epoch": epoch }));
        assert_eq!(b.recv_json().await.unwrap(), json!({ "action": "append", "result": 1 }));
        assert_eq!(a.recv_json().await.unwrap(), line("y", 1, 1, &epoch), "{mode:?}");
        // A replay to the connection it excluded gives it the position alone too.
        let (replayed, answer) =
            subscribe(&mut b, Mode::Flat, 2, "y", json!({ "since": { "epoch": epoch, "offset": 0 } })).await;
        assert_eq!(replayed, vec![json!({ "topic": "log:y", "offset": 1, "epoch": epoch })]);
        assert_eq!(answer["recovered"], json!(true));

        // A client that noticed a gap subscribes again while subscribed: the replay comes again,
        // and the topic is still held once.
        for n in 2..=3 {
            b.send_json(&json!({ "action": "append", "log": "y", "n": n })).await.unwrap();
            assert_eq!(b.recv_json().await.unwrap()["offset"], json!(n));
            assert_eq!(b.recv_json().await.unwrap()["result"], json!(1));
            assert_eq!(a.recv_json().await.unwrap(), line("y", n, n, &epoch), "{mode:?}");
        }
        let (replayed, answer) =
            subscribe(&mut a, mode, 2, "y", json!({ "since": { "epoch": epoch, "offset": 1 } })).await;
        assert_eq!(replayed, vec![line("y", 2, 2, &epoch), line("y", 3, 3, &epoch)], "{mode:?}");
        assert_eq!(answer["recovered"], json!(true), "{mode:?}");
        assert_eq!(h.hub.subscriber_count("log:y"), 2);
        assert_silent(&mut a, QUIET, "after the replay").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_recovery_members_are_invalid_input_and_ignored_without_history() {
    for mode in MODES {
        let h = start().await;
        let mut a = connect(&h.server.url("/rooms"), mode).await;
        for (extra, path) in [
            (json!({ "since": { "epoch": "e", "offset": -1 } }), "since.offset"),
            (json!({ "since": "yesterday" }), "since"),
            (json!({ "recent": "all" }), "recent"),
        ] {
            let mut params = json!({ "log": "z" });
            params.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap());
            a.send_json(&request_keyed(mode, "subscribe", "log", id(mode, 1), Some(params))).await.unwrap();
            let frame = a.recv_json().await.unwrap();
            assert_eq!(frame["error"]["code"], json!("invalid_input"), "{mode:?}: {frame}");
            assert_eq!(frame["error"]["details"]["path"], json!(path), "{mode:?}: {frame}");
        }
        // A topic without history answers no position, whatever the frame asks.
        let params = json!({ "room": "one", "since": { "epoch": "e", "offset": 3 }, "recent": 5 });
        a.send_json(&request_keyed(mode, "subscribe", "room", id(mode, 2), Some(params))).await.unwrap();
        let frame = a.recv_json().await.unwrap();
        assert_eq!(frame, reply_keyed(mode, "subscribe", "room", id(mode, 2), Some(json!({ "topic": "room:one" }))));
    }
}
