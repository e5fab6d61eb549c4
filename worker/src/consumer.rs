//! The queue consumer: R2 original → scanprep → R2 processed → OCR API → R2 exports → D1 done.
//! Also consumes the dead-letter queue: a scan there goes back to the processing queue until its
//! deadline, and only then becomes `failed`.
//!
//! Nothing is lost to an OCR outage: a transient failure (5xx, 429, timeout, refused
//! connection) sends the scan again after a jittered exponential backoff, as a new message
//! (so the queue's `max_retries` is not burnt); the circuit breaker (src/breaker.rs) stops all
//! consumers from calling a failing API, and deliveries that find it open wait without counting
//! an attempt. Only after the scan's deadline (`deadline_at`, SCAN_DEADLINE_SECONDS) does a
//! transient failure become `failed`; a 4xx that can never succeed fails the scan at once.
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
    AbortController, Bucket, Delay, Env, Fetch, Headers, MessageBatch, MessageBuilder, MessageExt,
    Method, Queue, QueueRetryOptionsBuilder, RawMessage, Request, RequestInit,
};

use crate::breaker::{self, Gate};
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
    /// `message.retry({ delaySeconds })`: counts against the queue's `max_retries` (storage
    /// errors; after them the dead-letter queue sends the scan back, see `dead_letter`).
    Retry {
        delay: u32,
        reason: String,
    },
    /// Send the scan again as a new message after `delay` seconds, then acknowledge this one:
    /// the queue's delivery count starts over, only the scan's deadline limits the waiting.
    Requeue {
        delay: u32,
        reason: String,
        what: &'static str,
    },
}

/// Queues the scan again after `delay` seconds (at most the 12 h Queues allow).
pub async fn enqueue(queue: &Queue, id: &str, delay: u32) -> Result<(), worker::Error> {
    let msg = MessageBuilder::new(ScanMessage {
        scan_id: id.to_string(),
    })
    .delay_seconds(delay.min(43_200))
    .build();
    queue.send::<ScanMessage, _>(msg).await
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
    let queue = env.queue(config::QUEUE).ok();
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
        if let Some(doc) = parse_document(&msg) {
            line.set("document_id", doc.clone());
            line.set("wasm_memory_before_bytes", log::wasm_memory_bytes());
            let assembled = crate::documents::assemble(&env, &doc).await;
            line.set("wasm_memory_bytes", log::wasm_memory_bytes());
            match assembled {
                Ok(a) => {
                    match a {
                        crate::documents::Assembled::Done {
                            pages,
                            bytes,
                            words,
                        } => {
                            line.set("outcome", "assembled");
                            line.set("pages", pages);
                            line.set("bytes_out", bytes);
                            line.set("words", words);
                        }
                        crate::documents::Assembled::PagesFailed => {
                            line.set("outcome", "pages_failed");
                        }
                        crate::documents::Assembled::Skipped(why) => line.set("outcome", why),
                    }
                    msg.ack();
                }
                Err(e) => {
                    line.level(Level::Warn);
                    line.set("outcome", "retry");
                    line.set("reason", e.message);
                    msg.retry_with_options(
                        &QueueRetryOptionsBuilder::new()
                            .with_delay_seconds(cfg.backoff_seconds(1).max(1))
                            .build(),
                    );
                }
            }
            line.set("duration_ms", log::now_ms() - started);
            line.emit();
            continue;
        }
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
            dead_letter(&env, &cfg, &scan_id, &mut line).await
        } else {
            process(&env, &cfg, &scan_id, &mut line).await
        };
        match outcome {
            Outcome::Ack(what) => {
                line.set("outcome", what);
                // The scan has settled: if it is the last page of a finalized document, the
                // document's assembly is queued now. Acknowledged either way: should this fail,
                // the next page to settle or another finalize queues it.
                match crate::documents::page_settled(&env, &scan_id).await {
                    Ok(true) => line.set("assembly", "queued"),
                    Ok(false) => {}
                    Err(e) => line.set("assembly_error", e.message),
                }
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
            Outcome::Requeue {
                delay,
                reason,
                what,
            } => {
                line.level(Level::Warn);
                line.set("outcome", what);
                line.set("retry_delay_s", delay);
                line.set("reason", reason);
                let sent = match &queue {
                    Some(q) => match enqueue(q, &scan_id, delay).await {
                        Ok(()) => true,
                        Err(e) => {
                            line.set("enqueue_error", e.to_string());
                            false
                        }
                    },
                    None => false,
                };
                if sent {
                    msg.ack();
                } else {
                    // Cannot send: fall back to the queue's own retry (the dead-letter queue and
                    // the cron's sweep for lost scans catch it if that runs out too).
                    line.set("fallback", "message_retry");
                    msg.retry_with_options(
                        &QueueRetryOptionsBuilder::new()
                            .with_delay_seconds(delay.min(43_200))
                            .build(),
                    );
                }
            }
        }
        line.set("duration_ms", log::now_ms() - started);
        line.emit();
    }
}

/// The document id of an assembly message (`{"document_id": ...}`), if it is one.
fn parse_document(msg: &RawMessage) -> Option<String> {
    let m: crate::documents::DocumentMessage = serde_json::from_str(&message_text(msg)?).ok()?;
    Some(m.document_id)
}

/// A message's body as JSON text (a string body as it is, an object stringified).
fn message_text(msg: &RawMessage) -> Option<String> {
    let body = msg.body();
    match body.as_string() {
        Some(t) => Some(t),
        None => js_sys::JSON::stringify(&body).ok()?.as_string(),
    }
}

fn parse_body(msg: &RawMessage) -> Option<String> {
    let m: ScanMessage = serde_json::from_str(&message_text(msg)?).ok()?;
    let ok = !m.scan_id.is_empty()
        && m.scan_id.len() <= 64
        && m.scan_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(m.scan_id)
}

/// Marks a scan `failed` with a reason (`ocr_calls`: OCR calls this delivery made, 0 or 1). The
/// original stays in R2; a transient reason after the deadline can still be retried by hand.
async fn fail(
    db: &worker::D1Database,
    id: &str,
    code: &str,
    message: &str,
    ocr_calls: u32,
) -> Result<(), ApiError> {
    store::exec(
        db,
        "UPDATE scans SET status = 'failed', error_code = ?2, error_message = ?3, lease_until = NULL, \
         ocr_attempts = ocr_attempts + ?5, updated_at = ?4 WHERE id = ?1 AND status != 'done'",
        &[s(id), s(code), s(message), s(&log::now_iso()), n(f64::from(ocr_calls))],
    )
    .await
}

fn past_deadline(row: &ScanRow, now: f64) -> bool {
    row.deadline_at.is_some_and(|d| now >= d)
}

fn deadline_message(ocr_attempts: u64, last: &str) -> String {
    format!("gave up after {ocr_attempts} OCR attempt(s): the scan's deadline passed; last error: {last}")
}

/// A message in the dead-letter queue (the queue's own retries ran out, e.g. storage errors):
/// before the scan's deadline it goes back to the processing queue; after it, `failed`.
async fn dead_letter(env: &Env, cfg: &Config, id: &str, line: &mut Line) -> Outcome {
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
    let now = log::now_ms();
    let ocr_attempts = row.ocr_attempts.unwrap_or(0.0) as u64;
    let last = row
        .error_message
        .clone()
        .unwrap_or_else(|| "no error recorded".into());
    if !past_deadline(&row, now) {
        let delay = cfg.backoff_seconds(ocr_attempts.max(1) as u32).max(1);
        let res = store::exec(
            &db,
            "UPDATE scans SET status = 'queued', lease_until = NULL, next_attempt_at = ?2, \
             revived = revived + 1, updated_at = ?3 WHERE id = ?1 AND status IN ('queued', 'processing')",
            &[s(id), n(now + f64::from(delay) * 1000.0), s(&log::now_iso())],
        )
        .await;
        return match res {
            Ok(()) => Outcome::Requeue {
                delay,
                reason: format!("dead-lettered before the deadline; last error: {last}"),
                what: "requeued_from_dlq",
            },
            Err(e) => Outcome::Retry {
                delay: 60,
                reason: e.message,
            },
        };
    }
    let code = row
        .error_code
        .clone()
        .unwrap_or_else(|| "retries_exhausted".into());
    let message = deadline_message(ocr_attempts, &last);
    line.level(Level::Error);
    line.set("error_code", code.clone());
    line.set("error", message.clone());
    match fail(&db, id, &code, &message, 0).await {
        Ok(()) => Outcome::Ack("failed_after_deadline"),
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

    // The OCR answer may already be stored (a redelivery after it was saved): no call needed.
    let result_key = store::result_key(id);
    let have_result = exports
        .head(&result_key)
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?
        .is_some();

    // 0. The circuit breaker: while it is open, wait without claiming (no attempt counted).
    let gate = if have_result {
        Gate::Call { clean: true }
    } else {
        breaker::gate(&db, cfg, now).await
    };
    if let Gate::Wait { wait_s, last_error } = &gate {
        line.set("breaker", "open");
        let last = row
            .error_message
            .clone()
            .or_else(|| last_error.clone())
            .unwrap_or_else(|| "the OCR API is failing".into());
        if past_deadline(&row, now) {
            let message = deadline_message(row.ocr_attempts.unwrap_or(0.0) as u64, &last);
            line.level(Level::Error);
            line.set("error", message.clone());
            fail(&db, id, "ocr_unavailable", &message, 0).await?;
            return Ok(Outcome::Ack("failed_after_deadline"));
        }
        let delay = (*wait_s).clamp(1, 43_200);
        store::exec(
            &db,
            "UPDATE scans SET next_attempt_at = ?2, error_code = COALESCE(error_code, 'ocr_unavailable'), \
             error_message = COALESCE(error_message, ?3), updated_at = ?4 \
             WHERE id = ?1 AND status IN ('queued', 'processing')",
            &[
                s(id),
                n(now + f64::from(delay) * 1000.0),
                s(&format!("waiting: the OCR API's circuit breaker is open ({last})")),
                s(&log::now_iso()),
            ],
        )
        .await?;
        return Ok(Outcome::Requeue {
            delay,
            reason: "the OCR API's circuit breaker is open".into(),
            what: "deferred_breaker_open",
        });
    }
    if matches!(gate, Gate::Probe) {
        line.set("breaker", "probe");
    }

    let attempt = match store::claim(&db, id, now, LEASE_MS, &log::now_iso()).await? {
        Some(a) => a,
        None => {
            let wait = row
                .lease_until
                .map(|l| ((l - now) / 1000.0).ceil())
                .unwrap_or(60.0);
            return Ok(Outcome::Requeue {
                delay: (wait.clamp(1.0, 900.0)) as u32,
                reason: "scan is being processed by another delivery".into(),
                what: "retry",
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
                fail(&db, id, e.code, &e.message, 0).await?;
                return Ok(Outcome::Ack("failed"));
            }
        },
    };

    // 2. The OCR answer: reuse it when already stored.
    let mut ocr_calls = 0u32;
    if have_result {
        line.set("ocr", "reused");
    } else {
        let t0 = log::now_ms();
        let answer = call_ocr(env, cfg, id, &processed, &media_type).await;
        ocr_calls = 1;
        let ocr_attempts = row.ocr_attempts.unwrap_or(0.0) as u32 + 1;
        line.set("ocr_ms", log::now_ms() - t0);
        line.set("ocr_attempt", ocr_attempts);
        let clean = matches!(gate, Gate::Call { clean: true });
        match answer {
            OcrAnswer::Ok { body, content_type } => {
                line.set("ocr_bytes", body.len());
                if !clean {
                    let _ = breaker::record_success(&db).await;
                }
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
                outage,
            } => {
                if outage {
                    match breaker::record_failure(&db, cfg, log::now_ms(), &reason).await {
                        Ok(Some(state)) => line.set("breaker", state),
                        Ok(None) => {}
                        Err(e) => line.set("breaker_error", e.message),
                    }
                } else if !clean {
                    // A 429 or 408: the API is up (busy); a probe that gets one closes it.
                    let _ = breaker::record_success(&db).await;
                }
                if past_deadline(&row, log::now_ms()) {
                    let message = deadline_message(u64::from(ocr_attempts), &reason);
                    line.level(Level::Error);
                    line.set("error", message.clone());
                    fail(&db, id, "ocr_unavailable", &message, ocr_calls).await?;
                    return Ok(Outcome::Ack("failed_after_deadline"));
                }
                let delay = retry_after.unwrap_or_else(|| cfg.backoff_seconds(ocr_attempts));
                store::exec(
                    &db,
                    "UPDATE scans SET status = 'queued', ocr_attempts = ocr_attempts + 1, \
                     error_code = 'ocr_unavailable', error_message = ?2, lease_until = NULL, \
                     next_attempt_at = ?3, updated_at = ?4 WHERE id = ?1 AND status = 'processing'",
                    &[
                        s(id),
                        s(&reason),
                        n(log::now_ms() + f64::from(delay) * 1000.0),
                        s(&log::now_iso()),
                    ],
                )
                .await?;
                return Ok(Outcome::Requeue {
                    delay,
                    reason,
                    what: "retry",
                });
            }
            OcrAnswer::Fatal { reason } => {
                if !clean {
                    let _ = breaker::record_success(&db).await;
                }
                line.level(Level::Error);
                line.set("error", reason.clone());
                fail(&db, id, "ocr_rejected", &reason, ocr_calls).await?;
                return Ok(Outcome::Ack("failed"));
            }
        }
    }

    // 3. Done.
    store::exec(
        &db,
        "UPDATE scans SET status = 'done', result_key = ?2, error_code = NULL, error_message = NULL, \
         lease_until = NULL, ocr_attempts = ocr_attempts + ?4, updated_at = ?3 WHERE id = ?1",
        &[
            s(id),
            s(&result_key),
            s(&log::now_iso()),
            n(f64::from(ocr_calls)),
        ],
    )
    .await?;
    Ok(Outcome::Ack("done"))
}

/// An R2 binding, or `storage_unavailable` naming the missing one.
pub(crate) fn bucket(env: &Env, name: &str) -> Result<Bucket, ApiError> {
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
    let options =
        match crate::pipeline::parse_options(row.options.as_deref(), &[], &cfg.ocr_profile) {
            Ok((o, _)) => o,
            Err(e) => return Ok(Err(e)),
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
        "image/x-jbig2" => "jb2",
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
    /// Transient. `outage`: a 5xx, a timeout or no connection, which counts for the breaker
    /// (a 429 or 408 means the API is up but busy).
    Retry {
        reason: String,
        retry_after: Option<u32>,
        outage: bool,
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
            outage: false,
        };
    };
    let Some(key) = config::secret(env, "OCR_API_KEY") else {
        return OcrAnswer::Retry {
            reason: "the OCR_API_KEY secret is not set".into(),
            retry_after: None,
            outage: false,
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
                outage: false,
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
                outage: true,
            }
        }
        Either::Right(((), _)) => {
            controller.abort();
            return OcrAnswer::Retry {
                reason: format!("OCR API timed out after {} ms", cfg.ocr_timeout_ms),
                retry_after: None,
                outage: true,
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
                outage: true,
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
    match classify_status(status) {
        StatusClass::Outage => OcrAnswer::Retry {
            reason,
            retry_after: None,
            outage: true,
        },
        StatusClass::Busy => OcrAnswer::Retry {
            reason,
            retry_after: if status == 429 { retry_after } else { None },
            outage: false,
        },
        StatusClass::Rejected => OcrAnswer::Fatal { reason },
    }
}

#[derive(Debug, PartialEq, Eq)]
enum StatusClass {
    /// 5xx (and anything not 2xx/4xx): the API is failing; counts for the breaker.
    Outage,
    /// 408, 409, 423, 425, 429: try again later; the API is up.
    Busy,
    /// Every other 4xx (400, 401, 403, 404, 413, 415, 422, ...): the same request will never
    /// succeed; the scan fails at once with the API's answer.
    Rejected,
}

fn classify_status(status: u16) -> StatusClass {
    match status {
        408 | 409 | 423 | 425 | 429 => StatusClass::Busy,
        400..=499 => StatusClass::Rejected,
        _ => StatusClass::Outage,
    }
}
