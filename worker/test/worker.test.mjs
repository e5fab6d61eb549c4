// End-to-end tests of the built Worker (build/index.js + build/index_bg.wasm) inside workerd,
// through Miniflare 4, with local R2, D1, KV and Queues and a fake OCR API on 127.0.0.1.
// Run with ./test.sh (it builds first). Fixtures come from ../fixtures (see manifest.json).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Miniflare } from "miniflare";
import { execFileSync } from "node:child_process";
import { makeToken, startFakeOcr, readTiff, grayPng, waitFor, migrate } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const fixtures = join(root, "..", "fixtures");
const photo = readFileSync(join(fixtures, "photo-shadow.jpg"));
const SECRET = "test-jwt-secret-0123456789";
const OCR_KEY = "test-ocr-key";
const ORIGIN = "https://app.scanfactory.test";
const MAX_RETRIES = 3; // 4 deliveries in all, then the dead-letter queue

let mf, fake, db, scansBucket, exportsBucket;
const alice = makeToken({ sub: "user-alice" }, SECRET);
const bob = makeToken({ sub: "user-bob" }, SECRET);

before(async () => {
  fake = await startFakeOcr();
  mf = new Miniflare({
    modules: true,
    scriptPath: join(root, "build/index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    bindings: {
      ENVIRONMENT: "test",
      CORS_ORIGIN: ORIGIN,
      OCR_API_URL: fake.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
      JWT_SECRET: SECRET,
      OCR_API_KEY: OCR_KEY,
      MAX_BODY_BYTES: "1000000",
      MAX_PIXELS: "3000000",
      // 2.6 Mpx of CPU budget: the fixtures (<= 2.2 Mpx) pass, a 2.8 Mpx page is over budget.
      CPU_BUDGET_MS: "260",
      CPU_MS_PER_MEGAPIXEL: "100",
      OCR_TIMEOUT_MS: "1500",
      RETRY_BASE_SECONDS: "0",
      BREAKER_OPEN_SECONDS: "1",
      OCR_HEALTH_URL: fake.healthUrl,
      // Documents: 4 pages and 1 MB of uploads at most (the document tests stay within).
      MAX_DOCUMENT_PAGES: "4",
      MAX_DOCUMENT_BYTES: "1000000",
    },
    r2Buckets: ["SCANS", "EXPORTS"],
    kvNamespaces: ["KV"],
    d1Databases: ["DB"],
    queueProducers: { SCAN_QUEUE: "scans", SCAN_DLQ: "scans-dlq" },
    queueConsumers: {
      scans: { maxBatchSize: 10, maxBatchTimeout: 0.2, maxRetries: MAX_RETRIES, deadLetterQueue: "scans-dlq" },
      "scans-dlq": { maxBatchSize: 10, maxBatchTimeout: 0.2, maxRetries: 3 },
    },
  });
  await mf.ready;
  db = await mf.getD1Database("DB");
  await migrate(db, join(root, "migrations"));
  scansBucket = await mf.getR2Bucket("SCANS");
  exportsBucket = await mf.getR2Bucket("EXPORTS");
});

after(async () => {
  await mf?.dispose();
  await fake?.close();
});

const api = (path, init = {}) => mf.dispatchFetch(`http://worker.test${path}`, init);
const auth = (token, extra = {}) => ({ authorization: `Bearer ${token}`, ...extra });

async function upload(body, token = alice, headers = {}, query = "") {
  const res = await api(`/v1/scans${query}`, { method: "POST", headers: auth(token, headers), body });
  const json = await res.json();
  if (process.env.DEBUG_TESTS) console.log("upload", res.status, JSON.stringify(json));
  return { res, json };
}

async function row(id) {
  return db.prepare("SELECT * FROM scans WHERE id = ?").bind(id).first();
}

async function waitFinal(id, timeout = 30000) {
  return waitFor(
    async () => {
      const r = await row(id);
      return r && (r.status === "done" || r.status === "failed") ? r : null;
    },
    { timeout, what: `scan ${id} to finish` },
  );
}

/** Runs the Worker's cron handler once (what the `[triggers] crons` entry does every minute). */
async function cron() {
  const w = await mf.getWorker();
  return w.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
}

async function breakerRow() {
  return db.prepare("SELECT * FROM breaker WHERE name = 'ocr'").first();
}

async function bytesOf(bucket, key) {
  const obj = await bucket.get(key);
  return obj ? Buffer.from(await obj.arrayBuffer()) : null;
}

test("GET /health reports bindings without secrets", async () => {
  const res = await api("/health");
  assert.equal(res.status, 200);
  const text = await res.text();
  const body = JSON.parse(text);
  assert.equal(body.status, "ok");
  assert.equal(body.environment, "test");
  for (const b of ["DB", "KV", "SCANS", "EXPORTS", "SCAN_QUEUE", "OCR_API_URL", "OCR_API_KEY", "JWT_SECRET"]) {
    assert.equal(body.bindings[b], true, b);
  }
  assert.ok(!text.includes(SECRET) && !text.includes(OCR_KEY));
});

test("upload -> queue -> processed image in R2 -> OCR API got the bilevel image -> exports -> done", async () => {
  fake.reset([{ status: 200 }]);
  const { res, json } = await upload(photo, alice, { "content-type": "image/jpeg" });
  assert.equal(res.status, 202, JSON.stringify(json));
  assert.match(json.id, /^[0-9a-f-]{36}$/);
  assert.equal(json.status, "queued");
  assert.equal(res.headers.get("location"), `/v1/scans/${json.id}`);

  const r = await waitFinal(json.id);
  assert.equal(r.status, "done", `${r.error_code}: ${r.error_message}`);
  assert.equal(r.user_id, "user-alice");
  assert.equal(r.attempts, 1);

  // The original is kept; the processed image is a Group 4 TIFF.
  assert.deepEqual(await bytesOf(scansBucket, `originals/${json.id}`), photo);
  const processed = await bytesOf(scansBucket, `processed/${json.id}.tiff`);
  assert.ok(processed, "processed image in R2");
  const report = JSON.parse(r.report);
  const tiff = readTiff(processed);
  assert.equal(tiff.bitsPerSample, 1, "bilevel");
  assert.equal(tiff.compression, 4, "CCITT Group 4");
  assert.equal(tiff.width, report.output_width);
  assert.equal(tiff.height, report.output_height);
  // The photo is 1600x1200 stored, 1200x1600 upright (EXIF 6): a 1000x1414 page on a table,
  // found and rectified (which straightens it).
  assert.equal(report.exif_orientation, 6);
  assert.equal(report.page.found, true);
  assert.equal(report.page.source, "detected");
  assert.ok(Math.abs(report.skew_degrees) < 0.3, `skew ${report.skew_degrees}`);
  // Its text (x-height about 11 px) was then binarized at the target x-height: the page
  // enlarged by text sizing's scale.
  const s = report.text_size.scale;
  assert.equal(report.text_size.decision, "enlarged");
  assert.ok(s > 1.8 && s < 2.4, `text scale ${s}`);
  assert.ok(tiff.width >= 980 * s && tiff.width <= 1020 * s, `width ${tiff.width}`);
  assert.ok(tiff.height >= 1390 * s && tiff.height <= 1440 * s, `height ${tiff.height}`);

  // The OCR API received exactly that image, once, with the right key.
  const calls = fake.forScan(json.id);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].method, "POST");
  assert.equal(calls[0].headers.authorization, `Bearer ${OCR_KEY}`);
  assert.equal(calls[0].headers["content-type"], "image/tiff");
  assert.deepEqual(calls[0].body, processed);

  // Its answer is in the exports bucket.
  const result = JSON.parse((await bytesOf(exportsBucket, `ocr/${json.id}.json`)).toString());
  assert.equal(result.text, "fake OCR text");
  assert.equal(result.scan_id, json.id);

  // The owner sees it.
  const got = await api(`/v1/scans/${json.id}`, { headers: auth(alice) });
  assert.equal(got.status, 200);
  const view = await got.json();
  assert.equal(view.status, "done");
  assert.equal(view.result.key, `ocr/${json.id}.json`);
  assert.equal(view.processed.key, `processed/${json.id}.tiff`);
  assert.equal(view.report.output_width, tiff.width);
  assert.equal(view.error, null);

  // Another user gets the same 404 as for a scan that does not exist.
  const other = await api(`/v1/scans/${json.id}`, { headers: auth(bob) });
  assert.equal(other.status, 404);
  const missing = await api(`/v1/scans/00000000-0000-4000-8000-000000000000`, { headers: auth(bob) });
  assert.equal(missing.status, 404);
  assert.deepEqual(await other.json(), await missing.json());
});

test("tokens: missing, malformed, bad signature, expired, not yet valid, alg none, other algorithms", async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [undefined, "missing_token"],
    ["Basic dXNlcjpwYXNz", "missing_token"],
    ["Bearer not-a-jwt", "invalid_token"],
    [`Bearer ${makeToken({ sub: "user-alice" }, "wrong-secret")}`, "invalid_token"],
    [`Bearer ${makeToken({ sub: "user-alice", exp: now - 3600 }, SECRET)}`, "token_expired"],
    [`Bearer ${makeToken({ sub: "user-alice", nbf: now + 3600 }, SECRET)}`, "token_not_yet_valid"],
    [`Bearer ${makeToken({ sub: "user-alice" }, SECRET, { alg: "none" })}`, "unsupported_algorithm"],
    [`Bearer ${makeToken({ sub: "user-alice" }, SECRET, { alg: "HS512" })}`, "unsupported_algorithm"],
    [`Bearer ${makeToken({ sub: "user-alice", exp: undefined }, SECRET)}`, "invalid_token"],
    [`Bearer ${makeToken({ sub: undefined }, SECRET)}`, "invalid_token"],
  ];
  // alg none with a forged signature part and alg tampering on a valid token are refused too.
  const valid = makeToken({ sub: "user-alice" }, SECRET).split(".");
  const noneHeader = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  cases.push([`Bearer ${noneHeader}.${valid[1]}.${valid[2]}`, "unsupported_algorithm"]);
  for (const [header, code] of cases) {
    for (const [method, path] of [["GET", "/v1/scans/x"], ["POST", "/v1/scans"], ["POST", "/v1/preprocess"]]) {
      const headers = header ? { authorization: header } : {};
      // A small body: the 401 comes before the body is read.
      const res = await api(path, { method, headers, body: method === "POST" ? photo.subarray(0, 64) : undefined });
      assert.equal(res.status, 401, `${header} ${path}`);
      const body = await res.json();
      assert.equal(body.error.code, code, `${header} ${path}`);
      assert.ok(res.headers.get("www-authenticate")?.startsWith("Bearer"));
    }
  }
});

test("POST /v1/preprocess returns the image with its report, or JSON when asked", async () => {
  const res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: photo });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/tiff");
  const report = JSON.parse(res.headers.get("x-scanprep-report"));
  const img = Buffer.from(await res.arrayBuffer());
  const tiff = readTiff(img);
  assert.equal(tiff.width, report.output_width);
  assert.equal(tiff.height, report.output_height);
  assert.equal(report.output_bytes, img.length);

  const opts = JSON.stringify({ binarization: "otsu", deskew: false });
  const j = await api("/v1/preprocess?format=png", {
    method: "POST",
    headers: auth(alice, { accept: "application/json", "x-scanprep-options": opts }),
    body: photo,
  });
  assert.equal(j.status, 200);
  const body = await j.json();
  assert.equal(body.media_type, "image/png");
  assert.equal(body.report.rotated, false);
  assert.equal(body.report.binarization.method, "otsu");
  const png = Buffer.from(body.image_base64, "base64");
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  assert.equal(png.readUInt32BE(16), body.width);

  const boundary = "----scanprep-test-boundary";
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n`),
    Buffer.from(JSON.stringify({ format: "png" })),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n`),
    Buffer.from("Content-Type: image/jpeg\r\n\r\n"),
    photo,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const m = await api("/v1/preprocess", {
    method: "POST",
    headers: auth(alice, { "content-type": `multipart/form-data; boundary=${boundary}` }),
    body: multipart,
  });
  assert.equal(m.status, 200);
  assert.equal(m.headers.get("content-type"), "image/png");
  await m.arrayBuffer();

  for (const [query, header, field] of [
    ["?deskw=false", undefined, "invalid_option"],
    ["?max_skew_degrees=80", undefined, "invalid_option"],
    ["", "{not json", "invalid_options"],
  ]) {
    const bad = await api(`/v1/preprocess${query}`, {
      method: "POST",
      headers: auth(alice, header ? { "x-scanprep-options": header } : {}),
      body: photo,
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, field);
  }

  // Detection alone: the page's corners, orientation and capture verdict.
  const d = await api("/v1/detect", { method: "POST", headers: auth(alice), body: photo });
  assert.equal(d.status, 200);
  const found = await d.json();
  assert.equal(found.corners.length, 4);
  assert.equal(found.page.found, true);
  assert.equal(found.orientation_degrees, 0);
  assert.equal(typeof found.quality.ok, "boolean");
  // Manual corners in the query string, and a capture rejected for a chosen reason.
  const manual = await api("/v1/detect?corners=84,125,1083,90,1132,1503,133,1538&page_size=a4", {
    method: "POST",
    headers: auth(alice),
    body: photo,
  });
  assert.equal(manual.status, 200);
  const m2 = await manual.json();
  assert.equal(m2.page.source, "manual");
  assert.ok(Math.abs(m2.page.aspect - Math.SQRT2) < 1e-3);
  const badCorners = await api("/v1/preprocess?corners=0,0,10,10,20,20,30,30", {
    method: "POST",
    headers: auth(alice),
    body: photo,
  });
  assert.equal(badCorners.status, 400);
  assert.equal((await badCorners.json()).error.code, "invalid_corners");
  const small = readFileSync(join(fixtures, "page.webp"));
  const retake = await api("/v1/preprocess?reject=text_too_small,too_blurry", {
    method: "POST",
    headers: auth(alice),
    body: small,
  });
  assert.equal(retake.status, 422);
  const err = (await retake.json()).error;
  assert.equal(err.code, "poor_capture");
  assert.deepEqual(err.reasons, ["text_too_small"]);
  assert.equal(typeof err.quality.measures.text_height_px, "number");
});

test("an OCR profile's limits: a page too small for Azure Read is 422 ocr_limit_exceeded, a format Google Vision does not read is replaced", async () => {
  let res = await api("/v1/preprocess?ocr_profile=azure-read", {
    method: "POST", headers: auth(alice), body: grayPng(40, 300),
  });
  assert.equal(res.status, 422);
  const e = (await res.json()).error;
  assert.equal(e.code, "ocr_limit_exceeded");
  assert.match(e.message, /azure-read: its min_side is 40, the service allows 50/);
  res = await api("/v1/preprocess?ocr_profile=google-vision&format=tiff", {
    method: "POST", headers: auth(alice), body: grayPng(300, 200),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  await res.arrayBuffer();
});

test("limits: body size 413, pixel count and CPU budget 422, corrupt 422, not an image 415", async () => {
  const big = Buffer.concat([photo, randomBytes(1_100_000)]);
  for (const path of ["/v1/preprocess", "/v1/scans"]) {
    const res = await api(path, { method: "POST", headers: auth(alice), body: big });
    assert.equal(res.status, 413, path);
    assert.equal((await res.json()).error.code, "payload_too_large");
  }
  const huge = grayPng(2000, 2000); // 4 Mpx, over MAX_PIXELS
  let res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: huge });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error.code, "image_too_large");
  const slow = grayPng(1700, 1650); // 2.8 Mpx: under MAX_PIXELS, over the CPU budget
  res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: slow });
  assert.equal(res.status, 422);
  const e = (await res.json()).error;
  assert.equal(e.code, "cpu_budget_exceeded");
  assert.match(e.message, /CPU budget/);

  const corrupt = Buffer.concat([Buffer.alloc(8), randomBytes(4000)]);
  corrupt.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // a PNG signature, then garbage
  res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: corrupt });
  assert.equal(res.status, 422);
  // Garbage after the signature reads as a broken or a cut-short file, depending on the bytes.
  const corruptCode = (await res.json()).error.code;
  assert.match(corruptCode, /^(corrupt_image|truncated_image)$/);

  res = await api("/v1/scans", { method: "POST", headers: auth(alice), body: randomBytes(5000) });
  assert.equal(res.status, 415);
  assert.equal((await res.json()).error.code, "unsupported_format");
  res = await api("/v1/scans", { method: "POST", headers: auth(alice), body: "" });
  assert.equal(res.status, 400);

  // Fail fast: an upload whose structure already shows it cannot succeed is refused at once,
  // with nothing stored or queued.
  const before = (await db.prepare("SELECT COUNT(*) AS n FROM scans").first()).n;
  const refused = [
    [corrupt, corruptCode],
    [photo.subarray(0, 300), "truncated_image"],
    [photo.subarray(0, Math.floor(photo.length * 0.4)), "truncated_image"],
    [huge, "image_too_large"],
  ];
  for (const [body, code] of refused) {
    res = await api("/v1/scans", { method: "POST", headers: auth(alice), body });
    assert.equal(res.status, 422, code);
    assert.equal((await res.json()).error.code, code);
  }
  assert.equal((await db.prepare("SELECT COUNT(*) AS n FROM scans").first()).n, before);

  // A file whose structure is whole but whose compressed data is corrupt passes the upload
  // check, then fails for good without retries or an OCR call; the original stays.
  const broken = grayPng(64, 64);
  broken.fill(0xff, 45, 70); // inside the IDAT chunk's zlib data
  res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: broken });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error.code, "corrupt_image");
  fake.reset([{ status: 200 }]);
  const { json } = await upload(broken);
  const r = await waitFinal(json.id);
  assert.equal(r.status, "failed");
  assert.equal(r.error_code, "corrupt_image");
  assert.equal(r.attempts, 1);
  assert.equal(fake.forScan(json.id).length, 0);
  assert.deepEqual(await bytesOf(scansBucket, `originals/${json.id}`), broken);
});

test("a truncated upload is 422 truncated_image, unless allow_truncated: then 200 with a warning", async () => {
  const cut = photo.subarray(0, Math.floor(photo.length * 0.4));
  let res = await api("/v1/preprocess", { method: "POST", headers: auth(alice), body: cut });
  assert.equal(res.status, 422);
  const e = (await res.json()).error;
  assert.equal(e.code, "truncated_image");
  assert.match(e.message, /cut short/);
  res = await api("/v1/preprocess?allow_truncated=true", {
    method: "POST",
    headers: auth(alice, { accept: "application/json" }),
    body: cut,
  });
  assert.equal(res.status, 200);
  const [w] = (await res.json()).report.warnings;
  assert.equal(w.code, "truncated_image");
  assert.ok(w.rows_missing > 0);
});

test("OCR API failing twice (503, then 429 with Retry-After) then succeeding", async () => {
  fake.reset([{ status: 503 }, { status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
  const started = Date.now();
  const { json } = await upload(photo);
  const r = await waitFinal(json.id);
  assert.equal(r.status, "done", `${r.error_code}: ${r.error_message}`);
  assert.equal(r.attempts, 3);
  assert.equal(r.ocr_attempts, 3);
  assert.ok(Date.now() - started >= 1000, "the Retry-After delay was honoured");
  const calls = fake.forScan(json.id);
  assert.equal(calls.length, 3);
  // The image was preprocessed once and the same bytes were sent each time.
  assert.deepEqual(calls[0].body, calls[2].body);
  assert.ok(await bytesOf(exportsBucket, `ocr/${json.id}.json`));
  assert.equal(r.error_code, null);
});

test("OCR API timing out once is retried", async () => {
  fake.reset([{ hang: 3000, status: 200 }, { status: 200 }]);
  const { json } = await upload(photo);
  const r = await waitFinal(json.id);
  assert.equal(r.status, "done", `${r.error_code}: ${r.error_message}`);
  assert.equal(r.attempts, 2);
});

test("OCR API failing always: retried until the deadline, then failed with the reason, nothing lost", async () => {
  fake.reset([{ status: 500 }]);
  const { json } = await upload(photo);
  // A deadline 3 s away (SCAN_DEADLINE_SECONDS is 24 h): until then every failure is retried,
  // without the dead-letter queue, however many deliveries that takes.
  await db.prepare("UPDATE scans SET deadline_at = ? WHERE id = ?").bind(Date.now() + 3000, json.id).run();
  const r = await waitFinal(json.id, 60000);
  assert.equal(r.status, "failed");
  assert.equal(r.error_code, "ocr_unavailable");
  assert.match(r.error_message, /gave up after \d+ OCR attempt\(s\): the scan's deadline passed/);
  assert.match(r.error_message, /OCR API answered 500/);
  const calls = fake.forScan(json.id).length;
  assert.ok(calls > MAX_RETRIES + 1, `more OCR calls (${calls}) than the queue's deliveries`);
  assert.equal(r.ocr_attempts, calls, "ocr_attempts counts the real OCR calls");
  // The breaker opened after BREAKER_FAILURES (5) failures: later deliveries did not call.
  const b = await breakerRow();
  assert.equal(b.state, "open");
  assert.deepEqual(await bytesOf(scansBucket, `originals/${json.id}`), photo);
  assert.ok(await bytesOf(scansBucket, `processed/${json.id}.tiff`));
  assert.equal(await bytesOf(exportsBucket, `ocr/${json.id}.json`), null);
  const view = await (await api(`/v1/scans/${json.id}`, { headers: auth(alice) })).json();
  assert.equal(view.status, "failed");
  assert.equal(view.error.code, "ocr_unavailable");
  assert.equal(view.ocr_attempts, calls);

  // The cron's probe finds the API answering and closes the breaker. It does not bring back a
  // scan whose deadline passed: its owner can (POST /v1/scans/:id/retry).
  fake.reset([{ status: 200 }]);
  await cron();
  assert.equal((await breakerRow()).state, "closed");
  assert.equal((await row(json.id)).status, "failed");
  const retry = await api(`/v1/scans/${json.id}/retry`, { method: "POST", headers: auth(alice) });
  assert.equal(retry.status, 202);
  assert.equal((await retry.json()).status, "queued");
  const again = await waitFinal(json.id);
  assert.equal(again.status, "done", `${again.error_code}: ${again.error_message}`);
  assert.equal(fake.successes.get(json.id), 1);
});

test("a 4xx that can never succeed fails the scan at once with its reason", async () => {
  for (const status of [400, 401, 403, 404, 413, 415, 422]) {
    fake.reset([{ status, body: JSON.stringify({ error: `refused ${status}` }) }]);
    const { json } = await upload(photo);
    const r = await waitFinal(json.id);
    assert.equal(r.status, "failed", `${status}`);
    assert.equal(r.error_code, "ocr_rejected");
    assert.match(r.error_message, new RegExp(`OCR API answered ${status}: .*refused ${status}`));
    assert.equal(r.attempts, 1);
    assert.equal(r.ocr_attempts, 1);
    assert.equal(fake.forScan(json.id).length, 1);
  }
  assert.equal((await breakerRow()).state, "closed");
});

test("POST /v1/scans/:id/retry: owner only, 409 unless failed", async () => {
  fake.reset([{ status: 401 }]);
  const { json } = await upload(photo);
  const r = await waitFinal(json.id);
  assert.equal(r.status, "failed");
  // Someone else's scan, or an unknown one: 404.
  let res = await api(`/v1/scans/${json.id}/retry`, { method: "POST", headers: auth(bob) });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
  res = await api(`/v1/scans/00000000-0000-4000-8000-000000000000/retry`, { method: "POST", headers: auth(alice) });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
  res = await api(`/v1/scans/${json.id}/retry`, { method: "GET", headers: auth(alice) });
  assert.equal(res.status, 405);
  await res.arrayBuffer();
  // The key is fixed: the owner retries, the processed image is reused, the scan is done.
  fake.reset([{ status: 200 }]);
  res = await api(`/v1/scans/${json.id}/retry`, { method: "POST", headers: auth(alice) });
  assert.equal(res.status, 202);
  assert.equal(res.headers.get("location"), `/v1/scans/${json.id}`);
  const done = await waitFinal(json.id);
  assert.equal(done.status, "done", `${done.error_code}: ${done.error_message}`);
  assert.equal(done.revived, 1);
  assert.equal(done.ocr_attempts, 2);
  res = await api(`/v1/scans/${json.id}/retry`, { method: "POST", headers: auth(alice) });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).error.code, "scan_not_failed");
});

test("GET /v1/scans/:id/result and /image: the owner gets them once ready, others 404", async () => {
  fake.reset([{ status: 200 }]);
  const { json } = await upload(photo, alice, {}, "?format=png");
  const r = await waitFinal(json.id);
  assert.equal(r.status, "done", `${r.error_code}: ${r.error_message}`);
  let res = await api(`/v1/scans/${json.id}/result`, { headers: auth(alice) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^application\/json/);
  const result = await res.json();
  assert.equal(result.scan_id, json.id);
  assert.equal(result.text, "fake OCR text");
  res = await api(`/v1/scans/${json.id}/image`, { headers: auth(alice) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  const img = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(img, await bytesOf(scansBucket, `processed/${json.id}.png`));
  assert.equal(img.readUInt32BE(16), Number(res.headers.get("x-scanprep-width")));
  for (const what of ["result", "image"]) {
    res = await api(`/v1/scans/${json.id}/${what}`, { headers: auth(bob) });
    assert.equal(res.status, 404, what);
    assert.equal((await res.json()).error.code, "not_found");
    res = await api(`/v1/scans/${json.id}/${what}`);
    assert.equal(res.status, 401, what);
    await res.arrayBuffer();
  }
  // The default TIFF, and a scan not done yet: 409 with a code saying what is missing.
  const tiffScan = await upload(photo);
  await waitFinal(tiffScan.json.id);
  res = await api(`/v1/scans/${tiffScan.json.id}/image`, { headers: auth(alice) });
  assert.equal(res.headers.get("content-type"), "image/tiff");
  assert.equal(readTiff(Buffer.from(await res.arrayBuffer())).compression, 4);
  const id = "11111111-2222-4333-8444-555555555555";
  const now = new Date().toISOString();
  await db
    .prepare(
      "INSERT INTO scans (id, user_id, status, original_key, created_at, updated_at, deadline_at, next_attempt_at) VALUES (?, 'user-alice', 'queued', ?, ?, ?, ?, ?)",
    )
    .bind(id, `originals/${id}`, now, now, Date.now() + 86400000, Date.now() + 86400000)
    .run();
  res = await api(`/v1/scans/${id}/result`, { headers: auth(alice) });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).error.code, "result_not_ready");
  res = await api(`/v1/scans/${id}/image`, { headers: auth(alice) });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).error.code, "image_not_ready");
  await db.prepare("DELETE FROM scans WHERE id = ?").bind(id).run();
});

test("a scan in the dead-letter queue before its deadline goes back and completes", async () => {
  fake.reset([{ status: 200 }]);
  const id = "22222222-3333-4444-8555-666666666666";
  await scansBucket.put(`originals/${id}`, new Uint8Array(photo));
  const now = new Date().toISOString();
  await db
    .prepare(
      "INSERT INTO scans (id, user_id, status, original_key, created_at, updated_at, deadline_at, next_attempt_at, error_code, error_message) VALUES (?, 'user-alice', 'processing', ?, ?, ?, ?, ?, 'storage_unavailable', 'D1: simulated')",
    )
    .bind(id, `originals/${id}`, now, now, Date.now() + 86400000, Date.now())
    .run();
  const dlq = await mf.getQueueProducer("SCAN_DLQ");
  await dlq.send({ scan_id: id });
  const r = await waitFinal(id);
  assert.equal(r.status, "done", `${r.error_code}: ${r.error_message}`);
  assert.equal(r.revived, 1);
  assert.equal(fake.successes.get(id), 1);
});

test("the cron brings back scans failed for a transient reason and lost messages; requeue.sh", async () => {
  fake.reset([{ status: 200 }]);
  const now = new Date().toISOString();
  const ids = {
    legacyFailed: "33333333-0000-4000-8000-000000000001", // failed by the old code, before its deadline
    lost: "33333333-0000-4000-8000-000000000002", // queued, its message long overdue
    expired: "33333333-0000-4000-8000-000000000003", // failed after its deadline: stays
    rejected: "33333333-0000-4000-8000-000000000004", // ocr_rejected: stays (requeue.sh --all)
  };
  const rows = [
    [ids.legacyFailed, "failed", "ocr_unavailable", Date.now() + 3600000, Date.now() - 60000],
    [ids.lost, "queued", null, Date.now() + 3600000, Date.now() - 2 * 3600000],
    [ids.expired, "failed", "ocr_unavailable", Date.now() - 1000, Date.now() - 60000],
    [ids.rejected, "failed", "ocr_rejected", Date.now() + 3600000, Date.now() - 60000],
  ];
  for (const [id, status, code, deadline, next] of rows) {
    await scansBucket.put(`originals/${id}`, new Uint8Array(photo));
    await db
      .prepare(
        "INSERT INTO scans (id, user_id, status, original_key, created_at, updated_at, deadline_at, next_attempt_at, error_code) VALUES (?, 'user-alice', ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(id, status, `originals/${id}`, now, now, deadline, next, code)
      .run();
  }
  await cron();
  for (const id of [ids.legacyFailed, ids.lost]) {
    const r = await waitFinal(id);
    assert.equal(r.status, "done", `${id} ${r.error_code}: ${r.error_message}`);
    assert.equal(r.revived, 1);
  }
  await new Promise((res) => setTimeout(res, 500));
  assert.equal((await row(ids.expired)).status, "failed");
  assert.equal((await row(ids.rejected)).status, "failed");
  assert.equal(fake.forScan(ids.expired).length, 0);

  // scripts/requeue.sh: by default the transient failures (whatever their deadline), with
  // --all every failed scan, or the ids given; the next cron run queues them.
  const script = join(root, "..", "scripts", "requeue.sh");
  const sql = (...args) => execFileSync(script, ["local", "--print-sql", ...args], { encoding: "utf8" });
  for (const stmt of sql().split(";").map((s) => s.trim()).filter(Boolean)) {
    await db.prepare(stmt).run();
  }
  assert.equal((await row(ids.expired)).status, "queued");
  assert.equal((await row(ids.rejected)).status, "failed");
  for (const stmt of sql("--id", ids.rejected).split(";").map((s) => s.trim()).filter(Boolean)) {
    await db.prepare(stmt).run();
  }
  await cron();
  for (const id of [ids.expired, ids.rejected]) {
    const r = await waitFinal(id);
    assert.equal(r.status, "done", `${id} ${r.error_code}: ${r.error_message}`);
    assert.ok(r.deadline_at > Date.now(), "a new deadline");
  }
});

test("the same message delivered twice does not duplicate work or results", async () => {
  fake.reset([{ status: 200 }]);
  const queue = await mf.getQueueProducer("SCAN_QUEUE");
  const { json } = await upload(photo);
  // A second copy while the first is still queued or in flight ...
  await queue.send({ scan_id: json.id });
  const r = await waitFinal(json.id);
  assert.equal(r.status, "done");
  const updated = r.updated_at;
  // ... and a third after it is done.
  await queue.send({ scan_id: json.id });
  await new Promise((res) => setTimeout(res, 1500));
  const again = await row(json.id);
  assert.equal(again.status, "done");
  assert.equal(again.attempts, 1);
  assert.equal(again.updated_at, updated);
  assert.equal(fake.forScan(json.id).length, 1);
  const list = await exportsBucket.list({ prefix: `ocr/${json.id}` });
  assert.equal(list.objects.length, 1);
});

test("Idempotency-Key on upload returns the same scan", async () => {
  fake.reset([{ status: 200 }]);
  const key = `k-${Date.now()}`;
  const a = await upload(photo, alice, { "idempotency-key": key });
  const b = await upload(photo, alice, { "idempotency-key": key });
  assert.equal(a.json.id, b.json.id);
  assert.equal(b.json.replayed, true);
  // The same key with another body is a client bug, not a retry.
  const c = await upload(Buffer.concat([photo, Buffer.from([0])]), alice, { "idempotency-key": key });
  assert.equal(c.res.status, 422);
  assert.equal(c.json.error.code, "idempotency_key_reused");
  await waitFinal(a.json.id);
});

test("CORS allows exactly CORS_ORIGIN", async () => {
  let res = await api("/v1/scans", {
    method: "OPTIONS",
    headers: { origin: ORIGIN, "access-control-request-method": "POST" },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
  assert.match(res.headers.get("access-control-allow-headers"), /Authorization/);
  res = await api("/v1/scans", { method: "OPTIONS", headers: { origin: "https://evil.test" } });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("access-control-allow-origin"), null);
  res = await api("/health", { headers: { origin: ORIGIN } });
  assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
  await res.arrayBuffer();
  res = await api("/health", { headers: { origin: `${ORIGIN}.evil.test` } });
  assert.equal(res.headers.get("access-control-allow-origin"), null);
  await res.arrayBuffer();
  res = await api("/v1/scans/x", { headers: { origin: ORIGIN } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
});

test("unknown routes and methods answer JSON errors", async () => {
  let res = await api("/nope");
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
  res = await api("/v1/preprocess", { headers: auth(alice) });
  assert.equal(res.status, 405);
  assert.equal((await res.json()).error.code, "method_not_allowed");
});

// ---- Documents: pages gathered into one PDF/A export (issue 18) ----

/** The OCR stand-in for documents: Tesseract TSV (or hOCR for one in three pages) with words
 * that name the call, so each page's text is known; a tiny image (a blank page) gets a 400. */
let ocrCall = 0;
function wordsAnswer(_req, body) {
  if (body.length < 1500) return { status: 400, body: JSON.stringify({ error: "no text found" }) };
  const n = ++ocrCall;
  const words = [`alpha${n}`, `beta${n}`, `gamma${n}`];
  if (n % 3 === 0) {
    const spans = words
      .map((w, i) => `<span class='ocrx_word' title='bbox ${200 + 400 * i} 300 ${520 + 400 * i} 380; x_wconf 95'>${w}</span>`)
      .join(" ");
    return { status: 200, body: JSON.stringify({ text: words.join(" "), hocr: `<div class='ocr_page'>${spans}</div>` }) };
  }
  const head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
  const rows = words.map((w, i) => `5\t1\t1\t1\t1\t${i + 1}\t${200 + 400 * i}\t300\t320\t80\t95\t${w}`);
  return { status: 200, body: JSON.stringify({ text: words.join(" "), tsv: [head, ...rows].join("\n") }) };
}

async function newDocument(body = {}) {
  const res = await api("/v1/documents", {
    method: "POST",
    headers: auth(alice, { "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

async function addPage(doc, file) {
  const res = await api(`/v1/documents/${doc}/pages`, {
    method: "POST",
    headers: auth(alice),
    body: readFileSync(join(fixtures, file)),
  });
  const json = await res.json();
  assert.equal(res.status, 202, JSON.stringify(json));
  return json;
}

async function documentView(doc, token = alice) {
  return (await api(`/v1/documents/${doc}`, { headers: auth(token) })).json();
}

async function waitDocument(doc, statuses, timeout = 60000) {
  return waitFor(
    async () => {
      const d = await documentView(doc);
      return statuses.includes(d.status) ? d : null;
    },
    { timeout, what: `document ${doc} to be ${statuses.join(" or ")}` },
  );
}

function pdfText(pdf) {
  const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
  const file = join(dir, "doc.pdf");
  execFileSync("sh", ["-c", `cat > ${file}`], { input: pdf });
  execFileSync("qpdf", ["--check", file], { stdio: "ignore" });
  return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
}

test("documents: three pages uploaded, finalized, exported as one PDF/A whose text pdftotext reads", async () => {
  fake.reset([wordsAnswer]);
  const doc = await newDocument({ title: "Three pages" });
  const pages = [];
  for (const f of ["two-column.png", "page-skew-plus3.png", "page-skew-minus7.jpg"]) {
    pages.push(await addPage(doc, f));
  }
  assert.deepEqual(pages.map((p) => p.page), [1, 2, 3]);
  let view = await documentView(doc);
  assert.equal(view.status, "open");
  assert.equal(view.page_count, 3);
  // Not ready before it is finalized and assembled; another user sees nothing.
  assert.equal((await api(`/v1/documents/${doc}/export`, { headers: auth(alice) })).status, 409);
  assert.equal((await api(`/v1/documents/${doc}`, { headers: auth(bob) })).status, 404);

  const fin = await api(`/v1/documents/${doc}/finalize`, { method: "POST", headers: auth(alice) });
  assert.equal(fin.status, 202);
  // No page after finalizing.
  const late = await api(`/v1/documents/${doc}/pages`, { method: "POST", headers: auth(alice), body: photo });
  assert.equal(late.status, 409);
  assert.equal((await late.json()).error.code, "document_closed");

  view = await waitDocument(doc, ["done", "failed"]);
  assert.equal(view.status, "done", JSON.stringify(view.error));
  assert.deepEqual(view.pages.map((p) => p.status), ["done", "done", "done"]);
  assert.deepEqual(view.failed_pages, []);
  assert.equal(view.export.key, `exports/${doc}.pdf`);
  assert.equal(view.export.words, 9);

  const res = await api(`/v1/documents/${doc}/export`, { headers: auth(alice) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/pdf");
  const pdf = Buffer.from(await res.arrayBuffer());
  assert.equal(pdf.length, view.export.bytes);
  assert.equal(pdf.subarray(0, 8).toString(), "%PDF-1.7");
  assert.ok(pdf.includes("<pdfaid:conformance>U"));
  assert.ok(pdf.includes("Three pages"));
  // The pages are JBIG2 (each page's Group 4 recoded losslessly as it settled), not Group 4.
  assert.equal(pdf.toString("latin1").match(/\/JBIG2Decode/g)?.length, 3);
  assert.ok(!pdf.includes("/CCITTFaxDecode"));
  for (const p of pages) assert.ok(await bytesOf(scansBucket, `processed/${p.scan_id}.jb2`), "JBIG2 page in R2");
  // Each page's words, from its own OCR answer, in page order.
  const answers = [];
  for (const p of pages) {
    answers.push(JSON.parse((await bytesOf(exportsBucket, `ocr/${p.scan_id}.json`)).toString()).text);
  }
  const text = pdfText(pdf).split("\f").map((t) => t.split(/\s+/).filter(Boolean).join(" "));
  assert.deepEqual(text.slice(0, 3), answers);
  assert.equal((await api(`/v1/documents/${doc}/export`, { headers: auth(bob) })).status, 404);
});

test("documents: a page whose OCR call fails twice (503, then 429) is retried and still gets its text layer", async () => {
  fake.reset([{ status: 503 }, { status: 429, headers: { "retry-after": "1" } }, wordsAnswer]);
  const doc = await newDocument();
  const page = await addPage(doc, "two-column.png");
  // Finalized while the page is still retrying: the assembly waits for it.
  assert.equal((await api(`/v1/documents/${doc}/finalize`, { method: "POST", headers: auth(alice) })).status, 202);
  const view = await waitDocument(doc, ["done", "failed"]);
  assert.equal(view.status, "done", JSON.stringify(view.error));
  assert.deepEqual(view.failed_pages, []);
  assert.equal(view.pages[0].status, "done");
  assert.equal(view.export.words, 3, "the words of the answer that finally came");
  const scan = await (await api(`/v1/scans/${page.scan_id}`, { headers: auth(alice) })).json();
  assert.equal(scan.ocr_attempts, 3);
  assert.equal(fake.forScan(page.scan_id).length, 3);
});

test("documents: a page sent again with the same Idempotency-Key is the same page, not a second one", async () => {
  const doc = await newDocument();
  const body = readFileSync(join(fixtures, "page-skew-plus3.png"));
  const send = async (b) => {
    const res = await api(`/v1/documents/${doc}/pages`, {
      method: "POST",
      headers: auth(alice, { "idempotency-key": `page-one-${doc}` }),
      body: b,
    });
    return { status: res.status, json: await res.json() };
  };
  const first = await send(body);
  assert.equal(first.status, 202, JSON.stringify(first.json));
  const again = await send(body);
  assert.equal(again.json.scan_id, first.json.scan_id, JSON.stringify(again.json));
  assert.equal(again.json.page, 1);
  assert.equal((await documentView(doc)).page_count, 1);
  // The same key with other bytes is refused, as for scans.
  const other = await send(readFileSync(join(fixtures, "two-column.png")));
  assert.equal(other.status, 422);
  assert.equal(other.json.error.code, "idempotency_key_reused");
  assert.equal((await documentView(doc)).page_count, 1);
});

test("documents: a page whose OCR failed fails the document, which says which; allow_failed_pages exports it without its text", async () => {
  fake.reset([wordsAnswer]);
  const doc = await newDocument();
  for (const f of ["two-column.png", "blank.png", "page-skew-plus3.png"]) await addPage(doc, f);
  await api(`/v1/documents/${doc}/finalize`, { method: "POST", headers: auth(alice) });
  let view = await waitDocument(doc, ["done", "failed"]);
  assert.equal(view.status, "failed");
  assert.equal(view.error.code, "pages_failed");
  assert.deepEqual(view.failed_pages, [2]);
  assert.equal(view.pages[1].error.code.length > 0, true);

  const again = await api(`/v1/documents/${doc}/finalize`, {
    method: "POST",
    headers: auth(alice, { "content-type": "application/json" }),
    body: JSON.stringify({ allow_failed_pages: true }),
  });
  assert.equal(again.status, 202);
  view = await waitDocument(doc, ["done"]);
  assert.equal(view.export.words, 6);
  const pdf = Buffer.from(await (await api(`/v1/documents/${doc}/export`, { headers: auth(alice) })).arrayBuffer());
  assert.equal(pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length, 3);
  const text = pdfText(pdf).split("\f");
  assert.equal(text[1].trim(), "", "the failed page has no text layer");
});

test("documents: limits and bad requests are typed JSON errors", async () => {
  const doc = await newDocument();
  // Nothing to finalize yet.
  let res = await api(`/v1/documents/${doc}/finalize`, { method: "POST", headers: auth(alice) });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error.code, "no_pages");
  res = await api("/v1/documents", { method: "POST", headers: auth(alice), body: JSON.stringify({ titel: "x" }) });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, "invalid_option");
  res = await api("/v1/documents", { method: "POST", headers: auth(alice), body: "not json" });
  assert.equal((await res.json()).error.code, "invalid_json");
  res = await api(`/v1/documents/${doc}/pages`, { method: "POST", headers: auth(bob), body: photo });
  assert.equal(res.status, 404);
  res = await api(`/v1/documents/${doc}/export`, { method: "PUT", headers: auth(alice) });
  assert.equal(res.status, 405);

  // MAX_DOCUMENT_PAGES (4 here): the fifth page is refused before anything is stored.
  const many = await newDocument();
  for (let i = 0; i < 4; i++) await addPage(many, "blank.png");
  res = await api(`/v1/documents/${many}/pages`, { method: "POST", headers: auth(alice), body: readFileSync(join(fixtures, "blank.png")) });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error.code, "too_many_pages");
  assert.equal((await documentView(many)).page_count, 4);
  // MAX_DOCUMENT_BYTES (1 MB here): a page that would pass it is refused.
  const big = await newDocument();
  await addPage(big, "page-skew-plus3.png");
  await addPage(big, "page-skew-minus7.jpg");
  res = await api(`/v1/documents/${big}/pages`, { method: "POST", headers: auth(alice), body: readFileSync(join(fixtures, "page-skew-plus3.png")) });
  assert.equal(res.status, 413);
  const e = (await res.json()).error;
  assert.equal(e.code, "document_too_large");
  assert.match(e.message, /MAX_DOCUMENT_BYTES/);
  assert.equal((await documentView(big)).page_count, 2);
});
