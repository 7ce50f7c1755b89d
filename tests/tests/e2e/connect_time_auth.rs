//! PROTOCOL.md section 1: the connect-time authenticate hook may start the connection with a
//! session, or refuse it: the upgrade completes, then the server closes at once with the hook's
//! code (4000-4999, default 4001) and reason.

use crate::support::*;
use serde_json::json;
use wirechan::{App, ConnectRefusal, SessionValue, UpgradeRequest};

/// The hook: `guarded` needs `?token=good` (or is refused); `proto` and `fb` pass through.
fn with_hook(app: App<Svc>) -> App<Svc> {
    app.authenticate(|req: UpgradeRequest| async move {
        if req.channel != "guarded" {
            return Ok(None);
        }
        let query = req.head.uri.query().unwrap_or_default().to_owned();
        match query.as_str() {
            "token=good" => Ok(Some(SessionValue::new(User { name: "hook-user".to_owned() }))),
            "token=banned" => Err(ConnectRefusal::with_code(4403, "banned")),
            "token=odd-code" => Err(ConnectRefusal::with_code(1000, "not an application code")),
            _ => Err(ConnectRefusal::unauthorized("missing or bad token")),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_connection_starts_with_the_hooks_session() {
    let h = start_app(with_hook).await;
    for mode in MODES {
        let mut c = connect(&h.server.url("/guarded?token=good"), mode).await;
        assert_eq!(c.recv_json().await.unwrap(), connect_frame(mode, json!({ "user": "hook-user" })));
        let id = (mode == Mode::Envelope).then(|| json!("me"));
        c.send_json(&request(mode, "me", id.clone(), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "me", id, Some(json!("hook-user"))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_upgraded_then_closed_with_4001_and_the_reason() {
    let h = start_app(with_hook).await;
    for path in ["/guarded", "/guarded?token=bad"] {
        for mode in MODES {
            // The upgrade succeeds (a browser could not read an HTTP error body)...
            let mut c = connect(&h.server.url(path), mode).await;
            // ...and the first thing the client gets is the close frame.
            assert_eq!(expect_close(&mut c).await, (Some(4001), "missing or bad token".to_owned()), "{mode:?} {path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_may_carry_its_own_4xxx_code() {
    let h = start_app(with_hook).await;
    for mode in MODES {
        let mut c = connect(&h.server.url("/guarded?token=banned"), mode).await;
        assert_eq!(expect_close(&mut c).await, (Some(4403), "banned".to_owned()), "{mode:?}");
        // A code outside 4000-4999 becomes 4001.
        let mut c = connect(&h.server.url("/guarded?token=odd-code"), mode).await;
        assert_eq!(expect_close(&mut c).await, (Some(4001), "not an application code".to_owned()), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_the_hook_lets_through_work_as_usual() {
    let h = start_app(with_hook).await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        assert_still_answers(&mut c, mode).await;
        let id = (mode == Mode::Envelope).then(|| json!(1));
        c.send_json(&request(mode, "secret", id.clone(), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "secret")), id.as_ref(), "unauthorized");
    }
}
