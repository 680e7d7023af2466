//! Writing batch results: CSV, XLSX, GeoJSON. Every format has the same columns: ecogate's result columns first
//! (`row`, `name`, `verdict`, `verdict_zh`, `zones`, `rules`, `questions`, `nearest_<kind>_m`, `chainage`,
//! `warnings`, `error`, `lon`, `lat`, `dataset_version`, `rulebook_version`), then the input's own columns as sent
//! (renamed `input:<name>` when a name clashes with a result column). Lists inside a cell are joined with `; `.
//!
//! CSV is UTF-8 **with a byte-order mark**: Excel on Chinese Windows opens a BOM-less CSV as GBK and garbles every
//! Chinese zone name; with the BOM it reads UTF-8, and every other CSV reader skips it.

use super::{BatchResults, RowResult, NEAREST_KINDS};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::{json, Map, Value};
use std::io::Write;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Csv,
    Xlsx,
    Geojson,
}

impl OutputFormat {
    pub fn parse(s: &str) -> Option<OutputFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(OutputFormat::Csv),
            "xlsx" => Some(OutputFormat::Xlsx),
            "geojson" | "json" => Some(OutputFormat::Geojson),
            _ => None,
        }
    }

    /// From an output file name's extension.
    pub fn from_path(p: &std::path::Path) -> Option<OutputFormat> {
        p.extension().and_then(|e| e.to_str()).and_then(OutputFormat::parse)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            OutputFormat::Geojson => "application/geo+json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
            OutputFormat::Geojson => "geojson",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write GeoJSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A cell value: text or number (numbers stay numbers in XLSX and GeoJSON).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() { Cell::Empty } else { Cell::Text(s) }
    }

    fn as_string(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Number(n) => json!(n),
            Cell::Empty => Value::Null,
        }
    }
}

fn result_headers() -> Vec<String> {
    let mut h: Vec<String> =
        ["row", "name", "verdict", "verdict_zh", "zones", "rules", "questions"].iter().map(|s| s.to_string()).collect();
    h.extend(NEAREST_KINDS.iter().map(|k| format!("nearest_{k}_m")));
    h.extend(["chainage", "warnings", "error", "lon", "lat", "dataset_version", "rulebook_version"].iter().map(|s| s.to_string()));
    h
}

/// All headers: result columns, then the input's (renamed on a clash).
pub fn headers(b: &BatchResults) -> Vec<String> {
    let mut h = result_headers();
    let ours = h.clone();
    h.extend(b.columns.iter().map(|c| if ours.contains(c) { format!("input:{c}") } else { c.clone() }));
    h
}

fn cells(b: &BatchResults, r: &RowResult) -> Vec<Cell> {
    let join = |v: &[String]| Cell::text(v.join("; "));
    let mut out = vec![Cell::Number(r.row_no as f64), Cell::text(r.name.clone().unwrap_or_default())];
    match &r.outcome {
        Ok(o) => {
            out.push(Cell::text(o.verdict.as_str()));
            out.push(Cell::text(o.verdict.label_zh()));
            out.push(join(&o.zones));
            out.push(join(&o.rules));
            out.push(join(&o.questions));
            out.extend(o.nearest.iter().map(|d| d.map(Cell::Number).unwrap_or(Cell::Empty)));
            out.push(join(&o.chainage));
            out.push(join(&o.warnings));
            out.push(Cell::Empty);
            out.push(Cell::Number((o.lon * 1e6).round() / 1e6));
            out.push(Cell::Number((o.lat * 1e6).round() / 1e6));
        }
        Err(e) => {
            out.extend([Cell::text("error"), Cell::text("错误"), Cell::Empty, Cell::Empty, Cell::Empty]);
            out.extend(NEAREST_KINDS.iter().map(|_| Cell::Empty));
            out.extend([Cell::Empty, Cell::Empty, Cell::text(format!("{}: {} / {}", e.code, e.message, e.message_zh)), Cell::Empty, Cell::Empty]);
        }
    }
    out.push(Cell::text(b.provenance.dataset_version.clone()));
    out.push(Cell::text(b.provenance.rulebook_version.clone()));
    out.extend(r.cells.iter().map(|c| Cell::text(c.clone())));
    out
}

/// Writes the results in `format`.
pub fn write(b: &BatchResults, format: OutputFormat, out: &mut dyn Write) -> Result<(), WriteError> {
    match format {
        OutputFormat::Csv => write_csv(b, out),
        OutputFormat::Xlsx => {
            let bytes = xlsx_bytes(b)?;
            out.write_all(&bytes)?;
            Ok(())
        }
        OutputFormat::Geojson => write_geojson(b, out),
    }
}

/// The results in `format`, in memory (HTTP downloads).
pub fn to_bytes(b: &BatchResults, format: OutputFormat) -> Result<Vec<u8>, WriteError> {
    let mut v = Vec::new();
    write(b, format, &mut v)?;
    Ok(v)
}

fn write_csv(b: &BatchResults, out: &mut dyn Write) -> Result<(), WriteError> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    w.write_record(headers(b))?;
    for r in &b.rows {
        w.write_record(cells(b, r).iter().map(Cell::as_string))?;
    }
    w.flush()?;
    Ok(())
}

fn xlsx_bytes(b: &BatchResults) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("results")?;
    let bold = Format::new().set_bold();
    for (c, h) in headers(b).iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, r) in b.rows.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, cell) in cells(b, r).iter().enumerate() {
            match cell {
                Cell::Text(s) => {
                    ws.write_string(row, c as u16, s)?;
                }
                Cell::Number(n) => {
                    ws.write_number(row, c as u16, *n)?;
                }
                Cell::Empty => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if !b.notes.is_empty() || b.provenance.illustrative {
        let notes = wb.add_worksheet();
        notes.set_name("notes")?;
        let mut row = 0;
        if b.provenance.illustrative {
            notes.write_string(row, 0, "Illustrative data, not official boundaries / 示例数据，非官方边界")?;
            row += 1;
        }
        for n in &b.notes {
            notes.write_string(row, 0, n)?;
            row += 1;
        }
    }
    Ok(wb.save_to_buffer()?)
}

fn write_geojson(b: &BatchResults, out: &mut dyn Write) -> Result<(), WriteError> {
    let headers = headers(b);
    let mut w = std::io::BufWriter::new(out);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, r) in b.rows.iter().enumerate() {
        let mut props = Map::new();
        for (h, c) in headers.iter().zip(cells(b, r)) {
            props.insert(h.clone(), c.json());
        }
        let geometry = r.outcome.as_ref().ok().and_then(|o| o.geometry.clone()).map(|g| serde_json::to_value(g)).transpose()?;
        let f = json!({"type": "Feature", "geometry": geometry, "properties": props});
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut w, &f)?;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()?;
    Ok(())
}
