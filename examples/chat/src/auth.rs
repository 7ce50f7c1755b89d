//! Session tokens: HS256 JWTs with claims `sub`, `name` and `exp` (required), and `nbf`
//! (checked when present). A session opened with a token ends at the token's `exp`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// Expiry, seconds since the Unix epoch: required; the session it opens ends then.
    pub exp: u64,
    /// Not before, seconds since the Unix epoch (checked when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

impl Claims {
    /// The claims of a token for user `sub` named `name`, valid from now for `lifetime`.
    pub fn new(sub: impl Into<String>, name: impl Into<String>, lifetime: Duration) -> Self {
        let exp = (SystemTime::now() + lifetime).duration_since(UNIX_EPOCH).map_or(u64::MAX, |d| d.as_secs());
        Self { sub: sub.into(), name: name.into(), exp, nbf: None }
    }

    /// When the token expires.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.exp)
    }
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
        // A token without `exp` would open a session that never ends.
        validation.required_spec_claims = ["exp".to_owned()].into();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // Clocks of the issuer and this server may differ by a little, not by a minute (the
        // library's default): a token's lifetime may be much shorter than that.
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// Signs `claims` (usually [`Claims`]).
    pub fn sign(&self, claims: &impl Serialize) -> String {
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

/// A token for a demo user, valid for `lifetime`.
pub fn demo_token(keys: &JwtKeys, lifetime: Duration) -> String {
    keys.sign(&Claims::new("demo", "Demo User", lifetime))
}
