// Builds the Vite test app (../vite-app: main.js and index.html) with webpack 5's Node API
// instead, as a webpack app would bundle the package: by its name, resolved from this folder's
// node_modules, through `exports`; the .wasm and the Web Worker entry are found by webpack from
// their `new URL(..., import.meta.url)` references. Writes test-artifacts/webpack-dist.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import webpack from "webpack";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here("../../test-artifacts/webpack-dist/");
mkdirSync(out, { recursive: true });
const compiler = webpack({
  mode: "production",
  context: here("."),
  entry: "../vite-app/main.js",
  // The app's own imports resolve here, whether or not the Vite app is installed.
  resolve: { modules: [here("node_modules"), "node_modules"] },
  // The page loads the bundle as a module script, which has no `document.currentScript` for
  // webpack's automatic public path: the assets sit next to the page.
  output: { path: out, filename: "main.js", publicPath: "./", clean: true },
  performance: { hints: false },
});
compiler.run((err, stats) => {
  compiler.close(() => {});
  if (err || stats.hasErrors()) {
    console.error(err || stats.toString({ colors: false, all: false, errors: true }));
    process.exit(1);
  }
  copyFileSync(here("../vite-app/index.html"), `${out}/index.html`);
});
