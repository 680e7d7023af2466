#!/usr/bin/env python3
"""Differential check and summary table of scripts/bench-scale.sh (standard library only).

  compare.py points DIR    print the ids of points whose zone sets differ between ecogate and PostGIS
  compare.py summary DIR   print the markdown rows: in-process, HTTP vs the trivial route, PostGIS per request and
                           batch (plain and ST_Subdivide'd) with same-run ratios, and the differential results
"""
import csv
import glob
import json
import os
import re
import statistics
import sys


def zone_sets(path):
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if row and row[0] != "id":
                out[int(row[0])] = " ".join(sorted(row[1].split())) if len(row) > 1 else ""
    return out


def points(d):
    ours = zone_sets(os.path.join(d, "ecogate_points.csv"))
    theirs = zone_sets(os.path.join(d, "pg_points_zones.csv"))
    bad = [i for i, codes in ours.items() if theirs.get(i, "") != codes]
    for i in bad:
        print(i)
    json.dump({"points": len(ours), "mismatch": len(bad)}, open(os.path.join(d, "diff_points.json"), "w"))


def pgbench(d, prefix):
    lat = []
    for p in glob.glob(os.path.join(d, prefix + ".[0-9]*")):
        with open(p) as f:
            lat += [float(line.split()[2]) for line in f if line.strip()]
    txt = open(os.path.join(d, prefix.replace("pgb_", "pgbench_") + ".txt")).read()
    tps = float(re.search(r"tps = ([\d.]+)", txt).group(1))
    lat.sort()
    return tps, lat[len(lat) // 2] if lat else float("nan"), lat[int(0.99 * (len(lat) - 1))] if lat else float("nan")


def wrk(path):
    txt = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", txt).group(1))

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, txt)
        v, u = float(m.group(1)), m.group(2)
        return v * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]

    return rps, pct(50), pct(99)


def summary(d):
    rows = []
    inproc = open(os.path.join(d, "inprocess.md")).read() if os.path.exists(os.path.join(d, "inprocess.md")) else ""
    print(inproc.strip())
    m = re.search(r"throughput, one core \| [^|]* \| ([\d.]+)/s", inproc)
    ours_rate = float(m.group(1)) if m else float("nan")
    # The batch side: all cores, as `ecogate batch` runs (the one-core rate where an older run lacks the row).
    m = re.search(r"throughput, batch on all (\d+) cores[^|]*\| [^|]* \| ([\d.]+)/s", inproc)
    batch_rate, batch_label = (float(m.group(2)), f"batch on {m.group(1)} cores") if m else (ours_rate, "one core")
    m = re.search(r"3\. footprint[^|]*\| [^|]* \| ([\d.]+) (µs|ms)", inproc)
    ours_fp_ms = (float(m.group(1)) * (1e-3 if m.group(2) == "µs" else 1.0)) if m else float("nan")
    # The same work as PostGIS's footprint query: zones hit and their overlap areas (absent from older runs).
    m = re.search(r"3b\. footprint overlap areas[^|]*\| [^|]* \| ([\d.]+) (µs|ms)", inproc)
    ours_ov_ms = (float(m.group(1)) * (1e-3 if m.group(2) == "µs" else 1.0)) if m else None
    ds = os.path.basename(os.path.normpath(d))

    if os.path.exists(os.path.join(d, "wrk_assess.txt")):
        brps, b50, b99 = wrk(os.path.join(d, "wrk_baseline.txt"))
        arps, a50, a99 = wrk(os.path.join(d, "wrk_assess.txt"))
        # Runs since 2026-11-27 16:00 time the baseline with the same random-query script as the route (what
        # wrk_baseline.txt holds) and also with one static request (wrk_baseline_static.txt, the earlier baseline).
        static = os.path.join(d, "wrk_baseline_static.txt")
        script = ", same random-query script" if os.path.exists(static) else ""
        if os.path.exists(static):
            srps, _, _ = wrk(static)
            script += f" (one static request: {srps:,.0f} req/s, the route's rate is {100 * arps / srps:.0f}% of it)"
        rows.append(f"| 4. HTTP GET /v1/assessments, random points, wrk -t2 -c16 keep-alive | {ds} | {a50:.2f} ms | {a99:.2f} ms | "
                    f"GET /healthz same binary{script}: {brps:,.0f} req/s, {b50:.2f} / {b99:.2f} ms | **{arps:,.0f} req/s = {100 * arps / brps:.0f}%** of the trivial route |")
        if os.path.exists(os.path.join(d, "wrk_assess_noaudit.txt")):
            nrps, n50, n99 = wrk(os.path.join(d, "wrk_assess_noaudit.txt"))
            static_share = f" (of the static request's: {100 * nrps / srps:.0f}%)" if os.path.exists(static) else ""
            rows.append(f"| 4b. the same, server started with --no-audit (no SQLite record per answer) | {ds} | {n50:.2f} ms | {n99:.2f} ms | "
                        f"GET /healthz same binary: {brps:,.0f} req/s | **{nrps:,.0f} req/s = {100 * nrps / brps:.0f}%** of the trivial route{static_share} |")

    for t, label in (("zones", "GiST"), ("zones_sub", "GiST, ST_Subdivide 256")):
        p = os.path.join(d, f"pgbench_point_{t}.txt")
        if not os.path.exists(p):
            continue
        tps, p50, p99 = pgbench(d, f"pgb_point_{t}")
        rows.append(f"| 6a. PostGIS point ST_Intersects, prepared, one connection ({label}) | {ds} | {p50 / 1000:.3f} ms | {p99 / 1000:.3f} ms | "
                    f"{tps:,.0f}/s vs ecogate full assessment {ours_rate:,.0f}/s one core | **ecogate {ours_rate / tps:.0f}×** |")
        us = int(open(os.path.join(d, f"pg_batch_{t}.us")).read())
        n = json.load(open(os.path.join(d, "diff_points.json")))["points"] if os.path.exists(os.path.join(d, "diff_points.json")) else 0
        if n:
            rate = n / (us / 1e6)
            plan = os.path.join(d, f"pg_batch_plan_{t}.txt")
            workers = ""
            if os.path.exists(plan):
                m = re.search(r"Workers Launched: (\d+)", open(plan).read())
                w = int(m.group(1)) if m else 0
                workers = f"; PostgreSQL used {w} parallel worker{'' if w == 1 else 's'}"
            rows.append(f"| 6b. PostGIS batch join of {n:,} points ({label}) | {ds} | {us / 1e6:.2f} s total | | "
                        f"{rate:,.0f} points/s{workers} vs ecogate {batch_rate:,.0f}/s {batch_label} | **ecogate {batch_rate / rate:.1f}×** |")
        tps, p50, p99 = pgbench(d, f"pgb_fp_{t}")
        same = (f"; the same work (overlap areas alone) {ours_ov_ms:.2f} ms: **{p50 / 1000 / ours_ov_ms:.1f}×**"
                if ours_ov_ms else "")
        rows.append(f"| 6c. PostGIS footprint ST_Area(ST_Intersection(..)::geography) ({label}) | {ds} | {p50 / 1000:.2f} ms | {p99 / 1000:.2f} ms | "
                    f"ecogate footprint assessment median {ours_fp_ms:.2f} ms{same} | **ecogate {p50 / 1000 / ours_fp_ms:.1f}×** (full assessment) |")

    dp = os.path.join(d, "diff_points.json")
    if os.path.exists(dp):
        r = json.load(open(dp))
        boundary = 0
        if os.path.exists(os.path.join(d, "mismatch_dist.csv")):
            with open(os.path.join(d, "mismatch_dist.csv")) as f:
                boundary = sum(1 for row in csv.reader(f) if row and float(row[1]) < 1e-9)
        rows.append(f"| 6d. differential: zones per point, ecogate vs PostGIS | {ds} | {r['points'] - r['mismatch']:,} of {r['points']:,} agree | | "
                    f"{r['mismatch']} differ, of which {boundary} within 1e-9° of a boundary (excepted) | "
                    f"**{100 * (r['points'] - r['mismatch'] + boundary) / r['points']:.3f}%** |")
    ef, pf = os.path.join(d, "ecogate_footprints.csv"), os.path.join(d, "pg_footprints.csv")
    if os.path.exists(pf):
        ours = {(int(a), b): float(c) for a, b, c in csv.reader(open(ef))}
        theirs = {}
        for a, b, c in csv.reader(open(pf)):
            theirs[(int(a), b)] = theirs.get((int(a), b), 0.0) + float(c)
        keys = set(ours) | set(theirs)
        worst, missing = 0.0, 0
        for k in keys:
            a, b = ours.get(k), theirs.get(k)
            if a is None or b is None:
                missing += 1 if max(a or 0, b or 0) > 1e-6 else 0
                continue
            if max(a, b) > 1.0:
                worst = max(worst, abs(a - b) / max(a, b))
        rows.append(f"| 6e. differential: footprint overlap areas | {ds} | {len(keys)} zone overlaps | | "
                    f"{missing} present on one side only; worst relative difference {worst:.2e} | **{'within' if worst <= 1e-4 and not missing else 'NOT within'} 0.01%** |")
    print("\n".join(rows))
    mt = os.path.join(d, "machine.txt")
    if os.path.exists(mt):
        print("\nMachine:\n" + "".join("    " + l for l in open(mt)))


if __name__ == "__main__":
    {"points": points, "summary": summary}[sys.argv[1]](sys.argv[2])
