//! What the printable report says, in order, independent of HTML or PDF: a list of blocks both renderers draw.
//! Keeping the wording here (once) means the HTML and the PDF of one assessment cannot disagree.

use super::model::{AssessmentDoc, Origin, RuleDoc, ZoneHitDoc};
use super::{Lang, ReportInput};
use crate::assess::Verdict;
use crate::rules::Outcome;

/// One piece of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title { title: String, subtitle: String },
    /// The illustrative-data notice (or any notice the reader must not miss).
    Notice(String),
    Verdict { verdict: Verdict, label: String, summary: String },
    Heading(String),
    Subheading(String),
    Para(String),
    /// Cited legal text, quoted.
    Quote(String),
    /// Label → value pairs (a two-column table).
    Fields(Vec<(String, String)>),
    /// A table: column headings with their share of the width, and rows.
    Table { columns: Vec<(String, f32)>, rows: Vec<Vec<String>> },
    Bullets(Vec<String>),
    /// The map figure with its caption.
    Figure { caption: String },
}

/// The report's title (also the HTML title and the PDF's document title).
pub fn title(lang: Lang) -> String {
    lang.pick("建设项目选址生态环境分区管控符合性筛查报告", "Siting screening report: ecological zoning").to_string()
}

/// A table cell, a field value or a paragraph that would otherwise be empty.
const DASH: &str = "—";

pub fn blocks(input: &ReportInput, caption: &str, lang: Lang) -> Vec<Block> {
    let d = &input.doc;
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let h = |zh: &str, en: &str| Block::Heading(lang.heading(zh, en));
    let mut out = vec![Block::Title {
        title: title(lang),
        subtitle: t("“三线一单”环境管控单元、生态保护红线、饮用水水源保护区、自然保护地等", "Environmental control units (三线一单), ecological red lines, drinking-water source protection zones, nature reserves and other zoning layers"),
    }];

    let meta = &input.meta;
    let origin = match &meta.origin {
        Origin::Cli => t("命令行生成，未记录（编号仅在本文件内有效）", "CLI, not recorded (the id is local to this file)"),
        Origin::Recorded { recorded_at, client } => {
            let who = client.as_deref().map(|c| format!(" · {c}")).unwrap_or_default();
            format!("{} {recorded_at}{who}", t("评估记录于", "assessment recorded at"))
        }
    };
    out.push(Block::Fields(vec![
        (t("报告编号", "Report id"), meta.id.clone()),
        (t("生成时间", "Generated"), meta.generated_at.clone()),
        (t("来源", "Origin"), origin),
        (t("评估引擎", "Engine"), or_dash(&d.engine)),
    ]));

    if d.dataset.illustrative {
        let notice = match lang {
            Lang::Zh => d.dataset.notice_zh.clone().or_else(|| d.dataset.notice_en.clone()),
            Lang::En => d.dataset.notice_en.clone().or_else(|| d.dataset.notice_zh.clone()),
        }
        .unwrap_or_else(|| t("示例数据，非官方边界，不得用于审批。", "Illustrative data, not official boundaries: not for approvals."));
        // The dataset's own notice usually opens with "示例数据" / "Illustrative"; say it only when it does not.
        let says_it = notice.contains("示例") || notice.to_lowercase().contains("illustrative");
        out.push(Block::Notice(if says_it { notice } else { format!("{} {notice}", t("示例数据：", "Illustrative data:")) }));
    }

    out.push(h("结论", "Verdict"));
    out.push(Block::Verdict { verdict: d.verdict, label: verdict_label(d.verdict, lang), summary: summary(d, lang) });

    out.push(h("项目信息", "Project facts"));
    let mut facts: Vec<Vec<String>> =
        d.facts.supplied.iter().map(|(k, v)| vec![k.clone(), v.to_string(), t("申请人提供", "stated")]).collect();
    for x in &d.facts.derived {
        facts.push(vec![x.fact.clone(), x.value.to_string(), format!("{}{}", t("依法推定：", "derived: "), lang.pick(&x.because.zh, &x.because.en))]);
    }
    if facts.is_empty() {
        out.push(Block::Para(t("未提供项目信息。", "No project facts were given.")));
    } else {
        out.push(Block::Table { columns: vec![(t("事项", "Fact"), 0.3), (t("取值", "Value"), 0.2), (t("来源", "Source"), 0.5)], rows: facts });
    }

    out.push(h("选址", "Site location"));
    out.push(Block::Fields(site_fields(d, lang)));
    out.push(Block::Figure { caption: caption.to_string() });

    out.push(h("涉及的管控分区", "Zones the site lies in"));
    if d.zones.is_empty() {
        out.push(Block::Para(t("选址不在任何已加载的管控分区内。", "The site lies in none of the loaded zones.")));
    } else {
        let rows = d.zones.iter().map(|z| zone_row(z, d, lang)).collect();
        out.push(Block::Table {
            columns: vec![(t("编码", "Code"), 0.22), (t("名称", "Name"), 0.28), (t("类别 / 级别", "Kind / class"), 0.25), (t("重叠", "Overlap"), 0.25)],
            rows,
        });
    }

    let crossed: Vec<&ZoneHitDoc> = d.zones.iter().filter(|z| !z.crossings.is_empty()).collect();
    if !crossed.is_empty() {
        out.push(h("线路穿越里程", "Line chainage through the zones"));
        out.push(Block::Para(t(
            "里程自线路起点沿线按椭球面距离起算（K 公里+米）；多段线路各段首尾相接累计。",
            "Chainage is measured geodesically along the line from its first vertex (K km+m); the parts of a multi-part line follow one another.",
        )));
        out.push(Block::Table {
            columns: vec![(t("编码", "Code"), 0.17), (t("名称", "Name"), 0.21), (t("进入", "Enters"), 0.25), (t("离开", "Leaves"), 0.25), (t("长度", "Length"), 0.12)],
            rows: chainage_table(&crossed, lang),
        });
    }

    out.push(h("适用规则及依据", "Rules applied and their legal basis"));
    let applied: Vec<&RuleDoc> = d.rules.iter().filter(|r| r.outcome != Outcome::NotTriggered).collect();
    if applied.is_empty() {
        out.push(Block::Para(t("没有规则被触发。", "No rule was triggered.")));
    }
    for r in &applied {
        out.extend(rule_blocks(r, lang));
    }
    let not_triggered: Vec<Vec<String>> = d
        .rules
        .iter()
        .filter(|r| r.outcome == Outcome::NotTriggered)
        .map(|r| vec![r.rule_id.clone(), r.zone_code.clone().unwrap_or_else(|| t("辖区", "jurisdiction")), or_dash(r.reason.as_deref().unwrap_or(""))])
        .collect();
    if !not_triggered.is_empty() {
        out.push(Block::Subheading(t("已核对但未触发的规则", "Rules checked but not triggered")));
        out.push(Block::Table { columns: vec![(t("规则", "Rule"), 0.34), (t("分区", "Zone"), 0.22), (t("原因", "Why not"), 0.44)], rows: not_triggered });
    }

    if !d.questions.is_empty() {
        out.push(h("待补充的信息", "Questions that decide the verdict"));
        out.push(Block::Bullets(d.questions.iter().map(|q| format!("{}（{}）", lang.pick(&q.zh, &q.en), q.fact)).collect()));
    }

    out.push(h("所在单元的生态环境准入清单要求", "Requirements of the zones (access list, four dimensions)"));
    let with_requirements: Vec<&ZoneHitDoc> = d.zones.iter().filter(|z| !z.requirements.is_empty()).collect();
    if with_requirements.is_empty() {
        out.push(Block::Para(t("所涉分区未载明准入清单要求。", "The zones hit carry no requirement texts.")));
    }
    for z in with_requirements {
        out.push(Block::Subheading(format!("{} {}", z.zone.code, z.zone.name)));
        let r = &z.requirements;
        let dims = [
            ("空间布局约束", "Spatial layout constraints", &r.spatial_layout),
            ("污染物排放管控", "Pollutant discharge control", &r.pollutant_discharge),
            ("环境风险防控", "Environmental risk prevention", &r.risk_control),
            ("资源开发效率要求", "Resource use efficiency", &r.resource_efficiency),
        ];
        out.push(Block::Fields(dims.iter().map(|(zh, en, v)| (lang.heading(zh, en), or_dash(v.as_deref().unwrap_or("")))).collect()));
    }

    out.push(h("周边分区", "Zones nearby"));
    let radius = d.nearby_radius_m.map(|r| format!("{r:.0}")).unwrap_or_else(|| DASH.into());
    if d.nearby.is_empty() {
        out.push(Block::Para(match lang {
            Lang::Zh => format!("选址周边 {radius} 米内没有其他类别的管控分区。"),
            Lang::En => format!("No zone of another kind within {radius} m of the site."),
        }));
    } else {
        out.push(Block::Para(match lang {
            Lang::Zh => format!("选址周边 {radius} 米内、选址未涉及的其他类别分区（按距离由近及远）："),
            Lang::En => format!("Zones of other kinds within {radius} m that the site does not touch, nearest first:"),
        }));
        let rows = d
            .nearby
            .iter()
            .map(|n| {
                vec![format!("{:.0} m", n.distance_m), n.zone.code.clone(), n.zone.name.clone(), kind_grade(&n.zone, lang)]
            })
            .collect();
        out.push(Block::Table {
            columns: vec![(t("距离", "Distance"), 0.14), (t("编码", "Code"), 0.24), (t("名称", "Name"), 0.32), (t("类别 / 级别", "Kind / class"), 0.3)],
            rows,
        });
    }

    out.extend(proximity_blocks(d, lang));

    let warnings: Vec<String> =
        d.warnings.iter().filter(|w| w.code != "illustrative_data").map(|w| lang.pick(&w.zh, &w.en).to_string()).collect();
    if !warnings.is_empty() {
        out.push(h("提示", "Warnings"));
        out.push(Block::Bullets(warnings));
    }

    out.push(h("数据与规则版本", "Dataset and rulebook versions"));
    out.push(Block::Fields(vec![
        (t("数据集", "Dataset"), format!("{} — {}", d.dataset.id, d.dataset.title)),
        (t("数据版本", "Dataset version"), d.dataset.version.clone()),
        (t("规则库", "Rulebook"), d.rulebook.id.clone()),
        (t("规则版本", "Rulebook version"), d.rulebook.version.clone()),
    ]));
    out.push(Block::Para(t(
        "本报告为选址合规性筛查结果，依据上列数据与规则版本得出；分区边界以主管部门发布的正式图件为准。",
        "This report is a screening result, reached on the dataset and rulebook versions above; the official maps published by the competent authorities prevail over the zone boundaries used here.",
    )));
    out
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() { DASH.into() } else { s.to_string() }
}

pub fn verdict_label(v: Verdict, lang: Lang) -> String {
    match lang {
        Lang::Zh => v.label_zh().to_string(),
        Lang::En => v.label_en().to_string(),
    }
}

fn outcome_label(o: Outcome, lang: Lang) -> &'static str {
    lang.pick(o.label_zh(), o.label_en())
}

/// One sentence for the verdict. The assessment's own `summary` is English; the Chinese one is said here from the
/// same facts (the rules of each outcome, the questions).
fn summary(d: &AssessmentDoc, lang: Lang) -> String {
    if lang == Lang::En {
        return d.summary.clone();
    }
    let ids = |o: Outcome| d.rules.iter().filter(|r| r.outcome == o).map(|r| r.rule_id.as_str()).collect::<Vec<_>>().join("、");
    if d.warnings.iter().any(|w| w.code == "outside_coverage") {
        return "选址位于已加载数据的覆盖范围之外，无法判定。".into();
    }
    match d.verdict {
        Verdict::Prohibited => format!("禁止：依据规则 {}，本项目不得在此选址建设。", ids(Outcome::Prohibited)),
        Verdict::Undetermined => format!(
            "无法判定：须补充 {} 后方可对规则 {} 作出判定。",
            d.questions.iter().map(|q| q.fact.as_str()).collect::<Vec<_>>().join("、"),
            ids(Outcome::Undetermined)
        ),
        Verdict::Restricted => format!("限制（有条件准入）：须满足规则 {} 的条件。", ids(Outcome::Restricted)),
        Verdict::Permitted => "允许：没有规则禁止或限制本项目在此建设；所在分区的管控要求仍须落实。".into(),
    }
}

fn site_fields(d: &AssessmentDoc, lang: Lang) -> Vec<(String, String)> {
    let s = &d.site;
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let mut f = Vec::new();
    let kind = match s.geometry_type.as_str() {
        "Point" => t("点", "point"),
        "LineString" => t("线（线性工程）", "line"),
        "Polygon" => t("面（用地范围）", "footprint"),
        other => other.to_string(),
    };
    f.push((t("选址类型", "Site geometry"), kind));
    if let Some(crs) = &s.input_crs {
        let epsg = s.input_crs_epsg.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
        f.push((t("输入坐标系", "Input CRS"), format!("{crs}{epsg}")));
    }
    if let Some(text) = &s.input_text {
        f.push((t("输入坐标文本", "Coordinates as sent (text)"), text.clone()));
    }
    if let Some([x, y]) = s.input_coordinates {
        let axis = s.axis_order_assumed.map(|a| format!("（{}）", lang.pick(a.describe_zh(), a.describe()))).unwrap_or_default();
        let which = if s.geometry_type == "Point" { "" } else { lang.pick("首个顶点 ", "first vertex ") };
        f.push((t("输入坐标", "Coordinates as sent"), format!("{which}{x}, {y}{axis}")));
    }
    if let Some(towgs84) = &s.input_towgs84 {
        f.push((t("七参数", "towgs84"), towgs84.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")));
    }
    if let Some(tr) = &s.input_transformation {
        f.push((t("坐标转换", "Transformation"), tr.clone()));
    }
    if let Some([lon, lat]) = s.converted_coordinates {
        f.push((t("转换后坐标（CGCS2000 经纬度）", "Converted (CGCS2000 lon, lat)"), format!("{lon:.7}, {lat:.7}")));
    }
    let crs = if s.crs.is_empty() { "EPSG:4490".to_string() } else { s.crs.clone() };
    let rep = if s.geometry_type == "Point" { t("选址点", "Site point") } else { t("代表点（质心）", "Representative point (centroid)") };
    f.push((format!("{rep} ({crs})"), format!("{:.7}, {:.7}", s.lon, s.lat)));
    if let Some(a) = s.area_m2 {
        f.push((t("面积", "Area"), format!("{a:.1} m² ({:.4} ha)", a / 10_000.0)));
    }
    if let Some(l) = s.length_m {
        f.push((t("长度", "Length"), format!("{l:.1} m")));
    }
    f
}

fn kind_grade(z: &super::model::ZoneRefDoc, lang: Lang) -> String {
    let mut grade = z.grade_label(lang);
    // Other layers' grade is a machine category (`livestock_no_farming`); in Chinese the zone's name says it better.
    if lang == Lang::Zh && z.kind == crate::zone::ZoneKind::Other && grade.is_ascii() {
        grade.clear();
    }
    let kind = z.kind_label(lang);
    if grade.is_empty() || grade == kind { kind.to_string() } else { format!("{kind} · {grade}") }
}

fn zone_row(z: &ZoneHitDoc, d: &AssessmentDoc, lang: Lang) -> Vec<String> {
    let overlap = match (z.overlap_area_m2, z.overlap_share, z.crossing_length_m) {
        (Some(a), Some(s), _) => format!("{a:.1} m² ({:.1}%)", s * 100.0),
        (Some(a), None, _) => format!("{a:.1} m²"),
        (_, _, Some(l)) => format!("{} {l:.1} m", lang.pick("穿越", "crossing")),
        _ if d.site.geometry_type == "Point" => lang.pick("点位于区内", "point inside").to_string(),
        _ => DASH.to_string(),
    };
    let mut kind = kind_grade(&z.zone, lang);
    if let Some(sub) = z.subclass.as_deref().filter(|s| !s.is_empty()) {
        kind.push_str(&format!(" ({sub})"));
    }
    vec![z.zone.code.clone(), z.zone.name.clone(), kind, overlap]
}

/// A chainage as designers read it (`K1+250`) with the km figure beside it, so the row reads both ways.
fn station_km(km: f64) -> String {
    format!("{} ({km:.3} km)", crate::chainage::station(km))
}

/// One row per pass of a line through a zone, in order along the line (as a designer walks the route): a zone crossed
/// twice (a road leaving and re-entering a red line) gets two rows, each with its own entry and exit.
fn chainage_table(crossed: &[&ZoneHitDoc], lang: Lang) -> Vec<Vec<String>> {
    let mut passes: Vec<(&ZoneHitDoc, &super::model::CrossingDoc)> =
        crossed.iter().flat_map(|z| z.crossings.iter().map(move |c| (*z, c))).collect();
    passes.sort_by(|a, b| a.1.enter_km.total_cmp(&b.1.enter_km).then(a.1.leave_km.total_cmp(&b.1.leave_km)));
    passes
        .into_iter()
        .map(|(z, c)| {
            vec![
                z.zone.code.clone(),
                z.zone.name.clone(),
                format!("{}{}", lang.pick("进入 ", "enters "), station_km(c.enter_km)),
                format!("{}{}", lang.pick("离开 ", "leaves "), station_km(c.leave_km)),
                format!("{:.1} m", c.length_m),
            ]
        })
        .collect()
}

/// The proximity-band table: zones the site does not touch but lies within a buffer band of (500 m, 1 km, 5 km by
/// kind), nearest first as the engine ordered them. Said even when empty for a new answer, so a reader knows the
/// bands were checked; old answers without bands (nothing to say either way) get nothing.
fn proximity_blocks(d: &AssessmentDoc, lang: Lang) -> Vec<Block> {
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let mut out = vec![Block::Heading(lang.heading("周边缓冲区", "Proximity bands"))];
    if d.proximity.is_empty() {
        out.push(Block::Para(t(
            "选址各类分区的缓冲带（500 米、1 公里、5 公里等）内没有选址未涉及的分区。",
            "No zone the site does not touch lies within its kind's buffer bands (500 m, 1 km, 5 km, …).",
        )));
        return out;
    }
    out.push(Block::Para(t(
        "选址未涉及、但位于其类别缓冲带内的分区（椭球面距离，由近及远）：",
        "Zones the site does not touch but lies within a buffer band of (geodesic distance, nearest first):",
    )));
    let rows = d
        .proximity
        .iter()
        .map(|p| {
            let band = match (p.band.is_empty(), p.band_m) {
                (false, _) => p.band.clone(),
                (true, Some(b)) => crate::proximity::band_label(b),
                (true, None) => DASH.to_string(),
            };
            vec![p.zone.code.clone(), p.zone.name.clone(), kind_grade(&p.zone, lang), format!("{:.1} m", p.distance_m), band]
        })
        .collect();
    out.push(Block::Table {
        columns: vec![(t("编码", "Code"), 0.22), (t("名称", "Name"), 0.3), (t("类别 / 级别", "Kind / class"), 0.22), (t("距离", "Distance"), 0.14), (t("缓冲带", "Band"), 0.12)],
        rows,
    });
    out
}

fn rule_blocks(r: &RuleDoc, lang: Lang) -> Vec<Block> {
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let zone = match (&r.zone_code, &r.zone_name) {
        (Some(c), Some(n)) => format!("{c} {n}"),
        (Some(c), None) => c.clone(),
        _ => t("辖区内普遍适用", "jurisdiction-wide"),
    };
    let mut out = vec![Block::Subheading(format!("【{}】{} — {}", outcome_label(r.outcome, lang), lang.pick(&r.title.zh, &r.title.en), r.rule_id))];
    let c = &r.citation;
    let mut basis = format!("{} {}", c.instrument, c.article);
    if !c.verified {
        basis.push_str(lang.pick("（条文措辞未经核实）", " (wording not verified)"));
    }
    let mut fields = vec![(t("适用分区", "Applied for"), zone), (t("效力", "Effect"), outcome_label(r.outcome, lang).to_string()), (t("依据", "Legal basis"), basis)];
    if let Some(src) = &c.source {
        fields.push((t("条文出处", "Source of the wording"), src.clone()));
    }
    if let Some(note) = &c.note {
        fields.push((t("说明", "Note"), note.clone()));
    }
    out.push(Block::Fields(fields));
    if !c.text.is_empty() {
        out.push(Block::Quote(format!("「{}」", c.text)));
    }
    let mut items: Vec<String> = r.conditions.iter().map(|x| format!("{}{}", t("条件：", "Condition: "), lang.pick(&x.zh, &x.en))).collect();
    items.extend(r.questions.iter().map(|q| format!("{}{q}", t("需补充：", "Needs: "))));
    items.extend(r.exceptions_not_claimed.iter().map(|q| format!("{}{q}", t("未主张的例外：", "Exception not claimed: "))));
    if !items.is_empty() {
        out.push(Block::Bullets(items));
    }
    out
}
