//! Seeded synthetic datasets at provincial and national scale (`ecogate synth`), for the benchmarks of issue 6 and
//! for tests: real boundaries cannot be shipped, and the sample county is far too small to show how the engine
//! scales.
//!
//! The structure imitates real zoning data where it matters to the engine:
//! - **control units** tile the area without gaps or overlaps: a jittered grid whose every shared edge is one
//!   fractal polyline, generated once from the edge's own seed and used (reversed) by both neighbours. Each edge is a
//!   graph over its chord, offset at most `EDGE_SLOPE × distance to the nearer corner`, so it stays in a narrow cone
//!   at each corner and edges can meet only at their corners: the tiling is planar by construction;
//! - **red-line patches** are star-shaped fractal blobs (a ray from the centre crosses the ring once, so the ring is
//!   simple), about half with a hole, on a jittered grid so patches do not overlap;
//! - **water sources** are three nested star shapes sampled on the same angles with `r1 < r2 < r3` at every angle, so
//!   level 1 ⊂ level 2 ⊂ quasi exactly;
//! - **nature reserves** are core, buffer and experimental zones as nested rings (the buffer is the middle star with
//!   the core as its hole, and so on), so the three zones partition the reserve.
//!
//! Presets: `ci` (seconds, for tests), `henan` (≈167,000 km², ≈2,000 units of ≈2,000 vertices, ≥ 7M vertices in all)
//! and `national` (≈44,600 units, ≥ 60M vertices). Output: one GeoPackage and a `dataset.toml` manifest; generated
//! on demand outside git.

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, Geometry, LayerAccess, LayerOptions};
use gdal::DriverManager;
use gdal_sys::{OGRFieldType, OGRwkbGeometryType};
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("unknown preset {0:?}: use ci, henan or national")]
    UnknownPreset(String),
    #[error("cannot create {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("GDAL failed writing {path}: {source}")]
    Gdal { path: PathBuf, source: gdal::errors::GdalError },
}

/// Sizes of one synthetic dataset.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    /// lon0, lat0, lon1, lat1 of the unit grid.
    pub extent: [f64; 4],
    pub cols: usize,
    pub rows: usize,
    /// Vertices per unit edge (a unit ring has four edges).
    pub edge_vertices: usize,
    pub red_lines: usize,
    pub red_line_vertices: usize,
    pub water_sources: usize,
    /// Vertices of each of the three level rings.
    pub water_vertices: usize,
    pub reserves: usize,
    pub reserve_vertices: usize,
    pub admin_codes: &'static [&'static str],
}

pub const PRESETS: [Preset; 3] = [
    Preset {
        name: "ci",
        title: "合成小数据集（测试用）",
        extent: [113.0, 33.0, 113.6, 33.5],
        cols: 6,
        rows: 5,
        edge_vertices: 48,
        red_lines: 24,
        red_line_vertices: 64,
        water_sources: 12,
        water_vertices: 32,
        reserves: 2,
        reserve_vertices: 48,
        admin_codes: &["410000"],
    },
    // Henan: 4.4° × 3.7° at 34°N ≈ 406 km × 411 km ≈ 167,000 km²; 45 × 45 = 2,025 units of ≈ 82 km².
    Preset {
        name: "henan",
        title: "合成省级数据集（河南规模）",
        extent: [111.4, 32.05, 115.8, 35.75],
        cols: 45,
        rows: 45,
        edge_vertices: 520,
        red_lines: 5_000,
        red_line_vertices: 576,
        water_sources: 1_000,
        water_vertices: 96,
        reserves: 40,
        reserve_vertices: 256,
        admin_codes: &["410000"],
    },
    // China: 42° × 23° ≈ 9.9M km²; 223 × 200 = 44,600 units; the other layers in Henan's proportion to units.
    Preset {
        name: "national",
        title: "合成全国数据集（全国规模）",
        extent: [82.0, 23.0, 124.0, 46.0],
        cols: 223,
        rows: 200,
        edge_vertices: 256,
        red_lines: 111_500,
        red_line_vertices: 160,
        water_sources: 22_300,
        water_vertices: 64,
        reserves: 900,
        reserve_vertices: 192,
        admin_codes: &[],
    },
];

impl Preset {
    pub fn named(name: &str) -> Result<Preset, SynthError> {
        PRESETS.iter().find(|p| p.name == name).copied().ok_or_else(|| SynthError::UnknownPreset(name.to_string()))
    }

    fn cell(&self) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.extent;
        ((x1 - x0) / self.cols as f64, (y1 - y0) / self.rows as f64)
    }
}

/// What was written.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SynthStats {
    pub units: usize,
    pub red_lines: usize,
    pub water_zones: usize,
    pub reserve_zones: usize,
    pub vertices: usize,
    pub gpkg: PathBuf,
    pub manifest: PathBuf,
}

/// A corner may move this fraction of a cell from its grid position.
const CORNER_JITTER: f64 = 0.1;
/// An edge's offset from its chord is at most this times the distance to its nearer corner (a 16.7° cone).
const EDGE_SLOPE: f64 = 0.3;

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness: every feature draws from its own stream, so the same seed gives the same dataset whatever
// order things are generated in.

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64, a: u64, b: u64) -> Rng {
        Rng(mix(seed ^ mix(stream ^ mix(a ^ mix(b)))))
    }
    fn next(&mut self) -> f64 {
        self.0 = mix(self.0);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        2.0 * self.next() - 1.0
    }
}

/// A Weierstrass-type fractal function: octaves of doubling frequency and amplitude falling as `2^(-kH)`,
/// normalised to [-1, 1]. Integer frequencies make it periodic on [0, 1], which star-shaped rings need.
struct Fractal {
    octaves: Vec<(f64, f64, f64)>,
}

impl Fractal {
    fn new(rng: &mut Rng, octaves: usize, base: f64) -> Fractal {
        const H: f64 = 0.6;
        let raw: Vec<(f64, f64, f64)> =
            (0..octaves).map(|k| (base * 2f64.powi(k as i32), 2f64.powf(-(k as f64) * H), rng.next() * TAU)).collect();
        let total: f64 = raw.iter().map(|o| o.1).sum();
        Fractal { octaves: raw.into_iter().map(|(f, a, p)| (f, a / total, p)).collect() }
    }
    fn at(&self, t: f64) -> f64 {
        self.octaves.iter().map(|&(f, a, p)| a * (TAU * f * t + p).sin()).sum()
    }
}

fn octaves_for(vertices: usize) -> usize {
    // Detail down to about two vertices per finest wave.
    ((vertices as f64 / 2.0).log2().floor() as usize).clamp(2, 10)
}

// ---------------------------------------------------------------------------------------------------------------
// Control units.

const EDGE_H: u64 = 1;
const EDGE_V: u64 = 2;
const CORNER: u64 = 3;

fn corner(p: &Preset, seed: u64, i: usize, j: usize) -> (f64, f64) {
    let (cw, ch) = p.cell();
    let mut r = Rng::new(seed, CORNER, i as u64, j as u64);
    let (jx, jy) = (r.signed() * CORNER_JITTER, r.signed() * CORNER_JITTER);
    (p.extent[0] + (i as f64 + jx) * cw, p.extent[1] + (j as f64 + jy) * ch)
}

/// The shared edge from corner `a` to corner `b` without its last point; `kind`, `i`, `j` name it so both units
/// that share it get the same polyline.
fn edge(p: &Preset, seed: u64, kind: u64, i: usize, j: usize, a: (f64, f64), b: (f64, f64), out: &mut Vec<(f64, f64)>) {
    let n = p.edge_vertices.max(1);
    let mut r = Rng::new(seed, kind, i as u64, j as u64);
    let f = Fractal::new(&mut r, octaves_for(n), 1.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    // Unit normal times chord length: the offset is a fraction of the chord.
    let (nx, ny) = (-dy, dx);
    for k in 0..n {
        let t = k as f64 / n as f64;
        let off = EDGE_SLOPE * t.min(1.0 - t) * f.at(t);
        out.push((a.0 + t * dx + off * nx, a.1 + t * dy + off * ny));
    }
}

/// The ring of unit (i, j): bottom edge, right edge, top edge reversed, left edge reversed.
pub(crate) fn unit_ring(p: &Preset, seed: u64, i: usize, j: usize) -> Vec<(f64, f64)> {
    let n = p.edge_vertices.max(1);
    let (c00, c10, c11, c01) = (corner(p, seed, i, j), corner(p, seed, i + 1, j), corner(p, seed, i + 1, j + 1), corner(p, seed, i, j + 1));
    let mut ring = Vec::with_capacity(4 * n + 1);
    edge(p, seed, EDGE_H, i, j, c00, c10, &mut ring);
    edge(p, seed, EDGE_V, i + 1, j, c10, c11, &mut ring);
    let mut top = Vec::with_capacity(n + 1);
    edge(p, seed, EDGE_H, i, j + 1, c01, c11, &mut top);
    top.push(c11);
    top.reverse();
    top.pop(); // c01 comes again from the left edge's first point below
    ring.extend(top);
    let mut left = Vec::with_capacity(n + 1);
    edge(p, seed, EDGE_V, i, j, c00, c01, &mut left);
    left.push(c01);
    left.reverse();
    ring.extend(left); // ends with c00: the ring is closed
    ring
}

// ---------------------------------------------------------------------------------------------------------------
// Star-shaped zones.

/// Degrees per metre at a latitude (spherical is enough for generating shapes).
fn deg_per_m(lat: f64) -> (f64, f64) {
    let m_per_deg = 111_320.0;
    (1.0 / (m_per_deg * lat.to_radians().cos()), 1.0 / m_per_deg)
}

pub(crate) fn star(centre: (f64, f64), n: usize, radius_m: &dyn Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let (kx, ky) = deg_per_m(centre.1);
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let t = k as f64 / n as f64;
            let r = radius_m(t);
            let a = TAU * t;
            (centre.0 + r * a.cos() * kx, centre.1 + r * a.sin() * ky)
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// Centre and cell size (m) of the k-th of `count` sites on a jittered grid over the extent.
fn site(p: &Preset, seed: u64, stream: u64, k: usize, count: usize) -> ((f64, f64), f64) {
    let [x0, y0, x1, y1] = p.extent;
    let aspect = (x1 - x0) * ((y0 + y1) / 2.0).to_radians().cos() / (y1 - y0);
    let cols = ((count as f64 * aspect).sqrt().ceil() as usize).max(1);
    let rows = count.div_ceil(cols).max(1);
    let (cw, ch) = ((x1 - x0) / cols as f64, (y1 - y0) / rows as f64);
    let (i, j) = (k % cols, k / cols);
    let mut r = Rng::new(seed, stream, k as u64, 0);
    let c = (x0 + (i as f64 + 0.5 + 0.15 * r.signed()) * cw, y0 + (j as f64 + 0.5 + 0.15 * r.signed()) * ch);
    let cell_m = (ch * 111_320.0).min(cw * 111_320.0 * c.1.to_radians().cos());
    (c, cell_m)
}

// ---------------------------------------------------------------------------------------------------------------
// Writing.

/// WKB of a polygon (rings as given): building it here and handing GDAL one buffer is much faster than a call per
/// vertex.
fn wkb_polygon(rings: &[Vec<(f64, f64)>]) -> Vec<u8> {
    let n: usize = rings.iter().map(|r| 4 + 16 * r.len()).sum();
    let mut b = Vec::with_capacity(9 + 9 + n);
    b.push(1u8);
    b.extend_from_slice(&6u32.to_le_bytes()); // MultiPolygon
    b.extend_from_slice(&1u32.to_le_bytes());
    b.push(1u8);
    b.extend_from_slice(&3u32.to_le_bytes()); // Polygon
    b.extend_from_slice(&(rings.len() as u32).to_le_bytes());
    for r in rings {
        b.extend_from_slice(&(r.len() as u32).to_le_bytes());
        for &(x, y) in r {
            b.extend_from_slice(&x.to_le_bytes());
            b.extend_from_slice(&y.to_le_bytes());
        }
    }
    b
}

struct Writer<'a> {
    path: &'a Path,
}

impl Writer<'_> {
    fn err(&self) -> impl Fn(gdal::errors::GdalError) -> SynthError + '_ {
        move |source| SynthError::Gdal { path: self.path.to_path_buf(), source }
    }
}

/// Writes the preset's dataset into `out` (created if needed): `synth.gpkg` and `dataset.toml`.
pub fn generate(preset: &Preset, seed: u64, out: &Path) -> Result<SynthStats, SynthError> {
    std::fs::create_dir_all(out).map_err(|source| SynthError::Io { path: out.to_path_buf(), source })?;
    let gpkg = out.join("synth.gpkg");
    if gpkg.exists() {
        std::fs::remove_file(&gpkg).map_err(|source| SynthError::Io { path: gpkg.clone(), source })?;
    }
    let w = Writer { path: &gpkg };
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(w.err())?;
    let mut ds = driver.create_vector_only(&gpkg).map_err(w.err())?;
    let srs = SpatialRef::from_epsg(4490).map_err(w.err())?;
    let mut stats = SynthStats { gpkg: gpkg.clone(), manifest: out.join("dataset.toml"), ..Default::default() };
    let p = preset;

    type Attrs = Vec<String>;
    let mut write_layer = |name: &str,
                           fields: &[&str],
                           count: usize,
                           make: &mut dyn FnMut(usize, &mut dyn FnMut(Attrs, Vec<Vec<(f64, f64)>>) -> Result<(), SynthError>) -> Result<(), SynthError>|
     -> Result<(usize, usize), SynthError> {
        let txn_vertices = std::cell::Cell::new(0usize);
        let mut txn = ds.start_transaction().map_err(w.err())?;
        let layer = txn
            .create_layer(LayerOptions { name, srs: Some(&srs), ty: OGRwkbGeometryType::wkbMultiPolygon, options: None })
            .map_err(w.err())?;
        let defs: Vec<(&str, OGRFieldType::Type)> = fields.iter().map(|f| (*f, OGRFieldType::OFTString)).collect();
        layer.create_defn_fields(&defs).map_err(w.err())?;
        let mut written = 0usize;
        for k in 0..count {
            let mut emit = |attrs: Attrs, rings: Vec<Vec<(f64, f64)>>| -> Result<(), SynthError> {
                txn_vertices.set(txn_vertices.get() + rings.iter().map(Vec::len).sum::<usize>());
                let mut f = Feature::new(layer.defn()).map_err(w.err())?;
                for (i, v) in attrs.iter().enumerate() {
                    f.set_field_string(i, v).map_err(w.err())?;
                }
                f.set_geometry(Geometry::from_wkb(&wkb_polygon(&rings)).map_err(w.err())?).map_err(w.err())?;
                f.create(&layer).map_err(w.err())?;
                written += 1;
                Ok(())
            };
            make(k, &mut emit)?;
        }
        drop(layer);
        txn.commit().map_err(w.err())?;
        tracing::info!(layer = name, features = written, "synthetic layer written");
        Ok((written, txn_vertices.get()))
    };

    // Control units: class by a hash (about 20 % priority, 30 % key, 50 % general); key units prohibit a few
    // heavy industries, as real access lists do.
    let (units, v_units) = write_layer(
        "control_units",
        &["HJZHGKDYBM", "HJZHGKDYMC", "ZHGKDYFL", "KJBJYS", "PWWPFGK", "JZHYDM"],
        p.cols * p.rows,
        &mut |k, emit| {
            let (i, j) = (k % p.cols, k / p.cols);
            let u = Rng::new(seed, 10, k as u64, 0).next();
            let (class, prohibited) = if u < 0.2 {
                ("1", "")
            } else if u < 0.5 {
                ("2", "3011,2511,2614")
            } else {
                ("3", "")
            };
            let attrs = vec![
                format!("ZH{:08}", k + 1),
                format!("合成管控单元{}-{}", i + 1, j + 1),
                class.to_string(),
                "合成数据：空间布局约束示意文本。".to_string(),
                "合成数据：污染物排放管控示意文本。".to_string(),
                prohibited.to_string(),
            ];
            emit(attrs, vec![unit_ring(p, seed, i, j)])
        },
    )?;

    // Red lines: radius up to 35 % of the site cell, half of them with a hole.
    let (red_lines, v_red_lines) = write_layer("red_lines", &["红线编码", "红线名称", "红线类型"], p.red_lines, &mut |k, emit| {
        let (c, cell_m) = site(p, seed, 20, k, p.red_lines);
        let mut r = Rng::new(seed, 21, k as u64, 0);
        let radius = 0.35 * cell_m * (0.3 + 0.7 * r.next());
        let outer_n = p.red_line_vertices * 5 / 6;
        let f = Fractal::new(&mut r, octaves_for(outer_n), 1.0);
        let mut rings = vec![star(c, outer_n, &|t| radius * (0.75 + 0.25 * f.at(t)))];
        if r.next() < 0.5 {
            let g = Fractal::new(&mut r, octaves_for(p.red_line_vertices / 6), 1.0);
            let mut hole = star(c, (p.red_line_vertices / 6).max(8), &|t| radius * 0.25 * (0.8 + 0.2 * g.at(t)));
            hole.reverse();
            rings.push(hole);
        }
        let kinds = ["水源涵养", "生物多样性维护", "水土保持"];
        emit(vec![format!("HX{:08}", k + 1), format!("合成生态保护红线{}", k + 1), kinds[k % 3].to_string()], rings)
    })?;

    // Water sources: three nested stars on the same angles, r1 < r2 < r3 at every one of them.
    let (water_zones, v_water_zones) = write_layer("water_sources", &["水源编码", "水源名称", "保护级别"], p.water_sources * 3, &mut |k, emit| {
        let (src, level) = (k / 3, k % 3);
        let (c, cell_m) = site(p, seed, 30, src, p.water_sources);
        let mut r = Rng::new(seed, 31, src as u64, 0);
        let r3 = 0.3 * cell_m * (0.5 + 0.5 * r.next());
        let (f1, f2, f3) = (
            Fractal::new(&mut r, octaves_for(p.water_vertices), 1.0),
            Fractal::new(&mut r, octaves_for(p.water_vertices), 1.0),
            Fractal::new(&mut r, octaves_for(p.water_vertices), 1.0),
        );
        let r1 = |t: f64| r3 * 0.1 * (0.8 + 0.2 * f1.at(t));
        let r2 = |t: f64| r1(t) + r3 * 0.3 * (0.8 + 0.2 * f2.at(t));
        let rq = |t: f64| r2(t) + r3 * 0.5 * (0.8 + 0.2 * f3.at(t));
        let ring = match level {
            0 => star(c, p.water_vertices, &r1),
            1 => star(c, p.water_vertices, &r2),
            _ => star(c, p.water_vertices, &rq),
        };
        let names = ["一级保护区", "二级保护区", "准保护区"];
        emit(vec![format!("SY{:08}-{}", src + 1, level + 1), format!("合成饮用水水源{}", src + 1), names[level].to_string()], vec![ring])
    })?;

    // Reserves: core, buffer (with the core as hole) and experimental (with core+buffer as hole).
    let (reserve_zones, v_reserve_zones) = write_layer("reserves", &["保护地编码", "保护地名称", "功能分区"], p.reserves * 3, &mut |k, emit| {
        let (res, zone) = (k / 3, k % 3);
        let (c, cell_m) = site(p, seed, 40, res, p.reserves.max(1));
        let mut r = Rng::new(seed, 41, res as u64, 0);
        let big = 0.25 * cell_m * (0.5 + 0.5 * r.next());
        let (f1, f2, f3) = (
            Fractal::new(&mut r, octaves_for(p.reserve_vertices), 1.0),
            Fractal::new(&mut r, octaves_for(p.reserve_vertices), 1.0),
            Fractal::new(&mut r, octaves_for(p.reserve_vertices), 1.0),
        );
        let rc = |t: f64| big * 0.3 * (0.8 + 0.2 * f1.at(t));
        let rb = |t: f64| rc(t) + big * 0.25 * (0.8 + 0.2 * f2.at(t));
        let re = |t: f64| rb(t) + big * 0.45 * (0.8 + 0.2 * f3.at(t));
        let n = p.reserve_vertices;
        let hole = |ring: Vec<(f64, f64)>| ring.into_iter().rev().collect::<Vec<_>>();
        let rings = match zone {
            0 => vec![star(c, n, &rc)],
            1 => vec![star(c, n, &rb), hole(star(c, n, &rc))],
            _ => vec![star(c, n, &re), hole(star(c, n, &rb))],
        };
        let names = ["核心区", "缓冲区", "实验区"];
        let tags = ["HX", "HC", "SY"];
        emit(vec![format!("BHD{:06}-{}", res + 1, tags[zone]), format!("合成自然保护区{}", res + 1), names[zone].to_string()], rings)
    })?;
    drop(ds);
    stats.units = units;
    stats.red_lines = red_lines;
    stats.water_zones = water_zones;
    stats.reserve_zones = reserve_zones;
    stats.vertices = v_units + v_red_lines + v_water_zones + v_reserve_zones;

    let admin = p.admin_codes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ");
    let manifest = format!(
        r#"# Generated by `ecogate synth --preset {name} --seed {seed}`: {units} control units, {red} red-line patches,
# {water} water-source zones, {res} reserve zones, {vertices} vertices. Synthetic, not any real boundary.
[dataset]
id = "synth-{name}"
title = "{title}"
illustrative = true
notice_zh = "合成数据：由 ecogate synth 生成，仅用于性能测试，不是任何真实边界。"
notice_en = "Synthetic data generated by ecogate synth for benchmarks; not any real boundary."
admin_codes = [{admin}]

[[layers]]
id = "control_units"
title = "环境管控单元"
kind = "control_unit"
source = "synth.gpkg"
layer = "control_units"
[layers.fields]
code = "HJZHGKDYBM"
name = "HJZHGKDYMC"
class = "ZHGKDYFL"
spatial_layout = "KJBJYS"
pollutant_discharge = "PWWPFGK"
prohibited_industries = "JZHYDM"

[[layers]]
id = "red_lines"
title = "生态保护红线"
kind = "red_line"
source = "synth.gpkg"
layer = "red_lines"
[layers.fields]
code = "红线编码"
name = "红线名称"
subclass = "红线类型"

[[layers]]
id = "water_sources"
title = "饮用水水源保护区"
kind = "water_source"
source = "synth.gpkg"
layer = "water_sources"
[layers.fields]
code = "水源编码"
name = "水源名称"
level = "保护级别"

[[layers]]
id = "reserves"
title = "自然保护地"
kind = "nature_reserve"
source = "synth.gpkg"
layer = "reserves"
[layers.fields]
code = "保护地编码"
name = "保护地名称"
reserve_zone = "功能分区"
"#,
        name = p.name,
        title = p.title,
        units = stats.units,
        red = stats.red_lines,
        water = stats.water_zones,
        res = stats.reserve_zones,
        vertices = stats.vertices,
    );
    std::fs::write(&stats.manifest, manifest).map_err(|source| SynthError::Io { path: stats.manifest.clone(), source })?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_ring_is_closed_and_shares_its_edges_with_its_neighbours() {
        let p = Preset::named("ci").expect("preset");
        let a = unit_ring(&p, 7, 1, 1);
        let b = unit_ring(&p, 7, 2, 1);
        assert_eq!(a.first(), a.last());
        assert_eq!(a.len(), 4 * p.edge_vertices + 1);
        // a's right edge is b's left edge reversed.
        let n = p.edge_vertices;
        let right: Vec<_> = a[n..=2 * n].to_vec();
        let mut left: Vec<_> = b[3 * n..=4 * n].to_vec();
        left.reverse();
        assert_eq!(right, left);
    }

    #[test]
    fn the_same_seed_gives_the_same_shapes_and_another_seed_others() {
        let p = Preset::named("henan").expect("preset");
        assert_eq!(unit_ring(&p, 1, 3, 4), unit_ring(&p, 1, 3, 4));
        assert_ne!(unit_ring(&p, 1, 3, 4), unit_ring(&p, 2, 3, 4));
        assert!(Preset::named("moon").is_err());
    }
}
