// Measures a document's assembly inside workerd (Miniflare): N pages (default 50, the A4 text
// fixture and three others in turn) uploaded, OCR'd by a fake API answering Tesseract TSV with
// W words per page (default 500, a dense A4 page), finalized; then the assembly message's
// time, the WebAssembly memory before and after it, and the PDF's size. Not part of the suite.
//   node test/measure-documents.mjs [--pages N] [--words W]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { captureLogs, makeToken, migrate, startFakeOcr, waitFor } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, d) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const pages = opt("--pages", 50);
const wordsPerPage = opt("--words", 500);
const { lines, log } = captureLogs();

const fake = await startFakeOcr();
const head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
const rows = [];
for (let i = 0; i < wordsPerPage; i++) {
  const line = Math.floor(i / 10);
  rows.push(`5\t1\t1\t1\t${line}\t${i % 10}\t${150 + 220 * (i % 10)}\t${200 + 60 * line}\t180\t40\t95\tword${i}`);
}
fake.reset([{ status: 200, body: JSON.stringify({ text: "x", tsv: [head, ...rows].join("\n") }) }]);
const mf = new Miniflare({
  modules: true,
  scriptPath: join(here, "..", "build/index.js"),
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2026-04-01",
  bindings: { JWT_SECRET: "m", LOG_LEVEL: "info", OCR_API_URL: fake.url, OCR_API_KEY: "k", RETRY_BASE_SECONDS: "0" },
  r2Buckets: ["SCANS", "EXPORTS"],
  kvNamespaces: ["KV"],
  d1Databases: ["DB"],
  queueProducers: { SCAN_QUEUE: "scans" },
  queueConsumers: { scans: { maxBatchSize: 4, maxBatchTimeout: 0.2, maxRetries: 3 } },
  log,
});
await mf.ready;
await migrate(await mf.getD1Database("DB"), join(here, "..", "migrations"));
const auth = { authorization: `Bearer ${makeToken({ sub: "measure" }, "m")}` };
const api = (path, init = {}) => mf.dispatchFetch(`http://w${path}`, { ...init, headers: { ...auth, ...init.headers } });
const fixtures = join(here, "..", "..", "fixtures");
const files = ["two-column.png", "page-skew-plus3.png", "page-skew-minus7.jpg", "scan-1bit.tiff"].map((f) =>
  readFileSync(join(fixtures, f)),
);
const doc = (await (await api("/v1/documents", { method: "POST", body: "{}" })).json()).id;
const t0 = Date.now();
for (let i = 0; i < pages; i++) {
  const r = await api(`/v1/documents/${doc}/pages`, { method: "POST", body: files[i % files.length] });
  if (r.status !== 202) throw new Error(`page ${i + 1}: ${r.status} ${await r.text()}`);
}
await api(`/v1/documents/${doc}/finalize`, { method: "POST" });
const view = await waitFor(
  async () => {
    const d = await (await api(`/v1/documents/${doc}`)).json();
    return d.status === "done" || d.status === "failed" ? d : null;
  },
  { timeout: 600_000, what: "the document" },
);
const line = lines.map((l) => { try { return JSON.parse(l); } catch { return null; } })
  .find((l) => l && l.outcome === "assembled");
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
console.log(`${pages} pages, ${wordsPerPage} words each: document ${view.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s from the first upload`);
if (line) {
  console.log(
    `assembly: ${line.duration_ms.toFixed(0)} ms, ${line.pages} pages, ${line.words} words, ${mib(line.bytes_out)} PDF; ` +
      `WebAssembly memory ${mib(line.wasm_memory_before_bytes)} before, ${mib(line.wasm_memory_bytes)} after`,
  );
} else {
  console.log("no assembly line found", view.error);
}
// The export as a client gets it, checked by qpdf (the parts joined in order).
const pdf = Buffer.from(await (await api(`/v1/documents/${doc}/export`)).arrayBuffer());
const out = join(tmpdir(), `scanprep-doc-${process.pid}.pdf`);
writeFileSync(out, pdf);
try {
  execFileSync("qpdf", ["--check", out], { stdio: "ignore" });
  console.log(`export: ${pdf.length} bytes, qpdf --check passes`);
} catch (e) {
  console.log(`export: ${pdf.length} bytes, qpdf --check FAILED (${e.message})`);
  process.exitCode = 1;
}
await mf.dispose();
await fake.close();
