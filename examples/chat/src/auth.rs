//! Session tokens: HS256 JWTs with claims `sub` and `name`.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use wirechan::ChannelError;

/// The claims of a chat token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's display name.
    pub name: String,
    /// Expiry, seconds since the Unix epoch (checked when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

/// Keys for signing and verifying tokens with one shared secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys for `secret`.
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // `exp` is optional for the demo token but enforced whenever a token carries one.
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// Signs `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .unwrap_or_else(|e| unreachable!("HS256 signing with a secret cannot fail: {e}"))
    }

    /// Verifies a token; a bad one is an `unauthorized` error.
    pub fn verify(&self, token: &str) -> Result<Claims, ChannelError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| ChannelError::unauthorized(format!("invalid token: {e}")))
    }
}

/// A token for a demo user, valid for 30 days.
pub fn demo_token(keys: &JwtKeys) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 30 * 24 * 3600)
        .unwrap_or(u64::MAX);
    keys.sign(&Claims { sub: "demo".to_owned(), name: "Demo User".to_owned(), exp: Some(exp) })
}
