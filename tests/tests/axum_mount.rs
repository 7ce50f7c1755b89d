//! The channels mounted in an axum app (feature `axum`): one port serves ordinary HTTP routes and
//! the channels, the app's tower layers run on the upgrade request (a tower-http `TraceLayer`
//! that records what it saw, and an auth layer that refuses `/vault` without a key), the app's
//! state is the channels' services, and the connection limits and shutdown drain still apply.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use http::{StatusCode, header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower_http::trace::TraceLayer;
use wirechan::prelude::*;
use wirechan::testing::{TestClient, TestError};
use wirechan::{ServerConfig, SessionValue, ShutdownHandle, UpgradeRequest, codes};

/// Shared by the HTTP routes (as axum state) and the channel functions (as services).
#[derive(Default)]
pub struct Svc {
    hits: AtomicUsize,
    disconnects: AtomicUsize,
}

/// Opening data of `rooms`: the room from the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Room {
    pub room: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct HelloIn {
    pub name: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Greeting {
    pub greeting: String,
}

/// The user the auth layer puts in the request's extensions, and the hook into the session.
#[derive(Debug, Clone)]
pub struct ApiUser(String);

/// Greets by name, in the room of the path.
#[channel_func]
pub async fn hello(ctx: Ctx<Room, Svc>, input: HelloIn) -> Greeting {
    Greeting { greeting: format!("hello {} in {}", input.name, ctx.opening_data().room) }
}

/// Counts a hit in the services that the HTTP routes also see.
#[channel_func]
pub async fn hit(ctx: Ctx<Room, Svc>) -> usize {
    ctx.services().hits.fetch_add(1, Ordering::SeqCst) + 1
}

/// Counts departures, to see the shutdown drain run `on_disconnect`.
#[channel_func]
pub async fn left(ctx: Ctx<Room, Svc>) {
    ctx.services().disconnects.fetch_add(1, Ordering::SeqCst);
}

/// The user of the session, which the authenticate hook took from the auth layer.
#[channel_func]
pub async fn whoami(ctx: Ctx<(), Svc>) -> Result<String, ChannelError> {
    let user = ctx.session().get::<ApiUser>().ok_or_else(|| ChannelError::new(codes::UNAUTHORIZED, "no user"))?;
    Ok(user.0.clone())
}

wire_channel! {
    name: "rooms",
    route: "/rooms/:room",
    auth: false,
    opening_data: Room,
    on_disconnect: left,
    on_message_wiring: {
        action: {
            hello: hello,
            hit: hit,
        },
    },
}

wire_channel! {
    name: "vault",
    route: "/vault",
    on_message_wiring: {
        action: {
            whoami: whoami,
        },
    },
}

bootstrap! { rooms, vault }

/// What the trace layer saw: each request's path and `Upgrade` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// The auth layer: `/vault` needs `x-api-key: open-sesame` (401 otherwise), and the user it
/// names goes on in the request's extensions.
async fn require_key(mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/vault") {
        if req.headers().get("x-api-key").map(|v| v.as_bytes()) != Some(b"open-sesame".as_slice()) {
            return (StatusCode::UNAUTHORIZED, "missing api key").into_response();
        }
        req.extensions_mut().insert(ApiUser("alice".to_owned()));
    }
    next.run(req).await
}

async fn hits(State(svc): State<Arc<Svc>>) -> String {
    svc.hits.load(Ordering::SeqCst).to_string()
}

async fn add_hit(State(svc): State<Arc<Svc>>) -> String {
    (svc.hits.fetch_add(1, Ordering::SeqCst) + 1).to_string()
}

/// An axum app on a free loopback port: `/api/*` routes, the channels, and both layers.
struct Served {
    addr: SocketAddr,
    seen: Seen,
    svc: Arc<Svc>,
    shutdown: ShutdownHandle,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Served {
    fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// One HTTP/1.1 request on its own connection: the status and the body.
    async fn http(&self, method: &str, path: &str) -> (u16, String) {
        let mut tcp = TcpStream::connect(self.addr).await.unwrap();
        let head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        tcp.write_all(head.as_bytes()).await.unwrap();
        let mut raw = String::new();
        tcp.read_to_string(&mut raw).await.unwrap();
        let status = raw.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }
}

async fn serve(config: ServerConfig) -> Served {
    let app = App::new(Svc::default()).channels(bootstrap::channels()).config(config).authenticate(
        |req: UpgradeRequest| async move { Ok(req.head.extensions.get::<ApiUser>().cloned().map(SessionValue::new)) },
    );
    let channels = app.into_service().unwrap();
    let shutdown = channels.shutdown_handle();
    let svc = channels.services();
    let seen = Seen::default();
    let recorder = seen.clone();
    let router = Router::new()
        .route("/api/hello", get(|| async { "hello from axum" }))
        .route("/api/hits", get(hits).post(add_hit))
        .merge(channels.into_router())
        .with_state(svc.clone())
        .layer(middleware::from_fn(require_key))
        .layer(TraceLayer::new_for_http().on_request(
            move |req: &http::Request<axum::body::Body>, _: &tracing::Span| {
                let upgrade = req.headers().get(header::UPGRADE).and_then(|v| v.to_str().ok()).map(str::to_owned);
                recorder.lock().unwrap().push((req.uri().path().to_owned(), upgrade));
            },
        ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Served { addr, seen, svc, shutdown, stop: Some(stop) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_port_serves_an_http_route_and_the_channels_in_both_modes_behind_the_layers() {
    let s = serve(ServerConfig::default()).await;
    assert_eq!(s.http("GET", "/api/hello").await, (200, "hello from axum".to_owned()));

    let mut flat = TestClient::connect(&s.ws("/rooms/lobby")).await.unwrap();
    let reply = flat.call_json("action", "hello", json!({ "name": "Ann" })).await.unwrap();
    assert_eq!(reply, json!({ "action": "hello", "greeting": "hello Ann in lobby" }));

    let mut envelope = TestClient::connect_envelope(&s.ws("/rooms/deck")).await.unwrap();
    let reply = envelope.call_json("action", "hello", json!({ "name": "Bo" })).await.unwrap();
    assert_eq!(reply["data"], json!({ "greeting": "hello Bo in deck" }));
    assert!(reply["id"].is_u64(), "an envelope reply carries the call's id: {reply}");

    // The tower-http layer ran on the plain request and on both upgrade requests.
    let seen = s.seen.lock().unwrap().clone();
    assert!(seen.contains(&("/api/hello".to_owned(), None)), "{seen:?}");
    assert!(seen.contains(&("/rooms/lobby".to_owned(), Some("websocket".to_owned()))), "{seen:?}");
    assert!(seen.contains(&("/rooms/deck".to_owned(), Some("websocket".to_owned()))), "{seen:?}");

    // Paths that are neither the app's nor a channel's stay the app's (axum's empty 404), while
    // the channel's own answers (426 on a plain GET) and the health check are wirechan's.
    assert_eq!(s.http("GET", "/nowhere").await, (404, String::new()));
    let (status, body) = s.http("GET", "/rooms/lobby").await;
    assert_eq!(status, 426);
    assert!(body.contains("upgrade_required"), "{body}");
    assert_eq!(s.http("GET", "/health-check").await, (200, r#"{"status":"ok"}"#.to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auth_layer_refuses_an_upgrade_without_its_header_and_its_user_reaches_the_session() {
    let s = serve(ServerConfig::default()).await;
    match TestClient::connect(&s.ws("/vault")).await {
        Err(TestError::Refused { status, body }) => assert_eq!((status, body.as_str()), (401, "missing api key")),
        Err(e) => panic!("expected the layer's 401, got {e}"),
        Ok(_) => panic!("expected the layer's 401, the upgrade went through"),
    }

    let mut request = s.ws("/vault").into_client_request().unwrap();
    request.headers_mut().insert("x-api-key", http::HeaderValue::from_static("open-sesame"));
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    ws.send(Message::text(r#"{"action":"whoami"}"#)).await.unwrap();
    let reply = loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(text) => break serde_json::from_str::<Value>(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    };
    // `vault` needs a session: the hook made it from what the layer put in the extensions.
    assert_eq!(reply, json!({ "action": "whoami", "result": "alice" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_routes_and_the_channel_functions_share_the_state() {
    let s = serve(ServerConfig::default()).await;
    assert_eq!(s.http("POST", "/api/hits").await, (200, "1".to_owned()));
    let mut c = TestClient::connect(&s.ws("/rooms/r")).await.unwrap();
    let reply = c.call_json("action", "hit", Value::Null).await.unwrap();
    assert_eq!(reply, json!({ "action": "hit", "result": 2 }));
    assert_eq!(s.http("GET", "/api/hits").await, (200, "2".to_owned()));
    assert_eq!(s.svc.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_counts_by_the_peer_address_from_connect_info() {
    let s = serve(ServerConfig::default().max_connections_per_ip(1)).await;
    let mut first = TestClient::connect(&s.ws("/rooms/a")).await.unwrap();
    match TestClient::connect(&s.ws("/rooms/a")).await {
        Err(TestError::Refused { status, body }) => {
            assert_eq!(status, 429);
            assert!(body.contains("too_many_connections"), "{body}");
        }
        Err(e) => panic!("expected 429, got {e}"),
        Ok(_) => panic!("expected 429, the second upgrade went through"),
    }
    // Plain HTTP routes are the app's: the limit does not count them.
    assert_eq!(s.http("GET", "/api/hello").await.0, 200);
    let reply = first.call_json("action", "hit", Value::Null).await.unwrap();
    assert_eq!(reply["result"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shutdown_handle_closes_connections_with_1001_and_refuses_new_upgrades() {
    let s = serve(ServerConfig::default()).await;
    let mut c = TestClient::connect(&s.ws("/rooms/r")).await.unwrap();
    c.call_json("action", "hit", Value::Null).await.unwrap();

    s.shutdown.shutdown().await;
    assert!(s.shutdown.is_shutting_down());
    assert_eq!(c.recv_close().await.unwrap().0, Some(1001));
    // `shutdown` returns once the connection has ended, its `on_disconnect` included.
    assert_eq!(s.svc.disconnects.load(Ordering::SeqCst), 1);

    match TestClient::connect(&s.ws("/rooms/r")).await {
        Err(TestError::Refused { status, body }) => {
            assert_eq!(status, 503);
            assert!(body.contains("shutting_down"), "{body}");
        }
        Err(e) => panic!("expected 503, got {e}"),
        Ok(_) => panic!("expected 503, the upgrade went through"),
    }
    // The rest of the app is the app's to stop.
    assert_eq!(s.http("GET", "/api/hello").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_a_fallback_service_the_channels_answer_every_path_the_app_does_not_route() {
    let channels = App::new(Svc::default()).channels(bootstrap::channels()).into_service().unwrap();
    let shutdown = channels.shutdown_handle();
    let router = Router::new().route("/api/hello", get(|| async { "hello from axum" })).fallback_service(channels);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    let s = Served { addr, seen: Seen::default(), svc: Arc::default(), shutdown, stop: Some(stop) };
    assert_eq!(s.http("GET", "/api/hello").await, (200, "hello from axum".to_owned()));
    let mut c = TestClient::connect(&s.ws("/rooms/side")).await.unwrap();
    let reply = c.call_json("action", "hello", json!({ "name": "Cy" })).await.unwrap();
    assert_eq!(reply["greeting"], "hello Cy in side");
    // Served without `ConnectInfo`: the upgrade still works, and unknown paths get wirechan's 404.
    let (status, body) = s.http("GET", "/nowhere").await;
    assert_eq!(status, 404);
    assert!(body.contains("not_found"), "{body}");
}
