//! The dataset manifest (`dataset.toml`): which layers make a dataset, where they come from, and how each source's
//! field names map to ecogate's concepts. Real agency data has arbitrary (often Chinese) field names; this file, not
//! code, absorbs that.

use crate::zone::ZoneKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("manifest {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("manifest {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub dataset: DatasetInfo,
    pub layers: Vec<LayerSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetInfo {
    pub id: String,
    pub title: String,
    /// True for sample data; every answer then carries the notice.
    #[serde(default)]
    pub illustrative: bool,
    #[serde(default)]
    pub notice_zh: Option<String>,
    #[serde(default)]
    pub notice_en: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Administrative codes (GB/T 2260) of the jurisdictions the territory belongs to; province-wide rules select on
    /// these (e.g. `410000` for Henan).
    #[serde(default)]
    pub admin_codes: Vec<String>,
}

/// One layer of the dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    pub kind: ZoneKind,
    /// Required for `kind = "other"`: e.g. `livestock_no_farming`, `fuel_ban`, `noise`, `contaminated_land`.
    #[serde(default)]
    pub category: Option<String>,
    /// A path relative to the manifest, or any OGR connection string (`PG:…`, `/vsizip/…`).
    pub source: String,
    /// Layer name inside the source; optional when the source has exactly one layer.
    #[serde(default)]
    pub layer: Option<String>,
    /// Character encoding of a shapefile's DBF when it has no `.cpg` (e.g. `CP936` for GBK).
    #[serde(default)]
    pub encoding: Option<String>,
    /// CRS to assume when the source declares none (e.g. `EPSG:4526`). A declared CRS is never overridden.
    #[serde(default)]
    pub srs: Option<String>,
    pub fields: FieldMap,
    /// Extra source-value → canonical-value mappings for enum fields, per concept (`class`, `level`,
    /// `reserve_zone`). Common spellings are built in.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// ecogate concept → source field name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    /// 管控单元分类 (control units).
    #[serde(default)]
    pub class: Option<String>,
    /// 保护级别 (water sources).
    #[serde(default)]
    pub level: Option<String>,
    /// 功能分区 (nature reserves).
    #[serde(default)]
    pub reserve_zone: Option<String>,
    #[serde(default)]
    pub subclass: Option<String>,
    #[serde(default)]
    pub spatial_layout: Option<String>,
    #[serde(default)]
    pub pollutant_discharge: Option<String>,
    #[serde(default)]
    pub risk_control: Option<String>,
    #[serde(default)]
    pub resource_efficiency: Option<String>,
    #[serde(default)]
    pub prohibited_industries: Option<String>,
    #[serde(default)]
    pub restricted_industries: Option<String>,
}

impl FieldMap {
    /// (concept, source field) for every mapped concept.
    pub fn mapped(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("code", self.code.as_str())];
        let optional = [
            ("name", &self.name),
            ("class", &self.class),
            ("level", &self.level),
            ("reserve_zone", &self.reserve_zone),
            ("subclass", &self.subclass),
            ("spatial_layout", &self.spatial_layout),
            ("pollutant_discharge", &self.pollutant_discharge),
            ("risk_control", &self.risk_control),
            ("resource_efficiency", &self.resource_efficiency),
            ("prohibited_industries", &self.prohibited_industries),
            ("restricted_industries", &self.restricted_industries),
        ];
        out.extend(optional.into_iter().filter_map(|(k, v)| v.as_deref().map(|v| (k, v))));
        out
    }
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text)
            .map_err(|e| ManifestError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
        manifest.check(path)?;
        Ok(manifest)
    }

    /// Structural checks that need more than serde: the kind-specific field a rule depends on must be mapped.
    fn check(&self, path: &Path) -> Result<(), ManifestError> {
        let invalid = |message: String| ManifestError::Invalid { path: path.to_path_buf(), message };
        if self.layers.is_empty() {
            return Err(invalid("no [[layers]]".into()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for l in &self.layers {
            if !seen.insert(l.id.as_str()) {
                return Err(invalid(format!("layer id {:?} appears twice", l.id)));
            }
            let needs = match l.kind {
                ZoneKind::ControlUnit => Some(("class", l.fields.class.is_some())),
                ZoneKind::WaterSource => Some(("level", l.fields.level.is_some())),
                ZoneKind::NatureReserve => Some(("reserve_zone", l.fields.reserve_zone.is_some())),
                ZoneKind::RedLine | ZoneKind::Other => None,
            };
            if let Some((concept, false)) = needs {
                return Err(invalid(format!(
                    "layer {:?} of kind {} must map the field `{concept}` in [layers.fields]",
                    l.id, l.kind
                )));
            }
            if l.kind == ZoneKind::Other && l.category.as_deref().map_or(true, str::is_empty) {
                return Err(invalid(format!("layer {:?} of kind other needs a `category`", l.id)));
            }
            for concept in l.values.keys() {
                if !["class", "level", "reserve_zone"].contains(&concept.as_str()) {
                    return Err(invalid(format!(
                        "layer {:?}: [layers.values.{concept}] maps no enum concept (class, level, reserve_zone)",
                        l.id
                    )));
                }
            }
        }
        Ok(())
    }
}

impl LayerSpec {
    /// The string GDAL opens: a path relative to the manifest's folder when such a file exists there (even if its
    /// name contains a colon), else connection strings and absolute paths pass through, else the relative path.
    pub fn resolved_source(&self, manifest_dir: &Path) -> String {
        self.local_path(manifest_dir).map_or_else(|| self.source.clone(), |p| p.to_string_lossy().into_owned())
    }

    /// The local file or folder behind this layer, if it is one (not a `PG:` connection or a `/vsi…` path).
    pub fn local_path(&self, manifest_dir: &Path) -> Option<PathBuf> {
        let relative = manifest_dir.join(&self.source);
        if !Path::new(&self.source).is_absolute() && relative.exists() {
            return Some(relative);
        }
        if is_connection_string(&self.source) {
            return None;
        }
        Some(if Path::new(&self.source).is_absolute() { PathBuf::from(&self.source) } else { relative })
    }
}

/// OGR connection strings and virtual paths are not files to resolve or hash.
fn is_connection_string(source: &str) -> bool {
    source.starts_with("/vsi")
        || source.contains(':') && !source.starts_with('/') && {
            let prefix = source.split(':').next().unwrap_or_default();
            prefix.len() > 1 && prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
}
