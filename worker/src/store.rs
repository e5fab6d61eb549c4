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
