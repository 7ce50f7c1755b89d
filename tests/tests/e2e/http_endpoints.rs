//! PROTOCOL.md section 1, the HTTP side: 404 `not_found` for an unknown path, 400
//! `invalid_opening_data` for opening data that does not deserialize (before any upgrade), 426
//! for a plain GET on a channel route, the health check, and subprotocol negotiation.

use crate::support::*;
use serde_json::{Value, json};
use wirechan::ServerConfig;
use wirechan::testing::{TestClient, TestError};

/// Checks `{"error":{"code":<code>,"message":"..."[,"details":..]}}` and returns the error.
fn assert_http_error<'v>(body: &'v Value, code: &str) -> &'v Value {
    let obj = body.as_object().unwrap_or_else(|| panic!("an object: {body}"));
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["error"], "{body}");
    let error = &body["error"];
    assert_eq!(error["code"], json!(code), "{body}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_get_404_not_found() {
    let h = start().await;
    for path in ["/nope", "/", "/proto", "/proto/a/b", "/fb/x", "/health-check/x"] {
        let res = http_get(h.server.addr(), path).await;
        assert_eq!(res.status, 404, "{path}: {res:?}");
        assert!(res.header("content-type").is_some_and(|v| v.starts_with("application/json")), "{res:?}");
        assert_http_error(&res.json(), "not_found");
    }
    // The same with a WebSocket handshake.
    for mode in MODES {
        let result = match mode {
            Mode::Flat => TestClient::connect(&h.server.url("/nope")).await,
            Mode::Envelope => TestClient::connect_envelope(&h.server.url("/nope")).await,
        };
        match result {
            Err(TestError::Refused { status, body }) => {
                assert_eq!(status, 404);
                let body: Value = serde_json::from_str(&body).unwrap();
                assert_http_error(&body, "not_found");
            }
            Err(e) => panic!("{mode:?}: expected an HTTP 404, got {e}"),
            Ok(_) => panic!("{mode:?}: expected an HTTP 404, the upgrade succeeded"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_opening_data_gets_400_invalid_opening_data_before_the_upgrade() {
    let h = start().await;
    for mode in MODES {
        let url = h.server.url("/proto/a?limit=abc");
        let result = match mode {
            Mode::Flat => TestClient::connect(&url).await,
            Mode::Envelope => TestClient::connect_envelope(&url).await,
        };
        match result {
            Err(TestError::Refused { status, body }) => {
                assert_eq!(status, 400, "{mode:?}");
                let body: Value = serde_json::from_str(&body).unwrap();
                let error = assert_http_error(&body, "invalid_opening_data");
                assert_eq!(error["details"]["path"], json!("limit"), "{body}");
                assert!(error["details"]["reason"].is_string(), "{body}");
            }
            Err(e) => panic!("{mode:?}: expected an HTTP 400, got {e}"),
            Ok(_) => panic!("{mode:?}: expected an HTTP 400, the upgrade succeeded"),
        }
    }
    // Raw: the same body, and no `on_connect` ever ran.
    for path in ["/proto/a?limit=abc", "/proto/a?limit=-1", "/proto/a?limit=99999999999", "/proto/a?room=b"] {
        let res = http_request(h.server.addr(), "GET", path, &UPGRADE_HEADERS).await;
        assert_eq!(res.status, 400, "{path}: {res:?}");
        assert_http_error(&res.json(), "invalid_opening_data");
    }
    assert_eq!(h.svc.connects.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_get_on_a_channel_route_gets_426() {
    let h = start().await;
    for path in ["/proto/a", "/fb", "/guarded"] {
        let res = http_get(h.server.addr(), path).await;
        assert_eq!(res.status, 426, "{path}: {res:?}");
        assert_eq!(res.header("upgrade").map(str::to_ascii_lowercase).as_deref(), Some("websocket"), "{res:?}");
        assert!(res.json()["error"]["code"].is_string(), "{res:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_1_0_upgrade_gets_400_instead_of_101() {
    let h = start().await;
    let res = http_request_as(h.server.addr(), "HTTP/1.0", "GET", "/proto/a", &UPGRADE_HEADERS).await;
    assert_eq!(res.status, 400, "{res:?}");
    let body = res.json();
    let error = assert_http_error(&body, "bad_request");
    assert_eq!(error["message"], json!("a WebSocket upgrade needs HTTP/1.1"));
    assert_eq!(h.svc.connects.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_answers_200_status_ok() {
    let h = start().await;
    let res = http_get(h.server.addr(), "/health-check").await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.json(), json!({ "status": "ok" }));
    assert!(res.header("content-type").is_some_and(|v| v.starts_with("application/json")), "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_path_is_configurable() {
    let h = start_app(|app| app.config(ServerConfig::default().health_path("/healthz"))).await;
    let res = http_get(h.server.addr(), "/healthz").await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.json(), json!({ "status": "ok" }));
    let res = http_get(h.server.addr(), "/health-check").await;
    assert_eq!(res.status, 404, "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_selects_envelope_mode_only_for_wirechan_v1() {
    let h = start().await;
    // RFC 6455's sample key and its accept value.
    let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    let res = http_request(h.server.addr(), "GET", "/proto/a", &UPGRADE_HEADERS).await;
    assert_eq!(res.status, 101, "{res:?}");
    assert_eq!(res.header("sec-websocket-accept"), Some(accept));
    assert_eq!(res.header("sec-websocket-protocol"), None, "flat mode: no subprotocol");

    let mut headers = UPGRADE_HEADERS.to_vec();
    headers.push(("Sec-WebSocket-Protocol", "chat.v9, wirechan.v1"));
    let res = http_request(h.server.addr(), "GET", "/proto/a", &headers).await;
    assert_eq!(res.status, 101, "{res:?}");
    assert_eq!(res.header("sec-websocket-protocol"), Some("wirechan.v1"));

    let mut headers = UPGRADE_HEADERS.to_vec();
    headers.push(("Sec-WebSocket-Protocol", "chat.v9"));
    let res = http_request(h.server.addr(), "GET", "/proto/a", &headers).await;
    assert_eq!(res.status, 101, "{res:?}");
    assert_eq!(res.header("sec-websocket-protocol"), None, "an unknown subprotocol is not selected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_served_on_get_beside_the_channels() {
    let page = "<!doctype html><title>chat</title>";
    let app = wirechan::App::new(()).asset("/", "text/html; charset=utf-8", page);
    let server = wirechan::testing::TestServer::start(app).await.unwrap();
    let res = http_get(server.addr(), "/").await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(res.body, page);
    assert_eq!(http_get(server.addr(), "/other").await.status, 404);
}
