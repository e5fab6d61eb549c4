-- Issue 14, "nothing is lost": an OCR outage must not lose a scan.
--   ocr_attempts     real calls to the OCR API (attempts counts claims: deliveries that did work);
--                    a delivery deferred while the circuit breaker is open counts in neither
--   deadline_at      ms since epoch; until then a transient failure (OCR down, storage) is retried,
--                    after it the scan becomes `failed` (SCAN_DEADLINE_SECONDS, default 24 h)
--   next_attempt_at  ms since epoch when the scan's current queue message is due; the cron
--                    re-sends scans whose message is long overdue (lost), see src/scheduled.rs
--   revived          times the scan was brought back (cron, POST /v1/scans/:id/retry, requeue.sh)
ALTER TABLE scans ADD COLUMN ocr_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN deadline_at REAL;
ALTER TABLE scans ADD COLUMN next_attempt_at REAL;
ALTER TABLE scans ADD COLUMN revived INTEGER NOT NULL DEFAULT 0;

-- Existing rows: 24 h after their creation, and due at their last update.
UPDATE scans SET deadline_at = (julianday(created_at) - 2440587.5) * 86400000.0 + 86400000.0
  WHERE deadline_at IS NULL;
UPDATE scans SET next_attempt_at = (julianday(updated_at) - 2440587.5) * 86400000.0
  WHERE next_attempt_at IS NULL;

CREATE INDEX IF NOT EXISTS scans_by_next_attempt ON scans (status, next_attempt_at);

-- The circuit breaker in front of the OCR API, shared by every consumer (one row, name 'ocr').
-- closed: calls go through; `failures` counts consecutive transient failures (5xx, timeout,
-- connection refused). At BREAKER_FAILURES it opens until `open_until` (ms since epoch); while
-- open no scan is sent. After `open_until` it is half-open: one delivery takes the probe slot
-- (`probe_until`) and calls the API; a success (or the cron's probe answering) closes it, a
-- failure opens it again.
CREATE TABLE IF NOT EXISTS breaker (
  name        TEXT PRIMARY KEY,
  state       TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open')),
  failures    INTEGER NOT NULL DEFAULT 0,
  open_until  REAL NOT NULL DEFAULT 0,
  probe_until REAL NOT NULL DEFAULT 0,
  opened_at   REAL,
  last_error  TEXT,
  updated_at  TEXT NOT NULL DEFAULT ''
);
INSERT OR IGNORE INTO breaker (name, state) VALUES ('ocr', 'closed');
