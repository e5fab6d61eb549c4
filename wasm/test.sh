#!/usr/bin/env bash
# Every test of the npm package @scanfactory/scanprep: builds it (build.sh), runs the Rust
# bindings' wasm-bindgen tests under Node and in headless Chromium, type-checks the .d.ts with
# tsc, runs the Node, workerd (Miniflare) and browser (playwright-core + /usr/bin/chromium)
# tests, then the budgets.
set -euo pipefail
cd "$(dirname "$0")"
# npm packages from the lock file, again whenever the lock file is newer than the install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
./build.sh
echo "== wasm-bindgen tests (Node and headless Chromium)"
(cd .. && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p scanprep-wasm)
echo "== tsc: the package's types"
node_modules/.bin/tsc -p tests
echo "== Node, workerd (Miniflare) and browser tests"
CLOUDFLARE_CF_FETCH_ENABLED=false node --test tests/
echo "== budgets"
node budgets.mjs
