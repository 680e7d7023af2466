//! Footprint files: a reviewer uploads the site boundary as the file they were sent (a zipped shapefile, KML/KMZ,
//! GeoJSON, GeoPackage, a CAD drawing, a vertex table or a 界址点 text file from the land system) and gets the
//! assessment of every feature and of the whole file.
//!
//! Everything is read from memory: the bytes go into GDAL's `/vsimem/` (zips and KMZ through `/vsizip/` inside
//! it) and are unlinked when the upload is done, whatever happens ([`vsi::Scratch`]). Formats GDAL has a driver
//! for are read through it ([`ogr`], [`table`]); 界址点 files are parsed here ([`jzd`]). Every reader yields the
//! same raw features (rings in the file's CRS), which [`geometry`] turns into assessable footprints in the working
//! CRS, repairing what can be repaired and saying so in notes.
//!
//! Policy (documented in the README):
//! - **repaired, with a note**: unclosed rings (closed; the geometry assessed is attached), self-intersecting
//!   polygons (GEOS MakeValid; the repaired geometry is attached), Z/M values (dropped), GBK text in a shapefile
//!   without .cpg (read as CP936), a 界址点 ring numbered as a hole that lies outside its parcel (separate part).
//! - **skipped, with a note**: points, open lines and empty geometries (only polygons are footprints).
//! - **refused**: empty files, unknown formats, files over the size or vertex limit, zero-area polygons, a file
//!   without CRS and no `crs` given, zips with no dataset, with datasets of different formats, or with files in
//!   different CRSs.

pub mod crs_name;
pub mod detect;
pub mod error;
pub mod geometry;
pub mod jzd;
pub mod ogr;
mod rings;
pub mod table;
pub mod text;
pub mod vsi;

pub use error::UploadError;

use crate::assess::{AssessOptions, Assessment, Engine};
use crate::crs::{AxisOrder, InputCrs, ToWorking};
use crate::index::Site;
use crate::rules::Facts;
use crs_name::CrsChoice;
use detect::Kind;
use geometry::{RawPolygon, RawSites};
use serde::Serialize;
use std::collections::BTreeMap;

/// Formats, as the answer names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Shapefile,
    Kml,
    Kmz,
    GeoJson,
    GeoPackage,
    Dxf,
    Csv,
    Xlsx,
    Jzd,
}

impl Format {
    pub fn id(self) -> &'static str {
        match self {
            Format::Shapefile => "shapefile",
            Format::Kml => "kml",
            Format::Kmz => "kmz",
            Format::GeoJson => "geojson",
            Format::GeoPackage => "gpkg",
            Format::Dxf => "dxf",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Jzd => "jzd-txt",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Shapefile => "the shapefile",
            Format::Kml => "the KML file",
            Format::Kmz => "the KMZ file",
            Format::GeoJson => "the GeoJSON file",
            Format::GeoPackage => "the GeoPackage",
            Format::Dxf => "the DXF drawing",
            Format::Csv => "the CSV vertex table",
            Format::Xlsx => "the XLSX vertex table",
            Format::Jzd => "the 界址点 text file",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Format::Shapefile => "shapefile",
            Format::Kml => "KML 文件",
            Format::Kmz => "KMZ 文件",
            Format::GeoJson => "GeoJSON 文件",
            Format::GeoPackage => "GeoPackage",
            Format::Dxf => "DXF 图",
            Format::Csv => "CSV 坐标表",
            Format::Xlsx => "XLSX 坐标表",
            Format::Jzd => "界址点坐标文件",
        }
    }
}

pub const SUPPORTED: &str = "zipped shapefile (.zip holding .shp, .shx, .dbf and .prj), KML (.kml), KMZ (.kmz), GeoJSON (.geojson, .json), \
GeoPackage (.gpkg), DXF (.dxf: closed polylines and hatches), CSV or XLSX tables of vertex coordinates (.csv, .xlsx), \
界址点 boundary-point text (.txt with [属性描述]/[地块坐标])";
pub const SUPPORTED_ZH: &str = "压缩的 shapefile（.zip，含 .shp、.shx、.dbf、.prj）、KML、KMZ、GeoJSON、GeoPackage、DXF（闭合多段线与填充）、\
CSV/XLSX 坐标表、界址点坐标文件（.txt，含 [属性描述]/[地块坐标]）";

/// Limits on one upload.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_vertices: usize,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits { max_bytes: 20 * 1024 * 1024, max_vertices: 50_000 }
    }
}

/// Counts vertices as they are read, so an oversized file is refused before it is processed further.
#[derive(Debug, Clone)]
pub struct Budget {
    used: usize,
    limit: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Budget {
        Budget { used: 0, limit }
    }

    pub fn add(&mut self, n: usize) -> Result<(), UploadError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            return Err(UploadError::TooManyVertices { count: self.used, limit: self.limit });
        }
        Ok(())
    }
}

/// A note as readers produce it: (kind, English, Chinese).
pub type NoteText = (&'static str, String, String);

/// Something the answer must say about how the file was read: a repair, an assumption, what was skipped.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// Stable name of the note, e.g. `ring-closed`, `geometry-repaired`, `z-dropped`, `encoding-gbk`.
    pub kind: &'static str,
    /// Index of the feature it is about (in `features`), when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<usize>,
    pub detail: String,
    pub detail_zh: String,
    /// The geometry that was assessed after a repair, GeoJSON in lon/lat (CGCS2000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<geojson::Geometry>,
}

impl Note {
    pub fn file(kind: &'static str, detail: String, detail_zh: String) -> Note {
        Note { kind, feature: None, detail, detail_zh, geometry: None }
    }

    pub fn feature(kind: &'static str, index: usize, detail: String, detail_zh: String) -> Note {
        Note { kind, feature: Some(index), detail, detail_zh, geometry: None }
    }

    pub fn with_geometry(kind: &'static str, index: usize, detail: String, detail_zh: String, g: geojson::Geometry) -> Note {
        Note { kind, feature: Some(index), detail, detail_zh, geometry: Some(g) }
    }

    fn from_text((kind, en, zh): NoteText, feature: Option<usize>) -> Note {
        Note { kind, feature, detail: en, detail_zh: zh, geometry: None }
    }
}

/// A feature as a reader found it: attributes as strings, polygons in the file's CRS.
#[derive(Debug, Clone)]
pub struct RawFeature {
    pub layer: String,
    pub fid: Option<u64>,
    pub name: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub polygons: Vec<RawPolygon>,
    /// Points and lines, read only under [`Accept::AnySite`]; a feature with polygons is a footprint regardless.
    pub sites: RawSites,
    pub notes: Vec<NoteText>,
}

/// Which feature geometries an upload reader turns into sites. The footprint upload (`POST /v1/uploads`,
/// `ecogate check --file`) assesses land-use footprints, so points and lines there are skipped with a note; batch
/// screening (`ecogate batch`, `POST /v1/batches`) takes any multi-feature file — a point shapefile of candidate
/// sites, KML placemarks, a pipeline route — one site per feature, like GeoJSON input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accept {
    #[default]
    Footprints,
    AnySite,
}

/// How the file was read.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    /// The uploaded file's name, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// shapefile | kml | kmz | geojson | gpkg | dxf | csv | xlsx | jzd-txt
    pub format: &'static str,
    /// The GDAL driver that read it (none for 界址点 files, which ecogate parses itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// The layer (or layers, comma-separated) the polygons came from.
    pub layer: String,
    /// The CRS the coordinates were read in, e.g. `EPSG:4528`.
    pub crs: String,
    /// Where that CRS came from: `file` (.prj, GeoJSON/KML definition, GeoPackage), `header` (界址点 坐标系/带号),
    /// `request` (the `crs` part / `--crs`), `default` (lon/lat columns read as CGCS2000).
    pub crs_source: &'static str,
    /// Number of features assessed.
    pub features: usize,
    /// The members of a zip that were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Text encoding, when it was decided here (GBK fallback, 界址点/CSV decoding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub notes: Vec<Note>,
}

/// One feature ready to assess.
#[derive(Debug, Clone)]
pub struct UploadFeature {
    pub index: usize,
    pub name: Option<String>,
    pub layer: String,
    pub fid: Option<u64>,
    pub attributes: BTreeMap<String, String>,
    pub geometry: geojson::Geometry,
    pub site: Site,
}

/// A read upload: the file summary, every feature, and the union of all of them.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file: FileSummary,
    pub features: Vec<UploadFeature>,
    pub whole: Site,
}

/// The answer for an upload.
#[derive(Debug, Clone, Serialize)]
pub struct UploadAssessment {
    /// The assessment of all features combined (their union).
    pub whole: Assessment,
    /// Each feature's own assessment, in file order.
    pub features: Vec<FeatureAssessment>,
    pub file: FileSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureAssessment {
    pub index: usize,
    pub name: Option<String>,
    pub layer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fid: Option<u64>,
    /// The feature's attributes, echoed as strings.
    pub attributes: BTreeMap<String, String>,
    /// The footprint that was assessed, GeoJSON in lon/lat (CGCS2000).
    pub geometry: geojson::Geometry,
    pub assessment: Assessment,
}

/// Assesses every feature and the whole file.
pub fn assess_upload(engine: &Engine, upload: Upload, facts: &Facts, options: AssessOptions) -> UploadAssessment {
    let whole = engine.assess_with(&upload.whole, facts, options);
    let features = upload
        .features
        .into_iter()
        .map(|f| FeatureAssessment {
            index: f.index,
            assessment: engine.assess_with(&f.site, facts, options),
            name: f.name,
            layer: f.layer,
            fid: f.fid,
            attributes: f.attributes,
            geometry: f.geometry,
        })
        .collect();
    UploadAssessment { whole, features, file: upload.file }
}

/// One dataset as read, before the CRS is settled.
struct Parsed {
    what: String,
    driver: Option<String>,
    layers: Vec<String>,
    declared: Option<CrsChoice>,
    declared_source: &'static str,
    /// A CRS to assume when neither the file nor the request gives one (lon/lat tables).
    default: Option<(CrsChoice, NoteText)>,
    /// Why the file has no CRS (English, Chinese), and a guess for the message.
    why_no_crs: (String, String),
    hint: Option<(String, String)>,
    features: Vec<RawFeature>,
    notes: Vec<Note>,
    skipped: ogr::Skipped,
    encoding: Option<String>,
    feature_total: usize,
}

impl Parsed {
    fn new(what: &str) -> Parsed {
        Parsed {
            what: what.to_string(),
            driver: None,
            layers: Vec::new(),
            declared: None,
            declared_source: "file",
            default: None,
            why_no_crs: (String::new(), String::new()),
            hint: None,
            features: Vec::new(),
            notes: Vec::new(),
            skipped: ogr::Skipped::default(),
            encoding: None,
            feature_total: 0,
        }
    }
}

/// Where a dataset's bytes are.
enum Location {
    /// A GDAL path (`/vsimem/…` or `/vsizip//vsimem/…/member`).
    Path(String),
    /// The bytes themselves (text formats, parsed or transcoded before GDAL sees them).
    Bytes(Vec<u8>),
}

/// Reads an upload. `name` is the file's name (its extension decides the format when it has a known one), `crs` the
/// request's CRS name for files without one (or to override a wrong one).
pub fn read_upload(bytes: Vec<u8>, name: Option<&str>, crs: Option<&str>, limits: &UploadLimits) -> Result<Upload, UploadError> {
    read_upload_as(bytes, name, crs, None, limits)
}

/// [`read_upload`] with the request's `towgs84` too. `crs` and `towgs84` are read by [`InputCrs`], as for points
/// and GeoJSON bodies: every name that works there (`cgcs2000-gk3:40`, `gcj02`, `xian80-gk3:38` with towgs84, …)
/// works for files.
pub fn read_upload_as(
    bytes: Vec<u8>,
    name: Option<&str>,
    crs: Option<&str>,
    towgs84: Option<&str>,
    limits: &UploadLimits,
) -> Result<Upload, UploadError> {
    read_upload_accepting(bytes, name, crs, towgs84, limits, Accept::Footprints)
}

/// [`read_upload_as`] taking the geometries `accept` says: the one reader (formats, zips, CRS, encodings, limits)
/// for both footprint uploads and batch files. Under [`Accept::AnySite`] a feature's [`UploadFeature::site`] may be
/// a point or a line, and [`Upload::whole`] is the union of the polygon features only.
pub fn read_upload_accepting(
    bytes: Vec<u8>,
    name: Option<&str>,
    crs: Option<&str>,
    towgs84: Option<&str>,
    limits: &UploadLimits,
    accept: Accept,
) -> Result<Upload, UploadError> {
    if bytes.len() > limits.max_bytes {
        return Err(UploadError::TooLarge { size: bytes.len(), limit: limits.max_bytes });
    }
    if bytes.is_empty() {
        return Err(UploadError::EmptyFile { what: "the file has 0 bytes".into() });
    }
    let requested = crs_name::requested(crs, towgs84)?;
    // Member names of zips made on Chinese Windows (no UTF-8 flag) are GBK; GDAL assumes CP437 otherwise.
    let _zip_names = vsi::ThreadConfig::set("CPL_ZIP_ENCODING", "CP936");
    let mut scratch = vsi::Scratch::new();
    let mut budget = Budget::new(limits.max_vertices);
    let unpack_limit = limits.max_bytes.saturating_mul(16).max(64 * 1024 * 1024);
    let display = name.unwrap_or("the upload").to_string();
    let kind = detect::classify(&bytes, name)?;
    let (format, parsed, files) = match kind {
        Kind::Single(format) => {
            let location = match format {
                Format::Jzd | Format::Csv => Location::Bytes(bytes),
                _ => Location::Path(scratch.put(&format!("upload.{}", extension_for(format)), bytes)?),
            };
            let p = read_one(format, location, &display, false, &mut scratch, &mut budget, unpack_limit, accept)?;
            (format, vec![p], Vec::new())
        }
        Kind::Zip => {
            let archive = scratch.put("upload.zip", bytes)?;
            let (members, files, reason) = detect::zip_candidates(&archive, unpack_limit)?;
            if members.is_empty() {
                return Err(UploadError::NoDataset {
                    files,
                    reason: reason.as_ref().map(|r| r.0.clone()),
                    reason_zh: reason.map(|r| r.1),
                });
            }
            let mut formats: Vec<Format> = Vec::new();
            for m in &members {
                if !formats.contains(&m.format) {
                    formats.push(m.format);
                }
            }
            if formats.len() > 1 {
                return Err(UploadError::SeveralDatasets {
                    candidates: members.iter().map(|m| (m.path.clone(), m.format.id().to_string())).collect(),
                });
            }
            let mut parsed = Vec::new();
            for m in &members {
                let path = format!("/vsizip/{archive}/{}", m.path);
                let location = match m.format {
                    Format::Jzd | Format::Csv => Location::Bytes(read_member(&path, &m.path, unpack_limit)?),
                    // SQLite reads its file through GDAL's VFS; give it a plain /vsimem/ file.
                    Format::GeoPackage => {
                        let bytes = read_member(&path, &m.path, unpack_limit)?;
                        Location::Path(scratch.put(&format!("member-{}.gpkg", parsed.len()), bytes)?)
                    }
                    _ => Location::Path(path),
                };
                parsed.push(read_one(m.format, location, &m.path, m.has_cpg, &mut scratch, &mut budget, unpack_limit, accept)?);
            }
            let labels: Vec<(String, String)> = parsed
                .iter()
                .map(|p| (p.what.clone(), p.declared.as_ref().map(|c| c.label.clone()).unwrap_or_else(|| "no CRS".into())))
                .collect();
            if parsed.len() > 1 && !all_same_crs(&parsed) {
                return Err(UploadError::MixedCrs { files: labels });
            }
            let format = if formats[0] == Format::Kml { Format::Kmz } else { formats[0] };
            (format, parsed, members.into_iter().map(|m| m.path).collect())
        }
    };
    drop(_zip_names);
    let upload = settle(format, name, parsed, files, requested)?;
    drop(scratch);
    Ok(upload)
}

fn extension_for(format: Format) -> &'static str {
    match format {
        Format::Shapefile => "shp",
        Format::Kml => "kml",
        Format::Kmz => "kmz",
        Format::GeoJson => "geojson",
        Format::GeoPackage => "gpkg",
        Format::Dxf => "dxf",
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
        Format::Jzd => "txt",
    }
}

fn read_member(path: &str, what: &str, limit: usize) -> Result<Vec<u8>, UploadError> {
    vsi::read_all(path, limit).map_err(|message| UploadError::Unreadable { what: what.to_string(), message })
}

fn all_same_crs(parsed: &[Parsed]) -> bool {
    let first = &parsed[0].declared;
    parsed.iter().all(|p| match (&p.declared, first) {
        (None, None) => true,
        (Some(a), Some(b)) => same_crs(a, b),
        _ => false,
    })
}

fn same_crs(a: &CrsChoice, b: &CrsChoice) -> bool {
    if a.definition == b.definition {
        return true;
    }
    use gdal::spatial_ref::SpatialRef;
    match (SpatialRef::from_definition(&a.definition), SpatialRef::from_definition(&b.definition)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn decode_text(bytes: &[u8], what: &str) -> Result<(String, text::TextEncoding), UploadError> {
    text::decode(bytes).ok_or_else(|| UploadError::BadEncoding { what: what.to_string() })
}

#[allow(clippy::too_many_arguments)]
fn read_one(
    format: Format,
    location: Location,
    what: &str,
    has_cpg: bool,
    scratch: &mut vsi::Scratch,
    budget: &mut Budget,
    unpack_limit: usize,
    accept: Accept,
) -> Result<Parsed, UploadError> {
    let mut p = Parsed::new(what);
    match format {
        Format::Jzd => {
            let bytes = match location {
                Location::Bytes(b) => b,
                Location::Path(path) => read_member(&path, what, unpack_limit)?,
            };
            let (text, encoding) = decode_text(&bytes, what)?;
            p.encoding = Some(encoding.name().to_string());
            let file = jzd::parse(&text)?;
            p.feature_total = file.parcels.len();
            if let Some((definition, label, notes)) = jzd::header_crs(&file)? {
                p.declared = Some(CrsChoice { definition, label });
                p.declared_source = "header";
                p.notes.extend(notes.into_iter().map(|n| Note::from_text(n, None)));
            } else {
                p.why_no_crs = ("its header has no 坐标系".into(), "文件头没有“坐标系”".into());
                p.hint = file
                    .parcels
                    .iter()
                    .flat_map(|pa| pa.rings.iter())
                    .flat_map(|r| r.points.first())
                    .next()
                    .and_then(|c| crs_name::suggest_from_easting(c.x));
            }
            let (features, notes) = jzd::features(file, what, budget)?;
            p.features = features;
            p.notes.extend(notes.into_iter().map(|n| Note::from_text(n, None)));
            p.layers = vec!["地块坐标".into()];
        }
        Format::Csv | Format::Xlsx => {
            let path = match (format, location) {
                (Format::Csv, Location::Bytes(bytes)) => {
                    let (text, encoding) = decode_text(&bytes, what)?;
                    if encoding == text::TextEncoding::Gbk {
                        p.notes.push(Note::file(
                            "encoding-gbk",
                            format!("{what} is not UTF-8: read as GBK (CP936)"),
                            format!("{what} 不是 UTF-8 编码，已按 GBK（CP936）读取"),
                        ));
                    }
                    p.encoding = Some(encoding.name().to_string());
                    scratch.put(&format!("table-{}.csv", scratch_index()), text.into_bytes())?
                }
                (_, Location::Path(path)) => path,
                (_, Location::Bytes(bytes)) => scratch.put(&format!("table-{}.xlsx", scratch_index()), bytes)?,
            };
            let ds = ogr::open(&path, what, format, &[])?;
            p.driver = Some(ds.driver().short_name());
            let tables = table::read(&ds, what, budget)?;
            for t in tables {
                p.layers.push(t.layer.clone());
                p.notes.extend(t.notes.into_iter().map(|n| Note::from_text(n, None)));
                p.feature_total += t.features.len();
                p.features.extend(t.features);
                match t.axes {
                    table::Axes::LonLat => {
                        let c = CrsChoice { definition: crate::crs::WORKING_CRS.into(), label: crate::crs::WORKING_CRS.into() };
                        p.default = Some((c, (
                            "crs-default",
                            format!("{what}: no crs given; the lon/lat columns were read as CGCS2000 (EPSG:4490, the same as WGS 84 to centimetres). If they come from a phone map app (GCJ-02/BD-09) they are off by hundreds of metres"),
                            format!("{what}：未指定坐标系，经纬度按 CGCS2000（EPSG:4490，与 WGS 84 相差厘米级）读取。若来自手机地图（GCJ-02/BD-09），会偏差数百米"),
                        )));
                    }
                    table::Axes::EastNorth | table::Axes::SurveyXy => {
                        p.default = None;
                        p.why_no_crs = ("its coordinates are projected metres".into(), "坐标为平面坐标（米）".into());
                        p.hint = t.sample_easting.and_then(crs_name::suggest_from_easting);
                    }
                }
            }
        }
        _ => {
            let Location::Path(path) = location else {
                return Err(UploadError::Unreadable { what: what.into(), message: "internal: no path".into() });
            };
            let before = budget.clone();
            let ds = ogr::open(&path, what, format, &[])?;
            let mut read = ogr::read(&ds, what, format, budget, accept)?;
            if read.garbled_text && format == Format::Shapefile && !has_cpg {
                *budget = before;
                let ds = ogr::open(&path, what, format, &["ENCODING=CP936"])?;
                read = ogr::read(&ds, what, format, budget, accept)?;
                p.encoding = Some("GBK (CP936)".into());
                p.notes.push(Note::file(
                    "encoding-gbk",
                    format!("{what}: the DBF has no .cpg and its text is not UTF-8; read it as GBK (CP936). Add a .cpg saying the code page to make this explicit"),
                    format!("{what}：DBF 没有 .cpg 且文字不是 UTF-8，已按 GBK（CP936）读取；建议附上注明编码的 .cpg 文件"),
                ));
            }
            if read.garbled_text {
                p.notes.push(Note::file(
                    "encoding-unknown",
                    format!("{what}: some attribute text is not valid in its declared encoding and is shown with �"),
                    format!("{what}：部分属性文字与声明的编码不符，显示为 �"),
                ));
            }
            p.driver = Some(read.driver);
            p.layers = read.layers;
            p.declared = read.crs;
            p.features = read.features;
            p.skipped = read.skipped;
            p.feature_total = read.feature_total;
            if p.declared.is_none() {
                p.why_no_crs = match format {
                    Format::Dxf => ("DXF drawings carry none".into(), "DXF 图不带坐标系".into()),
                    Format::Shapefile => ("there is no .prj".into(), "缺少 .prj 文件".into()),
                    _ => (String::new(), String::new()),
                };
                p.hint = p
                    .features
                    .iter()
                    .flat_map(|f| f.polygons.iter().flat_map(|pg| pg.rings.first()).flat_map(|r| r.first()).chain(f.sites.coords()))
                    .next()
                    .and_then(|c| crs_name::suggest_from_easting(c.x));
            }
        }
    }
    Ok(p)
}

fn scratch_index() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Settles the CRS and turns the raw features into footprints.
fn settle(
    format: Format,
    name: Option<&str>,
    parsed: Vec<Parsed>,
    files: Vec<String>,
    requested: Option<InputCrs>,
) -> Result<Upload, UploadError> {
    let mut notes: Vec<Note> = Vec::new();
    let mut skipped = ogr::Skipped::default();
    let mut layers: Vec<String> = Vec::new();
    let mut raw: Vec<RawFeature> = Vec::new();
    let mut total = 0usize;
    let first = parsed.first().ok_or_else(|| UploadError::EmptyFile { what: "nothing was read".into() })?;
    let declared = first.declared.clone();
    let declared_source = first.declared_source;
    let default = first.default.clone();
    let why = first.why_no_crs.clone();
    let hint = first.hint.clone();
    let driver = first.driver.clone();
    let mut encoding = None;
    let n_datasets = parsed.len();
    for p in parsed {
        total += p.feature_total;
        skipped.add(&p.skipped);
        for l in p.layers {
            if !layers.contains(&l) {
                layers.push(l);
            }
        }
        notes.extend(p.notes);
        raw.extend(p.features);
        encoding = encoding.or(p.encoding);
    }
    if total == 0 && raw.is_empty() && !skipped.any() {
        return Err(UploadError::EmptyFile { what: "the file holds no features".into() });
    }
    if raw.is_empty() {
        let (found, found_zh) = skipped.describe();
        let hint = (format == Format::Dxf).then(|| {
            "in a CAD drawing the site boundary must be a closed polyline (PEDIT → Close) or a hatch".to_string()
        });
        return Err(UploadError::NoPolygons {
            found: if found.is_empty() { "nothing".into() } else { found },
            found_zh: if found_zh.is_empty() { "无".into() } else { found_zh },
            hint,
        });
    }

    // The file's own CRS goes to PROJ as declared; the request's is read by InputCrs, as for points.
    let (chosen, crs_source) = match (requested, declared) {
        (Some(r), Some(d)) if !r.has_towgs84() && InputCrs::named(&d.label).is_ok_and(|n| n.agrees_with(&r)) => {
            (Ok(d), declared_source)
        }
        (Some(r), Some(d)) => {
            notes.push(Note::file(
                "crs-override",
                format!("the file declares {}; its coordinates were read in {} as the request's crs says", d.label, r.label()),
                format!("文件声明的坐标系为 {}；已按请求指定的 crs（{}）读取坐标", d.label, r.label()),
            ));
            (Err(r), "request")
        }
        (Some(r), None) => (Err(r), "request"),
        (None, Some(d)) => (Ok(d), declared_source),
        (None, None) => match default {
            Some((c, note)) => {
                notes.push(Note::from_text(note, None));
                (Ok(c), "default")
            }
            None => {
                return Err(UploadError::MissingCrs {
                    format,
                    why: why.0,
                    why_zh: why.1,
                    hint: hint.as_ref().map(|h| h.0.clone()),
                    hint_zh: hint.map(|h| h.1),
                })
            }
        },
    };
    let (to_working, crs_label) = match chosen {
        Ok(d) => {
            let t = ToWorking::new(&d.definition).map_err(|e| UploadError::UnknownCrs { name: d.label.clone(), message: e.to_string() })?;
            (geometry::ToLonLat::Proj(t), d.label)
        }
        Err(r) => {
            let positions: Vec<[f64; 2]> =
                raw.iter().flat_map(|f| f.polygons.iter().flat_map(|p| p.rings.iter()).flatten().chain(f.sites.coords())).map(|c| [c.x, c.y]).collect();
            let conv = r.converter(&positions)?;
            // Echo an EPSG code as the request gave it, otherwise the name with its zone resolved.
            let label = r.named_epsg().map(|code| format!("EPSG:{code}")).unwrap_or_else(|| conv.crs.clone());
            if conv.axis == AxisOrder::NorthingEasting {
                notes.push(Note::file(
                    "axes-swapped",
                    "the first coordinate holds northings and the second eastings (X = north, Y = east, as surveyors write them); read them so".into(),
                    "第一个坐标为北坐标、第二个为东坐标（测量习惯 X 指北、Y 指东），已按此读取".into(),
                ));
            }
            if let Some(params) = &conv.towgs84 {
                let params = params.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
                notes.push(Note::file(
                    "datum-shift",
                    format!("{label} coordinates moved to CGCS2000 with the request's towgs84={params} ({})", conv.transformation),
                    format!("{label} 坐标已按请求给出的 towgs84={params} 转换至 CGCS2000"),
                ));
            }
            (geometry::ToLonLat::Request(conv), label)
        }
    };

    if skipped.any() {
        let (en, zh) = skipped.describe();
        notes.push(Note::file(
            "skipped-geometries",
            format!("not assessed: {en} (only polygons are site footprints)"),
            format!("未评估：{zh}（只有面才是用地范围）"),
        ));
    }
    if skipped.closed_lines > 0 {
        notes.push(Note::file(
            "closed-polylines",
            format!("{} closed polyline(s) of the drawing read as polygons", skipped.closed_lines),
            format!("图中 {} 条闭合多段线已按面读取", skipped.closed_lines),
        ));
    }
    if skipped.with_z > 0 {
        notes.push(Note::file(
            "z-dropped",
            format!("Z values (heights) dropped from {} feature(s): the assessment is two-dimensional", skipped.with_z),
            format!("已去掉 {} 个要素的 Z 值（高程）：评估按二维进行", skipped.with_z),
        ));
    }
    if skipped.with_m > 0 {
        notes.push(Note::file(
            "m-dropped",
            format!("M values (measures) dropped from {} feature(s)", skipped.with_m),
            format!("已去掉 {} 个要素的 M 值（测量值）", skipped.with_m),
        ));
    }
    if n_datasets > 1 {
        notes.push(Note::file(
            "files-merged",
            format!("{} datasets of the zip ({}) read together, all in {}", n_datasets, files.join(", "), crs_label),
            format!("压缩包中的 {} 个数据（{}）坐标系相同（{}），已合并读取", n_datasets, files.join("、"), crs_label),
        ));
    } else if layers.len() > 1 && format != Format::Jzd {
        notes.push(Note::file(
            "layers-merged",
            format!("polygons of {} layers ({}) are assessed together", layers.len(), layers.join(", ")),
            format!("{} 个图层（{}）中的面一起评估", layers.len(), layers.join("、")),
        ));
    }

    let mut features = Vec::with_capacity(raw.len());
    for (index, rf) in raw.into_iter().enumerate() {
        let label = match &rf.name {
            Some(n) => format!("feature {index} ({n})"),
            None => format!("feature {index}"),
        };
        for n in rf.notes {
            notes.push(Note::from_text(n, Some(index)));
        }
        // Polygons make a footprint; a feature without any (read under Accept::AnySite) is a point or line site.
        let (geometry, site, polygons) = if rf.polygons.is_empty() {
            let (site, geometry) = geometry::point_or_line(&label, &rf.sites, &to_working, &crs_label)?;
            (geometry, site, geo::MultiPolygon(Vec::new()))
        } else {
            let fp = geometry::footprint(&label, index, &rf.polygons, &to_working, &crs_label, &mut notes)?;
            (fp.geojson, fp.site, fp.polygons)
        };
        features.push((
            UploadFeature { index, name: rf.name, layer: rf.layer, fid: rf.fid, attributes: rf.attributes, geometry, site },
            polygons,
        ));
    }
    // Point and line features (Accept::AnySite) have no polygons: the union is of the footprints only.
    let parts: Vec<&geo::MultiPolygon<f64>> = features.iter().map(|(_, mp)| mp).filter(|mp| !mp.0.is_empty()).collect();
    let union = geometry::union(&parts);
    // GeoJSON and KML are WGS 84 by definition, but Chinese web maps export GCJ-02 or BD-09 under that label.
    let in_china = geo::Centroid::centroid(&union)
        .map(|c| c.0)
        .or_else(|| features.first().and_then(|(f, _)| f.site.bounding_rect()).map(|r| r.center()))
        .is_some_and(crate::crs::in_china);
    if crs_source == "file" && matches!(format, Format::GeoJson | Format::Kml | Format::Kmz) && crs_label == "EPSG:4326" && in_china {
        notes.push(Note::file(
            "wgs84-by-definition",
            format!("{} coordinates are WGS 84 by definition and were read so; if they were exported from a Chinese web map (AMap/DataV or Tencent: GCJ-02, Baidu: BD-09) they are offset by hundreds of metres", format.id()),
            format!("{} 坐标按定义为 WGS 84，已按此读取；若导出自国内网络地图（高德/DataV、腾讯为 GCJ-02，百度为 BD-09），会偏差数百米", format.id()),
        ));
    }
    let whole = Site::Footprint(union);
    let features: Vec<UploadFeature> = features.into_iter().map(|(f, _)| f).collect();
    let file = FileSummary {
        name: name.map(str::to_string),
        format: format.id(),
        driver,
        layer: layers.join(", "),
        crs: crs_label,
        crs_source,
        features: features.len(),
        files,
        encoding,
        notes,
    };
    Ok(Upload { file, features, whole })
}

/// Plain-text report for the CLI: how the file was read, the whole file's assessment, one line per feature.
pub fn report_text(a: &UploadAssessment) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let f = &a.file;
    let _ = writeln!(
        s,
        "File {}: {} ({}), layer {}, CRS {} (from {}), {} feature(s) assessed",
        f.name.as_deref().unwrap_or("-"),
        f.format,
        f.driver.as_deref().unwrap_or("parsed by ecogate"),
        f.layer,
        f.crs,
        f.crs_source,
        f.features
    );
    for n in &f.notes {
        let who = n.feature.map(|i| format!("[feature {i}] ")).unwrap_or_default();
        let _ = writeln!(s, "  note {who}{}: {}", n.kind, n.detail);
        let _ = writeln!(s, "       {}", n.detail_zh);
    }
    let _ = writeln!(s, "\n== Whole file (union of all features) ==");
    s.push_str(&crate::report::assessment_text(&a.whole));
    let _ = writeln!(s, "\n== Per feature ==");
    for fa in &a.features {
        let _ = writeln!(
            s,
            "  #{} {}: {} ({}) — {}",
            fa.index,
            fa.name.as_deref().unwrap_or("(unnamed)"),
            fa.assessment.verdict.as_str().to_uppercase(),
            fa.assessment.verdict_zh,
            fa.assessment.summary
        );
    }
    s
}
