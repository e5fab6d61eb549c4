#!/usr/bin/env bash
# Measures the instructions → Worker CPU time conversion that the gate prints: the same measured
# calls built natively and for wasm32-wasip1 (with the npm package's target features: SIMD,
# bulk memory, ...) and run under Node (V8, the engine of workerd); ns per callgrind instruction
# per benchmark go into the "worker" section of benches/budgets.json. Run it on a quiet machine
# after `benches/gate.sh --bless`; needs Node and the wasm32-wasip1 target.
set -euo pipefail
cd "$(dirname "$0")/.."

features="+simd128,+bulk-memory,+nontrapping-fptoint,+sign-ext"
cargo build --release --quiet -p scanprep-benches --bin callgrind_gate --bin gate_target
CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=$features" \
  cargo build --release --quiet --target wasm32-wasip1 -p scanprep-benches --bin gate_target
exec target/release/callgrind_gate --calibrate "$PWD/target/wasm32-wasip1/release/gate_target.wasm" "$@"
