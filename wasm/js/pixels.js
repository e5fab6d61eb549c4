// The browser entry's image reading. Its first WebAssembly module has no image readers: the
// browser decodes JPEG, PNG and WebP itself (createImageBitmap, which also applies the EXIF
// orientation) into a canvas, and the engine takes the canvas's rows a strip at a time, so the
// 4-byte-per-pixel image never exists in JavaScript whole. Frames (ImageBitmap, VideoFrame,
// <video>, <img>, canvases) are drawn the same way.

/** A 2D context on a `width`×`height` canvas: an OffscreenCanvas where there is one (Web
 * Workers too), else a DOM canvas; null where there is neither. */
export function canvas2d(width, height) {
  let canvas = null;
  if (typeof OffscreenCanvas !== "undefined") {
    canvas = new OffscreenCanvas(width, height);
  } else if (typeof document !== "undefined") {
    canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
  }
  return canvas?.getContext("2d", { willReadFrequently: true }) ?? null;
}

/** Whether `input` is something a canvas can draw (and not bytes or an RGBA object). */
export function isDrawable(input) {
  if (input === null || typeof input !== "object") return false;
  const kinds = ["ImageBitmap", "VideoFrame", "HTMLVideoElement", "HTMLImageElement", "HTMLCanvasElement", "OffscreenCanvas", "SVGImageElement"];
  return kinds.some((k) => typeof globalThis[k] === "function" && input instanceof globalThis[k]);
}

/** The drawn size of a drawable: the displayed (oriented) size of a frame or image. */
export function drawnSize(source) {
  if (typeof VideoFrame === "function" && source instanceof VideoFrame) {
    return [source.displayWidth, source.displayHeight];
  }
  if (typeof HTMLVideoElement === "function" && source instanceof HTMLVideoElement) {
    return [source.videoWidth, source.videoHeight];
  }
  if (typeof HTMLImageElement === "function" && source instanceof HTMLImageElement) {
    return [source.naturalWidth, source.naturalHeight];
  }
  return [source.width, source.height];
}

/** A row source over a context: `readRows(y0, y1)` gives rows y0..y1 as RGBA. */
export function rowsOf(ctx, width, height) {
  return { width, height, readRows: (y0, y1) => ctx.getImageData(0, y0, width, y1 - y0).data };
}

/** Draws `source` into a new canvas of its own size; null where no canvas can be made. */
export function drawToRows(source) {
  const [width, height] = drawnSize(source);
  const ctx = width > 0 && height > 0 ? canvas2d(width, height) : null;
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, width, height);
  return rowsOf(ctx, width, height);
}

/** Decodes an encoded image with the browser's own decoder, upright; null when the browser
 * cannot (no createImageBitmap or canvas here, or a file it does not read): the caller then
 * hands the file to the engine's own readers. `ms` is the time it took. */
export async function decodeWithBrowser(bytes, mediaType) {
  if (typeof createImageBitmap !== "function") return null;
  const t = performance.now();
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: mediaType }), {
      imageOrientation: "from-image",
      premultiplyAlpha: "none",
    });
  } catch {
    return null;
  }
  try {
    const rows = drawToRows(bitmap);
    return rows && { rows, ms: performance.now() - t };
  } finally {
    bitmap.close();
  }
}
