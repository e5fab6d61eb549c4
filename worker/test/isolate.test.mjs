// The isolate's own safety, in workerd through Miniflare: memory admission (503 with
// Retry-After instead of running out of the isolate's 128 MB) and recovery from a WebAssembly
// trap (a trapped instance is replaced, never served again). Its own Miniflare instance, with a
// small memory budget and the self-test trap route enabled.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Miniflare } from "miniflare";
import { makeToken, grayPng } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const SECRET = "test-jwt-secret-isolate";
const token = makeToken({ sub: "user-carol" }, SECRET);
// 3 MB: a small page's pipeline fits (about 1.1 MB), a 1000 x 1000 page's does not (3.2 MB).
const BUDGET = 3_000_000;

let mf;
before(async () => {
  mf = new Miniflare({
    modules: true,
    scriptPath: join(root, "build/index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    bindings: {
      ENVIRONMENT: "test",
      LOG_LEVEL: "error",
      JWT_SECRET: SECRET,
      MEMORY_BUDGET_BYTES: String(BUDGET),
      SELF_TEST_TRAP: "1",
    },
  });
  await mf.ready;
});
after(async () => mf?.dispose());

const post = (path, body, headers = {}) =>
  mf.dispatchFetch(`http://worker.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
const sha = async (res) => createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex");

test("a request whose pipeline would not fit the memory budget is 503 with Retry-After", async () => {
  const small = grayPng(200, 200);
  const big = grayPng(1000, 1000);
  let res = await post("/v1/preprocess", big);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "2");
  const e = (await res.json()).error;
  assert.equal(e.code, "busy");
  assert.match(e.message, /budget of 2 MB/);
  // The refused request's reservation is released: the next small one is served, again and
  // again (no reservation leaks, also across errors).
  for (let i = 0; i < 5; i++) {
    res = await post("/v1/preprocess", small);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    res = await post("/v1/preprocess", Buffer.from("not an image"));
    assert.equal(res.status, 415);
    await res.arrayBuffer();
  }
});

test("many small requests at once are all served or told to come back, never an OOM", async () => {
  const small = grayPng(200, 200);
  const answers = await Promise.all(
    Array.from({ length: 24 }, () => post("/v1/preprocess", small).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    })),
  );
  assert.ok(answers.every((s) => s === 200 || s === 503), answers.join(","));
  assert.ok(answers.includes(200));
});

test("a WebAssembly trap fails that request alone; the instance is replaced and serves the same bytes", async () => {
  const small = grayPng(120, 90, 60);
  let res = await post("/v1/preprocess", small);
  assert.equal(res.status, 200);
  const before = await sha(res);
  res = await post("/v1/__self-test/trap", "");
  assert.ok(res.status >= 500, `trap answered ${res.status}`);
  await res.arrayBuffer();
  // The next requests run on a fresh instance: same output, and again after a second trap.
  for (let round = 0; round < 2; round++) {
    res = await post("/v1/preprocess", small);
    assert.equal(res.status, 200, `round ${round}`);
    assert.equal(await sha(res), before, `round ${round}`);
    res = await post("/v1/__self-test/trap", "");
    assert.ok(res.status >= 500);
    await res.arrayBuffer();
  }
});
