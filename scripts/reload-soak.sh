#!/usr/bin/env bash
# Load-and-reload soak (issue 7): NOT part of CI or `make test`. Needs `SOAK=1` (or --yes) so it never runs by accident.
#
# Phase 1: the release server on 127.0.0.1 (temp audit DB, admin key from the environment) takes wrk load for
#   SOAK_SECONDS (default 600, at most 3600) while the dataset is reloaded every RELOAD_EVERY seconds (default 3),
#   alternating between two manifests so the version really changes. Passes when wrk saw 0 non-2xx answers and
#   0 socket errors, every reload answered 200 "swapped", and RSS stays flat (last sample within RSS_SLACK_PCT,
#   default 25 %, of the sample taken after warm-up).
# Phase 2: SIGTERM under load: a client keeps every id it is answered with; after the server exits, every one must be
#   in the audit database (0 lost).
#
# Everything binds to loopback, runs under `timeout`, and lives in a temp folder removed at the end (KEEP=1 keeps it).
# Results: a summary on stdout and in $OUT (default target/soak/summary.txt), RSS samples in target/soak/rss.csv.
set -euo pipefail

if [[ "${SOAK:-}" != 1 && "${1:-}" != --yes ]]; then
  echo "reload-soak: runs ~SOAK_SECONDS (default 600 s) of load; start it with SOAK=1 $0 (or make soak)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
SOAK_SECONDS=${SOAK_SECONDS:-600}
(( SOAK_SECONDS >= 10 && SOAK_SECONDS <= 3600 )) || { echo "SOAK_SECONDS must be 10..3600" >&2; exit 2; }
RELOAD_EVERY=${RELOAD_EVERY:-3}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
RSS_SLACK_PCT=${RSS_SLACK_PCT:-25}
PORT=${PORT:-18787}
OUTDIR=target/soak
OUT=${OUT:-$OUTDIR/summary.txt}
mkdir -p "$OUTDIR"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

# ECOGATE_BIN: a binary built elsewhere (e.g. a debug build to try the script quickly); else the release build.
if [[ -n "${ECOGATE_BIN:-}" ]]; then BIN=$(realpath "$ECOGATE_BIN"); else cargo build --release --locked --quiet; BIN=$PWD/target/release/ecogate; fi
WORK=$(mktemp -d /tmp/ecogate-soak.XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
  [[ -n "${RELOADER_PID:-}" ]] && kill "$RELOADER_PID" 2>/dev/null || true
  [[ -n "${SAMPLER_PID:-}" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  [[ "${KEEP:-}" == 1 ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

# Two manifests over one copy of the sources; the live one is replaced atomically before each reload.
cp -r data/wugang "$WORK/live"
cp "$WORK/live/dataset.toml" "$WORK/manifest-a.toml"
{ cat "$WORK/live/dataset.toml"; echo "# soak variant b"; } > "$WORK/manifest-b.toml"
export ECOGATE_ADMIN_KEY="soak-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ECOGATE_LOG=${ECOGATE_LOG:-warn}

start_server() { # $1 = audit db, $2 = log
  "$BIN" serve --addr "127.0.0.1:$PORT" --dataset "$WORK/live/dataset.toml" --audit-db "$1" --keep-versions 3 \
    >/dev/null 2>"$2" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; cat "$2"; exit 1; }
    sleep 0.1
  done
  echo "server not ready" >&2; exit 1
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "== phase 1: wrk ${SOAK_SECONDS}s, ${CONNECTIONS} connections, reload every ${RELOAD_EVERY}s"
start_server "$WORK/audit-1.sqlite" "$WORK/server-1.log"
rss_start=$(rss_kb "$SERVER_PID")
( echo "seconds,rss_kb"; t=0; while kill -0 "$SERVER_PID" 2>/dev/null; do echo "$t,$(rss_kb "$SERVER_PID")"; sleep 5; t=$((t + 5)); done ) > "$OUTDIR/rss.csv" &
SAMPLER_PID=$!
( n=0; while true; do
    sleep "$RELOAD_EVERY"
    n=$((n + 1)); variant=$([[ $((n % 2)) == 1 ]] && echo b || echo a)
    cp "$WORK/manifest-$variant.toml" "$WORK/live/dataset.toml.new" && mv "$WORK/live/dataset.toml.new" "$WORK/live/dataset.toml"
    code=$(curl -s -o "$WORK/reload.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ECOGATE_ADMIN_KEY" "http://127.0.0.1:$PORT/admin/reload" || echo 000)
    result=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("result","?"))' "$WORK/reload.json" 2>/dev/null || echo "?")
    echo "$code $result"
  done ) > "$WORK/reloads.txt" &
RELOADER_PID=$!
timeout $((SOAK_SECONDS + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SOAK_SECONDS}s" --timeout 30s --latency \
  -s scripts/soak/random-points.lua "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
kill "$RELOADER_PID" 2>/dev/null || true; wait "$RELOADER_PID" 2>/dev/null || true; RELOADER_PID=
rss_end=$(rss_kb "$SERVER_PID")
kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=

requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
non2xx=$(awk -F': ' '/Non-2xx/ {print $2}' "$WORK/wrk.txt"); non2xx=${non2xx:-0}
sockerr=$(grep -o 'Socket errors:.*' "$WORK/wrk.txt" || true)
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
reloads=$(wc -l < "$WORK/reloads.txt")
swapped=$(grep -c '^200 swapped$' "$WORK/reloads.txt" || true)
rows=$(sqlite3 "$WORK/audit-1.sqlite" 'SELECT count(*) FROM assessments')
# Warm-up reference: the sample at 10 % of the run (caches, allocator arenas and the kept versions are filled by then).
ref_at=$(( (SOAK_SECONDS / 10 / 5) * 5 )); (( ref_at >= 5 )) || ref_at=5
rss_ref=$(awk -F, -v t="$ref_at" '$1 == t {print $2}' "$OUTDIR/rss.csv"); rss_ref=${rss_ref:-$rss_start}
rss_max=$(awk -F, 'NR > 1 && $2 > m {m = $2} END {print m}' "$OUTDIR/rss.csv")
growth_pct=$(( (rss_end - rss_ref) * 100 / (rss_ref > 0 ? rss_ref : 1) ))

echo "== phase 2: SIGTERM under load"
start_server "$WORK/audit-2.sqlite" "$WORK/server-2.log"
term_json=$(timeout 120 python3 scripts/soak/term_under_load.py "http://127.0.0.1:$PORT" "$SERVER_PID" "$WORK/audit-2.sqlite" 10 8) && term_ok=1 || term_ok=0
wait "$SERVER_PID" 2>/dev/null; term_exit=$?; SERVER_PID=

pass=1
[[ -n "$requests" && "$non2xx" == 0 && -z "$sockerr" ]] || pass=0
[[ "$swapped" == "$reloads" && "$reloads" -gt 0 ]] || pass=0
(( growth_pct <= RSS_SLACK_PCT )) || pass=0
[[ "$term_ok" == 1 ]] || pass=0
{
  echo "reload-soak $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(git rev-parse --short HEAD)"
  echo "phase 1: ${SOAK_SECONDS}s wrk -t$THREADS -c$CONNECTIONS random points, reload every ${RELOAD_EVERY}s"
  echo "  requests: $requests (${rps} req/s, p99 $p99); non-2xx: $non2xx; socket errors: ${sockerr:-none}"
  echo "  reloads: $reloads, swapped: $swapped; audit rows: $rows"
  echo "  RSS kB: start $rss_start, at ${ref_at}s $rss_ref, max $rss_max, end $rss_end (growth after warm-up ${growth_pct}%)"
  echo "phase 2: $term_json (server exit status $term_exit)"
  echo "result: $([[ $pass == 1 ]] && echo PASS || echo FAIL)"
} | tee "$OUT"
[[ $pass == 1 ]]
