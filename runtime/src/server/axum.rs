//! Mounting the channels in an axum app (feature `axum`): [`App::into_service`] turns the app
//! into a [`ChannelService`], a tower service that answers the channel routes (and the health
//! check and assets) inside an existing `axum::Router`, on its listener and behind its layers.
//!
//! The request takes the same path as in the standalone server (`http_service::route`); what
//! differs is only what the accept loop did there: the connection permit is taken per request
//! (from `ConnectInfo`, when the app is served with it), and shutdown is the user's call through
//! a [`ShutdownHandle`], since axum's own graceful shutdown does not see upgraded connections.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use ::axum::Router;
use ::axum::body::Body;
use ::axum::extract::ConnectInfo;
use http::{HeaderValue, Request, Response, StatusCode, header};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::app::{App, Shared};
use super::http_service;
use super::responses;
use crate::error::{ChannelError, ServeError};

/// The address the authenticate hook sees when the axum app is not served with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
const UNKNOWN_PEER: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

impl<S: Send + Sync + 'static> App<S> {
    /// Turns the app into a tower service to mount in an axum app (feature `axum`), beside
    /// ordinary HTTP routes and behind the router's layers:
    ///
    /// ```no_run
    /// # async fn run(app: wirechan::App<()>) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::net::SocketAddr;
    /// let channels = app.into_service()?;
    /// let shutdown = channels.shutdown_handle();
    /// let router = axum::Router::new()
    ///     .route("/api/hello", axum::routing::get(|| async { "hello" }))
    ///     .merge(channels.into_router());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// // `ConnectInfo` gives the authenticate hook and the per-address limit the peer's address.
    /// axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
    ///     .with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; })
    ///     .await?;
    /// // axum's shutdown does not see upgraded connections: close them with 1001 and drain.
    /// shutdown.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// Fails like [`App::serve`] when two channels share a name or a route.
    pub fn into_service(self) -> Result<ChannelService<S>, ServeError> {
        let shared = Arc::new(self.into_shared()?);
        tracing::info!(channels = shared.channels.len(), "channels mounted as a tower service");
        Ok(ChannelService { shared, warned_no_peer: Arc::new(AtomicBool::new(false)) })
    }
}

/// The channels of an [`App`] as a `tower::Service` (feature `axum`). Mount it with
/// [`ChannelService::into_router`] (one route per channel, plus the health check and assets)
/// or as a router's `fallback_service`. It takes requests with any body type (it never reads
/// the body) and upgrades them through hyper's `OnUpgrade` extension, which `axum::serve` and
/// hyper's HTTP/1 server with upgrades provide.
pub struct ChannelService<S> {
    shared: Arc<Shared<S>>,
    warned_no_peer: Arc<AtomicBool>,
}

impl<S> std::fmt::Debug for ChannelService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelService").field("channels", &self.shared.channels).finish_non_exhaustive()
    }
}

impl<S> Clone for ChannelService<S> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), warned_no_peer: self.warned_no_peer.clone() }
    }
}

impl<S: Send + Sync + 'static> ChannelService<S> {
    /// The services the channel functions see, e.g. to hand the very same `Arc` to axum
    /// handlers as their state (`Router::with_state(channels.services())`).
    pub fn services(&self) -> Arc<S> {
        self.shared.services.clone()
    }

    /// The handle that closes the channel connections when the axum app shuts down.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            token: self.shared.shutdown.clone(),
            tracker: self.shared.tracker.clone(),
            wait: self.shared.config.drain_timeout + self.shared.config.shutdown_timeout,
        }
    }

    /// A router with this service on every channel route (`:param` segments become axum
    /// captures; a trailing slash is served too, as standalone), the health check path and
    /// every asset path; merge it into the app's router (`Router::merge`) before `with_state`.
    /// Other paths stay the app's. axum panics on routes it cannot hold: a channel route with a
    /// literal segment that starts with `*`, or a path the app's router also routes; mount the
    /// service with `Router::fallback_service` instead in such cases.
    pub fn into_router<T: Clone + Send + Sync + 'static>(self) -> Router<T> {
        let mut paths: Vec<String> = Vec::new();
        for channel in &self.shared.channels {
            let path = axum_path(channel.route.as_str());
            if path != "/" {
                paths.push(format!("{path}/"));
            }
            paths.push(path);
        }
        paths.push(self.shared.config.health_path.clone());
        paths.extend(self.shared.assets.keys().cloned());
        // Channels that wirechan shadows (same shape, other param names) map to one axum path.
        paths.retain(|p| p.starts_with('/'));
        paths.sort();
        paths.dedup();
        paths.into_iter().fold(Router::new(), |router, path| router.route_service(&path, self.clone()))
    }

    async fn answer<B>(self, req: Request<B>) -> Response<Body> {
        let shared = self.shared;
        if shared.shutdown.is_cancelled() && asks_for_websocket(&req) {
            let err = ChannelError::new("shutting_down", "the server is shutting down");
            let mut res = responses::error(StatusCode::SERVICE_UNAVAILABLE, &err);
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return res.map(Body::new);
        }
        if asks_for_websocket(&req) && req.extensions().get::<hyper::upgrade::OnUpgrade>().is_none() {
            // Answering 101 would leave the client waiting on a socket nobody upgrades.
            tracing::warn!("upgrade request without hyper's OnUpgrade: serve the app over HTTP/1 with upgrades");
            let err = ChannelError::new("upgrade_unavailable", "this server cannot upgrade the connection");
            return responses::error(StatusCode::INTERNAL_SERVER_ERROR, &err).map(Body::new);
        }
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
        let permit = match peer {
            Some(addr) => shared.limits.admit(addr.ip()),
            None => {
                if shared.config.max_connections_per_ip.is_some() && !self.warned_no_peer.swap(true, Ordering::Relaxed)
                {
                    tracing::warn!(
                        "no ConnectInfo<SocketAddr> on the request: the per-address connection limit cannot apply; \
                         serve with `into_make_service_with_connect_info::<SocketAddr>()`"
                    );
                }
                shared.limits.admit_unaddressed()
            }
        };
        http_service::route(req, peer.unwrap_or(UNKNOWN_PEER), shared, Arc::new(permit)).await.map(Body::new)
    }
}

impl<S, B> tower_service::Service<Request<B>> for ChannelService<S>
where
    S: Send + Sync + 'static,
    B: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.answer(req).await) })
    }
}

/// Closes the channel connections of a [`ChannelService`] (feature `axum`): what the standalone
/// server does on SIGINT or SIGTERM, for an axum app that decides itself when to stop.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    token: CancellationToken,
    tracker: TaskTracker,
    wait: Duration,
}

impl ShutdownHandle {
    /// Refuses new upgrades (503 `shutting_down`), closes every channel connection with 1001
    /// once its calls in flight are done (up to the drain timeout), runs every `on_disconnect`,
    /// and returns when all connections have ended or the drain and shutdown timeouts have
    /// passed. Call it after `axum::serve` returned, or inside its graceful-shutdown future.
    pub async fn shutdown(&self) {
        tracing::info!("shutting down: closing every channel connection with 1001");
        self.token.cancel();
        self.tracker.close();
        if tokio::time::timeout(self.wait, self.tracker.wait()).await.is_err() {
            tracing::warn!("shutdown timeout: some connections did not close in time");
        }
    }

    /// Whether [`ShutdownHandle::shutdown`] was called.
    pub fn is_shutting_down(&self) -> bool {
        self.token.is_cancelled()
    }
}

fn asks_for_websocket<B>(req: &Request<B>) -> bool {
    req.headers()
        .get_all(header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("websocket"))
}

/// A wirechan route in axum's syntax. Params get positional names: wirechan matches the path
/// again and names them itself, and channels whose routes differ only by param names then map
/// to one axum route instead of a conflict.
fn axum_path(route: &str) -> String {
    let mut out = String::with_capacity(route.len() + 8);
    let mut param = 0;
    for segment in route.split('/').skip(1) {
        out.push('/');
        if segment.starts_with(':') {
            out.push_str(&format!("{{p{param}}}"));
            param += 1;
        } else {
            out.push_str(&segment.replace('{', "{{").replace('}', "}}"));
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::axum_path;

    #[test]
    fn routes_become_axum_paths() {
        assert_eq!(axum_path("/"), "/");
        assert_eq!(axum_path("/chat"), "/chat");
        assert_eq!(axum_path("/chat/:room"), "/chat/{p0}");
        assert_eq!(axum_path("/a/:x/b/:y"), "/a/{p0}/b/{p1}");
        assert_eq!(axum_path("/odd{name}"), "/odd{{name}}");
    }
}
