// createPdf(): PDF/A documents from preprocessed pages, built by the PDF writer's own
// WebAssembly module (pkg/pdf/), which each entry loads only on the first call, so the
// module every user downloads for preprocessing does not carry it.
import { engineOptions, normalizeInput, scanprepError } from "./common.js";

/** The bytes of one page: a `preprocess` result, or encoded bytes (Blob, ArrayBuffer, view). */
async function pageBytes(page) {
  const image = page && typeof page === "object" && "bytes" in page ? page.bytes : page?.image ?? page;
  const bytes = await normalizeInput(image);
  if (!(bytes instanceof Uint8Array)) {
    throw scanprepError("unsupported_input", "a PDF page is the encoded image preprocess() returned, not raw pixels");
  }
  return bytes;
}

/** Words as the engine takes them: hOCR or TSV text as it is, the JSON form as an object. */
function pageWords(words) {
  if (words === undefined || words === null) return undefined;
  if (typeof words === "string") {
    const t = words.trimStart();
    if (t.startsWith("{") || t.startsWith("[")) {
      try {
        return pageWords(JSON.parse(t));
      } catch (e) {
        throw scanprepError("invalid_ocr_words", `cannot read the OCR words: ${e.message}`, e);
      }
    }
    return words;
  }
  if (Array.isArray(words)) return { words };
  return words;
}

/**
 * The package's createPdf over a loader `load()` that resolves to the initialised PDF module
 * (its wasm-bindgen `--target web` glue).
 */
export function createPdfApi(load) {
  return async function createPdf(pages, options) {
    if (!Array.isArray(pages)) {
      throw scanprepError("invalid_input", "pages must be an array");
    }
    const glue = await load();
    const opts = engineOptions(options);
    let builder;
    try {
      builder = new glue.PdfBuilder(opts);
    } catch (e) {
      throw e;
    }
    const parts = [];
    let length = 0;
    try {
      for (const page of pages) {
        const bytes = await pageBytes(page);
        const words = pageWords(page && typeof page === "object" && !ArrayBuffer.isView(page) ? page.words : undefined);
        const part = builder.addPage(bytes, words);
        parts.push(part);
        length += part.length;
      }
      const tail = builder.finish();
      parts.push(tail);
      length += tail.length;
    } catch (e) {
      // A trap leaves the PDF module unusable: the next call loads a fresh instance.
      if (e instanceof WebAssembly.RuntimeError) {
        glue.__wbg_reset_state?.();
        throw scanprepError("internal", `the PDF writer stopped on an internal error (${e.message}); it has been restarted`, e);
      }
      throw e;
    } finally {
      builder.free?.();
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
}
