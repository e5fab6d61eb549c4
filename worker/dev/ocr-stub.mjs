// A local stand-in for the OCR API, for `wrangler dev`. POST an image (the Worker sends the
// Group 4 TIFF) with `Authorization: Bearer $OCR_API_KEY`; the answer is JSON:
//   { "engine": "tesseract", "text": "..." }                 when `tesseract` is on PATH,
//   { "engine": "stub", "text": "...", "note": "..." }        otherwise (a fixed answer saying so).
// Usage: node dev/ocr-stub.mjs [--port 8788]   (env: OCR_API_KEY, default "dev-ocr-key";
//        OCR_STUB_FAIL=N answers 503 to the first N requests, to watch retries)
import { createServer } from "node:http";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const argPort = process.argv.indexOf("--port");
const port = Number(argPort > 0 ? process.argv[argPort + 1] : process.env.PORT ?? 8788);
const key = process.env.OCR_API_KEY ?? "dev-ocr-key";
let failuresLeft = Number(process.env.OCR_STUB_FAIL ?? 0);
const hasTesseract = spawnSync("tesseract", ["--version"], { encoding: "utf8" }).status === 0;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function ocr(image, mediaType) {
  if (!hasTesseract) {
    return {
      engine: "stub",
      text: "OCR STUB: tesseract is not installed, so this is a fixed answer, not the text of the image.",
      note: "install tesseract-ocr to get real text from dev/ocr-stub.mjs",
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "ocr-stub-"));
  try {
    const ext = { "image/png": "png", "image/jpeg": "jpg" }[mediaType] ?? "tiff";
    const file = join(dir, `page.${ext}`);
    writeFileSync(file, image);
    const r = spawnSync("tesseract", [file, "stdout"], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) return { engine: "tesseract", error: r.stderr.trim(), text: "" };
    return { engine: "tesseract", text: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const scan = req.headers["x-scan-id"] ?? "-";
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} scan=${scan} ${body.length} bytes`);
    if (req.method !== "POST") return send(res, 405, { error: "POST an image" });
    if (req.headers.authorization !== `Bearer ${key}`) return send(res, 401, { error: "bad key" });
    if (failuresLeft > 0) {
      failuresLeft--;
      return send(res, 503, { error: "OCR stub: simulated outage" });
    }
    if (body.length === 0) return send(res, 400, { error: "empty body" });
    send(res, 200, { scan_id: scan, bytes: body.length, ...ocr(body, req.headers["content-type"]) });
  });
}).listen(port, "127.0.0.1", () => {
  console.log(`OCR stub on http://127.0.0.1:${port}/v1/ocr (tesseract: ${hasTesseract ? "yes" : "no"})`);
});
