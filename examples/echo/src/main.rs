//! The echo benchmark server.
//!
//! Run with: `cargo run --release -p example-echo`, then e.g.
//! `websocat ws://127.0.0.1:3000/echo` and `{"action":"echo","hello":"world"}`.
//! Environment: `HOST` (127.0.0.1), `PORT` (3000), `RUST_LOG` (warn), `WIRECHAN_HUB` (unset: in
//! memory; a `redis://` URL shares rooms with every process started with the same URL),
//! `ECHO_COMPRESSION` (`1`: permessage-deflate, with the defaults, for the clients that offer it).

use wirechan::{Compression, ServerConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let addr = format!("{host}:{port}");
    println!("echo: ws://{addr}/echo");
    let mut app = example_echo::app().hub_from_env()?;
    if std::env::var("ECHO_COMPRESSION").is_ok_and(|v| v == "1") {
        app = app.config(ServerConfig::default().compression(Compression::new()));
    }
    app.serve(addr).await?;
    Ok(())
}
