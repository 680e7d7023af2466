//! The CRS a request's coordinates are in — one name everywhere: `--crs` on `ecogate check`, `crs` in the body of
//! `POST /v1/assessments` (next to `geometry` and `facts`) and in the query of `GET /v1/assessments`.
//!
//! | `crs`                                   | the numbers are                                                        |
//! |-----------------------------------------|------------------------------------------------------------------------|
//! | `wgs84` (default), `EPSG:4326`, `CRS84` | WGS84 lon/lat degrees, used as CGCS2000 (they differ by centimetres)   |
//! | `cgcs2000`, `EPSG:4490`                 | CGCS2000 lon/lat degrees                                               |
//! | `gcj02`                                 | GCJ-02 lon/lat (Amap/高德, Tencent/腾讯) — converted to WGS84            |
//! | `bd09`                                  | BD-09 lon/lat (Baidu/百度) — converted to WGS84                         |
//! | `cgcs2000-gk3:38`, `cgcs2000-gk3-cm:114`| CGCS2000 3° Gauss–Krüger zone 38 (CM 114°E); zone prefix optional     |
//! | `cgcs2000-gk6:19`, `cgcs2000-gk6-cm:111`| CGCS2000 6° Gauss–Krüger zone 19 (CM 111°E); zone prefix optional     |
//! | `cgcs2000-gk3`, `cgcs2000-gk6`          | the zone from the easting's 2-digit prefix (required)                  |
//! | `cgcs2000-gk`                           | 3° or 6° and the zone from the prefix (25–45 → 3°, 13–23 → 6°)          |
//! | `xian80-gk3:38`, `bj54-gk6:19`, … `xian80`, `bj54` | Xi'an 1980 / Beijing 1954 Gauss–Krüger (same forms) or lon/lat; need `towgs84` |
//! | `EPSG:xxxx`                             | anything PROJ knows (projected: x = easting; geographic: x = lon)      |
//!
//! Names are case-insensitive. EPSG codes of the Chinese Gauss–Krüger and lon/lat systems (see
//! [`super::gauss_kruger`]) are read like the names above, so `EPSG:4526` also accepts an easting without its
//! prefix and northing-first order. Other EPSG codes go to PROJ as they are, in traditional GIS order (x = easting
//! or longitude), and are refused when PROJ knows no datum transformation to CGCS2000 (only a "ballpark" one,
//! as for New Beijing or OSGB36): assessing them would silently misplace the site.
//!
//! `towgs84=dx,dy,dz[,rx,ry,rz,ds]` (metres, arc-seconds, ppm; PROJ's position-vector convention) is the Helmert
//! shift from Xi'an 1980 / Beijing 1954 to CGCS2000. There is no public nationwide set: the local surveying
//! authority issues it with the data, so ecogate never guesses one and refuses those systems without it.

use super::gauss_kruger::{self, helmert_pipeline, Datum, Helmert, Width, Zone, ZoneSpec};
use super::{gcj, AxisOrder, ToWorking};
use geo::Coord;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsInputError {
    #[error("unknown crs {name:?}: use wgs84, cgcs2000, gcj02, bd09, cgcs2000-gk3:NN, cgcs2000-gk3-cm:DDD, cgcs2000-gk6:NN, xian80-gk3:NN, bj54-gk3:NN (…), or EPSG:xxxx{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    UnknownName { name: String, hint: Option<String> },
    #[error("PROJ does not know {code}: {message}")]
    UnknownEpsg { code: String, message: String },
    #[error("{crs} coordinates are on the {} datum ({}). There is no public nationwide transformation from it to CGCS2000: the 7 (or 3) Helmert parameters differ by region and are issued with the data by the local surveying and mapping authority (自然资源/测绘主管部门). Give them as towgs84 = dx,dy,dz,rx,ry,rz,ds (metres, arc-seconds, ppm; PROJ's position-vector convention; towgs84 next to crs in a request, --towgs84 on the CLI) or send CGCS2000 coordinates. Read as CGCS2000 they would misplace the site by tens of metres or more.", datum.name(), datum.name_zh())]
    DatumShiftRequired { crs: String, datum: Datum },
    #[error("PROJ knows no transformation from the datum of {crs} ({datum}) to CGCS2000, only a ballpark one that would misplace the site; send CGCS2000/WGS84 coordinates, or a Xi'an 1980 / Beijing 1954 crs with towgs84")]
    NoDatumTransformation { crs: String, datum: String },
    #[error("invalid towgs84 {text:?}: {reason}")]
    InvalidTowgs84 { text: String, reason: String },
    #[error("towgs84 applies only to Xi'an 1980 and Beijing 1954 coordinates (xian80…, bj54…), not to {crs}")]
    Towgs84NotApplicable { crs: String },
    #[error("the easting {easting} has no zone prefix, so {crs} cannot tell the zone: name it, e.g. crs={}-gk{w}:NN (zones {zones}) or crs={}-gk{w}-cm:DDD (central meridian), or prefix the zone number to the easting", datum.key(), datum.key(), crs = crs_label(*datum, *width), w = width.unwrap_or(Width::Three).degrees(), zones = zones_label(width.unwrap_or(Width::Three)))]
    ZoneRequired { easting: f64, datum: Datum, width: Option<Width> },
    #[error("the easting's zone prefix {prefix} contradicts the crs, which names {}", zone.describe())]
    PrefixMismatch { prefix: u8, zone: Zone },
    #[error("the easting's first two digits {prefix} are no Gauss–Krüger zone in China (3° zones are 25–45, 6° zones 13–23)")]
    PrefixNotAZone { prefix: u8 },
    #[error("the easting's prefix {prefix} is a {}° zone number, not a {}° one ({}° zones are {}); use crs={}-gk{}{}", other_width(*asked).degrees(), asked.degrees(), asked.degrees(), zones_label(*asked), datum.key(), other_width(*asked).degrees(), if Zone::new(other_width(*asked), *prefix).is_some() { format!(":{prefix}") } else { String::new() })]
    PrefixWrongWidth { prefix: u8, asked: Width, datum: Datum },
    #[error("({x}, {y}) are degrees, but crs {crs} is projected (metres): send metres, or send degrees with crs=wgs84 / cgcs2000 / gcj02 / bd09")]
    DegreesWithProjectedCrs { x: f64, y: f64, crs: String },
    #[error("({x}, {y}) are not Gauss–Krüger metres in China for crs {crs}: expected a 7-digit northing and an easting of 6 digits (8 with the zone prefix), in either order")]
    NotGaussKruger { x: f64, y: f64, crs: String },
    #[error("the positions are not all in the same order: {first:?} reads as easting/northing or northing/easting, {other:?} the other way")]
    MixedAxisOrder { first: [f64; 2], other: [f64; 2] },
    #[error("the positions carry different zone prefixes ({first:?} and {other:?}); send one zone per site")]
    MixedZones { first: [f64; 2], other: [f64; 2] },
    #[error("PROJ could not transform ({x}, {y}): {message}")]
    Transform { x: f64, y: f64, message: String },
}

fn other_width(w: Width) -> Width {
    match w {
        Width::Three => Width::Six,
        Width::Six => Width::Three,
    }
}

fn zones_label(w: Width) -> String {
    let z = w.zones();
    format!("{}–{}", z.start(), z.end())
}

fn crs_label(datum: Datum, width: Option<Width>) -> String {
    match width {
        Some(w) => format!("{}-gk{}", datum.key(), w.degrees()),
        None => format!("{}-gk", datum.key()),
    }
}

impl CrsInputError {
    /// A stable name for the error class (the API's problem type).
    pub fn slug(&self) -> &'static str {
        match self {
            CrsInputError::UnknownName { .. } | CrsInputError::UnknownEpsg { .. } => "unknown-crs",
            CrsInputError::DatumShiftRequired { .. } | CrsInputError::NoDatumTransformation { .. } => "datum-shift-required",
            CrsInputError::InvalidTowgs84 { .. } | CrsInputError::Towgs84NotApplicable { .. } => "invalid-towgs84",
            CrsInputError::ZoneRequired { .. } => "zone-required",
            CrsInputError::PrefixMismatch { .. }
            | CrsInputError::PrefixNotAZone { .. }
            | CrsInputError::PrefixWrongWidth { .. }
            | CrsInputError::MixedZones { .. } => "zone-mismatch",
            CrsInputError::DegreesWithProjectedCrs { .. } => "degrees-with-projected-crs",
            CrsInputError::NotGaussKruger { .. } | CrsInputError::MixedAxisOrder { .. } => "invalid-projected-coordinates",
            CrsInputError::Transform { .. } => "invalid-coordinates",
        }
    }

    /// True when the error is about the `crs`/`towgs84` the request named rather than its coordinates.
    pub fn is_about_the_crs(&self) -> bool {
        matches!(self.slug(), "unknown-crs" | "datum-shift-required" | "invalid-towgs84")
    }

    /// The same message in Chinese, for reviewers.
    pub fn message_zh(&self) -> String {
        match self {
            CrsInputError::UnknownName { name, .. } => format!(
                "未知坐标系 “{name}”：可用 wgs84、cgcs2000、gcj02、bd09、cgcs2000-gk3:带号、cgcs2000-gk3-cm:中央子午线、cgcs2000-gk6:带号、xian80-gk3:带号、bj54-gk3:带号 等，或 EPSG:代码。"
            ),
            CrsInputError::UnknownEpsg { code, .. } => format!("PROJ 不认识坐标系 {code}。"),
            CrsInputError::DatumShiftRequired { crs, datum } => format!(
                "{crs} 为{}坐标。{}与2000国家大地坐标系之间没有全国统一公开的转换参数：七参数（或三参数）因地区而异，须向当地自然资源（测绘）主管部门获取。请以 towgs84=dx,dy,dz,rx,ry,rz,ds（米、角秒、ppm，位置矢量约定，同 PROJ 的 +towgs84）提供参数，或改用 CGCS2000 坐标。若直接当作 CGCS2000 使用，位置可能偏差数十米甚至更多。",
                datum.name_zh(),
                datum.name_zh()
            ),
            CrsInputError::NoDatumTransformation { crs, datum } => format!(
                "PROJ 没有从 {crs} 的基准（{datum}）到 CGCS2000 的转换参数，只能粗略近似，会使位置偏移；请改用 CGCS2000/WGS84 坐标，或用西安80/北京54 坐标系并给出 towgs84 参数。"
            ),
            CrsInputError::InvalidTowgs84 { text, reason } => format!("towgs84 参数 “{text}” 无效：{reason}（应为 3 个或 7 个数值）。"),
            CrsInputError::Towgs84NotApplicable { crs } => format!("towgs84 参数只适用于1980西安坐标系和1954北京坐标系（xian80…、bj54…），不适用于 {crs}。"),
            CrsInputError::ZoneRequired { easting, datum, width } => format!(
                "东坐标 {easting} 不带带号，无法确定投影带：请注明带号，如 crs={}-gk{w}:带号 或 crs={}-gk{w}-cm:中央子午线，或在东坐标前加带号。",
                datum.key(),
                datum.key(),
                w = width.unwrap_or(Width::Three).degrees()
            ),
            CrsInputError::PrefixMismatch { prefix, zone } => format!("东坐标的带号 {prefix} 与所注坐标系（{}）不符。", zone.describe_zh()),
            CrsInputError::PrefixNotAZone { prefix } => format!("东坐标前两位 {prefix} 不是中国范围内的高斯-克吕格带号（3度带 25–45，6度带 13–23）。"),
            CrsInputError::PrefixWrongWidth { prefix, asked, .. } => format!(
                "东坐标带号 {prefix} 是 {} 度带的带号，不是 {} 度带（{} 度带为 {}）。",
                other_width(*asked).degrees(),
                asked.degrees(),
                asked.degrees(),
                zones_label(*asked)
            ),
            CrsInputError::DegreesWithProjectedCrs { x, y, crs } => {
                format!("({x}, {y}) 是经纬度（度），而坐标系 {crs} 为投影坐标（米）：请发送米制坐标，或以 crs=wgs84/cgcs2000/gcj02/bd09 发送经纬度。")
            }
            CrsInputError::NotGaussKruger { x, y, crs } => format!(
                "({x}, {y}) 不是中国境内 {crs} 的高斯-克吕格坐标：北坐标应为 7 位整数，东坐标为 6 位（带带号为 8 位），顺序不限。"
            ),
            CrsInputError::MixedAxisOrder { .. } => "各点坐标顺序不一致（有的为东、北，有的为北、东）。".into(),
            CrsInputError::MixedZones { .. } => "各点东坐标的带号不一致，每个选址只能用一个投影带。".into(),
            CrsInputError::Transform { x, y, message } => format!("PROJ 无法转换 ({x}, {y})：{message}"),
        }
    }
}

/// What a `crs` name denotes.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Wgs84,
    Cgcs2000,
    Gcj02,
    Bd09,
    /// Xi'an 1980 / Beijing 1954 lon/lat.
    OldGeographic(Datum),
    GaussKruger { datum: Datum, zone: ZoneSpec },
    /// Any other EPSG code PROJ knows.
    Epsg { projected: bool },
}

/// The CRS of a request's coordinates, with the Helmert shift when one was given.
#[derive(Debug, Clone, PartialEq)]
pub struct InputCrs {
    kind: Kind,
    /// The EPSG code the request named, if it named one.
    epsg: Option<u32>,
    helmert: Option<Helmert>,
    explicit: bool,
}

impl Default for InputCrs {
    /// WGS84 lon/lat: what a request without `crs` means.
    fn default() -> InputCrs {
        InputCrs { kind: Kind::Wgs84, epsg: None, helmert: None, explicit: false }
    }
}

/// `urn:ogc:def:crs:EPSG::4526`, `urn:ogc:def:crs:EPSG:6.6:4326`, `http://www.opengis.net/def/crs/EPSG/0/4526`,
/// `EPSG:4526`, `EPSG::4526` → 4526.
fn epsg_code(name: &str) -> Option<&str> {
    let rest = name
        .strip_prefix("urn:ogc:def:crs:epsg:")
        .map(|r| r.rsplit(':').next().unwrap_or(r))
        .or_else(|| name.strip_prefix("http://www.opengis.net/def/crs/epsg/").or_else(|| name.strip_prefix("https://www.opengis.net/def/crs/epsg/")).map(|r| r.rsplit('/').next().unwrap_or(r)))
        .or_else(|| name.strip_prefix("epsg:").map(|r| r.trim_start_matches(':')))?;
    Some(rest)
}

fn parse_kind(raw: &str) -> Result<(Kind, Option<u32>), CrsInputError> {
    let name = raw.trim().to_ascii_lowercase();
    let unknown = |hint: Option<String>| CrsInputError::UnknownName { name: raw.trim().to_string(), hint };
    match name.as_str() {
        "wgs84" | "wgs-84" | "wgs 84" | "crs84" | "ogc:crs84" | "urn:ogc:def:crs:ogc:1.3:crs84" | "urn:ogc:def:crs:ogc::crs84" => {
            return Ok((Kind::Wgs84, None))
        }
        "cgcs2000" | "cgcs-2000" => return Ok((Kind::Cgcs2000, None)),
        "gcj02" | "gcj-02" => return Ok((Kind::Gcj02, None)),
        "bd09" | "bd-09" => return Ok((Kind::Bd09, None)),
        "xian80" => return Ok((Kind::OldGeographic(Datum::Xian80), None)),
        "bj54" => return Ok((Kind::OldGeographic(Datum::Beijing54), None)),
        _ => {}
    }
    if let Some(code) = epsg_code(&name) {
        let n: u32 = code.parse().map_err(|_| CrsInputError::UnknownEpsg { code: raw.trim().to_string(), message: "not a number".into() })?;
        let kind = match n {
            4326 => Kind::Wgs84,
            4490 => Kind::Cgcs2000,
            4610 => Kind::OldGeographic(Datum::Xian80),
            4214 => Kind::OldGeographic(Datum::Beijing54),
            _ => match gauss_kruger::lookup_epsg(n) {
                Some((datum, zone, _)) => Kind::GaussKruger { datum, zone: ZoneSpec::Fixed(zone) },
                None => Kind::Epsg { projected: generic_is_projected(n)? },
            },
        };
        return Ok((kind, Some(n)));
    }
    // <datum>-gk[3|6][:NN | -cm:DDD]
    let Some((datum_key, rest)) = name.split_once("-gk") else {
        return Err(unknown(None));
    };
    let datum = match datum_key {
        "cgcs2000" => Datum::Cgcs2000,
        "xian80" => Datum::Xian80,
        "bj54" => Datum::Beijing54,
        _ => return Err(unknown(Some("the datum is cgcs2000, xian80 or bj54".into()))),
    };
    let (width, rest) = match rest.as_bytes().first() {
        Some(b'3') => (Some(Width::Three), &rest[1..]),
        Some(b'6') => (Some(Width::Six), &rest[1..]),
        _ => (None, rest),
    };
    let zone = if rest.is_empty() {
        ZoneSpec::FromPrefix(width)
    } else {
        let Some(w) = width else {
            return Err(unknown(Some("say gk3 or gk6 before a zone or central meridian".into())));
        };
        if let Some(n) = rest.strip_prefix(':') {
            let n: u8 = n.parse().map_err(|_| unknown(Some(format!("{n:?} is not a zone number"))))?;
            ZoneSpec::Fixed(Zone::new(w, n).ok_or_else(|| {
                let other = other_width(w);
                unknown(Some(match Zone::new(other, n) {
                    Some(_) => format!("{}° zones are {}; {n} is a {}° zone: {}-gk{}:{n}", w.degrees(), zones_label(w), other.degrees(), datum.key(), other.degrees()),
                    None => format!("{}° zones in China are {}", w.degrees(), zones_label(w)),
                }))
            })?)
        } else if let Some(cm) = rest.strip_prefix("-cm:") {
            let cm: i32 = cm.trim_end_matches('e').parse().map_err(|_| unknown(Some(format!("{cm:?} is not a central meridian in degrees"))))?;
            ZoneSpec::Fixed(Zone::from_cm(w, cm).ok_or_else(|| {
                unknown(Some(format!("{cm}°E is not the central meridian of a {}° zone in China", w.degrees())))
            })?)
        } else {
            return Err(unknown(None));
        }
    };
    Ok((Kind::GaussKruger { datum, zone }, None))
}

const BALLPARK: &str = "Ballpark geographic offset from ";

/// Asks PROJ about an EPSG code outside the Chinese tables: known? projected? a real datum transformation to
/// CGCS2000? PROJ names a missing one "Ballpark geographic offset from <datum> to …"; that is harmless (centimetres)
/// from WGS84 and its realizations, and a misplacement from anything else.
fn generic_is_projected(code: u32) -> Result<bool, CrsInputError> {
    let label = format!("EPSG:{code}");
    let t = ToWorking::new(&label).map_err(|e| CrsInputError::UnknownEpsg { code: label.clone(), message: e.to_string() })?;
    let description = t.description();
    if let Some(rest) = description.split(BALLPARK).nth(1) {
        let datum = rest.split(" to ").next().unwrap_or(rest).trim();
        let equivalent = ["WGS 84", "World Geodetic System 1984", "ITRF", "China Geodetic Coordinate System 2000"].iter().any(|p| datum.starts_with(p));
        if !equivalent {
            return Err(CrsInputError::NoDatumTransformation { crs: label, datum: datum.to_string() });
        }
    }
    Ok(description.contains("Inverse of"))
}

impl InputCrs {
    /// The CRS a request names (`None`: WGS84 lon/lat) with its `towgs84` text, if any.
    pub fn parse(name: Option<&str>, towgs84: Option<&str>) -> Result<InputCrs, CrsInputError> {
        let helmert = towgs84.filter(|t| !t.trim().is_empty()).map(Helmert::parse).transpose()?;
        InputCrs::with_helmert(name, helmert)
    }

    /// Like [`InputCrs::parse`] with `towgs84` as numbers (a JSON array).
    pub fn with_towgs84_values(name: Option<&str>, towgs84: Option<Vec<f64>>) -> Result<InputCrs, CrsInputError> {
        InputCrs::with_helmert(name, towgs84.map(Helmert::from_values).transpose()?)
    }

    fn with_helmert(name: Option<&str>, helmert: Option<Helmert>) -> Result<InputCrs, CrsInputError> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let (kind, epsg) = match name {
            None => (Kind::Wgs84, None),
            Some(n) => parse_kind(n)?,
        };
        let crs = InputCrs { kind, epsg, helmert: None, explicit: name.is_some() };
        match (crs.old_datum(), helmert) {
            (Some(datum), None) => Err(CrsInputError::DatumShiftRequired { crs: crs.label(), datum }),
            (Some(_), Some(h)) => Ok(InputCrs { helmert: Some(h), ..crs }),
            (None, Some(_)) => Err(CrsInputError::Towgs84NotApplicable { crs: crs.label() }),
            (None, None) => Ok(crs),
        }
    }

    /// The CRS a name denotes, without requiring a Helmert shift for the old datums: for comparing names only
    /// (e.g. with a legacy GeoJSON `crs` member), never for converting.
    pub fn named(name: &str) -> Result<InputCrs, CrsInputError> {
        let (kind, epsg) = parse_kind(name)?;
        Ok(InputCrs { kind, epsg, helmert: None, explicit: true })
    }

    fn old_datum(&self) -> Option<Datum> {
        match self.kind {
            Kind::OldGeographic(d) => Some(d),
            Kind::GaussKruger { datum, .. } if datum.needs_shift() => Some(datum),
            _ => None,
        }
    }

    /// True when a `towgs84` Helmert shift was given (for Xi'an 1980 / Beijing 1954).
    pub fn has_towgs84(&self) -> bool {
        self.helmert.is_some()
    }

    /// The EPSG code the request named, if it named one.
    pub fn named_epsg(&self) -> Option<u32> {
        self.epsg
    }

    /// True when the request named a CRS (rather than leaving the WGS84 default).
    pub fn is_explicit(&self) -> bool {
        self.explicit
    }

    /// True for projected CRSs (metres), false for lon/lat degrees.
    pub fn is_projected(&self) -> bool {
        matches!(self.kind, Kind::GaussKruger { .. } | Kind::Epsg { projected: true })
    }

    /// True for plain WGS84/CGCS2000 lon/lat — the CRS a GCJ-02 point sent by mistake would claim.
    pub fn is_plain_lon_lat(&self) -> bool {
        matches!(self.kind, Kind::Wgs84 | Kind::Cgcs2000)
    }

    /// The name as requested, canonical form (zone not yet resolved from a prefix).
    pub fn name(&self) -> String {
        if let (Some(code), Kind::Epsg { .. }) = (self.epsg, &self.kind) {
            return format!("EPSG:{code}");
        }
        match &self.kind {
            Kind::Wgs84 => "wgs84".into(),
            Kind::Cgcs2000 => "cgcs2000".into(),
            Kind::Gcj02 => "gcj02".into(),
            Kind::Bd09 => "bd09".into(),
            Kind::OldGeographic(d) => d.key().into(),
            Kind::GaussKruger { datum, zone: ZoneSpec::Fixed(z) } => z.crs_name(*datum),
            Kind::GaussKruger { datum, zone: ZoneSpec::FromPrefix(w) } => crs_label(*datum, *w),
            Kind::Epsg { .. } => "EPSG".into(),
        }
    }

    /// The name for messages: what the request said when it was an EPSG code, with the canonical name beside it
    /// (`EPSG:4527 (cgcs2000-gk3:39)`).
    pub fn label(&self) -> String {
        match (self.epsg, &self.kind) {
            (Some(code), Kind::Epsg { .. }) => format!("EPSG:{code}"),
            (Some(code), _) => format!("EPSG:{code} ({})", self.name()),
            (None, _) => self.name(),
        }
    }

    /// True when `other` (e.g. a legacy GeoJSON `crs` member) denotes the same coordinates as `self`.
    pub fn agrees_with(&self, other: &InputCrs) -> bool {
        match (&self.kind, &other.kind) {
            // WGS84 and CGCS2000 lon/lat are interchangeable for siting.
            (Kind::Wgs84 | Kind::Cgcs2000, Kind::Wgs84 | Kind::Cgcs2000) => true,
            (Kind::Epsg { .. }, Kind::Epsg { .. }) => self.epsg == other.epsg,
            (Kind::GaussKruger { datum: d1, zone: z1 }, Kind::GaussKruger { datum: d2, zone: z2 }) => {
                d1 == d2 && (z1 == z2 || matches!((z1, z2), (ZoneSpec::FromPrefix(None), _) | (_, ZoneSpec::FromPrefix(None))))
            }
            (a, b) => a == b,
        }
    }

    /// Prepares the conversion of these positions (as sent, first number first) to working lon/lat: resolves the
    /// axis order and the Gauss–Krüger zone over all of them, and builds the PROJ transformation.
    pub fn converter(&self, positions: &[[f64; 2]]) -> Result<Converter, CrsInputError> {
        let towgs84 = self.helmert.as_ref().map(|h| h.params.clone());
        let base = |op: Op, crs: String, epsg: Option<u32>, axis: AxisOrder, transformation: String| Converter {
            op,
            crs,
            epsg: epsg.map(|c| format!("EPSG:{c}")),
            towgs84: towgs84.clone(),
            axis,
            transformation,
        };
        match &self.kind {
            Kind::Wgs84 => Ok(base(Op::Identity, self.name(), Some(self.epsg.unwrap_or(4326)), AxisOrder::LonLat, "none: WGS84 lon/lat is used as CGCS2000 (they differ by centimetres)".into())),
            Kind::Cgcs2000 => Ok(base(Op::Identity, self.name(), Some(4490), AxisOrder::LonLat, "none: CGCS2000 lon/lat is the working CRS".into())),
            Kind::Gcj02 => Ok(base(Op::Gcj02, self.name(), None, AxisOrder::LonLat, "GCJ-02 → WGS84: inverse of the published GCJ-02 algorithm, iterated to < 0.01 m".into())),
            Kind::Bd09 => Ok(base(Op::Bd09, self.name(), None, AxisOrder::LonLat, "BD-09 → GCJ-02 → WGS84: inverses of the published BD-09 and GCJ-02 algorithms, iterated to < 0.01 m".into())),
            Kind::OldGeographic(datum) => {
                let helmert = self.helmert.as_ref().ok_or_else(|| CrsInputError::DatumShiftRequired { crs: self.label(), datum: *datum })?;
                let pipeline = helmert_pipeline(*datum, None, helmert);
                let proj = proj_pipeline(&pipeline)?;
                Ok(base(Op::Proj { proj, swap: false, strip: 0.0 }, self.name(), Some(datum.geographic_epsg()), AxisOrder::LonLat, format!("PROJ pipeline: {pipeline}")))
            }
            Kind::GaussKruger { datum, zone } => {
                let layout = gauss_kruger::layout(positions, &self.label())?;
                let swap = layout.order == AxisOrder::NorthingEasting;
                let easting_example = positions.first().map(|p| if swap { p[1] } else { p[0] }).unwrap_or_default();
                let zone = gauss_kruger::resolve_zone(*zone, *datum, &layout, easting_example)?;
                let strip = layout.prefix.map_or(0.0, |p| f64::from(p) * 1_000_000.0);
                let prefix_note = layout.prefix.map(|p| format!(" (zone prefix {p} removed from the easting)")).unwrap_or_default();
                let epsg = self.epsg.unwrap_or_else(|| zone.epsg(*datum, layout.prefix.is_some()));
                let (proj, transformation) = match &self.helmert {
                    None => {
                        let t = ToWorking::new(&format!("EPSG:{}", zone.epsg(*datum, false)))
                            .map_err(|e| CrsInputError::UnknownEpsg { code: format!("EPSG:{epsg}"), message: e.to_string() })?;
                        let description = t.description();
                        (t.into_proj(), format!("PROJ: {description}{prefix_note}"))
                    }
                    Some(h) => {
                        let pipeline = helmert_pipeline(*datum, Some(zone.central_meridian()), h);
                        (Some(proj_pipeline(&pipeline)?), format!("PROJ pipeline: {pipeline}{prefix_note}"))
                    }
                };
                let op = match proj {
                    Some(proj) => Op::Proj { proj, swap, strip },
                    None => Op::Identity,
                };
                Ok(base(op, zone.crs_name(*datum), Some(epsg), layout.order, transformation))
            }
            Kind::Epsg { projected } => {
                let label = self.name();
                let t = ToWorking::new(&label).map_err(|e| CrsInputError::UnknownEpsg { code: label.clone(), message: e.to_string() })?;
                let transformation = format!("PROJ: {}", t.description());
                let axis = if *projected { AxisOrder::EastingNorthing } else { AxisOrder::LonLat };
                let op = match t.into_proj() {
                    Some(proj) => Op::Proj { proj, swap: false, strip: 0.0 },
                    None => Op::Identity,
                };
                Ok(base(op, label, self.epsg, axis, transformation))
            }
        }
    }
}

fn proj_pipeline(pipeline: &str) -> Result<proj::Proj, CrsInputError> {
    super::precheck::check(pipeline, super::precheck::Expect::Operation)
        .map_err(|message| CrsInputError::UnknownEpsg { code: pipeline.to_string(), message })?;
    proj::Proj::new(pipeline).map_err(|e| CrsInputError::UnknownEpsg { code: pipeline.to_string(), message: e.to_string() })
}

enum Op {
    Identity,
    Gcj02,
    Bd09,
    /// PROJ from (easting without prefix, northing) or (lon, lat) to working lon/lat.
    Proj { proj: proj::Proj, swap: bool, strip: f64 },
}

/// Converts the positions of one request to working lon/lat, and says how.
pub struct Converter {
    op: Op,
    /// The CRS used, resolved (`cgcs2000-gk3:38` even when the request said `cgcs2000-gk3`).
    pub crs: String,
    /// Its EPSG code when it has one (`EPSG:4526`).
    pub epsg: Option<String>,
    /// The Helmert parameters applied, as given.
    pub towgs84: Option<Vec<f64>>,
    /// The order the numbers were read in.
    pub axis: AxisOrder,
    /// What was done to the numbers, in words.
    pub transformation: String,
}

impl Converter {
    /// One position as sent (first number first) → working lon/lat.
    pub fn convert(&self, p: [f64; 2]) -> Result<[f64; 2], CrsInputError> {
        let [a, b] = p;
        match &self.op {
            Op::Identity => Ok(p),
            Op::Gcj02 => {
                let w = gcj::gcj02_to_wgs84(Coord { x: a, y: b });
                Ok([w.x, w.y])
            }
            Op::Bd09 => {
                let w = gcj::bd09_to_wgs84(Coord { x: a, y: b });
                Ok([w.x, w.y])
            }
            Op::Proj { proj, swap, strip } => {
                let (e, n) = if *swap { (b, a) } else { (a, b) };
                let (lon, lat): (f64, f64) = proj
                    .convert((e - strip, n))
                    .map_err(|err| CrsInputError::Transform { x: a, y: b, message: err.to_string() })?;
                if !lon.is_finite() || !lat.is_finite() {
                    return Err(CrsInputError::Transform { x: a, y: b, message: "no finite result".into() });
                }
                Ok([lon, lat])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> Result<InputCrs, CrsInputError> {
        InputCrs::parse(Some(name), None)
    }

    #[test]
    fn names_are_case_insensitive_and_epsg_codes_map_to_the_chinese_systems() {
        assert_eq!(parse("WGS84").map(|c| c.name()), Ok("wgs84".into()));
        assert_eq!(parse("EPSG:4326").map(|c| c.is_plain_lon_lat()), Ok(true));
        assert_eq!(parse("urn:ogc:def:crs:OGC:1.3:CRS84").map(|c| c.is_plain_lon_lat()), Ok(true));
        assert_eq!(parse("EPSG:4526").map(|c| c.name()), Ok("cgcs2000-gk3:38".into()));
        assert_eq!(parse("urn:ogc:def:crs:EPSG::4547").map(|c| c.name()), Ok("cgcs2000-gk3:38".into()));
        assert_eq!(parse("cgcs2000-gk3-cm:114").map(|c| c.name()), Ok("cgcs2000-gk3:38".into()));
        assert_eq!(parse("CGCS2000-GK6:19").map(|c| c.name()), Ok("cgcs2000-gk6:19".into()));
        assert_eq!(parse("cgcs2000-gk").map(|c| c.name()), Ok("cgcs2000-gk".into()));
        assert!(parse("EPSG:32650").is_ok_and(|c| c.is_projected()));
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = parse("mercator").expect_err("unknown");
        assert_eq!(e.slug(), "unknown-crs");
        assert!(e.to_string().contains("cgcs2000-gk3:NN") && e.message_zh().contains("未知坐标系"), "{e}");
    }

    #[test]
    fn a_3_degree_zone_number_out_of_range_names_the_6_degree_zone() {
        let e = parse("cgcs2000-gk3:19").expect_err("19 is 6°");
        assert!(e.to_string().contains("cgcs2000-gk6:19"), "{e}");
    }

    #[test]
    fn an_unknown_epsg_code_is_refused_by_proj() {
        let e = parse("EPSG:999999").expect_err("unknown code");
        assert_eq!(e.slug(), "unknown-crs");
        assert!(e.to_string().contains("PROJ does not know EPSG:999999"), "{e}");
    }

    #[test]
    fn old_datums_without_parameters_are_refused_with_the_reason() {
        for name in ["xian80-gk3:38", "bj54-gk6:19", "EPSG:2362", "xian80", "EPSG:4214"] {
            let e = parse(name).expect_err(name);
            assert!(matches!(e, CrsInputError::DatumShiftRequired { .. }), "{name}: {e:?}");
            assert!(e.to_string().contains("no public nationwide transformation"), "{e}");
            assert!(e.message_zh().contains("没有全国统一公开的转换参数"), "{}", e.message_zh());
        }
        assert!(InputCrs::parse(Some("xian80-gk3:38"), Some("1,2,3")).is_ok());
    }

    #[test]
    fn towgs84_with_a_modern_crs_is_refused() {
        let e = InputCrs::parse(Some("cgcs2000-gk3:38"), Some("1,2,3")).expect_err("not applicable");
        assert!(matches!(e, CrsInputError::Towgs84NotApplicable { .. }));
    }

    #[test]
    fn an_epsg_code_with_only_a_ballpark_datum_shift_is_refused() {
        let e = parse("EPSG:27700").expect_err("OSGB36 has no known shift to CGCS2000");
        assert!(matches!(&e, CrsInputError::NoDatumTransformation { datum, .. } if datum == "OSGB36"), "{e:?}");
        assert_eq!(e.slug(), "datum-shift-required");
    }

    #[test]
    fn zone_from_prefix_and_surveyor_order() {
        let crs = parse("cgcs2000-gk3").expect("name");
        let c = crs.converter(&[[3_688_132.571_3, 38_448_542.633_9]]).expect("prefix 38");
        assert_eq!(c.crs, "cgcs2000-gk3:38");
        assert_eq!(c.epsg.as_deref(), Some("EPSG:4526"));
        assert_eq!(c.axis, AxisOrder::NorthingEasting);
        let [lon, lat] = c.convert([3_688_132.571_3, 38_448_542.633_9]).expect("converts");
        // cs2cs EPSG:4490 → EPSG:4526 of 33.317817°N 113.447392°E gives 3688132.5713 38448542.6339.
        assert!((lon - 113.447392).abs() < 1e-8 && (lat - 33.317817).abs() < 1e-8, "{lon} {lat}");
    }

    #[test]
    fn a_zone_prefix_that_contradicts_the_named_zone_is_refused() {
        let crs = parse("cgcs2000-gk3:39").expect("name");
        let e = crs.converter(&[[38_448_542.633_9, 3_688_132.571_3]]).err().expect("38 ≠ 39");
        assert_eq!(e, CrsInputError::PrefixMismatch { prefix: 38, zone: Zone { width: Width::Three, number: 39 } });
    }
}
