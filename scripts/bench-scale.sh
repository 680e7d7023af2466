#!/usr/bin/env bash
# Issue 6: ecogate at provincial / national scale, measured against PostGIS in the same run. Not part of CI (minutes,
# hundreds of MB of data): `make bench-scale` or
#
#   scripts/bench-scale.sh [--preset henan|national|ci] [--seed N] [--points N] [--no-http] [--no-postgis] [--no-inprocess]
#
# 1. builds the release binary and generates the synthetic dataset (ecogate synth) under target/synth/PRESET when absent;
# 2. in-process rows: `cargo bench --bench scale` (zone lookup, full point assessment, footprints, flatness, load + RSS);
# 3. HTTP: `wrk` on loopback against GET /v1/assessments with random points, and against the trivial /healthz route of
#    the same binary as the baseline, same run, same settings (keep-alive, all cores);
# 4. PostGIS: a throwaway cluster (scripts/lib/postgres.sh, installs postgresql + postgis when absent), the same GPKG
#    loaded with ogr2ogr (GiST) and an ST_Subdivide'd copy; the same points and footprints queried per request
#    (pgbench, one connection, prepared statements) and as one batch join; the zones per point and the footprint
#    areas compared with ecogate's (differential check).
# Results (markdown rows) go to target/bench-scale/PRESET/summary.md and stdout; copy them into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=henan SEED=1 POINTS=100000 HTTP=1 POSTGIS=1 INPROCESS=1 PGPORT=${PGPORT:-55432} HTTPPORT=${HTTPPORT:-18080}
while [ $# -gt 0 ]; do
    case "$1" in
        --preset) PRESET=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --points) POINTS=$2; shift 2 ;;
        --no-http) HTTP=0; shift ;;
        --no-postgis) POSTGIS=0; shift ;;
        --no-inprocess) INPROCESS=0; shift ;; # reuse the in-process results and CSVs of an earlier run
        *) sed -n '2,18p' "$0" >&2; exit 2 ;;
    esac
done
DATA=target/synth/$PRESET
OUT=target/bench-scale/$PRESET
mkdir -p "$OUT"
if [ "$HTTP" = 1 ] || [ ! -f "$DATA/dataset.toml" ]; then cargo build --release --locked --bin ecogate; fi
[ -f "$DATA/dataset.toml" ] || ./target/release/ecogate synth --preset "$PRESET" --seed "$SEED" --out "$DATA"

{ lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket)'; free -g | sed -n 2p; uname -r; } > "$OUT/machine.txt"

if [ "$INPROCESS" = 1 ]; then
echo "== in-process (cargo bench --bench scale)" >&2
ECOGATE_SCALE_DATASET=$DATA/dataset.toml ECOGATE_SCALE_POINTS=$POINTS ECOGATE_SCALE_OUT=$OUT \
    cargo bench --locked --bench scale 2>"$OUT/inprocess.err" | grep '^|' | tee "$OUT/inprocess.md"
fi

if [ "$HTTP" = 1 ]; then
    echo "== HTTP (wrk)" >&2
    command -v wrk >/dev/null || { apt-get install -y -qq wrk >&2 || sudo apt-get install -y -qq wrk >&2; }
    # The service as deployed records every answer in its SQLite audit trail (a fresh one here, never the user's);
    # a second run with --no-audit shows what the trail costs.
    rm -f "$OUT"/audit.sqlite*
    serve() {
        ECOGATE_LOG=warn ./target/release/ecogate serve --dataset "$DATA/dataset.toml" --addr "127.0.0.1:$HTTPPORT" "$@" >"$OUT/serve.log" 2>&1 &
        SERVER=$!
        for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$HTTPPORT/readyz" >/dev/null && break; sleep 0.5; done
    }
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    serve --audit-db "$OUT/audit.sqlite"
    read -r X0 Y0 X1 Y1 < <(awk -F, 'NR>1{if(NR==2||$2<a)a=$2; if(NR==2||$2>b)b=$2; if(NR==2||$3<c)c=$3; if(NR==2||$3>d)d=$3} END{print a, c, b, d}' "$OUT/points.csv")
    # The same request generator for the route measured and for the baseline (a Lua request() per request costs wrk
    # time on these two shared cores, and a static baseline request would not pay it); /healthz ignores the query.
    random_lua() {
        cat <<LUA
math.randomseed(20261127)
request = function()
  local x = $X0 + ($X1 - $X0) * math.random()
  local y = $Y0 + ($Y1 - $Y0) * math.random()
  return wrk.format("GET", string.format("$1?lon=%.6f&lat=%.6f&industry=3011&nature=new&discharges_pollutants=yes", x, y))
end
LUA
    }
    random_lua /v1/assessments > "$OUT/random.lua"
    random_lua /healthz > "$OUT/random_healthz.lua"
    wrk -t2 -c16 -d5s "http://127.0.0.1:$HTTPPORT/healthz" >/dev/null # warm-up
    wrk -t2 -c16 -d15s --latency "http://127.0.0.1:$HTTPPORT/healthz" > "$OUT/wrk_baseline_static.txt"
    wrk -t2 -c16 -d15s --latency -s "$OUT/random_healthz.lua" "http://127.0.0.1:$HTTPPORT" > "$OUT/wrk_baseline.txt"
    wrk -t2 -c16 -d15s --latency -s "$OUT/random.lua" "http://127.0.0.1:$HTTPPORT" > "$OUT/wrk_assess.txt"
    kill $SERVER; wait $SERVER 2>/dev/null || true
    serve --no-audit
    # Warm-up, as the first server had (its baselines ran first): after ready, `serve` collapses the dataset into
    # huge pages on a thread of its own for ≈ 1 s, and the steady state is what is measured.
    wrk -t2 -c16 -d5s -s "$OUT/random.lua" "http://127.0.0.1:$HTTPPORT" >/dev/null
    wrk -t2 -c16 -d15s --latency -s "$OUT/random.lua" "http://127.0.0.1:$HTTPPORT" > "$OUT/wrk_assess_noaudit.txt"
    kill $SERVER; wait $SERVER 2>/dev/null || true
    trap - EXIT
fi

if [ "$POSTGIS" = 1 ]; then
    echo "== PostGIS" >&2
    . scripts/lib/postgres.sh
    CONN=$(pg_start "$OUT/pg" "$PGPORT" ecogate)
    trap 'pg_stop "$OUT/pg"' EXIT
    # The load is not timed here; skip it when this very GPKG is already loaded.
    MARK="$OUT/pg/loaded-$(stat -c %Y-%s "$DATA/synth.gpkg")"
    if [ ! -f "$MARK" ]; then
        ogr2ogr -f PostgreSQL "PG:$CONN" "$DATA/synth.gpkg" -overwrite -lco GEOMETRY_NAME=geom -lco LAUNDER=NO -nlt MULTIPOLYGON --config PG_USE_COPY YES
        psql "$CONN" -q -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS zones, zones_sub;
CREATE TABLE zones AS
  SELECT "HJZHGKDYBM" AS code, geom FROM control_units
  UNION ALL SELECT "红线编码", geom FROM red_lines
  UNION ALL SELECT "水源编码", geom FROM water_sources
  UNION ALL SELECT "保护地编码", geom FROM reserves;
CREATE INDEX ON zones USING gist (geom);
CREATE TABLE zones_sub AS SELECT code, ST_Subdivide(geom, 256) AS geom FROM zones;
CREATE INDEX ON zones_sub USING gist (geom);
SQL
        touch "$MARK"
    fi
    psql "$CONN" -q -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS pts, fps;
CREATE TABLE pts (id int PRIMARY KEY, lon float8, lat float8, geom geometry(Point, 4490));
CREATE TABLE fps (id int PRIMARY KEY, geom geometry(Polygon, 4490));
SQL
    psql "$CONN" -q -v ON_ERROR_STOP=1 -c "\copy pts (id, lon, lat) FROM '$OUT/points.csv' CSV HEADER"
    psql "$CONN" -q -v ON_ERROR_STOP=1 -c "CREATE TEMP TABLE f (id int, wkt text)" -c "\copy f FROM '$OUT/footprints.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER)" \
        -c "INSERT INTO fps SELECT id, ST_GeomFromText(wkt, 4490) FROM f"
    psql "$CONN" -q -v ON_ERROR_STOP=1 -c "UPDATE pts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4490)" -c "VACUUM ANALYZE"
    N=$(psql "$CONN" -tAc "select count(*) from pts")
    NF=$(psql "$CONN" -tAc "select count(*) from fps")
    for t in zones zones_sub; do
        # pgbench names its per-run latency logs by process id: drop the last run's, or the medians would mix runs.
        rm -f "$OUT"/pgb_point_$t.[0-9]* "$OUT"/pgb_fp_$t.[0-9]*
        # Batch join: every point at once.
        s=$(date +%s%N)
        psql "$CONN" -q -c "\copy (SELECT p.id, string_agg(z.code, ' ' ORDER BY z.code) FROM pts p JOIN $t z ON ST_Intersects(z.geom, p.geom) GROUP BY p.id) TO '$OUT/pg_points_$t.csv' CSV"
        e=$(date +%s%N)
        echo "$(( (e - s) / 1000 ))" > "$OUT/pg_batch_$t.us"
        # Its plan as run (whether PostgreSQL used parallel workers: the summary says so beside the ratio).
        psql "$CONN" -q -c "EXPLAIN (ANALYZE, COSTS OFF) SELECT p.id, string_agg(z.code, ' ' ORDER BY z.code) FROM pts p JOIN $t z ON ST_Intersects(z.geom, p.geom) GROUP BY p.id" > "$OUT/pg_batch_plan_$t.txt"
        # One prepared statement per point on one connection.
        printf '\\set id random(0, %d)\nSELECT string_agg(z.code, %s ORDER BY z.code) FROM %s z JOIN pts p ON ST_Intersects(z.geom, p.geom) WHERE p.id = :id;\n' \
            "$((N - 1))" "' '" "$t" > "$OUT/pgb_point_$t.sql"
        (cd "$OUT" && pgbench -n -c 1 -j 1 -T 15 -M prepared -l --log-prefix="pgb_point_$t" -f "pgb_point_$t.sql" "$CONN" > "pgbench_point_$t.txt" 2>&1)
        printf '\\set id random(0, %d)\nSELECT z.code, sum(ST_Area(ST_Intersection(z.geom, f.geom)::geography)) FROM %s z JOIN fps f ON ST_Intersects(z.geom, f.geom) WHERE f.id = :id GROUP BY z.code;\n' \
            "$((NF - 1))" "$t" > "$OUT/pgb_fp_$t.sql"
        (cd "$OUT" && pgbench -n -c 1 -j 1 -T 15 -M prepared -l --log-prefix="pgb_fp_$t" -f "pgb_fp_$t.sql" "$CONN" > "pgbench_fp_$t.txt" 2>&1)
    done
    psql "$CONN" -q -c "\copy (SELECT f.id, z.code, ST_Area(ST_Intersection(z.geom, f.geom)::geography) FROM fps f JOIN zones z ON ST_Intersects(z.geom, f.geom) ORDER BY 1, 2) TO '$OUT/pg_footprints.csv' CSV"
    # Points where the two disagree, with their distance to the nearest zone boundary (boundary points are excepted).
    python3 scripts/bench/compare.py points "$OUT" > "$OUT/mismatch_ids.txt"
    if [ -s "$OUT/mismatch_ids.txt" ]; then
        psql "$CONN" -q -c "CREATE TEMP TABLE m (id int)" -c "\copy m FROM '$OUT/mismatch_ids.txt'" \
            -c "\copy (SELECT m.id, min(ST_Distance(ST_Boundary(z.geom), p.geom)) FROM m JOIN pts p USING (id) JOIN zones z ON ST_DWithin(z.geom, p.geom, 1e-6) GROUP BY m.id) TO '$OUT/mismatch_dist.csv' CSV"
    else
        : > "$OUT/mismatch_dist.csv"
    fi
    pg_stop "$OUT/pg"
    trap - EXIT
fi

python3 scripts/bench/compare.py summary "$OUT" | tee "$OUT/summary.md"
