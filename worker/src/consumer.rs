//! The queue consumer: R2 original → scanprep → R2 processed → OCR API → R2 exports → D1 done.
//! Also consumes the dead-letter queue, marking scans whose retries ran out as `failed`.
//!
//! Idempotent on the scan id: a scan that is `done` or `failed` is acknowledged untouched; the
//! processed image and the OCR answer are reused when already stored; a scan being processed
//! elsewhere (an unexpired lease in D1) is retried later rather than processed twice.

use std::time::Duration;

use futures_util::future::{select, Either};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::js_sys;
use worker::{
    AbortController, Bucket, Delay, Env, Fetch, Headers, MessageBatch, MessageExt, Method,
    QueueRetryOptionsBuilder, RawMessage, Request, RequestInit,
};

use crate::config::{self, Config};
use crate::http::ApiError;
use crate::log::{self, Level, Line};
use crate::store::{self, n, s, ScanRow};

/// How long a claim on a scan lasts, in milliseconds (longer than one attempt can take).
const LEASE_MS: f64 = 5.0 * 60.0 * 1000.0;

/// The message body on the processing queue.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScanMessage {
    pub scan_id: String,
}

/// What to do with one message.
enum Outcome {
    Ack(&'static str),
    Retry { delay: u32, reason: String },
}

pub async fn handle_batch(batch: MessageBatch<Value>, env: Env) {
    let cfg = Config::from_env(&env);
    let queue_name = batch.queue();
    let dlq_name = env
        .var("DLQ_NAME")
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty());
    let is_dlq = dlq_name.as_deref() == Some(queue_name.as_str()) || queue_name.ends_with("-dlq");
    // One message at a time: the pipeline is synchronous anyway, and a scan delivered twice in
    // one batch then sees its own result.
    for msg in batch.raw_iter() {
        let started = log::now_ms();
        let mut line = Line::new(
            cfg.log_level,
            Level::Info,
            if is_dlq { "dead_letter" } else { "message" },
        )
        .field("queue", queue_name.clone())
        .field("message_id", msg.id());
        let scan_id = match parse_body(&msg) {
            Some(id) => id,
            None => {
                line.level(Level::Error);
                line.set("outcome", "malformed_message");
                line.emit();
                msg.ack();
                continue;
            }
        };
        line.set("scan_id", scan_id.clone());
        let outcome = if is_dlq {
            dead_letter(&env, &scan_id, &mut line).await
        } else {
            process(&env, &cfg, &scan_id, &mut line).await
        };
        match outcome {
            Outcome::Ack(what) => {
                line.set("outcome", what);
                msg.ack();
            }
            Outcome::Retry { delay, reason } => {
                line.level(Level::Warn);
                line.set("outcome", "retry");
                line.set("retry_delay_s", delay);
                line.set("reason", reason);
                msg.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(delay)
                        .build(),
                );
            }
        }
        line.set("duration_ms", log::now_ms() - started);
        line.emit();
    }
}

fn parse_body(msg: &RawMessage) -> Option<String> {
    let body = msg.body();
    let text = match body.as_string() {
        Some(t) => t,
        None => js_sys::JSON::stringify(&body).ok()?.as_string()?,
    };
    let m: ScanMessage = serde_json::from_str(&text).ok()?;
    let ok = !m.scan_id.is_empty()
        && m.scan_id.len() <= 64
        && m.scan_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(m.scan_id)
}

/// Marks a scan `failed` for good with a reason. The original stays in R2.
async fn fail(
    db: &worker::D1Database,
    id: &str,
    code: &str,
    message: &str,
) -> Result<(), ApiError> {
    store::exec(
        db,
        "UPDATE scans SET status = 'failed', error_code = ?2, error_message = ?3, lease_until = NULL, \
         updated_at = ?4 WHERE id = ?1 AND status != 'done'",
        &[s(id), s(code), s(message), s(&log::now_iso())],
    )
    .await
}

async fn dead_letter(env: &Env, id: &str, line: &mut Line) -> Outcome {
    let db = match store::db(env) {
        Ok(db) => db,
        Err(e) => {
            return Outcome::Retry {
                delay: 60,
                reason: e.message,
            }
        }
    };
    let row = match store::get(&db, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return Outcome::Ack("unknown_scan"),
        Err(e) => {
            return Outcome::Retry {
                delay: 60,
                reason: e.message,
            }
        }
    };
    if row.status == "done" || row.status == "failed" {
        return Outcome::Ack("already_final");
    }
    let attempts = row.attempts.unwrap_or(0.0) as u64;
    let last = row
        .error_message
        .clone()
        .unwrap_or_else(|| "no error recorded".into());
    let code = row
        .error_code
        .clone()
        .unwrap_or_else(|| "retries_exhausted".into());
    let message = format!("gave up after {attempts} attempt(s); last error: {last}");
    line.level(Level::Error);
    line.set("error_code", code.clone());
    line.set("error", message.clone());
    match fail(&db, id, &code, &message).await {
        Ok(()) => Outcome::Ack("failed_after_retries"),
        Err(e) => Outcome::Retry {
            delay: 60,
            reason: e.message,
        },
    }
}

async fn process(env: &Env, cfg: &Config, id: &str, line: &mut Line) -> Outcome {
    match try_process(env, cfg, id, line).await {
        Ok(outcome) => outcome,
        // Storage errors are transient: release the claim, keep the reason, and let the queue
        // deliver the message again.
        Err(e) => {
            line.set("error", e.message.clone());
            if let Ok(db) = store::db(env) {
                let _ = store::exec(
                    &db,
                    "UPDATE scans SET lease_until = NULL, error_code = ?2, error_message = ?3, \
                     updated_at = ?4 WHERE id = ?1 AND status = 'processing'",
                    &[s(id), s(e.code), s(&e.message), s(&log::now_iso())],
                )
                .await;
            }
            Outcome::Retry {
                delay: cfg.backoff_seconds(1).max(1),
                reason: format!("{}: {}", e.code, e.message),
            }
        }
    }
}

async fn try_process(
    env: &Env,
    cfg: &Config,
    id: &str,
    line: &mut Line,
) -> Result<Outcome, ApiError> {
    let db = store::db(env)?;
    let scans = bucket(env, config::SCANS)?;
    let exports = bucket(env, config::EXPORTS)?;
    let row = match store::get(&db, id).await? {
        Some(row) => row,
        None => return Ok(Outcome::Ack("unknown_scan")),
    };
    if row.status == "done" || row.status == "failed" {
        return Ok(Outcome::Ack("already_final"));
    }
    let now = log::now_ms();
    let attempt = match store::claim(&db, id, now, LEASE_MS, &log::now_iso()).await? {
        Some(a) => a,
        None => {
            let wait = row
                .lease_until
                .map(|l| ((l - now) / 1000.0).ceil())
                .unwrap_or(60.0);
            return Ok(Outcome::Retry {
                delay: (wait.clamp(1.0, 900.0)) as u32,
                reason: "scan is being processed by another delivery".into(),
            });
        }
    };
    line.set("attempt", attempt);

    // 1. The processed image: reuse it when an earlier attempt stored it.
    let (processed, media_type, processed_key) = match existing_processed(&scans, &row).await? {
        Some(p) => {
            line.set("processed", "reused");
            p
        }
        None => match preprocess(env, cfg, &db, &scans, &row, line).await? {
            Ok(p) => p,
            Err(e) => {
                // Bad input or over a limit: retrying cannot help.
                line.level(Level::Warn);
                line.set("error_code", e.code);
                line.set("error", e.message.clone());
                fail(&db, id, e.code, &e.message).await?;
                return Ok(Outcome::Ack("failed"));
            }
        },
    };

    // 2. The OCR answer: reuse it when already stored (a redelivery after the answer was saved).
    let result_key = store::result_key(id);
    let have_result = exports
        .head(&result_key)
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?
        .is_some();
    if have_result {
        line.set("ocr", "reused");
    } else {
        let t0 = log::now_ms();
        let answer = call_ocr(env, cfg, id, &processed, &media_type).await;
        line.set("ocr_ms", log::now_ms() - t0);
        match answer {
            OcrAnswer::Ok { body, content_type } => {
                line.set("ocr_bytes", body.len());
                exports
                    .put(&result_key, body)
                    .http_metadata(worker::HttpMetadata {
                        content_type: Some(content_type),
                        ..Default::default()
                    })
                    .custom_metadata(meta(id, &row.user_id, Some(&processed_key)))
                    .execute()
                    .await
                    .map_err(|e| {
                        ApiError::unavailable(format!("R2: cannot store the OCR answer: {e}"))
                    })?;
            }
            OcrAnswer::Retry {
                reason,
                retry_after,
            } => {
                let delay = retry_after.unwrap_or_else(|| cfg.backoff_seconds(attempt));
                store::exec(
                    &db,
                    "UPDATE scans SET error_code = 'ocr_unavailable', error_message = ?2, \
                     lease_until = NULL, updated_at = ?3 WHERE id = ?1 AND status = 'processing'",
                    &[s(id), s(&reason), s(&log::now_iso())],
                )
                .await?;
                return Ok(Outcome::Retry { delay, reason });
            }
            OcrAnswer::Fatal { reason } => {
                line.level(Level::Error);
                line.set("error", reason.clone());
                fail(&db, id, "ocr_rejected", &reason).await?;
                return Ok(Outcome::Ack("failed"));
            }
        }
    }

    // 3. Done.
    store::exec(
        &db,
        "UPDATE scans SET status = 'done', result_key = ?2, error_code = NULL, error_message = NULL, \
         lease_until = NULL, updated_at = ?3 WHERE id = ?1",
        &[s(id), s(&result_key), s(&log::now_iso())],
    )
    .await?;
    Ok(Outcome::Ack("done"))
}

fn bucket(env: &Env, name: &str) -> Result<Bucket, ApiError> {
    env.bucket(name)
        .map_err(|_| ApiError::unavailable(format!("the R2 binding {name} is missing")))
}

fn meta(id: &str, user: &str, source: Option<&str>) -> std::collections::HashMap<String, String> {
    let mut m = std::collections::HashMap::new();
    m.insert("scan_id".to_string(), id.to_string());
    m.insert("user_id".to_string(), user.to_string());
    if let Some(src) = source {
        m.insert("source".to_string(), src.to_string());
    }
    m
}

type ProcessedImage = (Vec<u8>, String, String);

async fn existing_processed(
    scans: &Bucket,
    row: &ScanRow,
) -> Result<Option<ProcessedImage>, ApiError> {
    let (Some(key), Some(media)) = (&row.processed_key, &row.processed_media_type) else {
        return Ok(None);
    };
    let obj = scans
        .get(key)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?;
    let Some(obj) = obj else { return Ok(None) };
    match obj.body() {
        Some(body) => {
            let bytes = body
                .bytes()
                .await
                .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?;
            Ok(Some((bytes, media.clone(), key.clone())))
        }
        None => Ok(None),
    }
}

/// Loads the original and runs the pipeline. The outer error is transient (storage), the inner
/// one permanent (the image itself).
async fn preprocess(
    _env: &Env,
    cfg: &Config,
    db: &worker::D1Database,
    scans: &Bucket,
    row: &ScanRow,
    line: &mut Line,
) -> Result<Result<ProcessedImage, ApiError>, ApiError> {
    let obj = scans
        .get(&row.original_key)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?;
    let body = obj.as_ref().and_then(|o| o.body());
    let original = match body {
        Some(body) => body
            .bytes()
            .await
            .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?,
        None => {
            return Ok(Err(ApiError::new(
                410,
                "original_missing",
                "the original image is no longer in R2",
            )))
        }
    };
    line.set("bytes_in", original.len());
    let options = match row.options.as_deref() {
        Some(text) => match crate::pipeline::parse_options(Some(text), &[]) {
            Ok((o, _)) => o,
            Err(e) => return Ok(Err(e)),
        },
        None => scanprep::Options::default(),
    };
    let t0 = log::now_ms();
    let out = match crate::pipeline::run(&original, &options, cfg) {
        Ok(out) => out,
        Err(e) => return Ok(Err(e)),
    };
    drop(original);
    line.set("pipeline_ms", log::now_ms() - t0);
    line.set("bytes_out", out.bytes.len());
    line.set("width", out.width);
    line.set("height", out.height);
    line.set("wasm_memory_bytes", log::wasm_memory_bytes());
    let ext = match out.media_type {
        "image/tiff" => "tiff",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "bin",
    };
    let key = store::processed_key(&row.id, ext);
    let report = serde_json::to_string(&out.report).unwrap_or_else(|_| "null".into());
    let size = out.bytes.len();
    let media = out.media_type.to_string();
    scans
        .put(&key, out.bytes.clone())
        .http_metadata(worker::HttpMetadata {
            content_type: Some(media.clone()),
            ..Default::default()
        })
        .custom_metadata(meta(&row.id, &row.user_id, Some(&row.original_key)))
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: cannot store the processed image: {e}")))?;
    store::exec(
        db,
        "UPDATE scans SET processed_key = ?2, processed_media_type = ?3, processed_bytes = ?4, \
         report = ?5, updated_at = ?6 WHERE id = ?1",
        &[
            s(&row.id),
            s(&key),
            s(&media),
            n(size as f64),
            s(&report),
            s(&log::now_iso()),
        ],
    )
    .await?;
    Ok(Ok((out.bytes, media, key)))
}

enum OcrAnswer {
    Ok {
        body: Vec<u8>,
        content_type: String,
    },
    Retry {
        reason: String,
        retry_after: Option<u32>,
    },
    Fatal {
        reason: String,
    },
}

/// POSTs the processed image to the OCR API with the bearer key, under a timeout.
async fn call_ocr(env: &Env, cfg: &Config, id: &str, image: &[u8], media_type: &str) -> OcrAnswer {
    let Some(url) = cfg.ocr_api_url.as_deref() else {
        return OcrAnswer::Retry {
            reason: "OCR_API_URL is not configured".into(),
            retry_after: None,
        };
    };
    let Some(key) = config::secret(env, "OCR_API_KEY") else {
        return OcrAnswer::Retry {
            reason: "the OCR_API_KEY secret is not set".into(),
            retry_after: None,
        };
    };
    let headers = Headers::new();
    let _ = headers.set("authorization", &format!("Bearer {key}"));
    let _ = headers.set("content-type", media_type);
    let _ = headers.set("accept", "application/json");
    let _ = headers.set("x-scan-id", id);
    let _ = headers.set("idempotency-key", id);
    let body = js_sys::Uint8Array::from(image);
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let req = match Request::new_with_init(url, &init) {
        Ok(r) => r,
        Err(e) => {
            return OcrAnswer::Retry {
                reason: format!("bad OCR_API_URL: {e}"),
                retry_after: None,
            }
        }
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timeout = Box::pin(Delay::from(Duration::from_millis(cfg.ocr_timeout_ms)));
    let mut resp = match select(send, timeout).await {
        Either::Left((Ok(resp), _)) => resp,
        Either::Left((Err(e), _)) => {
            return OcrAnswer::Retry {
                reason: format!("OCR API unreachable: {e}"),
                retry_after: None,
            }
        }
        Either::Right(((), _)) => {
            controller.abort();
            return OcrAnswer::Retry {
                reason: format!("OCR API timed out after {} ms", cfg.ocr_timeout_ms),
                retry_after: None,
            };
        }
    };
    let status = resp.status_code();
    let content_type = resp
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_else(|| "application/json".into());
    if (200..300).contains(&status) {
        return match resp.bytes().await {
            Ok(body) => OcrAnswer::Ok { body, content_type },
            Err(e) => OcrAnswer::Retry {
                reason: format!("cannot read the OCR answer: {e}"),
                retry_after: None,
            },
        };
    }
    let retry_after = resp
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|v| v.min(43_200));
    let text = resp.text().await.unwrap_or_default();
    let snippet: String = text.chars().take(200).collect();
    let reason = format!("OCR API answered {status}: {snippet}");
    if status == 429 || status == 408 || status >= 500 {
        OcrAnswer::Retry {
            reason,
            retry_after: if status == 429 { retry_after } else { None },
        }
    } else {
        OcrAnswer::Fatal { reason }
    }
}
