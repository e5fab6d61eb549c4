#!/usr/bin/env bash
# The Worker's test command: installs the pinned npm packages if missing, builds the Worker
# (./build.sh, a no-op when nothing changed), then runs the end-to-end tests in workerd through
# Miniflare (node:test): test/worker.test.mjs (~25 s) and test/chaos.test.mjs (OCR outages with
# 30 scans in flight, ~90 s; CHAOS_SHORT=1 keeps only the short outage). Offline once the cargo
# and npm caches are filled.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen 0.2.130 on PATH, Node 20+.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/esbuild ] || [ ! -d node_modules/miniflare ]; then
  npm ci --no-audit --no-fund --prefer-offline
fi
./build.sh
# The Worker is its own workspace, so the root fmt and clippy runs do not see it: check it here,
# for the only target it has, with the build's settings and warnings as errors.
cargo fmt --check
CARGO_TARGET_DIR="$PWD/target" WASM_BINDGEN_USE_JS_SYS=1 \
  cargo clippy --locked --target wasm32-unknown-unknown -- -D warnings
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true
exec node --test --test-reporter=spec test/*.test.mjs
