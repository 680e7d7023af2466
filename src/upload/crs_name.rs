//! From a CRS *name* (the request's `crs`, a 界址点 file's header) to a PROJ definition that [`crate::crs::ToWorking`]
//! accepts.
//!
//! [`definition`] is the one function that interprets a request's `crs`: today it takes EPSG codes and anything PROJ
//! understands; when `crate::crs` offers named systems (GCJ-02, BD-09, `cgcs2000-gk3:40` …), call it from there and
//! nothing else in the upload code changes.

use super::error::UploadError;
use crate::crs::gauss_kruger::{Datum, Zone};
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
    let label = crate::crs::short_name(&definition);
    Ok(CrsChoice { definition, label })
}


/// A guess at the CRS of projected numbers whose easting carries a zone prefix, for error messages only (the file
/// or the user must still say which datum): 40520986 → "EPSG:4528 (CGCS2000 3° Gauss–Krüger zone 40)".
pub fn suggest_from_easting(easting: f64) -> Option<(String, String)> {
    if !easting.is_finite() || easting < 1.0e7 {
        return None;
    }
    let zone = (easting / 1.0e6).floor() as u32;
    let gk = u8::try_from(zone).ok().and_then(Zone::from_prefix)?;
    let (width, epsg) = (gk.width.degrees(), gk.epsg(Datum::Cgcs2000, true));
    Some((
        format!("the eastings carry zone prefix {zone}: if the datum is CGCS2000 that is EPSG:{epsg} (CGCS2000 {width}° Gauss–Krüger zone {zone})"),
        format!("东坐标带有带号前缀 {zone}：若为 CGCS2000 坐标系，应为 EPSG:{epsg}（{width} 度带第 {zone} 带）"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_names_resolve_or_are_refused() {
        assert_eq!(definition("epsg:4528").expect("ok").definition, "EPSG:4528");
        assert_eq!(definition("4490").expect("ok").definition, "EPSG:4490");
        assert!(matches!(definition("EPSG:999999"), Err(UploadError::UnknownCrs { .. })));
        assert!(matches!(definition("gcj02"), Err(UploadError::UnknownCrs { .. })));
    }

    #[test]
    fn zone_prefix_suggests_the_cgcs2000_code() {
        let (en, zh) = suggest_from_easting(40_520_986.0).expect("a suggestion");
        assert!(en.contains("EPSG:4528") && zh.contains("EPSG:4528"), "{en}");
        assert!(suggest_from_easting(520_986.0).is_none());
    }
}
