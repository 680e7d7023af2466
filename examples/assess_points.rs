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
use std::path::PathBuf;

#[path = "../benches/support/scale_inputs.rs"]
mod scale_inputs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let manifest = PathBuf::from(args.next().ok_or("usage: assess_points DATASET.toml N [ANSWERS.jsonl]")?);
    let n: usize = args.next().unwrap_or_else(|| "2000".into()).parse()?;
    let answers = args.next().map(PathBuf::from);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e = Engine::load(&manifest, &root.join("data/rules"))?;
    // As `serve` and `batch` do after loading: the steady state is what is measured.
    ecogate::hugepages::back_loaded_data();
    let pts = scale_inputs::points(&e, n).ok_or("no control units")?;
    let facts = e.parse_facts([("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")])?;
    scale_inputs::ready_then_wait_for_go();
    let mut out = scale_inputs::Answers::create(answers.as_deref())?;
    let mut n_verdicts = 0usize;
    let mut times = Vec::with_capacity(n);
    let t0 = std::time::Instant::now();
    for p in &pts {
        let t = std::time::Instant::now();
        let a = e.assess(&Site::Point(*p), &facts);
        times.push(t.elapsed().as_nanos() as u64);
        n_verdicts += a.rules.len();
        out.write(&a)?;
    }
    out.finish()?;
    let total = t0.elapsed().as_secs_f64();
    times.sort_unstable();
    let median_us = times.get(n / 2).map_or(0.0, |t| *t as f64 / 1000.0);
    eprintln!("done: {n} points, {n_verdicts} applied rules; {:.0} points/s, median {median_us:.2} µs", n as f64 / total);
    Ok(())
}
