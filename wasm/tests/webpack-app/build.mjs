// Builds the test app with webpack 5's Node API, as a webpack app would bundle the package: by
// its name from node_modules, through `exports`; the .wasm and the Web Worker entry are found by
// webpack from their `new URL(..., import.meta.url)` references. Writes test-artifacts/webpack-dist.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import webpack from "webpack";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here("../../test-artifacts/webpack-dist/");
mkdirSync(out, { recursive: true });
const compiler = webpack({
  mode: "production",
  context: here("."),
  entry: "./main.js",
  output: { path: out, filename: "main.js", publicPath: "auto", clean: true },
  performance: { hints: false },
});
compiler.run((err, stats) => {
  compiler.close(() => {});
  if (err || stats.hasErrors()) {
    console.error(err || stats.toString({ colors: false, all: false, errors: true }));
    process.exit(1);
  }
  copyFileSync(here("index.html"), `${out}/index.html`);
});
