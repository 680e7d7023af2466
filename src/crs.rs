//! Coordinate reference systems. Everything inside ecogate is CGCS2000 geographic lon/lat (EPSG:4490); this module
//! turns whatever a source declares (geographic, Gauss–Krüger projected, ESRI WKT from a `.prj`) into it with PROJ.

use geo::{Coord, MapCoords, MultiPolygon};
use proj::Proj;

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
