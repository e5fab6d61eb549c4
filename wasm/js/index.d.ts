// Types of @scanfactory/scanprep. Names are the engine's (Rust `scanprep::Options` and
// `scanprep::Report`) in camelCase: `max_working_pixels` ⇄ `maxWorkingPixels`. That is the one
// mapping; snake_case keys are accepted too. Enum values are the same strings everywhere.

/** Which binarization method to use. */
export type Binarization = "none" | "otsu" | "sauvola" | "edge" | "auto";
/** The encoded output: Group 4 TIFF, 1-bit PNG, 8-bit gray PNG or gray JPEG. */
export type Format = "tiff" | "png" | "gray-png" | "jpeg" | "jbig2";
/** Time against size for the 1-bit PNG: "fast" (~40 ms for an A4 page natively) or "max"
 * (4-8% smaller, smaller than oxipng -o4; ~3 s for an A4 page natively). */
export type PngEffort = "fast" | "max";

/** A point `[x, y]` in input pixels (after EXIF orientation), y down. */
export type Point = [number, number];
/** A page's format, which fixes the rectified aspect ratio; a number is height over width. */
export type PageSize = "auto" | "a4" | "letter" | "legal" | "id-card" | "receipt" | number;
/** Why a capture is not good enough for OCR (stable codes, the same in every binding). */
export type QualityReason =
  | "no_page_found" | "page_cut_off" | "too_blurry" | "too_dark" | "glare" | "low_contrast"
  | "text_too_small";

/** Options of the pipeline; every field is optional and defaults as in the engine. */
export interface Options {
  /** Largest encoded input accepted, in bytes (default 100 MiB). */
  maxInputBytes?: number;
  /** Largest image accepted, in pixels, checked from the header before decoding (default 50 M). */
  maxPixels?: number;
  /** Longest side accepted, in pixels (default 30000). */
  maxSide?: number;
  /** Accept a file cut short (an interrupted upload): its missing rows are white and the
   * report warns (default false: a `truncated_image` error). */
  allowTruncated?: boolean;
  /** Find the page in a photo and rectify its perspective (default true); a scan, or a page
   * that fills the frame, has no page to find and is left as it is. Where the brightness shows
   * no page (white paper on a light desk), the page is looked for in the colour too (JPEG, PNG,
   * WebP and canvas pixels). */
  detectPage?: boolean;
  /** The page's four corners, clockwise from its top-left: skips detection (a manual fix). */
  corners?: [Point, Point, Point, Point] | null;
  /** The page's format (default "auto": estimated from the photo). */
  pageSize?: PageSize;
  /** Find the text's orientation and turn the page upright (default true). */
  detectOrientation?: boolean;
  /** Quality reasons that fail the call with a `poor_capture` error (default none). */
  reject?: QualityReason[];
  /** Larger images are reduced (area-averaged) to this many pixels first; 0 keeps all (default 9 M). */
  maxWorkingPixels?: number;
  /** Flatten uneven illumination and shadows (default true). */
  normalizeBackground?: boolean;
  /** Detect the skew and straighten the page (default true). */
  deskew?: boolean;
  /** Skew search range, ± degrees, at most 45 (default 45). */
  maxSkewDegrees?: number;
  /** Smaller angles are not corrected (default 0.05). */
  minSkewDegrees?: number;
  /** Confidence (0 to 1) below which the page is not rotated (default 0.3). */
  minSkewConfidence?: number;
  /** Binarization method (default "auto"). */
  binarization?: Binarization;
  /** Window side in pixels for local methods; null derives it from the page. */
  window?: number | null;
  /** Sauvola's k; null uses the method's default (0.2). */
  k?: number | null;
  /** Remove small isolated specks, keeping dots and punctuation (default true). */
  despeckle?: boolean;
  /** Largest speck removed, in pixels; null derives it from the stroke width. */
  maxSpecklePixels?: number | null;
  /** Remove dark borders around the page (default true). */
  removeBorders?: boolean;
  /**
   * The x-height in pixels OCR should see, 8 to 64 (default 24): smaller text is binarized
   * again from the gray page enlarged to it (within maxWorkingPixels), text over twice it is
   * reduced; ordinary 300 dpi text is kept. null turns text sizing off.
   */
  targetXHeight?: number | null;
  /**
   * The OCR service the output goes to (default "none"): its formats, byte cap, pixel limits
   * and smallest text are kept to (a format it does not read is replaced, with a
   * "format_changed" warning), or the call fails with "ocr_limit_exceeded".
   */
  ocrProfile?: OcrProfile;
  /** Output format (default "tiff"). */
  format?: Format;
  /** JPEG quality 1 to 100 for format "jpeg" (default 80). */
  jpegQuality?: number;
  /** 1-bit PNG effort for format "png" (default "fast"). */
  pngEffort?: PngEffort;
  /** The input's resolution, recorded (scaled) in the output; null when unknown. */
  dpi?: number | null;
}

/** Per-stage wall time in milliseconds (`performance.now()`). */
export interface Timings {
  decodeMs: number;
  pageMs: number;
  rectifyMs: number;
  resizeMs: number;
  orientationMs: number;
  backgroundMs: number;
  skewMs: number;
  rotateMs: number;
  binarizeMs: number;
  cleanMs: number;
  /** Text measurement, and binarizing again when the text was rescaled. */
  textSizeMs: number;
  encodeMs: number;
  totalMs: number;
}

/** An OCR service whose limits the output keeps to. */
export type OcrProfile =
  | "none" | "tesseract" | "textract" | "google-vision" | "azure-read" | "azure-read-free";

/** What text sizing found and did (`Report.textSize`). */
export interface TextSizeReport {
  /** The x-height measured before scaling, in pixels; null when the page shows no text. */
  textHeightPx: number | null;
  /** The capital (ascender) height before scaling, when it shows. */
  capHeightPx: number | null;
  /** The glyphs measured. */
  glyphs: number;
  /** The target x-height. */
  targetPx: number;
  /** The scale applied (1 = resolution kept). */
  scale: number;
  /** Why: kept as it was, changed, or limited by maxWorkingPixels. */
  decision: "in_range" | "enlarged" | "reduced" | "no_text" | "limited";
}

/** The binarization method used and its parameters. */
export interface BinarizationReport {
  /** The method actually used (never "auto"). */
  method: Exclude<Binarization, "auto">;
  threshold: number | null;
  window: number | null;
  k: number | null;
  strokeWidth: number | null;
  contrastThreshold: number | null;
  /** Why "auto" chose this method ("" when a method was requested). */
  reason: string;
}

/** Something to know about an output that was still produced. */
export interface Warning {
  /** "truncated_image": the input was cut short and `allowTruncated` let it through. */
  code: "truncated_image";
  message: string;
  /** The stored image's first missing row; it and the rows below it are white. */
  firstMissingRow?: number;
  rowsMissing?: number;
}

/** The page in the input: found (or given) and rectified, or why not. */
export interface PageReport {
  found: boolean;
  source: "detected" | "manual" | null;
  /** Input pixels, clockwise from the page's top-left as it reads (after the orientation turn). */
  corners: [Point, Point, Point, Point] | null;
  /** 0 to 1 (1 for manual corners). */
  confidence: number;
  /** Why no page was found: "no_quadrilateral" or "image_too_small". */
  reason: string | null;
  /** A corner lies outside the frame. */
  cutOff: boolean;
  /** The rectified page's height over its width. */
  aspect: number | null;
  /** The rectified page's resolution when its paper size is known. */
  dpi: number | null;
}

/** The measures behind the quality verdict; null where there was no text to measure. */
export interface QualityMeasures {
  glyphs: number;
  /** Median glyph height in output pixels. */
  textHeightPx: number | null;
  /** Median width of the glyphs' edges in pixels (1 is sharp). */
  edgeWidthPx: number | null;
  /** Paper and ink levels around the text, 0 to 255. */
  paperLevel: number | null;
  inkLevel: number | null;
  /** Share of the page clipped white on grey paper. */
  glareFraction: number;
}

/** Whether a capture is good enough for OCR, and why not. */
export interface Quality {
  ok: boolean;
  reasons: QualityReason[];
  measures: QualityMeasures;
}

/** What `detect` finds (the JSON of `scanprep detect`, in camelCase). */
export interface Detection {
  corners: [Point, Point, Point, Point] | null;
  confidence: number;
  /** The clockwise turn (0, 90, 180, 270) that makes the page upright; null when unknown. */
  orientationDegrees: 0 | 90 | 180 | 270 | null;
  orientationConfidence: number;
  quality: Quality;
  page: PageReport;
}

/** What the pipeline found and did. */
export interface Report {
  /** "jpeg", "png", "tiff", "webp", or "raw" for pixels. */
  inputFormat: string;
  inputBytes: number;
  inputWidth: number;
  inputHeight: number;
  /** EXIF orientation applied (1 = none). */
  exifOrientation: number;
  /** Input to working resolution (1 = unchanged). */
  scale: number;
  /** The page found in a photo (or given) and rectified; null with detection off and no corners. */
  page: PageReport | null;
  /** The clockwise turn applied to make the page upright; null when unknown (no turn). */
  orientationDegrees: 0 | 90 | 180 | 270 | null;
  orientationConfidence: number;
  /** Whether the capture is good enough for OCR. */
  quality: Quality | null;
  /** Positive: content rotated counter-clockwise (lines rising to the right). */
  skewDegrees: number;
  skewConfidence: number;
  rotated: boolean;
  binarization: BinarizationReport | null;
  specklesRemoved: number;
  borderPixelsRemoved: number;
  /** The text's x-height and the scale chosen for OCR; null with text sizing off. */
  textSize: TextSizeReport | null;
  outputFormat: Format;
  mediaType: string;
  outputWidth: number;
  outputHeight: number;
  /** The resolution written into the output, in dots per inch; null when unknown. */
  outputDpi: number | null;
  outputBytes: number;
  timings: Timings | null;
  /** What to know about this output (a truncated input, say); empty for a clean run. */
  warnings: Warning[];
}

/** Result of `preprocess`. */
export interface Preprocessed {
  bytes: Uint8Array;
  /** "image/tiff", "image/png" or "image/jpeg". */
  mimeType: string;
  width: number;
  height: number;
  report: Report;
}

/** Raw RGBA pixels, 4 bytes per pixel, row by row (`ImageData` fits). */
export interface RgbaPixels {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Encoded image bytes (JPEG, PNG, TIFF, WebP) or raw pixels; in the browser entry also
 * anything a canvas can draw (drawn at its own size). In the browser the engine's first module
 * has no image readers: the browser decodes JPEG, PNG and WebP (createImageBitmap, with the EXIF
 * orientation), and the whole engine is fetched only for what it cannot decode (TIFF, a file
 * cut short, no createImageBitmap). The same pixels give the same bytes in every build. */
export type Input = Blob | ArrayBuffer | ArrayBufferView | ImageData | RgbaPixels | Frame;

/** A camera frame or picture: what a canvas can draw (browser entry). */
export type Frame =
  | ImageBitmap | VideoFrame | HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas;

/** The engine's stages, in order, as reported to `onProgress`. */
export type Stage =
  | "decode" | "page" | "rectify" | "resize" | "orientation" | "background" | "turn" | "skew"
  | "rotate" | "binarize" | "clean" | "text_size" | "encode";

export interface Hooks {
  /** Called after each stage with its name and duration in ms. */
  onProgress?: (stage: Stage, ms: number) => void;
}

/** Stable error codes: the engine's `Error::code()` plus the package's own. */
export type ErrorCode =
  | "empty_input" | "input_too_large" | "image_too_large" | "side_too_long" | "empty_image"
  | "unsupported_format" | "decoder_not_built" | "corrupt_image" | "truncated_image" | "unsupported_feature"
  | "buffer_size_mismatch" | "invalid_option" | "invalid_corners" | "poor_capture"
  | "ocr_limit_exceeded"
  | "encode_failed" | "unsupported_input" | "invalid_input" | "internal"
  | "worker_failed" | "worker_terminated"
  | "pdf_page_image" | "no_pages" | "too_many_pages" | "invalid_ocr_words" | "finished";

/** Every error thrown by the package: `name` is "ScanprepError", `code` says what went wrong. */
export interface ScanprepError extends Error {
  name: "ScanprepError";
  code: ErrorCode;
  /** For "poor_capture": the rejected reasons found. */
  reasons?: QualityReason[];
  /** For "poor_capture": the whole verdict. */
  quality?: Quality;
}

/** Decode (or take the pixels), normalise the background, deskew, binarize, clean, encode. */
export function preprocess(input: Input, options?: Options, hooks?: Hooks): Promise<Preprocessed>;
/** Find the page, its orientation and the capture verdict, without producing an output. */
export function detect(input: Input, options?: Options): Promise<Detection>;
/** The engine's version. */
export function version(): string | Promise<string>;
/** The default options, in camelCase. */
export function defaultOptions(): Required<Options> | Promise<Required<Options>>;
/** Bytes of WebAssembly linear memory held now. Memory grows to the largest page seen and stays. */
export function memoryBytes(): number;

/** Options of a live detector: the engine's options (orientation is not looked for unless
 * `detectOrientation` is true) and `maxSide`. */
export interface PageDetectorOptions extends Options {
  /** Frames longer than this (pixels, default 1280) are drawn reduced before detection; the
   * corners still come back in the frame's own pixels. Browser entry only (drawn frames). */
  maxSide?: number;
}

/** What a live detector finds in one frame: `detect`'s answer, and the scale it was
 * analysed at (1 = the frame's own size; the quality measures are at that scale). */
export interface FrameDetection extends Detection {
  frameScale: number;
}

/** A live page detector for a camera preview: feed it every frame. Its frame buffer in
 * WebAssembly and its canvas are kept from frame to frame, so memory does not grow. */
export interface PageDetector {
  /** Finds the page in one frame (`ImageData`, `{ data, width, height }`, and in the browser
   * an ImageBitmap, a VideoFrame, a video, image or canvas element). Synchronous. */
  detect(frame: Frame | ImageData | RgbaPixels): FrameDetection;
  /** Releases the detector's frame buffer. */
  free(): void;
}

/** Starts a live page detector (each entry; in the Web Worker entry `detectPage`). */
export function createPageDetector(options?: PageDetectorOptions): Promise<PageDetector>;

/** One frame of a live preview: the page's corners, confidence and quality reasons, from a
 * detector kept per set of options (nothing allocated per frame after the first). */
export function detectPage(frame: Frame | ImageData | RgbaPixels, options?: PageDetectorOptions): Promise<FrameDetection>;

/** Browser entry: whether the whole engine (the image readers' module) has been fetched. */
export function fullModuleLoaded(): boolean;

/** Options of the auto-capture tracker (every field optional; see `captureDefaults`). */
export interface CaptureOptions {
  /** Steady, sharp frames in a row before it fires (default 8). */
  steadyFrames?: number;
  /** Largest corner movement between counted frames, as a share of the page's diagonal (0.02). */
  tolerance?: number;
  /** Smallest detection confidence that counts (0.7). */
  minConfidence?: number;
  /** Quality reasons that keep a frame from counting (["too_blurry", "page_cut_off"]). */
  blockingReasons?: QualityReason[];
  /** Frames in a row without the captured page before it re-arms (5). */
  leaveFrames?: number;
  /** A page whose corners moved this share of a diagonal from the captured ones is another page (0.25). */
  newPageShift?: number;
}

/** What the tracker says after each frame. */
export interface CaptureUpdate<F = unknown> {
  /** "searching" (no page), "unsteady" (a page that does not count: blurry, cut off, unsure),
   * "steadying" (counting), "captured" (fired, waiting for the page to leave). */
  state: "searching" | "unsteady" | "steadying" | "captured";
  /** Steady frames counted so far. */
  steadyFrames: number;
  /** steadyFrames over the number needed, 0 to 1: for a countdown ring. */
  progress: number;
  /** True on the one frame at which to capture. */
  fire: boolean;
  /** When it fires: the sharpest of the steady frames, as it was pushed, with its detection. */
  keep: { frame: F; detection: Detection } | null;
  /** Frames pushed since the tracker was made. */
  frames: number;
}

/** An auto-capture tracker: push every detection of the live preview. */
export interface CaptureTracker<F = unknown> {
  readonly options: Readonly<Required<CaptureOptions>>;
  push(detection: Detection | null, frame?: F): CaptureUpdate<F>;
  /** Forgets the captured page: the next steady page fires again. */
  reset(): void;
}

/** A tracker that fires once when the page has been steady and sharp for `steadyFrames`
 * frames, names the sharpest of them, and re-arms only after the page has left the view.
 * Bad options throw a RangeError or TypeError. */
export function createCaptureTracker<F = unknown>(options?: CaptureOptions): CaptureTracker<F>;
/** The tracker's default options. */
export const captureDefaults: Readonly<Required<CaptureOptions>>;

/** One OCR word: its text and its box `[left, top, right, bottom]` in image pixels. */
export interface Word {
  text: string;
  bbox: [number, number, number, number];
}

/** A page's OCR words; `width`/`height`: the image the boxes refer to (default: the page's). */
export interface PageWords {
  width?: number;
  height?: number;
  words: Word[];
}

/** A page of a PDF: what `preprocess` returned (or its encoded bytes), with its OCR words as
 * hOCR or Tesseract TSV text, the JSON form, or a list of words. */
export interface PdfPageInput {
  bytes: Uint8Array | ArrayBuffer | ArrayBufferView | Blob;
  words?: string | PageWords | Word[];
}

/** How a PDF is written: the engine's `PdfOptions`, in camelCase. */
export interface PdfOptions {
  /** The document's title. */
  title?: string;
  /** Its author. */
  author?: string;
  /** When it was made, seconds since 1970 UTC (e.g. `Math.floor(Date.now() / 1000)`); left
   * out, the file has no dates and the same pages give the same bytes. */
  createdUnixSeconds?: number;
  /** Resolution for a page image that does not say its own (default 300). */
  defaultDpi?: number;
  /** Most pages in one document (default 5000). */
  maxPages?: number;
  /** Write the given words as an invisible text layer (default true). */
  textLayer?: boolean;
}

/**
 * One PDF/A-2 document (2u with a text layer) from preprocessed pages, their images embedded
 * as encoded (JBIG2, Group 4, PNG, JPEG). The PDF writer is a WebAssembly module of its own,
 * loaded on the first call.
 */
export function createPdf(
  pages: Array<Preprocessed | PdfPageInput | Uint8Array | ArrayBuffer | Blob>,
  options?: PdfOptions,
): Promise<Uint8Array>;
