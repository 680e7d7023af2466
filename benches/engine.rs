//! In-process engine benchmarks on the bundled Wugang sample, each beside a baseline measured in the same run:
//! - zone lookup through the R-tree over polygon parts vs a linear scan of every zone with the same exact test;
//! - a full point assessment (lookup + rules + nearby distances), and its answer written as JSON (what the HTTP API
//!   adds per request; parts shared by every answer are rendered once at load);
//! - a footprint assessment (a 1,000-vertex polygon of ~2 km² across unit boundaries);
//! - one vector tile.
//! Run with `make bench` (`cargo bench --bench engine`); results and the machine go in BENCHMARKS.md.
//! The provincial and national presets of issue 6 need the synthetic generator, not this sample.

use criterion::{criterion_group, criterion_main, Criterion};
use ecogate::assess::Engine;
use ecogate::index::Site;
use ecogate::tiles::{render_tile, TileId};
use geo::{Intersects, LineString, MultiPolygon, Point, Polygon};
use std::hint::black_box;
use std::path::Path;

fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("the sample loads")
}

/// Deterministic points over the sample's extent (a small LCG, so runs compare).
fn points(n: usize) -> Vec<Point<f64>> {
    let mut state: u64 = 20_261_127;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| Point::new(113.30 + 0.45 * next(), 33.10 + 0.35 * next())).collect()
}

/// A 1,000-vertex circle of ~2 km² (radius ≈ 800 m) centred on the urban/industrial boundary.
fn footprint() -> MultiPolygon<f64> {
    let (cx, cy, r) = (113.545, 33.31, 800.0);
    let (dx, dy) = (r / 93_300.0, r / 110_900.0);
    let ring: Vec<(f64, f64)> = (0..=1000)
        .map(|i| {
            let t = i as f64 / 1000.0 * std::f64::consts::TAU;
            (cx + dx * t.cos(), cy + dy * t.sin())
        })
        .collect();
    MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
}

fn bench(c: &mut Criterion) {
    let e = engine();
    let pts = points(1024);
    let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")]).expect("facts");

    let mut g = c.benchmark_group("zone_lookup_1024_points");
    g.bench_function("rtree_parts", |b| b.iter(|| pts.iter().map(|p| e.index.zones_at(black_box(*p)).len()).sum::<usize>()));
    g.bench_function("baseline_linear_scan", |b| {
        b.iter(|| {
            pts.iter()
                .map(|p| e.index.zones().iter().filter(|z| z.geometry.intersects(black_box(p))).count())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("assessment");
    g.bench_function("point_full", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % pts.len();
            black_box(e.assess(&Site::Point(pts[i]), &facts).verdict)
        })
    });
    let answers: Vec<_> = pts.iter().map(|p| e.assess(&Site::Point(*p), &facts)).collect();
    g.bench_function("point_answer_to_json", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % answers.len();
            serde_json::to_vec(black_box(&answers[i])).map(|v| v.len()).unwrap_or(0)
        })
    });
    let fp = Site::Footprint(footprint());
    g.bench_function("footprint_1000_vertices", |b| b.iter(|| black_box(e.assess(&fp, &facts).zones.len())));
    g.finish();

    let layers: Vec<&str> = e.layers.iter().map(|l| l.id.as_str()).collect();
    let tile = TileId::containing(113.545, 33.31, 12).expect("tile");
    c.bench_function("tile_z12_all_layers", |b| b.iter(|| black_box(render_tile(&e.index, &layers, tile).ok().flatten().map(|t| t.len()))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
