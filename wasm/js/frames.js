// Live page detection for the camera preview: one detector per preview, fed frame after frame.
// The frame is drawn (scaled down when larger than `maxSide`) into a canvas kept from frame to
// frame, its pixels are written straight into the engine's frame buffer in linear memory (kept
// too), and the engine finds the page. Corners come back in the frame's own pixels.
import { engineOptions, scanprepError, toCamel } from "./common.js";
import { canvas2d, drawnSize, isDrawable } from "./pixels.js";

/** Longest side analysed by default: a 1280×720 preview frame is taken as it is; a larger
 * one is drawn reduced (the detector works on a reduced copy anyway). */
export const FRAME_MAX_SIDE = 1280;

/**
 * A live detector over an initialised wasm-bindgen module `glue` (the one with
 * `FrameDetector`). `options`: the engine's options plus `maxSide`; orientation is not
 * looked for unless `detectOrientation` is set (a preview does not need it).
 */
export function createFrameDetector(glue, options = {}) {
  const { maxSide = FRAME_MAX_SIDE, ...rest } = options ?? {};
  if (!Number.isInteger(maxSide) || maxSide < 16) {
    throw scanprepError("invalid_option", `maxSide must be a whole number of pixels, at least 16, not ${maxSide}`);
  }
  const opts = engineOptions({ detectOrientation: false, ...rest });
  const make = () => {
    try {
      return new glue.FrameDetector(opts);
    } catch (e) {
      if (e?.name === "ScanprepError") throw e;
      throw scanprepError("internal", String(e?.message ?? e), e);
    }
  };
  let detector = make();
  // The instance the detector lives in: after a trap anywhere in the package the instance is
  // replaced, and the detector is made again in the new one.
  let memory = glue.initSync().memory;
  let ctx = null;

  /** The frame's RGBA and the size it was analysed at. */
  function pixelsOf(frame) {
    if (isDrawable(frame)) {
      const [w, h] = drawnSize(frame);
      if (!(w > 0 && h > 0)) throw scanprepError("invalid_input", `the frame is ${w}x${h} pixels`);
      const s = Math.min(1, maxSide / Math.max(w, h));
      const tw = Math.max(1, Math.round(w * s));
      const th = Math.max(1, Math.round(h * s));
      if (!ctx || ctx.canvas.width !== tw || ctx.canvas.height !== th) {
        ctx = canvas2d(tw, th);
        if (!ctx) throw scanprepError("unsupported_input", "no canvas to draw this frame on here");
      }
      ctx.drawImage(frame, 0, 0, tw, th);
      return { data: ctx.getImageData(0, 0, tw, th).data, width: tw, height: th, sx: w / tw, sy: h / th };
    }
    if (frame && typeof frame === "object" && ArrayBuffer.isView(frame.data)) {
      const { data, width, height } = frame;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
        throw scanprepError("invalid_input", `width and height must be whole positive numbers, not ${width}x${height}`);
      }
      if (data.byteLength !== width * height * 4) {
        throw scanprepError("buffer_size_mismatch", `a ${width}x${height} RGBA frame is ${width * height * 4} bytes, not ${data.byteLength}`);
      }
      return { data, width, height, sx: 1, sy: 1 };
    }
    throw scanprepError("unsupported_input", "a frame must be ImageData, { data, width, height }, an ImageBitmap, a VideoFrame, a video, image or canvas element");
  }

  const scale = (p, sx, sy) => [p[0] * sx, p[1] * sy];

  return {
    /** Finds the page in one frame; see index.d.ts (PageDetector). */
    detect(frame) {
      const { data, width, height, sx, sy } = pixelsOf(frame);
      let found;
      try {
        if (glue.initSync().memory !== memory) {
          detector = make();
          memory = glue.initSync().memory;
        }
        const at = detector.frame(width, height);
        new Uint8Array(memory.buffer, at, width * height * 4).set(
          new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        );
        found = toCamel(detector.detect());
      } catch (e) {
        if (e?.name === "ScanprepError") throw e;
        // A trap: a fresh instance and a fresh detector, so the next frame works.
        glue.__wbg_reset_state?.();
        detector = make();
        memory = glue.initSync().memory;
        throw scanprepError("internal", `the engine stopped on an internal error (${e?.message ?? e}); it has been restarted`, e);
      }
      if (sx !== 1 || sy !== 1) {
        if (found.corners) found.corners = found.corners.map((p) => scale(p, sx, sy));
        if (found.page?.corners) found.page.corners = found.page.corners.map((p) => scale(p, sx, sy));
      }
      found.frameScale = 1 / Math.max(sx, sy);
      return found;
    },
    /** Releases the detector's buffer. */
    free() {
      detector.free?.();
    },
  };
}

/**
 * `detectPage(frame, options)` over `glue`: one live detector per set of options, made on
 * first use and kept, so that a preview calling it every frame allocates nothing after the
 * first (see `createFrameDetector`).
 */
export function sharedDetectPage(glue) {
  const detectors = new Map();
  return (frame, options) => {
    const key = JSON.stringify(options ?? {});
    let d = detectors.get(key);
    if (!d) {
      d = createFrameDetector(glue, options);
      detectors.set(key, d);
    }
    return d.detect(frame);
  };
}
