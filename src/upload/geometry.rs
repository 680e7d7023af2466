//! From the rings a reader found (in the file's CRS) to an assessable footprint in the working CRS, repairing what
//! can be repaired and saying so: unclosed rings are closed, self-intersections are resolved with GEOS MakeValid
//! (through GDAL), zero-area polygons are refused, and every coordinate passes `input::check_lon_lat` after the
//! transformation, so projected numbers read in a geographic CRS are caught with the usual message. Validity is
//! decided by GEOS, as in ingestion.

use super::error::UploadError;
use super::Note;
use crate::crs::{Converter, ToWorking};
use crate::index::Site;
use crate::input;
use gdal::vector::ToGdal;
use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};

/// How a file's coordinates reach working lon/lat.
pub enum ToLonLat {
    /// PROJ from the CRS the file declares (or the lon/lat default of vertex tables).
    Proj(ToWorking),
    /// The request's `crs`, read as for points (axis order and zone resolved over the whole file, Helmert
    /// pipelines, GCJ-02/BD-09).
    Request(Converter),
}

impl ToLonLat {
    fn apply(&self, c: Coord<f64>, feature: &str, crs: &str) -> Result<Coord<f64>, UploadError> {
        match self {
            ToLonLat::Proj(t) => t.coord(c).map_err(|e| UploadError::Transform {
                feature: feature.to_string(),
                crs: crs.to_string(),
                message: e.to_string(),
            }),
            ToLonLat::Request(conv) => conv.convert([c.x, c.y]).map(|[x, y]| Coord { x, y }).map_err(|e| UploadError::Coordinates {
                feature: feature.to_string(),
                crs: crs.to_string(),
                error: e.into(),
            }),
        }
    }
}

/// A ring as read, in the file's CRS; possibly unclosed, possibly with repeated points.
pub type Ring = Vec<Coord<f64>>;

/// A polygon as read: the first ring is the exterior, the others holes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPolygon {
    pub rings: Vec<Ring>,
}

/// One footprint ready to assess.
#[derive(Debug)]
pub struct Footprint {
    pub polygons: MultiPolygon<f64>,
    pub geojson: geojson::Geometry,
    pub site: Site,
}

/// True when all points of a ring lie on one line (up to rounding), so it encloses nothing. (A signed-area test
/// would also flag a symmetric bow-tie, which MakeValid turns into two real triangles.)
fn is_flat(ring: &[Coord<f64>]) -> bool {
    let Some(&p0) = ring.first() else { return true };
    let far = ring
        .iter()
        .copied()
        .max_by(|a, b| (a.x - p0.x).hypot(a.y - p0.y).total_cmp(&(b.x - p0.x).hypot(b.y - p0.y)))
        .unwrap_or(p0);
    let (dx, dy) = (far.x - p0.x, far.y - p0.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return true;
    }
    ring.iter().all(|p| ((p.x - p0.x) * dy - (p.y - p0.y) * dx).abs() <= 1e-9 * len2)
}

fn distinct_points(ring: &[Coord<f64>]) -> usize {
    let mut v: Vec<(u64, u64)> = ring.iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Builds the footprint of one feature. `label` names the feature in messages, `index` is its position in the
/// answer.
pub fn footprint(
    label: &str,
    index: usize,
    raw: &[RawPolygon],
    to_working: &ToLonLat,
    crs_label: &str,
    notes: &mut Vec<Note>,
) -> Result<Footprint, UploadError> {
    let mut closed: Vec<String> = Vec::new();
    let mut dropped_holes = 0usize;
    let mut polygons = Vec::new();
    for (pi, p) in raw.iter().enumerate() {
        let mut rings: Vec<LineString<f64>> = Vec::new();
        for (ri, ring) in p.rings.iter().enumerate() {
            let mut r: Ring = ring.clone();
            r.dedup();
            if r.len() >= 2 && r.first() != r.last() {
                let (f, l) = (r[0], r[r.len() - 1]);
                closed.push(format!(
                    "polygon {} ring {}: first point ({}, {}) ≠ last point ({}, {})",
                    pi + 1,
                    ri + 1,
                    f.x,
                    f.y,
                    l.x,
                    l.y
                ));
                r.push(f);
            }
            if distinct_points(&r) < 3 || is_flat(&r) {
                if ri == 0 {
                    return Err(UploadError::ZeroArea { feature: label.to_string() });
                }
                dropped_holes += 1;
                continue;
            }
            let mut out = Vec::with_capacity(r.len());
            for c in r {
                let w = to_working.apply(c, label, crs_label)?;
                let w = input::check_lon_lat(w.x, w.y).map_err(|error| UploadError::Coordinates {
                    feature: label.to_string(),
                    crs: crs_label.to_string(),
                    error,
                })?;
                out.push(w);
            }
            rings.push(LineString(out));
        }
        if rings.is_empty() {
            continue;
        }
        let exterior = rings.remove(0);
        polygons.push(Polygon::new(exterior, rings));
    }
    if polygons.is_empty() {
        return Err(UploadError::ZeroArea { feature: label.to_string() });
    }
    let mut mp = MultiPolygon(polygons);
    let mut repaired_note = None;
    // Validity by GEOS (as ingestion decides it, and as MakeValid repairs it): on county-size polygons it is two
    // orders of magnitude faster than geo's validation, and the two never disagree about what needs repair.
    if !geos_valid(&mp) {
        let problem = mp.validation_errors().first().map(|e| e.to_string()).unwrap_or_else(|| "GEOS reports it invalid".into());
        let fixed = make_valid(&mp).map_err(|reason| UploadError::InvalidGeometry { feature: label.to_string(), reason })?;
        if fixed.0.is_empty() || geo::Area::unsigned_area(&fixed) == 0.0 {
            return Err(UploadError::ZeroArea { feature: label.to_string() });
        }
        if !geos_valid(&fixed) {
            return Err(UploadError::InvalidGeometry { feature: label.to_string(), reason: format!("{problem}; still invalid after GEOS MakeValid") });
        }
        mp = fixed;
        repaired_note = Some(problem);
    }
    let gj = geojson::Geometry::new(geojson::Value::from(&mp));
    if !closed.is_empty() {
        notes.push(Note::with_geometry(
            "ring-closed",
            index,
            format!("{label}: unclosed ring closed by repeating its first point ({}); the geometry assessed is attached", closed.join("; ")),
            format!("{label}：环未闭合（{}），已用首点闭合；所评估的几何见附带的 geometry", closed.join("；")),
            gj.clone(),
        ));
    }
    if dropped_holes > 0 {
        notes.push(Note::feature(
            "degenerate-hole-dropped",
            index,
            format!("{label}: {dropped_holes} hole(s) with fewer than 3 distinct points or zero area were dropped"),
            format!("{label}：{dropped_holes} 个内环点数不足或面积为零，已忽略"),
        ));
    }
    if let Some(problem) = repaired_note {
        notes.push(Note::with_geometry(
            "geometry-repaired",
            index,
            format!("{label}: invalid polygon ({problem}) repaired with GEOS MakeValid; the repaired geometry, which was assessed, is attached — check it against the source"),
            format!("{label}：多边形无效（自相交等：{problem}），已用 GEOS MakeValid 修复；修复后的几何（即所评估的几何）见附带的 geometry，请与原始数据核对"),
            gj.clone(),
        ));
    }
    // What input::site_from_geometries checks for a polygon — every coordinate through check_lon_lat, validity,
    // non-zero area — has been checked above (validity with GEOS, see there), so the site is built directly.
    let site = Site::Footprint(mp.clone());
    Ok(Footprint { polygons: mp, geojson: gj, site })
}

fn geos_valid(mp: &MultiPolygon<f64>) -> bool {
    mp.to_gdal().is_ok_and(|g| g.is_valid())
}

/// GEOS MakeValid (through GDAL), keeping only the polygonal part of the result.
fn make_valid(mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let g = mp.to_gdal().map_err(|e| e.to_string())?;
    let fixed = g.make_valid(&gdal::cpl::CslStringList::new()).map_err(|e| e.to_string())?;
    Ok(polygons_of_gdal(&fixed))
}

/// The polygons inside a linear GDAL geometry (Polygon, MultiPolygon, GeometryCollection), as geo polygons.
pub fn polygons_of_gdal(g: &gdal::vector::Geometry) -> MultiPolygon<f64> {
    use gdal_sys::OGRwkbGeometryType::*;
    let mut out = Vec::new();
    let mut stack = vec![g.clone()];
    while let Some(g) = stack.pop() {
        match gdal::vector::geometry_type_flatten(g.geometry_type()) {
            t if t == wkbPolygon => {
                if let Ok(geo::Geometry::Polygon(p)) = g.to_geo() {
                    out.push(p);
                }
            }
            t if t == wkbMultiPolygon || t == wkbGeometryCollection => {
                for i in 0..g.geometry_count() {
                    stack.push(g.get_geometry(i).clone());
                }
            }
            _ => {}
        }
    }
    out.reverse();
    MultiPolygon(out)
}

/// The union of all features' footprints (GEOS cascaded union, through GDAL): the site of the whole file.
pub fn union(parts: &[&MultiPolygon<f64>]) -> MultiPolygon<f64> {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    let all = MultiPolygon(parts.iter().flat_map(|mp| mp.0.iter().cloned()).collect());
    let Ok(g) = all.to_gdal() else { return all };
    // SAFETY: OGR_G_UnionCascaded returns a new geometry we own (or NULL); take_owned destroys it once.
    let union = unsafe { crate::ogr::take_owned(gdal_sys::OGR_G_UnionCascaded(g.c_geometry())) };
    match union.map(|u| polygons_of_gdal(&u)) {
        Some(mp) if !mp.0.is_empty() => mp,
        _ => all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, d: f64) -> Ring {
        vec![Coord { x, y }, Coord { x: x + d, y }, Coord { x: x + d, y: y + d }, Coord { x, y: y + d }, Coord { x, y }]
    }

    fn wgs() -> ToWorking {
        ToWorking::new("EPSG:4490").expect("identity")
    }

    #[test]
    fn unclosed_ring_is_closed_with_a_note() {
        let mut ring = square(113.5, 33.3, 0.01);
        ring.pop();
        let mut notes = Vec::new();
        let f = footprint("feature 0", 0, &[RawPolygon { rings: vec![ring] }], &ToLonLat::Proj(wgs()), "EPSG:4490", &mut notes).expect("ok");
        assert_eq!(f.polygons.0[0].exterior().0.len(), 5);
        assert_eq!(notes[0].kind, "ring-closed");
        assert!(notes[0].geometry.is_some());
    }

    #[test]
    fn bow_tie_is_repaired_into_two_triangles() {
        let c = |x, y| Coord { x, y };
        let ring = vec![c(113.5, 33.2), c(113.6, 33.3), c(113.6, 33.2), c(113.5, 33.3), c(113.5, 33.2)];
        let mut notes = Vec::new();
        let f = footprint("feature 0", 0, &[RawPolygon { rings: vec![ring] }], &ToLonLat::Proj(wgs()), "EPSG:4490", &mut notes).expect("ok");
        assert_eq!(f.polygons.0.len(), 2);
        assert_eq!(notes[0].kind, "geometry-repaired");
    }

    #[test]
    fn collinear_points_are_zero_area() {
        let c = |x, y| Coord { x, y };
        let ring = vec![c(113.5, 33.2), c(113.6, 33.3), c(113.7, 33.4), c(113.5, 33.2)];
        let err = footprint("feature 0", 0, &[RawPolygon { rings: vec![ring] }], &ToLonLat::Proj(wgs()), "EPSG:4490", &mut Vec::new());
        assert!(matches!(err, Err(UploadError::ZeroArea { .. })), "{err:?}");
    }

    #[test]
    fn projected_numbers_in_a_geographic_crs_are_caught() {
        let ring = square(38_452_000.0, 3_685_000.0, 100.0);
        let err = footprint("feature 0", 0, &[RawPolygon { rings: vec![ring] }], &ToLonLat::Proj(wgs()), "EPSG:4490", &mut Vec::new());
        match err {
            Err(e @ UploadError::Coordinates { .. }) => assert_eq!(e.slug(), "projected-as-degrees"),
            other => panic!("{:?}", other.err()),
        }
    }

    #[test]
    fn union_merges_overlapping_features() {
        let a = MultiPolygon(vec![Polygon::new(LineString(square(0.0, 0.0, 2.0)), vec![])]);
        let b = MultiPolygon(vec![Polygon::new(LineString(square(1.0, 1.0, 2.0)), vec![])]);
        let u = union(&[&a, &b]);
        assert_eq!(u.0.len(), 1);
        assert!((geo::Area::unsigned_area(&u) - 7.0).abs() < 1e-9);
    }
}

/// A point or line feature as read, in the file's CRS: kept only when the caller takes any site geometry (batch
/// screening), never for the footprint upload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSites {
    pub points: Vec<Coord<f64>>,
    pub lines: Vec<Ring>,
}

impl RawSites {
    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.lines.is_empty()
    }

    pub fn coords(&self) -> impl Iterator<Item = &Coord<f64>> {
        self.points.iter().chain(self.lines.iter().flatten())
    }
}

/// The site of a point or line feature in working lon/lat, converted and range-checked vertex by vertex as
/// [`footprint`] does rings. Lines win over points (a route with station markers is a route); a MultiPoint of
/// several points is refused as it is in GeoJSON input, since one row has one site.
pub fn point_or_line(label: &str, raw: &RawSites, to_working: &ToLonLat, crs_label: &str) -> Result<(Site, geojson::Geometry), UploadError> {
    let convert = |c: Coord<f64>| -> Result<Coord<f64>, UploadError> {
        let w = to_working.apply(c, label, crs_label)?;
        input::check_lon_lat(w.x, w.y).map_err(|error| UploadError::Coordinates { feature: label.to_string(), crs: crs_label.to_string(), error })
    };
    let mut lines = Vec::new();
    for l in &raw.lines {
        let mut l: Ring = l.clone();
        l.dedup();
        if l.len() >= 2 {
            lines.push(LineString(l.into_iter().map(convert).collect::<Result<Vec<_>, _>>()?));
        }
    }
    if !lines.is_empty() {
        let mls = geo::MultiLineString(lines);
        let geometry = if mls.0.len() == 1 {
            geojson::Geometry::new(geojson::Value::from(&mls.0[0]))
        } else {
            geojson::Geometry::new(geojson::Value::from(&mls))
        };
        return Ok((Site::Line(mls), geometry));
    }
    match raw.points.as_slice() {
        [p] => {
            let p = geo::Point(convert(*p)?);
            Ok((Site::Point(p), geojson::Geometry::new(geojson::Value::from(&p))))
        }
        [] => Err(UploadError::DegenerateLine { feature: label.to_string() }),
        _ => Err(UploadError::SeveralPoints { feature: label.to_string(), count: raw.points.len() }),
    }
}
