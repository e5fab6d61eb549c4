//! The circuit breaker in front of the OCR API, shared by every consumer through one D1 row
//! (table `breaker`, migrations/0002_resilience.sql). D1 rather than KV: KV is eventually
//! consistent (a write can take a minute to be seen elsewhere), D1 updates are atomic, so one
//! probe slot is given to one delivery only.
//!
//! closed ──(BREAKER_FAILURES consecutive 5xx / timeouts / refused connections)──▶ open
//! open ──(BREAKER_OPEN_SECONDS pass)──▶ half-open: one delivery takes the probe slot
//! half-open ──probe succeeds──▶ closed      half-open ──probe fails──▶ open again
//! The cron's probe (src/scheduled.rs) closes it too when the API answers.
//!
//! The breaker never blocks work because of its own storage: if its row cannot be read, the
//! call goes through as if it were closed.

use serde::Deserialize;
use worker::D1Database;

use crate::config::Config;
use crate::http::ApiError;
use crate::store::{self, n, s};

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Breaker {
    pub state: String,
    pub failures: f64,
    pub open_until: f64,
    pub probe_until: f64,
    pub last_error: Option<String>,
}

impl Breaker {
    pub fn is_clean(&self) -> bool {
        self.state == "closed" && self.failures <= 0.0
    }
}

/// What a delivery may do before calling the OCR API.
#[derive(Debug)]
pub enum Gate {
    /// Closed: call. `clean` = nothing to reset after a success.
    Call { clean: bool },
    /// Half-open, and this delivery holds the probe slot: call, and report the result.
    Probe,
    /// Open (or someone else is probing): do not call; come back in `wait_s` seconds.
    Wait {
        wait_s: u32,
        last_error: Option<String>,
    },
}

pub async fn read(db: &D1Database) -> Result<Option<Breaker>, ApiError> {
    store::first::<Breaker>(
        db,
        "SELECT state, failures, open_until, probe_until, last_error FROM breaker WHERE name = 'ocr'",
        &[],
    )
    .await
}

/// Decides whether this delivery may call the OCR API now.
pub async fn gate(db: &D1Database, cfg: &Config, now: f64) -> Gate {
    let b = match read(db).await {
        Ok(Some(b)) => b,
        // No row or no table: behave as closed (never block work on the breaker's own storage).
        _ => return Gate::Call { clean: true },
    };
    if b.state != "open" {
        return Gate::Call {
            clean: b.is_clean(),
        };
    }
    let open_ms = f64::from(cfg.breaker_open_seconds) * 1000.0;
    if now < b.open_until {
        return Gate::Wait {
            wait_s: secs_until(b.open_until, now) + crate::config::jitter(cfg.breaker_open_seconds),
            last_error: b.last_error,
        };
    }
    // Half-open: try to take the probe slot (atomically: one delivery wins).
    let probe_until = now + cfg.ocr_timeout_ms as f64 + 5000.0;
    let taken = store::first::<serde_json::Value>(
        db,
        "UPDATE breaker SET probe_until = ?1, updated_at = ?2 WHERE name = 'ocr' AND state = 'open' \
         AND open_until <= ?3 AND probe_until < ?3 RETURNING name",
        &[n(probe_until), s(&crate::log::now_iso()), n(now)],
    )
    .await;
    match taken {
        Ok(Some(_)) => Gate::Probe,
        Ok(None) => Gate::Wait {
            wait_s: secs_until(b.probe_until.max(now + 1000.0), now)
                + crate::config::jitter(cfg.breaker_open_seconds),
            last_error: b.last_error,
        },
        Err(_) => Gate::Wait {
            wait_s: secs_until(now + open_ms, now),
            last_error: b.last_error,
        },
    }
}

fn secs_until(t: f64, now: f64) -> u32 {
    (((t - now) / 1000.0).ceil()).clamp(1.0, 43_200.0) as u32
}

/// The API answered: close the breaker and forget the failures.
pub async fn record_success(db: &D1Database) -> Result<(), ApiError> {
    store::exec(
        db,
        "UPDATE breaker SET state = 'closed', failures = 0, open_until = 0, probe_until = 0, \
         updated_at = ?1 WHERE name = 'ocr' AND (state != 'closed' OR failures != 0 OR probe_until != 0)",
        &[s(&crate::log::now_iso())],
    )
    .await
}

/// A transient failure (5xx, timeout, connection refused): count it; at the threshold, or when
/// a probe failed, (re)open the breaker for BREAKER_OPEN_SECONDS. Returns the state after it.
pub async fn record_failure(
    db: &D1Database,
    cfg: &Config,
    now: f64,
    reason: &str,
) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct State {
        state: String,
    }
    let open_until = now + f64::from(cfg.breaker_open_seconds) * 1000.0;
    let row = store::first::<State>(
        db,
        "UPDATE breaker SET failures = failures + 1, \
           state = CASE WHEN state = 'open' OR failures + 1 >= ?1 THEN 'open' ELSE 'closed' END, \
           open_until = CASE WHEN state = 'open' OR failures + 1 >= ?1 THEN max(open_until, ?2) \
                        ELSE open_until END, \
           opened_at = CASE WHEN state = 'closed' AND failures + 1 >= ?1 THEN ?3 ELSE opened_at END, \
           probe_until = 0, last_error = ?4, updated_at = ?5 \
         WHERE name = 'ocr' RETURNING state",
        &[
            n(f64::from(cfg.breaker_failures)),
            n(open_until),
            n(now),
            s(reason),
            s(&crate::log::now_iso()),
        ],
    )
    .await?;
    Ok(row.map(|r| r.state))
}
