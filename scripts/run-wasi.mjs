// Runs a wasm32-wasip1 test binary under Node's WASI, with the repository mounted, so that the
// golden tests check that WebAssembly produces the same bytes as native code.
// Used as CARGO_TARGET_WASM32_WASIP1_RUNNER (see .ci/run).
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";
import { argv, env, exit } from "node:process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [wasmPath, ...args] = argv.slice(2);
const wasi = new WASI({
  version: "preview1",
  args: [wasmPath, ...args],
  env,
  preopens: { [root]: root, "/tmp": "/tmp" },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
