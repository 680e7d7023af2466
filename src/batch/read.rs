//! Reading a batch: a CSV or XLSX table of sites (one row each), a GeoJSON FeatureCollection (one feature each, any
//! geometry), or any other multi-feature file the footprint upload reads (zipped shapefile, GeoPackage, KML/KMZ:
//! one feature each — polygon, point or line — through [`crate::upload`]). Feature attributes are read like table columns.
//!
//! A row's site is, in this order of preference: a `geometry`/`wkt` column (WKT or GeoJSON text), `lon`/`lat`
//! columns (numbers or degrees–minutes–seconds text), or `x`/`y` columns (projected metres, with a `crs` column or
//! the batch's `crs`). Everything is then read exactly as a single request would be ([`crate::input`]): same CRS
//! names, same swapped-axis and projected-as-degrees checks, same messages — per row.

use super::columns::{self, Role};
use super::{BatchInput, BatchOptions, BatchRow, RowError, RowSite};
use crate::assess::Engine;
use crate::crs::InputCrs;
use crate::input;
use crate::rules::Facts;
use crate::upload::{self, UploadError, UploadLimits};

/// Why a whole batch file is refused (a bad row is never a reason: it gets a [`RowError`]).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the batch file is empty")]
    Empty,
    #[error("the batch file is neither UTF-8 nor GBK text")]
    Encoding,
    #[error("the CSV cannot be read: {0}")]
    Csv(String),
    #[error("the XLSX workbook cannot be read: {0}")]
    Xlsx(String),
    #[error("the GeoJSON cannot be read: {0}")]
    GeoJson(String),
    #[error("no site columns: expected lon/lat (经度/纬度), x/y (X坐标/Y坐标) or geometry/wkt; columns found: {0}")]
    NoSiteColumns(String),
    #[error("the batch's crs: {0}")]
    Crs(String),
    #[error(transparent)]
    Upload(#[from] UploadError),
}

impl ReadError {
    pub fn slug(&self) -> &'static str {
        match self {
            ReadError::Upload(e) => e.slug(),
            ReadError::NoSiteColumns(_) => "no-site-columns",
            ReadError::Crs(_) => "unknown-crs",
            _ => "unreadable-batch",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            ReadError::Empty => "批量文件为空。".into(),
            ReadError::Encoding => "批量文件既不是 UTF-8 也不是 GBK 文本。".into(),
            ReadError::Csv(m) => format!("CSV 无法读取：{m}"),
            ReadError::Xlsx(m) => format!("XLSX 工作簿无法读取：{m}"),
            ReadError::GeoJson(m) => format!("GeoJSON 无法读取：{m}"),
            ReadError::NoSiteColumns(c) => format!("未找到选址列：应有 经度/纬度、X坐标/Y坐标 或 geometry/wkt 列；现有列：{c}"),
            ReadError::Crs(m) => format!("批量坐标系（crs）有误：{m}"),
            ReadError::Upload(e) => e.message_zh(),
        }
    }
}

/// Reads a batch file. `name` is its file name (the extension helps decide the format).
pub fn read(engine: &Engine, bytes: Vec<u8>, name: Option<&str>, options: &BatchOptions, limits: &UploadLimits) -> Result<BatchInput, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let default_crs = InputCrs::parse(options.crs.as_deref(), options.towgs84.as_deref()).map_err(|e| ReadError::Crs(e.to_string()))?;
    let ext = name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let ctx = Ctx { engine, options, default_crs };
    if ext == "xlsx" || (is_zip && bytes.windows(15).take(1 << 20).any(|w| w == b"xl/workbook.xml")) {
        let (headers, rows, sheet) = xlsx_rows(bytes)?;
        let mut b = ctx.table("xlsx", headers, rows)?;
        b.notes.push(format!("sheet {sheet}"));
        return Ok(b);
    }
    if is_zip || bytes.starts_with(b"SQLite format 3\0") || matches!(ext.as_str(), "kml" | "kmz" | "gpkg" | "zip" | "shp") {
        return ctx.upload(bytes, name, limits);
    }
    let (text, encoding) = upload::text::decode(&bytes).ok_or(ReadError::Encoding)?;
    let text = text.trim_start_matches('\u{feff}');
    if matches!(ext.as_str(), "geojson" | "json") || text.trim_start().starts_with('{') {
        return ctx.geojson(text);
    }
    let (headers, rows) = csv_rows(text)?;
    let mut b = ctx.table("csv", headers, rows)?;
    b.notes.push(format!("encoding {}", encoding.name()));
    Ok(b)
}

/// Rows of a CSV: delimiter `,` unless the header line has more `;` or tabs (European Excel, copied tables).
fn csv_rows(text: &str) -> Result<(Vec<String>, Vec<Vec<String>>), ReadError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first.matches(*d as char).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().map_err(|e| ReadError::Csv(e.to_string()))?.iter().map(|h| h.trim().to_string()).collect();
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| ReadError::Csv(e.to_string()))?;
        rows.push(r.iter().map(str::to_string).collect());
    }
    Ok((headers, rows))
}

/// Rows of the first worksheet that has a header row, cells as text (numbers as Excel shows them, without a
/// trailing `.0`).
fn xlsx_rows(bytes: Vec<u8>) -> Result<(Vec<String>, Vec<Vec<String>>, String), ReadError> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let sheets = wb.sheet_names().to_vec();
    for sheet in sheets {
        let range = wb.worksheet_range(&sheet).map_err(|e| ReadError::Xlsx(e.to_string()))?;
        let mut rows = range.rows().map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    other => other.to_string(),
                })
                .collect::<Vec<String>>()
        });
        let Some(headers) = rows.next() else { continue };
        if headers.iter().all(|h| h.trim().is_empty()) {
            continue;
        }
        let headers = headers.into_iter().map(|h| h.trim().to_string()).collect();
        return Ok((headers, rows.collect(), sheet));
    }
    Err(ReadError::Xlsx("the workbook has no sheet with a header row".into()))
}

struct Ctx<'a> {
    engine: &'a Engine,
    options: &'a BatchOptions,
    default_crs: InputCrs,
}

/// Where a table row's site is.
struct SiteColumns {
    geometry: Option<usize>,
    lon_lat: Option<(usize, usize)>,
    xy: Option<(usize, usize)>,
    crs: Option<usize>,
}

impl Ctx<'_> {
    fn table(&self, format: &str, headers: Vec<String>, rows: Vec<Vec<String>>) -> Result<BatchInput, ReadError> {
        let roles = columns::roles(&headers, &self.engine.rulebook);
        let find = |r: &Role| roles.iter().position(|x| x.as_ref() == Some(r));
        let cols = SiteColumns {
            geometry: find(&Role::Geometry),
            lon_lat: find(&Role::Lon).zip(find(&Role::Lat)),
            xy: find(&Role::X).zip(find(&Role::Y)),
            crs: find(&Role::Crs),
        };
        if cols.geometry.is_none() && cols.lon_lat.is_none() && cols.xy.is_none() {
            return Err(ReadError::NoSiteColumns(headers.join(", ")));
        }
        let name_col = find(&Role::Name);
        let mut out = Vec::new();
        for (i, mut cells) in rows.into_iter().enumerate() {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            cells.resize(headers.len(), String::new());
            let cell = |c: usize| cells.get(c).map(|s| s.trim()).filter(|s| !s.is_empty());
            let site = self.table_site(&cols, &cell);
            let facts = self.facts(roles.iter().zip(cells.iter()).filter_map(|(r, v)| match r {
                Some(Role::Fact(f)) => Some((f.as_str(), v.as_str())),
                _ => None,
            }));
            let name = name_col.and_then(cell).map(str::to_string);
            out.push(BatchRow { row_no: i + 1, name, site, facts, cells });
        }
        Ok(BatchInput { format: format.into(), columns: headers, rows: out, notes: Vec::new() })
    }

    fn row_crs(&self, name: Option<&str>) -> Result<InputCrs, RowError> {
        match name {
            None => Ok(self.default_crs.clone()),
            Some(n) => InputCrs::parse(Some(n), self.options.towgs84.as_deref()).map_err(|e| RowError::input(e.into())),
        }
    }

    fn table_site<'c>(&self, cols: &SiteColumns, cell: &dyn Fn(usize) -> Option<&'c str>) -> Result<RowSite, RowError> {
        let crs = self.row_crs(cols.crs.and_then(cell))?;
        if let Some(text) = cols.geometry.and_then(cell) {
            return geometry_text(text, &crs).map(RowSite::Input);
        }
        for (a, b) in [cols.lon_lat, cols.xy].into_iter().flatten() {
            match (cell(a), cell(b)) {
                (None, None) => continue,
                (Some(first), Some(second)) => return pair(first, second, &crs).map(RowSite::Input),
                _ => {
                    return Err(RowError::new(
                        "missing-site",
                        "one coordinate of the pair is empty",
                        "坐标只填写了一个，另一个为空。",
                    ))
                }
            }
        }
        Err(RowError::new("missing-site", "the row has no coordinates or geometry", "该行没有坐标或几何。"))
    }

    /// The row's facts over the batch's defaults; a value the rulebook refuses is the row's error.
    fn facts<'v>(&self, given: impl Iterator<Item = (&'v str, &'v str)>) -> Result<Facts, RowError> {
        let mut pairs: Vec<(&str, &str)> = given.filter(|(_, v)| !v.trim().is_empty()).collect();
        for (k, v) in &self.options.default_facts {
            if !pairs.iter().any(|(f, _)| f == k) {
                pairs.push((k.as_str(), v.as_str()));
            }
        }
        self.engine.parse_facts(pairs).map_err(|m| RowError::new("invalid-fact", m.clone(), format!("项目信息有误：{m}")))
    }

    fn geojson(&self, text: &str) -> Result<BatchInput, ReadError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ReadError::GeoJson(e.to_string()))?;
        let features: Vec<serde_json::Value> = match value.get("type").and_then(|t| t.as_str()) {
            Some("FeatureCollection") => value.get("features").and_then(|f| f.as_array()).cloned().unwrap_or_default(),
            Some("Feature") => vec![value.clone()],
            _ => vec![serde_json::json!({"type": "Feature", "properties": {}, "geometry": value})],
        };
        let mut headers: Vec<String> = Vec::new();
        for f in &features {
            for k in f.get("properties").and_then(|p| p.as_object()).into_iter().flat_map(|p| p.keys()) {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let roles = columns::roles(&headers, &self.engine.rulebook);
        let mut rows = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let props = f.get("properties").and_then(|p| p.as_object());
            let cells: Vec<String> = headers
                .iter()
                .map(|h| match props.and_then(|p| p.get(h)) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                })
                .collect();
            let crs = self.row_crs(roles.iter().position(|r| r == &Some(Role::Crs)).and_then(|c| Some(cells[c].as_str()).filter(|s| !s.is_empty())));
            let site = crs.and_then(|crs| match f.get("geometry") {
                None | Some(serde_json::Value::Null) => {
                    Err(RowError::new("missing-site", "the feature has no geometry", "该要素没有几何。"))
                }
                Some(g) => input::geojson_input(g, &crs).map(RowSite::Input).map_err(RowError::input),
            });
            rows.push(self.attribute_row(i + 1, &roles, cells, site));
        }
        Ok(BatchInput { format: "geojson".into(), columns: headers, rows, notes: Vec::new() })
    }

    fn attribute_row(&self, row_no: usize, roles: &[Option<Role>], cells: Vec<String>, site: Result<RowSite, RowError>) -> BatchRow {
        let facts = self.facts(roles.iter().zip(cells.iter()).filter_map(|(r, v)| match r {
            Some(Role::Fact(f)) => Some((f.as_str(), v.as_str())),
            _ => None,
        }));
        let name = roles.iter().position(|r| r == &Some(Role::Name)).map(|c| cells[c].trim().to_string()).filter(|s| !s.is_empty());
        BatchRow { row_no, name, cells, site, facts }
    }

    /// Shapefile zips, GeoPackages, KML/KMZ: the footprint upload's reader, taking points and lines too
    /// ([`upload::Accept::AnySite`]) since a batch is any list of sites; its notes say what was skipped or repaired.
    fn upload(&self, bytes: Vec<u8>, name: Option<&str>, limits: &UploadLimits) -> Result<BatchInput, ReadError> {
        let (crs, towgs84) = (self.options.crs.as_deref(), self.options.towgs84.as_deref());
        let up = upload::read_upload_accepting(bytes, name, crs, towgs84, limits, upload::Accept::AnySite)?;
        let mut headers: Vec<String> = Vec::new();
        for f in &up.features {
            for k in f.attributes.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let roles = columns::roles(&headers, &self.engine.rulebook);
        let rows = up
            .features
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let cells: Vec<String> = headers.iter().map(|h| f.attributes.get(h).cloned().unwrap_or_default()).collect();
                let mut row = self.attribute_row(i + 1, &roles, cells, Ok(RowSite::Feature(f.site)));
                row.name = row.name.or(f.name);
                row
            })
            .collect();
        let notes = up.file.notes.iter().map(|n| n.detail.clone()).collect();
        Ok(BatchInput { format: up.file.format.to_string(), columns: headers, rows, notes })
    }
}

/// Two coordinate cells: numbers read as `point_input` reads them (lon/lat, or x/y in a projected crs), anything
/// else (degrees–minutes–seconds, 北纬…) as coordinate text.
fn pair(first: &str, second: &str, crs: &InputCrs) -> Result<input::SiteInput, RowError> {
    let num = |s: &str| s.replace([',', ' '], "").parse::<f64>().ok();
    match (num(first), num(second)) {
        (Some(a), Some(b)) => input::point_input(a, b, crs).map_err(RowError::input),
        _ => input::text_point_input(&format!("{first} {second}"), crs).map_err(RowError::input),
    }
}

/// A geometry cell: GeoJSON text, or WKT (converted to GeoJSON by GDAL, then read like any GeoJSON geometry).
fn geometry_text(text: &str, crs: &InputCrs) -> Result<input::SiteInput, RowError> {
    if text.trim_start().starts_with('{') {
        return input::geojson_text_input(text, crs).map_err(RowError::input);
    }
    let g = gdal::vector::Geometry::from_wkt(text)
        .map_err(|e| RowError::new("invalid-geometry", format!("not WKT or GeoJSON: {e}"), format!("几何既不是 WKT 也不是 GeoJSON：{e}")))?;
    let json = g.json().map_err(|e| RowError::new("invalid-geometry", e.to_string(), format!("几何无法转换：{e}")))?;
    input::geojson_text_input(&json, crs).map_err(RowError::input)
}
