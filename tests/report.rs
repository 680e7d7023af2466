//! The printable report (`ecogate report`, the real binary on the bundled sample): HTML with the verdict, zones,
//! citations, versions and the illustrative-data notice; a PDF that renders and whose text says the verdict in
//! Chinese; the map figure; the English option; and reading a recorded assessment's JSON back.

#[path = "common/server.rs"]
mod server;

use assert_cmd::Command;
use serde_json::Value;
use server::{client, Server};
use std::path::Path;

fn ecogate() -> Command {
    let mut c = Command::cargo_bin("ecogate").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("ECOGATE_DATASET").env_remove("ECOGATE_RULES").env_remove("ECOGATE_FONT");
    c
}

/// 田岗水库 level-2 water-source point (as in tests/cli.rs): a cement plant there is prohibited.
const PROHIBITED: [&str; 10] =
    ["--lon", "113.447392", "--lat", "33.317817", "--industry", "3011", "--nature", "new", "--discharges", "yes"];

/// The same assessment as JSON, to compare the report with.
fn assessment() -> Value {
    let out = ecogate().args(["check", "--json"]).args(PROHIBITED).output().expect("runs");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn report(dir: &Path, file: &str, extra: &[&str]) -> std::path::PathBuf {
    let path = dir.join(file);
    let out = ecogate().arg("report").args(PROHIBITED).args(extra).arg("--out").arg(&path).output().expect("runs");
    assert!(out.status.success(), "report failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prohibited"), "verdict on stderr");
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("report written")
}

#[test]
fn html_report_has_the_verdict_zone_codes_citations_versions_and_notice() {
    let dir = tempfile::tempdir().expect("tmp");
    let html = read(&report(dir.path(), "r.html", &[]));
    let a = assessment();
    assert!(html.starts_with("<!doctype html>") && html.contains(r#"<html lang="zh-CN">"#), "{}", &html[..200]);
    assert!(html.contains(r#"data-verdict="prohibited""#) && html.contains("禁止"), "verdict");
    for z in a["zones"].as_array().expect("zones") {
        assert!(html.contains(z["code"].as_str().expect("code")), "zone {} listed", z["code"]);
    }
    assert!(html.contains("第六十六条"), "the cited article");
    for r in a["rules"].as_array().expect("rules").iter().filter(|r| r["outcome"] != "not_triggered") {
        assert!(html.contains(r["rule_id"].as_str().expect("id")), "rule {} shown", r["rule_id"]);
    }
    assert!(html.contains(a["dataset"]["version"].as_str().expect("dataset version")), "dataset version");
    assert!(html.contains(a["rulebook"]["version"].as_str().expect("rulebook version")), "rulebook version");
    let notice = a["dataset"]["notice_zh"].as_str().expect("the sample is illustrative");
    assert!(html.contains(r#"id="illustrative-notice""#) && html.contains(notice), "illustrative notice");
    assert!(html.contains("空间布局约束"), "the unit's requirement dimensions");
    assert!(html.contains("<svg") && html.contains("图例"), "the map figure with its legend, inline");
    assert!(html.contains("CLI-") && html.contains("未记录"), "a local id, said to be unrecorded");
    assert!(!html.contains("<link") && !html.contains("src=\"") && !html.contains("url("), "self-contained: no external resources");
}

#[test]
fn pdf_report_renders_and_its_text_says_the_verdict_in_chinese() {
    for tool in ["pdftoppm", "pdftotext"] {
        assert!(
            std::process::Command::new(tool).arg("-v").output().is_ok(),
            "{tool} is missing: install poppler-utils (scripts/setup.sh does, `make test` runs it)"
        );
    }
    let dir = tempfile::tempdir().expect("tmp");
    let pdf = report(dir.path(), "r.pdf", &[]);
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF-"));
    let text = std::process::Command::new("pdftotext").arg("-enc").arg("UTF-8").arg(&pdf).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("禁止"), "verdict text: {text}");
    assert!(text.contains("第六十六条"), "citation text");
    assert!(text.contains(assessment()["dataset"]["version"].as_str().expect("version")), "dataset version");

    let prefix = dir.path().join("page");
    let out = std::process::Command::new("pdftoppm").args(["-r", "40", "-png", "-f", "1", "-l", "2"]).arg(&pdf).arg(&prefix).output().expect("pdftoppm");
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let pages: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().filter(|e| e.file_name().to_string_lossy().starts_with("page")).collect();
    assert_eq!(pages.len(), 2, "two pages rendered");
    for p in pages {
        let (colours, dark) = png_stats(&p.path());
        assert!(colours > 8 && dark > 0.002, "{} is not blank: {colours} colours, {dark} dark", p.path().display());
    }
}

/// Distinct colours and the share of dark pixels of a PNG.
fn png_stats(path: &Path) -> (usize, f64) {
    let (pixels, _, _) = png_pixels(path);
    let colours: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    let dark = pixels.iter().filter(|p| p.iter().map(|c| *c as u32).sum::<u32>() < 200).count();
    (colours.len(), dark as f64 / pixels.len().max(1) as f64)
}

/// RGB pixels, width and height of a PNG (8-bit RGB, RGBA, grey).
fn png_pixels(path: &Path) -> (Vec<[u8; 3]>, u32, u32) {
    let mut decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("png")));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| if channels >= 3 { [c[0], c[1], c[2]] } else { [c[0], c[0], c[0]] })
        .collect();
    (pixels, info.width, info.height)
}

#[test]
fn figure_png_is_drawn_with_the_zone_colours_and_a_legend() {
    let dir = tempfile::tempdir().expect("tmp");
    let (pixels, w, h) = png_pixels(&report(dir.path(), "figure.png", &[]));
    assert_eq!((w, h), (1600, 1120), "twice the figure's size");
    let colours: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(colours.len() > 50, "not blank: {} colours", colours.len());
    // The legend sits in the lower-left corner on a near-white box; its text is dark.
    let corner: Vec<[u8; 3]> = pixels
        .chunks(w as usize)
        .skip(h as usize - 200)
        .flat_map(|row| row[30..400].to_vec())
        .collect();
    let white = corner.iter().filter(|p| p.iter().all(|c| *c > 235)).count() as f64 / corner.len() as f64;
    let ink = corner.iter().filter(|p| p.iter().all(|c| *c < 80)).count();
    assert!(white > 0.5 && ink > 200, "legend box with text: {white:.2} white, {ink} dark pixels");

    let svg = read(&report(dir.path(), "figure.svg", &[]));
    for label in ["图例", "选址", "饮用水水源保护区 二级保护区", "生态保护红线", "500 m"] {
        assert!(svg.contains(label), "legend/scale bar has {label}");
    }
}

#[test]
fn english_report_on_request() {
    let dir = tempfile::tempdir().expect("tmp");
    let html = read(&report(dir.path(), "r.html", &["--lang", "en"]));
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Prohibited") && html.contains("Legal basis") && html.contains("Legend"), "English labels");
    let notice = assessment()["dataset"]["notice_en"].as_str().expect("notice").to_string();
    assert!(html.contains(&notice), "English notice");
    assert!(html.contains("第六十六条"), "the law is cited in its own words");
}

#[test]
fn a_recorded_answer_with_fields_this_version_does_not_know_still_reads() {
    let mut a = assessment();
    a["id"] = "EG-20261127-0123456789".into();
    a["chainage"] = serde_json::json!([{ "from_m": 0 }]);
    let doc: ecogate::report::model::AssessmentDoc = serde_json::from_value(a).expect("reads");
    assert_eq!(doc.id.as_deref(), Some("EG-20261127-0123456789"));
    assert_eq!(doc.verdict, ecogate::assess::Verdict::Prohibited);
    assert!(!doc.zones.is_empty() && !doc.rules.is_empty());
}

#[test]
fn unknown_format_and_language_are_usage_errors() {
    ecogate().arg("report").args(PROHIBITED).args(["--out", "/tmp/x.docx"]).assert().code(2);
    ecogate().arg("report").args(PROHIBITED).args(["--format", "html", "--lang", "fr"]).assert().code(2);
}

/// One recorded answer on a running server: its reference number.
fn recorded_id(server: &Server) -> String {
    let url = format!("{}/v1/assessments?lon=113.447392&lat=33.317817&industry=3011&nature=new&discharges_pollutants=yes", server.base);
    let a: Value = client().get(url).send().expect("assess").json().expect("JSON");
    a["id"].as_str().expect("the answer has a reference number (audit trail on)").to_string()
}

#[test]
fn http_report_of_a_recorded_answer_in_html_and_pdf() {
    let server = Server::start();
    let id = recorded_id(&server);
    let resp = client().get(format!("{}/v1/assessments/{id}/report?format=html", server.base)).send().expect("report");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    let html = resp.text().expect("text");
    assert!(html.contains(r#"data-verdict="prohibited""#) && html.contains(&id), "verdict and id");
    assert!(html.contains("评估记录于"), "says when it was recorded");
    assert!(html.contains("SY410481001-2") && html.contains("<svg"), "zones and figure");

    let en = client().get(format!("{}/v1/assessments/{id}/report?lang=en", server.base)).send().expect("report").text().expect("text");
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("assessment recorded at"), "English on request");

    let pdf = client().get(format!("{}/v1/assessments/{id}/report?format=pdf", server.base)).send().expect("report");
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, &bytes).expect("write");
    let text = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("禁止") && text.contains(&id), "PDF text: {text}");
}

#[test]
fn http_report_of_an_unknown_id_is_a_404_problem_and_a_bad_format_a_400() {
    let server = Server::start();
    let resp = client().get(format!("{}/v1/assessments/EG-20261127-0000000000/report", server.base)).send().expect("report");
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().expect("problem");
    assert!(problem["detail_zh"].as_str().is_some_and(|d| !d.is_empty()));

    let id = recorded_id(&server);
    let resp = client().get(format!("{}/v1/assessments/{id}/report?format=docx", server.base)).send().expect("report");
    assert_eq!(resp.status(), 400);
    let problem: Value = resp.json().expect("problem");
    assert_eq!(problem["pointer"], "format");
}

#[test]
fn a_recorded_answer_from_another_dataset_version_is_drawn_with_a_caption_saying_so() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = ecogate::assess::Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("sample loads");
    let mut a = assessment();
    a["dataset"]["version"] = "wugang-sample@0000000000000000".into();
    let site = ecogate::index::Site::Point(geo::Point::new(113.447392, 33.317817));
    let meta = ecogate::report::model::ReportMeta::recorded("EG-20261127-0123456789", "2026-11-27T01:02:03Z", None);
    let input = ecogate::report::ReportInput::from_json(meta, &a, site).expect("reads");
    let font = ecogate::report::font::ReportFont::load(Path::new(ecogate::glyphs::DEFAULT_FONT)).expect("fonts-wqy-microhei");
    let html = ecogate::report::render(&engine, &input, ecogate::report::Lang::Zh, ecogate::report::Format::Html, &font).expect("renders");
    let html = String::from_utf8(html).expect("UTF-8");
    assert!(html.contains("评估所用数据集为 wugang-sample@0000000000000000"), "caption names the assessed version");
    assert!(html.contains(&engine.dataset.version), "and the version drawn");
    assert!(html.contains("评估记录于 2026-11-27T01:02:03Z"), "recorded time");
}

#[test]
fn http_report_of_an_uploaded_file_reports_the_file_as_a_whole() {
    let server = Server::start();
    // A 500 m square footprint over the urban/industrial boundary, uploaded as a GeoJSON file.
    let footprint = r#"{"type":"Feature","properties":{"name":"厂址"},"geometry":{"type":"Polygon","coordinates":[[[113.545,33.31],[113.55,33.31],[113.55,33.315],[113.545,33.315],[113.545,33.31]]]}}"#;
    let form = reqwest::blocking::multipart::Form::new()
        .part("file", reqwest::blocking::multipart::Part::bytes(footprint.as_bytes().to_vec()).file_name("site.geojson"))
        .text("facts", r#"{"industry":"3011","nature":"new"}"#);
    let answer: Value = client().post(format!("{}/v1/assessments/upload", server.base)).multipart(form).send().expect("upload").json().expect("json");
    let id = answer["id"].as_str().expect("upload answers carry an id").to_string();
    let verdict = answer["whole"]["verdict"].as_str().expect("the file's verdict").to_string();
    let resp = client().get(format!("{}/v1/assessments/{id}/report", server.base)).send().expect("report");
    assert_eq!(resp.status(), 200);
    let html = resp.text().expect("text");
    assert!(html.contains(&format!(r#"data-verdict="{verdict}""#)) && html.contains(&id), "the whole file's verdict and the id");
}

/// The sample's test entry with a `line` (the road crossing red line HN-STBH-0481-004), as a GeoJSON file for
/// `--geojson`, with that red line's code.
fn test_line(dir: &Path) -> (std::path::PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let points: Value = serde_json::from_str(&std::fs::read_to_string(root.join("data/wugang/test_points.json")).expect("points")).expect("JSON");
    let entry = points.as_array().expect("list").iter().find(|p| p.get("line").is_some()).expect("a line entry");
    let feature = serde_json::json!({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": entry["line"]}});
    let path = dir.join("line.geojson");
    std::fs::write(&path, feature.to_string()).expect("write");
    (path, entry["red_line"].as_str().expect("red_line").to_string())
}

#[test]
fn line_report_shows_the_chainage_where_the_line_enters_and_leaves_each_zone() {
    let dir = tempfile::tempdir().expect("tmp");
    let (line, red_line) = test_line(dir.path());
    let a: Value = serde_json::from_slice(
        &ecogate().args(["check", "--json", "--industry", "4812", "--nature", "new", "--geojson"]).arg(&line).output().expect("runs").stdout,
    )
    .expect("JSON");
    let hit = a["zones"].as_array().expect("zones").iter().find(|z| z["code"] == red_line.as_str()).expect("the red line is crossed");
    let first = &hit["crossings"][0];
    let mark = |km: f64| {
        let m = (km * 1000.0).round() as u64;
        format!("K{}+{:03}", m / 1000, m % 1000)
    };
    let (enter, leave) = (first["enter_km"].as_f64().expect("enter"), first["leave_km"].as_f64().expect("leave"));

    let out = dir.path().join("line.html");
    let run = ecogate().args(["report", "--industry", "4812", "--nature", "new", "--geojson"]).arg(&line).arg("--out").arg(&out).output().expect("runs");
    assert!(run.status.success(), "report failed: {}", String::from_utf8_lossy(&run.stderr));
    let html = read(&out);
    assert!(html.contains("线路穿越里程"), "the chainage section");
    assert!(html.contains(&format!("进入 {} ({enter:.3} km)", mark(enter))), "entry chainage {} in the report", mark(enter));
    assert!(html.contains(&format!("离开 {} ({leave:.3} km)", mark(leave))), "exit chainage {} in the report", mark(leave));
    assert!(html.contains(&format!("{:.1} m", first["length_m"].as_f64().expect("length"))), "the pass's length");
}

#[test]
fn point_report_near_a_reserve_has_the_proximity_band_table() {
    // ~200 m outside 石漫滩's level-2 zone, ~2.2 km from the wetland park (a nature reserve): both in bands.
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("near.html");
    let args = ["report", "--lon", "113.510391", "--lat", "33.267296", "--industry", "4812", "--nature", "new"];
    let run = ecogate().args(args).arg("--out").arg(&out).output().expect("runs");
    assert!(run.status.success(), "report failed: {}", String::from_utf8_lossy(&run.stderr));
    let html = read(&out);
    assert!(html.contains("周边缓冲区 Proximity bands"), "the proximity heading");
    let a: Value = serde_json::from_slice(&ecogate().args(["check", "--json"]).args(&args[1..]).output().expect("runs").stdout).expect("JSON");
    let bands = a["proximity"].as_array().expect("proximity");
    assert!(bands.iter().any(|p| p["kind"] == "nature_reserve"), "a reserve is within a band: {bands:?}");
    for p in bands {
        assert!(html.contains(p["code"].as_str().expect("code")), "{} listed", p["code"]);
        assert!(html.contains(&format!("{:.1} m", p["distance_m"].as_f64().expect("distance"))), "{}'s distance", p["code"]);
    }
    assert!(html.contains("≤500 m") && html.contains("≤5 km"), "band labels");
    assert!(!html.contains("线路穿越里程"), "no chainage section for a point");
}

#[test]
fn a_recorded_answer_without_proximity_or_crossings_still_reads() {
    let mut a = assessment();
    a.as_object_mut().expect("object").remove("proximity");
    let doc: ecogate::report::model::AssessmentDoc = serde_json::from_value(a).expect("reads");
    assert!(doc.proximity.is_empty() && doc.zones.iter().all(|z| z.crossings.is_empty()));
}
