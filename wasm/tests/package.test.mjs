// The npm package under Node: same bytes as the native CLI on every fixture, typed errors that
// leave the module usable, recovery from a trap, raw RGBA input, the name mapping, and the types.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { crc32 } from "node:zlib";

import * as scanprep from "../js/node.js";
import {
  fixtures,
  fnv1a64,
  grayToRgba,
  inputFixtures,
  nativeDetect,
  nativeOutput,
  readGrayPng,
  root,
} from "./helpers.mjs";

const golden = JSON.parse(readFileSync(join(root, "tests", "golden.json"), "utf8"));

test("every fixture gives the native CLI's bytes, in TIFF and PNG", async () => {
  for (const f of inputFixtures()) {
    const bytes = readFileSync(join(fixtures, f.file));
    const tiff = await scanprep.preprocess(bytes);
    assert.equal(fnv1a64(tiff.bytes), golden[f.file].fnv1a64, `${f.file}: golden checksum`);
    assert.deepEqual(Buffer.from(tiff.bytes), nativeOutput(join(fixtures, f.file), "tiff"), f.file);
    const png = await scanprep.preprocess(bytes, { format: "png" });
    assert.deepEqual(Buffer.from(png.bytes), nativeOutput(join(fixtures, f.file), "png"), `${f.file} png`);
    assert.equal(png.mimeType, "image/png");
  }
});

test("pngEffort max gives the native CLI's --png-effort max bytes, smaller than fast", async () => {
  const file = join(fixtures, "two-column.png");
  const bytes = readFileSync(file);
  const fast = await scanprep.preprocess(bytes, { format: "png" });
  const max = await scanprep.preprocess(bytes, { format: "png", pngEffort: "max" });
  assert.deepEqual(Buffer.from(max.bytes), nativeOutput(file, "png", ["--png-effort", "max"]));
  assert.ok(max.bytes.length < fast.bytes.length, `${max.bytes.length} < ${fast.bytes.length}`);
});

test("options in camelCase reach the engine, and the report comes back in camelCase", async () => {
  const bytes = readFileSync(join(fixtures, "page-skew-plus3.png"));
  const out = await scanprep.preprocess(bytes, {
    format: "gray-png",
    binarization: "none",
    maxWorkingPixels: 500_000,
    normalizeBackground: false,
  });
  const r = out.report;
  assert.equal(out.mimeType, "image/png");
  assert.equal(r.outputFormat, "gray-png");
  assert.equal(r.binarization, null);
  assert.ok(r.scale < 1, "maxWorkingPixels reduced the page");
  assert.ok(out.width * out.height <= 600_000, `${out.width}x${out.height}`);
  assert.ok(Math.abs(r.skewDegrees - 3) < 0.3, `skew ${r.skewDegrees}`);
  assert.equal(r.rotated, true);
  for (const k of ["decodeMs", "skewMs", "rotateMs", "encodeMs", "totalMs"]) {
    assert.equal(typeof r.timings[k], "number", k);
  }
  // The same flags in snake_case are the same request.
  const snake = await scanprep.preprocess(bytes, {
    format: "gray-png",
    binarization: "none",
    max_working_pixels: 500_000,
    normalize_background: false,
  });
  assert.deepEqual(snake.bytes, out.bytes);
});

test("progress is reported after each stage, in pipeline order", async () => {
  const stages = [];
  await scanprep.preprocess(readFileSync(join(fixtures, "two-column.png")), {}, {
    onProgress: (stage, ms) => {
      assert.ok(ms >= 0);
      stages.push(stage);
    },
  });
  assert.deepEqual(stages, [
    "decode", "page", "resize", "orientation", "background", "turn", "skew", "rotate", "binarize",
    "clean", "text_size", "encode",
  ]);
  // A photo's page is rectified instead of reduced.
  const photo = [];
  await scanprep.preprocess(readFileSync(join(fixtures, "photo-shadow.jpg")), {}, {
    onProgress: (stage) => photo.push(stage),
  });
  assert.deepEqual(photo.slice(0, 4), ["decode", "page", "rectify", "orientation"]);
});

test("raw RGBA pixels give the same page as the encoded file", async () => {
  const file = readFileSync(join(fixtures, "two-column.png"));
  const pixels = grayToRgba(readGrayPng(file));
  const fromFile = await scanprep.preprocess(file);
  const fromPixels = await scanprep.preprocess(pixels);
  assert.deepEqual(fromPixels.bytes, fromFile.bytes);
  assert.equal(fromPixels.report.inputFormat, "raw");
  assert.equal(fromPixels.report.inputBytes, pixels.data.length);
  assert.equal(fromPixels.report.skewDegrees, fromFile.report.skewDegrees);
});

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, "ScanprepError", String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e instanceof Error);
    assert.ok(e.message.length > 10, e.message);
    return true;
  });
}

test("bad input and bad options are typed errors, and the next call still works", async () => {
  const good = readFileSync(join(fixtures, "page.webp"));
  const expected = (await scanprep.preprocess(good)).bytes;
  // Valid PNG headers claiming 100000 x 100000 pixels (sides over max_side) and 20000 x 20000
  // (sides within it, pixels over max_pixels), and nothing else.
  const pngHeader = (side) => {
    const ihdr = Buffer.alloc(17);
    ihdr.write("IHDR");
    ihdr.writeUInt32BE(side, 4);
    ihdr.writeUInt32BE(side, 8);
    ihdr[12] = 8;
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(ihdr));
    return Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d", "hex"), ihdr, crc]);
  };
  const photo = readFileSync(join(fixtures, "photo-shadow.jpg"));
  const cutPhoto = photo.subarray(0, Math.floor(photo.length * 0.4));
  const cases = [
    [new Uint8Array(0), undefined, "empty_input"],
    [new Uint8Array(4096).map((_, i) => (i * 7919) & 255), undefined, "unsupported_format"],
    [readFileSync(join(fixtures, "photo-shadow.jpg")).subarray(0, 300), undefined, "truncated_image"],
    [cutPhoto, undefined, "truncated_image"],
    [pngHeader(100000), undefined, "side_too_long"],
    [pngHeader(20000), undefined, "image_too_large"],
    [good, { maxInputBytes: 100 }, "input_too_large"],
    [good, { format: "bmp" }, "invalid_option"],
    [good, { noSuchOption: 1 }, "invalid_option"],
    [good, { maxSkewDegrees: 90 }, "invalid_option"],
    [{ data: new Uint8ClampedArray(10), width: 3, height: 3 }, undefined, "buffer_size_mismatch"],
    [{ data: new Uint8ClampedArray(0), width: 0, height: 0 }, undefined, "empty_image"],
    ["not bytes", undefined, "unsupported_input"],
  ];
  for (const [input, options, code] of cases) {
    await rejectsWith(scanprep.preprocess(input, options), code);
    await rejectsWith(Promise.resolve().then(() => scanprep.preprocessSync(input, options)), code);
    assert.deepEqual((await scanprep.preprocess(good)).bytes, expected, `usable after ${code}`);
  }
});

test("a truncated upload is accepted with allowTruncated, and the report warns", async () => {
  const photo = readFileSync(join(fixtures, "photo-shadow.jpg"));
  const out = await scanprep.preprocess(photo.subarray(0, Math.floor(photo.length * 0.4)), {
    allowTruncated: true,
  });
  assert.equal(out.report.warnings.length, 1);
  const [w] = out.report.warnings;
  assert.equal(w.code, "truncated_image");
  assert.ok(w.rowsMissing > 0 && w.firstMissingRow > 0, JSON.stringify(w));
  assert.deepEqual((await scanprep.preprocess(photo)).report.warnings, []);
});

test("a trap inside the engine is an error, and the module is replaced and keeps working", async () => {
  const good = readFileSync(join(fixtures, "page.webp"));
  const before = await scanprep.preprocess(good);
  assert.throws(() => scanprep.__selfTestTrap(), (e) => e.code === "internal");
  const after = await scanprep.preprocess(good);
  assert.deepEqual(after.bytes, before.bytes);
});

test("default options: the Rust names in camelCase, matching index.d.ts", async () => {
  const defaults = scanprep.defaultOptions();
  assert.equal(defaults.format, "tiff");
  assert.equal(defaults.binarization, "auto");
  const dts = readFileSync(new URL("../js/index.d.ts", import.meta.url), "utf8");
  const fields = (name) => {
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))[1];
    return [...body.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]).sort();
  };
  assert.deepEqual(fields("Options"), Object.keys(defaults).sort());
  const out = await scanprep.preprocess(readFileSync(join(fixtures, "page.webp")));
  assert.deepEqual(fields("Report"), Object.keys(out.report).sort());
  assert.deepEqual(fields("Timings"), Object.keys(out.report.timings).sort());
  assert.deepEqual(fields("BinarizationReport"), Object.keys(out.report.binarization).sort());
  assert.deepEqual(fields("Quality"), Object.keys(out.report.quality).sort());
  assert.deepEqual(fields("QualityMeasures"), Object.keys(out.report.quality.measures).sort());
  const photo = await scanprep.preprocess(readFileSync(join(fixtures, "photo-shadow.jpg")));
  assert.deepEqual(fields("PageReport"), Object.keys(photo.report.page).sort());
  const found = await scanprep.detect(readFileSync(join(fixtures, "photo-shadow.jpg")));
  assert.deepEqual(fields("Detection"), Object.keys(found).sort());
  assert.match(scanprep.version(), /^\d+\.\d+\.\d+/);
});

test("a photo's page is found, the same as natively, from bytes and from raw pixels", async () => {
  const file = join(fixtures, "photo-shadow.jpg");
  const bytes = readFileSync(file);
  const found = await scanprep.detect(bytes);
  assert.equal(found.page.found, true);
  assert.equal(found.page.source, "detected");
  assert.equal(found.corners.length, 4);
  assert.equal(found.orientationDegrees, 0);
  assert.equal(typeof found.quality.measures.textHeightPx, "number");
  const native = JSON.parse(nativeDetect(file));
  assert.deepEqual(found.corners, native.corners);
  assert.deepEqual(found.quality.reasons, native.quality.reasons);
  // The same page as gray pixels.
  const page = readGrayPng(readFileSync(join(fixtures, "page-skew-plus3.png")));
  const fromPixels = await scanprep.detect(grayToRgba(page));
  assert.equal(fromPixels.page.found, false);
  assert.equal(fromPixels.page.reason, "no_quadrilateral");
});

test("live detection in Node: detectPage and a kept detector give detect()'s answer, frame after frame", async () => {
  // The photo's page as raw pixels, the size the engine decodes it to.
  const gray = readGrayPng(
    (await scanprep.preprocess(readFileSync(join(fixtures, "photo-shadow.jpg")), {
      binarization: "none", format: "gray-png", deskew: false, detectPage: false,
      normalizeBackground: false, detectOrientation: false, maxWorkingPixels: 1280 * 960,
    })).bytes,
  );
  const frame = grayToRgba(gray);
  const still = await scanprep.detect(frame, { detectOrientation: false });
  assert.equal(still.page.found, true);
  const detector = await scanprep.createPageDetector();
  for (let i = 0; i < 3; i++) {
    const d = detector.detect(frame);
    assert.deepEqual(d.corners, still.corners);
    assert.equal(d.frameScale, 1);
  }
  assert.deepEqual((await scanprep.detectPage(frame)).corners, still.corners);
  assert.throws(() => detector.detect({ data: new Uint8Array(8), width: 3, height: 3 }), (e) => e.code === "buffer_size_mismatch");
  await assert.rejects(scanprep.createPageDetector({ maxSide: 4 }), (e) => e.code === "invalid_option");
  await assert.rejects(scanprep.createPageDetector({ nonsense: 1 }), (e) => e.code === "invalid_option");
  detector.free();
});

test("manual corners skip detection; bad ones and rejected captures are typed errors", async () => {
  const bytes = readFileSync(join(fixtures, "photo-shadow.jpg"));
  const corners = [[84, 125], [1083, 90], [1132, 1503], [133, 1538]];
  const out = await scanprep.preprocess(bytes, { corners, pageSize: "a4" });
  assert.equal(out.report.page.source, "manual");
  assert.deepEqual(out.report.page.corners, corners);
  assert.ok(Math.abs(out.report.page.aspect - Math.SQRT2) < 1e-3);
  await assert.rejects(
    scanprep.preprocess(bytes, { corners: [[0, 0], [10, 10], [20, 20], [30, 30]] }),
    (e) => e.name === "ScanprepError" && e.code === "invalid_corners",
  );
  await assert.rejects(
    scanprep.preprocess(bytes, { corners: [[0, 0], [0, 100], [100, 100], [100, 0]] }),
    (e) => e.code === "invalid_corners" && /counter-clockwise/.test(e.message),
  );
  const tiny = readFileSync(join(fixtures, "page.webp"));
  await assert.rejects(
    scanprep.preprocess(tiny, { reject: ["text_too_small"] }),
    (e) =>
      e.code === "poor_capture" &&
      e.reasons.includes("text_too_small") &&
      typeof e.quality.measures.textHeightPx === "number",
  );
  // The module is still usable.
  const again = await scanprep.preprocess(tiny);
  assert.equal(again.report.quality.reasons.includes("text_too_small"), true);
});

test("the browser's first module reads headers but no pixels; given the pixels it gives the whole engine's bytes", async () => {
  // pkg/lite is built without the image readers (the browser decodes files itself).
  const lite = await import("../pkg/lite/scanprep_lite.js");
  lite.initSync({ module: readFileSync(new URL("../pkg/lite/scanprep_lite_bg.wasm", import.meta.url)) });
  const file = readFileSync(join(fixtures, "photo-shadow.jpg"));
  // Its header reader: format, stored size, completeness and the EXIF orientation.
  const info = lite.probe(file, undefined);
  assert.deepEqual(
    { ...info },
    { format: "jpeg", width: 1600, height: 1200, complete: true, exif_orientation: 6 },
  );
  assert.throws(() => lite.process(file, undefined, undefined), (e) => e.code === "decoder_not_built" && /jpeg/.test(e.message));
  assert.throws(() => lite.probe(new Uint8Array([1, 2, 3]), undefined), (e) => e.code === "unsupported_format");
  // The same gray pixels through both modules' RGBA path: the same bytes.
  const page = readGrayPng(readFileSync(join(fixtures, "two-column.png")));
  const rgba = grayToRgba(page);
  const run = (glue) => {
    const p = new glue.RgbaPage(rgba.width, rgba.height, undefined);
    p.pushRows(new Uint8Array(rgba.data.buffer));
    const out = p.process(undefined);
    try {
      return Buffer.from(out.bytes);
    } finally {
      out.free();
    }
  };
  const full = await import("../pkg/scanprep.js");
  assert.deepEqual(run(lite), run(full));
});
