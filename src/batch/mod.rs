//! Batch screening: a list of candidate sites (a CSV or XLSX table, or any multi-feature file) assessed row by row,
//! in parallel, with one result row per input row in input order — what a planning department does with a list of
//! candidate sites, or a designer with the alternatives of a route.
//!
//! A bad row (unreadable coordinates, swapped lat/lon, an unknown industry code, a missing required fact) gets an
//! `error` and the others still get verdicts: one typo must not cost the reviewer the other 9,999 rows. Only a file
//! that cannot be read at all is refused.
//!
//! - [`read`]: bytes → [`BatchInput`] (rows with their site and facts, or a [`RowError`] each).
//! - [`run`]: rows → [`RowResult`]s, in parallel (rayon), order preserved, progress reported through a callback.
//!   Each assessment is reduced to its result row at once, so 100k rows never hold 100k full assessments.
//! - [`write`]: results → CSV (UTF-8 with BOM), XLSX, GeoJSON.

pub mod cli;
pub mod columns;
pub mod read;
pub mod write;

use crate::assess::{AssessOptions, Engine, Verdict};
use crate::index::Site;
use crate::input::SiteInput;
use crate::rules::{Facts, Outcome};
use crate::zone::ZoneKind;
use rayon::prelude::*;
use serde::Serialize;

pub use read::{read, ReadError};

/// Why one row could not be assessed; it becomes the row's `error` column.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct RowError {
    /// Stable class: `invalid-coordinates`, `swapped-coordinates`, `missing-site`, `unknown-crs`, `invalid-fact`,
    /// `missing-fact`, `invalid-geometry` … (the input error's slug where there is one).
    pub code: String,
    pub message: String,
    pub message_zh: String,
}

impl RowError {
    pub fn new(code: impl Into<String>, message: impl Into<String>, message_zh: impl Into<String>) -> RowError {
        RowError { code: code.into(), message: message.into(), message_zh: message_zh.into() }
    }

    pub fn input(e: crate::input::InputError) -> RowError {
        RowError::new(e.slug(), e.to_string(), e.message_zh())
    }
}

/// Where a row's site came from: coordinates or a geometry read like a single request (echoing its CRS), or a
/// feature of an uploaded file (already converted by the upload reader).
#[derive(Debug, Clone)]
pub enum RowSite {
    Input(SiteInput),
    Feature(Site),
}

impl RowSite {
    pub fn site(&self) -> &Site {
        match self {
            RowSite::Input(i) => &i.site,
            RowSite::Feature(s) => s,
        }
    }
}

/// One input row, parsed.
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// 1-based: the data row number in the table (header excluded) or the feature number in the file.
    pub row_no: usize,
    pub name: Option<String>,
    /// The row's cells as sent, in the order of [`BatchInput::columns`] (echoed in the output).
    pub cells: Vec<String>,
    pub site: Result<RowSite, RowError>,
    pub facts: Result<Facts, RowError>,
}

/// A parsed batch: the input's column names (echoed) and its rows.
#[derive(Debug, Clone)]
pub struct BatchInput {
    /// csv | xlsx | geojson | shapefile | gpkg | kml | …
    pub format: String,
    pub columns: Vec<String>,
    pub rows: Vec<BatchRow>,
    /// File-level notes (encoding read, sheet used, features skipped …).
    pub notes: Vec<String>,
}

/// Batch-wide settings: the CRS for rows without a `crs` column, facts for rows that do not state them.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    pub crs: Option<String>,
    pub towgs84: Option<String>,
    /// Facts applied to every row that does not state them (e.g. one project screened at many candidate sites).
    pub default_facts: Vec<(String, String)>,
}

/// The nearest zone of one kind: 0 when the site touches one, else the geodesic distance within the kind's bands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Nearest {
    pub kind: ZoneKind,
    pub distance_m: f64,
}

/// The kinds with a nearest-distance column, in column order.
pub const NEAREST_KINDS: [ZoneKind; 4] = [ZoneKind::RedLine, ZoneKind::WaterSource, ZoneKind::NatureReserve, ZoneKind::Other];

/// One result row: what the output files hold, nothing more.
#[derive(Debug, Clone, Serialize)]
pub struct RowResult {
    pub row_no: usize,
    pub name: Option<String>,
    pub cells: Vec<String>,
    pub outcome: Result<RowOutcome, RowError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowOutcome {
    pub verdict: Verdict,
    /// Representative point (the point, or the centroid), lon/lat.
    pub lon: f64,
    pub lat: f64,
    /// `code name` of each zone hit.
    pub zones: Vec<String>,
    /// `rule_id: outcome @ zone` of each rule that triggered (not-triggered rules are left out).
    pub rules: Vec<String>,
    /// Questions that would decide an undetermined verdict (fact names).
    pub questions: Vec<String>,
    /// Per kind of [`NEAREST_KINDS`]: None when no zone of that kind is within its largest band.
    pub nearest: Vec<Option<f64>>,
    /// Warning codes (the illustrative-data notice left out: it is the same on every row and in the file notes).
    pub warnings: Vec<String>,
    /// Lines: per zone crossed, `code km a–b` (enter and leave chainage).
    pub chainage: Vec<String>,
    /// The site assessed, GeoJSON in lon/lat (GeoJSON output only).
    #[serde(skip)]
    pub geometry: Option<geojson::Geometry>,
}

/// Identity of what produced the results, repeated on every row.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub dataset_version: String,
    pub rulebook_version: String,
    pub illustrative: bool,
}

/// Counts by verdict (and errors), for progress and summaries.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Counts {
    pub prohibited: usize,
    pub restricted: usize,
    pub undetermined: usize,
    pub permitted: usize,
    pub error: usize,
}

impl Counts {
    pub fn of(results: &[RowResult]) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.add(&r.outcome);
        }
        c
    }

    pub fn add(&mut self, outcome: &Result<RowOutcome, RowError>) {
        match outcome {
            Ok(o) => match o.verdict {
                Verdict::Prohibited => self.prohibited += 1,
                Verdict::Restricted => self.restricted += 1,
                Verdict::Undetermined => self.undetermined += 1,
                Verdict::Permitted => self.permitted += 1,
            },
            Err(_) => self.error += 1,
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} prohibited, {} restricted, {} undetermined, {} permitted, {} with errors",
            self.prohibited, self.restricted, self.undetermined, self.permitted, self.error
        )
    }
}

/// A finished batch: the input's columns, the results in input order and where they came from.
#[derive(Debug, Clone)]
pub struct BatchResults {
    pub format: String,
    pub columns: Vec<String>,
    pub rows: Vec<RowResult>,
    pub provenance: Provenance,
    pub notes: Vec<String>,
}

/// Assesses every row in parallel on the current rayon pool, in input order. `progress` is called once per row
/// finished (from worker threads), for progress bars and job status.
pub fn run(engine: &Engine, input: BatchInput, options: AssessOptions, progress: &(dyn Fn() + Sync)) -> BatchResults {
    let provenance = Provenance {
        dataset_version: engine.dataset.version.clone(),
        rulebook_version: engine.rulebook.version.clone(),
        illustrative: engine.dataset.illustrative,
    };
    let rows: Vec<RowResult> = input
        .rows
        .into_par_iter()
        .map(|row| {
            let outcome = assess_row(engine, &row, options);
            progress();
            RowResult { row_no: row.row_no, name: row.name, cells: row.cells, outcome }
        })
        .collect();
    BatchResults { format: input.format, columns: input.columns, rows, provenance, notes: input.notes }
}

fn assess_row(engine: &Engine, row: &BatchRow, options: AssessOptions) -> Result<RowOutcome, RowError> {
    let site = row.site.as_ref().map_err(Clone::clone)?;
    let facts = row.facts.as_ref().map_err(Clone::clone)?;
    engine.check_required(facts).map_err(|(fact, question)| {
        RowError::new("missing-fact", format!("fact {fact} is required: {question}"), format!("缺少必填信息 {fact}：{question}"))
    })?;
    let a = match site {
        RowSite::Input(i) => engine.assess_input(i, facts, options),
        RowSite::Feature(s) => engine.assess_with(s, facts, options),
    };
    let nearest = NEAREST_KINDS
        .iter()
        .map(|k| {
            if a.zones.iter().any(|z| z.zone.kind == *k) {
                Some(0.0)
            } else {
                a.proximity.iter().find(|p| p.zone.kind == *k).map(|p| p.distance_m)
            }
        })
        .collect();
    let chainage = a
        .zones
        .iter()
        .flat_map(|z| z.crossings.iter().map(move |c| format!("{} km {:.3}–{:.3}", z.zone.code, c.enter_km, c.leave_km)))
        .collect();
    Ok(RowOutcome {
        verdict: a.verdict,
        lon: a.site.lon,
        lat: a.site.lat,
        zones: a.zones.iter().map(|z| format!("{} {}", z.zone.code, z.zone.name)).collect(),
        rules: a
            .rules
            .iter()
            .filter(|r| r.outcome != Outcome::NotTriggered)
            .map(|r| match &r.zone_code {
                Some(z) => format!("{}: {} @ {z}", r.rule_id, outcome_str(r.outcome)),
                None => format!("{}: {}", r.rule_id, outcome_str(r.outcome)),
            })
            .collect(),
        questions: a.questions.iter().map(|q| q.fact.clone()).collect(),
        nearest,
        warnings: a.warnings.iter().filter(|w| w.code != "illustrative_data").map(|w| w.code.clone()).collect(),
        chainage,
        geometry: Some(geojson::Geometry::from(match site.site() {
            Site::Point(p) => geojson::Value::from(p),
            // One part: the simple type, as the input most likely had it.
            Site::Line(l) if l.0.len() == 1 => geojson::Value::from(&l.0[0]),
            Site::Line(l) => geojson::Value::from(l),
            Site::Footprint(f) if f.0.len() == 1 => geojson::Value::from(&f.0[0]),
            Site::Footprint(f) => geojson::Value::from(f),
        })),
    })
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Prohibited => "prohibited",
        Outcome::Restricted => "restricted",
        Outcome::Undetermined => "undetermined",
        Outcome::Permitted => "permitted",
        Outcome::NotTriggered => "not_triggered",
    }
}
