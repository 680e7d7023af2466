//! Reading a vector dataset GDAL has a driver for (shapefile, KML, GeoJSON, GeoPackage, DXF) into raw features:
//! attributes as strings, polygons as rings in the file's CRS. Curves are linearised by GDAL; Z and M are dropped
//! (and counted for a note); points and lines are skipped (and counted). For DXF, a closed polyline is a polygon —
//! GDAL returns a closed LWPOLYLINE (with bulges already turned into arcs of points) as a LINESTRING.

use super::crs_name::CrsChoice;
use super::error::UploadError;
use super::geometry::{RawPolygon, RawSites, Ring};
use super::{Accept, Budget, Format, RawFeature};
use gdal::vector::{Geometry, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::Coord;
use std::collections::BTreeMap;

/// What a dataset held besides the polygons that are assessed.
#[derive(Debug, Default, Clone)]
pub struct Skipped {
    pub points: usize,
    pub lines: usize,
    pub empty: usize,
    pub other: usize,
    pub with_z: usize,
    pub with_m: usize,
    pub closed_lines: usize,
}

impl Skipped {
    pub fn add(&mut self, o: &Skipped) {
        self.points += o.points;
        self.lines += o.lines;
        self.empty += o.empty;
        self.other += o.other;
        self.with_z += o.with_z;
        self.with_m += o.with_m;
        self.closed_lines += o.closed_lines;
    }

    pub fn any(&self) -> bool {
        self.points + self.lines + self.empty + self.other > 0
    }

    pub fn describe(&self) -> (String, String) {
        let mut en = Vec::new();
        let mut zh = Vec::new();
        for (n, e, z) in [
            (self.points, "point(s)", "个点"),
            (self.lines, "line(s) (open polylines)", "条线（未闭合）"),
            (self.empty, "feature(s) without geometry", "个无几何的要素"),
            (self.other, "other geometr(ies)", "个其他几何"),
        ] {
            if n > 0 {
                en.push(format!("{n} {e}"));
                zh.push(format!("{n} {z}"));
            }
        }
        (en.join(", "), zh.join("、"))
    }
}

pub struct OgrDataset {
    pub driver: String,
    pub layers: Vec<String>,
    pub crs: Option<CrsChoice>,
    pub features: Vec<RawFeature>,
    pub skipped: Skipped,
    /// Some attribute text or field name was not valid UTF-8 (GDAL replaced it with U+FFFD).
    pub garbled_text: bool,
    pub feature_total: usize,
}

fn drivers(format: Format) -> &'static [&'static str] {
    match format {
        Format::Shapefile => &["ESRI Shapefile"],
        Format::Kml | Format::Kmz => &["LIBKML", "KML"],
        Format::GeoJson => &["GeoJSON"],
        Format::GeoPackage => &["GPKG"],
        Format::Dxf => &["DXF"],
        Format::Csv => &["CSV"],
        Format::Xlsx => &["XLSX"],
        Format::Jzd => &[],
    }
}

/// Opens a dataset with only the driver(s) of its format, so a file is never read as something it is not.
pub fn open(path: &str, what: &str, format: Format, open_options: &[&str]) -> Result<Dataset, UploadError> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        allowed_drivers: Some(drivers(format)),
        open_options: if open_options.is_empty() { None } else { Some(open_options) },
        ..Default::default()
    };
    Dataset::open_ex(path, options).map_err(|e| UploadError::Unreadable {
        what: what.to_string(),
        message: format!("GDAL cannot open it as {}: {}", format.name(), super::vsi::clean_message(&e.to_string(), what)),
    })
}

/// The CRS a layer declares, as something PROJ takes and a label for people.
pub fn declared_crs(srs: &gdal::spatial_ref::SpatialRef) -> Option<CrsChoice> {
    // An ESRI .prj (or a GeoPackage definition) may carry no authority code: name the EPSG code PROJ matches
    // with confidence ≥ 90 %, the threshold GDAL's shapefile driver uses.
    if srs.auth_code().is_err() {
        if let Some(code) = epsg_match(srs) {
            return Some(CrsChoice { definition: format!("EPSG:{code}"), label: format!("EPSG:{code}") });
        }
    }
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => Some(CrsChoice { definition: format!("{name}:{code}"), label: format!("{name}:{code}") }),
        _ => {
            let def = srs.to_projjson().or_else(|_| srs.to_wkt()).ok()?;
            let label = srs.name().unwrap_or_else(|| crate::crs::short_name(&def));
            Some(CrsChoice { definition: def, label })
        }
    }
}

fn epsg_match(srs: &gdal::spatial_ref::SpatialRef) -> Option<i32> {
    // SAFETY: OSRFindMatches returns an array of `n` SRS handles and `n` confidences that we own; both are freed
    // once, and the handles are only read before that.
    unsafe {
        let mut n: std::ffi::c_int = 0;
        let mut confidence: *mut std::ffi::c_int = std::ptr::null_mut();
        let matches = gdal_sys::OSRFindMatches(srs.to_c_hsrs(), std::ptr::null_mut(), &mut n, &mut confidence);
        let mut found = None;
        if !matches.is_null() && !confidence.is_null() && n > 0 && *confidence >= 90 {
            let m = *matches;
            let name = gdal_sys::OSRGetAuthorityName(m, std::ptr::null());
            let code = gdal_sys::OSRGetAuthorityCode(m, std::ptr::null());
            if !name.is_null() && !code.is_null() && std::ffi::CStr::from_ptr(name).to_bytes() == b"EPSG" {
                found = std::ffi::CStr::from_ptr(code).to_str().ok().and_then(|c| c.parse().ok());
            }
        }
        if !matches.is_null() {
            gdal_sys::OSRFreeSRSArray(matches);
        }
        if !confidence.is_null() {
            gdal_sys::VSIFree(confidence.cast());
        }
        found
    }
}

/// Field names whose value names a feature, most specific first (compared case-insensitively).
const NAME_FIELDS: &[&str] = &["name", "名称", "地块名称", "项目名称", "宗地名称", "dkmc", "xmmc", "mc", "title", "label"];

pub fn pick_name(attributes: &BTreeMap<String, String>) -> Option<String> {
    for want in NAME_FIELDS {
        for (k, v) in attributes {
            if k.trim().eq_ignore_ascii_case(want) && !v.trim().is_empty() {
                return Some(v.trim().to_string());
            }
        }
    }
    None
}

/// Reads every layer of a dataset. Layers that declare different CRSs are refused (like files in a zip).
/// Under [`Accept::AnySite`] points and lines are kept as the feature's sites (counted against the same vertex
/// budget) instead of being skipped.
pub fn read(ds: &Dataset, what: &str, format: Format, budget: &mut Budget, accept: Accept) -> Result<OgrDataset, UploadError> {
    let driver = ds.driver().short_name();
    let mut out = OgrDataset {
        driver,
        layers: Vec::new(),
        crs: None,
        features: Vec::new(),
        skipped: Skipped::default(),
        garbled_text: false,
        feature_total: 0,
    };
    let mut layer_crs: Vec<(String, Option<gdal::spatial_ref::SpatialRef>)> = Vec::new();
    for mut layer in ds.layers() {
        let name = layer.name();
        let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        if field_names.iter().any(|n| n.contains('\u{FFFD}')) {
            out.garbled_text = true;
        }
        let srs = layer.spatial_ref();
        let mut contributed = false;
        for feature in layer.features() {
            out.feature_total += 1;
            let mut attributes = BTreeMap::new();
            for (i, field) in field_names.iter().enumerate() {
                if let Ok(Some(v)) = feature.field_as_string(i) {
                    if v.contains('\u{FFFD}') {
                        out.garbled_text = true;
                    }
                    attributes.insert(field.clone(), v);
                }
            }
            // gdal 0.19 returns Some(null handle) for a feature without geometry.
            // SAFETY: c_geometry only reads the handle.
            let geometry = match feature.geometry() {
                Some(g) if !unsafe { g.c_geometry() }.is_null() && !g.is_empty() => g,
                _ => {
                    out.skipped.empty += 1;
                    continue;
                }
            };
            let mut found = Walk { keep_sites: accept == Accept::AnySite, ..Walk::default() };
            // SAFETY: read-only queries on a valid handle.
            unsafe {
                if gdal_sys::OGR_G_Is3D(geometry.c_geometry()) != 0 {
                    found.skipped.with_z += 1;
                }
                if gdal_sys::OGR_G_IsMeasured(geometry.c_geometry()) != 0 {
                    found.skipped.with_m += 1;
                }
            }
            match linear(geometry) {
                Some(lin) => walk(&lin, format == Format::Dxf, &mut found),
                None => walk(geometry, format == Format::Dxf, &mut found),
            }
            // Every vertex read counts, assessed or not: a drawing full of lines is as costly to read as polygons.
            budget.add(found.vertices)?;
            if found.polygons.is_empty() && found.sites.is_empty() {
                // Heights of points and lines that are not assessed do not matter.
                found.skipped.with_z = 0;
                found.skipped.with_m = 0;
            }
            out.skipped.add(&found.skipped);
            if found.polygons.is_empty() && found.sites.is_empty() {
                continue;
            }
            contributed = true;
            out.features.push(RawFeature {
                layer: name.clone(),
                fid: feature.fid(),
                name: pick_name(&attributes),
                attributes,
                polygons: found.polygons,
                sites: found.sites,
                notes: Vec::new(),
            });
        }
        if contributed {
            out.layers.push(name.clone());
        }
        layer_crs.push((name, srs));
    }
    // The CRS of the layers that hold polygons (all layers when none does, for the messages).
    let relevant: Vec<&(String, Option<gdal::spatial_ref::SpatialRef>)> = {
        let with: Vec<_> = layer_crs.iter().filter(|(n, _)| out.layers.contains(n)).collect();
        if with.is_empty() { layer_crs.iter().collect() } else { with }
    };
    if let Some((_, first)) = relevant.first() {
        let differs = relevant.iter().any(|(_, s)| match (s, first) {
            (Some(a), Some(b)) => a != b,
            (None, None) => false,
            _ => true,
        });
        if differs {
            let files = relevant
                .iter()
                .map(|(n, s)| {
                    (format!("{what} layer {n}"), s.as_ref().and_then(declared_crs).map(|c| c.label).unwrap_or_else(|| "no CRS".into()))
                })
                .collect();
            return Err(UploadError::MixedCrs { files });
        }
        out.crs = first.as_ref().and_then(declared_crs);
    }
    Ok(out)
}

#[derive(Default)]
struct Walk {
    /// Keep points and lines (batch input) rather than counting them as skipped.
    keep_sites: bool,
    sites: RawSites,
    polygons: Vec<RawPolygon>,
    skipped: Skipped,
    vertices: usize,
}

fn points_of(g: &Geometry, out: &mut Walk) -> Ring {
    let mut pts = Vec::new();
    g.get_points(&mut pts);
    out.vertices += pts.len();
    pts.into_iter().map(|(x, y, _)| Coord { x, y }).collect()
}

fn walk(g: &Geometry, dxf: bool, out: &mut Walk) {
    use gdal_sys::OGRwkbGeometryType::*;
    let t = gdal::vector::geometry_type_flatten(g.geometry_type());
    if t == wkbPolygon || t == wkbTriangle {
        let rings: Vec<Ring> = (0..g.geometry_count()).map(|i| points_of(&g.get_geometry(i), out)).filter(|r| !r.is_empty()).collect();
        if rings.is_empty() {
            out.skipped.empty += 1;
        } else {
            out.polygons.push(RawPolygon { rings });
        }
    } else if t == wkbMultiPolygon
        || t == wkbGeometryCollection
        || t == wkbMultiLineString
        || t == wkbMultiPoint
        || t == wkbPolyhedralSurface
        || t == wkbTIN
    {
        for i in 0..g.geometry_count() {
            walk(&g.get_geometry(i), dxf, out);
        }
    } else if t == wkbLineString || t == wkbLinearRing {
        let mut ring = points_of(g, out);
        // A closed LWPOLYLINE with bulges ends within rounding of its start (the last arc is computed): snap it.
        let closed = ring.len() >= 4 && nearly_equal(&ring);
        if dxf && closed {
            if let Some(first) = ring.first().copied() {
                if let Some(last) = ring.last_mut() {
                    *last = first;
                }
            }
            out.skipped.closed_lines += 1;
            out.polygons.push(RawPolygon { rings: vec![ring] });
        } else if out.keep_sites {
            out.sites.lines.push(ring);
        } else {
            out.skipped.lines += 1;
        }
    } else if t == wkbPoint {
        out.vertices += 1;
        if out.keep_sites {
            let (x, y, _) = g.get_point(0);
            out.sites.points.push(Coord { x, y });
        } else {
            out.skipped.points += 1;
        }
    } else {
        out.skipped.other += 1;
    }
}

/// First and last point equal up to rounding (1e-9 of the ring's extent).
fn nearly_equal(ring: &[Coord<f64>]) -> bool {
    let (Some(f), Some(l)) = (ring.first(), ring.last()) else { return false };
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in ring {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let tol = 1e-9 * (x1 - x0).max(y1 - y0).max(1.0);
    (f.x - l.x).abs() <= tol && (f.y - l.y).abs() <= tol
}

/// A linear copy of a geometry with curves (arcs in FileGDB/DXF hatches/GML), or `None` when it has none.
fn linear(g: &Geometry) -> Option<Geometry> {
    // SAFETY: OGR_G_GetLinearGeometry returns a new geometry we own; take_owned destroys it once.
    unsafe {
        if gdal_sys::OGR_G_HasCurveGeometry(g.c_geometry(), 1) == 0 {
            return None;
        }
        crate::ogr::take_owned(gdal_sys::OGR_G_GetLinearGeometry(g.c_geometry(), 0.0, std::ptr::null_mut()))
    }
}
