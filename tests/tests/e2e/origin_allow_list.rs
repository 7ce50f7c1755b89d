//! PROTOCOL.md section 8: with an `Origin` allow-list, a browser upgrade from another origin
//! (cross-site WebSocket hijacking) is refused with 403 `forbidden_origin` and a JSON body; an
//! allowed origin opens; a request without `Origin` (not a browser) opens unless the server
//! requires one. Without a list, every origin opens.

use serde_json::json;
use wirechan::ServerConfig;

use crate::raw_ws::UPGRADE_HEADERS;
use crate::support::*;

async fn upgrade_from(h: &Harness, origin: Option<&str>) -> HttpResponse {
    let mut headers = UPGRADE_HEADERS.to_vec();
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    http_request(h.server.addr(), "GET", "/proto/lobby", &headers).await
}

fn assert_forbidden(res: &HttpResponse) {
    assert_eq!(res.status, 403, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/json"), "{res:?}");
    let body = res.json();
    assert_eq!(body["error"]["code"], json!("forbidden_origin"), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_upgrade_is_refused_with_403() {
    let config = ServerConfig::default().allowed_origins(["https://app.example.com", "http://localhost:3000"]);
    let h = start_app(|app| app.config(config)).await;
    for evil in ["https://evil.example", "https://app.example.com.evil.example", "null", "http://app.example.com"] {
        assert_forbidden(&upgrade_from(&h, Some(evil)).await);
    }
    for allowed in ["https://app.example.com", "https://APP.example.com", "http://localhost:3000"] {
        assert_eq!(upgrade_from(&h, Some(allowed)).await.status, 101, "{allowed}");
    }
    // No `Origin`: not a browser, allowed by default (the test client sends none).
    assert_eq!(upgrade_from(&h, None).await.status, 101);
    let mut c = open_proto(&h, "lobby", Mode::Envelope).await;
    assert_still_answers(&mut c, Mode::Envelope).await;
    // The refusal happens before anything runs: only the five opened connections ran `on_connect`.
    // Each one runs it in its own task after the 101, so wait for them before counting.
    let connects = || h.svc.connects.load(std::sync::atomic::Ordering::SeqCst);
    wait_until("the opened connections ran on_connect", || connects() >= 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(connects(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_requires_an_origin_refuses_requests_without_one() {
    let config = ServerConfig::default().allowed_origins(["https://app.example.com"]).require_origin(true);
    let h = start_app(|app| app.config(config)).await;
    assert_forbidden(&upgrade_from(&h, None).await);
    assert_eq!(upgrade_from(&h, Some("https://app.example.com")).await.status, 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_allow_list_every_origin_opens() {
    let h = start().await;
    assert_eq!(upgrade_from(&h, Some("https://anywhere.example")).await.status, 101);
}
