//! Plain HTTP responses: health check and errors before the upgrade.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;

use crate::error::ChannelError;

pub(crate) type Body = Full<Bytes>;

pub(crate) fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    res
}

pub(crate) fn error(status: StatusCode, err: &ChannelError) -> Response<Body> {
    let body = serde_json::json!({ "error": err });
    json(status, body.to_string())
}

pub(crate) fn asset(asset: &super::app::Asset) -> Response<Body> {
    let mut res = Response::new(Full::new(asset.body.bytes()));
    res.headers_mut().insert(header::CONTENT_TYPE, asset.content_type.clone());
    res
}
