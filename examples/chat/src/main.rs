//! The chat example server.
//!
//! Run with: `cargo run -p example-chat`, then open <http://127.0.0.1:3000/> (the chat page), or
//! e.g. `wscat -c 'ws://127.0.0.1:3000/chat?room=general'`.
//! Environment: `HOST` (127.0.0.1), `PORT` (3000), `CHAT_JWT_SECRET` (`dev-secret`).
//! `WIRECHAN_HUB` (unset: in memory; `redis://127.0.0.1:6379` shares rooms with every process
//! started with the same URL, see the README's "Scale-out with Redis").
//! `CHAT_METRICS_PATH` (`/metrics`): where Prometheus metrics are served on the same port; empty
//! serves none (see the README's "Metrics"). `CHAT_DEMO_TOKEN_TTL` (3600): the lifetime, in
//! seconds, of the tokens `/demo-token` hands out with the built-in secret (the page renews its
//! session with a fresh one before each expires).

mod web;

use std::time::Duration;

use example_chat::{JwtKeys, METRICS_PATH, app, demo_token, with_metrics};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,wirechan=info".into()),
        )
        .init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let configured_secret = std::env::var("CHAT_JWT_SECRET").ok();
    let secret = configured_secret.clone().unwrap_or_else(|| example_chat::DEV_SECRET.to_owned());
    let addr = format!("{host}:{port}");
    let token = demo_token(&JwtKeys::new(&secret), Duration::from_secs(24 * 3600));
    let demo_ttl = match std::env::var("CHAT_DEMO_TOKEN_TTL") {
        Ok(ttl) => Duration::from_secs(ttl.trim().parse().map_err(|e| anyhow::anyhow!("CHAT_DEMO_TOKEN_TTL: {e}"))?),
        Err(_) => Duration::from_secs(3600),
    };
    println!("chat: ws://{addr}/chat?room=general");
    println!("page: http://{addr}/");
    println!("demo token: {token}");
    // Handing a signed token to whoever asks is only right with the built-in development secret;
    // with a configured one, `/demo-token` is not served.
    let page_tokens = configured_secret.is_none().then(|| (JwtKeys::new(&secret), demo_ttl));
    let metrics_path = std::env::var("CHAT_METRICS_PATH").unwrap_or_else(|_| METRICS_PATH.to_owned());
    let mut app = app(&secret).hub_from_env()?;
    if !metrics_path.is_empty() {
        // Installed before the server starts: wirechan binds its metric handles then.
        app = with_metrics(app, &metrics_path)?;
        println!("metrics: http://{addr}{metrics_path}");
    }
    web::with_page(app, page_tokens).serve(addr).await?;
    Ok(())
}
