//! The real `ecogate` binary on the bundled dataset: exit codes, output forms and error messages.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn ecogate() -> Command {
    let mut c = Command::cargo_bin("ecogate").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("ECOGATE_DATASET").env_remove("ECOGATE_RULES");
    c
}

// 石漫滩水库 level-2 point from data/wugang/test_points.json is not used here: the CLI tests use the 田岗 point.
const LEVEL2: [&str; 4] = ["--lon", "113.447392", "--lat", "33.317817"];
const GENERAL: [&str; 4] = ["--lon", "113.586555", "--lat", "33.353639"];

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn check_prohibited_exits_3_and_prints_the_article() {
    let out = ecogate()
        .args(["check"])
        .args(LEVEL2)
        .args(["--industry", "3011", "--nature", "new", "--discharges", "yes"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PROHIBITED"), "{text}");
    assert!(text.contains("第六十六条"), "{text}");
    assert!(text.contains("wugang-sample@"), "dataset version printed: {text}");
}

/// `ecogate check --json` at the level-2 water-source point with the given facts.
fn check_level2_json(facts: [&str; 6]) -> std::process::Output {
    ecogate().args(["check", "--json"]).args(LEVEL2).args(facts).output().expect("runs")
}

#[test]
fn check_json_is_pretty_throughout_in_the_answers_field_order() {
    // Citations, titles and the dataset identity are rendered to compact JSON once at load; the terminal output must
    // still be pretty-printed everywhere and keep the answer's field order (verdict first, engine last).
    let out = check_level2_json(["--industry", "3011", "--nature", "new", "--discharges", "yes"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("{\n  \"verdict\": \"prohibited\""), "{text}");
    assert!(text.contains("\"citation\": {\n"), "citations pretty-printed: {text}");
    assert!(text.contains("\"dataset\": {\n"), "dataset identity pretty-printed: {text}");
    assert!(!text.contains("\":{\"") && !text.contains("\",\""), "no compact object left: {text}");
    let at = |key: &str| text.find(&format!("\n  \"{key}\": ")).unwrap_or_else(|| panic!("top-level {key} missing: {text}"));
    let order = ["verdict", "site", "facts", "zones", "rules", "proximity", "warnings", "dataset", "rulebook", "engine"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "top-level fields in the answer's order: {order:?}");
    assert!(stdout_json(&out)["rules"][0]["citation"]["verified"].is_boolean());
}

#[test]
fn check_permitted_exits_0() {
    ecogate().args(["check"]).args(GENERAL).args(["--industry", "1411", "--nature", "new"]).assert().code(0);
}

#[test]
fn check_restricted_exits_4() {
    ecogate()
        .args(["check", "--lon", "113.569369", "--lat", "33.321212", "--industry", "3360", "--nature", "new"])
        .assert()
        .code(4);
}

#[test]
fn check_undetermined_exits_5_and_asks_the_question() {
    let out = ecogate().args(["check"]).args(LEVEL2).args(["--industry", "1411", "--nature", "new", "--outfall", "no"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--fact discharges_pollutants="));
}

#[test]
fn check_json_has_verdict_zones_rules_and_versions() {
    let out = check_level2_json(["--industry", "3011", "--nature", "新建", "--discharges", "是"]);
    let a = stdout_json(&out);
    assert_eq!(a["verdict"], "prohibited");
    assert_eq!(a["facts"]["supplied"]["nature"], "new", "Chinese choice labels are accepted");
    assert!(a["zones"].as_array().expect("zones").iter().any(|z| z["code"] == "SY410481001-2" && z["grade"] == "level2"));
    let art66 = a["rules"].as_array().expect("rules").iter().find(|r| r["rule_id"] == "wppcl-art66-level2").expect("art66");
    assert_eq!(art66["outcome"], "prohibited");
    assert!(art66["citation"]["text"].as_str().unwrap_or_default().contains("二级保护区"));
    assert!(a["dataset"]["version"].as_str().unwrap_or_default().starts_with("wugang-sample@"));
    assert!(a["rulebook"]["version"].as_str().unwrap_or_default().contains('+'));
}

#[test]
fn check_geojson_footprint_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("site.geojson");
    std::fs::write(
        &path,
        r#"{"type":"Feature","properties":{"name":"厂区"},"geometry":{"type":"Polygon","coordinates":[[[113.586,33.353],[113.587,33.353],[113.587,33.354],[113.586,33.354],[113.586,33.353]]]}}"#,
    )
    .expect("write");
    let out = ecogate()
        .args(["check", "--json", "--industry", "1411", "--nature", "new", "--geojson"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let a = stdout_json(&out);
    let area = a["site"]["area_m2"].as_f64().expect("area");
    assert!((area - 10_300.0).abs() < 300.0, "≈ 93 m × 111 m: {area}");
    assert!((a["zones"][0]["overlap_share"].as_f64().expect("share") - 1.0).abs() < 1e-6);
}

#[test]
fn swapped_coordinates_are_a_usage_error_that_says_so() {
    let out = ecogate().args(["check", "--lon", "33.317817", "--lat", "113.447392"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("looks swapped"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn projected_metres_as_degrees_are_a_usage_error() {
    let out = ecogate().args(["check", "--lon", "38452000", "--lat", "3685000"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("projected metres"));
}

#[test]
fn unknown_industry_code_is_a_usage_error_naming_the_edition() {
    let out = ecogate().args(["check"]).args(GENERAL).args(["--industry", "9999"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GB/T 4754-2017"));
}

#[test]
fn unknown_fact_name_is_a_usage_error_listing_known_facts() {
    let out = ecogate().args(["check"]).args(GENERAL).args(["--fact", "colour=red"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown fact") && err.contains("discharges_pollutants"), "{err}");
}

#[test]
fn self_intersecting_footprint_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bowtie.geojson");
    std::fs::write(&path, r#"{"type":"Polygon","coordinates":[[[113.5,33.2],[113.6,33.3],[113.6,33.2],[113.5,33.3],[113.5,33.2]]]}"#).expect("write");
    let out = ecogate().args(["check", "--geojson"]).arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("self-intersection"));
}

#[test]
fn missing_site_is_a_usage_error() {
    ecogate().args(["check", "--industry", "1411"]).assert().code(2);
}

#[test]
fn help_documents_exit_codes() {
    let out = ecogate().args(["check", "--help"]).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 prohibited") && text.contains("5 undetermined"), "{text}");
}

#[test]
fn layers_lists_every_layer_with_its_source_crs() {
    let out = ecogate().args(["layers"]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["control_units", "red_lines", "water_sources", "reserves", "no_farming", "fuel_ban"] {
        assert!(text.contains(id), "{id} missing: {text}");
    }
    assert!(text.contains("EPSG:4526"), "the red lines come from Gauss–Krüger zone 38");
    assert!(text.contains("ILLUSTRATIVE"));
}

#[test]
fn validate_reports_ok_for_the_sample() {
    let out = ecogate().args(["validate", "data/wugang/dataset.toml"]).output().expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

#[test]
fn validate_exits_1_and_lists_problems_for_a_broken_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wugang");
    let text = std::fs::read_to_string(root.join("dataset.toml")).expect("manifest");
    // Point the sources back at the sample folder and break one field mapping.
    let broken = text
        .replace("source = \"wugang.gpkg\"", &format!("source = {:?}", root.join("wugang.gpkg").to_string_lossy()))
        .replace("source = \"red_lines_gk38/red_lines.shp\"", &format!("source = {:?}", root.join("red_lines_gk38/red_lines.shp").to_string_lossy()))
        .replace("code = \"HJZHGKDYBM\"", "code = \"UNIT_CODE\"");
    let path = dir.path().join("dataset.toml");
    std::fs::write(&path, broken).expect("write");
    let out = ecogate().args(["validate"]).arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("REFUSED") && text.contains("UNIT_CODE") && text.contains("HJZHGKDYBM"), "{text}");
}

#[test]
fn rules_lists_every_rule_with_its_instrument() {
    let out = ecogate().args(["rules"]).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["wppcl-art64-outfall", "wppcl-art66-level2", "redline-142-prohibited", "nrr-art32-core-buffer", "henan-capacity-ban", "unit-access-prohibited"] {
        assert!(text.contains(id), "{id}");
    }
}

#[test]
fn industries_search_finds_cement_by_name() {
    let out = ecogate().args(["industries", "水泥"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("3011"));
}
