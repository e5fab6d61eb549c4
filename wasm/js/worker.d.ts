import type { Detection, Frame, FrameDetection, Hooks, Input, Options, PageDetectorOptions, PdfOptions, PdfPageInput, Preprocessed, RgbaPixels } from "./index.js";

export interface WorkerHooks extends Hooks {
  /** Transfer ArrayBuffers/typed arrays/ImageData pixels, ImageBitmaps and VideoFrames to the
   * worker (default true: the caller's copy becomes empty). Blobs are always passed by
   * reference. */
  transfer?: boolean;
}

export interface Preprocessor {
  /** Same as `preprocess()`, in a Web Worker; the main thread stays free. */
  preprocess(input: Input, options?: Options, hooks?: WorkerHooks): Promise<Preprocessed>;
  /** Same as `detect()`, in the Web Worker: the frame's buffer is transferred unless
   * `hooks.transfer` is false. */
  detect(input: Input, options?: Options, hooks?: WorkerHooks): Promise<Detection>;
  /** Live detection in the Web Worker: a detector per set of options is kept there (see
   * `createPageDetector`). An ImageBitmap or VideoFrame is transferred and closed there, an
   * ImageData's pixels are transferred, unless `hooks.transfer` is false. */
  detectPage(frame: Frame | ImageData | RgbaPixels, options?: PageDetectorOptions, hooks?: { transfer?: boolean }): Promise<FrameDetection>;
  /** Same as `createPdf()`, in the Web Worker. */
  createPdf(pages: Array<Preprocessed | PdfPageInput | Uint8Array | ArrayBuffer | Blob>, options?: PdfOptions): Promise<Uint8Array>;
  /** Stops the worker; pending calls reject with code "worker_terminated". */
  terminate(): void;
}

/** Starts a module Web Worker running the engine. */
export function createPreprocessor(settings?: { workerUrl?: string | URL }): Preprocessor;
