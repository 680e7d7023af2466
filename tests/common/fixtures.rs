//! Shared helpers for the ingestion tests: temporary fixture folders written with the GDAL command-line tools from
//! small GeoJSON texts, manifests, the bundled Wugang sample and the real public files in `../shared/realdata/`.
//!
//! Included by each test file with `#[path = "common/fixtures.rs"] mod fixtures;`, so not every helper is used by
//! every file.
#![allow(dead_code)]

use ecogate::industry::IndustryTable;
use ecogate::ingest::{IngestError, LoadedDataset, Problem, ProblemKind, ValidationReport};
use ecogate::zone::Zone;
use geo::{Contains, Coord, CoordsIter, Point};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled illustrative dataset (read only: tests never write into `data/`).
pub fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wugang").join(rel)
}

/// A real public file from `../shared/realdata/` (see SOURCES.md there). CI has them; a machine without them must
/// fail loudly rather than pass a test that checked nothing.
pub fn realdata(rel: &str) -> PathBuf {
    // `../shared/realdata` beside the checkout; a git worktree one level deeper (wt/NAME) finds the same folder
    // further up.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/realdata"))
        .find(|r| r.is_dir())
        .unwrap_or_else(|| manifest.join("../shared/realdata"));
    let path = root.join(rel);
    assert!(
        path.exists(),
        "real test data {} is missing: this test needs the public files described in ../shared/realdata/SOURCES.md \
         (checked out next to the crate as ../shared/realdata/); it cannot pass without them",
        path.display()
    );
    path
}

/// A temporary folder for one test's fixtures; removed when dropped.
pub struct Fx {
    pub dir: tempfile::TempDir,
}

impl Fx {
    pub fn new() -> Fx {
        Fx { dir: tempfile::tempdir().expect("create a temporary folder") }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating parent folders) and returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create fixture folder");
        }
        std::fs::write(&p, contents).expect("write fixture file");
        p
    }

    /// Writes a GeoJSON FeatureCollection of the given features.
    pub fn geojson(&self, rel: &str, features: Vec<Value>) -> PathBuf {
        let fc = json!({ "type": "FeatureCollection", "features": features });
        self.write(rel, serde_json::to_string_pretty(&fc).unwrap())
    }

    /// Runs `ogr2ogr` with the fixture folder as working directory; panics with GDAL's output when it fails.
    pub fn ogr2ogr(&self, args: &[&str]) {
        run_gdal_tool("ogr2ogr", args, self.dir.path());
    }

    /// Converts a GeoJSON file of this folder to a layer of a GeoPackage (created or appended to), in `srs`.
    pub fn gpkg_layer(&self, gpkg: &str, layer: &str, geojson: &str, srs: &str) -> PathBuf {
        let exists = self.path(gpkg).exists();
        let mut args = vec!["-f", "GPKG"];
        if exists {
            args.push("-update");
        }
        args.extend([gpkg, geojson, "-a_srs", srs, "-nln", layer]);
        self.ogr2ogr(&args);
        self.path(gpkg)
    }

    /// Converts lon/lat (EPSG:4490) GeoJSON to a GBK-encoded shapefile in CGCS2000 3° Gauss–Krüger zone 38 with the
    /// zone prefix (EPSG:4526), as agencies export them. GDAL writes a `.cpg` saying CP936; callers remove or rewrite
    /// it to build the case they test. The DBF header's language-driver byte stays 0, as in real exports.
    pub fn gbk_shapefile_gk38(&self, shp: &str, geojson: &str) -> PathBuf {
        let p = self.path(shp);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        self.ogr2ogr(&[
            "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4526", shp, geojson,
        ]);
        let dbf = std::fs::read(p.with_extension("dbf")).unwrap();
        assert_eq!(dbf[29], 0, "fixture DBF must not declare a code page in its header (LDID)");
        p
    }

    /// Writes `dataset.toml` with a small [dataset] header followed by the given `[[layers]]` text.
    pub fn manifest(&self, layers: &str) -> PathBuf {
        self.manifest_with_id("fixture", layers)
    }

    pub fn manifest_with_id(&self, id: &str, layers: &str) -> PathBuf {
        let text = format!(
            "[dataset]\nid = \"{id}\"\ntitle = \"测试数据（示意）\"\nillustrative = true\nadmin_codes = [\"410481\"]\n\n{layers}"
        );
        self.write("dataset.toml", text)
    }
}

pub fn run_gdal_tool(tool: &str, args: &[&str], cwd: &Path) {
    let out = Command::new(tool).args(args).current_dir(cwd).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}): the tests build fixtures with the GDAL command-line tools (Debian: gdal-bin)")
    });
    assert!(
        out.status.success(),
        "`{tool} {}` failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GeoJSON feature.
pub fn feature(properties: Value, geometry: Value) -> Value {
    json!({ "type": "Feature", "properties": properties, "geometry": geometry })
}

/// A closed ring through the given corners (the first corner is repeated at the end).
pub fn ring(corners: &[(f64, f64)]) -> Value {
    let mut pts: Vec<Value> = corners.iter().map(|&(x, y)| json!([x, y])).collect();
    pts.push(pts[0].clone());
    Value::Array(pts)
}

/// An axis-aligned rectangle polygon, counter-clockwise.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])] })
}

pub fn load(manifest: &Path) -> Result<LoadedDataset, IngestError> {
    ecogate::ingest::load(manifest, IndustryTable::bundled())
}

/// Loads a dataset that must pass; panics with the report otherwise.
pub fn load_ok(manifest: &Path) -> LoadedDataset {
    match load(manifest) {
        Ok(ds) => ds,
        Err(IngestError::Refused { report }) => panic!("dataset refused, expected it to load: {:#?}", report.problems),
        Err(e) => panic!("dataset failed to load: {e}"),
    }
}

/// Loads a dataset that must be refused and returns the validation report.
pub fn load_refused(manifest: &Path) -> ValidationReport {
    match load(manifest) {
        Ok(ds) => panic!(
            "dataset loaded ({} zones, problems {:#?}), expected it to be refused",
            ds.zones.len(),
            ds.report.problems
        ),
        Err(IngestError::Refused { report }) => {
            assert!(report.refused(), "a Refused error must carry a refusal");
            report
        }
        Err(e) => panic!("expected a validation refusal, got another error: {e}"),
    }
}

/// The problems of one kind.
pub fn problems_of(report: &ValidationReport, kind: ProblemKind) -> Vec<&Problem> {
    report.problems.iter().filter(|p| p.problem == kind).collect()
}

/// The single problem of a kind; panics (showing the whole report) when there is none or more than one.
pub fn only_problem(report: &ValidationReport, kind: ProblemKind) -> Problem {
    let found = problems_of(report, kind);
    assert_eq!(found.len(), 1, "expected exactly one {kind:?} problem, report: {:#?}", report.problems);
    found[0].clone()
}

pub fn zone<'a>(ds: &'a LoadedDataset, code: &str) -> &'a Zone {
    ds.zones.iter().find(|z| z.code == code).unwrap_or_else(|| {
        panic!("no zone with code {code}; loaded: {:?}", ds.zones.iter().map(|z| &z.code).collect::<Vec<_>>())
    })
}

pub fn contains(z: &Zone, lon: f64, lat: f64) -> bool {
    z.geometry.contains(&Point::new(lon, lat))
}

/// Asserts that the zone's geometry has a vertex within `tol` degrees of (lon, lat).
pub fn assert_has_vertex(z: &Zone, lon: f64, lat: f64, tol: f64) {
    let nearest = z
        .geometry
        .coords_iter()
        .min_by(|a, b| dist(*a, lon, lat).total_cmp(&dist(*b, lon, lat)))
        .expect("zone has coordinates");
    assert!(
        (nearest.x - lon).abs() <= tol && (nearest.y - lat).abs() <= tol,
        "zone {}: nearest vertex to ({lon}, {lat}) is ({}, {}), more than {tol}° away",
        z.code,
        nearest.x,
        nearest.y
    );
}

fn dist(c: Coord<f64>, lon: f64, lat: f64) -> f64 {
    (c.x - lon).hypot(c.y - lat)
}
