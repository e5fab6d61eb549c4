// Cloudflare Workers (workerd) and other runtimes that import a .wasm file as a compiled
// `WebAssembly.Module` (wrangler's and esbuild's CompiledWasm rule).
import wasmModule from "../pkg/scanprep_bg.wasm";
import * as glue from "../pkg/scanprep.js";
import pdfModule from "../pkg/pdf/scanprep_pdf_bg.wasm";
import * as pdfGlue from "../pkg/pdf/scanprep_pdf.js";
import { createApi } from "./common.js";
import { createPdfApi } from "./pdf.js";
import { createFrameDetector, sharedDetectPage } from "./frames.js";
export { createCaptureTracker, captureDefaults } from "./capture.js";

glue.initSync({ module: wasmModule });
let pdfReady = false;
function pdfSync() {
  if (!pdfReady) {
    pdfGlue.initSync({ module: pdfModule });
    pdfReady = true;
  }
  return pdfGlue;
}
const api = createApi(glue, { sync: pdfSync, load: async () => pdfSync() });

export const { preprocess, preprocessSync, detect, detectSync, version, defaultOptions, memoryBytes } = api;

/** Live page detection on successive frames (RGBA `{ data, width, height }`); see index.d.ts. */
export async function createPageDetector(options) {
  return createFrameDetector(glue, options);
}
const detectPageWith = sharedDetectPage(glue);
/** One frame of a live preview, with the detector kept per set of options; see index.d.ts. */
export async function detectPage(frame, options) {
  return detectPageWith(frame, options);
}

/** Builds a PDF/A document from preprocessed pages. */
export const createPdf = createPdfApi(async () => pdfSync());
