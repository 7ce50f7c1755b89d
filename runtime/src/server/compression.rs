//! Per-message compression (permessage-deflate, RFC 7692): its settings, and the answer to a
//! client's `Sec-WebSocket-Extensions` offers.

use std::sync::Arc;

use http::HeaderMap;
use http::header::SEC_WEBSOCKET_EXTENSIONS;

use crate::connection::permessage_deflate::{DeflateParams, DeflatePools};

/// Settings of per-message compression (permessage-deflate, RFC 7692), turned on with
/// [`ServerConfig::compression`](crate::ServerConfig::compression). A client that offers the
/// extension (browsers and Node's `ws` do) gets it; the others are served uncompressed.
///
/// Compression trades CPU and memory for bandwidth. With context takeover (the default) each
/// direction keeps a deflate window across messages, which compresses small similar messages
/// (JSON replies, publications) best, but costs its connection about 330 KiB more (338 KiB
/// against 4.4 KiB measured) once it has sent and received a compressed message, and deflates
/// each publication for each subscriber (docs/BENCHMARKS.md, "Compression"). Without context
/// takeover the deflate state lives only while a message is compressed and is shared between
/// connections, so a connection costs about as much as an uncompressed one (5.1 KiB measured),
/// and a publication is deflated once for all its subscribers.
#[derive(Debug, Clone)]
pub struct Compression {
    pub(crate) threshold: usize,
    pub(crate) level: u32,
    pub(crate) server_context_takeover: bool,
    pub(crate) client_context_takeover: bool,
    pub(crate) server_max_window_bits: u8,
    pub(crate) client_max_window_bits: u8,
    /// Deflate state of the directions without context takeover, shared by every connection.
    pools: Arc<DeflatePools>,
}

impl Default for Compression {
    fn default() -> Self {
        Self {
            threshold: 256,
            level: 1,
            server_context_takeover: true,
            client_context_takeover: true,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            pools: Arc::new(DeflatePools::new(1, 15)),
        }
    }
}

impl Compression {
    /// Compression with the defaults: messages from 256 bytes on are compressed at level 1,
    /// with context takeover and 32 KiB windows in both directions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Outgoing messages shorter than this many bytes are sent uncompressed (default 256):
    /// deflate saves little on them and costs a compressor call each.
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// The deflate level, 0 (store) to 9 (smallest, slowest) (default 1, the fastest).
    pub fn level(mut self, level: u32) -> Self {
        self.level = level.min(9);
        self.pools = Arc::new(DeflatePools::new(self.level, self.server_max_window_bits));
        self
    }

    /// Whether the server keeps its deflate window from one message to the next (default
    /// `true`). `false` answers `server_no_context_takeover`: each message is compressed on its
    /// own, and an idle connection holds no compressor.
    pub fn server_context_takeover(mut self, keep: bool) -> Self {
        self.server_context_takeover = keep;
        self
    }

    /// Whether the client may keep its deflate window from one message to the next (default
    /// `true`). `false` answers `client_no_context_takeover`: the server then holds no
    /// decompressor between messages.
    pub fn client_context_takeover(mut self, keep: bool) -> Self {
        self.client_context_takeover = keep;
        self
    }

    /// The server's deflate window, 2^bits bytes, 9 to 15 (default 15). Smaller saves memory
    /// per connection with context takeover and compresses less.
    pub fn server_max_window_bits(mut self, bits: u8) -> Self {
        self.server_max_window_bits = bits.clamp(9, 15);
        self.pools = Arc::new(DeflatePools::new(self.level, self.server_max_window_bits));
        self
    }

    /// The window the server asks the client to use, 9 to 15 (default 15), when the client
    /// says it can limit it (it offers `client_max_window_bits`); it sizes the server's
    /// decompressor.
    pub fn client_max_window_bits(mut self, bits: u8) -> Self {
        self.client_max_window_bits = bits.clamp(9, 15);
        self
    }

    /// The `Sec-WebSocket-Extensions` answer to a request's offers: the first permessage-deflate
    /// offer the server can honour, with the parameters it accepted. `None` declines them all.
    pub(crate) fn negotiate(&self, headers: &HeaderMap) -> Option<Agreed> {
        headers
            .get_all(SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .find_map(|offer| self.accept(offer))
    }

    /// Accepts one offer, or declines it: another extension, an unknown or repeated parameter,
    /// a bad value, or a server window below what deflate can use.
    fn accept(&self, offer: &str) -> Option<Agreed> {
        let mut params = offer.split(';').map(str::trim);
        if !params.next()?.eq_ignore_ascii_case("permessage-deflate") {
            return None;
        }
        let mut offered = Offer::default();
        for param in params.filter(|p| !p.is_empty()) {
            let (name, value) = match param.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
                None => (param, None),
            };
            let bits = |value: Option<&str>| value.map(|v| v.parse::<u8>().ok().filter(|b| (8..=15).contains(b)));
            match name.to_ascii_lowercase().as_str() {
                "server_no_context_takeover" if value.is_none() && !offered.server_no_context => {
                    offered.server_no_context = true;
                }
                "client_no_context_takeover" if value.is_none() && !offered.client_no_context => {
                    offered.client_no_context = true;
                }
                "server_max_window_bits" if offered.server_bits.is_none() => {
                    offered.server_bits = Some(bits(value).flatten()?);
                }
                "client_max_window_bits" if offered.client_bits.is_none() => {
                    offered.client_bits = Some(match bits(value) {
                        Some(bits) => Some(bits?),
                        None => None,
                    });
                }
                _ => return None,
            }
        }
        let mut answer = String::from("permessage-deflate");
        let server_no_context = offered.server_no_context || !self.server_context_takeover;
        if server_no_context {
            answer.push_str("; server_no_context_takeover");
        }
        let client_no_context = offered.client_no_context || !self.client_context_takeover;
        if client_no_context {
            answer.push_str("; client_no_context_takeover");
        }
        let server_bits =
            offered.server_bits.map_or(self.server_max_window_bits, |b| b.min(self.server_max_window_bits));
        if server_bits < 9 {
            // zlib cannot deflate with a 256-byte window.
            return None;
        }
        if server_bits < 15 {
            answer.push_str(&format!("; server_max_window_bits={server_bits}"));
        }
        if let Some(client) = offered.client_bits {
            let bits = client.unwrap_or(15).min(self.client_max_window_bits);
            if bits < 15 {
                answer.push_str(&format!("; client_max_window_bits={}", bits.max(9)));
            }
        }
        Some(Agreed { answer, server_no_context, client_no_context, server_bits })
    }

    /// What a connection that agreed on `answer` (from [`Compression::negotiate`]) runs with.
    pub(crate) fn params(&self, answer: &Agreed) -> DeflateParams {
        DeflateParams {
            level: self.level,
            threshold: self.threshold,
            server_context_takeover: !answer.server_no_context,
            client_context_takeover: !answer.client_no_context,
            server_window_bits: answer.server_bits,
            pools: self.pools.clone(),
        }
    }
}

/// What the server answered to an offer.
pub(crate) struct Agreed {
    /// The `Sec-WebSocket-Extensions` value.
    pub(crate) answer: String,
    server_no_context: bool,
    client_no_context: bool,
    server_bits: u8,
}

/// The parameters of one permessage-deflate offer.
#[derive(Default)]
struct Offer {
    server_no_context: bool,
    client_no_context: bool,
    server_bits: Option<u8>,
    /// `Some(None)`: offered without a value.
    client_bits: Option<Option<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(settings: &Compression, offers: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for offer in offers {
            headers.append(SEC_WEBSOCKET_EXTENSIONS, offer.parse().unwrap());
        }
        settings.negotiate(&headers).map(|agreed| agreed.answer)
    }

    #[test]
    fn browsers_offer_is_accepted() {
        let on = Compression::new();
        assert_eq!(answer(&on, &["permessage-deflate; client_max_window_bits"]).as_deref(), Some("permessage-deflate"));
        assert_eq!(answer(&on, &["permessage-deflate"]).as_deref(), Some("permessage-deflate"));
        assert_eq!(answer(&on, &[]), None);
        assert_eq!(answer(&on, &["x-webkit-deflate-frame"]), None);
    }

    #[test]
    fn parameters_are_honoured() {
        let on = Compression::new();
        assert_eq!(
            answer(&on, &["permessage-deflate; server_no_context_takeover; client_no_context_takeover"]).as_deref(),
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        );
        assert_eq!(
            answer(&on, &["permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"]).as_deref(),
            Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=12")
        );
        // A window deflate cannot use declines the offer; the next one is taken.
        assert_eq!(
            answer(&on, &["permessage-deflate; server_max_window_bits=8, permessage-deflate"]).as_deref(),
            Some("permessage-deflate")
        );
    }

    #[test]
    fn configuration_is_answered() {
        let small = Compression::new()
            .server_context_takeover(false)
            .client_context_takeover(false)
            .server_max_window_bits(11)
            .client_max_window_bits(10);
        assert_eq!(
            answer(&small, &["permessage-deflate; client_max_window_bits"]).as_deref(),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                 server_max_window_bits=11; client_max_window_bits=10"
            )
        );
        // A client that cannot limit its window is not asked to.
        assert_eq!(
            answer(&small, &["permessage-deflate"]).as_deref(),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11"
            )
        );
    }

    #[test]
    fn malformed_offers_are_declined() {
        let on = Compression::new();
        for offer in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; unknown",
        ] {
            assert_eq!(answer(&on, &[offer]), None, "{offer}");
        }
    }
}
