// The demo page, a small document scanner on @scanfactory/scanprep:
// - Camera: the live preview with the page's outline drawn over it (detectPage in the Web
//   Worker, one frame at a time, never queued), auto-capture when the page is steady and sharp
//   (createCaptureTracker), with the steadiness shown and a flash when it fires;
// - File: a picked or dropped photo or scan;
// then the result beside the original with the report, and corner handles (drag, or arrow
// keys) to fix the outline and process again with manual corners.
import { createCaptureTracker } from "../js/capture.js";
import { createPreprocessor } from "../js/worker.js";

const $ = (id) => document.getElementById(id);
const preprocessor = createPreprocessor();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const CORNER_NAMES = ["top-left", "top-right", "bottom-right", "bottom-left"];
let lastUrls = [];
document.body.dataset.state = "idle";
document.body.dataset.camera = "off";
// For the end-to-end test (and the curious): what the live view saw and took.
window.__live = [];
window.__captures = [];

// ---------------------------------------------------------------------------------------
// Tabs

const tabs = [$("tab-camera"), $("tab-file")];
function select(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab !== tabs[0]) stopCamera();
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => select(t));
  t.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    select(next);
    next.focus();
  });
});

// ---------------------------------------------------------------------------------------
// Processing and the report

/** Shows `source` (an ImageBitmap, or null) as the original, with `src` as its URL. */
function showOriginal(src) {
  $("original").hidden = !src;
  $("no-preview").hidden = !!src;
  if (src) $("original").src = src;
}

function url(blob) {
  const u = URL.createObjectURL(blob);
  lastUrls.push(u);
  return u;
}

/**
 * Runs the pipeline on `input` (a File or an ImageBitmap) in the worker and shows the result;
 * `name` names it, `corners` are manual corners (or undefined: detect).
 */
async function run(input, name, corners) {
  const format = $("format").value;
  const started = performance.now();
  const stages = [];
  $("status").className = "";
  $("status").textContent = `Processing ${name}…`;
  document.body.dataset.state = "working";
  try {
    const out = await preprocessor.preprocess(
      input,
      { format, binarization: format === "gray-png" ? "none" : "auto", corners },
      {
        onProgress: (stage, ms) => {
          stages.push({ stage, ms, at: performance.now() - started });
          $("status").textContent = `Processing ${name}: ${stage} done (${ms.toFixed(0)} ms)`;
        },
        // The picture stays here for the corner handles (a copy goes to the worker).
        transfer: false,
      },
    );
    const elapsed = performance.now() - started;
    const r = out.report;
    const blob = new Blob([out.bytes], { type: out.mimeType });
    const resultUrl = url(blob);
    const tiff = out.mimeType === "image/tiff";
    $("result").hidden = tiff;
    $("no-result-preview").hidden = !tiff;
    if (!tiff) $("result").src = resultUrl;
    $("download").href = resultUrl;
    $("download").download = name.replace(/\.[^.]*$/, "") + (tiff ? ".tiff" : ".png");
    const p = r.page;
    $("page").textContent = p?.found
      ? `${p.source === "manual" ? "corners given" : `found (confidence ${p.confidence.toFixed(2)})`}, aspect ${p.aspect?.toFixed(3) ?? "?"}`
      : p ? `not found (${p.reason ?? "no page"}): the whole picture is used` : "detection off";
    $("orientation").textContent = r.orientationDegrees === null
      ? "unknown (no turn)"
      : `turned ${r.orientationDegrees}° clockwise (confidence ${r.orientationConfidence.toFixed(2)})`;
    $("skew").textContent = `${r.skewDegrees.toFixed(2)}° (confidence ${r.skewConfidence.toFixed(2)}, ${r.rotated ? "corrected" : "not rotated"})`;
    $("quality").textContent = r.quality
      ? r.quality.ok ? "good" : `retake advised: ${r.quality.reasons.join(", ").replaceAll("_", " ")}`
      : "not assessed";
    $("bytes").textContent = `${kb(r.inputBytes)}${r.inputFormat === "raw" ? " of pixels" : ""} → ${kb(r.outputBytes)}`;
    $("size").textContent = `${r.inputWidth}×${r.inputHeight} → ${out.width}×${out.height} px`;
    $("method").textContent = r.binarization ? `${r.binarization.method} (${r.binarization.reason || "requested"})` : "none";
    $("time").textContent = `${elapsed.toFixed(0)} ms in all, ${r.timings.totalMs.toFixed(0)} ms in the engine`;
    $("facts").hidden = false;
    $("panes").hidden = false;
    $("empty").hidden = true;
    $("status").textContent = `Done: ${name}`;
    window.__lastResult = { report: r, width: out.width, height: out.height, mimeType: out.mimeType, bytes: Array.from(out.bytes), stages, elapsed };
    document.body.dataset.state = "done";
    return r;
  } catch (e) {
    $("status").className = "error";
    $("status").textContent = `${name}: ${e.message} (${e.code})`;
    window.__lastError = { code: e.code, message: e.message };
    document.body.dataset.state = "error";
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Corner handles

let adjusting = null; // { bitmap, name, corners }

function drawQuad(canvas, corners, colour, width) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!corners) return;
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.lineJoin = "round";
  ctx.fillStyle = colour.replace(/[\d.]+\)$/, "0.12)");
  ctx.beginPath();
  corners.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

function placeHandles() {
  const { bitmap, corners } = adjusting;
  drawQuad($("adjust-outline"), corners, "rgba(0, 150, 255, 1)", Math.max(2, bitmap.width / 320));
  document.querySelectorAll("#adjust-stage .handle").forEach((h, i) => {
    const [x, y] = corners[i];
    h.style.left = `${(100 * x) / bitmap.width}%`;
    h.style.top = `${(100 * y) / bitmap.height}%`;
    h.setAttribute("aria-label", `${CORNER_NAMES[i]} corner at ${Math.round(x)}, ${Math.round(y)}: arrow keys move it`);
  });
}

/** Shows the picture with handles at `corners` (or a default inset quadrilateral). */
function showAdjust(bitmap, name, corners) {
  const w = bitmap.width;
  const h = bitmap.height;
  const c = corners ?? [[w * 0.1, h * 0.1], [w * 0.9, h * 0.1], [w * 0.9, h * 0.9], [w * 0.1, h * 0.9]];
  if (adjusting && adjusting.bitmap !== bitmap) adjusting.bitmap.close();
  adjusting = { bitmap, name, corners: c.map((p) => [...p]) };
  const canvas = $("captured");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  $("adjust-outline").width = w;
  $("adjust-outline").height = h;
  const stage = $("adjust-stage");
  stage.querySelectorAll(".handle").forEach((e) => e.remove());
  c.forEach((_, i) => {
    const handle = document.createElement("div");
    handle.className = "handle";
    handle.tabIndex = 0;
    handle.setAttribute("role", "slider");
    handle.addEventListener("pointerdown", (e) => {
      handle.setPointerCapture(e.pointerId);
      const move = (ev) => {
        const box = canvas.getBoundingClientRect();
        const x = Math.min(w, Math.max(0, ((ev.clientX - box.left) / box.width) * w));
        const y = Math.min(h, Math.max(0, ((ev.clientY - box.top) / box.height) * h));
        adjusting.corners[i] = [x, y];
        placeHandles();
      };
      const up = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up);
    });
    handle.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 10 : 1;
      const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
      if (!d) return;
      e.preventDefault();
      const [x, y] = adjusting.corners[i];
      adjusting.corners[i] = [Math.min(w, Math.max(0, x + d[0])), Math.min(h, Math.max(0, y + d[1]))];
      placeHandles();
    });
    stage.appendChild(handle);
  });
  $("adjust").hidden = false;
  placeHandles();
}

$("apply-corners").addEventListener("click", () => {
  if (!adjusting) return;
  const corners = adjusting.corners.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
  run(adjusting.bitmap, adjusting.name, corners);
});

// ---------------------------------------------------------------------------------------
// File mode

async function runFile(file) {
  for (const u of lastUrls) URL.revokeObjectURL(u);
  lastUrls = [];
  let bitmap = null;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    // TIFF and what else the browser cannot show: processed all the same.
  }
  showOriginal(bitmap ? url(file) : null);
  $("adjust").hidden = true;
  const r = await run(file, file.name);
  if (bitmap && r) showAdjust(bitmap, file.name, r.page?.found ? r.page.corners : null);
}

$("file").addEventListener("change", (e) => e.target.files[0] && runFile(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) runFile(e.dataTransfer.files[0]);
});

// ---------------------------------------------------------------------------------------
// Camera mode

const video = $("video");
let stream = null;
let running = false;
let latest = null; // { bitmap, detection } of the last frame looked at
const STATUS = {
  searching: "Looking for a page…",
  unsteady: "Page found: hold it in view, sharp and whole",
  steadying: "Hold still…",
  captured: "Captured. Show the next page, or adjust the corners below.",
};

function nextFrame() {
  return new Promise((resolve) =>
    "requestVideoFrameCallback" in video ? video.requestVideoFrameCallback(() => resolve()) : requestAnimationFrame(() => resolve()),
  );
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (e) {
    $("live-status").className = "error";
    $("live-status").textContent = `No camera: ${e.message}`;
    return;
  }
  video.srcObject = stream;
  await video.play();
  $("live-stage").hidden = false;
  $("steady").hidden = false;
  $("start-camera").hidden = true;
  $("stop-camera").hidden = false;
  $("capture-now").hidden = false;
  $("live-status").className = "";
  document.body.dataset.camera = "live";
  running = true;
  loop();
}

function stopCamera() {
  running = false;
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  $("live-stage").hidden = true;
  $("steady").hidden = true;
  $("start-camera").hidden = false;
  $("stop-camera").hidden = true;
  $("capture-now").hidden = true;
  document.body.dataset.camera = "off";
}

/** Takes `bitmap` (owned from now on) as the picture, with the live detection of it. */
async function capture(bitmap, detection, how) {
  const flash = $("flash");
  flash.classList.remove("on");
  void flash.offsetWidth;
  flash.classList.add("on");
  const name = `capture-${window.__captures.length + 1}.png`;
  window.__captures.push({ t: performance.now(), how, corners: detection?.corners ?? null, width: bitmap.width, height: bitmap.height });
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  c.getContext("2d").drawImage(bitmap, 0, 0);
  for (const u of lastUrls) URL.revokeObjectURL(u);
  lastUrls = [];
  showOriginal(url(await c.convertToBlob({ type: "image/png" })));
  showAdjust(bitmap, name, detection?.corners ?? null);
  await run(bitmap, name);
}

async function loop() {
  const tracker = createCaptureTracker();
  const keepFrames = tracker.options.steadyFrames + 1;
  const frames = new Map(); // frame number → ImageBitmap, the last `keepFrames` of them
  let n = 0;
  while (running) {
    await nextFrame();
    if (!running || video.readyState < 2 || !video.videoWidth) continue;
    const bitmap = await createImageBitmap(video);
    const i = ++n;
    frames.set(i, bitmap);
    let found = null;
    try {
      // A copy goes to the worker (the preview keeps this one for a capture).
      found = await preprocessor.detectPage(bitmap, undefined, { transfer: false });
    } catch (e) {
      $("live-status").textContent = `Detection failed: ${e.message}`;
    }
    if (!running) break;
    const overlay = $("outline");
    if (overlay.width !== bitmap.width || overlay.height !== bitmap.height) {
      overlay.width = bitmap.width;
      overlay.height = bitmap.height;
    }
    const u = tracker.push(found, i);
    const colour = u.state === "unsteady" ? "rgba(255, 190, 0, 1)" : "rgba(0, 220, 90, 1)";
    drawQuad(overlay, found?.corners ?? null, colour, Math.max(2, bitmap.width / 256));
    $("steady").value = u.progress;
    $("live-status").textContent = STATUS[u.state];
    latest = { bitmap, detection: found };
    if (window.__live.length < 5000) {
      window.__live.push({ t: performance.now(), corners: found?.corners ?? null, state: u.state, fire: u.fire, width: bitmap.width, height: bitmap.height });
    }
    if (u.fire && $("auto").checked) {
      const kept = frames.get(u.keep.frame);
      frames.delete(u.keep.frame);
      if (latest.bitmap === kept) latest = null;
      capture(kept, u.keep.detection, "auto");
    }
    // Frames too old to be kept by the tracker are released.
    for (const [k, b] of frames) {
      if (k <= i - keepFrames && b !== latest?.bitmap) {
        b.close();
        frames.delete(k);
      }
    }
  }
  for (const b of frames.values()) b.close();
}

$("start-camera").addEventListener("click", startCamera);
$("stop-camera").addEventListener("click", stopCamera);
$("capture-now").addEventListener("click", async () => {
  if (!latest) return;
  const c = new OffscreenCanvas(latest.bitmap.width, latest.bitmap.height);
  c.getContext("2d").drawImage(latest.bitmap, 0, 0);
  capture(await createImageBitmap(c), latest.detection, "button");
});
select(tabs[1]);
