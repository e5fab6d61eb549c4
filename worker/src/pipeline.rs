//! The engine behind both paths: options from the request, server limits, and the mapping of
//! `scanprep::Error` to HTTP statuses and stable codes.

use serde_json::{Map, Value};

use crate::config::Config;
use crate::http::ApiError;

/// Builds `scanprep::Options` from the JSON header `X-Scanprep-Options` and the query string
/// (query parameters override header fields). Field names are those of `Options` (snake_case);
/// unknown fields are refused.
/// A request that names no `ocr_profile` gets the Worker's `OCR_PROFILE` (`profile`).
pub fn parse_options(
    header: Option<&str>,
    query: &[(String, String)],
    profile: &Result<scanprep::OcrProfile, String>,
) -> Result<(scanprep::Options, Value), ApiError> {
    let mut obj = match header.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(ApiError::new(
                    400,
                    "invalid_options",
                    "X-Scanprep-Options must be a JSON object",
                ))
            }
            Err(e) => {
                return Err(ApiError::new(
                    400,
                    "invalid_options",
                    format!("X-Scanprep-Options is not valid JSON: {e}"),
                ))
            }
        },
        None => Map::new(),
    };
    for (k, v) in query {
        obj.insert(k.clone(), query_value(k, v));
    }
    if !obj.contains_key("ocr_profile") {
        match profile {
            Ok(scanprep::OcrProfile::None) => {}
            Ok(p) => {
                obj.insert("ocr_profile".into(), Value::from(p.name()));
            }
            Err(name) => {
                return Err(ApiError::new(
                    500,
                    "misconfigured",
                    format!(
                        "OCR_PROFILE `{name}` is not a profile (none, tesseract, textract, \
                         google-vision, azure-read, azure-read-free)"
                    ),
                ))
            }
        }
    }
    let json = Value::Object(obj);
    let options: scanprep::Options = serde_json::from_value(json.clone())
        .map_err(|e| ApiError::new(400, "invalid_option", format!("bad options: {e}")))?;
    options
        .validate()
        .map_err(|e| ApiError::new(400, e.code(), e.to_string()))?;
    Ok((options, json))
}

/// A query value as JSON: booleans and numbers typed, `null` for "none"/empty, a JSON array
/// as itself, a comma-separated list as an array (`corners=x,y,x,y,x,y,x,y` as four points,
/// `reject=too_blurry,glare` as names), else a string.
fn query_value(key: &str, v: &str) -> Value {
    if v.starts_with('[') {
        if let Ok(a @ Value::Array(_)) = serde_json::from_str::<Value>(v) {
            return a;
        }
    }
    if key == "corners" {
        let n: Option<Vec<f64>> = v.split(',').map(|t| t.trim().parse().ok()).collect();
        if let Some(n) = n.filter(|n| n.len() == 8) {
            return Value::from(
                n.chunks(2)
                    .map(|p| Value::from(p.to_vec()))
                    .collect::<Vec<_>>(),
            );
        }
    }
    if key == "reject" {
        return Value::from(
            v.split(',')
                .filter(|t| !t.is_empty())
                .map(|t| Value::from(t.trim()))
                .collect::<Vec<_>>(),
        );
    }
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "" | "null" => Value::Null,
        _ => {
            if let Ok(n) = v.parse::<u64>() {
                Value::from(n)
            } else if let Ok(f) = v.parse::<f64>() {
                if f.is_finite() {
                    Value::from(f)
                } else {
                    Value::String(v.into())
                }
            } else {
                Value::String(v.into())
            }
        }
    }
}

/// Clamps the caller's limits to the server's: body bytes, pixels, and the pixel count whose
/// estimated CPU time fits the budget.
pub fn apply_limits(mut o: scanprep::Options, cfg: &Config) -> scanprep::Options {
    o.max_input_bytes = o.max_input_bytes.min(cfg.max_body_bytes);
    o.max_pixels = o
        .max_pixels
        .min(cfg.max_pixels)
        .min(cfg.cpu_max_pixels().max(1));
    o
}

/// Maps an engine error to an API error, telling a CPU-budget refusal from a plain pixel limit.
pub fn engine_error(e: &scanprep::Error, cfg: &Config) -> ApiError {
    use scanprep::Error as E;
    match e {
        E::InputTooLarge { .. } => ApiError::new(413, "payload_too_large", e.to_string()),
        E::ImageTooLarge { width, height, .. } => {
            let pixels = u64::from(*width) * u64::from(*height);
            if pixels <= cfg.max_pixels && pixels > cfg.cpu_max_pixels() {
                let est = pixels.saturating_mul(cfg.cpu_ms_per_megapixel) / 1_000_000;
                ApiError::new(
                    422,
                    "cpu_budget_exceeded",
                    format!(
                        "the image is {width}x{height} pixels; its estimated processing time \
                         ({est} ms) is over the CPU budget of {} ms",
                        cfg.cpu_budget_ms
                    ),
                )
            } else {
                ApiError::new(422, "image_too_large", e.to_string())
            }
        }
        E::SideTooLong { .. } => ApiError::new(422, "image_too_large", e.to_string()),
        E::EmptyInput => ApiError::new(400, "empty_input", e.to_string()),
        E::UnsupportedFormat => ApiError::new(415, "unsupported_format", e.to_string()),
        E::Decode { .. } | E::EmptyImage { .. } => ApiError::new(422, e.code(), e.to_string()),
        E::InvalidOption { .. } => ApiError::new(400, "invalid_option", e.to_string()),
        E::InvalidCorners { .. } => ApiError::new(400, "invalid_corners", e.to_string()),
        // The page cannot be made to fit the OCR service: which limit, in the message.
        E::OcrLimitExceeded { .. } => ApiError::new(422, e.code(), e.to_string()),
        // The app asks for a retake: the reasons and the measures behind them.
        E::PoorCapture { reasons, quality } => {
            let mut err = ApiError::new(422, "poor_capture", e.to_string());
            let mut d = serde_json::Map::new();
            d.insert("reasons".into(), serde_json::json!(reasons));
            d.insert(
                "quality".into(),
                serde_json::to_value(quality).unwrap_or(Value::Null),
            );
            err.details = Some(d);
            err
        }
        // Variants added to the engine later (`#[non_exhaustive]`), by their stable code: a file
        // cut short or using an unsupported feature is the upload's fault, not the server's.
        _ => match e.code() {
            "truncated_image" | "unsupported_feature" => {
                ApiError::new(422, e.code(), e.to_string())
            }
            _ => ApiError::new(500, e.code(), e.to_string()),
        },
    }
}

/// The engine's clock: `Date.now()`. Inside workerd time does not advance during synchronous
/// work, so the per-stage timings in the report read 0 there; wall time is measured outside.
struct JsClock;
impl scanprep::Clock for JsClock {
    fn now_ms(&self) -> f64 {
        crate::log::now_ms()
    }
}

/// Runs the whole pipeline with the server's limits.
pub fn run(
    bytes: &[u8],
    options: &scanprep::Options,
    cfg: &Config,
) -> Result<scanprep::Processed, ApiError> {
    let o = apply_limits(options.clone(), cfg);
    scanprep::process_with_clock(bytes, &o, Some(&JsClock)).map_err(|e| engine_error(&e, cfg))
}

/// Finds the page, its orientation and the capture verdict with the server's limits, without
/// producing an output (`POST /v1/detect`).
pub fn detect(
    bytes: &[u8],
    options: &scanprep::Options,
    cfg: &Config,
) -> Result<scanprep::Detection, ApiError> {
    let o = apply_limits(options.clone(), cfg);
    scanprep::detect(bytes, &o).map_err(|e| engine_error(&e, cfg))
}

/// Reads an upload's format, size and completeness without decoding it (the engine's
/// `probe_image`), with the server's limits: what `/v1/scans` checks before it answers `202`,
/// and `/v1/preprocess` before it reserves the pipeline's memory.
pub fn probe(
    bytes: &[u8],
    options: &scanprep::Options,
    cfg: &Config,
) -> Result<scanprep::ImageInfo, ApiError> {
    let o = apply_limits(options.clone(), cfg);
    let info = scanprep::probe_image(bytes, &scanprep::Limits::from(&o))
        .map_err(|e| engine_error(&e, cfg))?;
    if !info.complete && !o.allow_truncated {
        return Err(ApiError::new(
            422,
            "truncated_image",
            format!(
                "the {} upload is cut short ({} bytes): the file ends before its image data \
                 does; upload it again, or set allow_truncated to accept the rows it holds",
                info.format,
                bytes.len()
            ),
        ));
    }
    Ok(info)
}

/// Recognises the supported formats from their magic bytes (before storing an upload).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}
