//! Profiling and regression driver for footprint assessments at scale (issue 6).
//!
//! `cargo run --release --example assess_footprints -- DATASET.toml [N] [ANSWERS.jsonl]`: loads the dataset once,
//! then assesses the scale bench's footprints (row 3: 1,000-vertex circles of ~2 km² centred on control-unit
//! boundary vertices, same seed, the first N of the bench's 200) with the bench's facts. With an answers path it
//! writes each answer's JSON, one a line, so two builds can be compared byte for byte (`cmp`).
//!
//! For callgrind without paying the instrumented load: `ECOGATE_PROFILE_GO=FILE` as for `assess_points` (the driver
//! prints `ready` after the load and waits for FILE). `ECOGATE_PROFILE_REPEAT=K` assesses the footprints K times
//! (answers written once), for `perf record`.

use ecogate::assess::Engine;
use ecogate::index::Site;
use std::path::PathBuf;

#[path = "../benches/support/scale_inputs.rs"]
mod scale_inputs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let manifest = PathBuf::from(args.next().ok_or("usage: assess_footprints DATASET.toml [N] [ANSWERS.jsonl]")?);
    let n: usize = args.next().unwrap_or_else(|| "200".into()).parse()?;
    let answers = args.next().map(PathBuf::from);
    let repeat: usize = std::env::var("ECOGATE_PROFILE_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e = Engine::load(&manifest, &root.join("data/rules"))?;
    // As `serve` and `batch` do after loading: the steady state is what is measured.
    ecogate::hugepages::back_loaded_data();
    let mut fps = scale_inputs::footprints(&e);
    if fps.is_empty() {
        return Err("no control units".into());
    }
    fps.truncate(n);
    let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")])?;
    scale_inputs::ready_then_wait_for_go();
    let mut out = scale_inputs::Answers::create(answers.as_deref())?;
    let mut hits = 0usize;
    let mut times = Vec::with_capacity(n * repeat);
    let t0 = std::time::Instant::now();
    for round in 0..repeat {
        for fp in &fps {
            let site = Site::Footprint(fp.clone());
            let t = std::time::Instant::now();
            let a = e.assess(&site, &facts);
            times.push(t.elapsed().as_nanos() as u64);
            hits += a.zones.len();
            if round == 0 {
                out.write(&a)?;
            }
        }
    }
    out.finish()?;
    let total = t0.elapsed().as_secs_f64();
    times.sort_unstable();
    let q = |f: f64| times.get(((times.len() as f64 - 1.0) * f).round() as usize).map_or(0.0, |t| *t as f64 / 1e6);
    eprintln!(
        "done: {} footprints, {hits} zone hits; {:.1} footprints/s, median {:.3} ms, p99 {:.3} ms",
        times.len(),
        times.len() as f64 / total,
        q(0.5),
        q(0.99)
    );
    Ok(())
}
