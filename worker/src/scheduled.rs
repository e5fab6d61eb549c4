//! The cron trigger (`[triggers] crons` in wrangler.toml, every minute): probes the OCR API,
//! closes the circuit breaker when it answers, and brings back scans that would otherwise wait
//! for nobody:
//! - `failed` for a transient reason (see `store::TRANSIENT_CODES`) before their deadline
//!   (e.g. the queue refused the message at upload: `enqueue_failed`);
//! - `queued`/`processing` scans whose message is long overdue (`next_attempt_at` more than
//!   STALE_SECONDS ago, no live lease): the message was lost (the dead-letter queue ran out of
//!   retries while storage was down, or an operator set the row back with scripts/requeue.sh).
//!
//! Both are marked `queued` again and sent to the queue. A scan sent twice is harmless: the
//! consumer's lease and the stored results make a second delivery a no-op.

use std::time::Duration;

use futures_util::future::{select, Either};
use serde::Deserialize;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit};

use crate::breaker;
use crate::config::{self, Config};
use crate::consumer;
use crate::log::{self, Level, Line};
use crate::store::{self, n, s};

pub async fn run(env: &Env, cron: &str) {
    let cfg = Config::from_env(env);
    let mut line = Line::new(cfg.log_level, Level::Info, "scheduled").field("cron", cron);
    let db = match store::db(env) {
        Ok(db) => db,
        Err(e) => {
            line.level(Level::Error);
            line.set("error", e.message);
            line.emit();
            return;
        }
    };
    let now = log::now_ms();
    let up = match probe(env, &cfg).await {
        Ok(status) => {
            line.set("probe_status", status);
            // Any answer but a 5xx or a 429 means the API is up (a GET on the OCR endpoint
            // itself may well answer 405).
            status < 500 && status != 429
        }
        Err(e) => {
            line.set("probe_error", e);
            false
        }
    };
    let breaker_result = if up {
        breaker::record_success(&db).await
    } else {
        breaker::record_failure(&db, &cfg, now, "the cron's probe of the OCR API failed")
            .await
            .map(|_| ())
    };
    if let Err(e) = breaker_result {
        line.set("breaker_error", e.message);
    }
    if let Ok(Some(b)) = breaker::read(&db).await {
        line.set("breaker", b.state);
        line.set("breaker_failures", b.failures.max(0.0) as u64);
    }
    if up {
        match revive(env, &cfg, &db, now).await {
            Ok((failed, lost)) => {
                line.set("revived_failed", failed);
                line.set("revived_lost", lost);
            }
            Err(e) => {
                line.level(Level::Error);
                line.set("error", e);
            }
        }
    } else {
        line.level(Level::Warn);
    }
    line.set("duration_ms", log::now_ms() - now);
    line.emit();
}

/// `GET OCR_HEALTH_URL` (else `OCR_API_URL`) with the API key, under `OCR_TIMEOUT_MS` (at most
/// 10 s). Returns the status, or why there is none.
async fn probe(env: &Env, cfg: &Config) -> Result<u16, String> {
    let url = cfg
        .ocr_health_url
        .as_deref()
        .ok_or("neither OCR_HEALTH_URL nor OCR_API_URL is set")?;
    let headers = Headers::new();
    if let Some(key) = config::secret(env, "OCR_API_KEY") {
        let _ = headers.set("authorization", &format!("Bearer {key}"));
    }
    let _ = headers.set("accept", "application/json");
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let req = Request::new_with_init(url, &init).map_err(|e| format!("bad probe URL: {e}"))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let ms = cfg.ocr_timeout_ms.min(10_000);
    let timeout = Box::pin(Delay::from(Duration::from_millis(ms)));
    let outcome = match select(send, timeout).await {
        Either::Left((Ok(mut resp), _)) => {
            let status = resp.status_code();
            let _ = resp.bytes().await;
            Ok(status)
        }
        Either::Left((Err(e), _)) => Err(format!("OCR API unreachable: {e}")),
        Either::Right(((), _)) => {
            controller.abort();
            Err(format!("OCR API probe timed out after {ms} ms"))
        }
    };
    outcome
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// Marks the scans to bring back `queued` and sends them. Returns (failed, lost) counts.
async fn revive(
    env: &Env,
    cfg: &Config,
    db: &worker::D1Database,
    now: f64,
) -> Result<(usize, usize), String> {
    let queue = env
        .queue(config::QUEUE)
        .map_err(|_| "the queue binding SCAN_QUEUE is missing".to_string())?;
    let iso = log::now_iso();
    let limit = n(f64::from(cfg.revive_batch));
    let failed = store::all::<Id>(
        db,
        &format!(
            "UPDATE scans SET status = 'queued', lease_until = NULL, next_attempt_at = ?1, \
             revived = revived + 1, updated_at = ?2 WHERE id IN (SELECT id FROM scans \
             WHERE status = 'failed' AND error_code IN ({}) AND deadline_at > ?1 LIMIT ?3) \
             AND status = 'failed' RETURNING id",
            store::transient_codes_sql()
        ),
        &[n(now), s(&iso), limit.clone()],
    )
    .await
    .map_err(|e| e.message)?;
    let stale_before = now - f64::from(cfg.stale_seconds) * 1000.0;
    let lost = store::all::<Id>(
        db,
        "UPDATE scans SET status = 'queued', lease_until = NULL, next_attempt_at = ?1, \
         revived = revived + 1, updated_at = ?2 WHERE id IN (SELECT id FROM scans \
         WHERE status IN ('queued', 'processing') AND COALESCE(lease_until, 0) < ?1 \
         AND COALESCE(next_attempt_at, 0) < ?4 LIMIT ?3) \
         AND status IN ('queued', 'processing') RETURNING id",
        &[n(now), s(&iso), limit, n(stale_before)],
    )
    .await
    .map_err(|e| e.message)?;
    let mut errors = Vec::new();
    for row in failed.iter().chain(lost.iter()) {
        // Spread the revived scans over the breaker's open time, so they do not all hit the
        // API in the same second.
        if let Err(e) =
            consumer::enqueue(&queue, &row.id, config::jitter(cfg.breaker_open_seconds)).await
        {
            // Due at once for the next run: it will try again.
            let _ = store::exec(
                db,
                "UPDATE scans SET next_attempt_at = 0 WHERE id = ?1",
                &[s(&row.id)],
            )
            .await;
            errors.push(format!("{}: {e}", row.id));
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "cannot queue {} scan(s): {}",
            errors.len(),
            errors.join("; ")
        ));
    }
    Ok((failed.len(), lost.len()))
}
