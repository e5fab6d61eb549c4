// Builds the test app the way a React/Vite app would: the package is resolved by its name from
// node_modules (a link to wasm/, as `npm install` of a local package makes), through `exports`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  base: "./",
  optimizeDeps: { exclude: ["@scanfactory/scanprep"] },
  worker: { format: "es" },
  build: { outDir: fileURLToPath(new URL("../../test-artifacts/vite-dist", import.meta.url)), emptyOutDir: true },
});
