// Times the package in headless Chromium on the 12 MP photo and the A4 300 dpi page, both ways
// a web app can feed it: the encoded file (decoded in WebAssembly) and canvas pixels decoded by
// the browser (createImageBitmap → getImageData → preprocess(ImageData)). Prints medians of 5.
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
  console.log(`| ${name} | file → WebAssembly decoder | ${r.file.toFixed(0)} | ${r.fileDecode.toFixed(0)} | ${r.fileRest.toFixed(0)} |`);
  console.log(`| ${name} | createImageBitmap → ImageData | ${r.px.toFixed(0)} | ${r.pxDecode.toFixed(0)} | ${r.pxRest.toFixed(0)} |`);
}
await browser.close();
server.close();
