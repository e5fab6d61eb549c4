// What every entry of @scanfactory/scanprep shares: input normalisation, the one name mapping
// between JavaScript (camelCase) and the engine (snake_case), errors with a `code`, and recovery
// from a WebAssembly trap (the instance is replaced, so the next call works).

/** Rows of RGBA copied into WebAssembly per call: about 1 MB, so a 12 MP canvas (48 MB) never
 * exists twice; the engine keeps only its 1-byte gray page. */
const STRIP_BYTES = 1 << 20;

/** `maxWorkingPixels` → `max_working_pixels`. snake_case keys pass through unchanged. */
export function toSnake(key) {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** `skew_degrees` → `skewDegrees`, recursively through objects. */
export function toCamel(value) {
  if (Array.isArray(value)) return value.map(toCamel);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = toCamel(v);
  }
  return out;
}

/** Options with the engine's names: camelCase keys mapped, `undefined` values dropped. */
export function engineOptions(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw scanprepError("invalid_option", "options must be an object");
  }
  const snake = {};
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) snake[toSnake(k)] = v;
  }
  return snake;
}

/** An `Error` named `ScanprepError` with a stable `code`, like the engine's own. */
export function scanprepError(code, message, cause) {
  const e = new Error(message, cause === undefined ? undefined : { cause });
  e.name = "ScanprepError";
  e.code = code;
  return e;
}

function isRgba(input) {
  return (
    input !== null &&
    typeof input === "object" &&
    !ArrayBuffer.isView(input) &&
    !(input instanceof ArrayBuffer) &&
    (("data" in input && "width" in input && "height" in input) || isRowSource(input))
  );
}

/** Pixels read a strip at a time: `{ width, height, readRows(y0, y1) }` (a canvas in the
 * browser entry, see pixels.js). */
function isRowSource(input) {
  return typeof input.readRows === "function";
}

/** Encoded bytes as a `Uint8Array` view (no copy), raw pixels as they are, Blobs read. */
export async function normalizeInput(input) {
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    return new Uint8Array(await input.arrayBuffer());
  }
  return normalizeSync(input);
}

/** [`normalizeInput`] for what needs no reading. */
function normalizeSync(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (isRgba(input)) return input;
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    throw scanprepError("unsupported_input", "preprocessSync cannot read a Blob; use preprocess");
  }
  throw scanprepError(
    "unsupported_input",
    "input must be a Blob, ArrayBuffer, typed array, ImageData or { data, width, height }",
  );
}

/**
 * The package's API over an initialised wasm-bindgen module `glue` (its `--target web`
 * output). `glue.__wbg_reset_state` replaces the instance after a trap; `glue.initSync()` on an
 * initialised module returns the current instance's exports (and so its memory).
 */
export function createApi(glue, pdf = { sync: () => null, load: async () => null }) {
  /** `format: "jbig2"` without an OCR profile: the main module leaves the JBIG2 encoder out
   * (its size budget), so the page is made as Group 4 and coded again, losslessly, by the PDF
   * module (`pdf`: its loader). The bytes are the native engine's. With a named OCR profile
   * the engine maps the format itself. */
  function viaGroup4(opts) {
    return opts?.format === "jbig2" && (opts.ocr_profile === undefined || opts.ocr_profile === "none");
  }
  function toJbig2(out, pdfGlue) {
    const bytes = guarded(() => pdfGlue.group4ToJbig2(out.bytes));
    out.report.outputFormat = "jbig2";
    out.report.mediaType = "image/x-jbig2";
    out.report.outputBytes = bytes.length;
    return { ...out, bytes, mimeType: "image/x-jbig2" };
  }
  function runMaybeJbig2(input, options, hooks, pdfGlue) {
    const opts = engineOptions(options);
    if (!viaGroup4(opts)) return runSync(input, options, hooks);
    if (!pdfGlue) {
      throw scanprepError("unsupported_input", 'format "jbig2" needs the PDF module: use preprocess(), not preprocessSync()');
    }
    return toJbig2(runSync(input, { ...opts, format: "tiff" }, hooks), pdfGlue);
  }

  function guarded(fn) {
    try {
      return fn();
    } catch (e) {
      if (e && e.name === "ScanprepError") {
        if (e.quality) e.quality = toCamel(e.quality);
        throw e;
      }
      // A trap (or an exception thrown through the engine) may leave its memory half-updated:
      // start a fresh instance so that nothing of this call leaks into the next.
      glue.__wbg_reset_state?.();
      if (e instanceof WebAssembly.RuntimeError) {
        throw scanprepError(
          "internal",
          `the engine stopped on an internal error (${e.message}); it has been restarted`,
          e,
        );
      }
      throw e;
    }
  }

  /** Feeds raw pixels to the engine a strip at a time, then `finish(page)`. */
  function withRgbaPage(input, opts, finish) {
    const { data, width, height } = input;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw scanprepError("invalid_input", `width and height must be whole numbers, not ${width}x${height}`);
    }
    if (isRowSource(input)) {
      const page = new glue.RgbaPage(width >>> 0, height >>> 0, opts);
      try {
        const rows = Math.max(1, Math.floor(STRIP_BYTES / Math.max(width * 4, 1)));
        for (let y = 0; y < height; y += rows) {
          const strip = input.readRows(y, Math.min(height, y + rows));
          page.pushRows(new Uint8Array(strip.buffer, strip.byteOffset, strip.byteLength));
        }
        return finish(page);
      } catch (e) {
        page.free?.();
        throw e;
      }
    }
    if (!ArrayBuffer.isView(data)) {
      throw scanprepError("invalid_input", "pixels must be a Uint8ClampedArray or Uint8Array of RGBA");
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const page = new glue.RgbaPage(width >>> 0, height >>> 0, opts);
    try {
      const rowBytes = width * 4;
      if (bytes.length !== rowBytes * height) {
        // Let the engine name the mismatch with its own error.
        page.pushRows(bytes.subarray(0, bytes.length - (bytes.length % Math.max(rowBytes, 1))));
      }
      const rows = Math.max(1, Math.floor(STRIP_BYTES / rowBytes));
      for (let y = 0; y < height; y += rows) {
        page.pushRows(bytes.subarray(y * rowBytes, Math.min(height, y + rows) * rowBytes));
      }
      return finish(page);
    } catch (e) {
      page.free?.();
      throw e;
    }
  }

  function runSync(input, options, hooks) {
    const opts = engineOptions(options);
    const progress = hooks && typeof hooks.onProgress === "function" ? hooks.onProgress : undefined;
    const out = guarded(() =>
      isRgba(input)
        ? withRgbaPage(input, opts, (page) => page.process(progress))
        : glue.process(input, opts, progress),
    );
    try {
      return {
        bytes: out.bytes,
        mimeType: out.mediaType,
        width: out.width,
        height: out.height,
        report: toCamel(out.report),
      };
    } finally {
      out.free();
    }
  }

  function detectSync(input, options) {
    const opts = engineOptions(options);
    const found = guarded(() =>
      isRgba(input) ? withRgbaPage(input, opts, (page) => page.detect()) : glue.detect(input, opts),
    );
    return toCamel(found);
  }

  return {
    /** See index.d.ts. */
    async detect(input, options) {
      return detectSync(await normalizeInput(input), options);
    },
    /** Synchronous form of `detect`. */
    detectSync(input, options) {
      return detectSync(normalizeSync(input), options);
    },
    /** See index.d.ts. */
    async preprocess(input, options, hooks) {
      const bytes = await normalizeInput(input);
      const pdfGlue = viaGroup4(engineOptions(options)) ? await pdf.load() : null;
      return runMaybeJbig2(bytes, options, hooks, pdfGlue);
    },
    /** Synchronous form for encoded bytes or raw pixels already in memory (no Blob). */
    preprocessSync(input, options, hooks) {
      const pdfGlue = viaGroup4(engineOptions(options)) ? pdf.sync() : null;
      return runMaybeJbig2(normalizeSync(input), options, hooks, pdfGlue);
    },
    /** The file's format, size, completeness and orientation, read without decoding (the
     * engine's `probe_image`, camelCase); throws the engine's typed errors. */
    probe: (bytes, options) => toCamel(guarded(() => glue.probe(bytes, engineOptions(options)))),
    version: () => glue.version(),
    defaultOptions: () => toCamel(glue.defaultOptions()),
    memoryBytes: () => glue.initSync().memory.buffer.byteLength,
    selfTestTrap: () => guarded(() => glue.__selfTestTrap()),
  };
}
