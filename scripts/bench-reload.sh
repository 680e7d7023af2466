#!/usr/bin/env bash
# Hot reloads at scale (issue 6): what a reload costs a running server. NOT part of CI or `make test`.
#
# Starts the release server on loopback on a generated dataset (default the henan preset, made by
# `make bench-scale` / `ecogate synth` under target/synth/), `--no-audit --keep-versions 3`, then
#   1. peak and current RSS and huge pages after ready, and after each of RELOADS reloads (default 6), each reload
#      a changed manifest so the version really changes (the server keeps three versions, so memory should level
#      off after the third);
#   2. wrk with random points for 30 s, once with no reload and once with reloads at 10 s and 20 s: the p99 and
#      the worst latency show what a reload (its load and, after it, the huge-page collapse on a thread of its own)
#      costs the requests served meanwhile.
# Results: stdout and target/bench-reload/PRESET/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-henan}
RELOADS=${RELOADS:-6}
PORT=${PORT:-18797}
DATA=target/synth/$PRESET
OUT=target/bench-reload/$PRESET
# The scale bench's request script (random points over the dataset's extent), so both measure the same requests.
LUA=target/bench-scale/$PRESET/random.lua
[[ -f "$DATA/dataset.toml" && -f "$LUA" ]] || { echo "no $DATA/dataset.toml or $LUA: run make bench-scale (PRESET=$PRESET) first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release --locked --quiet
BIN=$PWD/target/release/ecogate
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/ecogate-reload.XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The live manifest beside a link to the generated sources; each reload rewrites it with one more comment line.
mkdir -p "$WORK/live"
for f in "$DATA"/*; do [[ "$(basename "$f")" == dataset.toml ]] || ln -s "$(realpath "$f")" "$WORK/live/"; done
cp "$DATA/dataset.toml" "$WORK/live/dataset.toml"
export ECOGATE_ADMIN_KEY="reload-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ECOGATE_LOG=${ECOGATE_LOG:-warn}
"$BIN" serve --addr "127.0.0.1:$PORT" --dataset "$WORK/live/dataset.toml" --no-audit --keep-versions 3 >/dev/null 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 1200); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done

mem() { # current RSS, peak RSS, huge pages (MiB)
  local rss hwm huge
  rss=$(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$SERVER_PID/status")
  hwm=$(awk '/^VmHWM/ {print int($2/1024)}' "/proc/$SERVER_PID/status")
  huge=$(awk '/^AnonHugePages/ {print int($2/1024)}' "/proc/$SERVER_PID/smaps_rollup")
  echo "rss ${rss} MiB, peak ${hwm} MiB, huge pages ${huge} MiB"
}
n=0
reload() {
  n=$((n + 1))
  echo "# reload $n" >> "$WORK/live/dataset.toml"
  curl -s -o "$WORK/reload.json" -w '%{http_code} %{time_total}s' -X POST \
    -H "Authorization: Bearer $ECOGATE_ADMIN_KEY" "http://127.0.0.1:$PORT/admin/reload"
}

{
  echo "bench-reload $(date -u +%Y-%m-%dT%H:%M:%SZ), $PRESET, $(nproc) cores, $(git rev-parse --short HEAD), --keep-versions 3"
  sleep 5 # the first huge-page collapse runs after ready
  echo "after ready: $(mem)"
  for i in $(seq 1 "$RELOADS"); do
    r=$(reload)
    sleep 5
    echo "after reload $i ($r): $(mem)"
  done

  wrk -t2 -c16 -d5s -s "$LUA" "http://127.0.0.1:$PORT" >/dev/null
  echo "wrk 30 s, no reload:"
  wrk -t2 -c16 -d30s --latency -s "$LUA" "http://127.0.0.1:$PORT" | grep -E "Requests/sec|99%|Latency  " | sed 's/^/  /'
  echo "wrk 30 s, reloads at 10 s and 20 s:"
  ( sleep 10; reload >/dev/null; sleep 10; reload >/dev/null ) &
  wrk -t2 -c16 -d30s --latency -s "$LUA" "http://127.0.0.1:$PORT" | grep -E "Requests/sec|99%|Latency  " | sed 's/^/  /'
  wait
  echo "at the end: $(mem)"
} | tee "$OUT/summary.txt"
