// The demo as a real scanner, in headless Chromium with a fake camera: a video generated here
// (a page slides into view on a desk, is held still, then slides away) is played as the
// camera by Chromium's --use-file-for-fake-video-capture. The live outline must follow the
// page, auto-capture must fire once while it is still, and the result's corners must be the
// generated ones. Saves screenshots of the live view and the result to wasm/test-artifacts/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, openSync, readFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

import { serve } from "../demo/serve.mjs";
import { fixtures, readGrayPng } from "./helpers.mjs";

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const artifacts = new URL("../test-artifacts/", import.meta.url).pathname;
const W = 1280;
const H = 720;
const FPS = 15;
// Frames: the page slides in, is held still, slides out, then an empty desk.
const ENTER = 15;
const STILL = 30;
const LEAVE = 10;
const EMPTY = 10;
const PAGE_H = 640;
const ANGLE = (4 * Math.PI) / 180;
const STILL_X = 660;

/** The page's centre in frame `i` (x), and whether it is on the desk at all. */
function centreOf(i) {
  if (i < ENTER) return -300 + ((STILL_X + 300) * i) / ENTER;
  if (i < ENTER + STILL) return STILL_X;
  if (i < ENTER + STILL + LEAVE) return STILL_X + ((1640 - STILL_X) * (i - ENTER - STILL + 1)) / LEAVE;
  return null;
}

/** The page's corners at centre (cx, H/2), clockwise from its top-left. */
function cornersAt(cx, pw) {
  const [c, s] = [Math.cos(ANGLE), Math.sin(ANGLE)];
  return [[-pw / 2, -PAGE_H / 2], [pw / 2, -PAGE_H / 2], [pw / 2, PAGE_H / 2], [-pw / 2, PAGE_H / 2]].map(([x, y]) => [
    cx + x * c - y * s,
    H / 2 + x * s + y * c,
  ]);
}

/** A text page reduced 2x by area (the fixture's two-column page), as paper on a desk. */
function paper() {
  const page = readGrayPng(readFileSync(join(fixtures, "two-column.png")));
  const f = 2;
  const w = Math.floor(page.width / f);
  const h = Math.floor(page.height / f);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) sum += page.data[(y * f + j) * page.width + x * f + i];
      out[y * w + x] = 40 + (sum / (f * f)) * 0.75; // paper at 231, ink near 40
    }
  }
  return { w, h, data: out };
}

/** Writes the clip as Y4M (4:2:0, neutral chroma) and returns the page's corners per frame. */
function writeClip(path) {
  const p = paper();
  const pw = (PAGE_H * p.w) / p.h;
  const scale = p.h / PAGE_H; // page pixels per frame pixel
  const fd = openSync(path, "w");
  writeSync(fd, `YUV4MPEG2 W${W} H${H} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const truth = [];
  const [c, s] = [Math.cos(ANGLE), Math.sin(ANGLE)];
  const total = ENTER + STILL + LEAVE + EMPTY;
  for (let i = 0; i < total; i++) {
    const cx = centreOf(i);
    truth.push(cx === null ? null : cornersAt(cx, pw));
    const y4 = Buffer.alloc(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        // A desk with grain; the page sampled 2x2 per pixel, so its edges are anti-aliased.
        const grain = 72 + 10 * Math.sin(x * 0.035 + 3 * Math.sin(y * 0.0065)) + (((x * 7919 + y * 104729) % 17) - 8);
        let v = 0;
        for (const [dx, dy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) {
          let sample = grain;
          if (cx !== null) {
            const rx = x + dx - cx;
            const ry = y + dy - H / 2;
            const u = ((rx * c + ry * s + pw / 2) * scale) | 0;
            const w = ((-rx * s + ry * c + PAGE_H / 2) * scale) | 0;
            if (u >= 0 && w >= 0 && u < p.w && w < p.h) sample = p.data[w * p.w + u];
          }
          v += sample / 4;
        }
        y4[y * W + x] = Math.max(16, Math.min(235, Math.round(v)));
      }
    }
    writeSync(fd, "FRAME\n");
    writeSync(fd, y4);
    writeSync(fd, chroma);
  }
  closeSync(fd);
  return truth;
}

/** Largest corner distance between two quadrilaterals. */
const apart = (a, b) => Math.max(...a.map((p, i) => Math.hypot(p[0] - b[i][0], p[1] - b[i][1])));

let server;
let browser;
let truth;

before(async () => {
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath} (apt-get install chromium)`);
  mkdirSync(artifacts, { recursive: true });
  const clip = join(artifacts, "camera.y4m");
  truth = writeClip(clip);
  server = await serve(0);
  browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${clip}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("camera mode: the outline follows the page, auto-capture fires once while it is still, the result has its corners", async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/demo/`);
  // The empty state: no broken images before anything is chosen.
  assert.equal(await page.isVisible("#empty"), true);
  assert.equal(await page.isVisible("#panes"), false);
  await page.click("#tab-camera");
  await page.click("#start-camera");
  await page.waitForFunction(() => document.body.dataset.camera === "live", null, { timeout: 20_000 });
  // The live view while the page is held still, with its outline.
  await page.waitForFunction(() => window.__live.some((f) => f.state === "steadying"), null, { timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, "camera-live.png") });
  // One capture, then the page leaves the view.
  await page.waitForFunction(() => window.__captures.length > 0 && document.body.dataset.state === "done", null, { timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, "camera-result.png"), fullPage: true });
  await page.waitForFunction(
    () => {
      const t = window.__captures[0].t;
      return window.__live.filter((f) => f.t > t && f.corners === null).length >= 5;
    },
    null,
    { timeout: 30_000 },
  );
  const r = await page.evaluate(() => ({ live: window.__live, captures: window.__captures, result: window.__lastResult?.report }));
  await page.click("#stop-camera");
  await page.close();
  assert.deepEqual(errors, []);

  const frames = r.live.filter((f) => f.width === W && f.height === H);
  assert.ok(frames.length >= 20, `${frames.length} frames of ${W}x${H} looked at (of ${r.live.length})`);
  const still = truth[ENTER];
  const whole = truth.filter(Boolean);
  // The outline follows the page: every outline drawn is the page of some frame of the clip,
  // and some were drawn while it moved.
  const drawn = frames.filter((f) => f.corners && f.state !== "searching");
  const misplaced = drawn.filter((f) => Math.min(...whole.map((q) => apart(f.corners, q))) > 6);
  assert.ok(misplaced.length <= Math.floor(drawn.length / 10), `outlines off the page: ${JSON.stringify(misplaced.slice(0, 3))}`);
  const moving = drawn.filter((f) => apart(f.corners, still) > 20 && Math.min(...whole.map((q) => apart(f.corners, q))) <= 6);
  assert.ok(moving.length >= 2, `${moving.length} outlines followed the page while it moved`);
  // Auto-capture fired once before the page left (the clip loops: a later capture is the next
  // appearance), while the page was still.
  const left = r.live.find((f) => f.t > r.captures[0].t && f.corners === null).t;
  const before = r.captures.filter((c) => c.t <= left);
  assert.equal(before.length, 1, JSON.stringify(r.captures));
  assert.equal(before[0].how, "auto");
  assert.ok(apart(before[0].corners, still) < 4, `captured corners ${JSON.stringify(before[0].corners)} vs ${JSON.stringify(still)}`);
  // For the README: from the page held still to the capture.
  const firstStill = frames.find((f) => f.corners && apart(f.corners, still) < 4);
  console.log(`held still → captured: ${(r.captures[0].t - firstStill.t).toFixed(0)} ms; ${frames.length} frames looked at`);
  // The result is that page, found again in the captured frame, rectified and cleaned.
  assert.equal(r.result.page.found, true);
  assert.equal(r.result.page.source, "detected");
  assert.ok(apart(r.result.page.corners, still) < 4, `result corners ${JSON.stringify(r.result.page.corners)} vs ${JSON.stringify(still)}`);
  // The page's own shape (the fixture's 900x1273, 1.414), and text on the result.
  assert.ok(Math.abs(r.result.page.aspect - 1273 / 900) < 0.02, `aspect ${r.result.page.aspect}`);
  assert.ok(r.result.binarization.reason === null || !/blank/.test(r.result.binarization.reason), JSON.stringify(r.result.binarization));
});
