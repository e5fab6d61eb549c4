// Browsers and bundlers (Vite, webpack 5): the .wasm file is found next to the glue through
// `new URL(..., import.meta.url)`, which bundlers follow, and compiled on the first call.
import * as glue from "../pkg/scanprep.js";
import { createApi } from "./common.js";
import { createPdfApi } from "./pdf.js";
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
const api = createApi(glue, { sync: () => null, load: loadPdf });
let ready;

/** Compiles and instantiates the WebAssembly module; every call awaits it, so calling it
 * yourself is only a way to start early (for instance while the user picks a file). */
export function init(moduleOrPath) {
  ready ??= glue.default(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
  return ready;
}

export async function preprocess(input, options, hooks) {
  await init();
  return api.preprocess(input, options, hooks);
}
export async function detect(input, options) {
  await init();
  return api.detect(input, options);
}
export async function version() {
  await init();
  return api.version();
}
export async function defaultOptions() {
  await init();
  return api.defaultOptions();
}
/** Bytes of WebAssembly memory held now (0 before the first call). */
export function memoryBytes() {
  return ready ? api.memoryBytes() : 0;
}
/** @internal Used by the test suite to prove recovery from a trap. */
export async function __selfTestTrap() {
  await init();
  return api.selfTestTrap();
}

/** Builds a PDF/A document from preprocessed pages; the PDF writer's module is fetched on the
 * first call (next to this file, as the main module is). See index.d.ts. */
export const createPdf = createPdfApi(loadPdf);
