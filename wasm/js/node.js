// Node 20+: the module is compiled from the package's .wasm file when first imported.
import { readFileSync } from "node:fs";
import * as glue from "../pkg/scanprep.js";
import { createApi } from "./common.js";
import { createPdfApi } from "./pdf.js";

glue.initSync({ module: readFileSync(new URL("../pkg/scanprep_bg.wasm", import.meta.url)) });
const api = createApi(glue);

export const { preprocess, preprocessSync, detect, detectSync, version, defaultOptions, memoryBytes } = api;
/** @internal Used by the test suite to prove recovery from a trap. */
export const __selfTestTrap = api.selfTestTrap;

let pdfReady;
/** Builds a PDF/A document from preprocessed pages (the PDF module is compiled on first use). */
export const createPdf = createPdfApi(() => {
  pdfReady ??= import("../pkg/pdf/scanprep_pdf.js").then((pdf) => {
    pdf.initSync({ module: readFileSync(new URL("../pkg/pdf/scanprep_pdf_bg.wasm", import.meta.url)) });
    return pdf;
  });
  return pdfReady;
});
