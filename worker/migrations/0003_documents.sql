-- Issue 18, documents: pages gathered into one PDF/A export.
-- A document's pages are scans (the `scans` table): each goes through the queue as scans do
-- (preprocess, OCR, words stored), idempotently. status:
--   open        pages may be added (POST /v1/documents/:id/pages)
--   finalized   POST /v1/documents/:id/finalize: no more pages; assembled once every page is
--               done or failed
--   assembling  a queue message claimed it and writes exports/<id>.pdf (R2 multipart upload)
--   done        export_key is in the EXPORTS bucket
--   failed      error_code / error_message say why (e.g. pages_failed: some pages failed and
--               the finalize did not ask for allow_failed_pages)
CREATE TABLE IF NOT EXISTS documents (
  id                 TEXT PRIMARY KEY,
  user_id            TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'finalized', 'assembling', 'done', 'failed')),
  title              TEXT,
  page_count         INTEGER NOT NULL DEFAULT 0,
  upload_bytes       INTEGER NOT NULL DEFAULT 0,
  allow_failed_pages INTEGER NOT NULL DEFAULT 0,
  export_key         TEXT,            -- R2 EXPORTS: exports/<id>.pdf
  export_bytes       INTEGER,
  export_words       INTEGER,
  error_code         TEXT,
  error_message      TEXT,
  assembly_started   REAL,            -- ms since epoch: a claim (another delivery may take over
                                      -- a claim older than the lease)
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_user ON documents (user_id, created_at);

CREATE TABLE IF NOT EXISTS document_pages (
  document_id TEXT NOT NULL,
  page_no     INTEGER NOT NULL,        -- 1, 2, ... in upload order
  scan_id     TEXT NOT NULL UNIQUE,
  PRIMARY KEY (document_id, page_no)
);
