// The auto-capture tracker as a live preview uses it: a page moved into view, held still, then
// taken away; jitter, blur and a second page. Detections are made up where the test needs exact
// corners, and come from the engine's own detect() on a real photo where it needs the real shape.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { captureDefaults, createCaptureTracker, detect } from "../js/node.js";
import { fixtures } from "./helpers.mjs";

/** A detection of a 600×800 page at (x, y), with an edge width and optional quality reasons. */
function page(x, y, { edge = 1.2, reasons = [], confidence = 0.95 } = {}) {
  return {
    corners: [[x, y], [x + 600, y], [x + 600, y + 800], [x, y + 800]],
    confidence,
    orientationDegrees: 0,
    orientationConfidence: 0.9,
    quality: { ok: reasons.length === 0, reasons, measures: { glyphs: 500, textHeightPx: 20, edgeWidthPx: edge, paperLevel: 220, inkLevel: 40, glareFraction: 0 } },
    page: null,
  };
}
const none = { corners: null, confidence: 0, quality: { ok: false, reasons: ["no_page_found"], measures: {} } };

/** Pushes the frames; the indices of the frames at which it fired. */
function run(tracker, detections) {
  const fired = [];
  detections.forEach((d, i) => {
    const u = tracker.push(d, i);
    if (u.fire) fired.push({ at: i, keep: u.keep.frame });
  });
  return fired;
}

test("a page moved into view, held still and taken away is captured once, from its sharpest frame", () => {
  const t = createCaptureTracker({ steadyFrames: 6 });
  const frames = [
    none, none,
    page(300, 40), page(200, 60), page(120, 80), // moving in: no two frames agree
    page(100, 100, { edge: 1.6 }), page(101, 100, { edge: 1.4 }), page(101, 101, { edge: 1.1 }),
    page(102, 101, { edge: 1.3 }), page(102, 102, { edge: 1.5 }), page(102, 102, { edge: 1.2 }),
    ...Array(20).fill(page(102, 102)), // still there: never again
    none, none, none, none, none, // taken away
  ];
  const fired = run(t, frames);
  assert.deepEqual(fired, [{ at: 10, keep: 7 }], "once, on the sixth steady frame, keeping the sharpest");
});

test("progress counts steady frames and jitter beyond the tolerance starts over", () => {
  const t = createCaptureTracker({ steadyFrames: 4, tolerance: 0.02 });
  // The page's diagonal is 1000 px: 0.02 of it is 20 px.
  assert.equal(t.push(page(100, 100)).progress, 0.25);
  assert.equal(t.push(page(110, 105)).state, "steadying");
  assert.equal(t.push(page(140, 105)).steadyFrames, 1, "30 px is a move: start over");
  assert.equal(t.push(page(145, 110)).progress, 0.5);
  assert.equal(t.push(page(150, 100)).progress, 0.75);
  const u = t.push(page(150, 100));
  assert.equal(u.fire, true);
  assert.equal(u.state, "captured");
});

test("blurry, cut-off and unsure frames never count; other reasons count unless asked", () => {
  const t = createCaptureTracker({ steadyFrames: 3 });
  const blurry = Array(10).fill(page(100, 100, { reasons: ["too_blurry"] }));
  assert.deepEqual(run(t, blurry), []);
  assert.equal(t.push(page(100, 100, { reasons: ["page_cut_off"] })).state, "unsteady");
  assert.equal(t.push(page(100, 100, { confidence: 0.5 })).state, "unsteady");
  assert.equal(t.push(none).state, "searching");
  // text_too_small does not block by default; a blurry frame in a run starts it over.
  const mixed = [page(100, 100, { reasons: ["text_too_small"] }), page(100, 100), page(100, 100, { reasons: ["too_blurry"] }), page(100, 100), page(100, 100), page(100, 100)];
  assert.deepEqual(run(createCaptureTracker({ steadyFrames: 3 }), mixed), [{ at: 5, keep: 3 }]);
  const strict = createCaptureTracker({ steadyFrames: 3, blockingReasons: ["text_too_small"] });
  assert.deepEqual(run(strict, Array(5).fill(page(100, 100, { reasons: ["text_too_small"] }))), []);
});

test("it re-arms when the page leaves the view or another page takes its place, not before", () => {
  const t = createCaptureTracker({ steadyFrames: 3, leaveFrames: 3 });
  const frames = [
    page(100, 100), page(100, 100), page(100, 100), // fires at 2
    none, none, page(100, 100), page(100, 100), page(100, 100), // a two-frame dropout: the same page
    none, none, none, // gone for three frames: re-armed
    page(100, 100), page(100, 100), page(100, 100), // the page comes back: fires at 13
    page(700, 100), page(700, 100), page(700, 100), // the next page slid into place (600 px away)
    page(700, 100), page(700, 100), page(700, 100), // re-armed at 16, steady: fires at 18
  ];
  assert.deepEqual(run(t, frames).map((f) => f.at), [2, 13, 18]);
  t.reset();
  assert.deepEqual(run(t, [page(700, 100), page(700, 100), page(700, 100)]).map((f) => f.at), [2]);
});

test("bad options are refused, and the defaults are what the types say", () => {
  assert.equal(captureDefaults.steadyFrames, 8);
  assert.deepEqual([...captureDefaults.blockingReasons], ["too_blurry", "page_cut_off"]);
  assert.throws(() => createCaptureTracker({ steadyFrames: 0 }), RangeError);
  assert.throws(() => createCaptureTracker({ tolerance: 0 }), RangeError);
  assert.throws(() => createCaptureTracker({ tolerance: Number.NaN }), RangeError);
  assert.throws(() => createCaptureTracker({ minConfidence: 2 }), RangeError);
  assert.throws(() => createCaptureTracker({ blockingReasons: "too_blurry" }), TypeError);
  // Detections with bad corners count as no page, never as a throw.
  const t = createCaptureTracker();
  for (const d of [null, undefined, {}, { corners: [[0, 0]] }, { corners: [[0, 0], [1, 1], [2, Number.NaN], [3, 3]], confidence: 1 }]) {
    assert.equal(t.push(d).state, "searching");
  }
});

test("detections from the engine on a real photo drive it: one capture, the page's corners", async () => {
  const bytes = readFileSync(join(fixtures, "photo-shadow.jpg"));
  const d = await detect(bytes);
  assert.ok(d.corners, "the fixture photo has a page");
  const t = createCaptureTracker({ steadyFrames: 4, blockingReasons: [] });
  const updates = [];
  for (let i = 0; i < 10; i++) updates.push(t.push(await detect(bytes), i));
  const fired = updates.filter((u) => u.fire);
  assert.equal(fired.length, 1);
  assert.deepEqual(fired[0].keep.detection.corners, d.corners);
  assert.equal(updates.at(-1).state, "captured");
});
