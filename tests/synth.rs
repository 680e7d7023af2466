//! The synthetic generator (`ecogate synth`) on its small `ci` preset: it must produce a dataset that loads cleanly
//! and has the structure the benchmarks rely on — control units that tile the area (exactly one unit at every
//! sampled interior point), water-source levels nested 1 ⊂ 2 ⊂ quasi, reserve zones that do not overlap, red lines
//! with holes — and the same bytes of geometry for the same seed. Seconds, so it runs in CI.

use ecogate::assess::Engine;
use ecogate::synth::{generate, Preset};
use ecogate::zone::{ReserveZone, WaterSourceLevel, ZoneDetail, ZoneKind};
use geo::{Contains, CoordsIter, Point};
use std::path::Path;

fn rules() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rules")
}

/// Deterministic points in [x0, x1] × [y0, y1].
fn points(n: usize, [x0, y0, x1, y1]: [f64; 4]) -> Vec<Point<f64>> {
    let mut s: u64 = 99;
    let mut next = || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| Point::new(x0 + (x1 - x0) * next(), y0 + (y1 - y0) * next())).collect()
}

#[test]
fn ci_preset_loads_cleanly_and_has_the_structure_of_real_zoning_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let preset = Preset::named("ci").expect("preset");
    let stats = generate(&preset, 1, dir.path()).expect("generate");
    assert_eq!(stats.units, preset.cols * preset.rows);
    assert_eq!(stats.water_zones, 3 * preset.water_sources);

    let e = Engine::load(&stats.manifest, &rules()).expect("the synthetic dataset loads");
    // Valid by construction: nothing repaired, skipped or refused.
    assert!(e.validation.problems.is_empty(), "{:#?}", e.validation.problems);
    let vertices: usize = e.index.zones().iter().map(|z| z.geometry.coords_count()).sum();
    assert_eq!(vertices, stats.vertices);

    // Tiling: every point inside the grid (away from its fractal outer edge) is in exactly one control unit.
    let [x0, y0, x1, y1] = preset.extent;
    let (mx, my) = (0.3 * (x1 - x0) / preset.cols as f64, 0.3 * (y1 - y0) / preset.rows as f64);
    let zones = e.index.zones();
    for p in points(3_000, [x0 + mx, y0 + my, x1 - mx, y1 - my]) {
        let hits = e.index.zones_at(p);
        let units = hits.iter().filter(|&&z| zones[z].kind() == ZoneKind::ControlUnit).count();
        assert_eq!(units, 1, "{units} control units at {p:?}");

        // Water sources: a point in level 1 is in level 2 and quasi of the same source (codes SYn-1, -2, -3).
        for &z in &hits {
            if let ZoneDetail::WaterSource { level: WaterSourceLevel::Level1 } = zones[z].detail {
                let source = zones[z].code.trim_end_matches("-1");
                for outer in ["-2", "-3"] {
                    assert!(
                        hits.iter().any(|&h| zones[h].code == format!("{source}{outer}")),
                        "{p:?} in {} but not in {source}{outer}",
                        zones[z].code
                    );
                }
            }
        }
        // Reserve zones partition the reserve: at most one functional zone at a point.
        let reserve_zones = hits.iter().filter(|&&z| zones[z].kind() == ZoneKind::NatureReserve).count();
        assert!(reserve_zones <= 1, "{reserve_zones} reserve zones at {p:?}");
    }

    // Points on each level-1 zone's own vertices are in its level 2 and quasi rings (the nesting holds everywhere,
    // not only where random points fell).
    for z in zones.iter().filter(|z| matches!(z.detail, ZoneDetail::WaterSource { level: WaterSourceLevel::Level1 })) {
        let source = z.code.trim_end_matches("-1");
        for outer in ["-2", "-3"] {
            let o = zones.iter().find(|o| o.code == format!("{source}{outer}")).expect("outer level");
            assert!(o.geometry.contains(&z.geometry), "{} not inside {}", z.code, o.code);
        }
    }
    // Some red lines have holes; cores sit inside the buffer's hole.
    assert!(zones.iter().any(|z| z.kind() == ZoneKind::RedLine && !z.geometry.0[0].interiors().is_empty()));
    let core = zones.iter().find(|z| matches!(z.detail, ZoneDetail::NatureReserve { zone: ReserveZone::Core })).expect("core");
    let buffer = zones.iter().find(|z| matches!(z.detail, ZoneDetail::NatureReserve { zone: ReserveZone::Buffer })).expect("buffer");
    assert!(!buffer.geometry.contains(&core.geometry.0[0].exterior().0[0]));

    // Same seed, same bytes of geometry; dataset version follows.
    let again = tempfile::tempdir().expect("tempdir");
    let stats2 = generate(&preset, 1, again.path()).expect("generate");
    let e2 = Engine::load(&stats2.manifest, &rules()).expect("loads");
    assert_eq!(e.index.zones()[5].geometry, e2.index.zones()[5].geometry);
}
