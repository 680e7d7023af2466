//! The CRS of an upload: what the file declares ([`CrsChoice`], a PROJ definition from a .prj, a GeoPackage srs or
//! a 界址点 header) or what the request names (`crs`/`towgs84`, read by [`crate::crs::InputCrs`] like every other
//! `crs` in ecogate: there is one interpreter of CRS names, see [`requested`]).

use super::error::UploadError;
use crate::crs::gauss_kruger::{Datum, Zone};
use crate::crs::InputCrs;

/// A CRS a file declares: what to hand to PROJ, and what to show people.
#[derive(Debug, Clone, PartialEq)]
pub struct CrsChoice {
    pub definition: String,
    pub label: String,
}

/// The request's `crs` and `towgs84`, read as for points, lines and GeoJSON bodies. `None` when the request names
/// no CRS (a `towgs84` without a `crs` is refused: it belongs to a Xi'an 1980 / Beijing 1954 `crs`).
pub fn requested(crs: Option<&str>, towgs84: Option<&str>) -> Result<Option<InputCrs>, UploadError> {
    let crs = crs.map(str::trim).filter(|c| !c.is_empty());
    let towgs84 = towgs84.map(str::trim).filter(|t| !t.is_empty());
    if crs.is_none() && towgs84.is_none() {
        return Ok(None);
    }
    Ok(Some(InputCrs::parse(crs, towgs84)?))
}

/// A guess at the CRS of projected numbers whose easting carries a zone prefix, for error messages only (the file
/// or the user must still say which datum): 40520986 → "… crs=cgcs2000-gk3:40 (EPSG:4528, CGCS2000 3° Gauss–Krüger
/// zone 40)".
pub fn suggest_from_easting(easting: f64) -> Option<(String, String)> {
    if !easting.is_finite() || easting < 1.0e7 {
        return None;
    }
    let zone = (easting / 1.0e6).floor() as u32;
    let gk = u8::try_from(zone).ok().and_then(Zone::from_prefix)?;
    let (width, epsg, name) = (gk.width.degrees(), gk.epsg(Datum::Cgcs2000, true), gk.crs_name(Datum::Cgcs2000));
    Some((
        format!("the eastings carry zone prefix {zone}: if the datum is CGCS2000 that is crs={name} (EPSG:{epsg}, CGCS2000 {width}° Gauss–Krüger zone {zone}); Xi'an 1980 / Beijing 1954 coordinates need xian80-gk{width}:{zone} / bj54-gk{width}:{zone} with towgs84"),
        format!("东坐标带有带号前缀 {zone}：若为 CGCS2000 坐标系，应为 crs={name}（EPSG:{epsg}，{width} 度带第 {zone} 带）；1980西安/1954北京坐标须用 xian80-gk{width}:{zone} / bj54-gk{width}:{zone} 并给出 towgs84"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_names_are_read_by_input_crs() {
        assert_eq!(requested(Some("epsg:4528"), None).expect("ok").map(|c| c.name()), Some("cgcs2000-gk3:40".into()));
        assert_eq!(requested(Some("gcj02"), None).expect("ok").map(|c| c.name()), Some("gcj02".into()));
        assert_eq!(requested(Some(" "), None).expect("ok"), None);
        assert_eq!(requested(Some("EPSG:999999"), None).expect_err("unknown").slug(), "unknown-crs");
        assert_eq!(requested(Some("xian80-gk3:38"), None).expect_err("needs towgs84").slug(), "datum-shift-required");
        assert!(requested(Some("xian80-gk3:38"), Some("15.8,-154.4,-82.3")).is_ok());
        assert_eq!(requested(None, Some("1,2,3")).expect_err("towgs84 alone").slug(), "invalid-towgs84");
    }

    #[test]
    fn zone_prefix_suggests_the_cgcs2000_name_and_code() {
        let (en, zh) = suggest_from_easting(40_520_986.0).expect("a suggestion");
        assert!(en.contains("EPSG:4528") && zh.contains("EPSG:4528") && en.contains("cgcs2000-gk3:40"), "{en}");
        assert!(suggest_from_easting(520_986.0).is_none());
    }
}
