// The package in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// the demo page processes a fixture photo in a Web Worker, and the plain ES module entry takes
// raw canvas pixels. Saves a screenshot to wasm/test-artifacts/demo.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

import { serve } from "../demo/serve.mjs";
import { fixtures, fnv1a64, nativeOutput } from "./helpers.mjs";

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const artifacts = new URL("../test-artifacts/", import.meta.url).pathname;
let server;
let browser;
let base;

before(async () => {
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath} (apt-get install chromium)`);
  server = await serve(0);
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the demo page straightens and cleans a phone photo in a Web Worker", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/demo/`);
  const photo = join(fixtures, "photo-shadow.jpg");
  await page.setInputFiles("#file", photo);
  await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  const r = await page.evaluate(() => window.__lastResult);
  assert.ok(r, JSON.stringify(await page.evaluate(() => window.__lastError)));

  // What the fixture is known to be (fixtures/manifest.json): a 1600x1200 photo with EXIF
  // orientation 6, upright 1200x1600, text skewed by 2 degrees.
  assert.equal(r.report.inputFormat, "jpeg");
  assert.equal(r.report.exifOrientation, 6);
  assert.equal(r.report.inputWidth, 1200);
  assert.equal(r.report.inputHeight, 1600);
  // The page on the table is found and rectified, which straightens it.
  assert.equal(r.report.page.found, true);
  assert.ok(Math.abs(r.report.page.aspect - Math.SQRT2) < 0.01, `aspect ${r.report.page.aspect}`);
  assert.ok(Math.abs(r.report.skewDegrees) < 0.3, `skew ${r.report.skewDegrees}`);
  assert.equal(r.mimeType, "image/png");

  // Progress came to the main thread while the worker ran: every stage, before the result.
  assert.deepEqual(r.stages.map((s) => s.stage), [
    "decode", "page", "rectify", "orientation", "background", "turn", "skew", "rotate",
    "binarize", "clean", "text_size", "encode",
  ]);

  // The browser decoded the JPEG (the first module has no JPEG reader): the bytes are the
  // native CLI's on the very pixels the browser decoded, saved losslessly as PNG.
  const decoded = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }), { imageOrientation: "from-image", premultiplyAlpha: "none" });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    const png = new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
    let s = "";
    for (let i = 0; i < png.length; i += 8192) s += String.fromCharCode(...png.subarray(i, i + 8192));
    return btoa(s);
  }, readFileSync(photo).toString("base64"));
  mkdirSync(artifacts, { recursive: true });
  const pixelsPng = join(artifacts, "photo-shadow-as-decoded.png");
  writeFileSync(pixelsPng, Buffer.from(decoded, "base64"));
  const native = nativeOutput(pixelsPng, "png");
  assert.equal(fnv1a64(Uint8Array.from(r.bytes)), fnv1a64(native));
  const shown = await page.evaluate(async () => {
    const img = document.getElementById("result");
    await img.decode();
    return { w: img.naturalWidth, h: img.naturalHeight };
  });
  assert.deepEqual(shown, { w: r.width, h: r.height });
  // The rectified page has no skew left to correct.
  assert.match(await page.textContent("#skew"), /^-?0\.\d\d°/);

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "demo.png"), fullPage: true });
  await page.close();
});

test("canvas pixels (ImageData) give the same result as the encoded file, in the browser", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/demo/`);
  const file = readFileSync(join(fixtures, "two-column.png")).toString("base64");
  const result = await page.evaluate(async (b64) => {
    const { preprocess, memoryBytes } = await import("/js/browser.js");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const fromFile = await preprocess(new Blob([bytes]));
    const fromPixels = await preprocess(pixels);
    let bad = null;
    try {
      await preprocess(new Uint8Array([1, 2, 3]));
    } catch (e) {
      bad = { name: e.name, code: e.code };
    }
    const again = await preprocess(bytes);
    const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
    return {
      same: same(fromFile.bytes, fromPixels.bytes),
      sameAgain: same(fromFile.bytes, again.bytes),
      bad,
      pixelsFormat: fromPixels.report.inputFormat,
      memory: memoryBytes(),
    };
  }, file);
  assert.equal(result.same, true, "ImageData path and file path differ");
  assert.equal(result.pixelsFormat, "raw");
  assert.deepEqual(result.bad, { name: "ScanprepError", code: "unsupported_format" });
  assert.equal(result.sameAgain, true);
  assert.ok(result.memory > 0);
  await page.close();
});

test("detect() in the Web Worker takes a canvas frame by transfer and finds the page as on the main thread", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/demo/`);
  const file = readFileSync(join(fixtures, "photo-shadow.jpg")).toString("base64");
  const r = await page.evaluate(async (b64) => {
    const { detect } = await import("/js/browser.js");
    const { createPreprocessor } = await import("/js/worker.js");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    const frame = canvas.getContext("2d").getImageData(0, 0, bitmap.width, bitmap.height);
    const here = await detect(frame);
    const worker = createPreprocessor();
    const there = await worker.detect(frame);
    worker.terminate();
    return { here, there, transferred: frame.data.length === 0 };
  }, file);
  assert.equal(r.there.page.found, true);
  assert.deepEqual(r.there.corners, r.here.corners);
  assert.equal(r.there.confidence, r.here.confidence);
  assert.equal(r.transferred, true, "the frame's pixels were copied, not transferred");
  await page.close();
});

test("the browser decodes JPEG, PNG and WebP for the first module; the whole engine is fetched only for a TIFF", async () => {
  const page = await browser.newPage();
  const wasmRequests = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasmRequests.push(new URL(r.url()).pathname.split("/").pop()));
  await page.goto(`${base}/demo/`);
  const b64 = (name) => readFileSync(join(fixtures, name)).toString("base64");
  const files = { jpeg: b64("page-skew-minus7.jpg"), png: b64("two-column.png"), webp: b64("page.webp"), tiff: b64("scan-1bit.tiff") };
  const r = await page.evaluate(async (files) => {
    const { preprocess, fullModuleLoaded } = await import("/js/browser.js");
    const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const out = {};
    for (const name of ["jpeg", "png", "webp"]) {
      const o = await preprocess(new Blob([bytes(files[name])]), { format: "png" });
      out[name] = { format: o.report.inputFormat, bytes: o.report.inputBytes, n: o.bytes.length };
    }
    out.fullBefore = fullModuleLoaded();
    // A JPEG cut short: the whole engine's decoder gives its typed error.
    try {
      const j = bytes(files.jpeg);
      await preprocess(j.subarray(0, j.length >> 1));
      out.cut = "no error";
    } catch (e) {
      out.cut = e.code;
    }
    const tiff = await preprocess(bytes(files.tiff), { format: "png" });
    out.tiff = { format: tiff.report.inputFormat, bytes: Array.from(tiff.bytes) };
    out.fullAfter = fullModuleLoaded();
    return out;
  }, files);
  for (const [name, file] of [["jpeg", "page-skew-minus7.jpg"], ["png", "two-column.png"], ["webp", "page.webp"]]) {
    assert.equal(r[name].format, name);
    assert.equal(r[name].bytes, readFileSync(join(fixtures, file)).length);
    assert.ok(r[name].n > 1000, `${name}: ${r[name].n} bytes out`);
  }
  assert.equal(r.fullBefore, false, "the whole engine was fetched for a file the browser decodes");
  assert.equal(r.cut, "truncated_image");
  assert.equal(r.fullAfter, true);
  assert.equal(r.tiff.format, "tiff");
  // TIFF goes through the whole engine: the native CLI's bytes.
  assert.equal(fnv1a64(Uint8Array.from(r.tiff.bytes)), fnv1a64(nativeOutput(join(fixtures, "scan-1bit.tiff"), "png")));
  assert.deepEqual(wasmRequests, ["scanprep_lite_bg.wasm", "scanprep_bg.wasm"]);
  await page.close();
});

test("a live page detector follows camera frames: drawn, reduced, in the worker, without memory growth", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/demo/`);
  const r = await page.evaluate(async (b64) => {
    const { createPageDetector, detect, detectPage, memoryBytes } = await import("/js/browser.js");
    const { createPreprocessor } = await import("/js/worker.js");
    const photo = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: "image/jpeg" }));
    /** The photo's page on a brown desk, in a w×h frame (the page 94% of its height). */
    const frameOf = (w, h) => {
      const c = new OffscreenCanvas(w, h);
      const ctx = c.getContext("2d");
      ctx.fillStyle = "#5a4a3a";
      ctx.fillRect(0, 0, w, h);
      const ph = Math.round(h * 0.94);
      const pw = Math.round((photo.width * ph) / photo.height);
      ctx.drawImage(photo, (w - pw) / 2, (h - ph) / 2, pw, ph);
      return c;
    };
    const hd = frameOf(1280, 720);
    const detector = await createPageDetector();
    const live = detector.detect(await createImageBitmap(hd));
    const pixels = hd.getContext("2d").getImageData(0, 0, 1280, 720);
    const still = await detect(pixels, { detectOrientation: false });
    const big = detector.detect(frameOf(2560, 1440));
    // A VideoFrame (what a camera track gives through MediaStreamTrackProcessor), and the
    // one-call form with its detector kept per options.
    const vf = new VideoFrame(await createImageBitmap(hd), { timestamp: 0 });
    const fromVideoFrame = detector.detect(vf);
    vf.close();
    const oneCall = await detectPage(await createImageBitmap(hd));
    const blank = new OffscreenCanvas(1280, 720);
    const bctx = blank.getContext("2d");
    bctx.fillStyle = "#888";
    bctx.fillRect(0, 0, 1280, 720);
    const none = detector.detect(blank);
    const mem0 = memoryBytes();
    for (let i = 0; i < 100; i++) detector.detect(hd);
    const grown = memoryBytes() - mem0;
    let bad = null;
    try {
      detector.detect({ data: new Uint8Array(10), width: 4, height: 4 });
    } catch (e) {
      bad = e.code;
    }
    const worker = createPreprocessor();
    const bitmap = await createImageBitmap(hd);
    const there = await worker.detectPage(bitmap);
    const again = await worker.detectPage(await createImageBitmap(hd));
    worker.terminate();
    return { live, still, big, none, grown, bad, there, again, transferred: bitmap.width === 0, fromVideoFrame, oneCall };
  }, readFileSync(join(fixtures, "photo-shadow.jpg")).toString("base64"));
  assert.equal(r.live.page.found, true);
  assert.equal(r.live.frameScale, 1);
  // Drawn frame and ImageData of the same pixels: the same answer.
  assert.deepEqual(r.live.corners, r.still.corners);
  assert.equal(r.live.confidence, r.still.confidence);
  // The page is where it was drawn: 94% of the frame's height, centred.
  const ys = r.live.corners.map((p) => p[1]);
  assert.ok(Math.min(...ys) < 720 * 0.03 + 60 && Math.max(...ys) > 720 * 0.97 - 60, `corners ${JSON.stringify(r.live.corners)}`);
  // A 2560x1440 frame is analysed at 1280x720; its corners come back in its own pixels.
  assert.equal(r.big.frameScale, 0.5);
  r.big.corners.forEach((p, i) => {
    assert.ok(Math.hypot(p[0] - 2 * r.live.corners[i][0], p[1] - 2 * r.live.corners[i][1]) < 4, `corner ${i}: ${p} vs 2 x ${r.live.corners[i]}`);
  });
  assert.deepEqual(r.fromVideoFrame.corners, r.live.corners);
  assert.deepEqual(r.oneCall.corners, r.live.corners);
  assert.equal(r.none.page.found, false);
  assert.equal(r.none.corners, null);
  assert.equal(r.grown, 0, "memory grew over 100 frames");
  assert.equal(r.bad, "buffer_size_mismatch");
  // In the Web Worker: the bitmap moves there (transferred), the answer is the same.
  assert.equal(r.transferred, true);
  assert.deepEqual(r.there.corners, r.live.corners);
  assert.deepEqual(r.again.corners, r.live.corners);
  await page.close();
});

test("createPdf builds a PDF in the browser and in the Web Worker, loading its module only then", async () => {
  const page = await browser.newPage();
  const wasmRequests = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasmRequests.push(new URL(r.url()).pathname));
  await page.goto(`${base}/demo/`);
  const file = readFileSync(join(fixtures, "two-column.png")).toString("base64");
  const r = await page.evaluate(async (b64) => {
    const { preprocess, createPdf } = await import("/js/browser.js");
    const { createPreprocessor } = await import("/js/worker.js");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const out = await preprocess(bytes, { format: "tiff" });
    const before = performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".wasm")).length;
    const words = { words: [{ text: "Invoice", bbox: [300, 300, 700, 360] }] };
    const pdf = await createPdf([{ ...out, words }], { title: "In the browser" });
    const worker = createPreprocessor();
    const fromWorker = await worker.createPdf([{ bytes: out.bytes, words }], { title: "In the browser" });
    worker.terminate();
    const same = pdf.length === fromWorker.length && pdf.every((v, i) => v === fromWorker[i]);
    // JBIG2 output comes through the PDF module: the same bits as the Group 4 page.
    const jb = await preprocess(bytes, { format: "jbig2" });
    return { jbig2: { type: jb.mimeType, format: jb.report.outputFormat, head: jb.bytes[0], n: jb.bytes.length, g4: out.bytes.length }, head: String.fromCharCode(...pdf.slice(0, 8)), length: pdf.length, same, before, b64: btoa(String.fromCharCode(...pdf.slice(0, 4096))) };
  }, file);
  assert.equal(r.head, "%PDF-1.7");
  assert.deepEqual([r.jbig2.type, r.jbig2.format, r.jbig2.head], ["image/x-jbig2", "jbig2", 0x97]);
  assert.ok(r.jbig2.n < 0.85 * r.jbig2.g4, `JBIG2 ${r.jbig2.n} B vs Group 4 ${r.jbig2.g4} B`);
  assert.equal(r.same, true, "the Web Worker's PDF differs from the main thread's");
  // Preprocessing loaded the main module only; the PDF writer's came with createPdf.
  assert.equal(r.before, 1);
  assert.ok(wasmRequests.some((u) => u.endsWith("/scanprep_pdf_bg.wasm")), wasmRequests.join(", "));
  assert.ok(r.length > 40_000 && r.length < 100_000, `${r.length} bytes`);
  await page.close();
});

/** Runs the test app bundled into test-artifacts/`dist` (vite-app/main.js, whichever bundler):
 * the package on the main thread and in its Web Worker, the same bytes as the native CLI. */
async function checkBundledApp(dist) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/test-artifacts/${dist}/index.html`);
  await page.waitForFunction(() => typeof window.runScanprep === "function");
  const file = join(fixtures, "page-skew-plus3.png");
  const r = await page.evaluate(
    (b64) => window.runScanprep(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))),
    readFileSync(file).toString("base64"),
  );
  assert.deepEqual(errors, []);
  assert.equal(r.same, true, "main thread and Web Worker results differ");
  // decode, page, resize, orientation, background, turn, skew, rotate, binarize, clean,
  // text_size, encode.
  assert.equal(r.stages.length, 12);
  assert.ok(Math.abs(r.skew - 3) < 0.3, `skew ${r.skew}`);
  assert.equal(fnv1a64(Uint8Array.from(r.bytes)), fnv1a64(nativeOutput(file, "png")));
  await page.close();
}

test("a Vite production build of an app importing the package by name works in Chromium", async () => {
  // The app depends on "@scanfactory/scanprep" (file:../..) and Vite, pinned in its own
  // package.json and lock file, installed from the lock (`npm ci`, which never rewrites it: the
  // lock lists Rollup's optional packages for every platform, though only this one installs).
  const app = new URL("./vite-app/", import.meta.url).pathname;
  if (!existsSync(join(app, "node_modules", ".bin", "vite"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: app, stdio: "inherit" });
  }
  execFileSync(join(app, "node_modules", ".bin", "vite"), ["build", "--config", join(app, "vite.config.mjs")], {
    cwd: app,
    stdio: "inherit",
  });
  await checkBundledApp("vite-dist");
});

test("a webpack 5 production build of the same app works in Chromium", async () => {
  // The same app (vite-app/main.js and index.html); its own package.json and lock file pin
  // webpack. The .wasm and the Web Worker entry are emitted by webpack from the package's
  // `new URL(..., import.meta.url)` references.
  const app = new URL("./webpack-app/", import.meta.url).pathname;
  if (!existsSync(join(app, "node_modules", "webpack"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: app, stdio: "inherit" });
  }
  execFileSync(process.execPath, [join(app, "build.mjs")], { cwd: app, stdio: "inherit" });
  await checkBundledApp("webpack-dist");
});
