//! Turning what a user sends into a [`Site`] in the working CRS, with the usual mistakes caught and explained:
//! swapped lon/lat, projected metres sent as degrees, out-of-range or non-finite numbers, unclosed or
//! self-intersecting rings, zero-area polygons.

use crate::crs::in_china;
use crate::index::Site;
use geo::{Coord, LineString, MultiLineString, MultiPolygon, Point, Polygon, Validation};
use geojson::{GeoJson, Geometry as GjGeometry, Value};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("coordinate {0} is not a finite number")]
    NotFinite(String),
    #[error("({lon}, {lat}) looks like projected metres, not degrees: send lon/lat in degrees, or give the CRS of the numbers")]
    ProjectedAsDegrees { lon: f64, lat: f64 },
    #[error("({lon}, {lat}) looks swapped: ({lat}, {lon}) would lie in China — send longitude first (x = lon, y = lat)")]
    Swapped { lon: f64, lat: f64 },
    #[error("longitude {lon} or latitude {lat} is out of range (lon −180…180, lat −90…90)")]
    OutOfRange { lon: f64, lat: f64 },
    #[error("not valid GeoJSON: {0}")]
    GeoJson(String),
    #[error("unsupported geometry type {0}: send a Point, LineString, Polygon or their Multi- forms")]
    UnsupportedGeometry(String),
    #[error("the input mixes points, lines and polygons; send one kind per assessment")]
    MixedGeometry,
    #[error("the input holds no geometry")]
    Empty,
    #[error("polygon ring {ring} is not closed: its first point {first:?} differs from its last {last:?}")]
    UnclosedRing { ring: usize, first: [f64; 2], last: [f64; 2] },
    #[error("invalid polygon: {0}")]
    InvalidPolygon(String),
    #[error("the polygon has zero area")]
    ZeroArea,
    #[error("a line needs at least two distinct points")]
    DegenerateLine,
}

impl InputError {
    /// A stable name for the error class (used as the problem type by the API).
    pub fn slug(&self) -> &'static str {
        match self {
            InputError::NotFinite(_) | InputError::OutOfRange { .. } => "invalid-coordinates",
            InputError::ProjectedAsDegrees { .. } => "projected-as-degrees",
            InputError::Swapped { .. } => "swapped-coordinates",
            InputError::GeoJson(_) => "invalid-geojson",
            InputError::UnsupportedGeometry(_) | InputError::MixedGeometry | InputError::Empty => "unsupported-geometry",
            InputError::UnclosedRing { .. } | InputError::InvalidPolygon(_) | InputError::ZeroArea | InputError::DegenerateLine => {
                "invalid-geometry"
            }
        }
    }

    /// The same message in Chinese, for reviewers.
    pub fn message_zh(&self) -> String {
        match self {
            InputError::NotFinite(v) => format!("坐标 {v} 不是有效数字。"),
            InputError::ProjectedAsDegrees { lon, lat } => {
                format!("({lon}, {lat}) 像是投影坐标（米），不是经纬度：请以度为单位发送经纬度，或注明坐标系。")
            }
            InputError::Swapped { lon, lat } => {
                format!("({lon}, {lat}) 经纬度可能颠倒：({lat}, {lon}) 才位于中国境内。请先经度（x）后纬度（y）。")
            }
            InputError::OutOfRange { lon, lat } => format!("经度 {lon} 或纬度 {lat} 超出范围（经度 −180…180，纬度 −90…90）。"),
            InputError::GeoJson(m) => format!("GeoJSON 格式错误：{m}"),
            InputError::UnsupportedGeometry(t) => format!("不支持的几何类型 {t}：请发送点、线、面或其多部件形式。"),
            InputError::MixedGeometry => "输入混合了点、线、面；每次评估只能是一种。".into(),
            InputError::Empty => "输入不含任何几何。".into(),
            InputError::UnclosedRing { ring, .. } => format!("多边形第 {ring} 个环未闭合：首末点不同。"),
            InputError::InvalidPolygon(m) => format!("多边形无效（如自相交）：{m}"),
            InputError::ZeroArea => "多边形面积为零。".into(),
            InputError::DegenerateLine => "线至少需要两个不同的点。".into(),
        }
    }
}

/// Checks a lon/lat pair meant as degrees in the working CRS.
pub fn check_lon_lat(lon: f64, lat: f64) -> Result<Coord<f64>, InputError> {
    for v in [lon, lat] {
        if !v.is_finite() {
            return Err(InputError::NotFinite(v.to_string()));
        }
    }
    if lon.abs() > 360.0 || lat.abs() > 360.0 {
        return Err(InputError::ProjectedAsDegrees { lon, lat });
    }
    let swapped_in_china = in_china(Coord { x: lat, y: lon });
    if (lat.abs() > 90.0 || !in_china(Coord { x: lon, y: lat })) && swapped_in_china {
        return Err(InputError::Swapped { lon, lat });
    }
    if lon.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(InputError::OutOfRange { lon, lat });
    }
    Ok(Coord { x: lon, y: lat })
}

/// A point site from lon/lat degrees.
pub fn point_site(lon: f64, lat: f64) -> Result<Site, InputError> {
    Ok(Site::Point(Point(check_lon_lat(lon, lat)?)))
}

/// A site from GeoJSON text: a Geometry, a Feature, or a FeatureCollection whose features are all of one kind
/// (combined into one multi-geometry).
pub fn site_from_geojson(text: &str) -> Result<Site, InputError> {
    let gj: GeoJson = text.trim_start_matches('\u{feff}').parse().map_err(|e: geojson::Error| InputError::GeoJson(e.to_string()))?;
    let geometries: Vec<GjGeometry> = match gj {
        GeoJson::Geometry(g) => vec![g],
        GeoJson::Feature(f) => f.geometry.into_iter().collect(),
        GeoJson::FeatureCollection(fc) => fc.features.into_iter().filter_map(|f| f.geometry).collect(),
    };
    site_from_geometries(&geometries)
}

pub fn site_from_geometries(geometries: &[GjGeometry]) -> Result<Site, InputError> {
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let mut polygons = Vec::new();
    for g in geometries {
        collect(&g.value, &mut points, &mut lines, &mut polygons)?;
    }
    match (points.len(), lines.len(), polygons.len()) {
        (0, 0, 0) => Err(InputError::Empty),
        (1, 0, 0) => Ok(Site::Point(Point(points[0]))),
        (_, 0, 0) => Err(InputError::UnsupportedGeometry("MultiPoint with several points (assess them one by one)".into())),
        (0, _, 0) => Ok(Site::Line(MultiLineString(lines))),
        (0, 0, _) => Ok(Site::Footprint(MultiPolygon(polygons))),
        _ => Err(InputError::MixedGeometry),
    }
}

fn coord(pos: &[f64]) -> Result<Coord<f64>, InputError> {
    match pos {
        [x, y, ..] => check_lon_lat(*x, *y),
        _ => Err(InputError::GeoJson("a position needs at least two numbers".into())),
    }
}

fn line(positions: &[Vec<f64>]) -> Result<LineString<f64>, InputError> {
    let coords = positions.iter().map(|p| coord(p)).collect::<Result<Vec<_>, _>>()?;
    let mut ls = LineString(coords);
    ls.0.dedup();
    if ls.0.len() < 2 {
        return Err(InputError::DegenerateLine);
    }
    Ok(ls)
}

fn polygon(rings: &[Vec<Vec<f64>>]) -> Result<Polygon<f64>, InputError> {
    let mut out = Vec::new();
    for (i, ring) in rings.iter().enumerate() {
        let coords = ring.iter().map(|p| coord(p)).collect::<Result<Vec<_>, _>>()?;
        if let (Some(f), Some(l)) = (coords.first(), coords.last()) {
            if f != l {
                return Err(InputError::UnclosedRing { ring: i, first: [f.x, f.y], last: [l.x, l.y] });
            }
        }
        out.push(LineString(coords));
    }
    if out.is_empty() {
        return Err(InputError::Empty);
    }
    let exterior = out.remove(0);
    let p = Polygon::new(exterior, out);
    if let Some(e) = p.validation_errors().first() {
        return Err(InputError::InvalidPolygon(e.to_string()));
    }
    if geo::Area::unsigned_area(&p) == 0.0 {
        return Err(InputError::ZeroArea);
    }
    Ok(p)
}

fn collect(
    v: &Value,
    points: &mut Vec<Coord<f64>>,
    lines: &mut Vec<LineString<f64>>,
    polygons: &mut Vec<Polygon<f64>>,
) -> Result<(), InputError> {
    match v {
        Value::Point(p) => points.push(coord(p)?),
        Value::MultiPoint(ps) => {
            for p in ps {
                points.push(coord(p)?);
            }
        }
        Value::LineString(l) => lines.push(line(l)?),
        Value::MultiLineString(ls) => {
            for l in ls {
                lines.push(line(l)?);
            }
        }
        Value::Polygon(p) => polygons.push(polygon(p)?),
        Value::MultiPolygon(ps) => {
            for p in ps {
                polygons.push(polygon(p)?);
            }
        }
        Value::GeometryCollection(gs) => {
            for g in gs {
                collect(&g.value, points, lines, polygons)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_lat_lon_is_detected() {
        assert_eq!(check_lon_lat(33.27, 113.52), Err(InputError::Swapped { lon: 33.27, lat: 113.52 }));
    }

    #[test]
    fn projected_metres_sent_as_degrees_are_refused() {
        assert!(matches!(check_lon_lat(38_452_000.0, 3_685_000.0), Err(InputError::ProjectedAsDegrees { .. })));
    }

    #[test]
    fn nan_is_refused() {
        assert!(matches!(check_lon_lat(f64::NAN, 33.0), Err(InputError::NotFinite(_))));
    }

    #[test]
    fn bow_tie_polygon_is_refused_with_reason() {
        let gj = r#"{"type":"Polygon","coordinates":[[[113.5,33.2],[113.6,33.3],[113.6,33.2],[113.5,33.3],[113.5,33.2]]]}"#;
        match site_from_geojson(gj) {
            Err(InputError::InvalidPolygon(m)) => assert!(m.contains("self-intersection"), "{m}"),
            other => panic!("expected invalid polygon, got {other:?}"),
        }
    }

    #[test]
    fn unclosed_ring_is_refused() {
        let gj = r#"{"type":"Polygon","coordinates":[[[113.5,33.2],[113.6,33.2],[113.6,33.3],[113.5,33.3]]]}"#;
        assert!(matches!(site_from_geojson(gj), Err(InputError::UnclosedRing { ring: 0, .. })));
    }

    #[test]
    fn feature_collection_of_polygons_becomes_one_footprint() {
        let gj = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[113.5,33.2],[113.51,33.2],[113.51,33.21],[113.5,33.2]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[113.6,33.2],[113.61,33.2],[113.61,33.21],[113.6,33.2]]]}}]}"#;
        match site_from_geojson(gj) {
            Ok(Site::Footprint(mp)) => assert_eq!(mp.0.len(), 2),
            other => panic!("{other:?}"),
        }
    }
}
