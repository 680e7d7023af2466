//! 界址点 boundary-point text files (自然资源部 "国土TXT" exchange format for 建设用地预审/报批):
//!
//! ```text
//! [属性描述]
//! 坐标系=2000国家大地坐标系
//! 几度分带=3
//! 带号=40
//! [地块坐标]
//! 66,5.7089,1,彭埠单元B/R-14地块,面,,,,@      <- parcel: 界址点数,地块面积(ha),地块编号,地块名称,记录图形属性,图幅号,地块用途,地类编号,…,@
//! J01,1,3353189.181,40520986.477              <- 点号,地块圈号,X (northing),Y (easting with zone prefix)
//! ```
//!
//! Several parcels follow one another; ring numbers > 1 are holes. The header's 坐标系/几度分带/带号 give the CRS
//! (CGCS2000, Xi'an 1980 or Beijing 1954 Gauss–Krüger; the zone prefix in Y says whether the easting carries it).
//! UTF-8 or GBK, CRLF or LF, an optional [扩展信息] section, and extended parcel lines with more fields are accepted.

use crate::crs::gauss_kruger::{Datum, Width, Zone};
use super::error::UploadError;
use super::geometry::Ring;
use super::rings::{assemble, RingInput};
use super::{Budget, RawFeature};
use geo::Coord;
use std::collections::BTreeMap;

/// Field names of a parcel line, in order (the first 8 of the format; later ones are kept as 字段9, 字段10 …).
const PARCEL_FIELDS: [&str; 8] = ["界址点数", "地块面积", "地块编号", "地块名称", "记录图形属性", "图幅号", "地块用途", "地类编号"];

#[derive(Debug)]
pub struct Parcel {
    pub line: usize,
    pub fields: Vec<String>,
    pub rings: Vec<RingInput>,
    pub points: usize,
}

impl Parcel {
    fn field(&self, i: usize) -> Option<&str> {
        self.fields.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    pub fn declared_points(&self) -> Option<usize> {
        self.field(0).and_then(|s| s.parse().ok())
    }

    pub fn area_ha(&self) -> Option<f64> {
        self.field(1).and_then(|s| s.parse().ok())
    }

    pub fn name(&self) -> Option<String> {
        self.field(3).or(self.field(2)).map(str::to_string)
    }

    fn kind(&self) -> Option<&str> {
        self.field(4)
    }
}

#[derive(Debug)]
pub struct JzdFile {
    pub header: BTreeMap<String, String>,
    pub parcels: Vec<Parcel>,
    /// X and Y were found swapped (easting first) and were read the other way round.
    pub swapped: bool,
}

fn bad(line: usize, message: impl Into<String>, message_zh: impl Into<String>) -> UploadError {
    UploadError::BadJzd { line, message: message.into(), message_zh: message_zh.into() }
}

/// True when decoded text looks like a 界址点 file.
pub fn looks_like(text: &str) -> bool {
    text.contains("[地块坐标]") || (text.contains("[属性描述]") && text.contains(",@"))
}

/// Parses the text (already decoded). Coordinates are returned as (easting, northing) in `x`, `y`.
pub fn parse(text: &str) -> Result<JzdFile, UploadError> {
    #[derive(PartialEq)]
    enum Section {
        None,
        Header,
        Coords,
        Other,
    }
    let mut section = Section::None;
    let mut header = BTreeMap::new();
    let mut parcels: Vec<Parcel> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = match line {
                "[属性描述]" => Section::Header,
                "[地块坐标]" => Section::Coords,
                _ => Section::Other,
            };
            continue;
        }
        match section {
            Section::Header => {
                if let Some((k, v)) = line.split_once('=') {
                    header.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
            Section::Other => {}
            Section::None => {
                return Err(bad(line_no, format!("{line:?} comes before any [属性描述] or [地块坐标] section"), format!("{line:?} 出现在 [属性描述]、[地块坐标] 小节之前")));
            }
            Section::Coords => {
                let fields: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
                if fields.last() == Some(&"@") || line.ends_with('@') {
                    let mut fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                    if let Some(last) = fields.last_mut() {
                        *last = last.trim_end_matches('@').trim().to_string();
                    }
                    while fields.last().is_some_and(|f| f.is_empty()) {
                        fields.pop();
                    }
                    parcels.push(Parcel { line: line_no, fields, rings: Vec::new(), points: 0 });
                    continue;
                }
                let Some(parcel) = parcels.last_mut() else {
                    return Err(bad(line_no, "a point line comes before the first parcel line (the one ending in \",@\")", "点坐标行出现在第一个地块行（以 \",@\" 结尾）之前"));
                };
                if fields.len() < 4 {
                    return Err(bad(line_no, format!("{line:?} is not a point line 点号,圈号,X,Y"), format!("{line:?} 不是“点号,圈号,X,Y”格式的点坐标行")));
                }
                let ring: u32 = fields[1].parse().map_err(|_| {
                    bad(line_no, format!("ring number {:?} is not a whole number", fields[1]), format!("圈号 {:?} 不是整数", fields[1]))
                })?;
                let num = |s: &str, axis: &str| -> Result<f64, UploadError> {
                    s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                        bad(line_no, format!("{axis} coordinate {s:?} is not a number"), format!("{axis} 坐标 {s:?} 不是数字"))
                    })
                };
                let x = num(fields[2], "X")?;
                let y = num(fields[3], "Y")?;
                // X = northing, Y = easting.
                let c = Coord { x: y, y: x };
                let start_new = match parcel.rings.last() {
                    None => true,
                    Some(last) => last.number != ring || (last.points.len() >= 4 && last.points.first() == last.points.last()),
                };
                if start_new {
                    parcel.rings.push(RingInput { number: ring, line: line_no, points: Ring::new() });
                }
                if let Some(last) = parcel.rings.last_mut() {
                    last.points.push(c);
                }
                parcel.points += 1;
            }
        }
    }
    if parcels.is_empty() {
        return Err(bad(text.lines().count().max(1), "no parcel found: a [地块坐标] section with lines like \"66,5.7089,1,名称,面,,,,@\" followed by \"J1,1,X,Y\"", "没有地块：应有 [地块坐标] 小节，地块行如“66,5.7089,1,名称,面,,,,@”，其后为“J1,1,X,Y”点行"));
    }
    // Surveying order is X (northing, 7 digits) then Y (easting, 8 digits with the zone prefix). Files with the
    // columns the other way round exist; detect them on the whole file, never point by point.
    let all: Vec<Coord<f64>> = parcels.iter().flat_map(|p| p.rings.iter().flat_map(|r| r.points.iter().copied())).collect();
    let looks_swapped = !all.is_empty() && all.iter().all(|c| c.y >= 1.0e7 && c.x < 1.0e7 && c.x >= 1.0e6);
    if looks_swapped {
        for p in &mut parcels {
            for r in &mut p.rings {
                for c in &mut r.points {
                    std::mem::swap(&mut c.x, &mut c.y);
                }
            }
        }
    }
    Ok(JzdFile { header, parcels, swapped: looks_swapped })
}

/// The CRS the header declares, as an EPSG code, with notes on what was inferred; `Ok(None)` when the header has
/// no 坐标系 (the request must then give `crs`).
pub fn header_crs(file: &JzdFile) -> Result<Option<(String, String, Vec<super::NoteText>)>, UploadError> {
    let h = &file.header;
    let Some(system) = h.get("坐标系").filter(|s| !s.is_empty()) else { return Ok(None) };
    let mut notes = Vec::new();
    let Some(datum) = Datum::from_label(system) else {
        return Err(bad(1, format!("坐标系={system} is not a system ecogate knows (2000国家大地坐标系, 1980西安坐标系, 1954北京坐标系); send `crs` to say which it is"),
            format!("坐标系={system} 无法识别（支持 2000国家大地坐标系、1980西安坐标系、1954北京坐标系）；请通过 crs 指定坐标系")));
    };
    let first_easting = file.parcels.iter().flat_map(|p| p.rings.iter()).flat_map(|r| r.points.first()).map(|c| c.x).next();
    let prefixed = first_easting.is_some_and(|e| e >= 1.0e7);
    let prefix_zone = first_easting.filter(|_| prefixed).map(|e| (e / 1.0e6).floor() as u32);
    let declared_zone = h.get("带号").and_then(|z| z.trim().parse::<u32>().ok());
    let zone = match (declared_zone, prefix_zone) {
        (Some(d), Some(p)) if d != p => {
            return Err(bad(1, format!("带号={d} but the Y coordinates carry zone prefix {p}"), format!("带号={d}，但 Y 坐标的带号前缀为 {p}")));
        }
        (Some(d), _) => d,
        (None, Some(p)) => {
            notes.push(("crs-inferred", format!("带号 missing from the header: zone {p} taken from the Y coordinates' prefix"), format!("文件头缺少带号：按 Y 坐标前缀取第 {p} 带")));
            p
        }
        (None, None) => {
            return Err(bad(1, "the header has no 带号 and the Y coordinates carry no zone prefix: the zone is unknown; send `crs`", "文件头缺少带号，Y 坐标也没有带号前缀，无法确定投影带；请通过 crs 指定坐标系"));
        }
    };
    let width = match h.get("几度分带").and_then(|w| w.trim().parse::<u32>().ok()) {
        Some(w @ (3 | 6)) => w,
        Some(w) => return Err(bad(1, format!("几度分带={w}: only 3 and 6 degree zones exist"), format!("几度分带={w}：只有 3 度带和 6 度带"))),
        None => {
            let w = if zone >= 24 { 3 } else { 6 };
            notes.push(("crs-inferred", format!("几度分带 missing from the header: zone {zone} can only be a {w}° zone in China"), format!("文件头缺少几度分带：中国境内第 {zone} 带只能是 {w} 度带")));
            w
        }
    };
    let gk_width = if width == 3 { Width::Three } else { Width::Six };
    let Some(epsg) = u8::try_from(zone).ok().and_then(|z| Zone::new(gk_width, z)).map(|z| z.epsg(datum, prefixed)) else {
        return Err(bad(1, format!("{width}° zone {zone} is outside China's Gauss–Krüger zones (3°: 25–45, 6°: 13–23)"), format!("{width} 度带第 {zone} 带不在中国范围内（3 度带 25–45，6 度带 13–23）")));
    };
    if let Some(params) = h.get("转换参数") {
        let nonzero = params.split(',').any(|p| p.trim().parse::<f64>().is_ok_and(|v| v != 0.0));
        if nonzero {
            notes.push(("transformation-parameters-ignored", format!("转换参数={params} (a local 7-parameter transformation) is not applied: coordinates are read as plain {}", datum.name()),
                format!("转换参数={params}（七参数）未使用：坐标按 {} 读取", datum.name())));
        }
    }
    if datum != Datum::Cgcs2000 {
        notes.push(("datum-shift", format!("{} coordinates are moved to CGCS2000 with PROJ's transformation, which may be approximate (metres)", datum.name()),
            format!("{} 坐标经 PROJ 转换至 CGCS2000，可能有米级误差", datum.name())));
    }
    let label = format!("EPSG:{epsg}");
    Ok(Some((label.clone(), label, notes)))
}

/// Parcels into raw features. Parcels whose 记录图形属性 is 点 or 线 are not footprints and are skipped with a note.
pub fn features(file: JzdFile, what: &str, budget: &mut Budget) -> Result<(Vec<RawFeature>, Vec<super::NoteText>), UploadError> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    if file.swapped {
        notes.push(("axes-swapped", format!("{what}: the first coordinate column holds eastings and the second northings (the reverse of X=north, Y=east); read them the other way round"),
            format!("{what}：第一列坐标为东坐标、第二列为北坐标（与 X 指北、Y 指东相反），已对调读取")));
    }
    for p in file.parcels {
        budget.add(p.points)?;
        let label = format!("parcel {} (line {})", p.name().unwrap_or_else(|| "?".into()), p.line);
        if matches!(p.kind(), Some("点" | "线")) {
            notes.push(("parcel-skipped", format!("{what}: {label} is recorded as {} (记录图形属性), not 面: skipped", p.kind().unwrap_or("")),
                format!("{what}：{label} 的记录图形属性为“{}”而非“面”，已跳过", p.kind().unwrap_or(""))));
            continue;
        }
        let mut feature_notes = Vec::new();
        if let Some(n) = p.declared_points() {
            if n != p.points {
                feature_notes.push(("point-count-mismatch", format!("{label}: the parcel line declares {n} points (界址点数) but {} follow", p.points),
                    format!("{label}：地块行声明界址点数 {n}，实际有 {} 个点", p.points)));
            }
        }
        let mut attributes = BTreeMap::new();
        for (i, v) in p.fields.iter().enumerate() {
            if v.trim().is_empty() {
                continue;
            }
            let key = PARCEL_FIELDS.get(i).map(|s| s.to_string()).unwrap_or_else(|| format!("字段{}", i + 1));
            attributes.insert(key, v.trim().to_string());
        }
        let name = p.name();
        let area_ha = p.area_ha();
        let (polygons, ring_notes) = assemble(&label, p.rings);
        feature_notes.extend(ring_notes);
        // The declared area (ha) against the planar area of the rings in the projected CRS.
        if let Some(declared) = area_ha.filter(|a| *a > 0.0) {
            let computed = polygons.iter().map(planar_area).sum::<f64>() / 10_000.0;
            if computed > 0.0 && (computed - declared).abs() > 0.01 * declared.max(0.01) {
                feature_notes.push(("area-mismatch", format!("{label}: the parcel line declares {declared} ha (地块面积) but the boundary points enclose {computed:.4} ha"),
                    format!("{label}：地块行声明面积 {declared} 公顷，界址点围成 {computed:.4} 公顷")));
            }
        }
        out.push(RawFeature { layer: "地块坐标".into(), fid: None, name, attributes, polygons, sites: Default::default(), notes: feature_notes });
    }
    Ok((out, notes))
}

fn ring_area(r: &[Coord<f64>]) -> f64 {
    let n = r.len();
    if n < 3 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (r[i], r[(i + 1) % n]);
        s += a.x * b.y - b.x * a.y;
    }
    (s / 2.0).abs()
}

fn planar_area(p: &super::geometry::RawPolygon) -> f64 {
    let mut rings = p.rings.iter();
    let outer = rings.next().map(|r| ring_area(r)).unwrap_or(0.0);
    outer - rings.map(|r| ring_area(r)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_PARCELS: &str = "[属性描述]\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n带号=38\r\n转换参数=,,,,,,\r\n[地块坐标]\r\n\
5,4,1,甲地块,面,,,,@\r\nJ1,1,3685000.000,38452000.000\r\nJ2,1,3685000.000,38452200.000\r\nJ3,1,3685200.000,38452200.000\r\nJ4,1,3685200.000,38452000.000\r\nJ1,1,3685000.000,38452000.000\r\n\
10,3,2,乙地块,面,,,,@\r\n1,1,3686000,38453000\r\n2,1,3686000,38453200\r\n3,1,3686200,38453200\r\n4,1,3686200,38453000\r\n1,1,3686000,38453000\r\n\
5,2,3686050,38453050\r\n6,2,3686050,38453150\r\n7,2,3686150,38453150\r\n8,2,3686150,38453050\r\n5,2,3686050,38453050\r\n";

    #[test]
    fn two_parcels_second_with_a_hole() {
        let f = parse(TWO_PARCELS).expect("parses");
        assert_eq!(f.parcels.len(), 2);
        assert_eq!(f.parcels[0].name().as_deref(), Some("甲地块"));
        assert_eq!(f.parcels[1].rings.len(), 2);
        // Y (easting) becomes x.
        assert_eq!(f.parcels[0].rings[0].points[0], Coord { x: 38_452_000.0, y: 3_685_000.0 });
        let (label, _, notes) = header_crs(&f).expect("ok").expect("declared");
        assert_eq!(label, "EPSG:4526");
        assert!(notes.is_empty(), "{notes:?}");
        let mut budget = Budget::new(1000);
        let (features, _) = features(f, "t.txt", &mut budget).expect("features");
        assert_eq!(features[1].polygons.len(), 1);
        assert_eq!(features[1].polygons[0].rings.len(), 2, "ring 2 is a hole");
        assert!(features[1].notes.is_empty(), "declared area 3 ha = 4 ha − 1 ha hole: {:?}", features[1].notes);
    }

    #[test]
    fn bad_coordinate_names_its_line() {
        let text = "[地块坐标]\n3,1,1,a,面,,,,@\nJ1,1,abc,38452000\n";
        match parse(text) {
            Err(UploadError::BadJzd { line, message, .. }) => {
                assert_eq!(line, 3);
                assert!(message.contains("abc"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn zone_mismatch_is_refused() {
        let text = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=39\n[地块坐标]\n4,1,1,a,面,,,,@\nJ1,1,3353189.181,40520986.477\n";
        let f = parse(text).expect("parses");
        assert!(matches!(header_crs(&f), Err(UploadError::BadJzd { .. })));
    }

    #[test]
    fn zone_inferred_from_the_prefix_with_a_note() {
        let text = "[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n4,1,1,a,面,,,,@\nJ1,1,3353189.181,40520986.477\n";
        let f = parse(text).expect("parses");
        let (label, _, notes) = header_crs(&f).expect("ok").expect("declared");
        assert_eq!(label, "EPSG:4528");
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
