//! The scanprep Cloudflare Worker: a synchronous preprocessing endpoint, and an asynchronous
//! path R2 → queue → scanprep → OCR API → R2/D1. See docs/deployment.md.
//!
//! Nothing reachable from a request or a message panics: every failure becomes a JSON error
//! `{ "error": { "code", "message" } }` or a D1 status with its reason.
// Outside tests, no unwrap, expect or panic!: clippy (-D warnings) enforces what the line above
// promises.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod auth;
mod breaker;
mod config;
mod consumer;
mod documents;
mod http;
mod log;
mod memory;
mod pipeline;
mod scheduled;
mod store;

use base64::Engine;
use serde_json::{json, Value};
use worker::wasm_bindgen::prelude::*;
use worker::{event, Context, Env, FormEntry, Method, Request, Response};

use crate::config::Config;
use crate::http::{apply_cors, error_response, json_response, ApiError};
use crate::log::{Level, Line};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`, a v4 UUID from the runtime's CSPRNG.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> String;
}

pub(crate) fn new_id() -> String {
    random_uuid()
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(handle(req, env).await)
}

#[event(queue)]
async fn queue(batch: worker::MessageBatch<Value>, env: Env, _ctx: Context) -> worker::Result<()> {
    consumer::handle_batch(batch, env).await;
    Ok(())
}

/// The cron trigger: probe the OCR API, close the breaker, bring back stranded scans.
#[event(scheduled)]
async fn scheduled(event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    scheduled::run(&env, &event.cron()).await;
}

/// Per-request facts for the log line.
struct Ctx {
    cfg: Config,
    line: Line,
}

async fn handle(req: Request, env: Env) -> Response {
    let started = log::now_ms();
    let cfg = Config::from_env(&env);
    let method = req.method();
    let path = req.path();
    let origin = req.headers().get("origin").ok().flatten();
    let request_id = req
        .headers()
        .get("cf-ray")
        .ok()
        .flatten()
        .unwrap_or_else(new_id);
    let line = Line::new(cfg.log_level, Level::Info, "request")
        .field("request_id", request_id.clone())
        .field("method", method.to_string())
        .field("path", path.clone());
    let mut ctx = Ctx { cfg, line };

    let result = if method == Method::Options {
        preflight(&req, &ctx.cfg)
    } else {
        route(req, &env, &mut ctx, &method, &path).await
    };
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            ctx.line.set("error_code", e.code);
            ctx.line.set("error", e.message.clone());
            if e.status >= 500 {
                ctx.line.level(Level::Error);
            } else {
                ctx.line.level(Level::Warn);
            }
            error_response(&e)
        }
    };
    apply_cors(&resp, origin.as_deref(), ctx.cfg.cors_origin.as_deref());
    let _ = resp.headers().set("x-request-id", &request_id);
    ctx.line.set("status", resp.status_code());
    ctx.line.set("duration_ms", log::now_ms() - started);
    ctx.line.emit();
    resp
}

fn preflight(req: &Request, cfg: &Config) -> Result<Response, ApiError> {
    let origin = req.headers().get("origin").ok().flatten();
    if !http::origin_allowed(origin.as_deref(), cfg.cors_origin.as_deref()) {
        return Err(ApiError::new(
            403,
            "cors_origin_not_allowed",
            "this origin may not call the API",
        ));
    }
    let resp = Response::empty()?.with_status(204);
    let h = resp.headers();
    let _ = h.set("access-control-allow-methods", http::ALLOW_METHODS);
    let _ = h.set("access-control-allow-headers", http::ALLOW_HEADERS);
    let _ = h.set("access-control-max-age", "600");
    Ok(resp)
}

async fn route(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    method: &Method,
    path: &str,
) -> Result<Response, ApiError> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::Get, ["", "health"]) | (Method::Head, ["", "health"]) => Ok(health(env, &ctx.cfg)),
        (_, ["", "v1", ..]) => {
            let user = authenticate(&req, env)?;
            ctx.line.set("user", user.id.clone());
            match (method, segments.as_slice()) {
                (Method::Post, ["", "v1", "preprocess"]) => preprocess(req, ctx).await,
                (Method::Post, ["", "v1", "detect"]) => detect(req, ctx).await,
                (Method::Post, ["", "v1", "__self-test", "trap"]) if ctx.cfg.self_test_trap => {
                    self_test_trap()
                }
                (Method::Post, ["", "v1", "scans"]) => create_scan(req, env, ctx, &user).await,
                (Method::Get, ["", "v1", "scans", id]) => get_scan(env, ctx, &user, id).await,
                (Method::Get, ["", "v1", "scans", id, "result"]) => {
                    get_result(env, ctx, &user, id).await
                }
                (Method::Get, ["", "v1", "scans", id, "image"]) => {
                    get_image(env, ctx, &user, id).await
                }
                (Method::Post, ["", "v1", "scans", id, "retry"]) => {
                    retry_scan(env, ctx, &user, id).await
                }
                (Method::Post, ["", "v1", "documents"]) => {
                    documents::create(req, env, ctx, &user).await
                }
                (Method::Get, ["", "v1", "documents", id]) => {
                    documents::get(env, ctx, &user, id).await
                }
                (Method::Post, ["", "v1", "documents", id, "pages"]) => {
                    documents::add_page(req, env, ctx, &user, id).await
                }
                (Method::Post, ["", "v1", "documents", id, "finalize"]) => {
                    documents::finalize(req, env, ctx, &user, id).await
                }
                (Method::Get, ["", "v1", "documents", id, "export"]) => {
                    documents::export(env, ctx, &user, id).await
                }
                (_, ["", "v1", "documents"])
                | (_, ["", "v1", "documents", _])
                | (_, ["", "v1", "documents", _, "pages" | "finalize" | "export"])
                | (_, ["", "v1", "preprocess"])
                | (_, ["", "v1", "scans"])
                | (_, ["", "v1", "scans", _])
                | (_, ["", "v1", "scans", _, "result" | "image" | "retry"]) => Err(ApiError::new(
                    405,
                    "method_not_allowed",
                    "method not allowed on this route",
                )),
                _ => Err(ApiError::new(404, "not_found", "no such route")),
            }
        }
        _ => Err(ApiError::new(404, "not_found", "no such route")),
    }
}

/// Traps the WebAssembly instance on purpose (only with `SELF_TEST_TRAP=1`): the test that a
/// trapped instance is not served again. The panic aborts; the shim replaces the instance
/// before the next request.
#[allow(clippy::panic)]
fn self_test_trap() -> Result<Response, ApiError> {
    panic!("self-test trap requested (SELF_TEST_TRAP=1)")
}

fn authenticate(req: &Request, env: &Env) -> Result<auth::User, ApiError> {
    let header = req.headers().get("authorization").ok().flatten();
    let secret = config::secret(env, "JWT_SECRET");
    auth::authenticate(header.as_deref(), secret.as_deref(), log::now_ms() / 1000.0)
}

fn health(env: &Env, cfg: &Config) -> Response {
    let bindings = json!({
        "DB": env.d1(config::DB).is_ok(),
        "KV": env.kv(config::KV).is_ok(),
        "SCANS": env.bucket(config::SCANS).is_ok(),
        "EXPORTS": env.bucket(config::EXPORTS).is_ok(),
        "SCAN_QUEUE": env.queue(config::QUEUE).is_ok(),
        "OCR_API_URL": cfg.ocr_api_url.is_some(),
        "OCR_API_KEY": config::secret(env, "OCR_API_KEY").is_some(),
        "JWT_SECRET": config::secret(env, "JWT_SECRET").is_some(),
    });
    json_response(
        200,
        &json!({
            "status": "ok",
            "service": "scanprep-worker",
            "version": VERSION,
            "environment": cfg.environment,
            "bindings": bindings,
            "limits": {
                "max_body_bytes": cfg.max_body_bytes,
                "max_pixels": cfg.max_pixels,
                "cpu_budget_ms": cfg.cpu_budget_ms,
                "cpu_max_pixels": cfg.cpu_max_pixels(),
            },
        }),
    )
}

/// The uploaded image and the options carried with it (multipart `options` field).
struct Upload {
    bytes: Vec<u8>,
    form_options: Option<String>,
}

/// Reads the body: raw image bytes, or `multipart/form-data` with a `file` (or `image`) part and
/// an optional `options` JSON part. Refuses bodies over the limit before and after reading.
async fn read_upload(mut req: Request, cfg: &Config) -> Result<Upload, ApiError> {
    let too_large = |n: u64| {
        ApiError::new(
            413,
            "payload_too_large",
            format!(
                "the body is {n} bytes, more than the limit of {} bytes",
                cfg.max_body_bytes
            ),
        )
    };
    if let Some(len) = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        if len > cfg.max_body_bytes {
            return Err(too_large(len));
        }
    }
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let upload = if content_type.starts_with("multipart/form-data") {
        let form = req.form_data().await.map_err(|e| {
            ApiError::new(400, "bad_multipart", format!("cannot read the form: {e}"))
        })?;
        let file = form.get("file").or_else(|| form.get("image"));
        let bytes = match file {
            Some(FormEntry::File(f)) => f.bytes().await.map_err(|e| {
                ApiError::new(400, "bad_multipart", format!("cannot read the file: {e}"))
            })?,
            Some(FormEntry::Field(text)) => text.into_bytes(),
            None => {
                return Err(ApiError::new(
                    400,
                    "bad_multipart",
                    "the form needs a `file` part with the image",
                ))
            }
        };
        Upload {
            bytes,
            form_options: form.get_field("options"),
        }
    } else {
        let bytes = req
            .bytes()
            .await
            .map_err(|e| ApiError::new(400, "bad_body", format!("cannot read the body: {e}")))?;
        Upload {
            bytes,
            form_options: None,
        }
    };
    if upload.bytes.len() as u64 > cfg.max_body_bytes {
        return Err(too_large(upload.bytes.len() as u64));
    }
    if upload.bytes.is_empty() {
        return Err(ApiError::new(400, "empty_input", "the body holds no image"));
    }
    Ok(upload)
}

fn query_pairs(req: &Request) -> Vec<(String, String)> {
    req.url()
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// What `/v1/preprocess` and `/v1/detect` do before running the engine: read the body, parse
/// the options (header, form part, query), probe the image against the limits, reserve the
/// body's memory (held while the reservation lives) and check that the pipeline's peak fits.
async fn admit_upload(
    req: Request,
    ctx: &mut Ctx,
) -> Result<(Upload, scanprep::Options, memory::Reservation), ApiError> {
    // The body is read before the options are checked: answering before reading it would make
    // many HTTP clients fail with a connection reset instead of showing the 400.
    let header_opts = req.headers().get("x-scanprep-options").ok().flatten();
    let query = query_pairs(&req);
    let upload = read_upload(req, &ctx.cfg).await?;
    let budget = ctx.cfg.memory_budget_bytes;
    let body = memory::reserve(upload.bytes.len() as u64, budget)?;
    let (options, _) = pipeline::parse_options(
        header_opts.as_deref().or(upload.form_options.as_deref()),
        &query,
        &ctx.cfg.ocr_profile,
    )?;
    ctx.line.set("bytes_in", upload.bytes.len());
    let info = pipeline::probe(&upload.bytes, &options, &ctx.cfg)?;
    let pixels = u64::from(info.width) * u64::from(info.height);
    memory::admit_pipeline(
        memory::pipeline_peak(
            pixels,
            options.max_working_pixels,
            options.target_x_height.is_some(),
        ),
        budget,
    )?;
    Ok((upload, options, body))
}

async fn preprocess(req: Request, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let wants_json = req
        .headers()
        .get("accept")
        .ok()
        .flatten()
        .map(|a| a.to_ascii_lowercase().contains("application/json"))
        .unwrap_or(false);
    let (upload, options, _body) = admit_upload(req, ctx).await?;
    let t0 = log::now_ms();
    let out = pipeline::run(&upload.bytes, &options, &ctx.cfg)?;
    ctx.line.set("pipeline_ms", log::now_ms() - t0);
    ctx.line.set("bytes_out", out.bytes.len());
    ctx.line.set("width", out.width);
    ctx.line.set("height", out.height);
    ctx.line.set(
        "input_pixels",
        u64::from(out.report.input_width) * u64::from(out.report.input_height),
    );
    ctx.line.set("wasm_memory_bytes", log::wasm_memory_bytes());
    if wants_json {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&out.bytes);
        return Ok(json_response(
            200,
            &json!({
                "media_type": out.media_type,
                "width": out.width,
                "height": out.height,
                "bytes": out.bytes.len(),
                "image_base64": b64,
                "report": out.report,
            }),
        ));
    }
    let resp = http::bytes_response(200, out.bytes, out.media_type);
    let h = resp.headers();
    let _ = h.set("x-scanprep-report", &http::header_json(&out.report));
    let _ = h.set("x-scanprep-width", &out.width.to_string());
    let _ = h.set("x-scanprep-height", &out.height.to_string());
    let _ = h.set("cache-control", "no-store");
    Ok(resp)
}

/// `POST /v1/detect`: the page's corners, its orientation and the capture verdict as JSON
/// (`scanprep detect`), with the same options as `/v1/preprocess`; `422 poor_capture` when
/// `reject` names a reason found.
async fn detect(req: Request, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let (upload, options, _body) = admit_upload(req, ctx).await?;
    let t0 = log::now_ms();
    let found = pipeline::detect(&upload.bytes, &options, &ctx.cfg)?;
    ctx.line.set("pipeline_ms", log::now_ms() - t0);
    ctx.line.set("page_found", found.corners.is_some());
    Ok(json_response(200, &found))
}

/// `POST /v1/scans`: store the original, record the scan, queue it, answer 202.
async fn create_scan(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
) -> Result<Response, ApiError> {
    let created = store_scan(req, env, ctx, user, None).await?;
    Ok(accepted(&created.id, created.replayed))
}

/// A scan stored and queued by [`store_scan`].
pub(crate) struct StoredScan {
    pub id: String,
    pub replayed: bool,
    pub bytes: u64,
}

/// Reads an upload, stores the original in R2, records the scan in D1 and queues it (the work
/// of `POST /v1/scans`, shared with a document's pages). `max_bytes`, when given, is the most
/// the upload may have (what is left of a document's byte limit).
pub(crate) async fn store_scan(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    max_bytes: Option<u64>,
) -> Result<StoredScan, ApiError> {
    let idem = req
        .headers()
        .get("idempotency-key")
        .ok()
        .flatten()
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let kv = env.kv(config::KV).ok();
    let idem_key = idem.as_ref().map(|k| format!("idem:{}:{}", user.id, k));
    let header_opts = req.headers().get("x-scanprep-options").ok().flatten();
    let query = query_pairs(&req);
    // The body is read before a replay is answered: answering first would leave the client
    // writing into a closed connection, and the digest tells a retry from a reused key.
    let upload = read_upload(req, &ctx.cfg).await?;
    if let Some(max) = max_bytes.filter(|&m| upload.bytes.len() as u64 > m) {
        return Err(ApiError::new(
            413,
            "document_too_large",
            format!(
                "this page ({} bytes) would take the document over its limit: {max} bytes are left (MAX_DOCUMENT_BYTES)",
                upload.bytes.len()
            ),
        ));
    }
    let size_in = upload.bytes.len() as u64;
    let digest = idem_key.as_ref().map(|_| body_digest(&upload.bytes));
    if let (Some(kv), Some(key), Some(digest)) = (&kv, &idem_key, &digest) {
        if let Ok(Some(stored)) = kv.get(key).text().await {
            let (existing, stored_digest) = match serde_json::from_str::<Value>(&stored) {
                Ok(v) => (
                    v["id"].as_str().unwrap_or_default().to_string(),
                    v["sha256"].as_str().map(str::to_string),
                ),
                Err(_) => (stored.clone(), None),
            };
            if stored_digest.as_deref().is_some_and(|d| d != digest) {
                return Err(ApiError::new(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used with a different body",
                ));
            }
            if !existing.is_empty() {
                ctx.line.set("scan_id", existing.clone());
                ctx.line.set("outcome", "idempotent_replay");
                return Ok(StoredScan {
                    id: existing,
                    replayed: true,
                    bytes: size_in,
                });
            }
        }
    }
    let (options, options_json) = pipeline::parse_options(
        header_opts.as_deref().or(upload.form_options.as_deref()),
        &query,
        &ctx.cfg.ocr_profile,
    )?;
    let media_type = pipeline::sniff(&upload.bytes).ok_or_else(|| {
        ApiError::new(
            415,
            "unsupported_format",
            "the body is not a JPEG, PNG, TIFF or WebP image",
        )
    })?;
    ctx.line.set("bytes_in", upload.bytes.len());
    // Fail fast: an upload whose header already shows it cannot be processed (over the
    // limits, cut short, a format feature not supported) is refused now, not after polling.
    let info = pipeline::probe(&upload.bytes, &options, &ctx.cfg)?;
    ctx.line.set("width", info.width);
    ctx.line.set("height", info.height);

    let id = new_id();
    ctx.line.set("scan_id", id.clone());
    let scans = env
        .bucket(config::SCANS)
        .map_err(|_| ApiError::unavailable("the R2 binding SCANS is missing"))?;
    let db = store::db(env)?;
    let queue = env
        .queue(config::QUEUE)
        .map_err(|_| ApiError::unavailable("the queue binding SCAN_QUEUE is missing"))?;
    let key = store::original_key(&id);
    let size = upload.bytes.len();
    let mut meta = std::collections::HashMap::new();
    meta.insert("scan_id".to_string(), id.clone());
    meta.insert("user_id".to_string(), user.id.clone());
    scans
        .put(&key, upload.bytes)
        .http_metadata(worker::HttpMetadata {
            content_type: Some(media_type.to_string()),
            ..Default::default()
        })
        .custom_metadata(meta)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: cannot store the original: {e}")))?;
    let now = log::now_iso();
    let now_ms = log::now_ms();
    let deadline = now_ms + f64::from(ctx.cfg.scan_deadline_seconds) * 1000.0;
    store::exec(
        &db,
        "INSERT INTO scans (id, user_id, status, original_key, original_bytes, content_type, \
         options, attempts, created_at, updated_at, deadline_at, next_attempt_at) \
         VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, 0, ?7, ?7, ?8, ?9)",
        &[
            store::s(&id),
            store::s(&user.id),
            store::s(&key),
            store::n(size as f64),
            store::s(media_type),
            store::s(&options_json.to_string()),
            store::s(&now),
            store::n(deadline),
            store::n(now_ms),
        ],
    )
    .await?;
    let message = consumer::ScanMessage {
        scan_id: id.clone(),
    };
    if let Err(e) = queue.send(&message).await {
        let _ = store::exec(
            &db,
            "UPDATE scans SET status = 'failed', error_code = 'enqueue_failed', error_message = ?2, \
             updated_at = ?3 WHERE id = ?1",
            &[store::s(&id), store::s(&format!("cannot queue the scan: {e}")), store::s(&log::now_iso())],
        )
        .await;
        return Err(ApiError::unavailable(format!("cannot queue the scan: {e}")));
    }
    if let (Some(kv), Some(key)) = (&kv, &idem_key) {
        let value = json!({ "id": id, "sha256": digest }).to_string();
        if let Ok(put) = kv.put(key, value) {
            let _ = put.expiration_ttl(86_400).execute().await;
        }
    }
    ctx.line.set("outcome", "queued");
    Ok(StoredScan {
        id,
        replayed: false,
        bytes: size_in,
    })
}

/// Hex SHA-256 of an upload, stored with its Idempotency-Key.
fn body_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn accepted(id: &str, replay: bool) -> Response {
    let location = format!("/v1/scans/{id}");
    let resp = json_response(
        202,
        &json!({ "id": id, "status": "queued", "replayed": replay, "links": { "self": location } }),
    );
    let _ = resp.headers().set("location", &location);
    resp
}

/// `GET /v1/scans/:id`: the owner sees status, report and where the results are; anyone else
/// gets the same 404 as for a scan that does not exist.
async fn get_scan(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("scan_id", id.to_string());
    let row = owned_scan(env, user, id).await?;
    let report: Value = row
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let error = match (&row.error_code, &row.error_message) {
        (Some(c), m) => json!({ "code": c, "message": m }),
        _ => Value::Null,
    };
    let obj = |bucket: &str, key: &Option<String>| match key {
        Some(k) => json!({ "bucket": bucket, "key": k }),
        None => Value::Null,
    };
    Ok(json_response(
        200,
        &json!({
            "id": row.id,
            "status": row.status,
            "attempts": row.attempts.unwrap_or(0.0) as u64,
            "ocr_attempts": row.ocr_attempts.unwrap_or(0.0) as u64,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "deadline_at": row.deadline_at.map(iso_time),
            "report": report,
            "error": error,
            "original": obj(config::SCANS, &Some(row.original_key.clone())),
            "processed": obj(config::SCANS, &row.processed_key),
            "result": obj(config::EXPORTS, &row.result_key),
            "links": {
                "self": format!("/v1/scans/{}", row.id),
                "result": format!("/v1/scans/{}/result", row.id),
                "image": format!("/v1/scans/{}/image", row.id),
                "retry": format!("/v1/scans/{}/retry", row.id),
            },
        }),
    ))
}

/// ISO 8601 of a time in ms since the epoch.
fn iso_time(ms: f64) -> String {
    String::from(worker::js_sys::Date::new(&JsValue::from_f64(ms)).to_iso_string())
}

/// The caller's scan: the same 404 for a malformed id, an unknown one and someone else's.
async fn owned_scan(env: &Env, user: &auth::User, id: &str) -> Result<store::ScanRow, ApiError> {
    let not_found = || ApiError::new(404, "not_found", "no such scan");
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(not_found());
    }
    let db = store::db(env)?;
    let row = store::get(&db, id).await?.ok_or_else(not_found)?;
    if row.user_id != user.id {
        return Err(not_found());
    }
    Ok(row)
}

/// An R2 object's bytes and stored content type.
pub(crate) async fn r2_bytes(
    env: &Env,
    bucket: &str,
    key: &str,
) -> Result<Option<(Vec<u8>, Option<String>)>, ApiError> {
    let b = env
        .bucket(bucket)
        .map_err(|_| ApiError::unavailable(format!("the R2 binding {bucket} is missing")))?;
    let obj = b
        .get(key)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?;
    let Some(obj) = obj else { return Ok(None) };
    let content_type = obj.http_metadata().content_type;
    match obj.body() {
        Some(body) => Ok(Some((
            body.bytes()
                .await
                .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?,
            content_type,
        ))),
        None => Ok(None),
    }
}

/// `GET /v1/scans/:id/result`: the OCR API's answer as stored (JSON), once the scan is `done`.
async fn get_result(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("scan_id", id.to_string());
    let row = owned_scan(env, user, id).await?;
    let key = match (&row.result_key, row.status.as_str()) {
        (Some(k), "done") => k.clone(),
        _ => {
            return Err(ApiError::new(
                409,
                "result_not_ready",
                format!(
                    "the scan is {}; its OCR result exists once it is done",
                    row.status
                ),
            ))
        }
    };
    let (bytes, content_type) = r2_bytes(env, config::EXPORTS, &key).await?.ok_or_else(|| {
        ApiError::new(
            404,
            "result_missing",
            "the scan is done but its OCR result is no longer stored",
        )
    })?;
    ctx.line.set("bytes_out", bytes.len());
    let ct = content_type.unwrap_or_else(|| "application/json".into());
    let resp = http::bytes_response(200, bytes, &ct);
    let _ = resp.headers().set("cache-control", "private, no-store");
    Ok(resp)
}

/// `GET /v1/scans/:id/image`: the processed image with its media type, once it is stored (a
/// scan waiting for the OCR API, or failed there, already has it).
async fn get_image(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("scan_id", id.to_string());
    let row = owned_scan(env, user, id).await?;
    let not_ready = || {
        ApiError::new(
            409,
            "image_not_ready",
            format!(
                "the scan is {}; its processed image is not stored yet",
                row.status
            ),
        )
    };
    let key = row.processed_key.clone().ok_or_else(not_ready)?;
    let (bytes, content_type) = r2_bytes(env, config::SCANS, &key)
        .await?
        .ok_or_else(not_ready)?;
    ctx.line.set("bytes_out", bytes.len());
    let media = row
        .processed_media_type
        .clone()
        .or(content_type)
        .unwrap_or_else(|| "application/octet-stream".into());
    let resp = http::bytes_response(200, bytes, &media);
    let h = resp.headers();
    let _ = h.set("cache-control", "private, no-store");
    if let Some(report) = row
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
    {
        if let (Some(w), Some(hh)) = (
            report["output_width"].as_u64(),
            report["output_height"].as_u64(),
        ) {
            let _ = h.set("x-scanprep-width", &w.to_string());
            let _ = h.set("x-scanprep-height", &hh.to_string());
        }
    }
    Ok(resp)
}

/// `POST /v1/scans/:id/retry`: the owner sends a `failed` scan through again, with a new
/// deadline. The stored original (and processed image, if any) are reused.
async fn retry_scan(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("scan_id", id.to_string());
    let row = owned_scan(env, user, id).await?;
    if row.status != "failed" {
        return Err(ApiError::new(
            409,
            "scan_not_failed",
            format!(
                "the scan is {}; only a failed scan can be retried",
                row.status
            ),
        ));
    }
    let db = store::db(env)?;
    let queue = env
        .queue(config::QUEUE)
        .map_err(|_| ApiError::unavailable("the queue binding SCAN_QUEUE is missing"))?;
    let now = log::now_ms();
    let deadline = now + f64::from(ctx.cfg.scan_deadline_seconds) * 1000.0;
    let changed = store::first::<Value>(
        &db,
        "UPDATE scans SET status = 'queued', error_code = NULL, error_message = NULL,          lease_until = NULL, deadline_at = ?2, next_attempt_at = ?3, revived = revived + 1,          updated_at = ?4 WHERE id = ?1 AND status = 'failed' RETURNING id",
        &[
            store::s(id),
            store::n(deadline),
            store::n(now),
            store::s(&log::now_iso()),
        ],
    )
    .await?;
    if changed.is_none() {
        // Someone else retried it in between.
        return Err(ApiError::new(
            409,
            "scan_not_failed",
            "the scan is no longer failed",
        ));
    }
    if let Err(e) = consumer::enqueue(&queue, id, 0).await {
        // The row is queued with a message due now: the cron's sweep for lost scans sends it
        // if nobody does; tell the client the retry is recorded but late.
        let _ = store::exec(
            &db,
            "UPDATE scans SET next_attempt_at = 0 WHERE id = ?1",
            &[store::s(id)],
        )
        .await;
        ctx.line.set("enqueue_error", e.to_string());
    }
    ctx.line.set("outcome", "retry_queued");
    let location = format!("/v1/scans/{id}");
    let resp = json_response(
        202,
        &json!({ "id": id, "status": "queued", "links": { "self": location } }),
    );
    let _ = resp.headers().set("location", &location);
    Ok(resp)
}
