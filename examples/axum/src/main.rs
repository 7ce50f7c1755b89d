//! The chat example's channels mounted in an axum app: one port serves an ordinary HTTP route
//! (`GET /api/hello`), a route that shares the channels' services as its state
//! (`GET /api/token`, a token the chat channel accepts), and the `chat` channel, all behind a
//! tower-http `TraceLayer` that also sees the WebSocket upgrade requests.
//!
//! Run with: `cargo run -p example-axum`, then e.g. `curl http://127.0.0.1:3000/api/hello` and
//! `wscat -c 'ws://127.0.0.1:3000/chat?room=general'`.
//! Environment: `HOST` (127.0.0.1), `PORT` (3000), `CHAT_JWT_SECRET` (`dev-secret`; with one
//! set, `/api/token` is not served), `RUST_LOG` (`info,tower_http=debug`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use example_chat::{Services, demo_token};
use tower_http::trace::TraceLayer;

async fn hello() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "hello": "from axum", "channels": ["/chat"] }))
}

/// Signs with the very keys the chat channel verifies with: the state is the channels' services.
async fn token(State(services): State<Arc<Services>>) -> String {
    demo_token(&services.jwt, std::time::Duration::from_secs(3600))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=debug".into()),
        )
        .init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let configured_secret = std::env::var("CHAT_JWT_SECRET").ok();
    let secret = configured_secret.clone().unwrap_or_else(|| "dev-secret".to_owned());

    let channels = example_chat::app(&secret).into_service()?;
    let shutdown = channels.shutdown_handle();
    let mut api = Router::new().route("/api/hello", get(hello));
    // Handing a signed token to whoever asks is only right with the built-in development secret.
    if configured_secret.is_none() {
        api = api.route("/api/token", get(token));
    }
    let app =
        api.merge(channels.clone().into_router()).with_state(channels.services()).layer(TraceLayer::new_for_http());

    let addr = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("http: http://{addr}/api/hello");
    println!("chat: ws://{addr}/chat?room=general");
    // `ConnectInfo` gives the authenticate hook and the per-address limit the peer's address.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // axum's graceful shutdown does not see upgraded connections: close them with 1001 and wait
    // for every `on_disconnect`.
    shutdown.shutdown().await;
    Ok(())
}
