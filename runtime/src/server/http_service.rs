//! The HTTP side of the server: health check, routing of upgrade requests to channels, opening
//! data validation before the upgrade, the handshake, and the hand-over to the connection task.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tracing::Instrument;

use tokio::io::{AsyncRead, AsyncWrite};

use super::app::{RouteParams, Shared};
use super::authenticate::UpgradeRequest;
use super::config::ServerConfig;
use super::limits::{self, ConnectionPermit};
use super::responses::{self, Body};
use crate::channel::{Base, Channel};
use crate::connection::{self, ConnShared, ConnectionSettings, ConnectionSetup, Socket, SocketLimits};
use crate::connection_id::ConnectionId;
use crate::error::{ChannelError, codes};
use crate::hub::Subscriber;
use crate::outbound::{Outbound, QueueLimits};

/// The subprotocol that selects envelope mode.
pub(crate) const ENVELOPE_PROTOCOL: &str = "wirechan.v1";

pub(crate) async fn handle<S: Send + Sync + 'static>(
    req: Request<Incoming>,
    remote_addr: SocketAddr,
    shared: Arc<Shared<S>>,
    permit: Arc<ConnectionPermit>,
) -> Result<Response<Body>, Infallible> {
    Ok(route(req, remote_addr, shared, permit).await)
}

fn header_has_token<B>(req: &Request<B>, name: header::HeaderName, token: &str) -> bool {
    req.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn offers_envelope<B>(req: &Request<B>) -> bool {
    header_has_token(req, header::SEC_WEBSOCKET_PROTOCOL, ENVELOPE_PROTOCOL)
}

fn bad_request(message: &str) -> Response<Body> {
    responses::error(StatusCode::BAD_REQUEST, &ChannelError::new("bad_request", message))
}

/// Answers one request: generic over the body, which it never reads, so that a request from
/// another stack (axum's `Body`) takes the same path as hyper's `Incoming`.
pub(crate) async fn route<S: Send + Sync + 'static, B>(
    mut req: Request<B>,
    remote_addr: SocketAddr,
    shared: Arc<Shared<S>>,
    permit: Arc<ConnectionPermit>,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    if path == shared.config.health_path {
        return if req.method() == Method::GET || req.method() == Method::HEAD {
            // 200 even when degraded: a broker outage hits every node alike, and taking them all
            // out of rotation would turn lost cross-node delivery into a full outage. Balancers
            // that prefer otherwise can match `"status":"degraded"` in the body.
            let health = shared.hub.health();
            let body = if matches!(health, crate::hub::HubHealth::Memory) {
                r#"{"status":"ok"}"#.to_owned()
            } else {
                let status = if health.is_degraded() { "degraded" } else { "ok" };
                serde_json::json!({ "status": status, "hub": health }).to_string()
            };
            responses::json(StatusCode::OK, body)
        } else {
            responses::error(StatusCode::METHOD_NOT_ALLOWED, &ChannelError::new("method_not_allowed", "use GET"))
        };
    }
    let Some((channel, params)) = shared.find(&path) else {
        if let Some(asset) = shared.assets.get(&path)
            && (req.method() == Method::GET || req.method() == Method::HEAD)
        {
            return responses::asset(asset);
        }
        let err = ChannelError::new(codes::NOT_FOUND, format!("no channel at `{path}`"));
        return responses::error(StatusCode::NOT_FOUND, &err);
    };
    if req.method() != Method::GET
        || !header_has_token(&req, header::UPGRADE, "websocket")
        || !header_has_token(&req, header::CONNECTION, "upgrade")
    {
        let err = ChannelError::new(
            "upgrade_required",
            format!("`{path}` is a WebSocket channel: open it with a WebSocket upgrade"),
        );
        let mut res = responses::error(StatusCode::UPGRADE_REQUIRED, &err);
        res.headers_mut().insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return res;
    }
    if req.version() < http::Version::HTTP_11 {
        // Over HTTP/1.0 the connection would end with the 101 answer (RFC 6455 section 4.1).
        return bad_request("a WebSocket upgrade needs HTTP/1.1");
    }
    if req.headers().get(header::SEC_WEBSOCKET_VERSION).map(http::HeaderValue::as_bytes) != Some(b"13") {
        let mut res = bad_request("unsupported WebSocket version: send `Sec-WebSocket-Version: 13`");
        res.headers_mut().insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        return res;
    }
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes())) else {
        return bad_request("missing `Sec-WebSocket-Key`");
    };
    if let Some(refusal) = permit.refusal() {
        return refusal;
    }
    if let Some(refusal) = limits::origin_refusal(&shared.config, req.headers()) {
        return refusal;
    }
    if let Some(refusal) = limits::opening_size_refusal(&shared.config, req.uri()) {
        return refusal;
    }
    let opening = match (channel.opening)(&params, req.uri().query()) {
        Ok(opening) => opening,
        Err(e) => return responses::error(StatusCode::BAD_REQUEST, &e),
    };
    let envelope = offers_envelope(&req);
    let deflate = negotiate_deflate(&shared.config, req.headers());
    let extensions = deflate.as_ref().and_then(|agreed| HeaderValue::from_str(deflate_answer(agreed)).ok());

    let mut session = None;
    let mut refused = None;
    if let Some(hook) = &shared.authenticate {
        let head = request_head(&req);
        match hook(UpgradeRequest { channel: channel.name, head, remote_addr }).await {
            Ok(s) => session = s,
            Err(refusal) => refused = Some(refusal.into_parts()),
        }
    }

    let on_upgrade = hyper::upgrade::on(&mut req);
    let transport = &channel.transport;
    let slow_consumer = transport.slow_consumer.or(shared.config.slow_consumer);
    let limits = QueueLimits { frames: shared.config.outbound_queue, bytes: shared.config.outbound_queue_bytes };
    let memory = shared.hub.outbound_memory().clone();
    let (out, rx) = Outbound::channel(limits, slow_consumer, channel.metrics.clone(), memory);
    let subscriber =
        Subscriber::new(ConnectionId::generate(), channel.name, out, shared.config.max_topics_per_connection);
    let conn = Arc::new(ConnShared {
        subscriber,
        envelope,
        hub: shared.hub.clone(),
        session: parking_lot::Mutex::new(session),
        state: parking_lot::Mutex::new(None),
    });
    let limits = SocketLimits {
        read_size: shared.config.read_buffer_size,
        write_size: shared.config.write_buffer_size,
        max_write: shared.config.write_buffer_size.max(shared.config.max_message_size) * 2,
        max_message: shared.config.max_message_size,
    };
    let span = tracing::info_span!("connection", channel = channel.name, connection_id = %conn.id(), envelope);
    let setup = ConnectionSetup {
        channel: channel.clone(),
        base: Base { conn, opening, services: shared.services.clone() },
        rx,
        shutdown: shared.shutdown.clone(),
        settings: ConnectionSettings {
            max_in_flight: shared.config.max_in_flight,
            close_timeout: shared.config.close_timeout,
            drain_timeout: shared.config.drain_timeout,
            heartbeat: transport.heartbeat.or(shared.config.heartbeat),
            rate_limit: transport.rate_limit.or(shared.config.rate_limit),
        },
        refused,
    };
    shared.tracker.spawn(
        async move {
            // The connection keeps its slot in the connection limits until it ends.
            let _permit = permit;
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!(error = %e, "upgrade failed");
                    return;
                }
            };
            let ws = open_socket(TokioIo::new(upgraded), deflate, limits);
            if setup.refused.is_none() {
                setup.base.conn.subscriber.join_channel(&setup.base.conn.hub);
            }
            tracing::debug!("connection open");
            connection::run(ws, setup).await;
        }
        .instrument(span),
    );

    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&key) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    if envelope {
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(ENVELOPE_PROTOCOL));
    }
    if let Some(extensions) = extensions {
        h.insert(header::SEC_WEBSOCKET_EXTENSIONS, extensions);
    }
    res
}

/// The permessage-deflate answer and socket settings agreed with a client.
#[cfg(feature = "compression")]
type Deflate = (String, crate::connection::permessage_deflate::DeflateParams);
/// Without the `compression` feature nothing is ever agreed.
#[cfg(not(feature = "compression"))]
type Deflate = std::convert::Infallible;

#[cfg(feature = "compression")]
fn negotiate_deflate(config: &ServerConfig, headers: &http::HeaderMap) -> Option<Deflate> {
    let compression = config.compression.as_ref()?;
    let agreed = compression.negotiate(headers)?;
    let params = compression.params(&agreed);
    Some((agreed.answer, params))
}

#[cfg(not(feature = "compression"))]
fn negotiate_deflate(_: &ServerConfig, _: &http::HeaderMap) -> Option<Deflate> {
    None
}

#[cfg(feature = "compression")]
fn deflate_answer(agreed: &Deflate) -> &str {
    &agreed.0
}

#[cfg(not(feature = "compression"))]
fn deflate_answer(agreed: &Deflate) -> &str {
    match *agreed {}
}

/// The connection's socket on the upgraded stream: compressed when the handshake agreed on it.
fn open_socket<T: AsyncRead + AsyncWrite + Unpin>(io: T, deflate: Option<Deflate>, limits: SocketLimits) -> Socket<T> {
    match deflate {
        None => Socket::new(io, limits),
        #[cfg(feature = "compression")]
        Some((_, params)) => {
            Socket::with_deflate(io, limits, crate::connection::permessage_deflate::PerMessageDeflate::new(params))
        }
        #[cfg(not(feature = "compression"))]
        Some(never) => match never {},
    }
}

/// A copy of the request head for the authenticate hook (the original goes on to the upgrade),
/// with the extensions that layers in front of the server (axum) may have inserted.
fn request_head<B>(req: &Request<B>) -> http::request::Parts {
    let mut builder = Request::builder().method(req.method().clone()).uri(req.uri().clone()).version(req.version());
    if let Some(headers) = builder.headers_mut() {
        headers.clone_from(req.headers());
    }
    let (mut parts, ()) = builder.body(()).unwrap_or_default().into_parts();
    parts.extensions = req.extensions().clone();
    // Only the connection task may complete the upgrade.
    parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
    parts
}

/// Finds the channel serving `path` and the route params.
pub(crate) fn find<'c, 'p, S>(
    channels: &'c [Arc<Channel<S>>],
    path: &'p str,
) -> Option<(&'c Arc<Channel<S>>, RouteParams<'p>)> {
    channels.iter().find_map(|c| c.route.matches(path).map(|params| (c, params)))
}
