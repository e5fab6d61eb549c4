// Measures the npm package against its budgets (budgets.json) and fails when a limit is
// exceeded: what the browser entry downloads before its first result (its first .wasm and
// every script it imports, each gzipped as a server sends it), and each module loaded later; linear memory after a 12 MP photo, and its growth over 20
// photos in a row (encoded and raw-pixel paths); time of the whole pipeline on the A4 300 dpi
// page under Node against the native CLI of the same sources (medians, interleaved runs).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import * as scanprep from "./js/node.js";
import { cargo, grayToRgba, largeFixtures, readGrayPng, root } from "./tests/helpers.mjs";

const budgets = JSON.parse(readFileSync(new URL("./budgets.json", import.meta.url), "utf8"));
const MB = (n) => `${(n / 1048576).toFixed(1)} MiB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
let failed = false;

function check(name, value, show, unit = (v) => String(v)) {
  const { limit, goal } = budgets[name];
  const over = value > limit;
  failed ||= over;
  rows.push(
    `${over ? "FAIL" : "ok  "} ${name}: ${show} (limit ${unit(limit)}${goal !== limit ? `, goal ${unit(goal)}${value > goal ? " NOT MET" : " met"}` : ""})`,
  );
}

// 1. Size. The browser entry's first download: its module and the scripts it imports
// statically (followed from js/browser.js), each gzipped on its own.
const gzipOf = (path) => gzipSync(readFileSync(new URL(path, import.meta.url)), { level: 9 }).length;
const scripts = new Set();
const pkgRoot = new URL("./", import.meta.url);
(function follow(url) {
  const key = url.href.slice(pkgRoot.href.length);
  if (scripts.has(key)) return;
  scripts.add(key);
  const text = readFileSync(url, "utf8");
  for (const m of text.matchAll(/^(?:import|export)\s+[\w*\s{},$]+\sfrom\s+"(\.[^"]+)"/gm)) {
    follow(new URL(m[1], url));
  }
})(new URL("./js/browser.js", pkgRoot));
const scriptBytes = [...scripts].reduce((n, p) => n + gzipOf(p), 0);
const liteGz = gzipOf("./pkg/lite/scanprep_lite_bg.wasm");
check(
  "browser_entry_gzip_bytes",
  liteGz + scriptBytes,
  `${liteGz + scriptBytes} bytes gzipped: pkg/lite/scanprep_lite_bg.wasm ${liteGz} + ${scripts.size} scripts ${scriptBytes} (${[...scripts].join(", ")})`,
  (v) => `${v}`,
);
const wasm = readFileSync(new URL("./pkg/scanprep_bg.wasm", import.meta.url));
const gz = gzipSync(wasm, { level: 9 }).length;
check("wasm_gzip_bytes", gz, `${gz} bytes gzipped (${wasm.length} raw): the Node and workerd module, and the browser's for files it cannot decode (TIFF)`, (v) => `${v}`);
const pdfWasm = readFileSync(new URL("./pkg/pdf/scanprep_pdf_bg.wasm", import.meta.url));
const pdfGz = gzipSync(pdfWasm, { level: 9 }).length;
check("pdf_wasm_gzip_bytes", pdfGz, `${pdfGz} bytes gzipped (${pdfWasm.length} raw), loaded by createPdf() only`, (v) => `${v}`);

// 2. Memory: 20 photos in a row, then the same photo as raw RGBA pixels, 20 times.
const { a4, photo } = largeFixtures();
const jpeg = readFileSync(photo);
const mem = [];
for (let i = 0; i < 20; i++) {
  await scanprep.preprocess(jpeg);
  mem.push(scanprep.memoryBytes());
}
const gray = readGrayPng(
  (await scanprep.preprocess(jpeg, {
    binarization: "none", format: "gray-png", deskew: false,
    normalizeBackground: false, maxWorkingPixels: 0,
  })).bytes,
);
const rgba = grayToRgba(gray);
for (let i = 0; i < 20; i++) {
  await scanprep.preprocess(rgba);
  mem.push(scanprep.memoryBytes());
}
check("memory_after_12mp_bytes", Math.max(...mem), `${MB(mem[0])} after the first photo, ${MB(Math.max(...mem))} at most`, MB);
// The first call of each kind may grow memory to its high-water mark; after that, none.
const growth = Math.max(mem[19] - mem[1], mem[39] - mem[21]);
check("memory_growth_over_20_photos_bytes", growth, `${growth} bytes from photo 2 to 20 (both paths)`, (v) => `${v}`);

// Live detection: 1,000 frames of the photo reduced to the pixels of a 1280x720 frame.
{
  const frame = grayToRgba(readGrayPng(
    (await scanprep.preprocess(jpeg, {
      binarization: "none", format: "gray-png", deskew: false, detectPage: false,
      normalizeBackground: false, maxWorkingPixels: 1280 * 720,
    })).bytes,
  ));
  const detector = await scanprep.createPageDetector();
  detector.detect(frame);
  const first = scanprep.memoryBytes();
  for (let i = 0; i < 1000; i++) detector.detect(frame);
  const grown = scanprep.memoryBytes() - first;
  check("live_detection_growth_bytes", grown, `${grown} bytes over 1,000 detections of a ${frame.width}x${frame.height} frame`, (v) => `${v}`);
  detector.free();
}

// 3. Speed against native on the A4 300 dpi page (5 interleaved runs each, after a warm-up).
execFileSync("cargo", ["build", "-q", "--release", "-p", "scanprep-cli"], { cwd: root, stdio: "inherit" });
const cli = `${root}target/release/scanprep`;
const page = readFileSync(a4);
const native = () =>
  JSON.parse(execFileSync(cli, ["process", a4, "-o", "/dev/null", "--format", "tiff", "--json"], { encoding: "utf8" }))
    .report.timings.total_ms;
const inWasm = async () => (await scanprep.preprocess(page)).report.timings.totalMs;
native();
await inWasm();
const n = [];
const w = [];
for (let i = 0; i < 5; i++) {
  n.push(native());
  w.push(await inWasm());
}
const ratio = median(w) / median(n);
check(
  "a4_time_ratio_to_native",
  ratio,
  `${ratio.toFixed(2)}x (WebAssembly ${median(w).toFixed(0)} ms, native ${median(n).toFixed(0)} ms, medians of 5)`,
  (v) => `${v}x`,
);

console.log(rows.join("\n"));
if (failed) {
  console.error("budgets.mjs: a budget is exceeded");
  process.exit(1);
}
void cargo;
