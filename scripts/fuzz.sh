#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), from the committed seeds and past
# crash inputs (fuzz/seeds/) plus the corpus kept in fuzz/corpus/<target>/ (grown by every run).
# A panic, a leak of the limits or a timeout fails the run: libFuzzer exits non-zero and leaves
# the input in fuzz/artifacts/<target>/. Add such an input to fuzz/seeds/ as regress-*.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 60 s for each of decode, process, page and pdf
#
# Installs cargo-fuzz (pinned, from crates.io) when missing. libFuzzer's sanitizer build needs
# nightly flags; RUSTC_BOOTSTRAP=1 allows them on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode process page pdf)

cf=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$cf" ]; then
  cargo install cargo-fuzz --version "$cf" --locked
fi

export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${seconds}s ($(ls "corpus/$t" | wc -l) corpus inputs, $(ls seeds | wc -l) seeds)"
  log="target/fuzz-$t.log"
  mkdir -p target
  # One worker; inputs up to 256 KiB; 2 GiB RSS and 30 s per input at most.
  set +e
  cargo fuzz run "$t" "corpus/$t" seeds -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  # libFuzzer's summary lines only (the whole log is in fuzz/target/).
  grep -aE "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|^Done [0-9]+ runs" "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log" | cut -c1-300
    echo "fuzz: $t FAILED (exit $rc; the input is in fuzz/artifacts/$t/)"
    exit 1
  fi
done
echo "fuzz: all targets ran ${seconds}s without a crash"
