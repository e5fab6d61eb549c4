#!/usr/bin/env bash
# Every test of the project (the README's test command; .ci/run calls it): installs what is
# missing (scripts/setup.sh), then formatting, lints, unit and integration tests, the wasm32
# build, the golden tests again as WebAssembly (under Node's WASI) to prove the same bytes, the
# npm package (wasm/test.sh), the Worker (worker/test.sh), a short run of every fuzz target
# (scripts/fuzz.sh) and the callgrind budgets.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Each section prints how long the previous ones took, so CI logs show where the time goes.
section() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }

section "cargo fmt --check"
cargo fmt --all -- --check
section "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
section "cargo test (native)"
cargo test --workspace
section "fuzz: every cargo-fuzz target for ${SCANPREP_FUZZ_SECONDS:-60} s from the seeds and past crashes (scripts/fuzz.sh)"
scripts/fuzz.sh "${SCANPREP_FUZZ_SECONDS:-60}"
section "golden, bad-input and property tests as WebAssembly (wasm32-wasip1 under Node, with the npm package's target features)"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node $PWD/scripts/run-wasi.mjs"
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128,+bulk-memory,+nontrapping-fptoint,+sign-ext"
cargo test -p scanprep-tests --target wasm32-wasip1 --test golden --test bad_input --test properties
# The SIMD paths against their definitions.
cargo test -p scanprep --lib --target wasm32-wasip1 -- rgba chroma
section "the npm package (wasm/): build, wasm-bindgen tests in Node and Chromium, tsc, e2e, budgets"
wasm/test.sh
section "the Worker (worker/): build, end-to-end tests in workerd through Miniflare"
worker/test.sh
section "instruction-count and peak-heap budgets under callgrind (benches/gate.sh)"
benches/gate.sh
section "all tests passed"
