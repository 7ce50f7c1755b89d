//! A raw echo channel at `/` for the Autobahn testsuite's fuzzingclient (`scripts/autobahn/run`).
//! The channel is a `wire_channel!` channel made a raw echo (`Channel::raw_echo`), so the suite
//! exercises the runtime's own transport: hyper handshake, the connection task's reading,
//! writing, close handshake and close codes. Only routing is skipped.
//!
//! `autobahn-echo [ADDR] [--compression]` serves on `ADDR` (default `127.0.0.1:9001`)
//! until SIGINT or SIGTERM; `--compression` turns on permessage-deflate with its defaults
//! (sections 12 and 13 of the suite).

use wirechan::prelude::*;
use wirechan::{Compression, ServerConfig};

wire_channel! {
    name: "echo",
    route: "/",
}

#[tokio::main]
async fn main() -> Result<(), wirechan::ServeError> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    // Section 9 of the suite sends messages of up to 16 MiB; every other setting is the default.
    let mut config = ServerConfig::default().max_message_size(32 << 20);
    if std::env::args().skip(2).any(|arg| arg == "--compression") {
        config = config.compression(Compression::new());
    }
    App::new(()).config(config).channel(wirechan::testing::raw_echo(echo::channel())).serve(addr.as_str()).await
}
