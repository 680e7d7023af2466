//! What a printable report is made from: the assessment **as it was answered** (its JSON), read back into owned
//! types, plus the report's own identity (id, time, where it came from).
//!
//! Reading the JSON rather than taking an [`crate::assess::Assessment`] is deliberate: a stored answer (the audit
//! trail) must give the same report years later, after the engine's types have grown. So every optional part is
//! `#[serde(default)]`, unknown fields are ignored, and only the verdict, site, dataset and rulebook are required —
//! the parts a reviewer could not defend a verdict without.

use crate::assess::Verdict;
use crate::crs::AxisOrder;
use crate::rules::{FactValue, Outcome, Text};
use crate::zone::{Requirements, ZoneKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The assessment JSON as the report reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct AssessmentDoc {
    /// The audit reference number (`EG-20261127-…`), when the answer was recorded.
    #[serde(default)]
    pub id: Option<String>,
    pub verdict: Verdict,
    #[serde(default)]
    pub summary: String,
    pub site: SiteDoc,
    #[serde(default)]
    pub facts: FactsDoc,
    #[serde(default)]
    pub zones: Vec<ZoneHitDoc>,
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    #[serde(default)]
    pub questions: Vec<QuestionDoc>,
    #[serde(default)]
    pub nearby: Vec<NearbyDoc>,
    #[serde(default)]
    pub nearby_radius_m: Option<f64>,
    /// Zones within the per-kind buffer bands; absent from answers recorded before the bands existed.
    #[serde(default)]
    pub proximity: Vec<ProximityDoc>,
    #[serde(default)]
    pub warnings: Vec<WarningDoc>,
    pub dataset: DatasetDoc,
    pub rulebook: RulebookDoc,
    #[serde(default)]
    pub engine: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SiteDoc {
    #[serde(default)]
    pub geometry_type: String,
    #[serde(default)]
    pub crs: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
    #[serde(default)]
    pub area_m2: Option<f64>,
    #[serde(default)]
    pub length_m: Option<f64>,
    #[serde(default)]
    pub input_crs: Option<String>,
    #[serde(default)]
    pub input_crs_epsg: Option<String>,
    #[serde(default)]
    pub input_towgs84: Option<Vec<f64>>,
    #[serde(default)]
    pub input_text: Option<String>,
    #[serde(default)]
    pub input_coordinates: Option<[f64; 2]>,
    #[serde(default)]
    pub converted_coordinates: Option<[f64; 2]>,
    #[serde(default)]
    pub axis_order_assumed: Option<AxisOrder>,
    #[serde(default)]
    pub input_transformation: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FactsDoc {
    #[serde(default)]
    pub supplied: BTreeMap<String, FactValue>,
    #[serde(default)]
    pub derived: Vec<DerivedDoc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DerivedDoc {
    pub fact: String,
    pub value: FactValue,
    pub because: Text,
}

/// A zone's identity as hits and nearby zones carry it (flattened into both in the JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct ZoneRefDoc {
    #[serde(default)]
    pub layer: String,
    pub kind: ZoneKind,
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub grade_zh: Option<String>,
}

impl ZoneRefDoc {
    /// Class / level / reserve zone / category in the report's language (the Chinese label when there is one).
    pub fn grade_label(&self, lang: super::Lang) -> String {
        match lang {
            super::Lang::Zh => self.grade_zh.clone().or_else(|| self.grade.clone()).unwrap_or_default(),
            super::Lang::En => self.grade.clone().map(|g| g.replace('_', " ")).unwrap_or_default(),
        }
    }

    pub fn kind_label(&self, lang: super::Lang) -> &'static str {
        match lang {
            super::Lang::Zh => self.kind.label_zh(),
            super::Lang::En => self.kind.label_en(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ZoneHitDoc {
    #[serde(flatten)]
    pub zone: ZoneRefDoc,
    #[serde(default)]
    pub subclass: Option<String>,
    #[serde(default)]
    pub overlap_area_m2: Option<f64>,
    #[serde(default)]
    pub overlap_share: Option<f64>,
    #[serde(default)]
    pub crossing_length_m: Option<f64>,
    /// Lines: each pass through the zone (chainage); absent from answers recorded before chainage existed.
    #[serde(default)]
    pub crossings: Vec<CrossingDoc>,
    #[serde(default)]
    pub requirements: Requirements,
}

/// One pass of a line through a zone, as [`crate::chainage::Crossing`] writes it.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct CrossingDoc {
    pub enter_km: f64,
    pub leave_km: f64,
    #[serde(default)]
    pub length_m: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RuleDoc {
    pub rule_id: String,
    pub title: Text,
    pub outcome: Outcome,
    #[serde(default)]
    pub zone_code: Option<String>,
    #[serde(default)]
    pub zone_name: Option<String>,
    #[serde(default)]
    pub conditions: Vec<Text>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default)]
    pub exceptions_not_claimed: Vec<String>,
    pub citation: CitationDoc,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CitationDoc {
    #[serde(default)]
    pub instrument: String,
    #[serde(default)]
    pub article: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QuestionDoc {
    pub fact: String,
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NearbyDoc {
    #[serde(flatten)]
    pub zone: ZoneRefDoc,
    pub distance_m: f64,
}

/// A zone within a proximity band, as [`crate::assess::ProximityZone`] writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProximityDoc {
    #[serde(flatten)]
    pub zone: ZoneRefDoc,
    pub distance_m: f64,
    #[serde(default)]
    pub band_m: Option<f64>,
    /// The band as the engine said it (`≤500 m`); the report re-says it from `band_m` when missing.
    #[serde(default)]
    pub band: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WarningDoc {
    pub code: String,
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatasetDoc {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub illustrative: bool,
    #[serde(default)]
    pub notice_zh: Option<String>,
    #[serde(default)]
    pub notice_en: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RulebookDoc {
    pub id: String,
    pub version: String,
}

/// Where the report's assessment came from, as the report states it.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Run by `ecogate report` on this machine: nothing was recorded, the id is local to the file.
    Cli,
    /// Read back from the audit trail: recorded at that time, for that client.
    Recorded { recorded_at: String, client: Option<String> },
}

/// The report's own identity.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    /// The audit reference number, or for the CLI a local id (`CLI-…`).
    pub id: String,
    /// When this report was generated, RFC 3339 UTC.
    pub generated_at: String,
    pub origin: Origin,
}

impl ReportMeta {
    /// A report of an assessment just run by the CLI: a local id from the time, not recorded anywhere.
    pub fn cli_now() -> ReportMeta {
        let now = chrono::Utc::now();
        ReportMeta {
            id: format!("CLI-{}", now.format("%Y%m%d-%H%M%S")),
            generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            origin: Origin::Cli,
        }
    }

    /// A report of a recorded assessment, generated now.
    pub fn recorded(id: &str, recorded_at: &str, client: Option<String>) -> ReportMeta {
        ReportMeta {
            id: id.to_string(),
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            origin: Origin::Recorded { recorded_at: recorded_at.to_string(), client },
        }
    }
}
