// Measures the pipeline inside workerd (Miniflare) on given images: wall time of
// POST /v1/preprocess (no I/O inside, so wall time ~ CPU time), and the Worker's WebAssembly
// memory after each run (from its log line). Not part of the test suite.
//   node test/measure.mjs IMAGE... [--runs N]
// (env WORKER_JS: another build's index.js; MEASURE_OUT: a directory to save the outputs in)
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { captureLogs, makeToken } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const ri = args.indexOf("--runs");
const runs = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 5;
const { lines, log, print: origLog } = captureLogs();
const mf = new Miniflare({
  modules: true,
  scriptPath: process.env.WORKER_JS ?? join(here, "..", "build/index.js"),
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2026-04-01",
  bindings: { JWT_SECRET: "m", LOG_LEVEL: "info", MAX_BODY_BYTES: "50000000" },
  log,
});
await mf.ready;
const token = makeToken({ sub: "measure" }, "m");
for (const file of args) {
  const body = readFileSync(file);
  const times = [];
  let info = null;
  for (let i = 0; i < runs; i++) {
    lines.length = 0;
    const t0 = performance.now();
    const res = await mf.dispatchFetch("http://w/v1/preprocess", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    const out = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${file}: ${res.status} ${out}`);
    const line = lines.map((l) => l.match(/\{.*"event":"request".*\}/)?.[0]).find(Boolean);
    if (line) info = JSON.parse(line);
    info = { ...info, out_bytes: out.length };
    if (process.env.MEASURE_OUT) writeFileSync(join(process.env.MEASURE_OUT, `${basename(file)}.tiff`), out);
  }
  const sorted = [...times].sort((a, b) => a - b);
  origLog(
    JSON.stringify({
      file: basename(file),
      input_pixels: info?.input_pixels,
      first_ms: Math.round(times[0]),
      best_ms: Math.round(sorted[0]),
      median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]),
      wasm_memory_mb: info?.wasm_memory_bytes ? +(info.wasm_memory_bytes / 1048576).toFixed(1) : null,
      output: `${info?.width}x${info?.height}, ${info?.out_bytes} bytes`,
    }),
  );
}
await mf.dispose();
