//! Admission limits checked before an upgrade: open connections (in total and per client
//! address) and the `Origin` allow-list. Each refusal is an HTTP error with a JSON body
//! (PROTOCOL.md section 8), since the socket is not a WebSocket yet.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use parking_lot::Mutex;

use super::config::ServerConfig;
use super::responses::{self, Body};
use crate::error::ChannelError;

/// Counts open TCP connections, in total and per client address.
pub(crate) struct ConnectionLimits {
    max_total: Option<usize>,
    max_per_ip: Option<usize>,
    total: AtomicUsize,
    /// Only kept when a per-address limit is set, so that an unlimited server takes no lock.
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

/// Why a connection is over a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    Total,
    PerIp,
}

/// Held for as long as a TCP connection is open (by the HTTP connection, then by the
/// WebSocket connection it became): dropping the last clone frees the connection's slot.
pub(crate) struct ConnectionPermit {
    limits: Arc<ConnectionLimits>,
    ip: Option<IpAddr>,
    over: Option<Over>,
}

/// The address a per-address limit counts: IPv4-mapped IPv6 addresses as IPv4, and IPv6 by
/// its /64 prefix, since one host commonly holds a whole /64.
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

impl ConnectionLimits {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        Self {
            max_total: config.max_connections,
            max_per_ip: config.max_connections_per_ip,
            total: AtomicUsize::new(0),
            per_ip: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a newly accepted connection. Over a limit, it still gets an HTTP answer: the
    /// refusal, when it asks for an upgrade.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> ConnectionPermit {
        let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
        let mut over = self.max_total.filter(|max| total > *max).map(|_| Over::Total);
        let ip = self.max_per_ip.map(|max| {
            let key = ip_key(ip);
            let mut per_ip = self.per_ip.lock();
            let count = per_ip.entry(key).or_insert(0);
            *count += 1;
            if *count > max && over.is_none() {
                over = Some(Over::PerIp);
            }
            key
        });
        ConnectionPermit { limits: self.clone(), ip, over }
    }

    /// Counts a connection whose client address is unknown (an axum app served without
    /// `ConnectInfo`): only the total limit can apply.
    #[cfg(feature = "axum")]
    pub(crate) fn admit_unaddressed(self: &Arc<Self>) -> ConnectionPermit {
        let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
        let over = self.max_total.filter(|max| total > *max).map(|_| Over::Total);
        ConnectionPermit { limits: self.clone(), ip: None, over }
    }

    /// Open connections now.
    pub(crate) fn open(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.limits.total.fetch_sub(1, Ordering::Relaxed);
        if let Some(ip) = self.ip {
            let mut per_ip = self.limits.per_ip.lock();
            if let Some(count) = per_ip.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    per_ip.remove(&ip);
                }
            }
        }
    }
}

impl ConnectionPermit {
    /// The refusal of an upgrade on a connection that is over a limit: 503 `server_full` or
    /// 429 `too_many_connections`, asking the client to retry later and closing the socket.
    pub(crate) fn refusal(&self) -> Option<Response<Body>> {
        let (status, code, message) = match self.over? {
            Over::Total => {
                (StatusCode::SERVICE_UNAVAILABLE, "server_full", "the server has no room for more connections")
            }
            Over::PerIp => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_connections", "too many connections from this address")
            }
        };
        tracing::debug!(code, open = self.limits.open(), "upgrade refused: connection limit");
        let mut res = responses::error(status, &ChannelError::new(code, message));
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        Some(res)
    }
}

/// 403 `forbidden_origin` when an allow-list is set and the request's `Origin` is not in it
/// (or is missing, when an origin is required).
pub(crate) fn origin_refusal(config: &ServerConfig, headers: &HeaderMap) -> Option<Response<Body>> {
    let allowed = config.allowed_origins.as_ref()?;
    let origin = headers.get(header::ORIGIN);
    let ok = match origin.map(HeaderValue::to_str) {
        None => !config.require_origin,
        Some(Ok(origin)) => allowed.iter().any(|a| a.eq_ignore_ascii_case(origin.trim_end_matches('/'))),
        Some(Err(_)) => false,
    };
    if ok {
        return None;
    }
    let message = match origin {
        None => "this server requires an `Origin` header".to_owned(),
        Some(o) => format!("origin `{}` may not open this channel", String::from_utf8_lossy(o.as_bytes())),
    };
    tracing::debug!(origin = ?origin, "upgrade refused: origin not allowed");
    Some(responses::error(StatusCode::FORBIDDEN, &ChannelError::new("forbidden_origin", message)))
}

/// 414 `opening_data_too_large` when the path and query are longer than the limit.
pub(crate) fn opening_size_refusal(config: &ServerConfig, uri: &http::Uri) -> Option<Response<Body>> {
    let len = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if len <= config.max_opening_data_bytes {
        return None;
    }
    let message = format!(
        "the path and query ({len} bytes) are longer than the limit of {} bytes",
        config.max_opening_data_bytes
    );
    Some(responses::error(StatusCode::URI_TOO_LONG, &ChannelError::new("opening_data_too_large", message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_64_prefix_count_together() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(ip_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn permits_free_their_slot_when_dropped() {
        let config = ServerConfig::default().max_connections(3).max_connections_per_ip(1);
        let limits = Arc::new(ConnectionLimits::new(&config));
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let first = limits.admit(ip("10.0.0.1"));
        assert!(first.refusal().is_none());
        let same_address = limits.admit(ip("10.0.0.1"));
        assert_eq!(same_address.refusal().map(|r| r.status()), Some(StatusCode::TOO_MANY_REQUESTS));
        drop(same_address);
        let second = limits.admit(ip("10.0.0.2"));
        let third = limits.admit(ip("10.0.0.3"));
        assert!(second.refusal().is_none() && third.refusal().is_none());
        let fourth = limits.admit(ip("10.0.0.4"));
        assert_eq!(fourth.refusal().map(|r| r.status()), Some(StatusCode::SERVICE_UNAVAILABLE));
        drop((first, second, third, fourth));
        assert_eq!(limits.open(), 0);
        assert!(limits.per_ip.lock().is_empty());
        assert!(limits.admit(ip("10.0.0.1")).refusal().is_none());
    }
}
