//! JSON errors, responses and CORS.

use serde::Serialize;
use serde_json::json;
use worker::{Headers, Response};

/// An error answered to the client as `{ "error": { "code", "message" } }` with a status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Seconds after which the client may try again (`Retry-After`), for 503s.
    pub retry_after: Option<u32>,
    /// More fields of the error object: for `poor_capture`, `reasons` and `quality`.
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            details: None,
        }
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "internal_error", message)
    }
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(503, "storage_unavailable", message)
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> ApiError {
        ApiError::internal(format!("runtime error: {e}"))
    }
}

/// A response with a JSON body. Building one cannot fail in practice; if it does we fall back
/// to an empty 500 rather than throwing.
pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    bytes_response(status, text.into_bytes(), "application/json; charset=utf-8")
}

pub fn bytes_response(status: u16, body: Vec<u8>, content_type: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", content_type);
    match Response::from_bytes(body) {
        Ok(r) => r.with_status(status).with_headers(headers),
        Err(_) => Response::empty()
            .map(|r| r.with_status(500))
            .unwrap_or_else(|_| Response::builder().with_status(500).empty()),
    }
}

pub fn error_response(e: &ApiError) -> Response {
    let mut error = serde_json::Map::new();
    error.insert("code".into(), json!(e.code));
    error.insert("message".into(), json!(e.message));
    if let Some(d) = &e.details {
        error.extend(d.clone());
    }
    let resp = json_response(e.status, &json!({ "error": error }));
    if let Some(seconds) = e.retry_after {
        let _ = resp.headers().set("retry-after", &seconds.to_string());
    }
    if e.status == 401 {
        let _ = resp.headers().set(
            "www-authenticate",
            &format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                e.code
            ),
        );
    }
    resp
}

/// Serialises JSON for an HTTP header: ASCII only (non-ASCII escaped as `\uXXXX`).
pub fn header_json<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

pub const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
pub const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Accept, X-Scanprep-Options, Idempotency-Key";
pub const EXPOSE_HEADERS: &str =
    "X-Scanprep-Report, X-Scanprep-Width, X-Scanprep-Height, X-Request-Id, Location";

/// True when the request's `Origin` is exactly the configured one.
pub fn origin_allowed(origin: Option<&str>, allowed: Option<&str>) -> bool {
    matches!((origin, allowed), (Some(o), Some(a)) if o == a)
}

/// Adds the CORS headers to a response when the origin is the allowed one. Always adds
/// `Vary: Origin` so that caches keep answers for different origins apart.
pub fn apply_cors(resp: &Response, origin: Option<&str>, allowed: Option<&str>) {
    let h = resp.headers();
    let _ = h.append("vary", "Origin");
    if origin_allowed(origin, allowed) {
        if let Some(o) = origin {
            let _ = h.set("access-control-allow-origin", o);
            let _ = h.set("access-control-expose-headers", EXPOSE_HEADERS);
        }
    }
}
