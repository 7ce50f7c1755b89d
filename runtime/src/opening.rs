//! Opening data: route params plus query parameters, deserialized into the channel's type
//! before the upgrade, so that a bad request gets an HTTP 400 and never a socket.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::error::{ChannelError, codes};

/// Opening data, type-erased until a handler's `Ctx<O, _>` reads it.
pub(crate) type ErasedOpening = Arc<dyn Any + Send + Sync>;

/// Decodes params and query into `O`. A query key that repeats a path param is refused.
pub(crate) fn decode<O: DeserializeOwned + Send + Sync + 'static>(
    params: &[(&'static str, Cow<'_, str>)],
    query: Option<&str>,
) -> Result<ErasedOpening, ChannelError> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        form.append_pair(k, v);
    }
    if let Some(query) = query {
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if params.iter().any(|(p, _)| *p == k) {
                return Err(ChannelError::new(
                    codes::INVALID_OPENING_DATA,
                    format!("query parameter `{k}` conflicts with the route parameter of the same name"),
                ));
            }
            form.append_pair(&k, &v);
        }
    }
    if TypeId::of::<O>() == TypeId::of::<()>() {
        return Ok(Arc::new(()));
    }
    let encoded = form.finish();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    let value: O = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.into_inner().to_string();
        ChannelError::new(codes::INVALID_OPENING_DATA, format!("invalid opening data at `{path}`: {reason}"))
            .with_details(serde_json::json!({ "path": path, "reason": reason }))
    })?;
    Ok(Arc::new(value))
}
