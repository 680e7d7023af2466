//! Human-readable renderings of assessments, layers, rules and validation reports for the terminal (this file), and
//! the printable report of an assessment (HTML and PDF, with a map figure) in the submodules. The JSON forms are the
//! serde structures themselves.
//!
//! The printable report is rendered from the assessment's JSON as answered ([`model::AssessmentDoc`]), so a
//! recorded answer gives the same report later; only the figure's zone shapes come from the loaded dataset.

pub mod figure;
pub mod font;
pub mod html;
pub mod content;
pub mod model;
pub mod pdf;
mod style;

use crate::assess::{Assessment, Engine};
use crate::crs::AxisOrder;
use crate::ingest::ValidationReport;
use crate::rules::{Outcome, Rulebook};
use std::fmt::Write;

fn outcome_label(o: Outcome) -> String {
    let en = if o == Outcome::NotTriggered { o.label_en().to_string() } else { o.label_en().to_uppercase() };
    format!("{en} {}", o.label_zh())
}

pub fn assessment_text(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Verdict 结论: {} ({})", a.verdict.as_str().to_uppercase(), a.verdict_zh);
    let _ = writeln!(s, "{}", a.summary);
    let site = &a.site;
    let _ = write!(s, "Site 选址: {} at {:.6}, {:.6} ({})", site.geometry_type, site.lon, site.lat, site.crs);
    if let Some(m2) = site.area_m2 {
        let _ = write!(s, ", area {:.1} m² ({:.4} ha)", m2, m2 / 10_000.0);
    }
    if let Some(m) = site.length_m {
        let _ = write!(s, ", length {m:.1} m");
    }
    s.push('\n');
    s.push_str(&input_line(a));
    if !a.facts.supplied.is_empty() || !a.facts.derived.is_empty() {
        let supplied: Vec<String> = a.facts.supplied.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(s, "Facts 项目信息: {}", if supplied.is_empty() { "(none)".into() } else { supplied.join(", ") });
        for d in a.facts.derived.iter() {
            let _ = writeln!(s, "  derived {}={} — {}", d.fact, d.value, d.because.en);
        }
    }

    let _ = writeln!(s, "\nZones hit 涉及分区 ({}):", a.zones.len());
    for z in &a.zones {
        let grade = z.zone.grade_zh.as_deref().or(z.zone.grade.as_deref()).unwrap_or_default();
        let _ = write!(s, "  [{}] {} {} {}", z.zone.kind, z.zone.code, z.zone.name, grade);
        if let (Some(m2), Some(share)) = (z.overlap_area_m2, z.overlap_share) {
            let _ = write!(s, " — overlap {:.1} m² ({:.1}% of footprint)", m2, share * 100.0);
        }
        if let Some(m) = z.crossing_length_m {
            let _ = write!(s, " — crossing {m:.1} m");
        }
        for c in &z.crossings {
            let _ = write!(s, "\n      km {:.3}–{:.3} ({:.0} m)", c.enter_km, c.leave_km, c.length_m);
        }
        s.push('\n');
        for (dim, text) in z.requirements.dimensions() {
            let _ = writeln!(s, "      {dim}: {text}");
        }
    }

    let _ = writeln!(s, "\nRules 适用规则:");
    for r in &a.rules {
        let zone = r.zone_code.as_deref().map(|c| format!(" @ {c}")).unwrap_or_else(|| " @ jurisdiction".into());
        let _ = writeln!(s, "  {:<22} {}{} — {}", outcome_label(r.outcome), r.rule_id, zone, r.title.zh);
        if r.outcome == Outcome::NotTriggered {
            if let Some(reason) = &r.reason {
                let _ = writeln!(s, "      ({reason})");
            }
            continue;
        }
        let c = &r.citation;
        let _ = writeln!(
            s,
            "      basis 依据: {} {}{}",
            c.instrument,
            c.article,
            if c.verified { "" } else { " [wording not verified 未核实]" }
        );
        let _ = writeln!(s, "      「{}」", c.text);
        for cond in r.conditions.iter() {
            let _ = writeln!(s, "      condition 条件: {}", cond.zh);
        }
        for q in &r.questions {
            let _ = writeln!(s, "      needs 需补充: {q}");
        }
        for q in &r.exceptions_not_claimed {
            let _ = writeln!(s, "      exception not claimed 未主张的例外: {q}");
        }
    }

    if !a.questions.is_empty() {
        let _ = writeln!(s, "\nQuestions to decide 待补充信息:");
        for q in &a.questions {
            let _ = writeln!(s, "  --fact {}=…  {} / {}", q.fact, q.zh, q.en);
        }
    }
    if !a.nearby.is_empty() {
        let _ = writeln!(s, "\nNearby 周边分区 (within radius):");
        for n in &a.nearby {
            let _ = writeln!(s, "  {:>8.1} m  [{}] {} {} {}", n.distance_m, n.zone.kind, n.zone.code, n.zone.name, n.zone.grade.as_deref().unwrap_or(""));
        }
    }
    if !a.proximity.is_empty() {
        let _ = writeln!(s, "\nProximity 周边缓冲区 (geodesic):");
        for p in &a.proximity {
            let _ = writeln!(s, "  {:>8} {:>9.1} m  [{}] {} {}", p.band, p.distance_m, p.zone.kind, p.zone.code, p.zone.name);
        }
    }
    if !a.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings 提示:");
        for w in &a.warnings {
            let _ = writeln!(s, "  [{}] {} / {}", w.code, w.zh, w.en);
        }
    }
    let _ = writeln!(s, "\nDataset 数据版本: {} ({})", a.dataset.version, a.dataset.title);
    let _ = writeln!(s, "Rulebook 规则版本: {} {}", a.rulebook.id, a.rulebook.version);
    s
}

/// How the input was read (CRS, axis order, conversion), unless it was plain WGS84 lon/lat numbers.
fn input_line(a: &Assessment) -> String {
    let s = &a.site;
    let (Some(crs), Some([x, y]), Some(axis)) = (&s.input_crs, s.input_coordinates, s.axis_order_assumed) else {
        return String::new();
    };
    if crs == "wgs84" && axis == AxisOrder::LonLat && s.input_text.is_none() {
        return String::new();
    }
    let epsg = s.input_crs_epsg.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
    let sent = s.input_text.as_deref().map(|t| format!("\"{t}\" = ")).unwrap_or_default();
    let converted = s.converted_coordinates.map(|[lon, lat]| format!(" → {lon:.7}, {lat:.7}")).unwrap_or_default();
    format!("Input 输入: {crs}{epsg}, {sent}({x}, {y}) read as {} / {}{converted}\n", axis.describe(), axis.describe_zh())
}

pub fn layers_text(e: &Engine) -> String {
    let mut s = String::new();
    let d = &e.dataset;
    let _ = writeln!(s, "Dataset {} — {}\nversion {}", d.id, d.title, d.version);
    if d.illustrative {
        let _ = writeln!(s, "ILLUSTRATIVE 示例数据: {}", d.notice_en.as_deref().unwrap_or("not official boundaries"));
    }
    for l in &e.layers {
        let _ = writeln!(
            s,
            "  {:<16} {:<15} {:<22} {:>4} zones  (source CRS {})",
            l.id,
            l.kind.as_str(),
            l.category.as_deref().or(l.title.as_deref()).unwrap_or(""),
            l.zones_loaded,
            l.source_crs
        );
    }
    if !e.validation.problems.is_empty() {
        let _ = writeln!(s, "{} validation note(s): run `ecogate validate` for details", e.validation.problems.len());
    }
    s
}

pub fn rules_text(book: &Rulebook) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Rulebook {} {} — {}", book.info.id, book.version, book.info.title);
    for r in &book.rules {
        let sel = &r.applies_to;
        let target = match (sel.kind, sel.scope) {
            (Some(k), _) => k.as_str().to_string(),
            (None, crate::rules::Scope::Jurisdiction) => format!("jurisdiction {}", sel.admin_codes.join(",")),
            (None, _) => "any zone".into(),
        };
        let _ = writeln!(s, "  {:<36} {:<11} {:<28} {}", r.id, format!("{:?}", r.effect).to_lowercase(), target, r.title.zh);
        let _ = writeln!(
            s,
            "      {} {}{}",
            r.citation.instrument,
            r.citation.article,
            if r.citation.verified { "" } else { " [not verified]" }
        );
    }
    s
}

pub fn validation_text(report: &ValidationReport) -> String {
    let mut s = String::new();
    for p in &report.problems {
        let _ = writeln!(
            s,
            "  {:<9} {:<22} layer {} feature {} {}: {}",
            format!("{:?}", p.action).to_lowercase(),
            format!("{:?}", p.problem),
            p.layer,
            p.feature_id.map_or("-".into(), |f| f.to_string()),
            p.code.as_deref().unwrap_or(""),
            p.message
        );
    }
    s
}

/// Language of a printable report. Chinese is the default: EIA files are written in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` / `en` (also `zh-CN`, `en-US` …).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        match s.split(['-', '_']).next() {
            Some("zh") => Some(Lang::Zh),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// The HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A heading: Chinese with its English name (as the product's other bilingual headings), or English alone.
    pub fn heading(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => format!("{zh} {en}"),
            Lang::En => en.to_string(),
        }
    }
}

/// Output form of a printable report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    /// The map figure alone, as SVG or PNG (for embedding in other documents, and for checking the figure).
    Svg,
    Png,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

/// Why a report could not be made. Input problems (a stored answer that is not an assessment) are told apart from
/// rendering problems (font, SVG, PDF writer), which are the server's.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the recorded answer is not an assessment this version can read: {0}")]
    Assessment(#[from] serde_json::Error),
    #[error(transparent)]
    Font(#[from] font::FontError),
    #[error("the map figure could not be rendered: {0}")]
    Figure(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Everything a printable report shows: the assessment as answered, the site geometry it was made for, and the
/// report's identity.
pub struct ReportInput {
    pub meta: model::ReportMeta,
    pub doc: model::AssessmentDoc,
    /// The site as assessed, in the working CRS (from the request, or the audit record's GeoJSON).
    pub site: crate::index::Site,
}

impl ReportInput {
    /// From an assessment's JSON (as answered or as recorded) and the site assessed.
    pub fn from_json(meta: model::ReportMeta, assessment: &serde_json::Value, site: crate::index::Site) -> Result<ReportInput, ReportError> {
        let doc: model::AssessmentDoc = serde_json::from_value(assessment.clone())?;
        Ok(ReportInput { meta, doc, site })
    }

    /// From a fresh assessment: serialised first, so a fresh and a recorded answer go through the same reading.
    pub fn from_assessment(meta: model::ReportMeta, assessment: &crate::assess::Assessment, site: crate::index::Site) -> Result<ReportInput, ReportError> {
        let value = serde_json::to_value(assessment)?;
        ReportInput::from_json(meta, &value, site)
    }
}

/// Renders the report (or its figure) in `format`: the figure is drawn from `engine`'s zones around the site.
pub fn render(engine: &Engine, input: &ReportInput, lang: Lang, format: Format, font: &font::ReportFont) -> Result<Vec<u8>, ReportError> {
    let fig = figure::Figure::build(engine, input, lang);
    match format {
        Format::Svg => Ok(fig.svg.into_bytes()),
        Format::Png => fig.png(font),
        Format::Html => Ok(html::render(input, &fig, lang).into_bytes()),
        Format::Pdf => pdf::render(input, &fig, lang, font),
    }
}
