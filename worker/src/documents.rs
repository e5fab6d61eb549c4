//! Documents: pages gathered into one PDF/A export (issue 18).
//!
//! - `POST /v1/documents` creates one (`{"title": ...}` optional);
//! - `POST /v1/documents/:id/pages` adds a page: the upload becomes a scan (stored in R2,
//!   queued, preprocessed, sent to the OCR API, its answer stored) exactly as `POST /v1/scans`
//!   makes one, so each page is one queue message and as idempotent as scans are;
//! - `POST /v1/documents/:id/finalize` (`{"allow_failed_pages": true}` optional) closes it;
//!   once every page is `done` or `failed`, one message on the same queue assembles
//!   `exports/<id>.pdf` in the EXPORTS bucket: page by page (the processed image and the OCR
//!   answer's words from R2), written with an R2 multipart upload in 5 MiB parts, so a long
//!   document never sits whole in the isolate;
//! - `GET /v1/documents/:id` gives the status of every page and where the export is;
//!   `GET /v1/documents/:id/export` streams the PDF to its owner only.
//!
//! Words for the text layer come from the OCR answer: `words` (`[{text, bbox}]`, with
//! optional `width`/`height`), `hocr` or `tsv` (Tesseract's), boxes in the pixels of the
//! processed image the API was sent. A page whose OCR failed goes in without a text layer when
//! the finalize asked for it (`allow_failed_pages`); otherwise the document fails with
//! `pages_failed` and says which.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::consumer::bucket;
use crate::http::{json_response, ApiError};
use crate::log;
use crate::store::{self, n, s};
use crate::{auth, config, Ctx};

/// R2 multipart parts: every part but the last must be this size (R2 wants them equal).
const PART_BYTES: usize = 5 << 20;
/// How long an assembly claim lasts before another delivery may take it over (ms).
const ASSEMBLY_LEASE_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The queue message that assembles a document.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentMessage {
    pub document_id: String,
}

/// One document, as stored.
#[derive(Debug, Clone, Deserialize, Default)]
struct DocumentRow {
    id: String,
    user_id: String,
    status: String,
    title: Option<String>,
    page_count: f64,
    upload_bytes: f64,
    allow_failed_pages: f64,
    export_key: Option<String>,
    export_bytes: Option<f64>,
    export_words: Option<f64>,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: String,
    updated_at: String,
}

/// One page and its scan.
#[derive(Debug, Clone, Deserialize)]
struct PageRow {
    page_no: f64,
    scan_id: String,
    status: String,
    processed_key: Option<String>,
    result_key: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

const PAGES_SQL: &str = "SELECT p.page_no, p.scan_id, s.status, s.processed_key, s.result_key, \
     s.error_code, s.error_message FROM document_pages p JOIN scans s ON s.id = p.scan_id \
     WHERE p.document_id = ?1 ORDER BY p.page_no";

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The caller's document: the same 404 for a malformed id, an unknown one and someone else's.
async fn owned(env: &Env, user: &auth::User, id: &str) -> Result<DocumentRow, ApiError> {
    let not_found = || ApiError::new(404, "not_found", "no such document");
    if !valid_id(id) {
        return Err(not_found());
    }
    let db = store::db(env)?;
    let row: DocumentRow = store::first(&db, "SELECT * FROM documents WHERE id = ?1", &[s(id)])
        .await?
        .ok_or_else(not_found)?;
    if row.user_id != user.id {
        return Err(not_found());
    }
    Ok(row)
}

/// A small JSON body (`{}` when empty).
async fn json_body(mut req: Request) -> Result<Value, ApiError> {
    let text = req
        .text()
        .await
        .map_err(|e| ApiError::new(400, "invalid_body", format!("cannot read the body: {e}")))?;
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::new(400, "invalid_json", format!("the body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::new(
            400,
            "invalid_json",
            "the body must be a JSON object",
        ));
    }
    Ok(v)
}

fn links(id: &str) -> Value {
    json!({
        "self": format!("/v1/documents/{id}"),
        "pages": format!("/v1/documents/{id}/pages"),
        "finalize": format!("/v1/documents/{id}/finalize"),
        "export": format!("/v1/documents/{id}/export"),
    })
}

/// `POST /v1/documents`.
pub async fn create(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
) -> Result<Response, ApiError> {
    let body = json_body(req).await?;
    let title = match &body["title"] {
        Value::Null => None,
        Value::String(t) if t.chars().count() <= 500 => Some(t.clone()),
        _ => {
            return Err(ApiError::new(
                400,
                "invalid_option",
                "title must be a string of at most 500 characters",
            ))
        }
    };
    if let Some(k) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| k.as_str() != "title"))
    {
        return Err(ApiError::new(
            400,
            "invalid_option",
            format!("unknown field `{k}` (a document takes `title`)"),
        ));
    }
    let id = crate::new_id();
    ctx.line.set("document_id", id.clone());
    let now = log::now_iso();
    let db = store::db(env)?;
    store::exec(
        &db,
        "INSERT INTO documents (id, user_id, status, title, created_at, updated_at) \
         VALUES (?1, ?2, 'open', ?3, ?4, ?4)",
        &[
            s(&id),
            s(&user.id),
            title
                .as_deref()
                .map_or(worker::wasm_bindgen::JsValue::NULL, s),
            s(&now),
        ],
    )
    .await?;
    let location = format!("/v1/documents/{id}");
    let resp = json_response(
        201,
        &json!({ "id": id, "status": "open", "title": title, "links": links(&id) }),
    );
    let _ = resp.headers().set("location", &location);
    Ok(resp)
}

/// `POST /v1/documents/:id/pages`: the upload as for `POST /v1/scans`, then its place in the
/// document.
pub async fn add_page(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("document_id", id.to_string());
    let doc = owned(env, user, id).await?;
    if doc.status != "open" {
        return Err(ApiError::new(
            409,
            "document_closed",
            format!(
                "the document is {}; pages can be added while it is open",
                doc.status
            ),
        ));
    }
    let max_pages = ctx.cfg.max_document_pages;
    if doc.page_count as u32 >= max_pages {
        return Err(ApiError::new(
            422,
            "too_many_pages",
            format!("a document may have at most {max_pages} pages (MAX_DOCUMENT_PAGES)"),
        ));
    }
    let left = ctx
        .cfg
        .max_document_bytes
        .saturating_sub(doc.upload_bytes as u64);
    let scan = crate::store_scan(req, env, ctx, user, Some(left)).await?;
    let db = store::db(env)?;
    // The next number in one statement, so that concurrent uploads get distinct ones; a
    // replayed upload (the same Idempotency-Key) is already in place.
    if !scan.replayed {
        store::exec(
            &db,
            "INSERT OR IGNORE INTO document_pages (document_id, page_no, scan_id) \
             SELECT ?1, COALESCE(MAX(page_no), 0) + 1, ?2 FROM document_pages WHERE document_id = ?1",
            &[s(id), s(&scan.id)],
        )
        .await?;
        store::exec(
            &db,
            "UPDATE documents SET page_count = (SELECT COUNT(*) FROM document_pages WHERE document_id = ?1), \
             upload_bytes = upload_bytes + ?2, updated_at = ?3 WHERE id = ?1",
            &[s(id), n(scan.bytes as f64), s(&log::now_iso())],
        )
        .await?;
    }
    let page: Option<Value> = store::first(
        &db,
        "SELECT page_no FROM document_pages WHERE scan_id = ?1",
        &[s(&scan.id)],
    )
    .await?;
    let page_no = page
        .as_ref()
        .and_then(|p| p["page_no"].as_f64())
        .unwrap_or(0.0) as u64;
    ctx.line.set("page", page_no);
    let resp = json_response(
        202,
        &json!({
            "document_id": id,
            "page": page_no,
            "scan_id": scan.id,
            "status": "queued",
            "replayed": scan.replayed,
            "links": { "scan": format!("/v1/scans/{}", scan.id), "document": format!("/v1/documents/{id}") },
        }),
    );
    let _ = resp
        .headers()
        .set("location", &format!("/v1/scans/{}", scan.id));
    Ok(resp)
}

/// `POST /v1/documents/:id/finalize`: no more pages; the export is assembled once every page
/// has settled. A `failed` document (pages failed) may be finalized again, for instance with
/// `allow_failed_pages` or after retrying its failed scans.
pub async fn finalize(
    req: Request,
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("document_id", id.to_string());
    let body = json_body(req).await?;
    let allow = match &body["allow_failed_pages"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => {
            return Err(ApiError::new(
                400,
                "invalid_option",
                "allow_failed_pages must be true or false",
            ))
        }
    };
    let doc = owned(env, user, id).await?;
    if doc.page_count < 1.0 {
        return Err(ApiError::new(
            422,
            "no_pages",
            "a document needs at least one page before it is finalized",
        ));
    }
    if !matches!(doc.status.as_str(), "open" | "failed" | "finalized") {
        return Err(ApiError::new(
            409,
            "document_closed",
            format!("the document is {}", doc.status),
        ));
    }
    let db = store::db(env)?;
    store::exec(
        &db,
        "UPDATE documents SET status = 'finalized', allow_failed_pages = ?2, error_code = NULL, \
         error_message = NULL, updated_at = ?3 WHERE id = ?1 AND status IN ('open', 'failed', 'finalized')",
        &[s(id), n(if allow { 1.0 } else { 0.0 }), s(&log::now_iso())],
    )
    .await?;
    let queued = queue_if_settled(env, id).await?;
    ctx.line.set(
        "outcome",
        if queued {
            "assembly_queued"
        } else {
            "finalized"
        },
    );
    let resp = json_response(
        202,
        &json!({ "id": id, "status": "finalized", "allow_failed_pages": allow, "links": links(id) }),
    );
    let _ = resp
        .headers()
        .set("location", &format!("/v1/documents/{id}"));
    Ok(resp)
}

/// Sends the assembly message when the document is finalized and no page is still on its
/// way; true when sent. Called by finalize and whenever a page's scan settles.
async fn queue_if_settled(env: &Env, id: &str) -> Result<bool, ApiError> {
    let db = store::db(env)?;
    let row: Option<Value> = store::first(
        &db,
        "SELECT d.status, (SELECT COUNT(*) FROM document_pages p JOIN scans s ON s.id = p.scan_id \
         WHERE p.document_id = d.id AND s.status NOT IN ('done', 'failed')) AS pending \
         FROM documents d WHERE d.id = ?1",
        &[s(id)],
    )
    .await?;
    let Some(row) = row else { return Ok(false) };
    if row["status"] != "finalized" || row["pending"].as_f64() != Some(0.0) {
        return Ok(false);
    }
    let queue = env
        .queue(config::QUEUE)
        .map_err(|_| ApiError::unavailable("the queue binding SCAN_QUEUE is missing"))?;
    queue
        .send(&DocumentMessage {
            document_id: id.to_string(),
        })
        .await
        .map_err(|e| ApiError::unavailable(format!("cannot queue the assembly: {e}")))?;
    Ok(true)
}

/// After a scan settled (`done` or `failed`): when it is the last page of a finalized
/// document, queue the assembly. Not a page: nothing to do.
pub async fn page_settled(env: &Env, scan_id: &str) -> Result<bool, ApiError> {
    let db = store::db(env)?;
    let row: Option<Value> = store::first(
        &db,
        "SELECT document_id FROM document_pages WHERE scan_id = ?1",
        &[s(scan_id)],
    )
    .await?;
    let Some(doc) = row.as_ref().and_then(|r| r["document_id"].as_str()) else {
        return Ok(false);
    };
    store_jbig2(env, scan_id).await?;
    queue_if_settled(env, doc).await
}

/// The R2 key of a page's JBIG2 rendition.
fn jbig2_key(scan_id: &str) -> String {
    store::processed_key(scan_id, "jb2")
}

/// A document page processed as Group 4 (what the OCR API is sent) is also stored as JBIG2,
/// the same bits coded losslessly in about two thirds of the bytes, for the export: done here,
/// as each page settles, so that the assembly only copies.
async fn store_jbig2(env: &Env, scan_id: &str) -> Result<(), ApiError> {
    let db = store::db(env)?;
    let Some(row) = store::get(&db, scan_id).await? else {
        return Ok(());
    };
    let (Some(key), Some("image/tiff")) = (&row.processed_key, row.processed_media_type.as_deref())
    else {
        return Ok(());
    };
    let Some(tiff) = read(env, config::SCANS, key).await? else {
        return Ok(());
    };
    // A page that cannot be recoded goes into the export as Group 4.
    let Ok(jbig2) = scanprep::jbig2_from_group4_tiff(&tiff) else {
        return Ok(());
    };
    drop(tiff);
    bucket(env, config::SCANS)?
        .put(jbig2_key(scan_id), jbig2)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: cannot store the JBIG2 page: {e}")))?;
    Ok(())
}

/// `GET /v1/documents/:id`.
pub async fn get(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("document_id", id.to_string());
    let doc = owned(env, user, id).await?;
    let db = store::db(env)?;
    let pages: Vec<PageRow> = store::all(&db, PAGES_SQL, &[s(id)]).await?;
    let failed: Vec<u64> = pages
        .iter()
        .filter(|p| p.status == "failed")
        .map(|p| p.page_no as u64)
        .collect();
    let page_list: Vec<Value> = pages
        .iter()
        .map(|p| {
            json!({
                "page": p.page_no as u64,
                "scan_id": p.scan_id,
                "status": p.status,
                "text_layer": p.status == "done",
                "error": match (&p.error_code, &p.error_message, p.status.as_str()) {
                    (Some(c), m, "failed") => json!({ "code": c, "message": m }),
                    _ => Value::Null,
                },
                "links": { "scan": format!("/v1/scans/{}", p.scan_id) },
            })
        })
        .collect();
    let export = match (&doc.export_key, doc.status.as_str()) {
        (Some(k), "done") => json!({
            "bucket": config::EXPORTS,
            "key": k,
            "bytes": doc.export_bytes.map(|b| b as u64),
            "words": doc.export_words.map(|w| w as u64),
            "url": format!("/v1/documents/{id}/export"),
        }),
        _ => Value::Null,
    };
    let error = match (&doc.error_code, &doc.error_message) {
        (Some(c), m) => json!({ "code": c, "message": m }),
        _ => Value::Null,
    };
    Ok(json_response(
        200,
        &json!({
            "id": doc.id,
            "status": doc.status,
            "title": doc.title,
            "page_count": doc.page_count as u64,
            "upload_bytes": doc.upload_bytes as u64,
            "allow_failed_pages": doc.allow_failed_pages != 0.0,
            "pages": page_list,
            "failed_pages": failed,
            "export": export,
            "error": error,
            "created_at": doc.created_at,
            "updated_at": doc.updated_at,
            "links": links(id),
        }),
    ))
}

/// `GET /v1/documents/:id/export`: the PDF, streamed from R2, to the owner only.
pub async fn export(
    env: &Env,
    ctx: &mut Ctx,
    user: &auth::User,
    id: &str,
) -> Result<Response, ApiError> {
    ctx.line.set("document_id", id.to_string());
    let doc = owned(env, user, id).await?;
    let key = match (&doc.export_key, doc.status.as_str()) {
        (Some(k), "done") => k.clone(),
        _ => {
            return Err(ApiError::new(
                409,
                "export_not_ready",
                format!(
                    "the document is {}; its export exists once it is done",
                    doc.status
                ),
            ))
        }
    };
    let obj = bucket(env, config::EXPORTS)?
        .get(&key)
        .execute()
        .await
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?
        .ok_or_else(|| {
            ApiError::new(
                404,
                "export_missing",
                "the document is done but its export is no longer stored",
            )
        })?;
    let size = obj.size();
    let body = obj
        .body()
        .ok_or_else(|| ApiError::unavailable("R2: the export has no body"))?
        .response_body()
        .map_err(|e| ApiError::unavailable(format!("R2: {e}")))?;
    ctx.line.set("bytes_out", size);
    let resp = Response::from_body(body)
        .map_err(|e| ApiError::unavailable(format!("cannot stream the export: {e}")))?;
    let h = resp.headers();
    let _ = h.set("content-type", "application/pdf");
    let _ = h.set("content-length", &size.to_string());
    let _ = h.set("cache-control", "private, no-store");
    let _ = h.set(
        "content-disposition",
        &format!("attachment; filename=\"{id}.pdf\""),
    );
    Ok(resp)
}

/// The words of an OCR answer for the text layer, when it has any.
fn words_of(answer: &Value) -> Option<scanprep::PageWords> {
    if answer["words"].is_array() {
        return serde_json::from_value(json!({
            "width": answer["width"],
            "height": answer["height"],
            "words": answer["words"],
        }))
        .ok();
    }
    ["hocr", "tsv"]
        .iter()
        .find_map(|k| answer[*k].as_str())
        .and_then(|t| scanprep::PageWords::parse(t).ok())
}

/// What the assembly did, for the log line.
pub enum Assembled {
    /// The export is written.
    Done { pages: u32, bytes: u64, words: u64 },
    /// Pages failed and the finalize did not allow it: the document is `failed`.
    PagesFailed,
    /// Nothing to do (not finalized, or another delivery holds it, or already done).
    Skipped(&'static str),
}

/// Consumes an assembly message: claims the document, writes its PDF page by page into an R2
/// multipart upload, then marks it `done`. A storage error leaves the claim to expire and is
/// returned so that the queue delivers the message again.
pub async fn assemble(env: &Env, id: &str) -> Result<Assembled, ApiError> {
    if !valid_id(id) {
        return Ok(Assembled::Skipped("malformed_id"));
    }
    let db = store::db(env)?;
    let now = log::now_ms();
    let claimed: Vec<Value> = store::all(
        &db,
        "UPDATE documents SET status = 'assembling', assembly_started = ?2, updated_at = ?3 \
         WHERE id = ?1 AND (status = 'finalized' OR (status = 'assembling' AND assembly_started < ?4)) \
         RETURNING id",
        &[s(id), n(now), s(&log::now_iso()), n(now - ASSEMBLY_LEASE_MS)],
    )
    .await?;
    if claimed.is_empty() {
        return Ok(Assembled::Skipped("not_claimable"));
    }
    let doc: DocumentRow = store::first(&db, "SELECT * FROM documents WHERE id = ?1", &[s(id)])
        .await?
        .ok_or_else(|| ApiError::unavailable("the document vanished"))?;
    let pages: Vec<PageRow> = store::all(&db, PAGES_SQL, &[s(id)]).await?;
    let failed: Vec<String> = pages
        .iter()
        .filter(|p| p.status == "failed")
        .map(|p| (p.page_no as u64).to_string())
        .collect();
    if !failed.is_empty() && doc.allow_failed_pages == 0.0 {
        store::exec(
            &db,
            "UPDATE documents SET status = 'failed', error_code = 'pages_failed', error_message = ?2, \
             updated_at = ?3 WHERE id = ?1",
            &[
                s(id),
                s(&format!(
                    "page(s) {} failed; retry them, or finalize with allow_failed_pages to export without their text",
                    failed.join(", ")
                )),
                s(&log::now_iso()),
            ],
        )
        .await?;
        return Ok(Assembled::PagesFailed);
    }
    let exports = bucket(env, config::EXPORTS)?;
    let r2 = |e: worker::Error| ApiError::unavailable(format!("R2: {e}"));
    let key = format!("exports/{id}.pdf");
    let upload = exports
        .create_multipart_upload(&key)
        .http_metadata(worker::HttpMetadata {
            content_type: Some("application/pdf".into()),
            ..Default::default()
        })
        .execute()
        .await
        .map_err(r2)?;
    let options = scanprep::PdfOptions {
        title: doc.title.clone(),
        created_unix_seconds: Some((now / 1000.0) as i64),
        ..Default::default()
    };
    let mut writer = scanprep::PdfWriter::new(&options).map_err(pdf_error)?;
    let mut buf: Vec<u8> = Vec::with_capacity(PART_BYTES + (1 << 20));
    let mut parts = Vec::new();
    let mut total = 0u64;
    let mut skipped = Vec::new();
    let result: Result<(), ApiError> = async {
        for p in &pages {
            // A page whose preprocessing failed has no image: it cannot be in the export.
            let Some(image_key) = &p.processed_key else {
                skipped.push(p.page_no as u64);
                continue;
            };
            // The JBIG2 rendition when it was made, else the processed image as it is.
            let jbig2 = read(env, config::SCANS, &jbig2_key(&p.scan_id)).await?;
            let image = match jbig2 {
                Some(j) => Some(j),
                None => read(env, config::SCANS, image_key).await?,
            };
            let image = image.ok_or_else(|| {
                ApiError::unavailable(format!(
                    "page {}: its processed image is missing",
                    p.page_no
                ))
            })?;
            let words = match (&p.result_key, p.status.as_str()) {
                (Some(k), "done") => read(env, config::EXPORTS, k)
                    .await?
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .and_then(|v| words_of(&v)),
                _ => None,
            };
            let part = writer.add_page(&image, words.as_ref()).map_err(pdf_error)?;
            drop(image);
            buf.extend_from_slice(&part);
            while buf.len() >= PART_BYTES {
                let rest = buf.split_off(PART_BYTES);
                let number = parts.len() as u16 + 1;
                parts.push(
                    upload
                        .upload_part(number, std::mem::replace(&mut buf, rest))
                        .await
                        .map_err(r2)?,
                );
                total += PART_BYTES as u64;
            }
        }
        if writer.page_count() == 0 {
            return Err(ApiError::new(
                422,
                "no_pages",
                "no page of the document has an image",
            ));
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        let _ = upload.abort().await;
        if e.status == 503 {
            return Err(e);
        }
        store::exec(
            &db,
            "UPDATE documents SET status = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4 WHERE id = ?1",
            &[s(id), s(e.code), s(&e.message), s(&log::now_iso())],
        )
        .await?;
        return Ok(Assembled::Skipped("failed"));
    }
    let (tail, summary) = writer.finish_with_summary().map_err(pdf_error)?;
    buf.extend_from_slice(&tail);
    total += buf.len() as u64;
    let number = parts.len() as u16 + 1;
    parts.push(upload.upload_part(number, buf).await.map_err(r2)?);
    upload.complete(parts).await.map_err(r2)?;
    let message = (!skipped.is_empty()).then(|| {
        format!(
            "page(s) {} had no image and are not in the export",
            skipped
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    store::exec(
        &db,
        "UPDATE documents SET status = 'done', export_key = ?2, export_bytes = ?3, export_words = ?4, \
         error_code = ?5, error_message = ?6, updated_at = ?7 WHERE id = ?1",
        &[
            s(id),
            s(&key),
            n(total as f64),
            n(summary.words as f64),
            message
                .as_ref()
                .map_or(worker::wasm_bindgen::JsValue::NULL, |_| s("pages_skipped")),
            message.as_deref().map_or(worker::wasm_bindgen::JsValue::NULL, s),
            s(&log::now_iso()),
        ],
    )
    .await?;
    Ok(Assembled::Done {
        pages: summary.pages,
        bytes: total,
        words: summary.words,
    })
}

/// An R2 object's bytes, or `None` when it is not stored.
async fn read(env: &Env, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    Ok(crate::r2_bytes(env, bucket, key)
        .await?
        .map(|(bytes, _)| bytes))
}

fn pdf_error(e: scanprep::Error) -> ApiError {
    ApiError::new(422, e.code(), e.to_string())
}
