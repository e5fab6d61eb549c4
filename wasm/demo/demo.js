// The demo page: runs @scanfactory/scanprep in a Web Worker on a picked or dropped file.
import { createPreprocessor } from "../js/worker.js";

const $ = (id) => document.getElementById(id);
const preprocessor = createPreprocessor();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let lastUrl;

async function run(file) {
  const format = $("format").value;
  const started = performance.now();
  const stages = [];
  $("status").className = "";
  $("status").textContent = `Processing ${file.name}…`;
  $("original").src = URL.createObjectURL(file);
  document.body.dataset.state = "working";
  try {
    const out = await preprocessor.preprocess(
      file,
      { format, binarization: format === "gray-png" ? "none" : "auto" },
      {
        onProgress: (stage, ms) => {
          stages.push({ stage, ms, at: performance.now() - started });
          $("status").textContent = `Processing ${file.name}: ${stage} done (${ms.toFixed(0)} ms)`;
        },
      },
    );
    const elapsed = performance.now() - started;
    const r = out.report;
    const blob = new Blob([out.bytes], { type: out.mimeType });
    if (lastUrl) URL.revokeObjectURL(lastUrl);
    lastUrl = URL.createObjectURL(blob);
    $("result").src = out.mimeType === "image/tiff" ? "" : lastUrl;
    $("download").href = lastUrl;
    $("download").download = file.name.replace(/\.[^.]*$/, "") + (format === "tiff" ? ".tiff" : ".png");
    $("skew").textContent = `${r.skewDegrees.toFixed(2)}° (confidence ${r.skewConfidence.toFixed(2)}, ${r.rotated ? "corrected" : "not rotated"})`;
    $("bytes").textContent = `${kb(r.inputBytes)} → ${kb(r.outputBytes)}`;
    $("size").textContent = `${r.inputWidth}×${r.inputHeight} → ${out.width}×${out.height} px`;
    $("method").textContent = r.binarization ? `${r.binarization.method} (${r.binarization.reason || "requested"})` : "none";
    $("time").textContent = `${elapsed.toFixed(0)} ms in all, ${r.timings.totalMs.toFixed(0)} ms in the engine`;
    $("facts").hidden = false;
    $("status").textContent = `Done: ${file.name}`;
    // For the end-to-end test (and the curious): what the page received.
    window.__lastResult = { report: r, width: out.width, height: out.height, mimeType: out.mimeType, bytes: Array.from(out.bytes), stages, elapsed };
    document.body.dataset.state = "done";
  } catch (e) {
    $("status").className = "error";
    $("status").textContent = `${file.name}: ${e.message} (${e.code})`;
    window.__lastError = { code: e.code, message: e.message };
    document.body.dataset.state = "error";
  }
}

$("file").addEventListener("change", (e) => e.target.files[0] && run(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) run(e.dataTransfer.files[0]);
});
