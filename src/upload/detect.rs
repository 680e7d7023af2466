//! Which format an upload is: by its name when it has a known extension, else by its first bytes. Zips are opened
//! and their members listed (see `zip_candidates`), since a zip may hold a shapefile, KML (a KMZ), or anything else.

use super::error::UploadError;
use super::{jzd, table, text, vsi, Format};

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Single(Format),
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Classifies an upload. `name` is the uploaded file's name when known.
pub fn classify(bytes: &[u8], name: Option<&str>) -> Result<Kind, UploadError> {
    let ext = name.map(extension).unwrap_or_default();
    let what = name.map(|n| format!("{n:?}")).unwrap_or_else(|| "the upload".into());
    let is_zip = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06");
    if is_zip {
        // An XLSX is a zip too: recognise it by its workbook part.
        if ext == "xlsx" || contains(&bytes[..bytes.len().min(1 << 20)], b"xl/workbook.xml") {
            return Ok(Kind::Single(Format::Xlsx));
        }
        return Ok(Kind::Zip);
    }
    if bytes.starts_with(b"SQLite format 3\0") {
        return Ok(Kind::Single(Format::GeoPackage));
    }
    let unsupported = |hint: &str| UploadError::UnsupportedFormat { what: format!("{what} ({hint})") };
    match ext.as_str() {
        "shp" | "shx" | "dbf" | "prj" | "cpg" => {
            return Err(unsupported("one part of a shapefile: zip its .shp, .shx, .dbf, .prj and .cpg together and upload the .zip"))
        }
        "zip" | "kmz" | "xlsx" => return Err(UploadError::Unreadable { what: what.clone(), message: "it is not a valid zip archive".into() }),
        "xls" => return Err(unsupported("old Excel .xls: save it as .xlsx or .csv")),
        "dwg" => return Err(unsupported("AutoCAD DWG: save it as DXF")),
        "kml" => return Ok(Kind::Single(Format::Kml)),
        "geojson" | "json" => return Ok(Kind::Single(Format::GeoJson)),
        "gpkg" => return Ok(Kind::Single(Format::GeoPackage)),
        "dxf" => return Ok(Kind::Single(Format::Dxf)),
        "csv" => return Ok(Kind::Single(Format::Csv)),
        _ => {}
    }
    // A text format recognised by content (the name may be .txt, .dat or missing).
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let decoded = text::decode(head).map(|(s, _)| s).unwrap_or_else(|| String::from_utf8_lossy(head).into_owned());
    let t = decoded.trim_start_matches('\u{feff}').trim_start();
    if jzd::looks_like(&decoded) {
        return Ok(Kind::Single(Format::Jzd));
    }
    if t.starts_with('{') {
        return Ok(Kind::Single(Format::GeoJson));
    }
    if t.starts_with('<') && t.contains("<kml") {
        return Ok(Kind::Single(Format::Kml));
    }
    let mut lines = t.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() == Some("0") && lines.next() == Some("SECTION") {
        return Ok(Kind::Single(Format::Dxf));
    }
    if ext == "txt" {
        if let Some(first) = t.lines().next() {
            if table::header_has_coordinates(first) {
                return Ok(Kind::Single(Format::Csv));
            }
        }
        return Err(unsupported("a .txt that is neither a 界址点 file ([属性描述]/[地块坐标]) nor a table with coordinate columns"));
    }
    Err(unsupported(if ext.is_empty() { "unrecognised content" } else { "unrecognised extension and content" }))
}

/// One dataset inside a zip.
#[derive(Debug, Clone)]
pub struct Member {
    pub format: Format,
    pub path: String,
    pub has_cpg: bool,
}

/// The datasets a zip holds, with the list of all its files (for messages). Shapefiles need their .shx and .dbf;
/// a CSV or TXT counts only when it looks like a vertex table or a 界址点 file, so a README or an attribute export
/// beside a shapefile does not make the zip ambiguous.
pub fn zip_candidates(archive: &str, limit: usize) -> Result<(Vec<Member>, Vec<String>, Option<(String, String)>), UploadError> {
    let members = vsi::zip_members(archive).ok_or_else(|| UploadError::Unreadable {
        what: "the zip archive (压缩包)".into(),
        message: "it is truncated or corrupt (its table of contents cannot be read)".into(),
    })?;
    let files: Vec<String> = members
        .into_iter()
        .filter(|m| {
            let base = m.rsplit('/').next().unwrap_or(m);
            !m.starts_with("__MACOSX/") && !base.starts_with("._") && base != ".DS_Store" && base != "Thumbs.db"
        })
        .collect();
    let lower: Vec<String> = files.iter().map(|f| f.to_lowercase()).collect();
    let has = |stem: &str, ext: &str| lower.iter().any(|f| *f == format!("{stem}.{ext}"));
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (f, l) in files.iter().zip(&lower) {
        let ext = extension(l);
        let stem = l.rsplit_once('.').map(|(s, _)| s).unwrap_or(l);
        let format = match ext.as_str() {
            "shp" => {
                let lacking: Vec<&str> = ["shx", "dbf"].into_iter().filter(|e| !has(stem, e)).collect();
                if !lacking.is_empty() {
                    missing.push(format!("{f} without .{}", lacking.join(", .")));
                    continue;
                }
                Format::Shapefile
            }
            "kml" => Format::Kml,
            "geojson" | "json" => Format::GeoJson,
            "gpkg" => Format::GeoPackage,
            "dxf" => Format::Dxf,
            "xlsx" => Format::Xlsx,
            "csv" | "txt" => {
                let bytes = vsi::read_all(&format!("/vsizip/{archive}/{f}"), limit).unwrap_or_default();
                let Some((t, _)) = text::decode(&bytes) else { continue };
                if jzd::looks_like(&t) {
                    Format::Jzd
                } else if t.lines().next().is_some_and(table::header_has_coordinates) {
                    Format::Csv
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        out.push(Member { format, path: f.clone(), has_cpg: has(stem, "cpg") });
    }
    let reason = (!missing.is_empty()).then(|| {
        (
            format!("shapefile parts missing: {}; zip all of a shapefile's files", missing.join("; ")),
            format!("缺少 shapefile 组成文件：{}；请把 shapefile 的全部文件一起压缩", missing.join("；")),
        )
    });
    Ok((out, files, reason))
}
