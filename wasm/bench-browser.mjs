// Times the package in headless Chromium on the 12 MP photo and the A4 300 dpi page, both ways
// a web app can feed it: the encoded file (the entry has the browser decode it, then reads the
// canvas in strips) and canvas pixels the app decoded itself (createImageBitmap → getImageData
// → preprocess(ImageData)). Prints medians of 5. Then live detection on a 1280x720 frame
// (createPageDetector, and detectPage in the Web Worker): median and p95 over 300 frames.
// Usage: node bench-browser.mjs   (needs ./build.sh done and /usr/bin/chromium)
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

import { serve } from "./demo/serve.mjs";
import { largeFixtures } from "./tests/helpers.mjs";

const server = await serve(0);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/demo/`);
const { a4, photo } = largeFixtures();
console.log("| input | path | median ms (wall, 5 runs) | of which decoding | engine after decoding |");
console.log("|---|---|---:|---:|---:|");
for (const [name, file, type] of [["12 MP photo (JPEG)", photo, "image/jpeg"], ["A4 300 dpi (PNG)", a4, "image/png"]]) {
  const r = await page.evaluate(async ({ b64, type }) => {
    const { preprocess } = await import("/js/browser.js");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const blob = new Blob([bytes], { type });
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const file = [], fileDecode = [], px = [], pxDecode = [], fileRest = [], pxRest = [];
    await preprocess(blob);
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      const a = await preprocess(blob);
      file.push(performance.now() - t);
      fileDecode.push(a.report.timings.decodeMs);
      fileRest.push(a.report.timings.totalMs - a.report.timings.decodeMs);
      t = performance.now();
      const bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      const d = performance.now() - t;
      const b = await preprocess(data);
      px.push(performance.now() - t);
      pxDecode.push(d + b.report.timings.decodeMs);
      pxRest.push(b.report.timings.totalMs - b.report.timings.decodeMs);
    }
    return { file: med(file), fileDecode: med(fileDecode), fileRest: med(fileRest), px: med(px), pxDecode: med(pxDecode), pxRest: med(pxRest) };
  }, { b64: readFileSync(file).toString("base64"), type });
  console.log(`| ${name} | file (the browser decodes, rows in strips) | ${r.file.toFixed(0)} | ${r.fileDecode.toFixed(0)} | ${r.fileRest.toFixed(0)} |`);
  console.log(`| ${name} | createImageBitmap → ImageData | ${r.px.toFixed(0)} | ${r.pxDecode.toFixed(0)} | ${r.pxRest.toFixed(0)} |`);
}

const live = await page.evaluate(async (b64) => {
  const { createPageDetector } = await import("/js/browser.js");
  const { createPreprocessor } = await import("/js/worker.js");
  const photo = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: "image/jpeg" }));
  const canvas = new OffscreenCanvas(1280, 720);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#5a4a3a";
  ctx.fillRect(0, 0, 1280, 720);
  const ph = 680;
  const pw = Math.round((photo.width * ph) / photo.height);
  ctx.drawImage(photo, (1280 - pw) / 2, 20, pw, ph);
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)] };
  };
  const out = {};
  for (const maxSide of [1280, 960, 640]) {
    const detector = await createPageDetector({ maxSide });
    const frame = await createImageBitmap(canvas);
    detector.detect(frame);
    const ts = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      detector.detect(frame);
      ts.push(performance.now() - t);
    }
    out[maxSide] = stats(ts);
    detector.free();
  }
  const worker = createPreprocessor();
  await worker.detectPage(await createImageBitmap(canvas));
  const ts = [];
  for (let i = 0; i < 300; i++) {
    const frame = await createImageBitmap(canvas);
    const t = performance.now();
    await worker.detectPage(frame);
    ts.push(performance.now() - t);
  }
  worker.terminate();
  out.worker = stats(ts);
  return out;
}, readFileSync(new URL("../fixtures/photo-shadow.jpg", import.meta.url)).toString("base64"));
console.log("\n| live detection, 1280x720 frame (ImageBitmap) | median ms | p95 ms |\n|---|---:|---:|");
for (const k of [1280, 960, 640]) {
  console.log(`| createPageDetector, maxSide ${k} | ${live[k].median.toFixed(1)} | ${live[k].p95.toFixed(1)} |`);
}
console.log(`| detectPage in the Web Worker (transfer, round trip) | ${live.worker.median.toFixed(1)} | ${live.worker.p95.toFixed(1)} |`);
await browser.close();
server.close();
