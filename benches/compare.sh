#!/usr/bin/env bash
# Local speed comparison: runs the criterion benchmarks (cargo bench -p scanprep-benches) and
# prints a table of this run against a saved baseline, from target/criterion/**/estimates.json.
#
#   benches/compare.sh                  # run, compare with the previous run ("previous")
#   benches/compare.sh --save main      # ... and also save this run as the baseline "main"
#   benches/compare.sh --against main   # run, compare with the baseline "main"
#   benches/compare.sh --no-run --against main   # only print the table
#   benches/compare.sh -- a4/           # extra arguments go to criterion (here: a filter)
#
# A change counts as faster/slower only when the 95% confidence intervals of the medians do not
# overlap; otherwise it is shown as "~" (noise). Wall-clock figures: for the build gate use
# benches/gate.sh (instruction counts).
set -euo pipefail
cd "$(dirname "$0")/.."

against=previous save="" run=1 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --against) against="$2"; shift 2 ;;
    --save) save="$2"; shift 2 ;;
    --no-run) run=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

stamp=0
if [ "$run" = 1 ]; then
  # Criterion overwrites both "new" and its default baseline "base" with every run, so the
  # previous run is kept as "previous" here before running.
  if [ -d target/criterion ]; then
    find target/criterion -type d -name new | while read -r d; do
      rm -rf "$(dirname "$d")/previous"
      cp -r "$d" "$(dirname "$d")/previous"
    done
  fi
  stamp=$(date +%s)
  cargo bench -p scanprep-benches --bench stages --bench pipeline -- "${extra[@]}" >&2
fi
if [ -n "$save" ]; then
  find target/criterion -type d -name new -path '*/new' | while read -r d; do
    rm -rf "$(dirname "$d")/$save"
    cp -r "$d" "$(dirname "$d")/$save"
  done
  echo "compare.sh: this run saved as baseline '$save'" >&2
fi

python3 - "$against" "$stamp" <<'PY'
import json, os, sys
ref, stamp = sys.argv[1], float(sys.argv[2])
root = "target/criterion"
rows = []
for dirpath, dirnames, filenames in os.walk(root):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in filenames:
        continue
    bench_dir = os.path.dirname(dirpath)
    if os.path.getmtime(os.path.join(dirpath, "estimates.json")) < stamp:
        continue  # not run this time (filtered out)
    name = os.path.relpath(bench_dir, root)
    def med(kind):
        p = os.path.join(bench_dir, kind, "estimates.json")
        if not os.path.exists(p):
            return None
        m = json.load(open(p))["median"]
        ci = m["confidence_interval"]
        return m["point_estimate"], ci["lower_bound"], ci["upper_bound"]
    rows.append((name, med("new"), med(ref)))
if not rows:
    sys.exit("compare.sh: no criterion results (run without --no-run, or check the filter)")
def ms(x):
    return f"{x / 1e6:.2f} ms" if x >= 1e5 else f"{x / 1e3:.1f} µs"
print(f"| benchmark | {ref} (median) | now (median) | change | verdict |")
print("|---|---:|---:|---:|---|")
for name, now, old in sorted(rows):
    if old is None:
        print(f"| {name} | – | {ms(now[0])} | – | no baseline '{ref}' |")
        continue
    change = (now[0] / old[0] - 1) * 100
    if now[2] < old[1]:
        verdict = "faster"
    elif now[1] > old[2]:
        verdict = "**slower**"
    else:
        verdict = "~"
    print(f"| {name} | {ms(old[0])} | {ms(now[0])} | {change:+.1f}% | {verdict} |")
PY
