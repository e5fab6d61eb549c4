#!/usr/bin/env bash
# The instruction-count gate (CI): builds the release binaries, then runs every benchmark under
# valgrind's callgrind and compares instructions and peak heap with benches/budgets.json.
# Exit 0 within budget, 1 over budget (each failure named with its figures), 2 could not run.
# Extra arguments go to callgrind_gate: --bless rewrites the budgets, --only TEXT, --jobs N.
# Installs nothing: valgrind must be there (apt-get install -y valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  echo "gate.sh: valgrind is not installed, so the instruction-count gate cannot run." >&2
  echo "gate.sh: install it first (Debian/Ubuntu: apt-get install -y valgrind)." >&2
  exit 2
fi
cargo build --release --quiet -p scanprep-benches --bin callgrind_gate --bin gate_target
exec target/release/callgrind_gate "$@"
