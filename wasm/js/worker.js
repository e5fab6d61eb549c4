// Main-thread side of the Web Worker entry: the engine runs off the main thread, inputs and
// results move as transferred buffers, and each stage reports progress.
import { scanprepError } from "./common.js";

/**
 * Starts a Web Worker running the engine. See worker.d.ts.
 * @param {{ workerUrl?: string | URL }} [settings]
 */
export function createPreprocessor(settings = {}) {
  // Written out literally so that bundlers (Vite, webpack 5) see and bundle the worker script.
  const worker = settings.workerUrl
    ? new Worker(settings.workerUrl, { type: "module" })
    : new Worker(new URL("./worker-entry.js", import.meta.url), { type: "module" });
  let nextId = 1;
  const pending = new Map();

  worker.onmessage = (event) => {
    const msg = event.data;
    const job = pending.get(msg.id);
    if (!job) return;
    if (msg.type === "progress") {
      job.onProgress?.(msg.stage, msg.ms);
    } else if (msg.type === "done") {
      pending.delete(msg.id);
      job.resolve(msg.result);
    } else if (msg.type === "error") {
      pending.delete(msg.id);
      const e = scanprepError(msg.error.code, msg.error.message);
      e.name = msg.error.name;
      if (msg.error.reasons) e.reasons = msg.error.reasons;
      if (msg.error.quality) e.quality = msg.error.quality;
      job.reject(e);
    }
  };
  worker.onerror = (event) => {
    const e = scanprepError("worker_failed", `the preprocessing worker failed: ${event.message ?? "unknown error"}`);
    for (const job of pending.values()) job.reject(e);
    pending.clear();
  };

  /** Sends one job; buffers and frames are transferred unless `hooks.transfer` is false. */
  function post(kind, input, options, hooks) {
    const id = nextId++;
    const transfer = [];
    // An ImageBitmap or VideoFrame moves as it is (the worker closes it); pixels and bytes
    // move by their buffer.
    const frame = ["ImageBitmap", "VideoFrame"].some((k) => typeof globalThis[k] === "function" && input instanceof globalThis[k]);
    if (hooks.transfer !== false) {
      const movable = frame
        ? input
        : input instanceof ArrayBuffer
          ? input
          : ArrayBuffer.isView(input)
            ? input.buffer
            : input && ArrayBuffer.isView(input.data)
              ? input.data.buffer
              : undefined;
      if (movable) transfer.push(movable);
    }
    const payload =
      !frame && input && !ArrayBuffer.isView(input) && ArrayBuffer.isView(input.data)
        ? { data: input.data, width: input.width, height: input.height }
        : input;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress: hooks.onProgress });
      worker.postMessage({ id, kind, input: payload, options }, transfer);
    });
  }

  return {
    /**
     * Same as `preprocess()`, off the main thread. ArrayBuffers, typed arrays, ImageData
     * pixels, ImageBitmaps and VideoFrames are transferred to the worker (the caller's copy
     * becomes empty) unless `hooks.transfer` is false; Blobs and Files are passed by reference.
     */
    preprocess(input, options, hooks = {}) {
      return post("preprocess", input, options, hooks);
    },
    /**
     * Same as `detect()` (the page's corners, orientation and capture verdict), off the main
     * thread, with the same transfer rule as `preprocess`: a camera frame's pixels move to the
     * worker without a copy.
     */
    detect(input, options, hooks = {}) {
      return post("detect", input, options, hooks);
    },
    /**
     * Live detection in the worker: one frame of the preview, found by a detector that the
     * worker keeps per set of options (see `createPageDetector`). An ImageBitmap or VideoFrame
     * is transferred (closed here), an ImageData's pixels too, unless `hooks.transfer` is false.
     */
    detectPage(frame, options, hooks = {}) {
      return post("frame", frame, options, hooks);
    },
    /**
     * Same as `createPdf()`, off the main thread. The pages' bytes are copied to the worker
     * (the caller keeps them); the PDF comes back transferred.
     */
    createPdf(pages, options) {
      const id = nextId++;
      const plain = pages.map((p) =>
        p && typeof p === "object" && !ArrayBuffer.isView(p) && !(p instanceof ArrayBuffer) && !(typeof Blob !== "undefined" && p instanceof Blob)
          ? { bytes: p.bytes ?? p.image, words: p.words }
          : { bytes: p },
      );
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, kind: "pdf", pages: plain, options });
      });
    },
    /** Stops the worker; pending calls are rejected. */
    terminate() {
      worker.terminate();
      const e = scanprepError("worker_terminated", "the preprocessor was terminated");
      for (const job of pending.values()) job.reject(e);
      pending.clear();
    },
  };
}
