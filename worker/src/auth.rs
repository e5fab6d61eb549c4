//! JWT (RFC 7519) bearer tokens signed with HS256 only. Checks the signature (constant time),
//! `exp` (required) and `nbf` (when present); refuses `alg: none` and every other algorithm.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::http::ApiError;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: f64 = 30.0;
/// Longest token accepted, in bytes.
const MAX_TOKEN_BYTES: usize = 8192;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(401, code, message)
}

fn b64(part: &str) -> Result<Vec<u8>, ApiError> {
    // Base64url without padding, as RFC 7515 requires; tolerate trailing '=' from lax issuers.
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| unauthorized("invalid_token", "the token is not valid base64url"))
}

/// Reads `Authorization: Bearer <jwt>` and verifies it.
pub fn authenticate(
    authorization: Option<&str>,
    secret: Option<&str>,
    now_seconds: f64,
) -> Result<User, ApiError> {
    let secret = secret.ok_or_else(|| {
        ApiError::new(
            500,
            "auth_not_configured",
            "the server has no token secret configured",
        )
    })?;
    let header = authorization.ok_or_else(|| {
        unauthorized(
            "missing_token",
            "an Authorization: Bearer token is required",
        )
    })?;
    let token = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => {
            return Err(unauthorized(
                "missing_token",
                "the Authorization header must be `Bearer <token>`",
            ))
        }
    };
    verify(token, secret.as_bytes(), now_seconds)
}

/// Verifies an HS256 JWT and returns its subject.
pub fn verify(token: &str, secret: &[u8], now_seconds: f64) -> Result<User, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(unauthorized(
            "invalid_token",
            "the token is empty or too long",
        ));
    }
    let mut parts = token.split('.');
    let (h, p, s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => (h, p, s),
        _ => {
            return Err(unauthorized(
                "invalid_token",
                "the token must have three dot-separated parts",
            ))
        }
    };
    let header: Value = serde_json::from_slice(&b64(h)?)
        .map_err(|_| unauthorized("invalid_token", "the token header is not JSON"))?;
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => {}
        Some(other) => {
            return Err(unauthorized(
                "unsupported_algorithm",
                &format!(
                    "token algorithm `{}` is not accepted; only HS256 is",
                    clip(other)
                ),
            ))
        }
        None => {
            return Err(unauthorized(
                "invalid_token",
                "the token header has no `alg`",
            ))
        }
    }
    if header.get("crit").is_some() {
        return Err(unauthorized(
            "invalid_token",
            "tokens with critical header extensions are not accepted",
        ));
    }
    let signature = b64(s)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| ApiError::internal("cannot key HMAC"))?;
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| unauthorized("invalid_token", "the token signature does not verify"))?;

    let claims: Value = serde_json::from_slice(&b64(p)?)
        .map_err(|_| unauthorized("invalid_token", "the token payload is not JSON"))?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or_else(|| unauthorized("invalid_token", "the token has no numeric `exp` claim"))?;
    if now_seconds >= exp + LEEWAY_SECONDS {
        return Err(unauthorized("token_expired", "the token has expired"));
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf
            .as_f64()
            .ok_or_else(|| unauthorized("invalid_token", "the `nbf` claim is not a number"))?;
        if now_seconds + LEEWAY_SECONDS < nbf {
            return Err(unauthorized(
                "token_not_yet_valid",
                "the token is not valid yet (nbf)",
            ));
        }
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or_else(|| unauthorized("invalid_token", "the token has no usable `sub` claim"))?;
    Ok(User {
        id: sub.to_string(),
    })
}

fn clip(s: &str) -> String {
    s.chars().take(20).collect()
}
