// Runs inside the Web Worker that `createPreprocessor()` starts: one job at a time, progress
// posted after each stage, result bytes transferred (not copied) back.
import { createPdf, detect, detectPage, preprocess } from "./browser.js";

self.onmessage = async (event) => {
  const { id, input, options, kind, pages } = event.data;
  const onProgress = (stage, ms) => self.postMessage({ id, type: "progress", stage, ms });
  try {
    if (kind === "pdf") {
      const pdf = await createPdf(pages, options);
      self.postMessage({ id, type: "done", result: pdf }, [pdf.buffer]);
      return;
    }
    if (kind === "frame") {
      self.postMessage({ id, type: "done", result: await detectPage(input, options) });
      return;
    }
    if (kind === "detect") {
      self.postMessage({ id, type: "done", result: await detect(input, options) });
      return;
    }
    const out = await preprocess(input, options, { onProgress });
    self.postMessage({ id, type: "done", result: out }, [out.bytes.buffer]);
  } catch (e) {
    self.postMessage({
      id,
      type: "error",
      error: {
        name: e?.name ?? "Error",
        code: e?.code ?? "internal",
        message: String(e?.message ?? e),
        reasons: e?.reasons,
        quality: e?.quality,
      },
    });
  } finally {
    // An ImageBitmap or VideoFrame that came here (transferred or cloned) is this worker's to
    // release.
    input?.close?.();
  }
};
