//! Gauss–Krüger (高斯-克吕格) projected coordinates of the Chinese national systems, as survey drawings and
//! 界址点 files give them: zones, their EPSG codes, the zone number prefixed to the easting, the surveyors' X/Y
//! order, and the user-supplied Helmert shift that Xi'an 1980 and Beijing 1954 coordinates need.
//!
//! EPSG codes — every code of every range checked with `projinfo EPSG:n` (PROJ 9.1.1 and its EPSG database), and
//! pinned by the test `epsg_table_matches_proj`:
//!
//! | datum (ellipsoid)    | 3° zones 25–45, zone prefix | 3° by CM, no prefix | 6° zones 13–23, zone prefix | 6° by CM, no prefix | lon/lat |
//! |----------------------|-----------------------------|---------------------|-----------------------------|---------------------|---------|
//! | CGCS2000 (GRS80)     | 4513–4533                   | 4534–4554           | 4491–4501                   | 4502–4512           | 4490    |
//! | Xian 1980 (IAU76)    | 2349–2369                   | 2370–2390           | 2327–2337                   | 2338–2348           | 4610    |
//! | Beijing 1954 (krass) | 2401–2421                   | 2422–2442           | 21413–21423                 | 21453–21463         | 4214    |
//!
//! All are transverse Mercator with scale 1 on the central meridian (CM), false northing 0 and false easting
//! 500 000 m, plus zone × 1 000 000 m when the zone number is prefixed. 3° zone n has its CM at 3n°E (zone 38 =
//! 114°E, Wugang); 6° zone n at 6n − 3°E (zone 19 = 111°E). The CMs run from 75°E to 135°E in both systems.
//!
//! Reading the numbers: in China a northing has 7 integer digits (about 2 000 000–6 000 000 m); an easting has 6
//! without the zone prefix (about 100 000–900 000 m) and 8 with it (`38448542.634` = zone 38, easting 448 542.634).
//! The prefix alone says the zone width too, because the number ranges do not overlap: 13–23 are 6° zones, 25–45
//! are 3° zones; 24 and anything else is no zone. Surveyors write X = northing first and Y = easting second; when
//! the first number reads as a northing and the second as an easting the pair is swapped, and the answer says so.

use super::input_crs::CrsInputError;
use super::AxisOrder;
use std::ops::RangeInclusive;

/// The geodetic datum (大地基准) of Chinese projected coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    /// 2000国家大地坐标系 — today's national system; for siting it equals WGS84 to centimetres.
    Cgcs2000,
    /// 1980西安坐标系
    Xian80,
    /// 1954北京坐标系
    Beijing54,
}

impl Datum {
    /// The prefix of the `crs` names: `cgcs2000`, `xian80`, `bj54`.
    pub fn key(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "cgcs2000",
            Datum::Xian80 => "xian80",
            Datum::Beijing54 => "bj54",
        }
    }

    /// Recognises the names land systems write in a 界址点 file's 坐标系= (2000国家大地坐标系, 西安80,
    /// 1954北京坐标系 …).
    pub fn from_label(s: &str) -> Option<Datum> {
        let s = s.to_ascii_uppercase().replace([' ', '_', '-'], "");
        if s.contains("2000") || s.contains("CGCS") {
            Some(Datum::Cgcs2000)
        } else if s.contains("西安") || s.contains("XIAN") || s.contains("1980") || s.contains("80") {
            Some(Datum::Xian80)
        } else if s.contains("北京") || s.contains("BEIJING") || s.contains("1954") || s.contains("54") {
            Some(Datum::Beijing54)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "CGCS2000",
            Datum::Xian80 => "Xi'an 1980",
            Datum::Beijing54 => "Beijing 1954",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "2000国家大地坐标系",
            Datum::Xian80 => "1980西安坐标系",
            Datum::Beijing54 => "1954北京坐标系",
        }
    }

    /// The PROJ ellipsoid name (as `projinfo` reports it for the EPSG codes above).
    pub fn ellipsoid(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "GRS80",
            Datum::Xian80 => "IAU76",
            Datum::Beijing54 => "krass",
        }
    }

    /// The geographic (lon/lat) EPSG code of the datum.
    pub fn geographic_epsg(self) -> u32 {
        match self {
            Datum::Cgcs2000 => 4490,
            Datum::Xian80 => 4610,
            Datum::Beijing54 => 4214,
        }
    }

    /// True for the old datums that need a user-supplied shift to CGCS2000.
    pub fn needs_shift(self) -> bool {
        self != Datum::Cgcs2000
    }

    fn all() -> [Datum; 3] {
        [Datum::Cgcs2000, Datum::Xian80, Datum::Beijing54]
    }

    /// First codes of the four projected ranges: (3° prefix, 3° CM, 6° prefix, 6° CM).
    fn epsg_bases(self) -> (u32, u32, u32, u32) {
        match self {
            Datum::Cgcs2000 => (4513, 4534, 4491, 4502),
            Datum::Xian80 => (2349, 2370, 2327, 2338),
            Datum::Beijing54 => (2401, 2422, 21413, 21453),
        }
    }
}

/// Zone width: 3° (large scales, most survey work) or 6° (small scales).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Three,
    Six,
}

impl Width {
    pub fn degrees(self) -> u8 {
        match self {
            Width::Three => 3,
            Width::Six => 6,
        }
    }

    /// The zone numbers covering China (CM 75°E–135°E).
    pub fn zones(self) -> RangeInclusive<u8> {
        match self {
            Width::Three => 25..=45,
            Width::Six => 13..=23,
        }
    }
}

/// A Gauss–Krüger zone (投影带).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub width: Width,
    pub number: u8,
}

impl Zone {
    pub fn new(width: Width, number: u8) -> Option<Zone> {
        width.zones().contains(&number).then_some(Zone { width, number })
    }

    /// The zone whose central meridian is `cm` °E.
    pub fn from_cm(width: Width, cm: i32) -> Option<Zone> {
        let n = match width {
            Width::Three if cm % 3 == 0 => cm / 3,
            Width::Six if (cm + 3) % 6 == 0 => (cm + 3) / 6,
            _ => return None,
        };
        u8::try_from(n).ok().and_then(|n| Zone::new(width, n))
    }

    /// The zone a 2-digit easting prefix names: 13–23 → 6°, 25–45 → 3°.
    pub fn from_prefix(prefix: u8) -> Option<Zone> {
        Zone::new(Width::Six, prefix).or_else(|| Zone::new(Width::Three, prefix))
    }

    pub fn central_meridian(self) -> i32 {
        let n = i32::from(self.number);
        match self.width {
            Width::Three => 3 * n,
            Width::Six => 6 * n - 3,
        }
    }

    /// The EPSG code of this zone on `datum`, with or without the zone prefix in the easting.
    pub fn epsg(self, datum: Datum, prefixed: bool) -> u32 {
        let (p3, c3, p6, c6) = datum.epsg_bases();
        let first = *self.width.zones().start();
        let base = match (self.width, prefixed) {
            (Width::Three, true) => p3,
            (Width::Three, false) => c3,
            (Width::Six, true) => p6,
            (Width::Six, false) => c6,
        };
        base + u32::from(self.number - first)
    }

    /// The `crs` name, e.g. `cgcs2000-gk3:38`.
    pub fn crs_name(self, datum: Datum) -> String {
        format!("{}-gk{}:{}", datum.key(), self.width.degrees(), self.number)
    }

    /// "3° zone 38 (CM 114°E)"
    pub fn describe(self) -> String {
        format!("{}° zone {} (central meridian {}°E)", self.width.degrees(), self.number, self.central_meridian())
    }

    pub fn describe_zh(self) -> String {
        format!("{}度带第 {} 带（中央子午线 {}°E）", self.width.degrees(), self.number, self.central_meridian())
    }
}

/// The datum, zone and prefix convention of an EPSG code in the table above.
pub fn lookup_epsg(code: u32) -> Option<(Datum, Zone, bool)> {
    for datum in Datum::all() {
        for width in [Width::Three, Width::Six] {
            for prefixed in [true, false] {
                for number in width.zones() {
                    let zone = Zone { width, number };
                    if zone.epsg(datum, prefixed) == code {
                        return Some((datum, zone, prefixed));
                    }
                }
            }
        }
    }
    None
}

/// Which zone a request means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSpec {
    /// Named (`:38`, `-cm:114`, or an EPSG code): a prefix in the numbers is optional and must agree.
    Fixed(Zone),
    /// Taken from the easting's prefix, which must then be there; of the given width if any.
    FromPrefix(Option<Width>),
}

/// What one number can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Northing,
    Easting { prefix: Option<u8> },
    Other,
}

fn reading(v: f64) -> Reading {
    if !v.is_finite() || v < 0.0 {
        return Reading::Other;
    }
    if (100_000.0..1_000_000.0).contains(&v) {
        return Reading::Easting { prefix: None };
    }
    if (1_000_000.0..10_000_000.0).contains(&v) {
        return Reading::Northing;
    }
    if (10_000_000.0..100_000_000.0).contains(&v) {
        let prefix = (v / 1_000_000.0).floor();
        if (100_000.0..1_000_000.0).contains(&(v - prefix * 1_000_000.0)) {
            // 10 ≤ prefix ≤ 99 here.
            return Reading::Easting { prefix: Some(prefix as u8) };
        }
    }
    Reading::Other
}

/// The order and zone prefix of a set of positions, all read the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub order: AxisOrder,
    pub prefix: Option<u8>,
}

/// Reads every position as (easting, northing) or (northing, easting), with or without a zone prefix; all
/// positions must agree. `crs` names the CRS in error messages.
pub fn layout(positions: &[[f64; 2]], crs: &str) -> Result<Layout, CrsInputError> {
    let mut found: Option<(Layout, [f64; 2])> = None;
    for &[a, b] in positions {
        let this = match (reading(a), reading(b)) {
            (Reading::Easting { prefix }, Reading::Northing) => Layout { order: AxisOrder::EastingNorthing, prefix },
            (Reading::Northing, Reading::Easting { prefix }) => Layout { order: AxisOrder::NorthingEasting, prefix },
            _ if a.abs() <= 180.0 && b.abs() <= 180.0 => {
                return Err(CrsInputError::DegreesWithProjectedCrs { x: a, y: b, crs: crs.to_string() })
            }
            _ => return Err(CrsInputError::NotGaussKruger { x: a, y: b, crs: crs.to_string() }),
        };
        match found {
            None => found = Some((this, [a, b])),
            Some((first, at)) if first.order != this.order => {
                return Err(CrsInputError::MixedAxisOrder { first: at, other: [a, b] })
            }
            Some((first, at)) if first.prefix != this.prefix => {
                return Err(CrsInputError::MixedZones { first: at, other: [a, b] })
            }
            Some(_) => {}
        }
    }
    found.map(|(l, _)| l).ok_or_else(|| CrsInputError::NotGaussKruger { x: f64::NAN, y: f64::NAN, crs: crs.to_string() })
}

/// The zone of the numbers: the named one (checked against a prefix) or the prefix's.
pub fn resolve_zone(spec: ZoneSpec, datum: Datum, layout: &Layout, easting_example: f64) -> Result<Zone, CrsInputError> {
    match (spec, layout.prefix) {
        (ZoneSpec::Fixed(zone), Some(p)) if p != zone.number => Err(CrsInputError::PrefixMismatch { prefix: p, zone }),
        (ZoneSpec::Fixed(zone), _) => Ok(zone),
        (ZoneSpec::FromPrefix(width), None) => Err(CrsInputError::ZoneRequired { easting: easting_example, datum, width }),
        (ZoneSpec::FromPrefix(width), Some(p)) => match (Zone::from_prefix(p), width) {
            (None, _) => Err(CrsInputError::PrefixNotAZone { prefix: p }),
            (Some(z), Some(w)) if z.width != w => Err(CrsInputError::PrefixWrongWidth { prefix: p, asked: w, datum }),
            (Some(z), _) => Ok(z),
        },
    }
}

/// A suggestion for numbers that look projected but were sent as degrees: (English, Chinese).
pub fn suggest_crs(a: f64, b: f64) -> (String, String) {
    let readings = [reading(a), reading(b)];
    let prefix = readings.iter().find_map(|r| match r {
        Reading::Easting { prefix: Some(p) } => Some(*p),
        _ => None,
    });
    let has_northing = readings.contains(&Reading::Northing);
    match prefix.and_then(Zone::from_prefix) {
        Some(z) if has_northing => (
            format!(
                "the easting's first two digits {n} are a Gauss–Krüger zone number: if these are CGCS2000 coordinates send crs=cgcs2000-gk{w}:{n} ({}), or give the CRS they are in (e.g. crs=xian80-gk{w}:{n} with towgs84=…)",
                z.describe(),
                n = z.number,
                w = z.width.degrees()
            ),
            format!(
                "东坐标前两位 {n} 是高斯-克吕格投影带号：若为 CGCS2000 坐标，请注明 crs=cgcs2000-gk{w}:{n}（{}）；或注明其实际坐标系（如 crs=xian80-gk{w}:{n} 并给出 towgs84=…）。",
                z.describe_zh(),
                n = z.number,
                w = z.width.degrees()
            ),
        ),
        _ if has_northing && readings.contains(&Reading::Easting { prefix: None }) => (
            "the easting has no zone prefix, so say which zone: crs=cgcs2000-gk3:NN (3° zones 25–45), crs=cgcs2000-gk3-cm:DDD (central meridian), crs=cgcs2000-gk6:NN, or crs=EPSG:xxxx".into(),
            "东坐标不带带号，请注明投影带：crs=cgcs2000-gk3:NN（3度带 25–45）、crs=cgcs2000-gk3-cm:DDD（中央子午线）、crs=cgcs2000-gk6:NN 或 crs=EPSG:xxxx。".into(),
        ),
        _ => (
            "send lon/lat in degrees, or give the CRS of the numbers (crs=cgcs2000-gk3:NN, crs=EPSG:xxxx, …)".into(),
            "请以度为单位发送经纬度，或注明坐标系（crs=cgcs2000-gk3:NN、crs=EPSG:xxxx 等）。".into(),
        ),
    }
}

/// Largest Helmert translation accepted, metres.
pub const MAX_SHIFT_M: f64 = 10_000.0;
/// Largest Helmert rotation accepted, arc-seconds.
pub const MAX_ROTATION_ARCSEC: f64 = 600.0;
/// Largest Helmert scale difference accepted, ppm.
pub const MAX_SCALE_PPM: f64 = 1_000.0;

/// A Helmert (Bursa–Wolf) shift from an old datum to CGCS2000: dx, dy, dz in metres, and optionally rx, ry, rz in
/// arc-seconds and ds in ppm — PROJ's `+towgs84` order and its position-vector convention (EPSG method 9606).
/// Parameters published in the coordinate-frame convention (EPSG 9607) have the three rotations negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Helmert {
    pub params: Vec<f64>,
}

impl Helmert {
    /// Reads `dx,dy,dz` or `dx,dy,dz,rx,ry,rz,ds` (commas, semicolons or spaces between).
    pub fn parse(text: &str) -> Result<Helmert, CrsInputError> {
        let invalid = |reason: &str| CrsInputError::InvalidTowgs84 { text: text.to_string(), reason: reason.to_string() };
        let params = text
            .split([',', ';', ' ', '，'])
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse::<f64>().map_err(|_| invalid(&format!("{s:?} is not a number"))))
            .collect::<Result<Vec<f64>, _>>()?;
        Helmert::from_values(params).map_err(|e| match e {
            CrsInputError::InvalidTowgs84 { reason, .. } => invalid(&reason),
            other => other,
        })
    }

    pub fn from_values(params: Vec<f64>) -> Result<Helmert, CrsInputError> {
        let text = params.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
        if params.len() != 3 && params.len() != 7 {
            return Err(CrsInputError::InvalidTowgs84 {
                text,
                reason: format!("{} values; give 3 (dx,dy,dz) or 7 (dx,dy,dz,rx,ry,rz,ds)", params.len()),
            });
        }
        if params.iter().any(|v| !v.is_finite()) {
            return Err(CrsInputError::InvalidTowgs84 { text, reason: "every value must be a finite number".into() });
        }
        // Finite is not enough: `[1e300, 0, 0]` or a shift given in millimetres moved the site across the globe and
        // the answer was an assessment of somewhere else (found by tests/malformed_input.rs). Xi'an 1980 / Beijing
        // 1954 → CGCS2000 sets are translations of a few hundred metres, rotations of a few arc-seconds and scales of
        // a few ppm; the bounds leave room for ill-conditioned local fits and refuse only the impossible.
        let bounds = [(0..3, MAX_SHIFT_M, "dx, dy and dz", "m"), (3..6, MAX_ROTATION_ARCSEC, "rx, ry and rz", "″"), (6..7, MAX_SCALE_PPM, "ds", " ppm")];
        for (range, max, names, unit) in bounds {
            if params.get(range).is_some_and(|vs| vs.iter().any(|v| v.abs() > max)) {
                return Err(CrsInputError::InvalidTowgs84 { text, reason: format!("{names} must be within ±{max}{unit}: no datum shift between Chinese systems is that large") });
            }
        }
        Ok(Helmert { params })
    }

    fn proj_step(&self) -> String {
        let p = &self.params;
        let mut s = format!("+step +proj=helmert +x={} +y={} +z={}", p[0], p[1], p[2]);
        if p.len() == 7 {
            s.push_str(&format!(" +rx={} +ry={} +rz={} +s={} +convention=position_vector", p[3], p[4], p[5], p[6]));
        }
        s
    }
}

/// A PROJ pipeline from coordinates on an old datum to CGCS2000 lon/lat degrees: inverse Gauss–Krüger for `cm`
/// (input easting without prefix, northing) or degrees for `None` (input lon, lat), then geocentric, the Helmert
/// shift, and back to geographic on GRS80.
pub fn helmert_pipeline(datum: Datum, cm: Option<i32>, helmert: &Helmert) -> String {
    let ellps = datum.ellipsoid();
    let first = match cm {
        Some(cm) => format!("+step +inv +proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0=500000 +y_0=0 +ellps={ellps}"),
        None => "+step +proj=unitconvert +xy_in=deg +xy_out=rad".to_string(),
    };
    format!(
        "+proj=pipeline {first} +step +proj=cart +ellps={ellps} {} +step +inv +proj=cart +ellps=GRS80 +step +proj=unitconvert +xy_in=rad +xy_out=deg",
        helmert.proj_step()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_datum_shift_is_refused_and_real_ones_pass() {
        for ok in [vec![24.0, -123.0, -94.0], vec![-15.2, 108.7, 52.1, 0.8, -1.4, 2.9, -3.5], vec![-3000.0, 2500.0, 900.0, 30.0, -40.0, 25.0, 80.0]] {
            assert!(Helmert::from_values(ok.clone()).is_ok(), "{ok:?}");
        }
        for bad in [vec![1e300, 0.0, 0.0], vec![24_000.0, -123_000.0, -94_000.0], vec![24.0, -123.0, -94.0, 1e300, 0.0, 0.0, 0.0], vec![24.0, -123.0, -94.0, 0.0, 0.0, 0.0, 5000.0]] {
            let e = Helmert::from_values(bad.clone()).expect_err("impossible shift");
            assert!(matches!(&e, CrsInputError::InvalidTowgs84 { reason, .. } if reason.contains("must be within")), "{bad:?}: {e}");
        }
        assert!(Helmert::parse("24000,-123000,-94000").is_err(), "text is bounded the same way");
    }

    #[test]
    fn datum_labels_from_land_files() {
        assert_eq!(Datum::from_label("2000国家大地坐标系"), Some(Datum::Cgcs2000));
        assert_eq!(Datum::from_label("1980西安坐标系"), Some(Datum::Xian80));
        assert_eq!(Datum::from_label("1954北京坐标系"), Some(Datum::Beijing54));
        assert_eq!(Datum::from_label("地方坐标系"), None);
    }

    #[test]
    fn epsg_table_matches_proj() {
        // Every code of every range: PROJ's own definition has the CM, false easting and ellipsoid we assume.
        let mut checked = 0;
        for datum in Datum::all() {
            for width in [Width::Three, Width::Six] {
                for number in width.zones() {
                    let zone = Zone { width, number };
                    for prefixed in [true, false] {
                        let code = zone.epsg(datum, prefixed);
                        let t = proj::Proj::new_known_crs(&format!("EPSG:{code}"), &format!("EPSG:{}", datum.geographic_epsg()), None)
                            .unwrap_or_else(|e| panic!("EPSG:{code}: {e}"));
                        let def = t.def().unwrap_or_default();
                        let x0 = if prefixed { u32::from(number) * 1_000_000 + 500_000 } else { 500_000 };
                        for want in [format!("lon_0={} ", zone.central_meridian()), format!("x_0={x0} "), format!("ellps={}", datum.ellipsoid())] {
                            assert!(def.contains(&want), "EPSG:{code} ({datum:?} {zone:?} prefixed={prefixed}): {want:?} not in {def}");
                        }
                        assert_eq!(lookup_epsg(code), Some((datum, zone, prefixed)));
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 2 * (21 + 11));
    }

    #[test]
    fn zone_38_is_cm_114_and_zone_19_is_cm_111() {
        assert_eq!(Zone::new(Width::Three, 38).map(Zone::central_meridian), Some(114));
        assert_eq!(Zone::from_cm(Width::Three, 114), Zone::new(Width::Three, 38));
        assert_eq!(Zone::new(Width::Six, 19).map(Zone::central_meridian), Some(111));
        assert_eq!(Zone::from_cm(Width::Six, 111), Zone::new(Width::Six, 19));
        assert_eq!(Zone::from_cm(Width::Six, 114), None, "114°E is no 6° CM");
    }

    #[test]
    fn the_prefix_alone_says_the_zone_width() {
        assert_eq!(Zone::from_prefix(38), Zone::new(Width::Three, 38));
        assert_eq!(Zone::from_prefix(19), Zone::new(Width::Six, 19), "3° zones start at 25");
        assert_eq!(Zone::from_prefix(24), None);
        assert_eq!(Zone::from_prefix(46), None);
    }

    #[test]
    fn northing_first_is_read_as_surveyors_order() {
        let l = layout(&[[3_688_132.571, 38_448_542.634]], "x").expect("reads");
        assert_eq!(l, Layout { order: AxisOrder::NorthingEasting, prefix: Some(38) });
        let l = layout(&[[448_542.634, 3_688_132.571]], "x").expect("reads");
        assert_eq!(l, Layout { order: AxisOrder::EastingNorthing, prefix: None });
    }

    #[test]
    fn degrees_with_a_projected_crs_are_refused() {
        assert!(matches!(layout(&[[113.44, 33.31]], "cgcs2000-gk3:38"), Err(CrsInputError::DegreesWithProjectedCrs { .. })));
    }

    #[test]
    fn positions_read_in_different_orders_are_refused() {
        let e = layout(&[[448_542.0, 3_688_132.0], [3_688_200.0, 448_600.0]], "x").expect_err("mixed");
        assert!(matches!(e, CrsInputError::MixedAxisOrder { .. }), "{e:?}");
        assert!(e.to_string().contains("not all in the same order") && e.message_zh().contains("顺序不一致"), "{e}");
    }

    #[test]
    fn positions_with_different_zone_prefixes_are_refused() {
        let e = layout(&[[38_448_542.0, 3_688_132.0], [39_448_600.0, 3_688_200.0]], "x").expect_err("38 and 39");
        assert_eq!(e.slug(), "zone-mismatch");
        assert!(e.to_string().contains("different zone prefixes") && e.message_zh().contains("带号不一致"), "{e}");
    }

    #[test]
    fn zone_from_prefix_must_fit_the_width_asked() {
        let l = Layout { order: AxisOrder::EastingNorthing, prefix: Some(19) };
        let e = resolve_zone(ZoneSpec::FromPrefix(Some(Width::Three)), Datum::Cgcs2000, &l, 19_727_920.0);
        assert!(matches!(e, Err(CrsInputError::PrefixWrongWidth { prefix: 19, .. })), "{e:?}");
        assert_eq!(resolve_zone(ZoneSpec::FromPrefix(None), Datum::Cgcs2000, &l, 19_727_920.0).ok(), Zone::new(Width::Six, 19));
    }

    #[test]
    fn helmert_needs_three_or_seven_numbers() {
        assert_eq!(Helmert::parse("1,2,3").map(|h| h.params.len()), Ok(3));
        assert_eq!(Helmert::parse("1 2 3 0.1 0.2 0.3 1.5").map(|h| h.params.len()), Ok(7));
        assert!(matches!(Helmert::parse("1,2"), Err(CrsInputError::InvalidTowgs84 { .. })));
        assert!(matches!(Helmert::parse("1,2,x"), Err(CrsInputError::InvalidTowgs84 { .. })));
    }

    #[test]
    fn helmert_pipeline_agrees_with_proj_towgs84() {
        // The same shift through PROJ's own +towgs84 (a BoundCRS via WGS84, which PROJ takes as CGCS2000 here).
        let h = Helmert::parse("-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5").expect("7 parameters");
        let pipeline = proj::Proj::new(&helmert_pipeline(Datum::Xian80, Some(114), &h)).expect("pipeline");
        let bound = proj::Proj::new_known_crs(
            "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=IAU76 +towgs84=-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5 +units=m +no_defs +type=crs",
            "+proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs +type=crs",
            None,
        )
        .expect("bound CRS");
        let a: (f64, f64) = pipeline.convert((448_542.634, 3_688_132.571)).expect("pipeline converts");
        let b: (f64, f64) = bound.convert((448_542.634, 3_688_132.571)).expect("bound converts");
        assert!((a.0 - b.0).abs() < 1e-8 && (a.1 - b.1).abs() < 1e-8, "{a:?} vs {b:?}");
        assert!((a.0 - 113.447).abs() < 0.01 && (a.1 - 33.318).abs() < 0.01, "{a:?}");
    }
}
