// Browsers and bundlers (Vite, webpack 5). Two WebAssembly modules serve this entry:
// - pkg/lite: the engine without image readers, loaded first. The browser decodes JPEG, PNG
//   and WebP itself (pixels.js) and the engine takes the pixels, a strip of rows at a time;
// - pkg (the whole engine, as in Node and workerd): fetched only for a file the browser cannot
//   decode (TIFF, a file cut short, a browser without createImageBitmap), on first need.
// Both are built from the same sources: the same pixels give the same bytes in either. Each
// .wasm file is found next to its glue through `new URL(..., import.meta.url)`, which bundlers
// follow, and compiled on first use.
import * as glue from "../pkg/lite/scanprep_lite.js";
import { createApi, engineOptions, normalizeInput, scanprepError } from "./common.js";
import { createPdfApi } from "./pdf.js";
import { createFrameDetector, sharedDetectPage } from "./frames.js";
import { decodeWithBrowser, drawToRows, isDrawable } from "./pixels.js";
export { createCaptureTracker, captureDefaults } from "./capture.js";

let pdfReady;
/** The PDF module, fetched and instantiated on first use (createPdf, `format: "jbig2"`). */
function loadPdf() {
  pdfReady ??= import("../pkg/pdf/scanprep_pdf.js").then(async (pdf) => {
    await pdf.default();
    return pdf;
  });
  return pdfReady;
}
const pdf = { sync: () => null, load: loadPdf };
const api = createApi(glue, pdf);
let ready;

let fullReady;
let fullApi = null;
/** The whole engine (with its image readers), fetched and instantiated on first need. */
function loadFull() {
  fullReady ??= import("../pkg/scanprep.js").then(async (full) => {
    await full.default();
    fullApi = createApi(full, pdf);
    return fullApi;
  });
  return fullReady;
}

/** Compiles and instantiates the first WebAssembly module; every call awaits it, so calling
 * it yourself is only a way to start early (for instance while the user picks a file). */
export function init(moduleOrPath) {
  ready ??= glue.default(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
  return ready;
}

const MEDIA_TYPES = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

/**
 * Where an input goes: `{ pixels }` for the first module (raw pixels, a drawn frame, or a
 * file the browser decoded, then with its `info` and decoding time), or `{ file }` for the
 * whole engine. A file's size limits are checked from its header before the browser decodes
 * it, with the engine's own errors.
 */
async function route(input, options) {
  if (isDrawable(input)) {
    const rows = drawToRows(input);
    if (!rows) throw scanprepError("unsupported_input", "no canvas to draw this frame on here");
    return { pixels: rows };
  }
  const value = await normalizeInput(input);
  if (!(value instanceof Uint8Array)) return { pixels: value };
  let info;
  try {
    info = api.probe(value, options);
  } catch (e) {
    // The whole engine's decoders have the last word on a damaged file (and on what
    // `allowTruncated` recovers); the other errors (size, format, options) are final.
    if (e?.code === "truncated_image" || e?.code === "corrupt_image") return { file: value };
    throw e;
  }
  const type = MEDIA_TYPES[info.format];
  if (!type || !info.complete) return { file: value };
  const decoded = await decodeWithBrowser(value, type);
  if (!decoded) return { file: value };
  return { pixels: decoded.rows, info, bytes: value.length, ms: decoded.ms };
}

/** The report of a file the browser decoded: the file's format, size and orientation, and
 * the browser's decoding time counted in the decode stage. */
function asFile(report, r) {
  if (!r.info) return report;
  report.inputFormat = r.info.format;
  report.inputBytes = r.bytes;
  report.exifOrientation = r.info.exifOrientation;
  if (report.timings) {
    report.timings.decodeMs += r.ms;
    report.timings.totalMs += r.ms;
  }
  return report;
}

export async function preprocess(input, options, hooks) {
  await init();
  engineOptions(options);
  const r = await route(input, options);
  if (r.file) return (await loadFull()).preprocess(r.file, options, hooks);
  // The browser's decoding is this run's decode stage (the engine's own then only converts).
  if (r.info) hooks?.onProgress?.("decode", r.ms);
  const out = await api.preprocess(r.pixels, options, hooks);
  asFile(out.report, r);
  return out;
}
export async function detect(input, options) {
  await init();
  engineOptions(options);
  const r = await route(input, options);
  if (r.file) return (await loadFull()).detect(r.file, options);
  return api.detect(r.pixels, options);
}
export async function version() {
  await init();
  return api.version();
}
export async function defaultOptions() {
  await init();
  return api.defaultOptions();
}
/** Bytes of WebAssembly memory held now, over both modules (0 before the first call). */
export function memoryBytes() {
  return (ready ? api.memoryBytes() : 0) + (fullApi ? fullApi.memoryBytes() : 0);
}
/** Whether the whole engine (the image readers' module) has been fetched: for tests and
 * for apps that count what was downloaded. */
export function fullModuleLoaded() {
  return fullApi !== null;
}
/** @internal Used by the test suite to prove recovery from a trap. */
export async function __selfTestTrap() {
  await init();
  return api.selfTestTrap();
}

/** Live page detection on camera frames; see index.d.ts. */
export async function createPageDetector(options) {
  await init();
  return createFrameDetector(glue, options);
}
let detectPageWith;
/** One frame of a live preview: `createPageDetector(options).detect(frame)` with the detector
 * kept per set of options. See index.d.ts. */
export async function detectPage(frame, options) {
  await init();
  detectPageWith ??= sharedDetectPage(glue);
  return detectPageWith(frame, options);
}

/** Builds a PDF/A document from preprocessed pages; the PDF writer's module is fetched on the
 * first call (next to this file, as the main module is). See index.d.ts. */
export const createPdf = createPdfApi(loadPdf);
