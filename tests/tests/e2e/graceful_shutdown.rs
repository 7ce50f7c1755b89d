//! PROTOCOL.md section 6: a graceful shutdown closes every connection with 1001 and runs every
//! `on_disconnect` before it returns.

use std::sync::atomic::Ordering;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_sends_1001_to_every_client_and_runs_every_on_disconnect() {
    let h = start().await;
    let (svc, hub) = (h.svc.clone(), h.hub.clone());
    let mut clients = Vec::new();
    let mut ids = Vec::new();
    for (i, mode) in [Mode::Flat, Mode::Envelope, Mode::Flat, Mode::Envelope].into_iter().enumerate() {
        let mut c = open_proto(&h, &format!("room{}", i % 2), mode).await;
        ids.push(connection_id_of(&mut c, mode).await);
        clients.push(c);
    }
    // A connection of another channel.
    let mut fb = connect(&h.server.url("/fb"), Mode::Envelope).await;
    // A connection in the middle of a long call.
    let mut waiting = open_proto(&h, "room0", Mode::Envelope).await;
    ids.push(connection_id_of(&mut waiting, Mode::Envelope).await);
    waiting.send_text(r#"{"action":"wait","id":1}"#).await.unwrap();

    let shutdown = tokio::spawn(h.server.shutdown());
    for c in clients.iter_mut().chain([&mut fb, &mut waiting]) {
        let (code, _reason) = c.recv_close().await.expect("a close frame");
        assert_eq!(code, Some(1001));
    }
    shutdown.await.expect("the shutdown task").expect("a clean shutdown");

    // `on_disconnect` ran for every `proto` connection before `shutdown` returned.
    assert_eq!(svc.disconnects.load(Ordering::SeqCst), ids.len());
    let mut seen = svc.disconnected.lock().unwrap().clone();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    assert_eq!(hub.subscriber_count("room:room0"), 0);
    assert_eq!(hub.subscriber_count("room:room1"), 0);
    assert_eq!(hub.subscriber_count("channel:proto"), 0);
}
