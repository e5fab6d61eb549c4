// A minimal app as ScanFactory's web app uses the package: imported by name, bundled by Vite
// (vite.config.mjs) and by webpack 5 (../webpack-app/build.mjs).
import { preprocess } from "@scanfactory/scanprep";
import { createPreprocessor } from "@scanfactory/scanprep/worker";

window.runScanprep = async (bytes) => {
  const direct = await preprocess(bytes.slice(), { format: "png" });
  const worker = createPreprocessor();
  const stages = [];
  const viaWorker = await worker.preprocess(bytes.slice(), { format: "png" }, { onProgress: (s) => stages.push(s) });
  worker.terminate();
  const same = direct.bytes.length === viaWorker.bytes.length && direct.bytes.every((v, i) => v === viaWorker.bytes[i]);
  document.getElementById("out").textContent = "done";
  return { same, stages, width: direct.width, height: direct.height, skew: direct.report.skewDegrees, bytes: Array.from(direct.bytes) };
};
