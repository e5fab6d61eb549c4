// Cloudflare Workers (workerd) and other runtimes that import a .wasm file as a compiled
// `WebAssembly.Module` (wrangler's and esbuild's CompiledWasm rule).
import wasmModule from "../pkg/scanprep_bg.wasm";
import * as glue from "../pkg/scanprep.js";
import { createApi } from "./common.js";

glue.initSync({ module: wasmModule });
const api = createApi(glue);

export const { preprocess, preprocessSync, detect, detectSync, version, defaultOptions, memoryBytes } = api;
