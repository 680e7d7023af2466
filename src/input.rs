//! Turning what a user sends into a [`Site`] in the working CRS, with the usual mistakes caught and explained:
//! swapped lon/lat, projected metres sent as degrees, out-of-range or non-finite numbers, unclosed or
//! self-intersecting rings, zero-area polygons.
//!
//! Input in another CRS ([`InputCrs`]: GCJ-02, BD-09, Gauss–Krüger metres, any EPSG code) is converted position by
//! position first, then validated as lon/lat like everything else. The result, a [`SiteInput`], remembers what was
//! sent ([`InputOrigin`]) so that the answer can echo it.

use crate::crs::dms::{self, DmsError};
use crate::crs::gauss_kruger::suggest_crs;
use crate::crs::{in_china, AxisOrder, Converter, CrsInputError, InputCrs};
use crate::index::Site;
use geo::{Coord, LineString, MultiLineString, MultiPolygon, Point, Polygon, Validation};
use geojson::{GeoJson, Geometry as GjGeometry, Value};
use serde::Serialize;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("coordinate {0} is not a finite number")]
    NotFinite(String),
    #[error("({lon}, {lat}) looks like projected metres, not degrees: {}", suggest_crs(*lon, *lat).0)]
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
    #[error(transparent)]
    Crs(#[from] CrsInputError),
    #[error(transparent)]
    Text(#[from] DmsError),
    #[error("{}", conflicting_crs_en(member, requested, *explicit))]
    ConflictingGeoJsonCrs { member: String, requested: String, explicit: bool },
}

fn conflicting_crs_en(member: &str, requested: &str, explicit: bool) -> String {
    if explicit {
        format!("the GeoJSON carries a legacy \"crs\" member ({member}) that disagrees with the request's crs {requested}; RFC 7946 GeoJSON has no crs member and ecogate follows the request's crs: remove the member or make the two agree")
    } else {
        format!("the GeoJSON carries a legacy \"crs\" member ({member}); RFC 7946 GeoJSON has no crs member and ecogate does not guess from it: give the CRS as the request's crs (\"crs\" next to \"geometry\" in the body, crs= in the query, --crs on the CLI), or remove the member if the coordinates are WGS84 lon/lat")
    }
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
            InputError::Crs(e) => e.slug(),
            InputError::Text(_) => "invalid-coordinate-text",
            InputError::ConflictingGeoJsonCrs { .. } => "conflicting-crs",
        }
    }

    /// The same message in Chinese, for reviewers.
    pub fn message_zh(&self) -> String {
        match self {
            InputError::NotFinite(v) => format!("坐标 {v} 不是有效数字。"),
            InputError::ProjectedAsDegrees { lon, lat } => {
                format!("({lon}, {lat}) 像是投影坐标（米），不是经纬度：{}", suggest_crs(*lon, *lat).1)
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
            InputError::Crs(e) => e.message_zh(),
            InputError::Text(e) => e.message_zh(),
            InputError::ConflictingGeoJsonCrs { member, requested, explicit: true } => format!(
                "GeoJSON 中的旧式 crs 成员（{member}）与请求的坐标系 {requested} 不一致。RFC 7946 GeoJSON 没有 crs 成员，ecogate 以请求的 crs 为准：请删除该成员或使两者一致。"
            ),
            InputError::ConflictingGeoJsonCrs { member, .. } => format!(
                "GeoJSON 中有旧式 crs 成员（{member}）。RFC 7946 GeoJSON 没有 crs 成员，ecogate 不据此猜测坐标系：请在请求中注明 crs（请求体 geometry 旁的 \"crs\"、查询参数 crs=、命令行 --crs），若坐标为 WGS84 经纬度则删除该成员。"
            ),
        }
    }

    /// True when the error concerns the request's `crs`/`towgs84` rather than its coordinates (for pointers).
    pub fn is_about_the_crs(&self) -> bool {
        matches!(self, InputError::Crs(e) if e.is_about_the_crs())
    }
}

/// What the user sent, echoed with the answer: the CRS used, the first position as sent, how it was read, and
/// what it became.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputOrigin {
    /// The CRS used, resolved (`cgcs2000-gk3:38` when the request said `cgcs2000-gk3` and the prefix said 38).
    pub crs: String,
    pub epsg: Option<String>,
    /// The Helmert parameters applied (Xi'an 1980 / Beijing 1954), as given.
    pub towgs84: Option<Vec<f64>>,
    /// The text the coordinates came from (`--at`, `at=`), as sent.
    pub text: Option<String>,
    /// The point, or the first position of a line or footprint, as sent (first number first).
    pub coordinates: [f64; 2],
    /// The same position converted to working lon/lat.
    pub converted: [f64; 2],
    pub axis_order: AxisOrder,
    /// What was done to the numbers, in words.
    pub transformation: String,
    /// The request said WGS84/CGCS2000 lon/lat (or nothing): a GCJ-02 point sent by mistake would look like this.
    pub plain_lon_lat: bool,
}

/// A site in the working CRS and where it came from.
#[derive(Debug, Clone)]
pub struct SiteInput {
    pub site: Site,
    pub origin: InputOrigin,
}

fn origin(conv: &Converter, crs: &InputCrs, text: Option<&str>, sent: [f64; 2], converted: [f64; 2], axis: Option<AxisOrder>) -> InputOrigin {
    InputOrigin {
        crs: conv.crs.clone(),
        epsg: conv.epsg.clone(),
        towgs84: conv.towgs84.clone(),
        text: text.map(str::to_string),
        coordinates: sent,
        converted,
        axis_order: axis.unwrap_or(conv.axis),
        transformation: conv.transformation.clone(),
        plain_lon_lat: crs.is_plain_lon_lat(),
    }
}

/// Checks a lon/lat that came out of a transformation: finite and in range (no swap guessing: PROJ's order is
/// known).
fn check_converted(lon: f64, lat: f64) -> Result<Coord<f64>, InputError> {
    for v in [lon, lat] {
        if !v.is_finite() {
            return Err(InputError::NotFinite(v.to_string()));
        }
    }
    if lon.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(InputError::OutOfRange { lon, lat });
    }
    Ok(Coord { x: lon, y: lat })
}

/// Checks a position as sent in `crs`: degrees are checked for swaps and projected numbers; projected numbers are
/// checked by the converter.
fn check_sent(p: [f64; 2], crs: &InputCrs) -> Result<(), InputError> {
    for v in p {
        if !v.is_finite() {
            return Err(InputError::NotFinite(v.to_string()));
        }
    }
    if !crs.is_projected() {
        check_lon_lat(p[0], p[1])?;
    }
    Ok(())
}

fn point_from(sent: [f64; 2], p: [f64; 2], crs: &InputCrs, text: Option<&str>, axis: Option<AxisOrder>) -> Result<SiteInput, InputError> {
    check_sent(p, crs)?;
    let conv = crs.converter(&[p])?;
    let [lon, lat] = conv.convert(p)?;
    let c = check_converted(lon, lat)?;
    Ok(SiteInput { site: Site::Point(Point(c)), origin: origin(&conv, crs, text, sent, [lon, lat], axis) })
}

/// A point from two numbers in `crs`, first number first: lon, lat for lon/lat CRSs; easting and northing in
/// either order for Gauss–Krüger; x, y for other projected EPSG codes.
pub fn point_input(first: f64, second: f64, crs: &InputCrs) -> Result<SiteInput, InputError> {
    point_from([first, second], [first, second], crs, None, None)
}

/// A point from text (`--at`, `at=`): decimal numbers or degrees–minutes–seconds (see [`crate::crs::dms`]).
/// Degrees-minutes-seconds and hemisphere letters are refused with a projected `crs`.
pub fn text_point_input(text: &str, crs: &InputCrs) -> Result<SiteInput, InputError> {
    let parsed = dms::parse_pair(text)?;
    let sent = [parsed.first, parsed.second];
    if crs.is_projected() {
        if parsed.is_angular() {
            return Err(CrsInputError::DegreesWithProjectedCrs { x: parsed.first, y: parsed.second, crs: crs.label() }.into());
        }
        return point_from(sent, sent, crs, Some(text), None);
    }
    let (lon, lat) = parsed.lon_lat();
    let axis = (parsed.lat_first == Some(true)).then_some(AxisOrder::LatLon);
    point_from(sent, [lon, lat], crs, Some(text), axis)
}

/// A site from a GeoJSON value (Geometry, Feature or FeatureCollection) whose coordinates are in `crs`. Every
/// position is converted to working lon/lat first, then the geometry is validated. A legacy `crs` member inside
/// the GeoJSON must agree with `crs` (RFC 7946 has none; the request's `crs` governs).
pub fn geojson_input(value: &serde_json::Value, crs: &InputCrs) -> Result<SiteInput, InputError> {
    check_legacy_crs(value, crs)?;
    let gj = GeoJson::from_json_value(value.clone()).map_err(|e| InputError::GeoJson(e.to_string()))?;
    let mut geometries = geometries_of(gj);
    let mut sent = Vec::new();
    for g in &geometries {
        positions(&g.value, &mut sent)?;
    }
    let first = *sent.first().ok_or(InputError::Empty)?;
    if crs.is_plain_lon_lat() {
        // No conversion: the historical path, whose checks (swapped axes, projected numbers) see the raw numbers.
        let site = site_from_geometries(&geometries)?;
        let conv = crs.converter(&sent)?;
        return Ok(SiteInput { site, origin: origin(&conv, crs, None, first, first, None) });
    }
    for p in &sent {
        check_sent(*p, crs)?;
    }
    let conv = crs.converter(&sent)?;
    for g in &mut geometries {
        convert_positions(&mut g.value, &conv)?;
    }
    let site = site_from_geometries_with(&geometries, check_converted)?;
    let converted = conv.convert(first)?;
    Ok(SiteInput { site, origin: origin(&conv, crs, None, first, converted, None) })
}

/// [`geojson_input`] from text (a leading UTF-8 BOM is ignored).
pub fn geojson_text_input(text: &str, crs: &InputCrs) -> Result<SiteInput, InputError> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| InputError::GeoJson(e.to_string()))?;
    geojson_input(&value, crs)
}

fn geometries_of(gj: GeoJson) -> Vec<GjGeometry> {
    match gj {
        GeoJson::Geometry(g) => vec![g],
        GeoJson::Feature(f) => f.geometry.into_iter().collect(),
        GeoJson::FeatureCollection(fc) => fc.features.into_iter().filter_map(|f| f.geometry).collect(),
    }
}

/// Legacy (GeoJSON 2008) `crs` members anywhere a reader would look: the top object, a Feature's geometry, each
/// feature of a collection.
fn legacy_crs_members(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    let Some(o) = v.as_object() else { return };
    if let Some(c) = o.get("crs") {
        out.push(c.clone());
    }
    if let Some(g) = o.get("geometry") {
        legacy_crs_members(g, out);
    }
    for key in ["features", "geometries"] {
        for item in o.get(key).and_then(serde_json::Value::as_array).into_iter().flatten() {
            legacy_crs_members(item, out);
        }
    }
}

fn check_legacy_crs(value: &serde_json::Value, requested: &InputCrs) -> Result<(), InputError> {
    let mut members = Vec::new();
    legacy_crs_members(value, &mut members);
    for member in members {
        // {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4526"}} or {"type": "EPSG", "properties": {"code": 4526}}
        let name = member
            .pointer("/properties/name")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .or_else(|| member.pointer("/properties/code").and_then(serde_json::Value::as_u64).map(|c| format!("EPSG:{c}")));
        let agrees = name.as_deref().and_then(|n| InputCrs::named(n).ok()).is_some_and(|legacy| requested.agrees_with(&legacy));
        if !agrees {
            return Err(InputError::ConflictingGeoJsonCrs {
                member: name.unwrap_or_else(|| member.to_string()),
                requested: requested.label(),
                explicit: requested.is_explicit(),
            });
        }
    }
    Ok(())
}

fn position(pos: &[f64]) -> Result<[f64; 2], InputError> {
    match pos {
        [x, y, ..] => Ok([*x, *y]),
        _ => Err(InputError::GeoJson("a position needs at least two numbers".into())),
    }
}

/// Every position of a geometry, as sent.
fn positions(v: &Value, out: &mut Vec<[f64; 2]>) -> Result<(), InputError> {
    match v {
        Value::Point(p) => out.push(position(p)?),
        Value::MultiPoint(ps) | Value::LineString(ps) => {
            for p in ps {
                out.push(position(p)?);
            }
        }
        Value::MultiLineString(ls) | Value::Polygon(ls) => {
            for p in ls.iter().flatten() {
                out.push(position(p)?);
            }
        }
        Value::MultiPolygon(ps) => {
            for p in ps.iter().flatten().flatten() {
                out.push(position(p)?);
            }
        }
        Value::GeometryCollection(gs) => {
            for g in gs {
                positions(&g.value, out)?;
            }
        }
    }
    Ok(())
}

fn convert_position(pos: &mut Vec<f64>, conv: &Converter) -> Result<(), InputError> {
    let [lon, lat] = conv.convert(position(pos)?)?;
    *pos = vec![lon, lat];
    Ok(())
}

/// Converts every position of a geometry in place (heights are dropped).
fn convert_positions(v: &mut Value, conv: &Converter) -> Result<(), InputError> {
    match v {
        Value::Point(p) => convert_position(p, conv)?,
        Value::MultiPoint(ps) | Value::LineString(ps) => {
            for p in ps {
                convert_position(p, conv)?;
            }
        }
        Value::MultiLineString(ls) | Value::Polygon(ls) => {
            for p in ls.iter_mut().flatten() {
                convert_position(p, conv)?;
            }
        }
        Value::MultiPolygon(ps) => {
            for p in ps.iter_mut().flatten().flatten() {
                convert_position(p, conv)?;
            }
        }
        Value::GeometryCollection(gs) => {
            for g in gs {
                convert_positions(&mut g.value, conv)?;
            }
        }
    }
    Ok(())
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
    site_from_geometries(&geometries_of(gj))
}

pub fn site_from_geometries(geometries: &[GjGeometry]) -> Result<Site, InputError> {
    site_from_geometries_with(geometries, check_lon_lat)
}

/// The checker applied to every position: [`check_lon_lat`] for lon/lat as sent, or a range check after conversion.
type CoordCheck = fn(f64, f64) -> Result<Coord<f64>, InputError>;

fn site_from_geometries_with(geometries: &[GjGeometry], check: CoordCheck) -> Result<Site, InputError> {
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let mut polygons = Vec::new();
    for g in geometries {
        collect(&g.value, check, &mut points, &mut lines, &mut polygons)?;
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

fn coord(pos: &[f64], check: CoordCheck) -> Result<Coord<f64>, InputError> {
    let [x, y] = position(pos)?;
    check(x, y)
}

fn line(positions: &[Vec<f64>], check: CoordCheck) -> Result<LineString<f64>, InputError> {
    let coords = positions.iter().map(|p| coord(p, check)).collect::<Result<Vec<_>, _>>()?;
    let mut ls = LineString(coords);
    ls.0.dedup();
    if ls.0.len() < 2 {
        return Err(InputError::DegenerateLine);
    }
    Ok(ls)
}

fn polygon(rings: &[Vec<Vec<f64>>], check: CoordCheck) -> Result<Polygon<f64>, InputError> {
    let mut out = Vec::new();
    for (i, ring) in rings.iter().enumerate() {
        let coords = ring.iter().map(|p| coord(p, check)).collect::<Result<Vec<_>, _>>()?;
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
    check: CoordCheck,
    points: &mut Vec<Coord<f64>>,
    lines: &mut Vec<LineString<f64>>,
    polygons: &mut Vec<Polygon<f64>>,
) -> Result<(), InputError> {
    match v {
        Value::Point(p) => points.push(coord(p, check)?),
        Value::MultiPoint(ps) => {
            for p in ps {
                points.push(coord(p, check)?);
            }
        }
        Value::LineString(l) => lines.push(line(l, check)?),
        Value::MultiLineString(ls) => {
            for l in ls {
                lines.push(line(l, check)?);
            }
        }
        Value::Polygon(p) => polygons.push(polygon(p, check)?),
        Value::MultiPolygon(ps) => {
            for p in ps {
                polygons.push(polygon(p, check)?);
            }
        }
        Value::GeometryCollection(gs) => {
            for g in gs {
                collect(&g.value, check, points, lines, polygons)?;
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
    fn projected_numbers_sent_as_degrees_name_the_zone_of_the_prefix() {
        let e = check_lon_lat(38_448_542.634, 3_688_132.571).expect_err("metres");
        assert!(e.to_string().contains("crs=cgcs2000-gk3:38") && e.to_string().contains("central meridian 114°E"), "{e}");
        assert!(e.message_zh().contains("cgcs2000-gk3:38") && e.message_zh().contains("带号"), "{}", e.message_zh());
        let e = check_lon_lat(448_542.634, 3_688_132.571).expect_err("metres without prefix");
        assert!(e.to_string().contains("no zone prefix"), "{e}");
    }

    fn gk(name: &str) -> InputCrs {
        InputCrs::parse(Some(name), None).expect("crs")
    }

    #[test]
    fn a_gauss_kruger_footprint_is_transformed_then_validated() {
        // A 100 m square in zone 38 (no prefix), northing first: converted vertex by vertex, then a valid lon/lat polygon.
        let gj = r#"{"type":"Polygon","coordinates":[[[3688100,448500],[3688100,448600],[3688200,448600],[3688200,448500],[3688100,448500]]]}"#;
        let input = geojson_text_input(gj, &gk("cgcs2000-gk3:38")).expect("footprint");
        assert_eq!(input.origin.axis_order, AxisOrder::NorthingEasting);
        assert_eq!(input.origin.coordinates, [3_688_100.0, 448_500.0]);
        match &input.site {
            Site::Footprint(mp) => {
                let area = crate::index::geodesic_area(mp);
                assert!((area - 10_000.0).abs() < 20.0, "{area} m²");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_self_intersecting_gauss_kruger_ring_is_refused_after_transformation() {
        let gj = r#"{"type":"Polygon","coordinates":[[[448500,3688100],[448600,3688200],[448600,3688100],[448500,3688200],[448500,3688100]]]}"#;
        match geojson_text_input(gj, &gk("cgcs2000-gk3:38")) {
            Err(InputError::InvalidPolygon(m)) => assert!(m.contains("self-intersection"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_legacy_geojson_crs_member_must_agree_with_the_request() {
        let gj = r#"{"type":"Point","coordinates":[448542.634,3688132.571],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}}}"#;
        assert!(geojson_text_input(gj, &gk("cgcs2000-gk3:38")).is_ok(), "EPSG:4547 is zone 38 without prefix");
        let e = geojson_text_input(gj, &gk("cgcs2000-gk3:39")).expect_err("zone 39 disagrees");
        assert!(matches!(e, InputError::ConflictingGeoJsonCrs { explicit: true, .. }), "{e:?}");
        let e = geojson_text_input(gj, &InputCrs::default()).expect_err("no crs given");
        assert!(e.to_string().contains("RFC 7946") && e.to_string().contains("urn:ogc:def:crs:EPSG::4547"), "{e}");
        let crs84 = r#"{"type":"Point","coordinates":[113.45,33.32],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}}"#;
        assert!(geojson_text_input(crs84, &InputCrs::default()).is_ok(), "CRS84 agrees with the default");
    }

    #[test]
    fn gcj02_input_is_checked_for_swaps_before_conversion() {
        let e = point_input(33.31, 113.45, &gk("gcj02")).expect_err("swapped");
        assert!(matches!(e, InputError::Swapped { .. }), "{e:?}");
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
