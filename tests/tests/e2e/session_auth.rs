//! The in-band auth flow: an action that needs a session is refused with `unauthorized` until an
//! `authenticate`-style action (`login`, `auth: false`) sets the session; clearing it refuses
//! again. Sessions belong to one connection. A session set with an expiry refuses with
//! `session_expired` once it passes, until the client signs in again on the same socket.

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_then_login_then_authorized_then_logout_then_unauthorized() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));

        c.send_json(&request(mode, "secret", id(1), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        let error = assert_error_frame(&got, Some(("action", "secret")), id(1).as_ref(), "unauthorized");
        assert!(error.get("details").is_none());

        c.send_json(&request(mode, "me", id(2), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "me")), id(2).as_ref(), "unauthorized");

        c.send_json(&request(mode, "login", id(3), Some(json!({ "user": "ann" })))).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "login", id(3), Some(json!({ "user": "ann" }))));

        c.send_json(&request(mode, "secret", id(4), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "secret", id(4), Some(json!("for ann"))));
        c.send_json(&request(mode, "me", id(5), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "me", id(5), Some(json!({ "user": "ann" }))));

        // Signing in again replaces the session.
        c.send_json(&request(mode, "login", id(6), Some(json!({ "user": "bob" })))).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "login", id(6), Some(json!({ "user": "bob" }))));
        c.send_json(&request(mode, "secret", id(7), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "secret", id(7), Some(json!("for bob"))));

        c.send_json(&request(mode, "logout", id(8), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "logout", id(8), None));

        c.send_json(&request(mode, "secret", id(9), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "secret")), id(9).as_ref(), "unauthorized");
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_belongs_to_its_connection() {
    let h = start().await;
    let mut signed_in = open_proto(&h, "r", Mode::Flat).await;
    let mut other = open_proto(&h, "r", Mode::Envelope).await;
    signed_in.send_json(&json!({ "action": "login", "user": "ann" })).await.unwrap();
    assert_eq!(signed_in.recv_json().await.unwrap(), json!({ "action": "login", "user": "ann" }));

    other.send_json(&json!({ "action": "secret", "id": 1 })).await.unwrap();
    let got = other.recv_json().await.unwrap();
    assert_error_frame(&got, Some(("action", "secret")), Some(&json!(1)), "unauthorized");

    signed_in.send_json(&json!({ "action": "secret" })).await.unwrap();
    assert_eq!(signed_in.recv_json().await.unwrap(), json!({ "action": "secret", "result": "for ann" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_auth_defaults_to_true_and_a_function_may_opt_out() {
    let h = start().await;
    for mode in MODES {
        let mut c = connect(&h.server.url("/guarded"), mode).await;
        assert_eq!(c.recv_json().await.unwrap(), connect_frame(mode, json!({ "user": null })));
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));

        c.send_json(&request(mode, "me", id(1), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "me")), id(1).as_ref(), "unauthorized");

        c.send_json(&request(mode, "open", id(2), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "open", id(2), Some(json!("open"))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_refused_until_it_is_renewed_on_the_same_socket() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));
        let login = |n: u32| request(mode, "login", id(n), Some(json!({ "user": "ann", "ttl_ms": 300 })));

        c.send_json(&login(1)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "login", id(1), Some(json!({ "user": "ann" }))));
        c.send_json(&request(mode, "secret", id(2), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "secret", id(2), Some(json!("for ann"))));

        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        for n in [3, 4] {
            c.send_json(&request(mode, "secret", id(n), None)).await.unwrap();
            let got = c.recv_json().await.unwrap();
            let error = assert_error_frame(&got, Some(("action", "secret")), id(n).as_ref(), "session_expired");
            assert_eq!(error["message"], json!("the session has expired: authenticate again"));
        }
        // The same for a function that asks for a session itself (`auth = true`).
        c.send_json(&request(mode, "me", id(5), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "me")), id(5).as_ref(), "session_expired");

        // Signing in again on the same socket renews it.
        c.send_json(&login(6)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "login", id(6), Some(json!({ "user": "ann" }))));
        c.send_json(&request(mode, "secret", id(7), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "secret", id(7), Some(json!("for ann"))));
    }
}
