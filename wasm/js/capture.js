// Auto-capture for a live camera preview: fed with successive `detect()` results, it says when
// the page has been steady and sharp for a number of frames, and which of those frames to keep.
// Plain JavaScript with no WebAssembly, so the same tracker runs on the main thread beside the
// video, in a Web Worker, in Node and in tests.
//
// The rules, after what users of document scanners report about auto-capture:
// - a frame counts when a page is found with enough confidence and no blocking quality reason
//   (by default `too_blurry` and `page_cut_off`);
// - "steady": no corner moved by more than `tolerance` of the page's diagonal since the last
//   counted frame (the size of the page in the frame does not matter);
// - after `steadyFrames` steady frames in a row it fires once, naming the sharpest of them
//   (the smallest `edgeWidthPx`, then the most confident);
// - it never fires twice for the same page: it re-arms only when the page has left the view
//   (no page for `leaveFrames` frames in a row) or another page has taken its place (the corners
//   `newPageShift` of a diagonal away from the captured ones, for `leaveFrames` frames).

const DEFAULTS = Object.freeze({
  steadyFrames: 8,
  tolerance: 0.02,
  minConfidence: 0.7,
  blockingReasons: Object.freeze(["too_blurry", "page_cut_off"]),
  leaveFrames: 5,
  newPageShift: 0.25,
});

/** The tracker's defaults (frozen). */
export const captureDefaults = DEFAULTS;

function checkOptions(o) {
  const whole = (name, min) => {
    if (!Number.isInteger(o[name]) || o[name] < min) {
      throw new RangeError(`createCaptureTracker: ${name} must be a whole number ≥ ${min}`);
    }
  };
  const share = (name) => {
    if (!(typeof o[name] === "number" && o[name] > 0 && o[name] <= 1)) {
      throw new RangeError(`createCaptureTracker: ${name} must be a number in (0, 1]`);
    }
  };
  whole("steadyFrames", 1);
  whole("leaveFrames", 1);
  share("tolerance");
  share("newPageShift");
  if (!(typeof o.minConfidence === "number" && o.minConfidence >= 0 && o.minConfidence <= 1)) {
    throw new RangeError("createCaptureTracker: minConfidence must be a number in [0, 1]");
  }
  if (!Array.isArray(o.blockingReasons) || o.blockingReasons.some((r) => typeof r !== "string")) {
    throw new TypeError("createCaptureTracker: blockingReasons must be a list of reason names");
  }
}

/** Mean length of the quadrilateral's two diagonals. */
function diagonal(q) {
  const d = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  return (d(q[0], q[2]) + d(q[1], q[3])) / 2;
}

/** Largest corner movement from `a` to `b`, as a share of `a`'s diagonal. */
function shift(a, b) {
  let most = 0;
  for (let i = 0; i < 4; i++) most = Math.max(most, Math.hypot(a[i][0] - b[i][0], a[i][1] - b[i][1]));
  return most / Math.max(diagonal(a), 1e-9);
}

function validCorners(c) {
  return (
    Array.isArray(c) &&
    c.length === 4 &&
    c.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))
  );
}

/** Sharper first (smaller edge width), then more confident. */
function sharper(a, b) {
  const ea = a.detection.quality?.measures?.edgeWidthPx ?? Infinity;
  const eb = b.detection.quality?.measures?.edgeWidthPx ?? Infinity;
  return ea !== eb ? ea < eb : a.detection.confidence > b.detection.confidence;
}

/**
 * A new auto-capture tracker. Feed it every detection with `push(detection, frame)`; `frame`
 * is yours (an index, a timestamp, an ImageBitmap) and comes back in `keep` when it fires.
 */
export function createCaptureTracker(options = {}) {
  const o = { ...DEFAULTS, ...options };
  checkOptions(o);
  const blocking = new Set(o.blockingReasons);
  let run = []; // the steady frames so far: {detection, frame}
  let captured = null; // corners of the page last captured, until it leaves
  let away = 0; // frames in a row without that page
  let frames = 0;

  const counts = (d) =>
    d &&
    validCorners(d.corners) &&
    typeof d.confidence === "number" &&
    d.confidence >= o.minConfidence &&
    !(d.quality?.reasons ?? []).some((r) => blocking.has(r));

  function report(state, fire = false, keep = null) {
    return {
      state,
      steadyFrames: run.length,
      progress: Math.min(1, run.length / o.steadyFrames),
      fire,
      keep,
      frames,
    };
  }

  return {
    /** The options in force. */
    options: Object.freeze({ ...o, blockingReasons: Object.freeze([...o.blockingReasons]) }),

    /** Takes the next detection; says what the preview should show and whether to capture. */
    push(detection, frame) {
      frames++;
      const page = detection && validCorners(detection.corners) ? detection.corners : null;
      if (captured) {
        // Waiting for the captured page to leave (or another to take its place).
        const gone = !page || shift(captured, page) > o.newPageShift;
        away = gone ? away + 1 : 0;
        if (away < o.leaveFrames) return report("captured");
        captured = null;
        away = 0;
        run = [];
      }
      if (!counts(detection)) {
        run = [];
        return report(page ? "unsteady" : "searching");
      }
      const last = run[run.length - 1];
      if (last && shift(last.detection.corners, page) > o.tolerance) run = [];
      run.push({ detection, frame });
      if (run.length < o.steadyFrames) return report("steadying");
      const best = run.reduce((a, b) => (sharper(b, a) ? b : a));
      captured = page;
      away = 0;
      const out = report("captured", true, { frame: best.frame, detection: best.detection });
      run = [];
      return out;
    },

    /** Forgets everything: the next steady page fires again. */
    reset() {
      run = [];
      captured = null;
      away = 0;
    },
  };
}
