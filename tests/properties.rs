//! Property tests (issue 7, "Proving it"): statements that must hold for every input, checked on random ones.
//!
//! - **tiling**: control units tile the territory, so a point strictly inside one unit of a random tiling lies in
//!   exactly that unit, and a point outside the tiling in none;
//! - **CRS round trips**: GCJ-02 and BD-09 forward then inverse, Gauss–Krüger (projected with PROJ, read back through
//!   the request path `input::point_input`, in every axis order and prefix form ecogate accepts), and
//!   degrees–minutes–seconds text written then parsed, all return the starting point;
//! - **verdict monotonicity**: adding a prohibiting zone, or adding the project's industry to its control unit's
//!   prohibited list, never makes a verdict more permissive (prohibited > undetermined > restricted > permitted).
//!
//! Case counts are kept small (a few seconds per property in a debug build); `PROPTEST_CASES` raises them.

use ecogate::assess::{Engine, Verdict};
use ecogate::crs::{dms, gcj, InputCrs};
use ecogate::index::{Site, ZoneIndex};
use ecogate::input;
use ecogate::rules::Facts;
use ecogate::zone::{Requirements, ReserveZone, WaterSourceLevel, Zone, ZoneDetail, UnitClass};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn config(cases: u32) -> ProptestConfig {
    // PROPTEST_CASES, when set, overrides the per-property default.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// -------------------------------------------------------------------------------------------------------------
// (a) A point inside a tiling of control units lies in exactly one unit.

/// A jittered grid of `nx × ny` cells, each split into two triangles along a diagonal chosen per cell: every
/// triangle is one control unit. Vertices are shared between neighbours, so the units meet edge to edge without gaps
/// or overlaps; the jitter (at most 15 % of the spacing) keeps every triangle's orientation, so the mesh stays a
/// tiling.
#[derive(Debug, Clone)]
struct Tiling {
    origin: (f64, f64),
    spacing: f64,
    nx: usize,
    ny: usize,
    /// (nx + 1) × (ny + 1) jitters, in units of the spacing.
    jitter: Vec<(f64, f64)>,
    /// One flag per cell: which diagonal splits it.
    diagonals: Vec<bool>,
}

impl Tiling {
    fn vertex(&self, i: usize, j: usize) -> Coord<f64> {
        let (jx, jy) = self.jitter[j * (self.nx + 1) + i];
        Coord { x: self.origin.0 + (i as f64 + jx) * self.spacing, y: self.origin.1 + (j as f64 + jy) * self.spacing }
    }

    /// The triangles, counter-clockwise, in unit order.
    fn triangles(&self) -> Vec<[Coord<f64>; 3]> {
        let mut out = Vec::new();
        for j in 0..self.ny {
            for i in 0..self.nx {
                let (a, b, c, d) = (self.vertex(i, j), self.vertex(i + 1, j), self.vertex(i + 1, j + 1), self.vertex(i, j + 1));
                if self.diagonals[j * self.nx + i] {
                    out.push([a, b, c]);
                    out.push([a, c, d]);
                } else {
                    out.push([a, b, d]);
                    out.push([b, c, d]);
                }
            }
        }
        out
    }
}

fn tiling() -> impl Strategy<Value = Tiling> {
    (1usize..6, 1usize..6, 0.005f64..0.2, 100.0f64..120.0, 25.0f64..40.0).prop_flat_map(|(nx, ny, spacing, x0, y0)| {
        let jitter = prop::collection::vec((-0.15f64..0.15, -0.15f64..0.15), (nx + 1) * (ny + 1));
        let diagonals = prop::collection::vec(any::<bool>(), nx * ny);
        (jitter, diagonals).prop_map(move |(jitter, diagonals)| Tiling { origin: (x0, y0), spacing, nx, ny, jitter, diagonals })
    })
}

fn unit(n: usize, t: [Coord<f64>; 3]) -> Zone {
    Zone {
        layer: "control_units".into(),
        source_fid: Some(n as u64),
        code: format!("ZH{n:04}"),
        name: format!("unit {n}"),
        detail: ZoneDetail::ControlUnit { class: UnitClass::General, prohibited_industries: Vec::new(), restricted_industries: Vec::new() },
        subclass: None,
        requirements: Requirements::default(),
        geometry: MultiPolygon(vec![Polygon::new(LineString(vec![t[0], t[1], t[2], t[0]]), Vec::new())]),
    }
}

/// Barycentric weights, each at least 2 % so the point stays clear of every edge (the boundary counts as inside
/// both neighbours, by design: see `index`).
fn weights() -> impl Strategy<Value = (f64, f64, f64)> {
    (0.02f64..1.0, 0.02f64..1.0, 0.02f64..1.0).prop_map(|(a, b, c)| {
        let s = a + b + c;
        (a / s, b / s, c / s)
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn a_point_inside_a_tiling_lies_in_exactly_one_control_unit(
        t in tiling(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), weights()), 1..20),
    ) {
        let triangles = t.triangles();
        let index = ZoneIndex::new(triangles.iter().enumerate().map(|(n, tri)| unit(n, *tri)).collect());
        for (which, (a, b, c)) in picks {
            let n = which.index(triangles.len());
            let [p, q, r] = triangles[n];
            let pt = Point::new(a * p.x + b * q.x + c * r.x, a * p.y + b * q.y + c * r.y);
            prop_assert_eq!(index.zones_at(pt), vec![n], "point {:?} strictly inside unit {}", pt, n);
            let overlaps: Vec<usize> = index.overlaps(&Site::Point(pt)).into_iter().map(|o| o.zone).collect();
            prop_assert_eq!(overlaps, vec![n]);
        }
        // Outside the tiling's bounding box: no unit.
        let outside = Point::new(t.origin.0 - 2.0 * t.spacing, t.origin.1 - 2.0 * t.spacing);
        prop_assert!(index.zones_at(outside).is_empty());
    }
}

// -------------------------------------------------------------------------------------------------------------
// (b) CRS round trips.

/// Distance in metres between two lon/lat points (equirectangular; exact enough at the millimetre scale).
fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let k = 111_320.0;
    let dx = (a.x - b.x) * k * a.y.to_radians().cos();
    let dy = (a.y - b.y) * k;
    (dx * dx + dy * dy).sqrt()
}

/// Anywhere in mainland China's rough box (inside the GCJ-02 rectangle).
fn china() -> impl Strategy<Value = Coord<f64>> {
    (73.7f64..134.7, 18.2f64..53.5).prop_map(|(x, y)| Coord { x, y })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn gcj02_forward_then_inverse_returns_the_point(c in china()) {
        let back = gcj::gcj02_to_wgs84(gcj::wgs84_to_gcj02(c));
        prop_assert!(metres(c, back) < 0.001, "{c:?} came back as {back:?}");
        let forward = gcj::wgs84_to_gcj02(gcj::gcj02_to_wgs84(c));
        prop_assert!(metres(c, forward) < 0.001, "{c:?} came back as {forward:?}");
    }

    #[test]
    fn bd09_forward_then_inverse_returns_the_point(c in china()) {
        let back = gcj::bd09_to_wgs84(gcj::wgs84_to_bd09(c));
        prop_assert!(metres(c, back) < 0.001, "{c:?} came back as {back:?}");
        let gcj = gcj::bd09_to_gcj02(gcj::gcj02_to_bd09(c));
        prop_assert!(metres(c, gcj) < 0.001, "{c:?} came back as {gcj:?}");
    }

    #[test]
    fn gcj02_and_bd09_requests_read_back_the_wgs84_point(c in china()) {
        for (name, sent) in [("gcj02", gcj::wgs84_to_gcj02(c)), ("bd09", gcj::wgs84_to_bd09(c))] {
            let crs = InputCrs::parse(Some(name), None).expect("known crs");
            let site = input::point_input(sent.x, sent.y, &crs).expect("a point in China converts").site;
            let Site::Point(p) = site else { panic!("a point") };
            prop_assert!(metres(c, p.0) < 0.001, "{name}: {c:?} read back as {:?}", p.0);
        }
    }

    #[test]
    fn dms_text_written_then_parsed_is_the_same_point(
        c in china(),
        lat_first in any::<bool>(),
        chinese in any::<bool>(),
    ) {
        let text = {
            let lon = dms_text(c.x, if chinese { "东经" } else { "E" }, chinese);
            let lat = dms_text(c.y, if chinese { "北纬" } else { "N" }, chinese);
            if lat_first { format!("{lat} {lon}") } else { format!("{lon} {lat}") }
        };
        let parsed = dms::parse_pair(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        let (lon, lat) = parsed.lon_lat();
        // Seconds are written with 4 decimals: 0.00005″ ≈ 1.5 mm.
        prop_assert!((lon - c.x).abs() < 2e-8 && (lat - c.y).abs() < 2e-8, "{text:?} parsed as ({lon}, {lat}), want {c:?}");
    }
}

/// `113°30'15.2000"E` or `东经113度30分15.2000秒`, from positive decimal degrees (seconds rounded to 4 places,
/// carried into minutes and degrees when they round up to 60).
fn dms_text(v: f64, hemisphere: &str, chinese: bool) -> String {
    let total = (v * 3600.0 * 10_000.0).round() as u64;
    let (deg, rest) = (total / (3600 * 10_000), total % (3600 * 10_000));
    let (min, sec) = (rest / (60 * 10_000), rest % (60 * 10_000));
    let sec = format!("{}.{:04}", sec / 10_000, sec % 10_000);
    if chinese {
        format!("{hemisphere}{deg}度{min}分{sec}秒")
    } else {
        format!("{deg}°{min}'{sec}\"{hemisphere}")
    }
}

/// Which form a Gauss–Krüger coordinate pair is sent in.
#[derive(Debug, Clone, Copy)]
enum GkForm {
    /// Easting with the zone prefix (38 500 000 m), easting first.
    PrefixedEastingFirst,
    /// Northing first, as surveyors write X = north.
    PrefixedNorthingFirst,
    /// Easting without the prefix, the zone named by the crs.
    PlainEastingFirst,
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn gauss_kruger_projected_then_read_back_is_the_same_point(
        zone in 25u8..=45,
        offset in -1.4f64..1.4,
        lat in 18.5f64..53.0,
        form in prop_oneof![Just(GkForm::PrefixedEastingFirst), Just(GkForm::PrefixedNorthingFirst), Just(GkForm::PlainEastingFirst)],
    ) {
        let cm = f64::from(zone) * 3.0;
        let c = Coord { x: cm + offset, y: lat };
        // CGCS2000 3° zone N with prefix: EPSG:4513 + (N − 25); without: EPSG:4534 + (N − 25).
        let epsg = 4513 + u32::from(zone) - 25;
        let proj = proj::Proj::new_known_crs("EPSG:4490", &format!("EPSG:{epsg}"), None).expect("PROJ knows the zone");
        let (e, n) = proj.convert((c.x, c.y)).expect("forward projection");
        let (first, second, crs) = match form {
            GkForm::PrefixedEastingFirst => (e, n, "cgcs2000-gk".to_string()),
            GkForm::PrefixedNorthingFirst => (n, e, format!("cgcs2000-gk3:{zone}")),
            GkForm::PlainEastingFirst => (e - f64::from(zone) * 1_000_000.0, n, format!("cgcs2000-gk3:{zone}")),
        };
        let crs = InputCrs::parse(Some(&crs), None).expect("known crs");
        let site = input::point_input(first, second, &crs).map_err(|err| TestCaseError::fail(format!("{form:?} ({first}, {second}): {err}")))?.site;
        let Site::Point(p) = site else { panic!("a point") };
        prop_assert!(metres(c, p.0) < 0.001, "{form:?}: {c:?} → ({e}, {n}) → {:?}", p.0);
    }
}

// -------------------------------------------------------------------------------------------------------------
// (c) Verdict monotonicity on the bundled sample.

fn sample_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("sample dataset loads")
    })
}

/// The sample engine with other zones: same dataset identity, rulebook and options, a new index.
fn engine_with(zones: Vec<Zone>) -> Engine {
    let base = sample_engine();
    Engine::new(
        base.dataset.clone(),
        base.layers.clone(),
        base.validation.clone(),
        ZoneIndex::new(zones),
        base.rulebook.clone(),
        base.industries,
        base.options,
    )
}

/// Strictness rank: higher is stricter (prohibited > undetermined > restricted > permitted).
fn strictness(v: Verdict) -> u8 {
    match v {
        Verdict::Permitted => 0,
        Verdict::Restricted => 1,
        Verdict::Undetermined => 2,
        Verdict::Prohibited => 3,
    }
}

/// Zone kinds whose presence can only add prohibitions (never a control unit: a unit can *cover* an uncovered
/// site, which rightly turns undetermined into something else).
fn prohibiting_detail() -> impl Strategy<Value = (ZoneDetail, &'static str)> {
    prop_oneof![
        Just((ZoneDetail::RedLine, "red_lines")),
        Just((ZoneDetail::WaterSource { level: WaterSourceLevel::Level1 }, "water_sources")),
        Just((ZoneDetail::WaterSource { level: WaterSourceLevel::Level2 }, "water_sources")),
        Just((ZoneDetail::WaterSource { level: WaterSourceLevel::Quasi }, "water_sources")),
        Just((ZoneDetail::NatureReserve { zone: ReserveZone::Core }, "reserves")),
        Just((ZoneDetail::NatureReserve { zone: ReserveZone::Buffer }, "reserves")),
        Just((ZoneDetail::NatureReserve { zone: ReserveZone::Experimental }, "reserves")),
        Just((ZoneDetail::NatureReserve { zone: ReserveZone::Unzoned }, "reserves")),
    ]
}

fn square(c: Coord<f64>, half: f64) -> Polygon<f64> {
    Polygon::new(
        LineString(vec![
            Coord { x: c.x - half, y: c.y - half },
            Coord { x: c.x + half, y: c.y - half },
            Coord { x: c.x + half, y: c.y + half },
            Coord { x: c.x - half, y: c.y + half },
            Coord { x: c.x - half, y: c.y - half },
        ]),
        Vec::new(),
    )
}

/// A site in (and slightly around) the sample's territory: a point or a small square footprint.
fn site() -> impl Strategy<Value = (Coord<f64>, Option<f64>)> {
    (113.33f64..113.72, 33.12f64..33.45, prop::option::of(0.0005f64..0.01)).prop_map(|(x, y, half)| (Coord { x, y }, half))
}

fn site_of(c: Coord<f64>, half: Option<f64>) -> Site {
    match half {
        None => Site::Point(Point(c)),
        Some(h) => Site::Footprint(MultiPolygon(vec![square(c, h)])),
    }
}

/// Facts a request may carry: always the required industry and nature, the rest present or not.
fn facts() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
    let industry = prop::sample::select(vec!["1411", "3011", "2511", "4411", "2614", "0311", "7820", "3031", "2521", "4610"]);
    let nature = prop::sample::select(vec!["new", "rebuild", "expansion"]);
    let yes_no = || prop::option::of(prop::sample::select(vec!["yes", "no"]));
    (industry, nature, yes_no(), yes_no(), yes_no(), yes_no(), yes_no()).prop_map(|(i, n, d, o, w, h, a)| {
        let mut f = vec![("industry", i), ("nature", n)];
        for (k, v) in [("discharges_pollutants", d), ("adds_sewage_outfall", o), ("water_supply_related", w), ("heavily_water_polluting", h), ("adds_capacity", a)] {
            if let Some(v) = v {
                f.push((k, v));
            }
        }
        f
    })
}

fn parse(engine: &Engine, f: &[(&str, &str)]) -> Facts {
    engine.parse_facts(f.iter().copied()).expect("the generated facts are valid")
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn adding_a_prohibiting_zone_never_makes_the_verdict_more_permissive(
        (c, half) in site(),
        f in facts(),
        (detail, layer) in prohibiting_detail(),
        zone_half in 0.001f64..0.05,
        dx in -0.5f64..0.5,
        dy in -0.5f64..0.5,
    ) {
        let base = sample_engine();
        let site = site_of(c, half);
        let facts = parse(base, &f);
        let before = base.assess(&site, &facts).verdict;
        // The new zone is near the site: over it, partly over it or just beside it.
        let centre = Coord { x: c.x + dx * zone_half * 2.0, y: c.y + dy * zone_half * 2.0 };
        let mut zones = base.index.zones().to_vec();
        zones.push(Zone {
            layer: layer.into(),
            source_fid: None,
            code: "PROPTEST-ADDED".into(),
            name: "added zone".into(),
            detail,
            subclass: None,
            requirements: Requirements::default(),
            geometry: MultiPolygon(vec![square(centre, zone_half)]),
        });
        let after = engine_with(zones).assess(&site, &facts).verdict;
        prop_assert!(strictness(after) >= strictness(before), "{before:?} became {after:?} for {f:?} at {site:?}");
    }

    #[test]
    fn prohibiting_the_projects_industry_in_its_unit_never_makes_the_verdict_more_permissive(
        (c, half) in site(),
        f in facts(),
    ) {
        let base = sample_engine();
        let site = site_of(c, half);
        let facts = parse(base, &f);
        let before = base.assess(&site, &facts).verdict;
        let industry = f.iter().find(|(k, _)| *k == "industry").map(|(_, v)| v.to_string()).expect("industry is always given");
        let mut zones = base.index.zones().to_vec();
        for z in &mut zones {
            if let ZoneDetail::ControlUnit { prohibited_industries, .. } = &mut z.detail {
                prohibited_industries.push(industry.clone());
            }
        }
        let after_engine = engine_with(zones);
        let after = after_engine.assess(&site, &facts).verdict;
        prop_assert!(strictness(after) >= strictness(before), "{before:?} became {after:?} for {f:?} at {site:?}");
        // And a covered new build or expansion whose unit now prohibits its industry is prohibited (the access
        // list's prohibition applies to those; see data/rules/50_control_unit.toml).
        let covered = after_engine.index.overlaps(&site).iter().any(|o| matches!(after_engine.index.zone(o.zone).detail, ZoneDetail::ControlUnit { .. }));
        let new_or_expansion = f.iter().any(|(k, v)| *k == "nature" && matches!(*v, "new" | "expansion"));
        if covered && new_or_expansion {
            prop_assert_eq!(after, Verdict::Prohibited, "{:?} at {:?}", f, site);
        }
    }
}
