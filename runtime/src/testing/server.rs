//! A server on a free loopback port, shut down gracefully on request.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::TestError;
use crate::error::ServeError;
use crate::server::App;

/// An [`App`] served on `127.0.0.1` at a free port.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl TestServer {
    /// Starts serving `app`.
    pub async fn start<S: Send + Sync + 'static>(app: App<S>) -> Result<Self, TestError> {
        Self::start_at(app, "127.0.0.1:0").await
    }

    /// Starts serving `app` at `addr` (e.g. the address of a server that was shut down, to
    /// restart it where its clients reconnect).
    pub async fn start_at<S: Send + Sync + 'static>(app: App<S>, addr: &str) -> Result<Self, TestError> {
        let listener = crate::server::listener::bind(addr, app.config.listen_backlog)
            .await
            .map_err(|source| ServeError::Bind { addr: addr.to_owned(), source })?;
        let addr = listener.local_addr().map_err(ServeError::Accept)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.serve_with_shutdown(listener, async move {
            let _ = stopped.await;
        }));
        Ok(Self { addr, stop: Some(stop), task })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://<addr><path_and_query>`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}", self.addr, path_and_query)
    }

    /// A typed client ([`crate::client::Client`], envelope mode) of the channel at `path_and_query`.
    pub async fn client(&self, path_and_query: &str) -> Result<crate::client::Client, crate::client::ClientError> {
        crate::client::Client::builder(self.url(path_and_query)).connect().await
    }

    /// `http://<addr><path>`.
    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Shuts down gracefully (every connection gets 1001 and its `on_disconnect` runs) and waits.
    pub async fn shutdown(mut self) -> Result<(), TestError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => Ok(result?),
            Err(e) => Err(TestError::Unexpected(format!("server task failed: {e}"))),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
