//! Ingestion: open each manifest layer with GDAL, map its fields, transform its geometry to the working CRS with PROJ,
//! and validate feature by feature.
//!
//! What happens to each problem is a policy decided here and documented in `docs/validation.md`:
//! - **refused** (the whole dataset is rejected and nothing already loaded is replaced): a mapped field missing from
//!   the layer, no CRS, a CRS PROJ cannot use, coordinates outside China after transformation, undecodable text, a
//!   zone without a code, an enum value that cannot be interpreted, a duplicate control-unit code. Each of these could
//!   make a verdict silently wrong.
//! - **repaired** (kept, with a warning): an invalid polygon (self-intersection, bow-tie, bad ring order) fixed with
//!   GEOS MakeValid.
//! - **skipped** (with a warning): an empty or missing geometry, a non-polygon geometry, a polygon that repair
//!   reduced to nothing.
//! - **noted**: an industry code in an access list that is not in GB/T 4754-2017 (kept and matched as a prefix), a
//!   repeated code in a layer other than control units (a zone stored as several features).

use crate::crs::{in_china, ToWorking};
use crate::industry::{normalise_code, split_list, IndustryTable};
use crate::manifest::{LayerSpec, Manifest, ManifestError};
use crate::zone::{Requirements, ReserveZone, UnitClass, WaterSourceLevel, Zone, ZoneDetail, ZoneKind};
use gdal::vector::{Feature, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Geometry as GeoGeometry, MultiPolygon, Polygon};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Refused,
    Repaired,
    Skipped,
    Noted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    OpenFailed,
    LayerNotFound,
    MissingField,
    NoCrs,
    BadCrs,
    OutsideChina,
    BadEncoding,
    EmptyGeometry,
    NotPolygon,
    InvalidGeometry,
    MissingValue,
    UnknownValue,
    DuplicateCode,
    UnknownIndustryCode,
    EmptyLayer,
}

/// One finding of validation, located precisely enough for the data owner to fix it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub layer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub problem: ProblemKind,
    pub action: Action,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    pub problems: Vec<Problem>,
}

impl ValidationReport {
    pub fn refused(&self) -> bool {
        self.problems.iter().any(|p| p.action == Action::Refused)
    }

    pub fn count(&self, action: Action) -> usize {
        self.problems.iter().filter(|p| p.action == action).count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerSummary {
    pub id: String,
    pub title: Option<String>,
    pub kind: ZoneKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub source_crs: String,
    pub features_read: usize,
    pub zones_loaded: usize,
}

/// A dataset that passed validation, in the working CRS.
#[derive(Debug)]
pub struct LoadedDataset {
    pub manifest: Manifest,
    pub manifest_path: PathBuf,
    /// `<dataset id>@<first 16 hex of sha256(manifest + source bytes)>`.
    pub version: String,
    pub zones: Vec<Zone>,
    pub layers: Vec<LayerSummary>,
    pub report: ValidationReport,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("dataset refused: {} problem(s) make it unsafe to use; first: {}", .report.count(Action::Refused), first_refusal(.report))]
    Refused { report: ValidationReport },
    #[error("cannot read source {path} to compute the dataset version: {source}")]
    Hash { path: PathBuf, source: std::io::Error },
}

fn first_refusal(report: &ValidationReport) -> String {
    report
        .problems
        .iter()
        .find(|p| p.action == Action::Refused)
        .map(|p| format!("layer {}: {}", p.layer, p.message))
        .unwrap_or_default()
}

/// Loads, validates and versions the dataset a manifest describes.
pub fn load(manifest_path: &Path, industries: &IndustryTable) -> Result<LoadedDataset, IngestError> {
    let manifest = Manifest::load(manifest_path)?;
    let dir = manifest_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut report = ValidationReport::default();
    let mut zones = Vec::new();
    let mut layers = Vec::new();
    for spec in &manifest.layers {
        let mut ctx = LayerCtx { spec, report: &mut report, industries };
        if let Some(summary) = ctx.read(&dir, &mut zones) {
            layers.push(summary);
        }
    }
    check_duplicates(&zones, &mut report);
    if report.refused() {
        return Err(IngestError::Refused { report });
    }
    let version = dataset_version(&manifest, manifest_path, &dir, &zones)?;
    tracing::info!(dataset = %version, zones = zones.len(), warnings = report.problems.len(), "dataset loaded");
    Ok(LoadedDataset { manifest, manifest_path: manifest_path.to_path_buf(), version, zones, layers, report })
}

struct LayerCtx<'a> {
    spec: &'a LayerSpec,
    report: &'a mut ValidationReport,
    industries: &'a IndustryTable,
}

impl LayerCtx<'_> {
    fn problem(&mut self, fid: Option<u64>, code: Option<&str>, problem: ProblemKind, action: Action, message: String) {
        self.report.problems.push(Problem {
            layer: self.spec.id.clone(),
            feature_id: fid,
            code: code.map(str::to_string),
            problem,
            action,
            message,
        });
    }

    fn read(&mut self, dir: &Path, zones: &mut Vec<Zone>) -> Option<LayerSummary> {
        let source = self.spec.resolved_source(dir);
        let encoding_opt = self.spec.encoding.as_ref().map(|e| format!("ENCODING={e}"));
        let open_options: Vec<&str> = encoding_opt.iter().map(String::as_str).collect();
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: if open_options.is_empty() { None } else { Some(&open_options) },
            ..Default::default()
        };
        let ds = match Dataset::open_ex(&source, options) {
            Ok(ds) => ds,
            Err(e) => {
                self.problem(None, None, ProblemKind::OpenFailed, Action::Refused, format!("GDAL cannot open {source}: {e}"));
                return None;
            }
        };
        let layer = match &self.spec.layer {
            Some(name) => ds.layer_by_name(name),
            None if ds.layer_count() == 1 => ds.layer(0),
            None => {
                let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
                let msg = format!("{source} has {} layers ({}); name one with `layer =`", names.len(), names.join(", "));
                self.problem(None, None, ProblemKind::LayerNotFound, Action::Refused, msg);
                return None;
            }
        };
        let mut layer = match layer {
            Ok(l) => l,
            Err(_) => {
                let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
                let msg = format!("layer {:?} not found in {source}; it has: {}", self.spec.layer.as_deref().unwrap_or(""), names.join(", "));
                self.problem(None, None, ProblemKind::LayerNotFound, Action::Refused, msg);
                return None;
            }
        };

        // Every mapped field must exist: a typo in the manifest must not read as "no value" everywhere.
        let available: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let mut field_idx: HashMap<&'static str, usize> = HashMap::new();
        let mut missing = false;
        for (concept, field) in self.spec.fields.mapped() {
            match available.iter().position(|a| a == field) {
                Some(i) => {
                    field_idx.insert(concept, i);
                }
                None => {
                    missing = true;
                    let hint = if available.iter().any(|a| a.contains('\u{FFFD}')) {
                        " (field names are garbled: set `encoding` for this layer, e.g. \"CP936\" for GBK)"
                    } else {
                        ""
                    };
                    let msg = format!(
                        "mapped field {field:?} (for `{concept}`) is not in the layer; its fields are: {}{hint}",
                        available.join(", ")
                    );
                    self.problem(None, None, ProblemKind::MissingField, Action::Refused, msg);
                }
            }
        }
        if missing {
            return None;
        }

        let (crs_def, to_working) = match self.layer_crs(&layer) {
            Some(x) => x,
            None => return None,
        };

        let mut read = 0usize;
        let before = zones.len();
        let mut outside_reported = false;
        let mut encoding_reported = false;
        for feature in layer.features() {
            read += 1;
            let fid = feature.fid();
            let attrs = match self.attributes(&feature, &field_idx, fid, &mut encoding_reported) {
                Some(a) => a,
                None => continue,
            };
            let code = attrs.code.clone();
            let Some(geometry) = self.geometry(&feature, fid, &code) else { continue };
            let geometry = match to_working.multi_polygon(&geometry) {
                Ok(g) => g,
                Err(e) => {
                    self.problem(fid, Some(&code), ProblemKind::BadCrs, Action::Refused, e.to_string());
                    continue;
                }
            };
            if let Some(c) = geo::CoordsIter::coords_iter(&geometry).find(|c| !in_china(*c)) {
                if !outside_reported {
                    outside_reported = true;
                    let msg = format!(
                        "coordinate ({:.6}, {:.6}) lies outside China after transforming from {}: the layer's CRS is probably wrong (set or fix `srs`)",
                        c.x, c.y, crate::crs::short_name(&crs_def)
                    );
                    self.problem(fid, Some(&code), ProblemKind::OutsideChina, Action::Refused, msg);
                }
                continue;
            }
            let Some(detail) = self.detail(&attrs, fid) else { continue };
            zones.push(Zone {
                layer: self.spec.id.clone(),
                source_fid: fid,
                code: attrs.code,
                name: attrs.name.unwrap_or_default(),
                detail,
                subclass: attrs.subclass,
                requirements: attrs.requirements,
                geometry,
            });
        }
        if read == 0 {
            self.problem(None, None, ProblemKind::EmptyLayer, Action::Noted, "the layer has no features".into());
        }
        Some(LayerSummary {
            id: self.spec.id.clone(),
            title: self.spec.title.clone(),
            kind: self.spec.kind,
            category: self.spec.category.clone(),
            source_crs: crate::crs::short_name(&crs_def),
            features_read: read,
            zones_loaded: zones.len() - before,
        })
    }

    /// The layer's CRS as a PROJ definition and a transformer to the working CRS.
    fn layer_crs(&mut self, layer: &gdal::vector::Layer) -> Option<(String, ToWorking)> {
        let declared = layer.spatial_ref().and_then(|srs| match (srs.auth_name(), srs.auth_code()) {
            (Some(name), Ok(code)) => Some(format!("{name}:{code}")),
            _ => srs.to_projjson().or_else(|_| srs.to_wkt()).ok(),
        });
        let def = match (declared, &self.spec.srs) {
            (Some(d), _) => d,
            (None, Some(s)) => s.clone(),
            (None, None) => {
                self.problem(None, None, ProblemKind::NoCrs, Action::Refused,
                    "the layer declares no CRS (e.g. a shapefile without .prj) and the manifest gives no `srs`".into());
                return None;
            }
        };
        match ToWorking::new(&def) {
            Ok(t) => Some((def, t)),
            Err(e) => {
                self.problem(None, None, ProblemKind::BadCrs, Action::Refused, e.to_string());
                None
            }
        }
    }

    fn attributes(
        &mut self,
        feature: &Feature,
        idx: &HashMap<&'static str, usize>,
        fid: Option<u64>,
        encoding_reported: &mut bool,
    ) -> Option<RawAttributes> {
        let mut values: HashMap<&'static str, String> = HashMap::new();
        for (&concept, &i) in idx {
            let value = feature.field_as_string(i).ok().flatten().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            if let Some(v) = value {
                if v.contains('\u{FFFD}') {
                    if !*encoding_reported {
                        *encoding_reported = true;
                        let msg = format!(
                            "field for `{concept}` holds bytes that are not valid UTF-8 ({v:?}): the DBF is probably GBK; add a .cpg or set `encoding = \"CP936\"`"
                        );
                        self.problem(fid, None, ProblemKind::BadEncoding, Action::Refused, msg);
                    }
                    return None;
                }
                values.insert(concept, v);
            }
        }
        let Some(code) = values.remove("code") else {
            self.problem(fid, None, ProblemKind::MissingValue, Action::Refused,
                format!("feature has no value in the code field {:?}", self.spec.fields.code));
            return None;
        };
        Some(RawAttributes {
            code,
            name: values.remove("name"),
            class: values.remove("class"),
            level: values.remove("level"),
            reserve_zone: values.remove("reserve_zone"),
            subclass: values.remove("subclass"),
            prohibited: values.remove("prohibited_industries"),
            restricted: values.remove("restricted_industries"),
            requirements: Requirements {
                spatial_layout: values.remove("spatial_layout"),
                pollutant_discharge: values.remove("pollutant_discharge"),
                risk_control: values.remove("risk_control"),
                resource_efficiency: values.remove("resource_efficiency"),
            },
        })
    }

    /// Polygonal geometry of a feature, repaired when invalid; `None` (with a problem recorded) when unusable.
    fn geometry(&mut self, feature: &Feature, fid: Option<u64>, code: &str) -> Option<MultiPolygon<f64>> {
        // gdal 0.19 returns Some(null handle) for a feature without geometry.
        // SAFETY: c_geometry only reads the handle; nothing is dereferenced here.
        let g = match feature.geometry() {
            Some(g) if !unsafe { g.c_geometry() }.is_null() => g,
            _ => {
                self.problem(fid, Some(code), ProblemKind::EmptyGeometry, Action::Skipped, "feature has no geometry".into());
                return None;
            }
        };
        if g.is_empty() {
            self.problem(fid, Some(code), ProblemKind::EmptyGeometry, Action::Skipped, "feature geometry is empty".into());
            return None;
        }
        let Some(normalised) = to_2d_multipolygon(g) else {
            self.problem(fid, Some(code), ProblemKind::NotPolygon, Action::Skipped,
                format!("geometry type {} is not a polygon", g.geometry_name()));
            return None;
        };
        let g = &normalised;
        let repaired;
        let g = if g.is_valid() {
            g
        } else {
            match g.make_valid(&gdal::cpl::CslStringList::new()) {
                Ok(fixed) => {
                    self.problem(fid, Some(code), ProblemKind::InvalidGeometry, Action::Repaired,
                        "invalid polygon (self-intersection or bad ring) repaired with GEOS MakeValid; check the source".into());
                    repaired = fixed;
                    &repaired
                }
                Err(e) => {
                    self.problem(fid, Some(code), ProblemKind::InvalidGeometry, Action::Skipped,
                        format!("invalid polygon that could not be repaired: {e}"));
                    return None;
                }
            }
        };
        let geo = match g.to_geo() {
            Ok(geo) => geo,
            Err(e) => {
                self.problem(fid, Some(code), ProblemKind::NotPolygon, Action::Skipped, format!("unreadable geometry: {e}"));
                return None;
            }
        };
        let mp = polygons_of(geo);
        if mp.0.is_empty() {
            self.problem(fid, Some(code), ProblemKind::NotPolygon, Action::Skipped,
                format!("geometry type {} is not a polygon", g.geometry_name()));
            return None;
        }
        Some(mp)
    }

    fn detail(&mut self, a: &RawAttributes, fid: Option<u64>) -> Option<ZoneDetail> {
        let detail = match self.spec.kind {
            ZoneKind::ControlUnit => {
                let class = self.enum_value("class", a.class.as_deref(), fid, &a.code, parse_unit_class)?;
                ZoneDetail::ControlUnit {
                    class,
                    prohibited_industries: self.industry_list(a.prohibited.as_deref(), fid, &a.code),
                    restricted_industries: self.industry_list(a.restricted.as_deref(), fid, &a.code),
                }
            }
            ZoneKind::RedLine => ZoneDetail::RedLine,
            ZoneKind::WaterSource => {
                ZoneDetail::WaterSource { level: self.enum_value("level", a.level.as_deref(), fid, &a.code, parse_level)? }
            }
            ZoneKind::NatureReserve => ZoneDetail::NatureReserve {
                zone: self.enum_value("reserve_zone", a.reserve_zone.as_deref(), fid, &a.code, parse_reserve_zone)?,
            },
            ZoneKind::Other => ZoneDetail::Other { category: self.spec.category.clone().unwrap_or_default() },
        };
        Some(detail)
    }

    fn enum_value<T>(
        &mut self,
        concept: &str,
        raw: Option<&str>,
        fid: Option<u64>,
        code: &str,
        builtin: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let Some(raw) = raw else {
            self.problem(fid, Some(code), ProblemKind::MissingValue, Action::Refused,
                format!("no value for `{concept}`: the rules that apply depend on it"));
            return None;
        };
        let mapped = self.spec.values.get(concept).and_then(|m| m.get(raw)).map(String::as_str).unwrap_or(raw);
        match builtin(mapped) {
            Some(v) => Some(v),
            None => {
                let msg = format!(
                    "value {raw:?} of `{concept}` is not understood; map it under [layers.values.{concept}] in the manifest"
                );
                self.problem(fid, Some(code), ProblemKind::UnknownValue, Action::Refused, msg);
                None
            }
        }
    }

    fn industry_list(&mut self, raw: Option<&str>, fid: Option<u64>, code: &str) -> Vec<String> {
        let mut out = Vec::new();
        for entry in raw.map(split_list).unwrap_or_default() {
            match normalise_code(&entry) {
                Ok(c) => {
                    if self.industries.get(&c).is_none() {
                        self.problem(fid, Some(code), ProblemKind::UnknownIndustryCode, Action::Noted,
                            format!("industry code {c:?} in the access list is not in GB/T 4754-2017; matched as a code prefix"));
                    }
                    out.push(c);
                }
                Err(e) => {
                    self.problem(fid, Some(code), ProblemKind::UnknownIndustryCode, Action::Refused,
                        format!("access list entry {entry:?}: {e}"));
                }
            }
        }
        out
    }
}

/// Curved (FileGDB arcs), 2.5D or single polygons become a flat 2D MultiPolygon through GDAL's own conversion, so
/// the geo conversion sees only types it handles (it panics on curve rings). `None` when the feature is not polygonal.
fn to_2d_multipolygon(g: &gdal::vector::Geometry) -> Option<gdal::vector::Geometry> {
    use gdal_sys::OGRwkbGeometryType;
    // SAFETY: we clone the feature's geometry into a handle we own and hand it to OGR_G_ForceTo, which takes
    // ownership and returns the handle to use; take_owned destroys that one exactly once.
    let forced = unsafe {
        // Only polygon-family sources: OGR_G_ForceTo would promote a closed line (common from CAD) to a polygon,
        // and a line is not a zone.
        let flat = gdal_sys::OGR_GT_Flatten(gdal_sys::OGR_G_GetGeometryType(g.c_geometry()));
        if gdal_sys::OGR_GT_IsSubClassOf(flat, OGRwkbGeometryType::wkbCurvePolygon) == 0
            && gdal_sys::OGR_GT_IsSubClassOf(flat, OGRwkbGeometryType::wkbMultiSurface) == 0
        {
            return None;
        }
        let cloned = gdal_sys::OGR_G_Clone(g.c_geometry());
        if cloned.is_null() {
            return None;
        }
        let forced = gdal_sys::OGR_G_ForceTo(cloned, OGRwkbGeometryType::wkbMultiPolygon, std::ptr::null_mut());
        if !forced.is_null() {
            gdal_sys::OGR_G_FlattenTo2D(forced);
        }
        crate::ogr::take_owned(forced)?
    };
    (forced.geometry_type() == OGRwkbGeometryType::wkbMultiPolygon).then_some(forced)
}

struct RawAttributes {
    code: String,
    name: Option<String>,
    class: Option<String>,
    level: Option<String>,
    reserve_zone: Option<String>,
    subclass: Option<String>,
    prohibited: Option<String>,
    restricted: Option<String>,
    requirements: Requirements,
}

fn polygons_of(g: GeoGeometry<f64>) -> MultiPolygon<f64> {
    let mut out: Vec<Polygon<f64>> = Vec::new();
    collect_polygons(g, &mut out);
    MultiPolygon(out)
}

fn collect_polygons(g: GeoGeometry<f64>, out: &mut Vec<Polygon<f64>>) {
    match g {
        GeoGeometry::Polygon(p) => out.push(p),
        GeoGeometry::MultiPolygon(mp) => out.extend(mp.0),
        GeoGeometry::GeometryCollection(gc) => gc.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

/// Built-in spellings of unit classes: the 1/2/3 codes of the 三线一单 data specification, the Chinese names with
/// or without 单元, and ecogate's own names.
pub fn parse_unit_class(s: &str) -> Option<UnitClass> {
    match s.trim() {
        "1" | "优先保护单元" | "优先保护" | "优先" | "priority" => Some(UnitClass::Priority),
        "2" | "重点管控单元" | "重点管控" | "重点" | "key" => Some(UnitClass::Key),
        "3" | "一般管控单元" | "一般管控" | "一般" | "general" => Some(UnitClass::General),
        _ => None,
    }
}

pub fn parse_level(s: &str) -> Option<WaterSourceLevel> {
    match s.trim() {
        "1" | "一级" | "一级保护区" | "一级区" | "level1" => Some(WaterSourceLevel::Level1),
        "2" | "二级" | "二级保护区" | "二级区" | "level2" => Some(WaterSourceLevel::Level2),
        "3" | "准" | "准保护区" | "准保护" | "quasi" => Some(WaterSourceLevel::Quasi),
        _ => None,
    }
}

pub fn parse_reserve_zone(s: &str) -> Option<ReserveZone> {
    match s.trim() {
        "核心区" | "核心保护区" | "core" => Some(ReserveZone::Core),
        "缓冲区" | "buffer" => Some(ReserveZone::Buffer),
        "实验区" | "一般控制区" | "experimental" => Some(ReserveZone::Experimental),
        "未分区" | "" | "unzoned" => Some(ReserveZone::Unzoned),
        _ => None,
    }
}

fn check_duplicates(zones: &[Zone], report: &mut ValidationReport) {
    let mut seen: BTreeMap<(ZoneKind, &str), &Zone> = BTreeMap::new();
    for z in zones {
        if let Some(first) = seen.get(&(z.kind(), z.code.as_str())) {
            let control_unit = z.kind() == ZoneKind::ControlUnit;
            report.problems.push(Problem {
                layer: z.layer.clone(),
                feature_id: z.source_fid,
                code: Some(z.code.clone()),
                problem: ProblemKind::DuplicateCode,
                action: if control_unit { Action::Refused } else { Action::Noted },
                message: format!(
                    "code {} also used by feature {} of layer {}{}",
                    z.code,
                    first.source_fid.map_or("?".into(), |f| f.to_string()),
                    first.layer,
                    if control_unit { ": control-unit codes must be unique" } else { "" }
                ),
            });
        } else {
            seen.insert((z.kind(), z.code.as_str()), z);
        }
    }
}

/// Files that make up a local source: a shapefile's sidecars, every file of a folder source (FileGDB), or the file.
fn source_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = walk(path);
        files.sort();
        return files;
    }
    let is_shp = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if is_shp {
        // Sidecars in any case (RED.SHP + RED.DBF from Windows exports).
        let stem = path.file_stem().map(|s| s.to_os_string());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let sidecar = |p: &Path| {
            p.file_stem().map(|s| s.to_os_string()) == stem
                && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    ["shp", "shx", "dbf", "prj", "cpg"].iter().any(|x| e.eq_ignore_ascii_case(x))
                })
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| sidecar(p)).collect())
            .unwrap_or_default();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Content hash of the manifest and every source it names. A source that is not a local file (a `PG:` connection)
/// is represented by the content that was loaded from it, so the version still changes when its data changes.
fn dataset_version(manifest: &Manifest, manifest_path: &Path, dir: &Path, zones: &[Zone]) -> Result<String, IngestError> {
    let mut h = Sha256::new();
    // Streamed: reading a whole source into memory would add its size (117 MiB for the henan GeoPackage) to the
    // load's peak RSS, on top of the zones already loaded.
    let read = |h: &mut Sha256, p: &Path| {
        let err = |source| IngestError::Hash { path: p.to_path_buf(), source };
        let mut f = std::fs::File::open(p).map_err(err)?;
        std::io::copy(&mut f, h).map_err(err).map(|_| ())
    };
    read(&mut h, manifest_path)?;
    let mut hashed = std::collections::BTreeSet::new();
    for spec in &manifest.layers {
        let Some(path) = spec.local_path(dir) else {
            for z in zones.iter().filter(|z| z.layer == spec.id) {
                // Everything an answer can show of the zone: a renamed zone is a new version.
                h.update(format!("{:?}{:?}{:?}{:?}{:?}{:?}", z.code, z.name, z.source_fid, z.subclass, z.detail, z.requirements).as_bytes());
                for c in geo::CoordsIter::coords_iter(&z.geometry) {
                    h.update(c.x.to_le_bytes());
                    h.update(c.y.to_le_bytes());
                }
            }
            continue;
        };
        for f in source_files(&path) {
            if hashed.insert(f.clone()) {
                h.update(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
                read(&mut h, &f)?;
            }
        }
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}@{hex}", manifest.dataset.id))
}
