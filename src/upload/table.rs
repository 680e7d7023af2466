//! Vertex tables (CSV or XLSX, read through GDAL's CSV and XLSX drivers as text): one row per boundary point, with
//! coordinate columns under the names people use (lon/lat, 经度/纬度, x/y, X/Y, 东坐标/北坐标, E/N …) and optional
//! parcel, ring and point-number columns. Rows of one parcel form its rings in file order; ring numbers > 1 are
//! holes (as in 界址点 files), and a ring closes when a point repeats its first point.
//!
//! Axis order: in Chinese surveying X is the northing. When the x column holds northing-sized numbers (7 digits)
//! and the y column easting-sized ones (6 digits, or 8 with the zone prefix), the table is read that way, and the
//! answer says so.

use super::error::UploadError;
use super::geometry::Ring;
use super::rings::{assemble, RingInput};
use super::{Budget, RawFeature};
use gdal::vector::LayerAccess;
use gdal::Dataset;
use geo::Coord;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Lon,
    Lat,
    X,
    Y,
    East,
    North,
    Parcel,
    Ring,
    Point,
}

/// Header names per role, compared after lower-casing and removing spaces, underscores and a unit in brackets.
const NAMES: &[(Role, &[&str])] = &[
    (Role::Lon, &["lon", "lng", "long", "longitude", "经度", "东经", "经度(°)"]),
    (Role::Lat, &["lat", "latitude", "纬度", "北纬"]),
    (Role::East, &["东坐标", "东", "e", "east", "easting", "东向坐标", "横坐标y", "y(东)", "y东"]),
    (Role::North, &["北坐标", "北", "n", "north", "northing", "北向坐标", "纵坐标x", "x(北)", "x北"]),
    (Role::X, &["x", "x坐标", "坐标x", "xcoord", "x_coord", "pointx"]),
    (Role::Y, &["y", "y坐标", "坐标y", "ycoord", "y_coord", "pointy"]),
    (Role::Parcel, &["parcel", "地块", "地块编号", "地块号", "地块名称", "宗地号", "宗地编号", "宗地代码", "part", "polygon", "feature", "name", "名称", "图斑编号"]),
    (Role::Ring, &["ring", "圈号", "地块圈号", "环号", "环", "ringno", "ring_no"]),
    (Role::Point, &["点号", "point", "pt", "序号", "界址点号", "点名", "pointno", "point_no", "no", "id"]),
];

/// Header comparison form: lower case, no spaces or underscores, no trailing unit in brackets (shared with batch tables).
pub(crate) fn normalise(h: &str) -> String {
    let mut s: String = h.trim().to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    // "x(m)", "经度（度）": drop a trailing unit in brackets.
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']')] {
        if s.ends_with(close) {
            if let Some(i) = s.rfind(open) {
                let inner = &s[i + open.len_utf8()..s.len() - close.len_utf8()];
                if matches!(inner, "m" | "米" | "度" | "°" | "deg" | "degree" | "degrees") {
                    s.truncate(i);
                }
            }
        }
    }
    s
}

fn role_of(header: &str) -> Option<Role> {
    let n = normalise(header);
    NAMES.iter().find(|(_, names)| names.iter().any(|x| normalise(x) == n)).map(|(r, _)| *r)
}

/// True when a header line names a coordinate pair (used to decide whether a CSV inside a zip is a candidate).
pub fn header_has_coordinates(line: &str) -> bool {
    let roles: Vec<Role> = line.split([',', ';', '\t']).filter_map(|h| role_of(h.trim_matches('"'))).collect();
    let has = |r| roles.contains(&r);
    (has(Role::Lon) && has(Role::Lat)) || (has(Role::East) && has(Role::North)) || (has(Role::X) && has(Role::Y))
}

/// How the coordinate columns are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axes {
    /// Degrees: lon/lat columns, or x/y columns holding degrees.
    LonLat,
    /// Metres, easting first.
    EastNorth,
    /// Metres in x/y columns with X = northing (surveying convention).
    SurveyXy,
}

pub struct Table {
    pub layer: String,
    pub axes: Axes,
    pub features: Vec<RawFeature>,
    /// A sample easting (for CRS suggestions when none is given).
    pub sample_easting: Option<f64>,
    pub notes: Vec<super::NoteText>,
}

struct Columns {
    a: usize,
    b: usize,
    parcel: Option<usize>,
    ring: Option<usize>,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    LonLat,
    EastNorth,
    Xy,
}

fn columns(headers: &[String]) -> Option<Columns> {
    let find = |r: Role| headers.iter().position(|h| role_of(h) == Some(r));
    let (a, b, kind) = if let (Some(a), Some(b)) = (find(Role::Lon), find(Role::Lat)) {
        (a, b, Kind::LonLat)
    } else if let (Some(a), Some(b)) = (find(Role::East), find(Role::North)) {
        (a, b, Kind::EastNorth)
    } else if let (Some(a), Some(b)) = (find(Role::X), find(Role::Y)) {
        (a, b, Kind::Xy)
    } else {
        return None;
    };
    // A 点号 column is recognised (so it is never taken for a coordinate) but rows are kept in file order.
    Some(Columns { a, b, parcel: find(Role::Parcel), ring: find(Role::Ring), kind })
}

fn expected_columns() -> &'static str {
    "lon/lat, 经度/纬度, x/y, X坐标/Y坐标, 东坐标/北坐标 or easting/northing; optional 地块/parcel, 圈号/ring, 点号/point"
}

fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace([',', ' '], "");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads every sheet (XLSX) or the one layer (CSV) that has coordinate columns.
pub fn read(ds: &Dataset, what: &str, budget: &mut Budget) -> Result<Vec<Table>, UploadError> {
    let mut tables = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut had_columns = false;
    for mut layer in ds.layers() {
        let name = layer.name();
        let headers: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        seen.push(format!("{name}: {}", headers.join(", ")));
        let Some(cols) = columns(&headers) else { continue };
        had_columns = true;
        // Rows as (line number, a, b, parcel, ring, point).
        let mut rows = Vec::new();
        for (i, f) in layer.features().enumerate() {
            let line = i + 2; // 1-based, after the header row
            let get = |idx: usize| f.field_as_string(idx).ok().flatten().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let (ra, rb) = (get(cols.a), get(cols.b));
            if ra.is_none() && rb.is_none() {
                continue; // blank row
            }
            let num = |v: Option<String>, col: usize| -> Result<f64, UploadError> {
                let v = v.unwrap_or_default();
                parse_number(&v).ok_or_else(|| UploadError::BadTable {
                    message: format!("{what}, {name} row {line}: column {:?} holds {v:?}, not a number (degrees as decimals, metres as plain numbers)", headers[col]),
                    message_zh: format!("{what}，{name} 第 {line} 行：列 {} 的值 {v:?} 不是数字（经纬度请用十进制度，平面坐标用米）", headers[col]),
                })
            };
            let a = num(ra, cols.a)?;
            let b = num(rb, cols.b)?;
            rows.push((line, a, b, cols.parcel.and_then(get), cols.ring.and_then(get)));
        }
        if rows.is_empty() {
            continue;
        }
        budget.add(rows.len())?;
        let mut notes = Vec::new();
        let degrees = rows.iter().all(|r| r.1.abs() <= 360.0 && r.2.abs() <= 360.0);
        let axes = match cols.kind {
            Kind::LonLat => Axes::LonLat,
            Kind::EastNorth => Axes::EastNorth,
            Kind::Xy if degrees => Axes::LonLat,
            Kind::Xy => {
                let northing_like = |v: f64| (1.0e6..1.0e7).contains(&v.abs());
                let easting_like = |v: f64| v.abs() < 1.0e6 || v.abs() >= 1.0e7;
                if rows.iter().all(|r| northing_like(r.1) && easting_like(r.2)) {
                    notes.push((
                        "axes-survey-order",
                        format!("{what}: column {:?} holds northings and {:?} eastings (surveying convention, X = north); read that way", headers[cols.a], headers[cols.b]),
                        format!("{what}：列 {} 为北坐标、列 {} 为东坐标（测量坐标系 X 轴指北），已按此读取", headers[cols.a], headers[cols.b]),
                    ));
                    Axes::SurveyXy
                } else {
                    Axes::EastNorth
                }
            }
        };
        let to_coord = |a: f64, b: f64| match axes {
            Axes::SurveyXy => Coord { x: b, y: a },
            Axes::LonLat | Axes::EastNorth => Coord { x: a, y: b },
        };
        let sample_easting = rows.first().map(|r| to_coord(r.1, r.2).x).filter(|_| axes != Axes::LonLat);
        // Group by parcel in order of first appearance.
        let mut order: Vec<String> = Vec::new();
        let mut parcels: BTreeMap<String, Vec<RingInput>> = BTreeMap::new();
        for (line, a, b, parcel, ring) in rows {
            let key = parcel.unwrap_or_default();
            if !parcels.contains_key(&key) {
                order.push(key.clone());
            }
            let list = parcels.entry(key).or_default();
            let ring_no = ring.as_deref().and_then(|r| r.parse::<f64>().ok()).map(|r| r as u32).unwrap_or(1);
            let c = to_coord(a, b);
            // A new ring starts when the ring number changes or the previous ring closed on its first point.
            let start_new = match list.last() {
                None => true,
                Some(last) => last.number != ring_no || (last.points.len() >= 4 && last.points.first() == last.points.last()),
            };
            if start_new {
                list.push(RingInput { number: ring_no, line, points: Ring::new() });
            }
            if let Some(last) = list.last_mut() {
                last.points.push(c);
            }
        }
        let mut features = Vec::new();
        for key in order {
            let rings = parcels.remove(&key).unwrap_or_default();
            let label = if key.is_empty() { format!("{what} {name}") } else { format!("{what} parcel {key}") };
            let (polygons, ring_notes) = assemble(&label, rings);
            let mut attributes = BTreeMap::new();
            if !key.is_empty() {
                attributes.insert(headers[cols.parcel.unwrap_or(0)].clone(), key.clone());
            }
            features.push(RawFeature {
                layer: name.clone(),
                fid: None,
                name: if key.is_empty() { None } else { Some(key) },
                attributes,
                polygons,
                sites: Default::default(),
                notes: ring_notes,
            });
        }
        tables.push(Table { layer: name, axes, features, sample_easting, notes });
    }
    if tables.is_empty() {
        if had_columns {
            return Err(UploadError::EmptyFile { what: format!("{what} has coordinate columns but no rows") });
        }
        return Err(UploadError::BadTable {
            message: format!("{what}: no coordinate columns found (columns: {}); expected {}", seen.join("; "), expected_columns()),
            message_zh: format!("{what}：未找到坐标列（现有列：{}）；应为 经度/纬度、X坐标/Y坐标、东坐标/北坐标 等，可选 地块、圈号、点号 列", seen.join("；")),
        });
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_in_chinese_and_english() {
        assert_eq!(role_of(" 经度 "), Some(Role::Lon));
        assert_eq!(role_of("X坐标"), Some(Role::X));
        assert_eq!(role_of("x(m)"), Some(Role::X));
        assert_eq!(role_of("东坐标"), Some(Role::East));
        assert_eq!(role_of("地块圈号"), Some(Role::Ring));
        assert_eq!(role_of("点号"), Some(Role::Point));
        assert!(header_has_coordinates("点号,X,Y"));
        assert!(header_has_coordinates("name;lon;lat"));
        assert!(!header_has_coordinates("code,area,owner"));
    }
}
