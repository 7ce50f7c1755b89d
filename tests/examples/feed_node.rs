//! A server process of the history chaos tests: the `feed` channel on `PORT`, with the hub
//! `WIRECHAN_HUB` names and outbound queues of `FEED_OUTBOUND_QUEUE` frames (default 256).
//! Prints `listening` once it accepts connections.

#[allow(dead_code)]
#[path = "../tests/scaleout/support/feed.rs"]
mod feed;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::var("PORT")?;
    let queue = std::env::var("FEED_OUTBOUND_QUEUE").map_or(Ok(256), |q| q.parse::<usize>())?;
    let config = wirechan::ServerConfig::default().outbound_queue(queue);
    let app = wirechan::App::new(()).config(config).channel(feed::feed::channel()).hub_from_env()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>()?)).await?;
    println!("listening");
    app.serve_with_shutdown(listener, std::future::pending::<()>()).await?;
    Ok(())
}
