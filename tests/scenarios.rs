//! One scenario per rule, on the bundled illustrative Wugang dataset: the verdict AND the legal basis it cites.
//! Locations come from data/wugang/test_points.json, which scripts/make_wugang.py computes from the data.

use ecogate::assess::{Assessment, Engine, Verdict};
use ecogate::index::Site;
use ecogate::input;
use ecogate::rules::Outcome;
use geo::{LineString, MultiLineString, MultiPolygon, Polygon};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("sample dataset loads")
    })
}

fn points() -> &'static Value {
    static POINTS: OnceLock<Value> = OnceLock::new();
    POINTS.get_or_init(|| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wugang/test_points.json"))
            .expect("test_points.json");
        serde_json::from_str(&text).expect("test_points.json is JSON")
    })
}

fn point(id: &str) -> Site {
    let p = points().as_array().and_then(|a| a.iter().find(|p| p["id"] == id)).unwrap_or_else(|| panic!("no test point {id}"));
    input::point_site(p["lon"].as_f64().expect("lon"), p["lat"].as_f64().expect("lat")).expect("valid point")
}

/// 石漫滩水库 level-1 zone, outside any red line (checked by `shimantan_level1_point_is_only_in_level1`).
fn shimantan_level1() -> Site {
    input::point_site(113.49, 33.25).expect("valid point")
}

fn assess(site: &Site, facts: &[(&str, &str)]) -> Assessment {
    let e = engine();
    let facts = e.parse_facts(facts.iter().copied()).expect("facts parse");
    e.assess(site, &facts)
}

/// The rule's outcome (for the given zone when several zones apply it).
fn outcome(a: &Assessment, rule: &str) -> Outcome {
    a.rules.iter().find(|r| r.rule_id == rule).map(|r| r.outcome).unwrap_or_else(|| panic!("rule {rule} not applied: {:#?}", a.rules.iter().map(|r| &r.rule_id).collect::<Vec<_>>()))
}

fn fired<'a>(a: &'a Assessment, rule: &str) -> &'a ecogate::assess::AppliedRule {
    a.rules.iter().find(|r| r.rule_id == rule).unwrap_or_else(|| panic!("rule {rule} not applied"))
}

fn zone_codes(a: &Assessment) -> Vec<&str> {
    let mut v: Vec<&str> = a.zones.iter().map(|z| &*z.zone.code).collect();
    v.sort();
    v
}

#[test]
fn test_points_hit_exactly_the_zones_the_generator_computed() {
    for p in points().as_array().expect("array") {
        if p.get("lon").is_none() {
            continue;
        }
        let site = input::point_site(p["lon"].as_f64().unwrap_or_default(), p["lat"].as_f64().unwrap_or_default()).expect("point");
        let a = assess(&site, &[]);
        let mut expect: Vec<&str> = p["expect"].as_array().expect("expect").iter().filter_map(Value::as_str).collect();
        expect.sort();
        assert_eq!(zone_codes(&a), expect, "test point {}", p["id"]);
    }
}

#[test]
fn shimantan_level1_point_is_only_in_level1() {
    let a = assess(&shimantan_level1(), &[]);
    assert!(zone_codes(&a).contains(&"SY410481002-1"));
    assert!(a.zones.iter().all(|z| z.zone.kind.as_str() != "red_line"), "{:?}", zone_codes(&a));
}

// ---------------------------------------------------------------- water sources, 水污染防治法

#[test]
fn level2_water_zone_prohibits_new_cement_plant_that_discharges_art66() {
    let a = assess(&point("tiangang_level2"), &[("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "wppcl-art66-level2");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert_eq!(r.zone_code.as_deref(), Some("SY410481001-2"));
    assert!(r.citation.instrument.contains("水污染防治法") && r.citation.article.contains("第六十六条"));
    assert!(r.citation.text.contains("禁止在饮用水水源二级保护区内新建、改建、扩建排放污染物的建设项目"));
    assert!(r.conditions.iter().any(|c| c.zh.contains("环函〔2009〕33号")), "piping effluent out is no cure");
}

#[test]
fn level2_water_zone_without_discharge_fact_is_undetermined_with_the_question() {
    let a = assess(&point("tiangang_level2"), &[("industry", "1411"), ("nature", "new"), ("adds_sewage_outfall", "no")]);
    assert_eq!(a.verdict, Verdict::Undetermined);
    assert_eq!(outcome(&a, "wppcl-art66-level2"), Outcome::Undetermined);
    assert!(a.questions.iter().any(|q| q.fact == "discharges_pollutants" && q.zh.contains("排放污染物")));
}

#[test]
fn level2_water_zone_does_not_apply_art66_to_a_project_that_discharges_nothing() {
    let a = assess(&point("tiangang_level2"), &[("industry", "1411"), ("nature", "new"), ("discharges_pollutants", "no"), ("adds_sewage_outfall", "no")]);
    assert_eq!(outcome(&a, "wppcl-art66-level2"), Outcome::NotTriggered);
    // Only the priority unit's industrial restriction remains.
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
    assert_eq!(outcome(&a, "unit-priority-industrial"), Outcome::Restricted);
    assert!(!fired(&a, "unit-priority-industrial").citation.verified, "the guideline's wording is marked unverified");
}

#[test]
fn sewage_outfall_in_level1_or_level2_is_prohibited_art64() {
    for site in [point("tiangang_level2"), shimantan_level1()] {
        let a = assess(&site, &[("industry", "4620"), ("nature", "new"), ("adds_sewage_outfall", "yes"), ("discharges_pollutants", "yes"), ("water_supply_related", "no")]);
        assert_eq!(a.verdict, Verdict::Prohibited);
        let r = fired(&a, "wppcl-art64-outfall");
        assert_eq!(r.outcome, Outcome::Prohibited);
        assert_eq!(r.citation.article, "第六十四条");
        assert!(r.citation.text.contains("禁止设置排污口"));
    }
}

#[test]
fn water_intake_works_in_level1_is_permitted_art65() {
    let a = assess(&shimantan_level1(), &[("industry", "4610"), ("nature", "new"), ("water_supply_related", "yes"), ("adds_sewage_outfall", "no")]);
    assert_eq!(a.verdict, Verdict::Permitted, "{}", a.summary);
    assert_eq!(outcome(&a, "wppcl-art65-level1"), Outcome::NotTriggered);
    let r = fired(&a, "wppcl-art65-level1-water-supply");
    assert_eq!(r.outcome, Outcome::Permitted);
    assert!(r.citation.article.contains("第六十五条"));
}

#[test]
fn level1_prohibits_hotel_unrelated_to_water_supply_art65() {
    let a = assess(&shimantan_level1(), &[("industry", "6110"), ("nature", "new"), ("water_supply_related", "no")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "wppcl-art65-level1");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.citation.text.contains("与供水设施和保护水源无关的建设项目"));
}

#[test]
fn level1_prohibition_applies_when_water_supply_exception_not_claimed() {
    let a = assess(&shimantan_level1(), &[("industry", "6110"), ("nature", "new")]);
    let r = fired(&a, "wppcl-art65-level1");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.exceptions_not_claimed.iter().any(|q| q.contains("供水设施")), "the unclaimed exception is named");
}

#[test]
fn quasi_zone_prohibits_new_paper_mill_as_seriously_polluting_art67() {
    let a = assess(&point("shimantan_quasi"), &[("industry", "2221"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "wppcl-art67-quasi-polluting");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert_eq!(r.citation.article, "第六十七条");
    assert!(a.facts.derived.iter().any(|d| d.fact == "heavily_water_polluting"), "derivation is reported");
}

#[test]
fn quasi_zone_rebuild_that_increases_discharge_is_prohibited_art67() {
    let a = assess(&point("shimantan_quasi"), &[("industry", "1411"), ("nature", "rebuild"), ("increases_discharge", "yes")]);
    assert_eq!(outcome(&a, "wppcl-art67-quasi-rebuild-increase"), Outcome::Prohibited);
    assert!(fired(&a, "wppcl-art67-quasi-rebuild-increase").citation.text.contains("不得增加排污量"));
    assert_eq!(a.verdict, Verdict::Prohibited);
}

#[test]
fn quasi_zone_rebuild_without_more_discharge_is_restricted_art67() {
    let a = assess(&point("shimantan_quasi"), &[("industry", "1411"), ("nature", "rebuild"), ("increases_discharge", "no"), ("adds_sewage_outfall", "no")]);
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
    let r = fired(&a, "wppcl-art67-quasi-rebuild");
    assert!(r.conditions.iter().any(|c| c.zh.contains("排污量不得增加")));
}

#[test]
fn outfall_in_quasi_zone_is_restricted_pending_local_regulation() {
    let a = assess(&point("shimantan_quasi"), &[("industry", "1411"), ("nature", "new"), ("adds_sewage_outfall", "yes"), ("heavily_water_polluting", "no")]);
    assert_eq!(outcome(&a, "wppcl-art64-outfall-quasi"), Outcome::Restricted);
    assert!(fired(&a, "wppcl-art64-outfall-quasi").citation.article.contains("第六十四条"));
    assert_eq!(a.verdict, Verdict::Restricted);
}

// ---------------------------------------------------------------- red lines, 自然资发〔2022〕142号

fn red_line_road() -> Site {
    let p = points().as_array().and_then(|a| a.iter().find(|p| p["id"] == "road_crosses_red_line")).expect("road");
    let coords: Vec<(f64, f64)> = p["line"]
        .as_array()
        .expect("line")
        .iter()
        .map(|c| (c[0].as_f64().unwrap_or_default(), c[1].as_f64().unwrap_or_default()))
        .collect();
    Site::Line(MultiLineString(vec![LineString::from(coords)]))
}

#[test]
fn expressway_crossing_red_line_as_linear_infrastructure_is_restricted_with_conditions() {
    let a = assess(&red_line_road(), &[("industry", "4812"), ("nature", "new"), ("linear_infrastructure", "yes")]);
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
    let r = fired(&a, "redline-142-linear-infrastructure");
    assert_eq!(r.outcome, Outcome::Restricted);
    assert!(r.conditions.iter().any(|c| c.zh.contains("必须且无法避让")));
    assert!(r.citation.instrument.contains("自然资发〔2022〕142号"));
    assert_eq!(outcome(&a, "redline-142-prohibited"), Outcome::NotTriggered);
    // The crossing length is measured (the generator computed ≈ 4394 m inside the red line).
    let hit = a.zones.iter().find(|z| z.zone.code == "HN-STBH-0481-004").expect("red line hit");
    let len = hit.crossing_length_m.expect("length");
    assert!((len - 4394.0).abs() < 5.0, "crossing length {len}");
}

#[test]
fn same_road_not_flagged_as_linear_infrastructure_is_prohibited_in_red_line() {
    let a = assess(&red_line_road(), &[("industry", "4812"), ("nature", "new"), ("linear_infrastructure", "no"), ("limited_activity", "none"), ("national_major_project", "no")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "redline-142-prohibited");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.citation.text.contains("禁止开发性、生产性建设活动"));
    assert!(r.exceptions_not_claimed.is_empty());
}

#[test]
fn red_line_prohibition_names_the_exceptions_the_request_did_not_claim() {
    let a = assess(&point("red_line_plain"), &[("industry", "6110"), ("nature", "new")]);
    let r = fired(&a, "redline-142-prohibited");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert_eq!(r.exceptions_not_claimed.len(), 3, "{:?}", r.exceptions_not_claimed);
}

#[test]
fn limited_activity_in_red_line_is_restricted_142() {
    let a = assess(&point("red_line_plain"), &[("industry", "7869"), ("nature", "new"), ("limited_activity", "eco_tourism")]);
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
    assert_eq!(outcome(&a, "redline-142-limited-activity"), Outcome::Restricted);
    assert!(fired(&a, "redline-142-limited-activity").citation.instrument.contains("自然资发〔2022〕142号"));
    assert_eq!(outcome(&a, "redline-142-prohibited"), Outcome::NotTriggered);
}

#[test]
fn national_major_project_in_red_line_is_restricted_with_state_council_approval() {
    let a = assess(&point("red_line_plain"), &[("industry", "4411"), ("nature", "new"), ("national_major_project", "yes")]);
    let r = fired(&a, "redline-142-national-major-project");
    assert_eq!(r.outcome, Outcome::Restricted);
    assert!(r.conditions.iter().any(|c| c.zh.contains("国务院")));
    assert!(!r.citation.verified, "the procedure text is marked unverified");
}

#[test]
fn point_in_a_red_line_hole_is_not_in_the_red_line() {
    let a = assess(&point("red_line_hole"), &[("industry", "6110"), ("nature", "new")]);
    assert!(!zone_codes(&a).contains(&"HN-STBH-0481-003"));
    assert!(a.rules.iter().all(|r| !r.rule_id.starts_with("redline-")));
}

// ---------------------------------------------------------------- nature reserves, 自然保护区条例

#[test]
fn reserve_core_zone_prohibits_production_facility_art32() {
    let a = assess(&point("forest_core"), &[("industry", "1411"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "nrr-art32-core-buffer");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.citation.text.contains("不得建设任何生产设施"));
}

#[test]
fn reserve_core_zone_restricts_non_production_works_to_approved_research() {
    let a = assess(&point("forest_core"), &[("industry", "7869"), ("nature", "new"), ("production_facility", "no"), ("limited_activity", "protection_research")]);
    assert_eq!(outcome(&a, "nrr-core-buffer-other-works"), Outcome::Restricted);
    assert!(fired(&a, "nrr-core-buffer-other-works").citation.article.contains("第二十七条"));
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
}

#[test]
fn unzoned_reserve_is_managed_as_core_and_buffer_art30() {
    let a = assess(&point("wetland_unzoned"), &[("industry", "1411"), ("nature", "new")]);
    let r = fired(&a, "nrr-art30-unzoned");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.citation.article.contains("第三十条"));
}

#[test]
fn experimental_zone_prohibits_polluting_production_facility_art32() {
    let a = assess(&point("forest_experimental"), &[("industry", "2221"), ("nature", "new")]);
    assert_eq!(outcome(&a, "nrr-art32-experimental-polluting"), Outcome::Prohibited);
    assert!(fired(&a, "nrr-art32-experimental-polluting").citation.text.contains("不得建设污染环境、破坏资源或者景观的生产设施"));
    assert_eq!(a.verdict, Verdict::Prohibited);
}

#[test]
fn experimental_zone_restricts_clean_project_to_emission_standards_art32() {
    let a = assess(&point("forest_experimental"), &[("industry", "1411"), ("nature", "new"), ("polluting_or_resource_damaging", "no")]);
    let r = fired(&a, "nrr-art32-experimental-other");
    assert_eq!(r.outcome, Outcome::Restricted);
    assert!(r.conditions.iter().any(|c| c.zh.contains("排放标准")));
}

// ---------------------------------------------------------------- Henan province-wide bans

#[test]
fn steel_plant_in_general_unit_is_prohibited_by_henan_capacity_ban() {
    let a = assess(&point("general_far"), &[("industry", "3120"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "henan-capacity-ban");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.zone_code.is_none(), "a jurisdiction-wide rule");
    assert!(r.citation.instrument.contains("豫政〔2021〕44号"));
    assert!(r.citation.text.contains("原则上禁止新增钢铁"));
    assert!(a.facts.derived.iter().any(|d| d.fact == "adds_capacity"), "the capacity presumption is reported");
}

#[test]
fn capacity_replacement_steel_project_is_not_caught_by_the_ban() {
    let a = assess(&point("general_far"), &[("industry", "3120"), ("nature", "new"), ("adds_capacity", "no")]);
    assert_eq!(outcome(&a, "henan-capacity-ban"), Outcome::NotTriggered);
}

#[test]
fn methanol_plant_needs_the_product_fact_before_the_ban_applies() {
    let undecided = assess(&point("general_far"), &[("industry", "2614"), ("nature", "new")]);
    assert_eq!(outcome(&undecided, "henan-capacity-ban-by-product"), Outcome::Undetermined);
    let methanol = assess(&point("general_far"), &[("industry", "2614"), ("nature", "new"), ("banned_product", "yes")]);
    assert_eq!(methanol.verdict, Verdict::Prohibited);
    assert!(fired(&methanol, "henan-capacity-ban-by-product").citation.text.contains("传统煤化工（甲醇、合成氨）"));
}

#[test]
fn new_refinery_is_restricted_by_henan_refining_control() {
    let a = assess(&point("general_far"), &[("industry", "2511"), ("nature", "new")]);
    assert_eq!(outcome(&a, "henan-refining-controlled"), Outcome::Restricted);
    assert!(fired(&a, "henan-refining-controlled").citation.text.contains("严控新增炼油产能"));
}

#[test]
fn new_coal_to_liquids_plant_is_restricted_by_henan_capacity_control() {
    let a = assess(&point("general_far"), &[("industry", "2523"), ("nature", "new")]);
    let r = fired(&a, "henan-coal-to-oil-gas-controlled");
    assert_eq!(r.outcome, Outcome::Restricted);
    assert!(r.citation.text.contains("合理控制煤制油气产能"));
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
}

#[test]
fn bakery_in_general_unit_is_permitted() {
    let a = assess(&point("general_far"), &[("industry", "1411"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Permitted, "{}", a.summary);
    assert_eq!(zone_codes(&a), vec!["ZH41048130002"]);
    assert!(a.zones[0].requirements.spatial_layout.is_some(), "the unit's requirements are still listed");
}

// ---------------------------------------------------------------- control-unit access lists

#[test]
fn industrial_park_list_prohibits_pesticide_plant_citing_the_unit() {
    let a = assess(&point("industrial_park"), &[("industry", "2631"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    let r = fired(&a, "unit-access-prohibited");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert_eq!(r.zone_code.as_deref(), Some("ZH41048120002"));
    assert!(r.citation.instrument.contains("ZH41048120002"), "{}", r.citation.instrument);
    assert!(!r.citation.text.contains("{zone."), "template filled: {}", r.citation.text);
}

#[test]
fn industrial_park_list_restricts_electroplating() {
    let a = assess(&point("industrial_park"), &[("industry", "3360"), ("nature", "new")]);
    assert_eq!(outcome(&a, "unit-access-restricted"), Outcome::Restricted);
    assert!(fired(&a, "unit-access-restricted").citation.instrument.contains("ZH41048120002"));
    assert_eq!(a.verdict, Verdict::Restricted, "{}", a.summary);
}

// ---------------------------------------------------------------- other layers

#[test]
fn pig_farm_in_no_farming_zone_is_prohibited() {
    let a = assess(&point("urban_core"), &[("industry", "0313"), ("nature", "new"), ("burns_high_pollution_fuel", "no")]);
    assert_eq!(outcome(&a, "livestock-no-farming-zone"), Outcome::Prohibited);
    assert!(fired(&a, "livestock-no-farming-zone").citation.article.contains("第十一条"));
    assert_eq!(a.verdict, Verdict::Prohibited);
}

#[test]
fn coal_boiler_in_fuel_ban_zone_is_prohibited() {
    let a = assess(&point("urban_core"), &[("industry", "4430"), ("nature", "new"), ("burns_high_pollution_fuel", "yes")]);
    let r = fired(&a, "fuel-ban-zone");
    assert_eq!(r.outcome, Outcome::Prohibited);
    assert!(r.citation.instrument.contains("大气污染防治法"));
}

// ---------------------------------------------------------------- coverage, near misses, footprints, versions

#[test]
fn point_outside_coverage_is_undetermined() {
    let a = assess(&point("outside_county"), &[("industry", "1411"), ("nature", "new")]);
    assert_eq!(a.verdict, Verdict::Undetermined);
    assert!(a.zones.is_empty());
    assert!(a.warnings.iter().any(|w| w.code == "outside_coverage"));
}

#[test]
fn site_200m_outside_level2_zone_reports_the_near_miss() {
    let a = assess(&point("shimantan_level2_near_miss"), &[]);
    let n = a.nearby.iter().find(|n| n.zone.code == "SY410481002-2").expect("level-2 zone listed as nearby");
    assert!((n.distance_m - 200.1).abs() < 2.0, "distance {}", n.distance_m);
}

#[test]
fn footprint_across_level2_edge_reports_overlap_area_and_share() {
    // A ~400 m square centred on the level-2 test point: entirely in level 2 (clearance 157.9 m is the radius of a
    // circle, so use a smaller square of ±100 m).
    let p = match point("tiangang_level2") {
        Site::Point(p) => p,
        _ => unreachable!(),
    };
    let (dx, dy) = (100.0 / 93_300.0, 100.0 / 110_900.0);
    let sq = Polygon::new(
        LineString::from(vec![
            (p.x() - dx, p.y() - dy),
            (p.x() + dx, p.y() - dy),
            (p.x() + dx, p.y() + dy),
            (p.x() - dx, p.y() + dy),
            (p.x() - dx, p.y() - dy),
        ]),
        vec![],
    );
    let a = assess(&Site::Footprint(MultiPolygon(vec![sq])), &[("industry", "1411"), ("nature", "new"), ("discharges_pollutants", "yes")]);
    let area = a.site.area_m2.expect("footprint area");
    assert!((area - 40_000.0).abs() < 400.0, "≈ 200 m × 200 m: {area}");
    let z = a.zones.iter().find(|z| z.zone.code == "SY410481001-2").expect("level 2 hit");
    assert!((z.overlap_share.expect("share") - 1.0).abs() < 1e-6);
    assert_eq!(a.verdict, Verdict::Prohibited);
}

#[test]
fn every_answer_names_dataset_and_rulebook_versions_and_the_illustrative_notice() {
    let a = assess(&point("general_far"), &[("industry", "1411"), ("nature", "new")]);
    assert!(a.dataset.version.starts_with("wugang-sample@") && a.dataset.version.len() > 20);
    assert!(a.rulebook.version.starts_with("2026.11.27+"));
    assert!(a.dataset.illustrative);
    assert!(a.warnings.iter().any(|w| w.code == "illustrative_data" && w.en.contains("NOT official")));
}

// ---------------------------------------------------------------- proximity bands and line chainage (issue 8)

#[test]
fn point_near_a_water_source_and_a_reserve_gets_their_bands_with_geodesic_distances() {
    // ~200 m outside the 石漫滩 level-2 zone; the wetland park lies about 2.2 km away.
    let a = assess(&point("shimantan_level2_near_miss"), &[("industry", "1411"), ("nature", "new")]);
    let level2 = a.proximity.iter().find(|p| p.zone.code == "SY410481002-2").expect("level-2 zone in proximity");
    assert_eq!(level2.band_m, 500.0);
    assert_eq!(level2.band, "≤500 m");
    // The generator measured 200.1 m; the planar `nearby` list agrees to well under a metre.
    assert!((level2.distance_m - 200.1).abs() < 1.0, "{}", level2.distance_m);
    let nearby = a.nearby.iter().find(|n| n.zone.code == "SY410481002-2").expect("nearby too");
    assert!((nearby.distance_m - level2.distance_m).abs() < 0.5, "{} vs {}", nearby.distance_m, level2.distance_m);
    let reserve = a.proximity.iter().find(|p| p.zone.kind == ecogate::zone::ZoneKind::NatureReserve).expect("a reserve within 5 km");
    assert_eq!(reserve.band_m, 5000.0, "{reserve:?}");
    assert!(reserve.distance_m > 1000.0 && reserve.distance_m <= 5000.0);
    // Nearest first; zones the point is in and control units are not listed.
    assert!(a.proximity.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
    assert!(a.proximity.iter().all(|p| p.zone.kind != ecogate::zone::ZoneKind::ControlUnit));
    assert!(a.proximity.iter().all(|p| !a.zones.iter().any(|z| z.zone.code == p.zone.code)));
}

/// The lon/lat at `km` along the road, walking its segments geodesically (what the chainage measures).
fn along(line: &LineString<f64>, km: f64) -> geo::Point<f64> {
    use geo::{Distance, Geodesic, Point};
    let mut left = km * 1000.0;
    for seg in line.lines() {
        let len = Geodesic.distance(Point(seg.start), Point(seg.end));
        if left <= len {
            let t = left / len;
            return Point::new(seg.start.x + (seg.end.x - seg.start.x) * t, seg.start.y + (seg.end.y - seg.start.y) * t);
        }
        left -= len;
    }
    Point(line.0[line.0.len() - 1])
}

#[test]
fn road_crossing_a_red_line_gets_the_chainage_where_it_enters_and_leaves() {
    let site = red_line_road();
    let a = assess(&site, &[("industry", "4812"), ("nature", "new"), ("linear_infrastructure", "yes")]);
    let hit = a.zones.iter().find(|z| z.zone.code == "HN-STBH-0481-004").expect("red line hit");
    assert!(!hit.crossings.is_empty());
    let sum: f64 = hit.crossings.iter().map(|c| c.length_m).sum();
    assert!((sum - hit.crossing_length_m.expect("length")).abs() < 1.0, "Σ {sum} vs {:?}", hit.crossing_length_m);
    let Site::Line(ml) = &site else { unreachable!() };
    let line = &ml.0[0];
    let red = engine().index.find_code("HN-STBH-0481-004")[0];
    let inside = |km: f64| engine().index.zones_at(along(line, km)).contains(&red);
    for c in &hit.crossings {
        assert!(c.leave_km > c.enter_km && ((c.leave_km - c.enter_km) * 1000.0 - c.length_m).abs() < 1.5, "{c:?}");
        // 10 m either side of each mark the road is outside / inside the red line.
        if c.enter_km > 0.0 {
            assert!(!inside(c.enter_km - 0.01) && inside(c.enter_km + 0.01), "enter {c:?}");
        }
        assert!(inside(c.leave_km - 0.01) && !inside(c.leave_km + 0.01), "leave {c:?}");
    }
    assert!(hit.crossings.windows(2).all(|w| w[0].leave_km <= w[1].enter_km), "sorted, disjoint");
    // Units tile the territory: the line's passes through them cover it from km 0 to its end.
    let total: f64 = a.zones.iter().filter(|z| z.zone.kind == ecogate::zone::ZoneKind::ControlUnit).flat_map(|z| &z.crossings).map(|c| c.length_m).sum();
    assert!((total - a.site.length_m.expect("length")).abs() < 2.0, "{total}");
    assert!(a.zones.iter().flat_map(|z| &z.crossings).any(|c| c.enter_km == 0.0), "the unit it starts in is entered at km 0");
}

#[test]
fn line_that_is_not_linear_infrastructure_is_prohibited_and_keeps_its_chainage() {
    let a = assess(&red_line_road(), &[("industry", "4812"), ("nature", "new"), ("linear_infrastructure", "no")]);
    assert_eq!(a.verdict, Verdict::Prohibited);
    assert_eq!(outcome(&a, "redline-142-linear-infrastructure"), Outcome::NotTriggered);
    assert!(a.zones.iter().any(|z| z.zone.code == "HN-STBH-0481-004" && !z.crossings.is_empty()));
}
