// Writes the Worker entry shim next to wasm-bindgen's `--target module` output, exactly as
// worker-build 0.8.7 does (src/main.rs: generate_handlers, export_decls, add_export_wrappers;
// template src/js/shim.js, Apache-2.0, copied verbatim into tools/shim-template.js).
//
//   node tools/make-shim.mjs <out-dir>     (reads <out-dir>/index.js, writes <out-dir>/shim.js)
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: make-shim.mjs <out-dir>");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const content = readFileSync(join(outDir, "index.js"), "utf8");
const SYSTEM_FNS = ["__wbg_reset_state", "__worker_init_state"];

// Each `export` declaration, starting at the keyword, one per line or minified.
function* exportDecls(text) {
  let i = text.indexOf("export ");
  while (i !== -1) {
    const prev = i === 0 ? "" : text[i - 1];
    if (i === 0 || /\s/.test(prev) || prev === ";" || prev === "}") yield text.slice(i);
    i = text.indexOf("export ", i + 1);
  }
}

const funcNames = [];
for (const line of exportDecls(content)) {
  let rest = null;
  if (line.startsWith("export function")) rest = line.slice("export function".length);
  else if (line.startsWith("export async function")) rest = line.slice("export async function".length);
  if (rest !== null) {
    const p = rest.indexOf("(");
    if (p !== -1) {
      const name = rest.slice(0, p).trim();
      if (!SYSTEM_FNS.includes(name)) funcNames.push(name);
    }
  } else if (line.startsWith("export {")) {
    const r = line.slice("export {".length);
    const asPos = r.indexOf(" as ");
    if (asPos !== -1) {
      const r2 = r.slice(asPos + 4);
      const b = r2.indexOf("}");
      if (b !== -1) {
        const name = r2.slice(0, b).trim();
        if (!SYSTEM_FNS.includes(name)) funcNames.push(name);
      }
    }
  }
}

let handlers = "";
for (const f of funcNames) {
  if (f === "fetch" && process.env.RUN_TO_COMPLETION !== undefined) {
    handlers += `Entrypoint.prototype.fetch = async function fetch(request) {
  let response = exports.fetch(request, this.env, this.ctx);
  this.ctx.waitUntil(response);
  return response;
}
`;
  } else if (["fetch", "queue", "scheduled", "email", "connect"].includes(f)) {
    handlers += `Entrypoint.prototype.${f} = function ${f} (arg) {
  return exports.${f}.call(this, arg, this.env, this.ctx);
}
`;
  } else {
    handlers += `Entrypoint.prototype.${f} = exports.${f};\n`;
  }
}

let shim = readFileSync(join(here, "shim-template.js"), "utf8").replace("$HANDLERS", () => handlers);

// Exported classes (Durable Objects, RPC) get the reinitialising proxy.
for (const line of exportDecls(content)) {
  if (line.startsWith("export class ")) {
    const rest = line.slice("export class ".length);
    const b = rest.indexOf("{");
    if (b !== -1) {
      const cls = rest.slice(0, b).trim();
      shim += `export const ${cls} = new Proxy(exports.${cls}, classProxyHooks);\n`;
    }
  }
}
writeFileSync(join(outDir, "shim.js"), shim);
console.log(`shim: handlers ${funcNames.join(", ") || "(none)"}`);
