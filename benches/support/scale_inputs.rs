//! The scale bench's seeded inputs, shared by `benches/scale.rs` and the profiling drivers in `examples/`
//! (`#[path]`-included: benches and examples cannot share a module otherwise), so a profile or a byte-for-byte answer
//! comparison always runs on the bench's own points and footprints.
#![allow(dead_code)] // each includer uses its own subset

use ecogate::assess::Engine;
use ecogate::zone::{Zone, ZoneKind};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

/// A 64-bit LCG (Knuth's MMIX constants): tiny, seeded, the same stream on every machine.
pub struct Lcg(pub u64);

impl Lcg {
    /// Uniform in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The bench's random points: uniform over the control units' extent, seed 20261127. `None` without control units.
pub fn points(e: &Engine, n: usize) -> Option<Vec<Point<f64>>> {
    let ext = e.index.extent(ZoneKind::ControlUnit)?;
    let mut rng = Lcg(20_261_127);
    Some((0..n).map(|_| Point::new(ext.min().x + ext.width() * rng.next(), ext.min().y + ext.height() * rng.next())).collect())
}

/// A 1,000-vertex circle of radius ~800 m (~2 km²) centred at `c`.
pub fn circle(c: Coord<f64>) -> MultiPolygon<f64> {
    let (dx, dy) = (800.0 / (111_320.0 * c.y.to_radians().cos()), 800.0 / 110_900.0);
    let ring: Vec<(f64, f64)> = (0..=1000)
        .map(|i| {
            let t = i as f64 / 1000.0 * std::f64::consts::TAU;
            (c.x + dx * t.cos(), c.y + dy * t.sin())
        })
        .collect();
    MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
}

/// The bench's 200 footprints: circles centred on control-unit boundary vertices picked with seed 99, so each
/// straddles a unit boundary. Empty without control units.
pub fn footprints(e: &Engine) -> Vec<MultiPolygon<f64>> {
    let units: Vec<&Zone> = e.index.zones().iter().filter(|z| z.kind() == ZoneKind::ControlUnit).collect();
    if units.is_empty() {
        return vec![];
    }
    let mut rng = Lcg(99);
    (0..200)
        .map(|_| {
            let u = units[(rng.next() * units.len() as f64) as usize];
            let ring = &u.geometry.0[0].exterior().0;
            circle(ring[(rng.next() * (ring.len() - 1) as f64) as usize])
        })
        .collect()
}

/// For callgrind without paying the instrumented load: prints `ready`, then, with `ECOGATE_PROFILE_GO=FILE`, waits
/// until FILE exists (a script turns instrumentation on with `callgrind_control -i on` first).
pub fn ready_then_wait_for_go() {
    eprintln!("ready");
    if let Some(go) = std::env::var_os("ECOGATE_PROFILE_GO") {
        while !std::path::Path::new(&go).exists() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Each answer's JSON, one a line, when a path was given: two builds' answers then compare byte for byte (`cmp`).
pub struct Answers(Option<std::io::BufWriter<std::fs::File>>);

impl Answers {
    pub fn create(path: Option<&std::path::Path>) -> std::io::Result<Answers> {
        Ok(Answers(match path {
            Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
            None => None,
        }))
    }

    pub fn write(&mut self, answer: &impl serde::Serialize) -> Result<(), Box<dyn std::error::Error>> {
        use std::io::Write;
        if let Some(w) = self.0.as_mut() {
            serde_json::to_writer(&mut *w, answer)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<()> {
        use std::io::Write;
        self.0.map_or(Ok(()), |mut w| w.flush())
    }
}
