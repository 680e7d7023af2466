//! Assessment: a site plus project facts in, a verdict out, with every zone hit, every rule considered and its
//! legal basis, nearby zones, warnings, and the dataset and rulebook versions that produced it.
//!
//! The overall verdict is the strictest outcome: prohibited > undetermined > restricted > permitted. Undetermined
//! outranks restricted because a missing fact might still prohibit. A site outside the data's coverage (no control
//! unit, since units tile the territory) is undetermined whatever else it touches.

use crate::crs::{gcj, in_china, AxisOrder};
use crate::index::{geodesic_area, geodesic_length, Site, ZoneId, ZoneIndex};
use crate::industry::IndustryTable;
use crate::ingest::{self, IngestError, LayerSummary, ValidationReport};
use crate::input::{InputOrigin, SiteInput};
use crate::rules::{EvalContext, Evaluation, FactValue, Facts, Outcome, Rule, Rulebook, RulebookError, Text};
use crate::zone::{Requirements, Zone, ZoneKind};
use geo::{Centroid, Distance, Haversine, Intersects, MapCoords, Point};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use arc_swap::ArcSwapOption;
use std::sync::{Arc, OnceLock};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Rulebook(#[from] RulebookError),
}

/// Deserialize too: a report is rendered from an assessment's JSON as it was answered (`report::model`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 禁止
    Prohibited,
    /// 无法判定
    Undetermined,
    /// 限制 / 有条件准入
    Restricted,
    /// 允许
    Permitted,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Prohibited => "prohibited",
            Verdict::Undetermined => "undetermined",
            Verdict::Restricted => "restricted",
            Verdict::Permitted => "permitted",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Prohibited => "禁止",
            Verdict::Undetermined => "无法判定",
            Verdict::Restricted => "限制（有条件准入）",
            Verdict::Permitted => "允许",
        }
    }

    /// The English label a reviewer reads in a report.
    pub fn label_en(self) -> &'static str {
        match self {
            Verdict::Prohibited => "Prohibited",
            Verdict::Undetermined => "Undetermined",
            Verdict::Restricted => "Restricted (conditional)",
            Verdict::Permitted => "Permitted",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct AssessOptions {
    /// Zones within this distance of the site are reported as nearby (default 1 km).
    pub nearby_radius_m: f64,
    /// A point closer than this to a zone edge gets a warning: boundary precision may decide the verdict.
    pub boundary_warning_m: f64,
}

impl Default for AssessOptions {
    fn default() -> Self {
        AssessOptions { nearby_radius_m: 1000.0, boundary_warning_m: 10.0 }
    }
}

/// Dataset identity reported with every answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatasetInfo {
    pub id: String,
    pub title: String,
    pub version: String,
    pub illustrative: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_en: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulebookRef {
    pub id: String,
    pub version: String,
}

/// A loaded dataset, its index and a rulebook: everything needed to answer.
pub struct Engine {
    /// Shared with every answer (counted, not copied).
    pub dataset: Arc<DatasetInfo>,
    pub layers: Vec<LayerSummary>,
    pub validation: ValidationReport,
    pub index: ZoneIndex,
    pub rulebook: Rulebook,
    pub industries: &'static IndustryTable,
    pub options: AssessOptions,
    /// The parts of answers that depend only on the zones and the rulebook, built once ([`AnswerParts`]).
    parts: AnswerParts,
    /// The last request's facts with their derivations ([`Derived`]): requests in a row usually state the same facts.
    derived: ArcSwapOption<Derived>,
    /// A point's proximity candidates per grid cell, for the rulebook's bands and the default nearby radius.
    near_cells: crate::proximity::NearCells,
}

/// The zones an answer's nearby list may hold: not control units, which tile the territory (one is always a few
/// metres away). The proximity cells list these, so they must be the nearby search's filter too.
fn listed_nearby(z: &Zone) -> bool {
    z.kind() != ZoneKind::ControlUnit
}

/// What [`Rulebook::derive`] makes of one set of facts, kept for the next request stating the same facts: deriving
/// copies the facts and looks up the industry in the table for each derivation (12 % of a point assessment). One
/// entry, swapped without a lock, so it stays bounded and needs no eviction; a request with other facts derives
/// afresh and replaces it. It depends only on the facts and the engine's rulebook and industry table, both fixed
/// for the engine's life.
struct Derived {
    /// The facts as the request stated them (the key, and the answer's `supplied`).
    supplied: Shared<Facts>,
    /// Stated and derived facts, what the rules are evaluated against.
    all: Facts,
    derived: Shared<Vec<DerivedFact>>,
    /// Per rule, filled on first use: its evaluation if no test of the rule reads the zone (`in_zone_list`), as it
    /// is then the same for every zone and for the jurisdiction, and an answer copies it instead of evaluating
    /// again; `None` for a rule that reads the zone (evaluated per zone).
    evaluations: Vec<OnceLock<Option<Evaluation>>>,
}

impl Derived {
    /// The evaluation of rule `i` against `zone` (none: the jurisdiction).
    fn evaluate(&self, rulebook: &Rulebook, industries: &IndustryTable, i: usize, zone: Option<&Zone>) -> Evaluation {
        let rule = &rulebook.rules[i];
        let shared = self.evaluations[i].get_or_init(|| {
            let reads_zone = rule.when.iter().chain(&rule.unless).any(|t| t.in_zone_list.is_some());
            (!reads_zone).then(|| rulebook.evaluate(rule, &EvalContext { facts: &self.all, zone: None, industries }))
        });
        match shared {
            Some(ev) => ev.clone(),
            None => rulebook.evaluate(rule, &EvalContext { facts: &self.all, zone, industries }),
        }
    }
}

/// What every answer would otherwise rebuild: each zone's identity and, per (rule, zone) the rule applies to, its
/// citation with the `{zone.…}` placeholders filled. Filling per answer cost six `str::replace` per citation field
/// (with their substring searchers) and a copy of every string: 19 % of a point assessment at provincial scale.
struct AnswerParts {
    /// Per zone, by id.
    zones: Vec<ZoneParts>,
    /// The jurisdiction-wide rules that apply to this dataset, with their citations.
    jurisdiction: Vec<(usize, Shared<CitationOut>)>,
    /// Per rule, by position in the rulebook.
    titles: Vec<Shared<Text>>,
    /// Per rule, by position: the conditions an applying rule carries.
    conditions: Vec<Shared<Vec<Text>>>,
    no_conditions: Shared<Vec<Text>>,
    /// `zh / en` question per declared fact.
    questions: BTreeMap<String, Shared<str>>,
    rulebook: Shared<RulebookRef>,
    dataset: Shared<DatasetInfo>,
    /// The notice every answer on illustrative data carries.
    illustrative: Option<Shared<Warning>>,
    /// Every proximity band of the rulebook with its label (`≤5 km`): formatting a float label per finding was 5 %
    /// of a point assessment.
    band_labels: Vec<(f64, Shared<str>)>,
}

struct ZoneParts {
    zref: Shared<ZoneRef>,
    requirements: Shared<Requirements>,
    /// The zone-scope rules selecting this zone, in rulebook order, with their filled citations.
    rules: Vec<(usize, Shared<CitationOut>)>,
}

impl AnswerParts {
    fn new(index: &ZoneIndex, rulebook: &Rulebook, dataset: &DatasetInfo) -> AnswerParts {
        let citation = |rule: &Rule, zone: Option<&Zone>| {
            let fill = |s: &str| zone.map_or_else(|| s.to_string(), |z| fill_zone(s, z));
            let c = &rule.citation;
            CitationOut {
                instrument: fill(&c.instrument),
                article: fill(&c.article),
                text: fill(&c.text).trim().to_string(),
                source: c.source.clone(),
                verified: c.verified,
                note: c.note.clone(),
            }
        };
        // A citation without placeholders is the same for every zone: one copy per rule.
        let plain: Vec<Shared<CitationOut>> = rulebook.rules.iter().map(|r| Shared::from(citation(r, None))).collect();
        let has_placeholder = |r: &Rule| [&r.citation.instrument, &r.citation.article, &r.citation.text].iter().any(|t| t.contains("{zone."));
        let zones = index
            .zones()
            .iter()
            .map(|z| ZoneParts {
                // Flattened into zone hits, nearby and proximity entries: cannot be raw JSON.
                zref: Shared::unrendered(ZoneRef::of(z)),
                requirements: Shared::from(z.requirements.clone()),
                rules: rulebook
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.applies_to.selects(z))
                    .map(|(i, r)| (i, if has_placeholder(r) { Shared::from(citation(r, Some(z))) } else { plain[i].clone() }))
                    .collect(),
            })
            .collect();
        let jurisdiction = rulebook
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.applies_to.selects_jurisdiction(&dataset.admin_codes))
            .map(|(i, _)| (i, plain[i].clone()))
            .collect();
        AnswerParts {
            zones,
            jurisdiction,
            titles: rulebook.rules.iter().map(|r| Shared::from(r.title.clone())).collect(),
            conditions: rulebook.rules.iter().map(|r| Shared::from(r.conditions.clone())).collect(),
            no_conditions: Shared::from(Vec::new()),
            questions: rulebook.facts.keys().map(|f| (f.clone(), Shared::from(rulebook.question(f).as_str()))).collect(),
            rulebook: Shared::from(RulebookRef { id: rulebook.info.id.clone(), version: rulebook.version.clone() }),
            dataset: Shared::from(dataset.clone()),
            illustrative: dataset.illustrative.then(|| {
                Warning::new(
                    "illustrative_data",
                    dataset.notice_zh.as_deref().unwrap_or("示例数据，非官方边界。"),
                    dataset.notice_en.as_deref().unwrap_or("Illustrative data, not official boundaries."),
                )
            }),
            band_labels: {
                let p = &rulebook.proximity;
                let mut bands: Vec<f64> = p.bands_m.iter().chain(p.kinds.values().flatten()).copied().collect();
                bands.sort_by(f64::total_cmp);
                bands.dedup();
                bands.into_iter().map(|b| (b, Shared::from(crate::proximity::band_label(b).as_str()))).collect()
            },
        }
    }
}

impl Engine {
    /// An engine from its parts; builds the answer parts shared by every answer (a few milliseconds per 10,000
    /// zones).
    pub fn new(
        dataset: Arc<DatasetInfo>,
        layers: Vec<LayerSummary>,
        validation: ValidationReport,
        index: ZoneIndex,
        rulebook: Rulebook,
        industries: &'static IndustryTable,
        options: AssessOptions,
    ) -> Engine {
        let parts = AnswerParts::new(&index, &rulebook, &dataset);
        let near_cells = crate::proximity::NearCells::new(&index, &rulebook.proximity, options.nearby_radius_m, listed_nearby);
        Engine { dataset, layers, validation, index, rulebook, industries, options, parts, derived: ArcSwapOption::empty(), near_cells }
    }

    pub fn load(manifest: &Path, rules_dir: &Path) -> Result<Engine, EngineError> {
        let industries = IndustryTable::bundled();
        let rulebook = Rulebook::load_dir(rules_dir, industries)?;
        let ds = ingest::load(manifest, industries)?;
        let d = &ds.manifest.dataset;
        let dataset = DatasetInfo {
            id: d.id.clone(),
            title: d.title.clone(),
            version: ds.version.clone(),
            illustrative: d.illustrative,
            notice_zh: d.notice_zh.clone(),
            notice_en: d.notice_en.clone(),
            admin_codes: d.admin_codes.clone(),
        };
        Ok(Engine::new(Arc::new(dataset), ds.layers, ds.report, ZoneIndex::new(ds.zones), rulebook, industries, AssessOptions::default()))
    }

    pub fn rulebook_ref(&self) -> RulebookRef {
        RulebookRef { id: self.rulebook.info.id.clone(), version: self.rulebook.version.clone() }
    }

    /// Parses `name=value` facts against the rulebook's vocabulary.
    pub fn parse_facts<'a>(&self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Facts, String> {
        let mut facts = Facts::new();
        for (k, v) in pairs {
            let value = self.rulebook.parse_fact(k, v, self.industries)?;
            facts.insert(k.to_string(), value);
        }
        Ok(facts)
    }

    /// Refuses a request that lacks a fact the rulebook requires of every request, with the question to ask.
    pub fn check_required(&self, facts: &Facts) -> Result<(), (String, String)> {
        match self.rulebook.missing_required(facts) {
            None => Ok(()),
            Some(f) => Err((f.to_string(), self.rulebook.question(f))),
        }
    }

    pub fn assess(&self, site: &Site, facts: &Facts) -> Assessment {
        self.assess_with(site, facts, self.options)
    }

    /// The request's facts completed by the rulebook's derivations, from the last request's if it stated the same.
    fn derive(&self, facts: &Facts) -> Arc<Derived> {
        if let Some(d) = self.derived.load_full().filter(|d| *d.supplied == *facts) {
            return d;
        }
        let (all, derived) = self.rulebook.derive(facts, self.industries);
        let evaluations = self.rulebook.rules.iter().map(|_| OnceLock::new()).collect();
        let d = Arc::new(Derived {
            supplied: Shared::from(facts.clone()),
            evaluations,
            all,
            derived: Shared::from(derived.into_iter().map(|(fact, value, because)| DerivedFact { fact, value, because }).collect::<Vec<_>>()),
        });
        self.derived.store(Some(d.clone()));
        d
    }

    /// Assesses with per-request options (e.g. a nearby radius the request chose).
    pub fn assess_with(&self, site: &Site, facts: &Facts, options: AssessOptions) -> Assessment {
        let derived = self.derive(facts);
        let site_summary = SiteSummary::of(site);
        let overlaps = self.index.overlaps_given_area(site, site_summary.area_m2);
        let mut warnings = Vec::new();

        // Coverage: control units tile the territory, so their overlap is what the data covers.
        let unit_ids: Vec<ZoneId> =
            overlaps.iter().filter(|o| self.index.zone(o.zone).kind() == ZoneKind::ControlUnit).map(|o| o.zone).collect();
        let covered = !unit_ids.is_empty();
        if !covered {
            let extent = self.index.extent(ZoneKind::ControlUnit).map(|r| {
                format!("{:.4}–{:.4}°E, {:.4}–{:.4}°N", r.min().x, r.max().x, r.min().y, r.max().y)
            });
            warnings.push(Warning::new(
                "outside_coverage",
                "选址位于已加载数据的覆盖范围之外，无法判定。",
                &format!(
                    "The site lies outside the loaded data's coverage{}; no verdict can be given.",
                    extent.map(|e| format!(" ({e})")).unwrap_or_default()
                ),
            ));
        } else if let (Site::Footprint(_) | Site::Line(_), Some(total)) = (site, site_summary.measure()) {
            let inside: f64 = overlaps
                .iter()
                .filter(|o| unit_ids.contains(&o.zone))
                .map(|o| o.area_m2.or(o.length_m).unwrap_or(0.0))
                .sum();
            if total > 0.0 && inside / total < 0.999 {
                warnings.push(Warning::new(
                    "partial_coverage",
                    &format!("选址只有 {:.1}% 位于数据覆盖范围内，范围外部分无法判定。", 100.0 * inside / total),
                    &format!("Only {:.1}% of the site lies inside the data's coverage; the rest cannot be assessed.", 100.0 * inside / total),
                ));
            }
        }

        let mut zones: Vec<ZoneHit> = overlaps
            .iter()
            .map(|o| {
                let z = self.index.zone(o.zone);
                let share = o.area_m2.zip(site_summary.area_m2).map(|(a, t)| if t > 0.0 { a / t } else { 0.0 });
                ZoneHit::new(z, &self.parts.zones[o.zone], o.area_m2, share, o.length_m)
            })
            .collect();
        if let Site::Line(line) = site {
            self.add_chainage(line, &overlaps, &mut zones);
        }

        if let Site::Point(p) = site {
            for o in &overlaps {
                let Some(d) = self.index.distance_to_boundary_within(*p, o.zone, options.boundary_warning_m) else { continue };
                if d < options.boundary_warning_m {
                    let z = self.index.zone(o.zone);
                    warnings.push(Warning::new(
                        "near_boundary",
                        &format!("选址距 {}（{}）边界仅 {:.1} 米，边界精度可能影响结论，请核对原始图件。", z.name, z.code, d),
                        &format!("The site is {d:.1} m from the edge of {} ({}); boundary precision may decide the verdict — check the official map.", z.name, z.code),
                    ));
                }
            }
        }

        // Rules: per zone the site touches, then jurisdiction-wide rules if the site is covered.
        let n_rules = overlaps.iter().map(|o| self.parts.zones[o.zone].rules.len()).sum::<usize>()
            + if covered { self.parts.jurisdiction.len() } else { 0 };
        let mut rules = Vec::with_capacity(n_rules);
        for o in &overlaps {
            let z = self.index.zone(o.zone);
            let zp = &self.parts.zones[o.zone];
            for (i, citation) in &zp.rules {
                let ev = derived.evaluate(&self.rulebook, self.industries, *i, Some(z));
                rules.push(self.applied(*i, Some(zp), citation, ev));
            }
        }
        if covered {
            for (i, citation) in &self.parts.jurisdiction {
                let ev = derived.evaluate(&self.rulebook, self.industries, *i, None);
                rules.push(self.applied(*i, None, citation, ev));
            }
        }
        rules.sort_by(|a, b| a.outcome.cmp(&b.outcome));

        let verdict = if !covered {
            Verdict::Undetermined
        } else {
            rules
                .iter()
                .filter_map(|r| match r.outcome {
                    Outcome::Prohibited => Some(Verdict::Prohibited),
                    Outcome::Undetermined => Some(Verdict::Undetermined),
                    Outcome::Restricted => Some(Verdict::Restricted),
                    Outcome::Permitted | Outcome::NotTriggered => None,
                })
                .min()
                .unwrap_or(Verdict::Permitted)
        };

        let exclude: Vec<ZoneId> = overlaps.iter().map(|o| o.zone).collect();
        // No nearby control units: they tile the territory. For a point, the nearby list comes from proximity's
        // candidate query and edge searches (the same distances, one search instead of two).
        let (near, nearby) = match site {
            Site::Point(_) => crate::proximity::near_and_nearby(
                &self.index,
                &self.rulebook.proximity,
                site,
                &exclude,
                Some((options.nearby_radius_m, &listed_nearby)),
                Some(&self.near_cells),
            ),
            _ => (
                crate::proximity::near(&self.index, &self.rulebook.proximity, site, &exclude),
                self.index.nearby_where(site, options.nearby_radius_m, &exclude, listed_nearby),
            ),
        };
        let nearby = nearby
            .into_iter()
            .map(|n| NearbyZone::new(self.parts.zones[n.zone].zref.clone(), n.distance_m))
            .collect();

        let mut questions: Vec<Question> = Vec::new();
        for r in &rules {
            for f in &r.missing_facts {
                if !questions.iter().any(|q| &q.fact == f) {
                    let spec = self.rulebook.facts.get(f);
                    questions.push(Question {
                        fact: f.clone(),
                        zh: spec.map(|s| s.question.zh.clone()).unwrap_or_default(),
                        en: spec.map(|s| s.question.en.clone()).unwrap_or_default(),
                    });
                }
            }
        }

        if let Some(notice) = &self.parts.illustrative {
            warnings.push(notice.clone());
        }

        let summary = summarise(verdict, &rules, &questions, covered);
        Assessment {
            verdict,
            verdict_zh: verdict.label_zh(),
            summary,
            site: site_summary,
            facts: FactsReport { supplied: derived.supplied.clone(), derived: derived.derived.clone() },
            zones,
            rules,
            questions,
            nearby,
            nearby_radius_m: options.nearby_radius_m,
            proximity: self.proximity_zones(near),
            warnings,
            dataset: self.parts.dataset.clone(),
            rulebook: self.parts.rulebook.clone(),
            engine: concat!("ecogate ", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Assesses a site as the user sent it: the answer echoes the input CRS, the coordinates as sent, the axis order
    /// assumed and the converted lon/lat, and warns when the reading of the input may be wrong: X/Y order assumed,
    /// a site outside China, or a WGS84 point that reads like a GCJ-02 one (`possible_gcj02`).
    pub fn assess_input(&self, input: &SiteInput, facts: &Facts, options: AssessOptions) -> Assessment {
        let mut a = self.assess_with(&input.site, facts, options);
        let o = &input.origin;
        a.site.record_input(o);
        let mut warnings = Vec::new();
        if o.axis_order == AxisOrder::NorthingEasting {
            let [x, y] = o.coordinates;
            warnings.push(Warning::new(
                "axis_order_assumed",
                &format!("坐标按测量习惯读取：第一个数 {x} 为 X（北坐标），第二个数 {y} 为 Y（东坐标）。如非此意，请核对坐标顺序。"),
                &format!("The numbers were read in surveying order: the first, {x}, as X = northing and the second, {y}, as Y = easting (a 7-digit number can only be a northing here). Check that this is what was meant."),
            ));
        }
        let here = Point::new(a.site.lon, a.site.lat);
        if !in_china(here.0) {
            let gcj_note = if matches!(o.crs.as_str(), "gcj02" | "bd09") { " GCJ-02 is the identity outside China, so the GCJ-02 offset was not applied." } else { "" };
            let gcj_note_zh = if gcj_note.is_empty() { "" } else { "GCJ-02 在中国境外不做偏移。" };
            warnings.push(Warning::new(
                "outside_china",
                &format!("转换后的选址（{:.6}, {:.6}）位于中国范围之外，请核对坐标及其坐标系（{}）。{gcj_note_zh}", here.x(), here.y(), o.crs),
                &format!("The site ({:.6}, {:.6}) lies outside China after conversion from {}: check the coordinates and their CRS.{gcj_note}", here.x(), here.y(), o.crs),
            ));
        } else if o.plain_lon_lat {
            warnings.extend(self.possible_gcj02(&input.site));
        }
        let at = a.warnings.iter().position(|w| w.code == "illustrative_data").unwrap_or(a.warnings.len());
        a.warnings.splice(at..at, warnings);
        a
    }

    /// Fills each line hit's `crossings` (enter/leave chainage, see [`crate::chainage`]). `zones` and `overlaps` are
    /// parallel (one hit per overlap, same order).
    fn add_chainage(&self, line: &geo::MultiLineString<f64>, overlaps: &[crate::index::Overlap], zones: &mut [ZoneHit]) {
        for (o, hit) in overlaps.iter().zip(zones.iter_mut()) {
            let parts: Vec<&geo::Polygon<f64>> = self.index.zone(o.zone).geometry.0.iter().collect();
            hit.crossings = crate::chainage::crossings(line, &parts);
        }
    }

    /// Zones near the site by the rulebook's proximity bands (geodesic distances), nearest first; see
    /// [`crate::proximity`].
    pub fn proximity(&self, site: &Site, touching: &[ZoneId]) -> Vec<ProximityZone> {
        self.proximity_zones(crate::proximity::near(&self.index, &self.rulebook.proximity, site, touching))
    }

    /// A band's label, from those made at load (every band is the rulebook's; any other is formatted here).
    fn band_label(&self, band_m: f64) -> Shared<str> {
        match self.parts.band_labels.iter().find(|(b, _)| *b == band_m) {
            Some((_, label)) => label.clone(),
            None => Shared::from(crate::proximity::band_label(band_m).as_str()),
        }
    }

    fn proximity_zones(&self, near: Vec<crate::proximity::Near>) -> Vec<ProximityZone> {
        near.into_iter()
            .map(|n| ProximityZone {
                zone: self.parts.zones[n.zone].zref.clone(),
                distance_m: (n.distance_m * 10.0).round() / 10.0,
                band_m: n.band_m,
                band: self.band_label(n.band_m),
            })
            .collect()
    }

    /// The zones a site touches, as `code (name)`: the same zones as [`ZoneIndex::overlaps`], found with
    /// intersection tests only (no overlap areas), so a second reading of a large footprint stays cheap.
    fn zone_labels(&self, site: &Site) -> BTreeSet<String> {
        let ids: Vec<ZoneId> = match site {
            Site::Point(p) => self.index.zones_at(*p),
            _ => {
                let Some(rect) = site.bounding_rect() else { return BTreeSet::new() };
                self.index
                    .parts_in_rect(rect)
                    .into_iter()
                    .filter(|(_, parts)| {
                        parts.iter().any(|part| match site {
                            Site::Line(l) => part.intersects(l),
                            Site::Footprint(f) => part.intersects(f),
                            Site::Point(p) => part.intersects(p),
                        })
                    })
                    .map(|(id, _)| id)
                    .collect()
            }
        };
        ids.into_iter()
            .map(|id| {
                let z = self.index.zone(id);
                format!("{} ({})", z.code, z.name)
            })
            .collect()
    }

    /// A second lookup with the coordinates read as GCJ-02: if that changes the zones hit, the request's "WGS84"
    /// may really be a phone map app's GCJ-02, and the answer says what it would be then.
    fn possible_gcj02(&self, site: &Site) -> Option<Shared<Warning>> {
        let as_gcj = |c: geo::Coord<f64>| gcj::gcj02_to_wgs84(c);
        let alternative = match site {
            Site::Point(p) => Site::Point(p.map_coords(as_gcj)),
            Site::Line(l) => Site::Line(l.map_coords(as_gcj)),
            Site::Footprint(f) => Site::Footprint(f.map_coords(as_gcj)),
        };
        let (now, then) = (self.zone_labels(site), self.zone_labels(&alternative));
        if now == then {
            return None;
        }
        let shift = match (site, &alternative) {
            (Site::Point(p), Site::Point(q)) => Haversine.distance(*p, *q),
            _ => {
                let c = SiteSummary::of(site);
                let p = Point::new(c.lon, c.lat);
                Haversine.distance(p, Point(as_gcj(p.0)))
            }
        };
        let list = |s: &BTreeSet<String>, none: &str| if s.is_empty() { none.to_string() } else { s.iter().cloned().collect::<Vec<_>>().join(", ") };
        Some(Warning::new(
            "possible_gcj02",
            &format!(
                "若坐标取自高德、腾讯等手机地图（GCJ-02 火星坐标）而非 WGS84，实际位置约偏 {shift:.0} 米，涉及的分区将不同：按 WGS84 为 {}；按 GCJ-02 为 {}。如坐标来自手机地图，请以 crs=gcj02（百度为 bd09）重新提交。",
                list(&now, "无"),
                list(&then, "无")
            ),
            &format!(
                "If these coordinates came from a phone map app (Amap, Tencent: GCJ-02) rather than WGS84, the site is about {shift:.0} m away and in different zones: read as WGS84 it is in {}; read as GCJ-02 it would be in {}. If they came from a map app, send them again with crs=gcj02 (bd09 for Baidu).",
                list(&now, "no zone"),
                list(&then, "no zone")
            ),
        ))
    }

    fn applied(&self, i: usize, zone: Option<&ZoneParts>, citation: &Shared<CitationOut>, ev: Evaluation) -> AppliedRule {
        let rule = &self.rulebook.rules[i];
        let ask = |facts: &[String]| {
            facts
                .iter()
                .map(|f| self.parts.questions.get(f).cloned().unwrap_or_else(|| Shared::from(self.rulebook.question(f).as_str())))
                .collect::<Vec<_>>()
        };
        AppliedRule {
            rule_id: rule.id.clone(),
            title: self.parts.titles[i].clone(),
            outcome: ev.outcome,
            zone_code: zone.map(|z| z.zref.code.clone()),
            zone_name: zone.map(|z| z.zref.name.clone()),
            conditions: if matches!(ev.outcome, Outcome::Restricted | Outcome::Prohibited | Outcome::Permitted) {
                self.parts.conditions[i].clone()
            } else {
                self.parts.no_conditions.clone()
            },
            reason: ev.reason,
            questions: ask(&ev.missing),
            exceptions_not_claimed: ask(&ev.exceptions_not_claimed),
            missing_facts: ev.missing,
            citation: citation.clone(),
        }
    }
}

fn fill_zone(template: &str, z: &Zone) -> String {
    // Most citation texts have no placeholder: skip the six scans and copies. A byte search for `{` first: building
    // the substring searcher for "{zone." cost more than the rest of the rule (three calls per applied rule).
    if !template.as_bytes().contains(&b'{') || !template.contains("{zone.") {
        return template.to_string();
    }
    let r = &z.requirements;
    let or_dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    template
        .replace("{zone.code}", &z.code)
        .replace("{zone.name}", &z.name)
        .replace("{zone.spatial_layout}", &or_dash(&r.spatial_layout))
        .replace("{zone.pollutant_discharge}", &or_dash(&r.pollutant_discharge))
        .replace("{zone.risk_control}", &or_dash(&r.risk_control))
        .replace("{zone.resource_efficiency}", &or_dash(&r.resource_efficiency))
}

fn summarise(verdict: Verdict, rules: &[AppliedRule], questions: &[Question], covered: bool) -> String {
    if !covered {
        return "Outside the loaded data's coverage: no verdict.".into();
    }
    let ids = |o: Outcome| rules.iter().filter(|r| r.outcome == o).map(|r| r.rule_id.as_str()).collect::<Vec<_>>();
    match verdict {
        Verdict::Prohibited => format!("Prohibited by {}.", ids(Outcome::Prohibited).join(", ")),
        Verdict::Undetermined => format!(
            "Undetermined: answer {} to decide {}.",
            questions.iter().map(|q| q.fact.as_str()).collect::<Vec<_>>().join(", "),
            ids(Outcome::Undetermined).join(", ")
        ),
        Verdict::Restricted => format!("Restricted: conditions of {} apply.", ids(Outcome::Restricted).join(", ")),
        Verdict::Permitted => "Permitted: no rule prohibits or restricts the project here; the zones' requirements still apply.".into(),
    }
}

/// The answer. The same structure serves the CLI's `--json` and the HTTP API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub verdict: Verdict,
    pub verdict_zh: &'static str,
    pub summary: String,
    pub site: SiteSummary,
    pub facts: FactsReport,
    pub zones: Vec<ZoneHit>,
    pub rules: Vec<AppliedRule>,
    /// Questions whose answers would decide undetermined rules.
    pub questions: Vec<Question>,
    /// Zones of other kinds within the radius that the site does not touch, nearest first (so the first of each kind
    /// is the nearest zone of that kind).
    pub nearby: Vec<NearbyZone>,
    /// The radius `nearby` was searched in, metres.
    pub nearby_radius_m: f64,
    /// Zones the site does not touch within the rulebook's proximity bands for their kind (default 500 m, 1 km, 5 km;
    /// none for control units), nearest first, with geodesic distances.
    pub proximity: Vec<ProximityZone>,
    #[schema(value_type = Vec<Warning>)]
    pub warnings: Vec<Shared<Warning>>,
    #[schema(value_type = DatasetInfo)]
    pub dataset: Shared<DatasetInfo>,
    #[schema(value_type = RulebookRef)]
    pub rulebook: Shared<RulebookRef>,
    pub engine: &'static str,
}

/// A part of an answer shared with other answers (dataset identity, zone identities, filled citations): built once
/// at load and counted, not copied, into each answer. Reads as the value (`Deref`) and serialises as it.
///
/// Most parts also carry their JSON, rendered once at load ([`Shared::new`]): an answer is ≈ 9 KB of JSON, mostly
/// these parts (citations, rule titles, questions), and escaping their strings again for every answer cost as much as
/// a third of a point assessment. The rendered text is what serde_json writes for the value (compact), so a compact
/// answer is byte for byte the same; a pretty printer would copy these parts compact, so pretty output is transcoded
/// from the compact text (the CLI's `--json`). A part serialised with `#[serde(flatten)]` (a zone's identity in hits, nearby and
/// proximity entries) cannot be raw JSON and is made with [`Shared::unrendered`]. (Splicing the rendered identity
/// into each entry by hand was tried: serde_json validates raw JSON made at run time by parsing it, which cost more
/// than the escaping it saved.)
pub struct Shared<T: ?Sized>(Arc<SharedPart<T>>);

struct SharedPart<T: ?Sized> {
    json: Option<Box<serde_json::value::RawValue>>,
    value: Box<T>,
}

impl<T: ?Sized + Serialize> Shared<T> {
    fn boxed(value: Box<T>) -> Self {
        // Rendering cannot fail for these plain data types; if it ever did, the value is serialised each time.
        let json = serde_json::value::to_raw_value(&*value).ok();
        Shared(Arc::new(SharedPart { json, value }))
    }
}

impl<T: Serialize> Shared<T> {
    /// A shared part with its JSON rendered now.
    pub fn new(v: T) -> Self {
        Shared::boxed(Box::new(v))
    }

    /// A shared part serialised field by field each time: raw JSON cannot be `#[serde(flatten)]`ed into a parent.
    pub fn unrendered(v: T) -> Self {
        Shared(Arc::new(SharedPart { json: None, value: Box::new(v) }))
    }
}

impl<T: ?Sized> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T: Serialize> From<T> for Shared<T> {
    fn from(v: T) -> Self {
        Shared::new(v)
    }
}

impl From<&str> for Shared<str> {
    fn from(s: &str) -> Self {
        Shared::boxed(Box::from(s))
    }
}

impl<T: ?Sized> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + std::fmt::Display> std::fmt::Display for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl PartialEq<str> for Shared<str> {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}

impl PartialEq<&str> for Shared<str> {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

impl<T: ?Sized + Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0.json {
            Some(json) => json.serialize(s),
            None => self.0.value.serialize(s),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SiteSummary {
    pub geometry_type: &'static str,
    /// The working CRS the site was assessed in.
    pub crs: &'static str,
    /// Representative point (the point itself, or the centroid), lon/lat.
    pub lon: f64,
    pub lat: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    /// The CRS the coordinates were sent in, resolved (`wgs84`, `gcj02`, `cgcs2000-gk3:38`, `EPSG:32650`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_crs: Option<String>,
    /// Its EPSG code, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_crs_epsg: Option<String>,
    /// The Helmert parameters applied (Xi'an 1980 / Beijing 1954 input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_towgs84: Option<Vec<f64>>,
    /// The coordinate text as sent (`--at`, `at=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_text: Option<String>,
    /// The point, or the first position of a line or footprint, as sent (first number first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_coordinates: Option<[f64; 2]>,
    /// The same position converted to working lon/lat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted_coordinates: Option<[f64; 2]>,
    /// How the two numbers were read: lon_lat, lat_lon, easting_northing or northing_easting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axis_order_assumed: Option<AxisOrder>,
    /// What was done to the numbers, in words (PROJ operation, GCJ-02 inverse, none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_transformation: Option<String>,
}

impl SiteSummary {
    fn of(site: &Site) -> SiteSummary {
        let bbox = site.bounding_rect().map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        let (geometry_type, c, area_m2, length_m) = match site {
            Site::Point(p) => ("Point", Some(*p), None, None),
            Site::Line(l) => ("LineString", l.centroid(), None, Some(geodesic_length(l))),
            Site::Footprint(f) => ("Polygon", f.centroid(), Some(geodesic_area(f)), None),
        };
        let c = c.or_else(|| site.bounding_rect().map(|r| r.center().into())).unwrap_or_default();
        SiteSummary {
            geometry_type,
            crs: crate::crs::WORKING_CRS,
            lon: c.x(),
            lat: c.y(),
            bbox: if matches!(site, Site::Point(_)) { None } else { bbox },
            area_m2,
            length_m,
            input_crs: None,
            input_crs_epsg: None,
            input_towgs84: None,
            input_text: None,
            input_coordinates: None,
            converted_coordinates: None,
            axis_order_assumed: None,
            input_transformation: None,
        }
    }

    fn record_input(&mut self, o: &InputOrigin) {
        self.input_crs = Some(o.crs.clone());
        self.input_crs_epsg = o.epsg.clone();
        self.input_towgs84 = o.towgs84.clone();
        self.input_text = o.text.clone();
        self.input_coordinates = Some(o.coordinates);
        self.converted_coordinates = Some(o.converted);
        self.axis_order_assumed = Some(o.axis_order);
        self.input_transformation = Some(o.transformation.clone());
    }

    fn measure(&self) -> Option<f64> {
        self.area_m2.or(self.length_m)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FactsReport {
    #[schema(value_type = BTreeMap<String, FactValue>)]
    pub supplied: Shared<Facts>,
    #[schema(value_type = Vec<DerivedFact>)]
    pub derived: Shared<Vec<DerivedFact>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DerivedFact {
    pub fact: String,
    pub value: FactValue,
    pub because: Text,
}

/// Which zone: the identity shared by hits and nearby zones. Flattened into them, so it cannot be written as one
/// piece of pre-rendered JSON; its strings are (each a [`Shared<str>`]), which spares escaping them per answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneRef {
    #[schema(value_type = String)]
    pub layer: Shared<str>,
    pub kind: ZoneKind,
    #[schema(value_type = String)]
    pub code: Shared<str>,
    #[schema(value_type = String)]
    pub name: Shared<str>,
    /// class / level / reserve zone / category
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub grade: Option<Shared<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub grade_zh: Option<Shared<str>>,
}

impl ZoneRef {
    fn of(z: &Zone) -> ZoneRef {
        ZoneRef {
            layer: Shared::from(z.layer.as_str()),
            kind: z.kind(),
            code: Shared::from(z.code.as_str()),
            name: Shared::from(z.name.as_str()),
            grade: z.detail.grade().map(Shared::from),
            grade_zh: z.detail.grade_zh().map(Shared::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneHit {
    #[serde(flatten)]
    #[schema(value_type = ZoneRef)]
    pub zone: Shared<ZoneRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subclass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_area_m2: Option<f64>,
    /// Share of the footprint inside this zone (0–1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crossing_length_m: Option<f64>,
    /// Lines: each pass through the zone with its chainage (km from the line's start), by `enter_km`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crossings: Vec<crate::chainage::Crossing>,
    #[serde(skip_serializing_if = "Requirements::is_empty")]
    #[schema(value_type = Requirements)]
    pub requirements: Shared<Requirements>,
}

impl ZoneHit {
    fn new(z: &Zone, parts: &ZoneParts, area: Option<f64>, share: Option<f64>, length: Option<f64>) -> ZoneHit {
        ZoneHit {
            zone: parts.zref.clone(),
            subclass: z.subclass.clone(),
            overlap_area_m2: area,
            overlap_share: share,
            crossing_length_m: length,
            crossings: Vec::new(),
            requirements: parts.requirements.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppliedRule {
    pub rule_id: String,
    #[schema(value_type = Text)]
    pub title: Shared<Text>,
    pub outcome: Outcome,
    /// The zone the rule was applied for; none for jurisdiction-wide rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub zone_code: Option<Shared<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub zone_name: Option<Shared<str>>,
    #[serde(skip_serializing_if = "no_conditions")]
    #[schema(value_type = Vec<Text>)]
    pub conditions: Shared<Vec<Text>>,
    /// Why a rule did not trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_facts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub questions: Vec<Shared<str>>,
    /// Exceptions the law allows that the request did not claim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub exceptions_not_claimed: Vec<Shared<str>>,
    #[schema(value_type = CitationOut)]
    pub citation: Shared<CitationOut>,
}

fn no_conditions(c: &Shared<Vec<Text>>) -> bool {
    c.is_empty()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitationOut {
    pub instrument: String,
    pub article: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Question {
    pub fact: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NearbyZone {
    #[serde(flatten)]
    #[schema(value_type = ZoneRef)]
    pub zone: Shared<ZoneRef>,
    pub distance_m: f64,
}

/// A zone within a proximity band of the site (see [`crate::proximity`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProximityZone {
    #[serde(flatten)]
    #[schema(value_type = ZoneRef)]
    pub zone: Shared<ZoneRef>,
    /// Geodesic distance from the site to the zone, m (0.1 m).
    pub distance_m: f64,
    /// The smallest band holding the distance, m.
    pub band_m: f64,
    /// The band as text: `≤500 m`, `≤1 km`, `≤5 km`.
    #[schema(value_type = String)]
    pub band: Shared<str>,
}

impl NearbyZone {
    fn new(zone: Shared<ZoneRef>, distance_m: f64) -> NearbyZone {
        NearbyZone { zone, distance_m: (distance_m * 10.0).round() / 10.0 }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Warning {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Warning {
    /// Shared like the other answer parts: the illustrative-data notice is made once at load and is in every answer.
    fn new(code: &str, zh: &str, en: &str) -> Shared<Warning> {
        Shared::from(Warning { code: code.into(), zh: zh.into(), en: en.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_part_serialises_byte_for_byte_as_its_value() {
        let c = CitationOut {
            instrument: "《饮用水水源保护区污染防治管理规定》".into(),
            article: "第十二条".into(),
            text: "禁止新建、扩建向水体排放污染物的建设项目。\"引号\"\n换行".into(),
            source: None,
            verified: true,
            note: Some("note".into()),
        };
        let shared = Shared::new(c.clone());
        assert_eq!(serde_json::to_string(&shared).unwrap(), serde_json::to_string(&c).unwrap());
        assert_eq!(serde_json::to_value(&shared).unwrap(), serde_json::to_value(&c).unwrap());
        let s: Shared<str> = Shared::from("水源\u{1}");
        assert_eq!(serde_json::to_string(&s).unwrap(), serde_json::to_string("水源\u{1}").unwrap());
    }

    #[test]
    fn an_unrendered_part_can_be_flattened() {
        let z = ZoneRef { layer: "w".into(), kind: ZoneKind::WaterSource, code: "W1".into(), name: "水源".into(), grade: None, grade_zh: None };
        let hit = NearbyZone { zone: Shared::unrendered(z), distance_m: 12.5 };
        assert_eq!(
            serde_json::to_string(&hit).unwrap(),
            r#"{"layer":"w","kind":"water_source","code":"W1","name":"水源","distance_m":12.5}"#
        );
    }
}
