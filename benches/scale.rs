//! Engine benchmarks at provincial / national scale (issue 6), on a dataset made by `ecogate synth`.
//!
//! `ECOGATE_SCALE_DATASET=target/synth/henan/dataset.toml cargo bench --bench scale` (or `make bench-scale`, which
//! generates the data first and adds the HTTP and PostGIS rows). Each row prints the median and p99 of single
//! operations, timed one by one, and the ratio to a baseline measured in the same run:
//! - zone lookup: the segment index vs the previous exact test (`geo` `Intersects` on each candidate part);
//! - full point assessment: throughput on one core, and as a batch on all cores (as `ecogate batch`);
//! - footprint (1,000-vertex, ~2 km², centred on a control-unit boundary): the assessment, and its overlap areas alone
//!   (what PostGIS's footprint query computes), vs whole-part BooleanOps;
//! - flatness: lookups in one 1M-vertex polygon vs one 1k-vertex polygon;
//! - load: time to ready and peak RSS against the raw coordinate bytes (16 per vertex).
//!
//! `ECOGATE_SCALE_ROWS=lookup,flat,assess,footprint,load` runs only the rows named (default: all), e.g. to profile
//! the lookup under callgrind without the slow rows.
//!
//! With `ECOGATE_SCALE_OUT=DIR` it also writes the points, footprints and ecogate's answers as CSV for the PostGIS
//! differential check of `scripts/bench-scale.sh`.

use ecogate::assess::Engine;
use ecogate::index::{geodesic_area, Site, ZoneIndex};
use ecogate::zone::{Requirements, Zone, ZoneDetail};
use geo::{BooleanOps, BoundingRect, CoordsIter, Intersects, LineString, MultiPolygon, Point, Polygon};
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[path = "support/scale_inputs.rs"]
mod scale_inputs;
use scale_inputs::Lcg;

/// Median and p99 of per-operation times, ns.
fn stats(mut ns: Vec<f64>) -> (f64, f64) {
    ns.sort_by(f64::total_cmp);
    let q = |f: f64| ns[((ns.len() as f64 - 1.0) * f).round() as usize];
    (q(0.5), q(0.99))
}

fn time_each<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            black_box(f(i));
            t.elapsed().as_nanos() as f64
        })
        .collect()
}

fn fmt_ns(ns: f64) -> String {
    if ns < 10_000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{:.3} ms", ns / 1e6)
    }
}

fn row(name: &str, dataset: &str, ours: (f64, f64), base_name: &str, base: (f64, f64)) {
    println!(
        "| {name} | {dataset} | {} | {} | {base_name}: {} / {} | **{:.1}×** |",
        fmt_ns(ours.0),
        fmt_ns(ours.1),
        fmt_ns(base.0),
        fmt_ns(base.1),
        base.0 / ours.0
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// The previous lookup: R-tree candidates, then `geo`'s exact `Intersects` on each part.
fn baseline_lookup(idx: &ZoneIndex, p: Point<f64>) -> usize {
    let r = geo::Rect::new(p.0, p.0);
    idx.parts_in_rect(r).iter().filter(|(_, parts)| parts.iter().any(|q| q.intersects(&p))).count()
}

/// A star-shaped polygon with a fractal edge (octaves of doubling frequency, amplitude falling as 2^(-0.6k), down
/// to about four vertices per finest wave), like a real boundary digitised at n vertices.
fn star(n: usize) -> Polygon<f64> {
    let octaves = ((n as f64 / 4.0).log2().floor() as i32).max(1);
    let total: f64 = (0..octaves).map(|k| 2f64.powf(-0.6 * k as f64)).sum();
    let mut v: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let f: f64 = (0..octaves).map(|k| 2f64.powf(-0.6 * k as f64) * (2f64.powi(k) * t + k as f64).sin()).sum::<f64>() / total;
            let r = 0.5 * (1.0 + 0.3 * f);
            (113.0 + r * t.cos(), 33.0 + r * t.sin())
        })
        .collect();
    v.push(v[0]);
    Polygon::new(LineString::from(v), vec![])
}

fn single(n: usize) -> ZoneIndex {
    ZoneIndex::new(vec![Zone {
        layer: "t".into(),
        source_fid: None,
        code: format!("STAR{n}"),
        name: String::new(),
        detail: ZoneDetail::RedLine,
        subclass: None,
        requirements: Requirements::default(),
        geometry: MultiPolygon(vec![star(n)]),
    }])
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::env::var_os("ECOGATE_SCALE_DATASET")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/synth/henan/dataset.toml"));
    let points_n: usize = std::env::var("ECOGATE_SCALE_POINTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let out_dir = std::env::var_os("ECOGATE_SCALE_OUT").map(PathBuf::from);
    // ECOGATE_SCALE_ROWS=lookup,flat,assess,footprint,load: only these rows (default: all).
    let rows = std::env::var("ECOGATE_SCALE_ROWS").ok();
    let want = |name: &str| rows.as_deref().is_none_or(|r| r.split(',').any(|x| x.trim() == name));
    if !manifest.exists() {
        eprintln!("{} is missing: run `ecogate synth --preset henan --out target/synth/henan` first", manifest.display());
        std::process::exit(2);
    }

    // Load first, so the peak RSS is the load's.
    let t = Instant::now();
    let e = Engine::load(&manifest, &root.join("data/rules")).expect("dataset loads");
    let load_s = t.elapsed().as_secs_f64();
    // As `serve` and `batch` do after loading (there on a thread of their own, off the path to ready); here before
    // any row is timed, so the rows measure the steady state. The peak RSS is read after it (collapsing may fill
    // pages the allocator had left untouched).
    let t = Instant::now();
    let backed = ecogate::hugepages::back_loaded_data();
    let huge_s = t.elapsed().as_secs_f64();
    let rss = peak_rss_kib() * 1024;
    let vertices: usize = e.index.zones().iter().map(|z| z.geometry.coords_count()).sum();
    let raw = vertices * 16;
    let dataset = format!("{} ({} zones, {:.1}M vertices)", e.dataset.id, e.index.zones().len(), vertices as f64 / 1e6);
    let ds = e.dataset.id.clone();

    println!("| row | dataset | median | p99 | baseline (same run): median / p99 | ratio |");
    println!("|---|---|---|---|---|---|");

    // Random points over the control units' extent.
    let pts = scale_inputs::points(&e, points_n).expect("control units");

    // ECOGATE_SCALE_PROFILE=assess: only full point assessments after the load, for `perf record`.
    if std::env::var("ECOGATE_SCALE_PROFILE").is_ok_and(|v| v == "assess") {
        let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")]).expect("facts");
        for p in &pts {
            black_box(e.assess(&Site::Point(*p), &facts).verdict);
        }
        return;
    }
    let mut buf = Vec::new();
    // Row 2 compares with the lookup: measured when either row runs.
    let ours = if want("lookup") || want("assess") {
        stats(time_each(pts.len(), |i| {
            e.index.zones_at_into(pts[i], &mut buf);
            buf.len()
        }))
    } else {
        (0.0, 0.0)
    };
    if want("lookup") {
        let base = stats(time_each(pts.len(), |i| baseline_lookup(&e.index, pts[i])));
        row("1. zone lookup, random point (segment index)", &ds, ours, "R-tree + geo Intersects per part", base);
    }

    // Flatness: one 1M-vertex polygon vs one 1k-vertex polygon.
    if want("flat") {
        let (big, small) = (single(1_000_000), single(1_000));
        let mut r2 = Lcg(7);
        let sp: Vec<Point<f64>> = (0..20_000).map(|_| Point::new(112.4 + 1.2 * r2.next(), 32.4 + 1.2 * r2.next())).collect();
        let big_t = stats(time_each(sp.len(), |i| {
            big.zones_at_into(sp[i], &mut buf);
            buf.len()
        }));
        let small_t = stats(time_each(sp.len(), |i| {
            small.zones_at_into(sp[i], &mut buf);
            buf.len()
        }));
        row("1b. lookup in one 1M-vertex polygon", "synthetic star", big_t, "same in a 1k-vertex polygon", small_t);
        let geo_big = stats(time_each(2_000, |i| big.zone(0).geometry.intersects(&sp[i])));
        row("1c. lookup in one 1M-vertex polygon", "synthetic star", big_t, "geo Intersects on it", geo_big);
        drop(big);
    }

    // Full point assessment.
    let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")]).expect("facts");
    if want("assess") {
        let n_assess = points_n.min(50_000);
        let t = Instant::now();
        for p in &pts[..n_assess] {
            black_box(e.assess(&Site::Point(*p), &facts).verdict);
        }
        let per_s = n_assess as f64 / t.elapsed().as_secs_f64();
        let full = stats(time_each(n_assess, |i| e.assess(&Site::Point(pts[i]), &facts).verdict));
        row("2. full point assessment (lookup + rules + nearby 1 km + proximity bands to 5 km)", &ds, full, "zone lookup alone", ours);
        println!("|   throughput, one core | {ds} | {per_s:.0}/s | | target ≥ 200,000/s | |");
        // A batch: the same points on every core, as `ecogate batch` assesses its rows (rayon, in input order) —
        // the side to set against PostGIS's batch join.
        use rayon::prelude::*;
        let t = Instant::now();
        let verdicts: Vec<_> = pts[..n_assess].par_iter().map(|p| e.assess(&Site::Point(*p), &facts).verdict).collect();
        let batch_s = n_assess as f64 / t.elapsed().as_secs_f64();
        black_box(verdicts);
        println!("|   throughput, batch on all {} cores (as `ecogate batch`) | {ds} | {batch_s:.0}/s | | one core: {per_s:.0}/s | {:.2}× |", rayon::current_num_threads(), batch_s / per_s);
    }

    // Footprints centred on control-unit boundary vertices.
    let fps = scale_inputs::footprints(&e);
    if want("footprint") {
        let fp_t = stats(time_each(fps.len(), |i| e.assess(&Site::Footprint(fps[i].clone()), &facts).zones.len()));
        let fp_base = stats(time_each(fps.len().min(50), |i| {
            let fp = &fps[i];
            let r = fp.bounding_rect().expect("bbox");
            e.index
                .zones_in_rect(r)
                .into_iter()
                .map(|z| geodesic_area(&e.index.zone(z).geometry.intersection(fp)))
                .sum::<f64>()
        }));
        row("3. footprint assessment, 1,000 vertices ~2 km² across unit boundaries", &ds, fp_t, "overlap areas alone, whole-zone BooleanOps", fp_base);
        // The part of the assessment that is PostGIS's footprint query (zones hit, geodesic overlap areas), for a
        // like-for-like ratio beside the full assessment's.
        let ov_t = stats(time_each(fps.len(), |i| e.index.overlaps(&Site::Footprint(fps[i].clone())).len()));
        row("3b. footprint overlap areas alone (zones hit + geodesic areas, the work of PostGIS's query)", &ds, ov_t, "whole-zone BooleanOps", fp_base);
    }

    if want("load") {
        println!(
            "| 5. load to ready | {dataset} | {load_s:.1} s | | peak RSS {:.0} MiB = {:.2}× raw coordinates ({:.0} MiB); segment index {:.0} MiB; then huge pages: {:.0} MiB collapsed in {huge_s:.1} s (in the background in `serve`/`batch`) | |",
            rss as f64 / 1048576.0,
            rss as f64 / raw as f64,
            raw as f64 / 1048576.0,
            e.index.segment_index_bytes() as f64 / 1048576.0,
            backed.collapsed as f64 / 1048576.0,
        );
    }

    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).expect("out dir");
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("points.csv")).expect("points.csv"));
        let mut g = std::io::BufWriter::new(std::fs::File::create(dir.join("ecogate_points.csv")).expect("csv"));
        writeln!(f, "id,lon,lat").ok();
        for (i, p) in pts.iter().enumerate() {
            writeln!(f, "{i},{:.17},{:.17}", p.x(), p.y()).ok();
            e.index.zones_at_into(*p, &mut buf);
            let mut codes: Vec<&str> = buf.iter().map(|&z| e.index.zone(z).code.as_str()).collect();
            codes.sort_unstable();
            writeln!(g, "{i},{}", codes.join(" ")).ok();
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("footprints.csv")).expect("csv"));
        let mut g = std::io::BufWriter::new(std::fs::File::create(dir.join("ecogate_footprints.csv")).expect("csv"));
        writeln!(f, "id\twkt").ok();
        for (i, fp) in fps.iter().enumerate() {
            let wkt: Vec<String> = fp.0[0].exterior().0.iter().map(|c| format!("{:.15} {:.15}", c.x, c.y)).collect();
            writeln!(f, "{i}\tPOLYGON(({}))", wkt.join(",")).ok();
            for o in e.index.overlaps(&Site::Footprint(fp.clone())) {
                writeln!(g, "{i},{},{:.6}", e.index.zone(o.zone).code, o.area_m2.unwrap_or(0.0)).ok();
            }
        }
        eprintln!("wrote points, footprints and ecogate's answers to {}", dir.display());
    }
}
