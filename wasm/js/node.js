// Node 20+: the module is compiled from the package's .wasm file when first imported.
import { readFileSync } from "node:fs";
import * as glue from "../pkg/scanprep.js";
import * as pdfGlue from "../pkg/pdf/scanprep_pdf.js";
import { createApi } from "./common.js";
import { createPdfApi } from "./pdf.js";
import { createFrameDetector, sharedDetectPage } from "./frames.js";
export { createCaptureTracker, captureDefaults } from "./capture.js";

glue.initSync({ module: readFileSync(new URL("../pkg/scanprep_bg.wasm", import.meta.url)) });
let pdfReady = false;
/** The PDF module, compiled on first use (createPdf, `format: "jbig2"`). */
function pdfSync() {
  if (!pdfReady) {
    pdfGlue.initSync({ module: readFileSync(new URL("../pkg/pdf/scanprep_pdf_bg.wasm", import.meta.url)) });
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
/** @internal Used by the test suite to prove recovery from a trap. */
export const __selfTestTrap = api.selfTestTrap;

/** Builds a PDF/A document from preprocessed pages (the PDF module is compiled on first use). */
export const createPdf = createPdfApi(async () => pdfSync());
