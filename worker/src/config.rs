//! Runtime configuration from the Worker's vars and secrets, read once per request or batch.

use worker::Env;

/// Binding names, as in `wrangler.toml`.
pub const DB: &str = "DB";
pub const KV: &str = "KV";
pub const SCANS: &str = "SCANS";
pub const EXPORTS: &str = "EXPORTS";
pub const QUEUE: &str = "SCAN_QUEUE";

/// Every knob of the Worker. Vars are strings in `wrangler.toml`; unparsable values fall back to
/// the defaults (and are reported by `/health`).
#[derive(Clone, Debug)]
pub struct Config {
    pub environment: String,
    pub cors_origin: Option<String>,
    pub ocr_api_url: Option<String>,
    pub log_level: crate::log::Level,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Largest image accepted, in pixels.
    pub max_pixels: u64,
    /// The CPU time the pipeline may use for one image, in milliseconds.
    pub cpu_budget_ms: u64,
    /// Estimated pipeline CPU cost per megapixel of input, in milliseconds.
    pub cpu_ms_per_megapixel: u64,
    /// Timeout of one OCR API call, in milliseconds.
    pub ocr_timeout_ms: u64,
    /// First retry delay after an OCR failure, in seconds (doubles each attempt).
    pub retry_base_seconds: u32,
    /// Longest retry delay, in seconds (Queues accept at most 43200).
    pub retry_max_seconds: u32,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn num<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> T {
    var(env, name)
        .and_then(|s| s.parse::<T>().ok())
        .unwrap_or(default)
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        Config {
            environment: var(env, "ENVIRONMENT").unwrap_or_else(|| "development".into()),
            cors_origin: var(env, "CORS_ORIGIN"),
            ocr_api_url: var(env, "OCR_API_URL"),
            log_level: crate::log::Level::parse(var(env, "LOG_LEVEL").as_deref()),
            max_body_bytes: num(env, "MAX_BODY_BYTES", 25 * 1024 * 1024),
            max_pixels: num(env, "MAX_PIXELS", 25_000_000),
            cpu_budget_ms: num(env, "CPU_BUDGET_MS", 20_000),
            cpu_ms_per_megapixel: num(env, "CPU_MS_PER_MEGAPIXEL", 120).max(1),
            ocr_timeout_ms: num(env, "OCR_TIMEOUT_MS", 30_000).max(1),
            retry_base_seconds: num(env, "RETRY_BASE_SECONDS", 10),
            retry_max_seconds: num(env, "RETRY_MAX_SECONDS", 3600).min(43_200),
        }
    }

    /// The largest pixel count whose estimated pipeline CPU time fits the budget.
    pub fn cpu_max_pixels(&self) -> u64 {
        self.cpu_budget_ms.saturating_mul(1_000_000) / self.cpu_ms_per_megapixel
    }

    /// Backoff for the given attempt (1-based): base × 2^(attempt−1), capped.
    pub fn backoff_seconds(&self, attempt: u32) -> u32 {
        let shift = attempt.saturating_sub(1).min(20);
        self.retry_base_seconds
            .saturating_mul(1u32 << shift)
            .min(self.retry_max_seconds)
    }
}

/// A secret's value, if set and non-empty.
pub fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|s| !s.is_empty())
}
