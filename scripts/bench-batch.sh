#!/usr/bin/env bash
# End-to-end batch benchmark (BENCHMARKS.md, "Batch screening"): N random points over the Wugang sample's extent
# (seeded, so every run screens the same sites), written as a CSV with industry and nature columns, then
# `ecogate batch` CSV → XLSX and CSV → CSV with the release binary, timed wall-clock including reading, assessing
# and writing. Usage: scripts/bench-batch.sh [N=100000] [JOBS=all cores]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
JOBS="${2:-}"
BIN=target/release/ecogate
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cargo build --release --locked --bin ecogate >&2
# The county's extent (control units), 113.27–113.69 °E, 33.08–33.43 °N: ~6 % of points fall outside the coverage
# and are undetermined, as real candidate lists have a few.
python3 - "$N" > "$WORK/sites.csv" <<'PY'
import random, sys
n = int(sys.argv[1])
r = random.Random(20261127)
print("name,lon,lat,industry,nature,discharges_pollutants")
for i in range(n):
    print(f"site-{i},{r.uniform(113.27, 113.69):.6f},{r.uniform(33.08, 33.43):.6f},{r.choice(['3011', '1411', '4812', '2611'])},new,{r.choice(['yes', 'no'])}")
PY
jobs_arg=()
[ -n "$JOBS" ] && jobs_arg=(--jobs "$JOBS")
for fmt in xlsx csv; do
  start=$(date +%s.%N)
  "$BIN" batch "$WORK/sites.csv" --out "$WORK/results.$fmt" "${jobs_arg[@]}" 2> "$WORK/stderr"
  end=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  rate=$(python3 -c "print(f'{$N / ($end - $start):,.0f}')")
  echo "CSV → ${fmt^^}: $N rows in ${secs} s wall-clock = ${rate} rows/s ($(nproc) cores${JOBS:+, --jobs $JOBS}); $(ls -l "$WORK/results.$fmt" | awk '{print $5}') bytes"
  sed 's/^/  /' "$WORK/stderr"
done
