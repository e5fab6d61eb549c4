// Type-checked by `tsc -p tests` (wasm/test.sh): the package's .d.ts as a React/Vite app sees it,
// imported by its published name through the package's `exports` map.
import { captureDefaults, createCaptureTracker, createPageDetector, createPdf, defaultOptions, detect, detectPage, fullModuleLoaded, preprocess } from "@scanfactory/scanprep";
import type { CaptureUpdate, FrameDetection, Options, PageDetector, PdfOptions, Preprocessed, Report, ScanprepError, Stage } from "@scanfactory/scanprep";
import { createPreprocessor } from "@scanfactory/scanprep/worker";

export async function fromFile(file: File, canvas: HTMLCanvasElement): Promise<number> {
  const options: Options = { format: "png", maxWorkingPixels: 6_000_000, binarization: "auto" };
  const out: Preprocessed = await preprocess(file, options);
  const bytes: Uint8Array = out.bytes;
  const report: Report = out.report;
  const skew: number = report.skewDegrees + report.skewConfidence;
  const method: string | undefined = report.binarization?.method;
  const total: number | undefined = report.timings?.totalMs;

  const ctx = canvas.getContext("2d");
  if (ctx) {
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    await preprocess(pixels, { format: "tiff" });
  }
  const worker = createPreprocessor();
  const stages: Stage[] = [];
  await worker.preprocess(bytes, undefined, { onProgress: (stage) => stages.push(stage), transfer: false });
  const pdfOptions: PdfOptions = { title: "Scan", createdUnixSeconds: Math.floor(Date.now() / 1000) };
  const pdf: Uint8Array = await createPdf([out, { bytes, words: "<hocr/>" }, { bytes, words: [{ text: "a", bbox: [0, 0, 1, 1] }] }], pdfOptions);
  const viaWorker: Uint8Array = await worker.createPdf([out], pdfOptions);
  const corners = (await worker.detect(bytes, undefined, { transfer: false })).corners;
  // Live detection: a detector fed the preview's frames, here and in the worker.
  const live: PageDetector = await createPageDetector({ maxSide: 960, reject: ["too_blurry"] });
  const video = document.createElement("video");
  const seen: FrameDetection = live.detect(video);
  const scale: number = seen.frameScale + (await detectPage(video, { maxSide: 960 })).frameScale;
  void scale;
  live.free();
  const bitmap = await createImageBitmap(canvas);
  const there: FrameDetection = await worker.detectPage(bitmap, { maxSide: 1280 });
  const full: boolean = fullModuleLoaded();
  void there;
  void full;
  void corners;
  worker.terminate();
  void (await defaultOptions());
  void pdf;
  void viaWorker;
  return skew + bytes.length + (method ? 1 : 0) + (total ?? 0);
}

export function describe(e: unknown): string {
  const err = e as ScanprepError;
  return `${err.code}: ${err.message}`;
}

// Wrong names and values do not type-check.
// @ts-expect-error: the option is maxWorkingPixels
const badName: Options = { maxWorkPixels: 1 };
// @ts-expect-error: no such format
const badFormat: Options = { format: "bmp" };
// @ts-expect-error: the option is createdUnixSeconds
const badPdf: PdfOptions = { created: 1 };
void badPdf;
void badName;
void badFormat;

// The auto-capture tracker fed from a live preview, with the app's own frame type.
export async function autoCapture(frames: ImageData[]): Promise<ImageData | null> {
  const tracker = createCaptureTracker<ImageData>({ steadyFrames: 6, blockingReasons: ["too_blurry"] });
  const needed: number = captureDefaults.steadyFrames + tracker.options.steadyFrames;
  void needed;
  for (const frame of frames) {
    const update: CaptureUpdate<ImageData> = tracker.push(await detect(frame), frame);
    const ring: number = update.progress;
    void ring;
    if (update.fire && update.keep) return update.keep.frame;
  }
  tracker.reset();
  return null;
}
