//! Coordinate reference systems. Everything inside ecogate is CGCS2000 geographic lon/lat (EPSG:4490); this module
//! turns whatever a source declares (geographic, Gauss–Krüger projected, ESRI WKT from a `.prj`) into it with PROJ,
//! and whatever a user sends into it too:
//!
//! - [`input_crs`]: the `crs` names of requests (`wgs84`, `gcj02`, `cgcs2000-gk3:38`, `EPSG:xxxx`, …) and the
//!   conversion of the numbers sent, with their axis order and zone worked out;
//! - [`gcj`]: GCJ-02 and BD-09, the offsets of Chinese map apps;
//! - [`gauss_kruger`]: Chinese Gauss–Krüger zones, their EPSG codes, zone prefixes, and Helmert shifts of the old
//!   Xi'an 1980 / Beijing 1954 datums;
//! - [`dms`]: degrees–minutes–seconds text.

pub mod dms;
pub mod gauss_kruger;
pub mod gcj;
pub mod input_crs;
pub mod precheck;

pub use input_crs::{Converter, CrsInputError, InputCrs};

use geo::{Coord, MapCoords, MultiPolygon};
use proj::Proj;
use serde::{Deserialize, Serialize};

/// The working CRS: CGCS2000 geographic (国家2000大地坐标系). For siting queries it is interchangeable with WGS84
/// (they differ by centimetres), which is why lon/lat sent as "WGS84" is accepted as is.
pub const WORKING_CRS: &str = "EPSG:4490";

/// China's extent with a margin, in lon/lat: a coordinate outside it after transformation means the declared CRS is
/// wrong (or projected numbers were sent as degrees).
pub const CHINA_BOUNDS: ([f64; 2], [f64; 2]) = ([73.0, 3.0], [136.0, 54.0]);

#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("PROJ does not understand the CRS {definition}: {message}")]
    Unknown { definition: String, message: String },
    #[error("PROJ could not transform ({x}, {y}): {message}")]
    Transform { x: f64, y: f64, message: String },
}

/// A transformation from one source CRS to the working CRS, in traditional GIS axis order (x = easting/longitude)
/// on both sides, whatever axis order the CRS definition declares.
pub struct ToWorking {
    proj: Option<Proj>,
    pub source: String,
}

impl ToWorking {
    /// `definition` is anything PROJ accepts: `EPSG:4526`, WKT1/WKT2 (also ESRI's), PROJJSON, a PROJ string.
    pub fn new(definition: &str) -> Result<ToWorking, CrsError> {
        let is_working = matches!(definition.trim(), "EPSG:4490");
        let proj = if is_working {
            None
        } else {
            precheck::check(definition, precheck::Expect::Crs)
                .map_err(|message| CrsError::Unknown { definition: abbreviate(definition), message })?;
            Some(Proj::new_known_crs(definition, WORKING_CRS, None).map_err(|e| CrsError::Unknown {
                definition: abbreviate(definition),
                message: e.to_string(),
            })?)
        };
        Ok(ToWorking { proj, source: definition.to_string() })
    }

    pub fn is_identity(&self) -> bool {
        self.proj.is_none()
    }

    /// PROJ's name for the operation, e.g. "Inverse of 3-degree Gauss-Kruger CM 114E" (empty for the identity).
    pub fn description(&self) -> String {
        self.proj.as_ref().and_then(|p| p.proj_info().description).unwrap_or_default()
    }

    /// The PROJ transformation itself (`None` for the identity).
    pub fn into_proj(self) -> Option<Proj> {
        self.proj
    }

    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>, CrsError> {
        match &self.proj {
            None => Ok(c),
            Some(p) => p
                .convert((c.x, c.y))
                .map(|(x, y)| Coord { x, y })
                .map_err(|e| CrsError::Transform { x: c.x, y: c.y, message: e.to_string() }),
        }
    }

    pub fn multi_polygon(&self, mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, CrsError> {
        if self.proj.is_none() {
            return Ok(mp.clone());
        }
        mp.try_map_coords(|c| self.coord(c))
    }
}

/// The order in which the two numbers of a position were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AxisOrder {
    /// x = longitude, y = latitude (GeoJSON and traditional GIS order).
    LonLat,
    /// Latitude first, as hemisphere letters in the text said (`33°16′N 113°30′E`).
    LatLon,
    /// x = easting, y = northing (GIS order for projected coordinates).
    EastingNorthing,
    /// X = northing, Y = easting: Chinese surveying order (测量坐标系 X 为北坐标).
    NorthingEasting,
}

impl AxisOrder {
    pub fn describe(self) -> &'static str {
        match self {
            AxisOrder::LonLat => "longitude, latitude",
            AxisOrder::LatLon => "latitude, longitude (by the hemisphere letters)",
            AxisOrder::EastingNorthing => "easting, northing",
            AxisOrder::NorthingEasting => "X = northing, Y = easting (surveying order)",
        }
    }

    pub fn describe_zh(self) -> &'static str {
        match self {
            AxisOrder::LonLat => "经度、纬度",
            AxisOrder::LatLon => "纬度、经度（据方位字母）",
            AxisOrder::EastingNorthing => "东坐标、北坐标",
            AxisOrder::NorthingEasting => "X 为北坐标、Y 为东坐标（测量坐标顺序）",
        }
    }
}

/// A CRS definition short enough for people: codes and short strings as they are, the `name` of a long
/// PROJJSON/WKT definition.
pub fn short_name(def: &str) -> String {
    if def.len() <= 40 {
        return def.to_string();
    }
    let name = def
        .split("\"name\":")
        .nth(1)
        .or_else(|| def.split('[').nth(1))
        .map(|s| s.trim().trim_start_matches('"').split('"').next().unwrap_or("").to_string())
        .unwrap_or_default();
    if name.is_empty() {
        def.chars().take(40).collect()
    } else {
        name
    }
}

/// True when a lon/lat lies within China's extent (with margin).
pub fn in_china(c: Coord<f64>) -> bool {
    let ([x0, y0], [x1, y1]) = CHINA_BOUNDS;
    c.x >= x0 && c.x <= x1 && c.y >= y0 && c.y <= y1
}

fn abbreviate(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_kruger_zone38_with_prefix_lands_in_wugang() {
        // CGCS2000 3° GK zone 38 (CM 114°E) with the zone prefix in the easting.
        let t = ToWorking::new("EPSG:4526").expect("PROJ knows EPSG:4526");
        let c = t.coord(Coord { x: 38_452_000.0, y: 3_685_000.0 }).expect("transform");
        assert!((c.x - 113.48).abs() < 0.05, "lon {}", c.x);
        assert!((c.y - 33.30).abs() < 0.05, "lat {}", c.y);
    }

    #[test]
    fn geographic_source_keeps_lon_lat_order() {
        // EPSG:4326 declares lat/lon axis order; the transform must still take and give lon/lat.
        let t = ToWorking::new("EPSG:4326").expect("PROJ knows EPSG:4326");
        let c = t.coord(Coord { x: 113.5, y: 33.3 }).expect("transform");
        assert!((c.x - 113.5).abs() < 1e-6 && (c.y - 33.3).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn unknown_crs_is_an_error_not_a_panic() {
        assert!(ToWorking::new("EPSG:999999").is_err());
    }
}
