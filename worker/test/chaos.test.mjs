// Issue 14, "nothing is lost": the OCR API goes down while 30 scans are in flight, for the
// equivalent of 60 s (answering 503) and of 10 minutes (refusing connections). Every scan must
// end `done`, none `failed`, every original still in R2, and the OCR API must have answered
// exactly one successful call per scan.
//
// Timings are the production ones scaled by 1/10 through the Worker's vars (see wrangler.toml):
//   RETRY_BASE_SECONDS 10 -> 1, RETRY_MAX_SECONDS 600 -> 60, BREAKER_OPEN_SECONDS 30 -> 3,
//   OCR_TIMEOUT_MS 30000 -> 3000, STALE_SECONDS 1800 -> 180, the cron every 60 s -> every 6 s
//   (a real cron cannot fire that fast: the test calls the scheduled handler itself), outages
//   60 s -> 6 s and 10 min -> 60 s. Queue delays are whole seconds, so 1 s is the finest step.
// Run with ./test.sh. CHAOS_SHORT=1 runs only the short outage (quick check).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Miniflare } from "miniflare";
import { makeToken, startFakeOcr, waitFor, migrate } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const photo = readFileSync(join(root, "..", "fixtures", "photo-shadow.jpg"));
const SECRET = "chaos-jwt-secret";
const SCALE = 0.1; // test seconds per production second
const CRON_MS = 60_000 * SCALE;
const SCANS = 30;

let mf, fake, db, scansBucket, cronTimer;
const token = makeToken({ sub: "user-chaos" }, SECRET);

before(async () => {
  fake = await startFakeOcr();
  mf = new Miniflare({
    modules: true,
    scriptPath: join(root, "build/index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    bindings: {
      ENVIRONMENT: "chaos",
      OCR_API_URL: fake.url,
      OCR_HEALTH_URL: fake.healthUrl,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
      JWT_SECRET: SECRET,
      OCR_API_KEY: "chaos-ocr-key",
      OCR_TIMEOUT_MS: String(30_000 * SCALE),
      RETRY_BASE_SECONDS: String(10 * SCALE),
      RETRY_MAX_SECONDS: String(600 * SCALE),
      BREAKER_FAILURES: "5",
      BREAKER_OPEN_SECONDS: String(30 * SCALE),
      STALE_SECONDS: String(1800 * SCALE),
      SCAN_DEADLINE_SECONDS: "86400",
    },
    r2Buckets: ["SCANS", "EXPORTS"],
    kvNamespaces: ["KV"],
    d1Databases: ["DB"],
    queueProducers: { SCAN_QUEUE: "scans" },
    // As in wrangler.toml for development: 4 deliveries, then the dead-letter queue.
    queueConsumers: {
      scans: { maxBatchSize: 4, maxBatchTimeout: 0.2, maxRetries: 3, deadLetterQueue: "scans-dlq" },
      "scans-dlq": { maxBatchSize: 10, maxBatchTimeout: 0.2, maxRetries: 3 },
    },
  });
  await mf.ready;
  db = await mf.getD1Database("DB");
  await migrate(db, join(root, "migrations"));
  scansBucket = await mf.getR2Bucket("SCANS");
  // The cron trigger, scaled.
  const worker = await mf.getWorker();
  cronTimer = setInterval(() => {
    worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() }).catch(() => {});
  }, CRON_MS);
});

after(async () => {
  clearInterval(cronTimer);
  await mf?.dispose();
  await fake?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function statuses(ids) {
  const counts = { queued: 0, processing: 0, done: 0, failed: 0 };
  for (const id of ids) {
    const r = await db.prepare("SELECT status FROM scans WHERE id = ?").bind(id).first();
    counts[r.status]++;
  }
  return counts;
}

/**
 * Uploads SCANS scans; after the fifth, the OCR API goes down (`mode`: "503" or "refused") for
 * `outageMs`; then it comes back. Returns the figures.
 */
async function outage(mode, outageMs) {
  fake.reset([{ status: 200 }]);
  const ids = [];
  const down = async () => {
    if (mode === "503") fake.down = true;
    else await fake.stop();
  };
  const up = async () => {
    if (mode === "503") fake.down = false;
    else await fake.start();
  };
  const postsBefore = fake.requests.length;
  let downAt;
  for (let i = 0; i < SCANS; i++) {
    const res = await mf.dispatchFetch("http://worker.test/v1/scans", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: photo,
    });
    assert.equal(res.status, 202);
    ids.push((await res.json()).id);
    if (i === 4) {
      await down();
      downAt = Date.now();
    }
  }
  const atOutage = await statuses(ids);
  await sleep(Math.max(0, downAt + outageMs - Date.now()));
  const duringOutage = await statuses(ids);
  const breaker = await db.prepare("SELECT * FROM breaker WHERE name = 'ocr'").first();
  const callsDuringOutage = fake.requests.length - postsBefore;
  await up();
  const upAt = Date.now();
  const final = await waitFor(
    async () => {
      const c = await statuses(ids);
      return c.done + c.failed === SCANS ? c : null;
    },
    { timeout: 90_000, interval: 250, what: `all ${SCANS} scans to finish after the ${mode} outage` },
  );
  const recoveryMs = Date.now() - upAt;
  let missing = 0;
  for (const id of ids) {
    const obj = await scansBucket.get(`originals/${id}`);
    if (!obj || Buffer.compare(Buffer.from(await obj.arrayBuffer()), photo) !== 0) missing++;
  }
  const successes = ids.map((id) => fake.successes.get(id) ?? 0);
  const rows = [];
  for (const id of ids) rows.push(await db.prepare("SELECT * FROM scans WHERE id = ?").bind(id).first());
  const figures = {
    mode,
    outage_s: outageMs / 1000,
    at_outage: atOutage,
    during_outage: duringOutage,
    breaker_during_outage: breaker.state,
    ocr_posts_during_outage: callsDuringOutage,
    ocr_posts_total: fake.requests.length - postsBefore,
    // Calls the Worker made (whether or not they reached the API), from D1.
    ocr_attempts_total: rows.reduce((s, r) => s + r.ocr_attempts, 0),
    max_ocr_attempts: Math.max(...rows.map((r) => r.ocr_attempts)),
    deliveries_total: rows.reduce((s, r) => s + r.attempts, 0),
    recovery_s: recoveryMs / 1000,
    final,
    originals_missing: missing,
  };
  console.log(`# chaos ${JSON.stringify(figures)}`);
  return { figures, successes, ids, rows };
}

function check({ figures, successes, rows }) {
  assert.equal(figures.final.done, SCANS, JSON.stringify(figures));
  assert.equal(figures.final.failed, 0);
  assert.equal(figures.originals_missing, 0);
  assert.deepEqual(successes, Array(SCANS).fill(1), "exactly one successful OCR call per scan");
  for (const r of rows) assert.equal(r.error_code, null);
  // The breaker opened: during the outage the API saw few calls, not one per delivery.
  assert.equal(figures.breaker_during_outage, "open");
}

test(`OCR API answering 503 for the equivalent of 60 s with ${SCANS} scans in flight: nothing lost`, async () => {
  const r = await outage("503", 60_000 * SCALE);
  check(r);
});

test(
  `OCR API refusing connections for the equivalent of 10 min with ${SCANS} scans in flight: nothing lost`,
  { skip: process.env.CHAOS_SHORT === "1" },
  async () => {
    const r = await outage("refused", 600_000 * SCALE);
    check(r);
    // While open, only probes are sent: a few failed calls per scan, not one per second.
    const failedCalls = r.figures.ocr_attempts_total - SCANS;
    assert.ok(failedCalls < 4 * SCANS, `${failedCalls} failed calls`);
  },
);
