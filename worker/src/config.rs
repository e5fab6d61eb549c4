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
    /// How long a scan may keep failing for transient reasons before it is `failed`, in seconds.
    pub scan_deadline_seconds: u32,
    /// Consecutive transient OCR failures (all consumers together) that open the breaker.
    pub breaker_failures: u32,
    /// How long the breaker stays open before a probe may go through, in seconds.
    pub breaker_open_seconds: u32,
    /// What the cron probes with `GET` (`OCR_HEALTH_URL`, else `OCR_API_URL`).
    pub ocr_health_url: Option<String>,
    /// A queued scan whose message is this late is taken as lost and sent again by the cron.
    pub stale_seconds: u32,
    /// Most scans the cron brings back per run.
    pub revive_batch: u32,
    /// WebAssembly memory the requests in flight may hold together, in bytes (the isolate has
    /// 128 MB; the rest is the module, JavaScript and the runtime).
    pub memory_budget_bytes: u64,
    /// `OCR_PROFILE`: the OCR service's limits that every output keeps to, unless a request
    /// names its own `ocr_profile`; an unknown name is kept as the error it is, and requests
    /// answer `500 misconfigured` until it is fixed.
    pub ocr_profile: Result<scanprep::OcrProfile, String>,
    /// `SELF_TEST_TRAP=1` enables `POST /v1/__self-test/trap`, which traps the WebAssembly
    /// instance on purpose (the test that a trapped instance is replaced). Never set it in
    /// staging or production.
    pub self_test_trap: bool,
    /// Most pages in one document (`MAX_DOCUMENT_PAGES`).
    pub max_document_pages: u32,
    /// Most bytes of uploads in one document (`MAX_DOCUMENT_BYTES`).
    pub max_document_bytes: u64,
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
            retry_max_seconds: num(env, "RETRY_MAX_SECONDS", 600).min(43_200),
            scan_deadline_seconds: num(env, "SCAN_DEADLINE_SECONDS", 86_400).max(1),
            breaker_failures: num(env, "BREAKER_FAILURES", 5).max(1),
            breaker_open_seconds: num(env, "BREAKER_OPEN_SECONDS", 30).clamp(1, 3600),
            ocr_health_url: var(env, "OCR_HEALTH_URL").or_else(|| var(env, "OCR_API_URL")),
            stale_seconds: num(env, "STALE_SECONDS", 1800).max(1),
            revive_batch: num(env, "REVIVE_BATCH", 100).clamp(1, 100),
            memory_budget_bytes: num(env, "MEMORY_BUDGET_BYTES", 96 << 20),
            max_document_pages: num(env, "MAX_DOCUMENT_PAGES", 500).clamp(1, 5000),
            max_document_bytes: num(env, "MAX_DOCUMENT_BYTES", 500 << 20),
            ocr_profile: match var(env, "OCR_PROFILE") {
                None => Ok(scanprep::OcrProfile::None),
                Some(name) => serde_json::from_value(serde_json::Value::String(name.clone()))
                    .map_err(|_| name),
            },
            self_test_trap: var(env, "SELF_TEST_TRAP").as_deref() == Some("1"),
        }
    }

    /// The largest pixel count whose estimated pipeline CPU time fits the budget.
    pub fn cpu_max_pixels(&self) -> u64 {
        self.cpu_budget_ms.saturating_mul(1_000_000) / self.cpu_ms_per_megapixel
    }

    /// The ceiling of the backoff after the n-th failure (1-based): base × 2^(n−1), capped.
    pub fn backoff_ceiling(&self, failures: u32) -> u32 {
        let shift = failures.saturating_sub(1).min(20);
        self.retry_base_seconds
            .saturating_mul(1u32 << shift)
            .min(self.retry_max_seconds)
    }

    /// Exponential backoff with full jitter (Brooker, "Exponential Backoff And Jitter", AWS
    /// Architecture Blog, 2015): a uniform draw in [0, min(cap, base × 2^(n−1))] seconds.
    pub fn backoff_seconds(&self, failures: u32) -> u32 {
        jitter(self.backoff_ceiling(failures))
    }
}

/// A uniform whole number of seconds in [0, max] (`Math.random()`; spreads retries apart).
pub fn jitter(max: u32) -> u32 {
    let r = worker::js_sys::Math::random();
    ((f64::from(max) + 1.0) * r).floor().min(f64::from(max)) as u32
}

/// A secret's value, if set and non-empty.
pub fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|s| !s.is_empty())
}
