//! Profiling and regression driver for full point assessments at scale (issue 6).
//!
//! `cargo run --release --example assess_points -- DATASET.toml N [ANSWERS.jsonl]`: loads the dataset once, then
//! assesses N seeded random points over the control units' extent (the scale bench's point stream). With an answers
//! path it writes each answer's JSON, one a line, so two builds can be compared byte for byte (`cmp`).
//!
//! For callgrind without paying the instrumented load: run under `valgrind --tool=callgrind --instr-atstart=no`
//! with `ECOGATE_PROFILE_GO=FILE`; the driver prints `ready` after the load and waits for FILE to exist, so a script
//! can `callgrind_control -i on` first (see BENCHMARKS.md, Scale).

use ecogate::assess::Engine;
use ecogate::index::Site;
use ecogate::zone::ZoneKind;
use geo::Point;
use std::io::Write;
use std::path::PathBuf;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let manifest = PathBuf::from(args.next().ok_or("usage: assess_points DATASET.toml N [ANSWERS.jsonl]")?);
    let n: usize = args.next().unwrap_or_else(|| "2000".into()).parse()?;
    let answers = args.next().map(PathBuf::from);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e = Engine::load(&manifest, &root.join("data/rules"))?;
    let ext = e.index.extent(ZoneKind::ControlUnit).ok_or("no control units")?;
    let mut rng = Lcg(20_261_127);
    let pts: Vec<Point<f64>> =
        (0..n).map(|_| Point::new(ext.min().x + ext.width() * rng.next(), ext.min().y + ext.height() * rng.next())).collect();
    let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")])?;
    eprintln!("ready");
    if let Some(go) = std::env::var_os("ECOGATE_PROFILE_GO") {
        while !std::path::Path::new(&go).exists() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let mut out = match &answers {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let mut n_verdicts = 0usize;
    let mut times = Vec::with_capacity(n);
    let t0 = std::time::Instant::now();
    for p in &pts {
        let t = std::time::Instant::now();
        let a = e.assess(&Site::Point(*p), &facts);
        times.push(t.elapsed().as_nanos() as u64);
        n_verdicts += a.rules.len();
        if let Some(w) = out.as_mut() {
            serde_json::to_writer(&mut *w, &a)?;
            w.write_all(b"\n")?;
        }
    }
    if let Some(mut w) = out {
        w.flush()?;
    }
    let total = t0.elapsed().as_secs_f64();
    times.sort_unstable();
    let median_us = times.get(n / 2).map_or(0.0, |t| *t as f64 / 1000.0);
    eprintln!("done: {n} points, {n_verdicts} applied rules; {:.0} points/s, median {median_us:.2} µs", n as f64 / total);
    Ok(())
}
