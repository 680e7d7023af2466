//! Human-readable renderings of assessments, layers, rules and validation reports for the terminal. The JSON
//! forms are the serde structures themselves.

use crate::assess::{Assessment, Engine};
use crate::crs::AxisOrder;
use crate::ingest::ValidationReport;
use crate::rules::{Outcome, Rulebook};
use std::fmt::Write;

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Prohibited => "PROHIBITED 禁止",
        Outcome::Undetermined => "UNDETERMINED 待定",
        Outcome::Restricted => "RESTRICTED 限制",
        Outcome::Permitted => "PERMITTED 允许",
        Outcome::NotTriggered => "not triggered 不适用",
    }
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
        for d in &a.facts.derived {
            let _ = writeln!(s, "  derived {}={} — {}", d.fact, d.value, d.because.en);
        }
    }

    let _ = writeln!(s, "\nZones hit 涉及分区 ({}):", a.zones.len());
    for z in &a.zones {
        let grade = z.zone.grade_zh.clone().or_else(|| z.zone.grade.clone()).unwrap_or_default();
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
        for cond in &r.conditions {
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
