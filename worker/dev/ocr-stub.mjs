// A local stand-in for the OCR API, for `wrangler dev`. POST an image (the Worker sends the
// Group 4 TIFF) with `Authorization: Bearer $OCR_API_KEY`; the answer is JSON:
//   { "engine": "tesseract", "text": "...", "tsv": "..." }  when `tesseract` is on PATH (the TSV's
//                                                           word boxes give a document's text layer),
//   { "engine": "stub", "text": "...", "note": "..." }        otherwise (a fixed answer saying so).
// GET /health (or GET /) answers { "status": "ok" }: the Worker's cron probes it
// (OCR_HEALTH_URL in wrangler.toml).
//
// Tesseract runs asynchronously, one process per call with one thread each
// (OMP_THREAD_LIMIT=1), so concurrent calls run side by side instead of waiting in line behind
// one another (and do not fight over the cores with OpenMP threads).
//
// Usage: node dev/ocr-stub.mjs [--port 8788]
//   env: OCR_API_KEY (default "dev-ocr-key");
//        OCR_STUB_FAIL=N answers 503 to the first N POSTs, to watch the retries;
//        OCR_STUB_DOWN_FILE=path: while that file exists every request (GET too) answers 503,
//        to watch the circuit breaker open and the cron close it (touch / rm the file).
import { createServer } from "node:http";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const argPort = process.argv.indexOf("--port");
const port = Number(argPort > 0 ? process.argv[argPort + 1] : process.env.PORT ?? 8788);
const key = process.env.OCR_API_KEY ?? "dev-ocr-key";
let failuresLeft = Number(process.env.OCR_STUB_FAIL ?? 0);
const downFile = process.env.OCR_STUB_DOWN_FILE;
// Checked once at start (synchronously: nothing is being served yet).
const hasTesseract = spawnSync("tesseract", ["--version"], { encoding: "utf8" }).status === 0;
let inFlight = 0;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Runs `tesseract FILE stdout tsv` (words with their boxes) without blocking the event loop. */
function tesseract(file) {
  return new Promise((resolve) => {
    execFile(
      "tesseract",
      [file, "stdout", "tsv"],
      { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, OMP_THREAD_LIMIT: "1" } },
      (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr: String(stderr ?? err?.message ?? "") }),
    );
  });
}

async function ocr(image, mediaType) {
  if (!hasTesseract) {
    return {
      engine: "stub",
      text: "OCR STUB: tesseract is not installed, so this is a fixed answer, not the text of the image.",
      note: "install tesseract-ocr to get real text from dev/ocr-stub.mjs",
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "ocr-stub-"));
  try {
    const ext = { "image/png": "png", "image/jpeg": "jpg" }[mediaType] ?? "tiff";
    const file = join(dir, `page.${ext}`);
    await writeFile(file, image);
    const r = await tesseract(file);
    if (!r.ok) return { engine: "tesseract", error: r.stderr.trim(), text: "" };
    // The text, line by line, from the TSV's words; the TSV itself for a document's text layer.
    const lines = new Map();
    for (const row of r.stdout.split("\n").slice(1)) {
      const f = row.split("\t");
      if (f[0] !== "5" || !f[11]?.trim()) continue;
      const key = f.slice(1, 5).join(".");
      lines.set(key, [...(lines.get(key) ?? []), f[11].trim()]);
    }
    const text = [...lines.values()].map((w) => w.join(" ")).join("\n");
    return { engine: "tesseract", text, tsv: r.stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const scan = req.headers["x-scan-id"] ?? "-";
    const started = Date.now();
    const log = (status) =>
      console.log(
        `${new Date().toISOString()} ${req.method} ${req.url} scan=${scan} ${body.length} bytes -> ${status} ` +
          `${Date.now() - started} ms (in flight: ${inFlight})`,
      );
    if (downFile && existsSync(downFile)) {
      log(503);
      return send(res, 503, { error: "OCR stub: down (OCR_STUB_DOWN_FILE exists)" });
    }
    const path = (req.url ?? "/").split("?")[0];
    if ((req.method === "GET" || req.method === "HEAD") && (path === "/health" || path === "/")) {
      log(200);
      return send(res, 200, { status: "ok", engine: hasTesseract ? "tesseract" : "stub", in_flight: inFlight });
    }
    if (req.method !== "POST") {
      log(405);
      return send(res, 405, { error: "POST an image" });
    }
    if (req.headers.authorization !== `Bearer ${key}`) {
      log(401);
      return send(res, 401, { error: "bad key" });
    }
    if (failuresLeft > 0) {
      failuresLeft--;
      log(503);
      return send(res, 503, { error: "OCR stub: simulated outage" });
    }
    if (body.length === 0) {
      log(400);
      return send(res, 400, { error: "empty body" });
    }
    inFlight++;
    try {
      const answer = await ocr(body, req.headers["content-type"]);
      send(res, 200, { scan_id: scan, bytes: body.length, ...answer });
      log(200);
    } catch (e) {
      send(res, 500, { error: `OCR stub: ${e?.message ?? e}` });
      log(500);
    } finally {
      inFlight--;
    }
  });
}).listen(port, "127.0.0.1", () => {
  console.log(
    `OCR stub on http://127.0.0.1:${port}/v1/ocr, health on /health (tesseract: ${hasTesseract ? "yes" : "no"})`,
  );
});
