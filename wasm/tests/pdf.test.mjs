// createPdf under Node: the same bytes as the native `scanprep pdf` for the same pages and
// words, a file qpdf and poppler read (when installed: CI installs them), and typed errors.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import * as scanprep from "../js/node.js";
import { fixtures, nativeCli, nativeOutput } from "./helpers.mjs";

// Whether a tool is on PATH: it starts at all (its exit code says nothing: `qpdf -v` is a usage
// error, `pdftotext -v` is not).
function have(tool) {
  const { error } = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (!error) return true;
  assert.ok(!process.env.CI, `${tool} is not installed (scripts/setup.sh installs it)`);
  return false;
}

const words = {
  words: [
    { text: "Invoice", bbox: [300, 300, 700, 360] },
    { text: "Straße", bbox: [760, 300, 1100, 360] },
  ],
};
const hocr = `<div class='ocr_page' title='bbox 0 0 2546 3535'>
  <span class='ocrx_word' title='bbox 300 500 600 560; x_wconf 95'>total</span>
  <span class='ocrx_word' title='bbox 650 500 900 560; x_wconf 95'>&amp;more</span></div>`;

test("createPdf gives the native CLI's bytes for the same pages and words", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scanprep-pdf-"));
  const a = join(fixtures, "two-column.png");
  const b = join(fixtures, "page-skew-plus3.png");
  writeFileSync(join(dir, "a.json"), JSON.stringify(words));
  writeFileSync(join(dir, "b.hocr"), hocr);
  const out = join(dir, "native.pdf");
  execFileSync(nativeCli(), ["pdf", a, b, "-o", out, "--no-date", "--title", "Two pages",
    "--ocr-words", join(dir, "a.json"), join(dir, "b.hocr")], { stdio: "ignore" });
  const pa = await scanprep.preprocess(readFileSync(a), { format: "jbig2" });
  const pb = await scanprep.preprocess(readFileSync(b), { format: "jbig2" });
  const pdf = await scanprep.createPdf(
    [{ ...pa, words }, { bytes: pb.bytes, words: hocr }],
    { title: "Two pages" },
  );
  assert.ok(pdf instanceof Uint8Array);
  assert.deepEqual(Buffer.from(pdf), readFileSync(out));
  const file = join(dir, "js.pdf");
  writeFileSync(file, pdf);
  if (have("qpdf")) execFileSync("qpdf", ["--check", file], { stdio: "ignore" });
  if (have("pdftotext")) {
    const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
    for (const w of ["Invoice", "Straße", "total", "&more"]) assert.ok(text.includes(w), `${w} in:\n${text}`);
  }
});

test("format jbig2 (made through the PDF module) gives the native CLI's bytes and report", async () => {
  const file = join(fixtures, "page-skew-minus7.jpg");
  const out = await scanprep.preprocess(readFileSync(file), { format: "jbig2" });
  assert.deepEqual(Buffer.from(out.bytes), nativeOutput(file, "jb2"));
  assert.equal(out.mimeType, "image/x-jbig2");
  assert.equal(out.report.outputFormat, "jbig2");
  assert.equal(out.report.outputBytes, out.bytes.length);
  const sync = scanprep.preprocessSync(readFileSync(file), { format: "jbig2" });
  assert.deepEqual(sync.bytes, out.bytes);
});

test("createPdf takes words as a JSON string or a list, and dates in seconds", async () => {
  const p = await scanprep.preprocess(readFileSync(join(fixtures, "two-column.png")), { format: "tiff" });
  const one = await scanprep.createPdf([{ bytes: p.bytes, words: JSON.stringify(words) }]);
  const two = await scanprep.createPdf([{ bytes: p.bytes, words: words.words }]);
  assert.deepEqual(one, two);
  const dated = await scanprep.createPdf([p.bytes], { createdUnixSeconds: 1796407305, textLayer: false });
  assert.ok(Buffer.from(dated).includes("<xmp:CreateDate>2026-12-04T18:01:45Z"));
  assert.ok(Buffer.from(dated).includes("<pdfaid:conformance>B"));
});

test("createPdf errors are typed and leave the module usable", async () => {
  const codes = async (pages, options) => {
    try {
      await scanprep.createPdf(pages, options);
      return "ok";
    } catch (e) {
      assert.equal(e.name, "ScanprepError");
      return e.code;
    }
  };
  assert.equal(await codes([]), "no_pages");
  assert.equal(await codes([new Uint8Array([1, 2, 3])]), "pdf_page_image");
  const p = await scanprep.preprocess(readFileSync(join(fixtures, "two-column.png")), { format: "png" });
  assert.equal(await codes([p], { pageSize: "a4" }), "invalid_option");
  assert.equal(await codes([p], { defaultDpi: 0 }), "invalid_option");
  assert.equal(await codes([{ bytes: p.bytes, words: "not words" }]), "invalid_ocr_words");
  assert.equal(await codes([p, p], { maxPages: 1 }), "too_many_pages");
  assert.equal(await codes([p]), "ok");
});
