//! From a CRS *name* (the request's `crs`, a 界址点 file's header) to a PROJ definition that [`crate::crs::ToWorking`]
//! accepts.
//!
//! [`definition`] is the one function that interprets a request's `crs`: today it takes EPSG codes and anything PROJ
//! understands; when `crate::crs` offers named systems (GCJ-02, BD-09, `cgcs2000-gk3:40` …), call it from there and
//! nothing else in the upload code changes.

use super::error::UploadError;
use crate::crs::ToWorking;

/// A CRS to read a file in: what to hand to PROJ, and what to show people.
#[derive(Debug, Clone, PartialEq)]
pub struct CrsChoice {
    pub definition: String,
    pub label: String,
}

/// Interprets a CRS name: `EPSG:4528`, `epsg:4528`, `4528`, `urn:ogc:def:crs:EPSG::4528`, `OGC:CRS84`, a PROJ string
/// or WKT. Checked with PROJ, so an unknown code is refused here rather than when the first coordinate is moved.
pub fn definition(name: &str) -> Result<CrsChoice, UploadError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(UploadError::UnknownCrs { name: name.to_string(), message: "it is empty".into() });
    }
    let definition = if trimmed.chars().all(|c| c.is_ascii_digit()) {
        format!("EPSG:{trimmed}")
    } else if let Some(code) = trimmed.strip_prefix("epsg:").or_else(|| trimmed.strip_prefix("Epsg:")) {
        format!("EPSG:{code}")
    } else {
        trimmed.to_string()
    };
    let lower = definition.to_ascii_lowercase();
    if ["gcj", "bd09", "bd-09", "baidu", "amap", "火星"].iter().any(|k| lower.contains(k)) {
        return Err(UploadError::UnknownCrs {
            name: name.to_string(),
            message: "GCJ-02 and BD-09 (phone map apps) are not PROJ systems and are not available for uploads in this version".into(),
        });
    }
    ToWorking::new(&definition).map_err(|e| UploadError::UnknownCrs { name: name.to_string(), message: e.to_string() })?;
    let label = if definition.len() > 40 { short_label(&definition) } else { definition.clone() };
    Ok(CrsChoice { definition, label })
}

/// A readable name for a long WKT/PROJJSON definition.
pub fn short_label(def: &str) -> String {
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

/// Geodetic datums of Chinese survey data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    Cgcs2000,
    Xian1980,
    Beijing1954,
}

impl Datum {
    /// Recognises the names land systems write in 坐标系= (2000国家大地坐标系, 西安80, 1954北京坐标系 …).
    pub fn from_name(s: &str) -> Option<Datum> {
        let s = s.to_ascii_uppercase().replace([' ', '_', '-'], "");
        if s.contains("2000") || s.contains("CGCS") {
            Some(Datum::Cgcs2000)
        } else if s.contains("西安") || s.contains("XIAN") || s.contains("1980") || s.contains("80") {
            Some(Datum::Xian1980)
        } else if s.contains("北京") || s.contains("BEIJING") || s.contains("1954") || s.contains("54") {
            Some(Datum::Beijing1954)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "CGCS2000",
            Datum::Xian1980 => "Xian 1980",
            Datum::Beijing1954 => "Beijing 1954",
        }
    }
}

/// EPSG code of a Gauss–Krüger CRS: `width` 3 or 6 degrees, `zone` the zone number, `prefixed` when the easting
/// carries the zone number in front (40520986 rather than 520986). `None` outside the zones EPSG defines for China
/// (3°: 25–45, 6°: 13–23).
pub fn gauss_kruger_epsg(datum: Datum, width: u32, zone: u32, prefixed: bool) -> Option<u32> {
    let (first_zone, last_zone) = match width {
        3 => (25, 45),
        6 => (13, 23),
        _ => return None,
    };
    if !(first_zone..=last_zone).contains(&zone) {
        return None;
    }
    let base = match (datum, width, prefixed) {
        (Datum::Cgcs2000, 3, true) => 4513,
        (Datum::Cgcs2000, 3, false) => 4534,
        (Datum::Cgcs2000, 6, true) => 4491,
        (Datum::Cgcs2000, 6, false) => 4502,
        (Datum::Xian1980, 3, true) => 2349,
        (Datum::Xian1980, 3, false) => 2370,
        (Datum::Xian1980, 6, true) => 2327,
        (Datum::Xian1980, 6, false) => 2338,
        (Datum::Beijing1954, 3, true) => 2401,
        (Datum::Beijing1954, 3, false) => 2422,
        (Datum::Beijing1954, 6, true) => 21413,
        (Datum::Beijing1954, 6, false) => 21473,
        _ => return None,
    };
    Some(base + zone - first_zone)
}

/// A guess at the CRS of projected numbers whose easting carries a zone prefix, for error messages only (the file
/// or the user must still say which datum): 40520986 → "EPSG:4528 (CGCS2000 3° Gauss–Krüger zone 40)".
pub fn suggest_from_easting(easting: f64) -> Option<(String, String)> {
    if !easting.is_finite() || easting < 1.0e7 {
        return None;
    }
    let zone = (easting / 1.0e6).floor() as u32;
    let width = if (25..=45).contains(&zone) { 3 } else if (13..=23).contains(&zone) { 6 } else { return None };
    let epsg = gauss_kruger_epsg(Datum::Cgcs2000, width, zone, true)?;
    Some((
        format!("the eastings carry zone prefix {zone}: if the datum is CGCS2000 that is EPSG:{epsg} (CGCS2000 {width}° Gauss–Krüger zone {zone})"),
        format!("东坐标带有带号前缀 {zone}：若为 CGCS2000 坐标系，应为 EPSG:{epsg}（{width} 度带第 {zone} 带）"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_kruger_codes_match_proj_names() {
        // Each computed code must be the zone PROJ's database names.
        let cases = [
            (Datum::Cgcs2000, 3, 40, true, "CGCS2000 / 3-degree Gauss-Kruger zone 40"),
            (Datum::Cgcs2000, 3, 38, false, "CGCS2000 / 3-degree Gauss-Kruger CM 114E"),
            (Datum::Cgcs2000, 6, 20, true, "CGCS2000 / Gauss-Kruger zone 20"),
            (Datum::Xian1980, 3, 38, true, "Xian 1980 / 3-degree Gauss-Kruger zone 38"),
            (Datum::Beijing1954, 6, 19, true, "Beijing 1954 / Gauss-Kruger zone 19"),
            (Datum::Beijing1954, 3, 45, false, "Beijing 1954 / 3-degree Gauss-Kruger CM 135E"),
        ];
        for (datum, width, zone, prefixed, name) in cases {
            let code = gauss_kruger_epsg(datum, width, zone, prefixed).expect("a code");
            let srs = gdal::spatial_ref::SpatialRef::from_epsg(code).expect("PROJ knows it");
            assert_eq!(srs.name().as_deref(), Some(name), "EPSG:{code}");
        }
        assert_eq!(gauss_kruger_epsg(Datum::Cgcs2000, 3, 40, true), Some(4528));
        assert_eq!(gauss_kruger_epsg(Datum::Cgcs2000, 3, 24, true), None);
    }

    #[test]
    fn request_names_resolve_or_are_refused() {
        assert_eq!(definition("epsg:4528").expect("ok").definition, "EPSG:4528");
        assert_eq!(definition("4490").expect("ok").definition, "EPSG:4490");
        assert!(matches!(definition("EPSG:999999"), Err(UploadError::UnknownCrs { .. })));
        assert!(matches!(definition("gcj02"), Err(UploadError::UnknownCrs { .. })));
    }

    #[test]
    fn datum_names_from_land_files() {
        assert_eq!(Datum::from_name("2000国家大地坐标系"), Some(Datum::Cgcs2000));
        assert_eq!(Datum::from_name("1980西安坐标系"), Some(Datum::Xian1980));
        assert_eq!(Datum::from_name("1954北京坐标系"), Some(Datum::Beijing1954));
        assert_eq!(Datum::from_name("地方坐标系"), None);
    }
}
