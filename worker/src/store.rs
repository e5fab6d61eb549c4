//! D1 rows of the `scans` table (see migrations/0001_scans.sql) and R2 keys.

use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Env};

use crate::config;
use crate::http::ApiError;

pub fn original_key(id: &str) -> String {
    format!("originals/{id}")
}
pub fn processed_key(id: &str, ext: &str) -> String {
    format!("processed/{id}.{ext}")
}
pub fn result_key(id: &str) -> String {
    format!("ocr/{id}.json")
}

/// One scan, as stored.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct ScanRow {
    pub id: String,
    pub user_id: String,
    pub status: String,
    pub original_key: String,
    pub original_bytes: Option<f64>,
    pub content_type: Option<String>,
    pub options: Option<String>,
    pub processed_key: Option<String>,
    pub processed_media_type: Option<String>,
    pub processed_bytes: Option<f64>,
    pub result_key: Option<String>,
    pub report: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempts: Option<f64>,
    pub lease_until: Option<f64>,
    pub ocr_attempts: Option<f64>,
    pub deadline_at: Option<f64>,
    pub next_attempt_at: Option<f64>,
    pub revived: Option<f64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

pub fn db(env: &Env) -> Result<D1Database, ApiError> {
    env.d1(config::DB)
        .map_err(|_| ApiError::unavailable("the D1 binding DB is missing"))
}

fn d1_err(e: worker::Error) -> ApiError {
    ApiError::unavailable(format!("D1: {e}"))
}

pub fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}
pub fn n(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

pub async fn get(db: &D1Database, id: &str) -> Result<Option<ScanRow>, ApiError> {
    db.prepare("SELECT * FROM scans WHERE id = ?1")
        .bind(&[s(id)])
        .map_err(d1_err)?
        .first::<ScanRow>(None)
        .await
        .map_err(d1_err)
}

/// Runs a query and returns every row.
pub async fn all<T: serde::de::DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<Vec<T>, ApiError> {
    db.prepare(sql)
        .bind(args)
        .map_err(d1_err)?
        .all()
        .await
        .map_err(d1_err)?
        .results::<T>()
        .map_err(d1_err)
}

/// Runs a query and returns its first row, if any.
pub async fn first<T: serde::de::DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<Option<T>, ApiError> {
    db.prepare(sql)
        .bind(args)
        .map_err(d1_err)?
        .first::<T>(None)
        .await
        .map_err(d1_err)
}

/// Error codes of failures that may pass: the cron brings such scans back before their deadline,
/// scripts/requeue.sh (by default) at any time. Everything else (`ocr_rejected`, a corrupt or
/// oversized image, ...) would fail the same way again. (`enqueue_failed` is not here: the
/// upload was answered 503, so the client uploads again.)
pub const TRANSIENT_CODES: &[&str] = &[
    "ocr_unavailable",
    "storage_unavailable",
    "retries_exhausted",
    "internal_error",
];

/// `'a', 'b', ...` for an SQL `IN (...)` list of the transient codes (constants, no input).
pub fn transient_codes_sql() -> String {
    TRANSIENT_CODES
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs a statement that changes rows.
pub async fn exec(db: &D1Database, sql: &str, args: &[JsValue]) -> Result<(), ApiError> {
    db.prepare(sql)
        .bind(args)
        .map_err(d1_err)?
        .run()
        .await
        .map_err(d1_err)
        .map(|_| ())
}

#[derive(Deserialize)]
struct Attempts {
    attempts: f64,
}

/// Claims a scan for processing: only a `queued` scan, or a `processing` one whose lease has
/// run out, can be claimed. Returns the attempt number, or `None` when someone else holds it.
pub async fn claim(
    db: &D1Database,
    id: &str,
    now_ms: f64,
    lease_ms: f64,
    now_iso: &str,
) -> Result<Option<u32>, ApiError> {
    let row = db
        .prepare(
            "UPDATE scans SET status = 'processing', attempts = attempts + 1, \
             lease_until = ?2, updated_at = ?3 \
             WHERE id = ?1 AND (status = 'queued' OR (status = 'processing' AND \
             (lease_until IS NULL OR lease_until < ?4))) RETURNING attempts",
        )
        .bind(&[s(id), n(now_ms + lease_ms), s(now_iso), n(now_ms)])
        .map_err(d1_err)?
        .first::<Attempts>(None)
        .await
        .map_err(d1_err)?;
    Ok(row.map(|r| r.attempts.max(0.0) as u32))
}
