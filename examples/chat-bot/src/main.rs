//! `cargo run -p example-chat-bot`: the bot of `src/lib.rs` against a running chat example.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let url = std::env::var("CHAT_URL").unwrap_or_else(|_| "ws://127.0.0.1:3000".to_owned());
    let room = std::env::var("ROOM").unwrap_or_else(|_| "general".to_owned());
    let secret = std::env::var("CHAT_JWT_SECRET").unwrap_or_else(|_| example_chat::DEV_SECRET.to_owned());
    let answered = example_chat_bot::run(&url, &room, &secret).await?;
    tracing::info!(answered, "the bot stopped");
    Ok(())
}
