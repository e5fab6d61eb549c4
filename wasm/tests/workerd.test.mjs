// The package's `workerd` entry in workerd itself (Miniflare): the .wasm is imported as a
// compiled module, and a Worker gets the native CLI's bytes and typed errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Miniflare } from "miniflare";

import { fixtures, fnv1a64, nativeOutput } from "./helpers.mjs";

let mf;
before(async () => {
  mf = new Miniflare({
    modules: true,
    scriptPath: new URL("./workerd/worker.mjs", import.meta.url).pathname,
    modulesRoot: new URL("..", import.meta.url).pathname,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
  });
});
after(async () => mf?.dispose());

test("a Worker importing the package gives the native bytes and typed errors", async () => {
  const file = join(fixtures, "page-skew-plus3.png");
  const res = await mf.dispatchFetch(`http://x/?options=${encodeURIComponent('{"format":"png"}')}`, {
    method: "POST",
    body: readFileSync(file),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("content-type"), "image/png");
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(fnv1a64(bytes), fnv1a64(nativeOutput(file, "png")));
  const report = JSON.parse(res.headers.get("x-report"));
  assert.ok(Math.abs(report.skewDegrees - 3) < 0.3);

  const bad = await mf.dispatchFetch("http://x/", { method: "POST", body: new Uint8Array([1, 2, 3]) });
  assert.equal(bad.status, 422);
  assert.deepEqual(await bad.json(), {
    name: "ScanprepError",
    code: "unsupported_format",
    message: "unsupported or unrecognised image format (JPEG, PNG, TIFF and WebP are supported)",
  });
});

test("createPdf works in workerd: a two-page PDF of the processed page", async () => {
  const file = join(fixtures, "page-skew-plus3.png");
  const res = await mf.dispatchFetch(`http://x/pdf?options=${encodeURIComponent('{"format":"jbig2"}')}`, {
    method: "POST",
    body: readFileSync(file),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const pdf = Buffer.from(await res.arrayBuffer());
  assert.equal(pdf.subarray(0, 8).toString(), "%PDF-1.7");
  assert.equal(pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length, 2);
  assert.ok(pdf.includes("From workerd"));
});
