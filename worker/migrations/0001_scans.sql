-- Scans uploaded through POST /v1/scans and moved through the queue consumer.
-- status: queued -> processing -> done | failed (failed keeps the reason; the original stays in R2).
CREATE TABLE IF NOT EXISTS scans (
  id                   TEXT PRIMARY KEY,            -- UUID v4
  user_id              TEXT NOT NULL,               -- the JWT `sub` of the uploader
  status               TEXT NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'processing', 'done', 'failed')),
  original_key         TEXT NOT NULL,               -- R2 SCANS: originals/<id>
  original_bytes       INTEGER,
  content_type         TEXT,                        -- sniffed from the bytes
  options              TEXT,                        -- scanprep Options as JSON (snake_case)
  processed_key        TEXT,                        -- R2 SCANS: processed/<id>.<ext>
  processed_media_type TEXT,
  processed_bytes      INTEGER,
  result_key           TEXT,                        -- R2 EXPORTS: ocr/<id>.json
  report               TEXT,                        -- scanprep Report as JSON
  error_code           TEXT,                        -- last error (kept while retrying)
  error_message        TEXT,
  attempts             INTEGER NOT NULL DEFAULT 0,  -- processing attempts claimed
  lease_until          REAL,                        -- ms since epoch; a claim by one delivery
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS scans_by_user ON scans (user_id, created_at);
CREATE INDEX IF NOT EXISTS scans_by_status ON scans (status, updated_at);
