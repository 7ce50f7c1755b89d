//! [`App`]: the channels, services and settings of one server, and the accept loop.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::authenticate::{AuthFuture, AuthHook, ConnectRefusal, UpgradeRequest};
use super::config::ServerConfig;
use super::http_service;
use super::limits::ConnectionLimits;
use crate::channel::Channel;
use crate::error::ServeError;
use crate::hub::{Hub, HubError};
use crate::session::SessionValue;

/// An application: wired channels, the services their functions share, and server settings.
/// [`App::serve`] binds an address and serves until SIGINT or SIGTERM;
/// [`App::serve_with_shutdown`] serves on a listener until a future completes:
///
/// ```
/// use wirechan::prelude::*;
///
/// /// The services every function of the app reaches with `ctx.services()`.
/// struct Services {
///     greeting: String,
/// }
///
/// #[channel_func]
/// async fn hello(ctx: Ctx<(), Services>) -> String {
///     ctx.services().greeting.clone()
/// }
///
/// wire_channel! {
///     name: "greeter",
///     route: "/greeter",
///     auth: false,
///     on_message_wiring: { action: { hello: hello } },
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), wirechan::ServeError> {
///     let app = App::new(Services { greeting: "hello".to_owned() })
///         .channel(greeter::channel())
///         .config(wirechan::ServerConfig::default().max_message_size(64 * 1024));
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
///     // Serves until the signal, here at once; then every connection closes with 1001.
///     app.serve_with_shutdown(listener, async {}).await
/// }
/// ```
pub struct App<S> {
    services: Arc<S>,
    channels: Vec<Channel<S>>,
    pub(crate) config: ServerConfig,
    hub: Hub,
    authenticate: Option<AuthHook>,
    assets: HashMap<String, Asset>,
}

impl<S> std::fmt::Debug for App<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("channels", &self.channels)
            .field("config", &self.config)
            .field("hub", &self.hub)
            .field("assets", &self.assets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A file served on `GET` (e.g. a web page built from the generated client).
#[derive(Clone)]
pub(crate) struct Asset {
    pub(crate) content_type: http::HeaderValue,
    pub(crate) body: AssetBody,
}

/// What an asset serves: the same bytes every time, or bytes rendered per request.
#[derive(Clone)]
pub(crate) enum AssetBody {
    Fixed(bytes::Bytes),
    Rendered(Arc<dyn Fn() -> bytes::Bytes + Send + Sync>),
}

impl AssetBody {
    pub(crate) fn bytes(&self) -> bytes::Bytes {
        match self {
            Self::Fixed(body) => body.clone(),
            Self::Rendered(render) => render(),
        }
    }
}

/// A matched route's params, decoded.
pub(crate) type RouteParams<'p> = Vec<(&'static str, Cow<'p, str>)>;

/// What every request and connection of a running server shares.
pub(crate) struct Shared<S> {
    pub(crate) services: Arc<S>,
    pub(crate) channels: Vec<Arc<Channel<S>>>,
    pub(crate) config: ServerConfig,
    pub(crate) hub: Hub,
    pub(crate) authenticate: Option<AuthHook>,
    pub(crate) assets: HashMap<String, Asset>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) tracker: TaskTracker,
    pub(crate) limits: Arc<ConnectionLimits>,
}

impl<S> Shared<S> {
    pub(crate) fn find<'p>(&self, path: &'p str) -> Option<(&Arc<Channel<S>>, RouteParams<'p>)> {
        http_service::find(&self.channels, path)
    }
}

impl<S: Send + Sync + 'static> App<S> {
    /// An app whose channel functions see `services` through `ctx.services()`.
    pub fn new(services: S) -> Self {
        Self {
            services: Arc::new(services),
            channels: Vec::new(),
            config: ServerConfig::default(),
            hub: Hub::default(),
            authenticate: None,
            assets: HashMap::new(),
        }
    }

    /// Adds a channel (`my_channel::channel()`).
    pub fn channel(mut self, channel: Channel<S>) -> Self {
        self.channels.push(channel);
        self
    }

    /// Adds every channel of a bootstrap (`bootstrap::channels()`).
    pub fn channels(mut self, channels: impl IntoIterator<Item = Channel<S>>) -> Self {
        self.channels.extend(channels);
        self
    }

    /// Replaces the server settings.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the connect-time authenticate hook. It sees the upgrade request and returns the
    /// session to start with (`None` for none), or refuses: the server then completes the
    /// upgrade and closes at once with the refusal's code (4000-4999) and reason, because
    /// browsers cannot read an HTTP error body on a failed handshake.
    pub fn authenticate<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(UpgradeRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<SessionValue>, ConnectRefusal>> + Send + 'static,
    {
        self.authenticate = Some(Arc::new(move |req| Box::pin(hook(req)) as AuthFuture));
        self
    }

    /// Serves `body` on `GET path` with `content_type` (e.g. a page at `/` that uses the
    /// generated TypeScript client). Channel routes and the health check take precedence.
    pub fn asset(mut self, path: impl Into<String>, content_type: &'static str, body: impl Into<bytes::Bytes>) -> Self {
        let body = AssetBody::Fixed(body.into());
        self.assets.insert(path.into(), Asset { content_type: http::HeaderValue::from_static(content_type), body });
        self
    }

    /// Serves what `render` returns on `GET path`, rendered for each request, with
    /// `content_type`: e.g. a metrics exporter's text at `/metrics` (see the README's "Metrics").
    /// `render` runs on the request's task, so it must be quick and must not block. Channel
    /// routes and the health check take precedence.
    pub fn asset_with<B: Into<bytes::Bytes>>(
        mut self,
        path: impl Into<String>,
        content_type: &'static str,
        render: impl Fn() -> B + Send + Sync + 'static,
    ) -> Self {
        let body = AssetBody::Rendered(Arc::new(move || render().into()));
        self.assets.insert(path.into(), Asset { content_type: http::HeaderValue::from_static(content_type), body });
        self
    }

    /// The event hub, to publish from outside channel functions (e.g. a background task).
    pub fn hub(&self) -> Hub {
        self.hub.clone()
    }

    /// Replaces the event hub (in memory by default), e.g. with [`Hub::redis`] to share topics
    /// with other server processes. Clones taken earlier with [`App::hub`] keep the old one.
    pub fn with_hub(mut self, hub: Hub) -> Self {
        self.hub = hub;
        self
    }

    /// Uses the hub that the environment names ([`Hub::from_env`]: `WIRECHAN_HUB` unset or
    /// `memory`, or a `redis://` URL).
    pub fn hub_from_env(self) -> Result<Self, HubError> {
        Ok(self.with_hub(Hub::from_env()?))
    }

    /// Serves on `addr` until SIGINT or SIGTERM, then shuts down gracefully: stops accepting,
    /// closes every connection with 1001 and runs every `on_disconnect`.
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Display) -> Result<(), ServeError> {
        let listener = super::listener::bind(&addr, self.config.listen_backlog)
            .await
            .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        self.serve_with_shutdown(listener, shutdown_signal()).await
    }

    /// Serves on `listener` until `signal` completes, then shuts down gracefully. The listener's
    /// backlog is the caller's: tokio's `TcpListener::bind` gives 128, which a burst of
    /// reconnects overflows; [`ServerConfig::listen_backlog`] applies to [`App::serve`] only.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        let shared = Arc::new(self.into_shared()?);
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, channels = shared.channels.len(), "serving");
        }
        let mut signal = std::pin::pin!(signal);
        loop {
            tokio::select! {
                _ = &mut signal => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, addr)) => {
                        // Counted from the accept, so that connections not yet upgraded count too.
                        let permit = Arc::new(shared.limits.admit(addr.ip()));
                        let shared2 = shared.clone();
                        shared.tracker.spawn(serve_http(tcp, addr, shared2, permit));
                    }
                    Err(e) => {
                        // Out of file descriptors and aborted handshakes are transient: keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
            }
        }
        tracing::info!("shutting down: closing every connection with 1001");
        drop(listener);
        shared.shutdown.cancel();
        shared.tracker.close();
        // Calls in flight may run until the drain deadline; then every connection closes.
        let wait = shared.config.drain_timeout + shared.config.shutdown_timeout;
        if tokio::time::timeout(wait, shared.tracker.wait()).await.is_err() {
            tracing::warn!("shutdown timeout: some connections did not close in time");
        }
        Ok(())
    }

    pub(super) fn into_shared(self) -> Result<Shared<S>, ServeError> {
        for (i, a) in self.channels.iter().enumerate() {
            for b in &self.channels[..i] {
                if a.name == b.name {
                    return Err(ServeError::DuplicateName(a.name.to_owned()));
                }
                if a.route == b.route {
                    return Err(ServeError::DuplicateRoute {
                        route: a.route.as_str().to_owned(),
                        first: b.name.to_owned(),
                        second: a.name.to_owned(),
                    });
                }
            }
        }
        self.channels.iter().for_each(crate::metrics::channel_served);
        self.hub.outbound_memory().set_limit(self.config.max_outbound_memory);
        let shutdown = CancellationToken::new();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(super::memory_trim::run(shutdown.clone()));
        }
        Ok(Shared {
            services: self.services,
            channels: self.channels.into_iter().map(Arc::new).collect(),
            hub: self.hub,
            authenticate: self.authenticate,
            assets: self.assets,
            shutdown,
            tracker: TaskTracker::new(),
            limits: Arc::new(ConnectionLimits::new(&self.config)),
            config: self.config,
        })
    }
}

async fn serve_http<S: Send + Sync + 'static>(
    tcp: TcpStream,
    addr: SocketAddr,
    shared: Arc<Shared<S>>,
    permit: Arc<super::limits::ConnectionPermit>,
) {
    // Replies are small and latency matters more than packet count.
    let _ = tcp.set_nodelay(true);
    let shutdown = shared.shutdown.clone();
    let (handshake_timeout, max_head) = (shared.config.handshake_timeout, shared.config.max_request_header_bytes);
    let service = service_fn(move |req| http_service::handle(req, addr, shared.clone(), permit.clone()));
    // The handshake timeout runs from the accept until the request head is complete: a client
    // that sends nothing, or its headers a byte at a time, is dropped when it runs out. A head
    // over the size limit gets hyper's 431.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(handshake_timeout)
        .max_header_size(max_head)
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!(error = %e, %addr, "http connection error");
            }
        }
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
