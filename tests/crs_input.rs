//! Coordinates as people send them — Gauss–Krüger metres (with or without the zone prefix, in surveyors' X/Y
//! order), GCJ-02 and BD-09 from phone map apps, Xi'an 1980 with and without a Helmert shift, EPSG codes, DMS text
//! — through the library (Engine + input), the real `ecogate check` binary and the HTTP API.
//!
//! The reference point is `tiangang_level2` of data/wugang/test_points.json (田岗水库二级保护区). Its CGCS2000
//! Gauss–Krüger zone 38 coordinates come from PROJ's own command line, independent of ecogate:
//! `echo "33.317817 113.447392" | cs2cs -d 6 EPSG:4490 EPSG:4526` → `3688132.571336 38448542.633889`.

#[path = "common/server.rs"]
mod server;

use assert_cmd::Command;
use ecogate::assess::{Assessment, Engine, Verdict};
use ecogate::crs::{gcj, AxisOrder, InputCrs};
use ecogate::index::Site;
use ecogate::input::{self, InputError, SiteInput};
use geo::{Centroid, Coord, Distance, Haversine, Point};
use serde_json::{json, Value};
use server::{client, Server};
use std::path::Path;
use std::sync::OnceLock;

/// tiangang_level2, WGS84 = CGCS2000 lon/lat.
const LON: f64 = 113.447392;
const LAT: f64 = 33.317817;
/// The same point in CGCS2000 3° Gauss–Krüger zone 38 (cs2cs, see the module comment).
const NORTHING: f64 = 3_688_132.571336;
const EASTING_PREFIXED: f64 = 38_448_542.633889;
const EASTING: f64 = 448_542.633889;
/// The zones data/wugang/test_points.json expects at tiangang_level2.
const ZONES: [&str; 3] = ["JYQ410481-01", "SY410481001-2", "ZH41048110001"];
const FACTS: [(&str, &str); 3] = [("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("sample dataset loads")
    })
}

fn crs(name: &str) -> InputCrs {
    InputCrs::parse(Some(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assess(input: &SiteInput) -> Assessment {
    let e = engine();
    let facts = e.parse_facts(FACTS).expect("facts");
    e.assess_input(input, &facts, e.options)
}

fn zone_codes(a: &Assessment) -> Vec<String> {
    let mut v: Vec<String> = a.zones.iter().map(|z| z.zone.code.to_string()).collect();
    v.sort();
    v
}

fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    Haversine.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// The converted point is the reference point to a centimetre, and the verdict and zones are the reference ones.
fn assert_is_the_reference_point(a: &Assessment) {
    let converted = a.site.converted_coordinates.expect("converted coordinates echoed");
    assert!(metres(converted, [LON, LAT]) < 0.01, "converted {converted:?}: {} m from the reference", metres(converted, [LON, LAT]));
    assert!(metres([a.site.lon, a.site.lat], [LON, LAT]) < 0.01);
    assert_eq!(zone_codes(a), ZONES, "same zones as the WGS84 point");
    assert_eq!(a.verdict, Verdict::Prohibited, "{}", a.summary);
}

fn warning<'a>(a: &'a Assessment, code: &str) -> Option<&'a ecogate::assess::Warning> {
    a.warnings.iter().find(|w| w.code == code).map(|w| &**w)
}

// ------------------------------------------------------------------------------------------------ library

#[test]
fn gauss_kruger_zone_38_with_prefix_is_the_same_site_as_its_lon_lat() {
    let input = input::point_input(EASTING_PREFIXED, NORTHING, &crs("cgcs2000-gk3")).expect("zone from the prefix");
    let a = assess(&input);
    assert_is_the_reference_point(&a);
    assert_eq!(a.site.input_crs.as_deref(), Some("cgcs2000-gk3:38"), "the zone read from the prefix is echoed");
    assert_eq!(a.site.input_crs_epsg.as_deref(), Some("EPSG:4526"));
    assert_eq!(a.site.input_coordinates, Some([EASTING_PREFIXED, NORTHING]));
    assert_eq!(a.site.axis_order_assumed, Some(AxisOrder::EastingNorthing));
    assert!(warning(&a, "axis_order_assumed").is_none(), "GIS order needs no warning");
}

#[test]
fn gauss_kruger_without_prefix_needs_the_zone_and_works_with_it() {
    let e = input::point_input(EASTING, NORTHING, &crs("cgcs2000-gk3")).expect_err("no prefix, no zone");
    assert_eq!(e.slug(), "zone-required");
    assert!(e.to_string().contains("has no zone prefix") && e.to_string().contains("cgcs2000-gk3:NN"), "{e}");
    assert!(e.message_zh().contains("不带带号"), "{}", e.message_zh());
    for name in ["cgcs2000-gk3:38", "cgcs2000-gk3-cm:114", "EPSG:4547"] {
        let a = assess(&input::point_input(EASTING, NORTHING, &crs(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_is_the_reference_point(&a);
        assert_eq!(a.site.input_crs.as_deref(), Some("cgcs2000-gk3:38"), "{name}");
    }
}

#[test]
fn surveyors_x_northing_first_is_detected_and_the_answer_says_so() {
    let input = input::point_input(NORTHING, EASTING_PREFIXED, &crs("cgcs2000-gk3:38")).expect("X/Y order");
    let a = assess(&input);
    assert_is_the_reference_point(&a);
    assert_eq!(a.site.axis_order_assumed, Some(AxisOrder::NorthingEasting));
    assert_eq!(a.site.input_coordinates, Some([NORTHING, EASTING_PREFIXED]), "echoed as sent");
    let w = warning(&a, "axis_order_assumed").expect("the assumed order is a warning");
    assert!(w.en.contains("X = northing") && w.zh.contains("北坐标"), "{w:?}");
}

#[test]
fn gcj02_and_bd09_points_from_map_apps_come_back_to_the_wgs84_point() {
    let wgs = Coord { x: LON, y: LAT };
    for (name, sent) in [("gcj02", gcj::wgs84_to_gcj02(wgs)), ("bd09", gcj::wgs84_to_bd09(wgs))] {
        assert!(metres([sent.x, sent.y], [LON, LAT]) > 300.0, "{name} is offset by hundreds of metres");
        let a = assess(&input::point_input(sent.x, sent.y, &crs(name)).expect(name));
        assert_is_the_reference_point(&a);
        assert_eq!(a.site.input_crs.as_deref(), Some(name));
        assert_eq!(a.site.input_coordinates, Some([sent.x, sent.y]));
        assert!(a.site.input_transformation.as_deref().is_some_and(|t| t.contains("iterated to < 0.01 m")));
        assert!(warning(&a, "possible_gcj02").is_none(), "an explicit gcj02/bd09 is not second-guessed");
    }
}

#[test]
fn wugang_centroid_of_the_gcj02_county_layer_converts_onto_the_wgs84_outline_centroid() {
    // /work/shared/realdata/SOURCES.md §1: 舞钢市 (410481) in anzhou99/GeoJsons 410400_full.json is GCJ-02; the
    // centroid of its polygon there is (113.519452, 33.283706). data/wugang/source/wugang_outline.geojson is the
    // same county outline converted to WGS84 by scripts/make_wugang.py.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wugang/source/wugang_outline.geojson")).expect("outline");
    let outline = input::site_from_geojson(&text).expect("outline parses");
    let Site::Footprint(mp) = outline else { panic!("the outline is a polygon") };
    let wgs_centroid = mp.centroid().expect("centroid");
    let converted = gcj::gcj02_to_wgs84(Coord { x: 113.519452, y: 33.283706 });
    let d = Haversine.distance(wgs_centroid, Point(converted));
    assert!(d < 10.0, "GCJ→WGS of the DataV centroid is {d:.1} m from the outline's WGS84 centroid");
    let unconverted = Haversine.distance(wgs_centroid, Point::new(113.519452, 33.283706));
    assert!(unconverted > 300.0, "without conversion it would be {unconverted:.0} m off");
}

/// ~100 m inside the western edge of 田岗 level 2 (SY410481001-2): read as GCJ-02 (about 600 m WNW) it falls into
/// the quasi-protection zone SY410481001-3 and another control unit.
const NEAR_EDGE: (f64, f64) = (113.42848, 33.31782);

#[test]
fn possible_gcj02_warning_names_both_zone_sets_near_a_zone_edge() {
    let e = engine();
    let p = Point::new(NEAR_EDGE.0, NEAR_EDGE.1);
    let level2 = e.index.find_code("SY410481001-2");
    let inside = level2.iter().map(|id| e.index.distance_to_boundary(p, *id)).fold(f64::INFINITY, f64::min);
    assert!((50.0..150.0).contains(&inside), "the test point is {inside:.0} m inside the level-2 edge");

    let a = assess(&input::point_input(NEAR_EDGE.0, NEAR_EDGE.1, &InputCrs::default()).expect("point"));
    assert!(zone_codes(&a).contains(&"SY410481001-2".to_string()));
    let w = warning(&a, "possible_gcj02").expect("possible_gcj02 warning");
    let (as_wgs, as_gcj) = w.en.split_once("read as GCJ-02").expect("both readings named");
    assert!(as_wgs.contains("SY410481001-2") && !as_wgs.contains("SY410481001-3"), "{}", w.en);
    assert!(as_gcj.contains("SY410481001-3") && !as_gcj.contains("SY410481001-2"), "{}", w.en);
    assert!(w.en.contains("crs=gcj02") && w.zh.contains("GCJ-02"), "{w:?}");

    // A footprint there (40 m square) gets the same warning.
    let (x, y, d) = (NEAR_EDGE.0, NEAR_EDGE.1, 0.0002);
    let square = json!({"type": "Polygon", "coordinates": [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]]});
    let a = assess(&input::geojson_input(&square, &InputCrs::default()).expect("square"));
    assert!(warning(&a, "possible_gcj02").is_some_and(|w| w.en.contains("SY410481001-3")), "{:?}", a.warnings);
}

#[test]
fn no_possible_gcj02_warning_when_both_readings_hit_the_same_zones() {
    // general_far: ≥ 2 km from any special zone, deep inside one control unit.
    let a = assess(&input::point_input(113.586555, 33.353639, &InputCrs::default()).expect("point"));
    assert!(warning(&a, "possible_gcj02").is_none(), "{:?}", a.warnings);
}

#[test]
fn xian80_needs_towgs84_and_with_it_lands_on_the_reference_point() {
    // The Xi'an 1980 GK zone 38 coordinates of the reference point under an illustrative (not official) 7-parameter
    // shift, computed by PROJ's own +towgs84 route, independent of ecogate's pipeline:
    // echo "113.447392 33.317817" | cs2cs -d 6 +proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs +to +proj=tmerc
    //   +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=IAU76 +towgs84=-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5 +units=m
    //   → 448469.886410 3688143.730273
    const TOWGS84: &str = "-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5";
    let (e, n) = (448_469.886410, 3_688_143.730273);
    let refused = InputCrs::parse(Some("xian80-gk3:38"), None).expect_err("no parameters");
    assert_eq!(InputError::from(refused.clone()).slug(), "datum-shift-required");
    assert!(refused.to_string().contains("no public nationwide transformation") && refused.to_string().contains("local surveying"), "{refused}");
    assert!(refused.message_zh().contains("当地自然资源（测绘）主管部门"), "{}", refused.message_zh());

    let xian = InputCrs::parse(Some("xian80-gk3:38"), Some(TOWGS84)).expect("with parameters");
    let a = assess(&input::point_input(n, e, &xian).expect("X/Y order"));
    assert_is_the_reference_point(&a);
    assert_eq!(a.site.input_towgs84.as_deref(), Some(&[-15.2, 108.7, 52.1, 0.8, -1.4, 2.9, -3.5][..]));
    assert_eq!(a.site.input_crs_epsg.as_deref(), Some("EPSG:2383"), "Xian 1980 / 3-degree Gauss-Kruger CM 114E");
    // The shift matters: the same numbers read as CGCS2000 are tens of metres away.
    let as_cgcs = input::point_input(n, e, &crs("cgcs2000-gk3:38")).expect("as CGCS2000").origin.converted;
    assert!(metres(as_cgcs, [LON, LAT]) > 30.0, "{} m", metres(as_cgcs, [LON, LAT]));
}

#[test]
fn beijing54_epsg_code_with_a_3_parameter_shift_is_accepted() {
    // echo "113.447392 33.317817" | cs2cs -d 6 +proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs +to +proj=tmerc
    //   +lat_0=0 +lon_0=114 +k=1 +x_0=38500000 +y_0=0 +ellps=krass +towgs84=24.5,-121.3,-79.8 +units=m
    //   → 38448515.968459 3688195.880867   (illustrative parameters)
    let bj54 = InputCrs::parse(Some("EPSG:2414"), Some("24.5,-121.3,-79.8")).expect("EPSG:2414 with towgs84");
    let a = assess(&input::point_input(38_448_515.968459, 3_688_195.880867, &bj54).expect("point"));
    assert_is_the_reference_point(&a);
    assert_eq!(a.site.input_crs.as_deref(), Some("bj54-gk3:38"));
}

#[test]
fn dms_text_is_read_in_either_order_and_echoed() {
    // 113.447392°E = 113°26′50.6112″, 33.317817°N = 33°19′04.1412″.
    for text in [r#"113°26'50.6112"E 33°19'04.1412"N"#, "33°19′04.1412″N 113°26′50.6112″E", "北纬33度19分4.1412秒 东经113度26分50.6112秒"] {
        let a = assess(&input::text_point_input(text, &InputCrs::default()).unwrap_or_else(|e| panic!("{text}: {e}")));
        assert_is_the_reference_point(&a);
        assert_eq!(a.site.input_text.as_deref(), Some(text));
    }
    let a = assess(&input::text_point_input("33°19′04.1412″N 113°26′50.6112″E", &InputCrs::default()).expect("lat first"));
    assert_eq!(a.site.axis_order_assumed, Some(AxisOrder::LatLon), "the letters decided the order");
}

#[test]
fn degrees_sent_with_a_projected_crs_are_refused() {
    let e = input::point_input(LON, LAT, &crs("cgcs2000-gk3:38")).expect_err("degrees");
    assert_eq!(e.slug(), "degrees-with-projected-crs");
    assert!(e.to_string().contains("are degrees, but crs cgcs2000-gk3:38 is projected"), "{e}");
    assert!(e.message_zh().contains("投影坐标（米）"));
    let e = input::text_point_input(r#"113°26'50"E 33°19'04"N"#, &crs("EPSG:4526")).expect_err("DMS with a projected crs");
    assert_eq!(e.slug(), "degrees-with-projected-crs");
}

#[test]
fn numbers_that_are_neither_degrees_nor_gauss_kruger_are_refused() {
    let e = input::point_input(52_000_000.0, 8_000.0, &crs("cgcs2000-gk3:38")).expect_err("nonsense");
    assert_eq!(e.slug(), "invalid-projected-coordinates");
    assert!(e.to_string().contains("7-digit northing"), "{e}");
    assert!(e.message_zh().contains("7 位整数"), "{}", e.message_zh());
}

#[test]
fn a_prefix_of_the_wrong_zone_or_width_is_refused() {
    let e = input::point_input(EASTING_PREFIXED, NORTHING, &crs("cgcs2000-gk3:39")).expect_err("38 vs 39");
    assert_eq!(e.slug(), "zone-mismatch");
    assert!(e.to_string().contains("zone prefix 38 contradicts") && e.to_string().contains("3° zone 39"), "{e}");
    assert!(e.message_zh().contains("带号 38"), "{}", e.message_zh());
    // 19 can only be the 6° zone 19 (3° zones start at 25).
    let e = input::point_input(19_727_920.830_5, 3_690_671.060_9, &crs("cgcs2000-gk3")).expect_err("19 is no 3° zone");
    assert_eq!(e.slug(), "zone-mismatch");
    assert!(e.to_string().contains("is a 6° zone number") && e.to_string().contains("crs=cgcs2000-gk6:19"), "{e}");
    // …and read as such it is the reference point (cs2cs EPSG:4490 → EPSG:4497: 3690671.0609 19727920.8305).
    let a = assess(&input::point_input(19_727_920.830_5, 3_690_671.060_9, &crs("cgcs2000-gk")).expect("6° zone 19"));
    assert_eq!(a.site.input_crs.as_deref(), Some("cgcs2000-gk6:19"));
    assert!(metres(a.site.converted_coordinates.expect("converted"), [LON, LAT]) < 0.01);
    let e = input::point_input(24_448_542.0, NORTHING, &crs("cgcs2000-gk")).expect_err("24 is no zone");
    assert!(e.to_string().contains("no Gauss–Krüger zone in China"), "{e}");
}

#[test]
fn a_point_outside_china_is_assessed_with_a_warning() {
    // Decision: a warning, not an error — the data's coverage decides (undetermined), and the warning says to check
    // the CRS. Paris sent as GCJ-02: the GCJ-02 offset does not apply there.
    let a = assess(&input::point_input(2.35, 48.86, &crs("gcj02")).expect("Paris"));
    assert_eq!(a.verdict, Verdict::Undetermined);
    let w = warning(&a, "outside_china").expect("outside_china warning");
    assert!(w.en.contains("outside China") && w.en.contains("identity outside China") && w.zh.contains("中国范围之外"), "{w:?}");
    assert!(warning(&a, "outside_coverage").is_some());
}

#[test]
fn an_unknown_epsg_code_is_a_clear_error() {
    let e = InputCrs::parse(Some("EPSG:999999"), None).expect_err("unknown");
    assert_eq!(e.slug(), "unknown-crs");
    assert!(e.to_string().starts_with("PROJ does not know EPSG:999999"), "{e}");
}

#[test]
fn a_utm_epsg_code_goes_to_proj_in_gis_order() {
    // WGS 84 / UTM zone 49N of the reference point: cs2cs EPSG:4326 → EPSG:32649.
    let utm = InputCrs::parse(Some("EPSG:32649"), None).expect("UTM 49N");
    let out = std::process::Command::new("cs2cs")
        .args(["-d", "6", "EPSG:4326", "EPSG:32649"])
        .stdin_str(&format!("{LAT} {LON}\n"))
        .expect("cs2cs runs");
    let nums: Vec<f64> = out.split_whitespace().filter_map(|s| s.parse().ok()).collect();
    let a = assess(&input::point_input(nums[0], nums[1], &utm).expect("easting, northing"));
    assert_eq!(a.site.axis_order_assumed, Some(AxisOrder::EastingNorthing));
    assert!(metres(a.site.converted_coordinates.expect("converted"), [LON, LAT]) < 0.01);
}

/// Runs a command with stdin text, returning stdout (a tiny helper to keep cs2cs calls readable).
trait StdinStr {
    fn stdin_str(&mut self, input: &str) -> Option<String>;
}

impl StdinStr for std::process::Command {
    fn stdin_str(&mut self, input: &str) -> Option<String> {
        use std::io::Write;
        let mut child = self.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().ok()?;
        child.stdin.take()?.write_all(input.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        String::from_utf8(out.stdout).ok()
    }
}

#[test]
fn a_gauss_kruger_footprint_with_a_legacy_crs_member_that_agrees_is_accepted_and_one_that_disagrees_is_not() {
    let ring = json!([[EASTING - 50.0, NORTHING - 50.0], [EASTING + 50.0, NORTHING - 50.0], [EASTING + 50.0, NORTHING + 50.0], [EASTING - 50.0, NORTHING + 50.0], [EASTING - 50.0, NORTHING - 50.0]]);
    let mut gj = json!({"type": "Polygon", "coordinates": [ring], "crs": {"type": "name", "properties": {"name": "EPSG:4547"}}});
    let a = assess(&input::geojson_input(&gj, &crs("cgcs2000-gk3-cm:114")).expect("agrees"));
    assert_eq!(zone_codes(&a), ZONES);
    assert!((a.site.area_m2.expect("area") - 10_000.0).abs() < 5.0, "{:?}", a.site.area_m2);
    gj["crs"]["properties"]["name"] = json!("EPSG:4546");
    let e = input::geojson_input(&gj, &crs("cgcs2000-gk3-cm:114")).expect_err("disagrees");
    assert_eq!(e.slug(), "conflicting-crs");
    assert!(e.to_string().contains("legacy \"crs\" member (EPSG:4546)") && e.to_string().contains("RFC 7946"), "{e}");
    assert!(e.message_zh().contains("旧式 crs 成员"), "{}", e.message_zh());
}

// ------------------------------------------------------------------------------------------------ CLI

fn ecogate() -> Command {
    let mut c = Command::cargo_bin("ecogate").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("ECOGATE_DATASET").env_remove("ECOGATE_RULES");
    c
}

fn facts_args() -> [&'static str; 6] {
    ["--industry", "3011", "--nature", "new", "--discharges", "yes"]
}

#[test]
fn cli_check_reads_surveyors_order_in_zone_38_and_says_so() {
    let at = format!("{NORTHING} {EASTING_PREFIXED}");
    let out = ecogate().args(["check", "--crs", "cgcs2000-gk3", "--at", &at]).args(facts_args()).output().expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Input 输入: cgcs2000-gk3:38 (EPSG:4526)") && text.contains("X = northing, Y = easting"), "{text}");
    assert!(text.contains("[axis_order_assumed]"), "{text}");

    let out = ecogate().args(["check", "--json", "--crs", "EPSG:4526", "--lon", &EASTING_PREFIXED.to_string(), "--lat", &NORTHING.to_string()]).args(facts_args()).output().expect("runs");
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(a["site"]["input_crs"], "cgcs2000-gk3:38");
    assert_eq!(a["site"]["input_crs_epsg"], "EPSG:4526");
    assert_eq!(a["site"]["axis_order_assumed"], "easting_northing");
    assert_eq!(a["verdict"], "prohibited");
}

#[test]
fn cli_check_takes_gcj02_bd09_and_dms() {
    let sent = gcj::wgs84_to_bd09(Coord { x: LON, y: LAT });
    let out = ecogate()
        .args(["check", "--json", "--crs", "bd09", "--lon", &sent.x.to_string(), "--lat", &sent.y.to_string()])
        .args(facts_args())
        .output()
        .expect("runs");
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    let c = &a["site"]["converted_coordinates"];
    assert!(metres([c[0].as_f64().unwrap_or_default(), c[1].as_f64().unwrap_or_default()], [LON, LAT]) < 0.01, "{c}");
    assert_eq!(a["verdict"], "prohibited");

    let out = ecogate().args(["check", "--json", "--at", "33°19′04.1412″N 113°26′50.6112″E"]).args(facts_args()).output().expect("runs");
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(a["site"]["axis_order_assumed"], "lat_lon");
    assert_eq!(a["verdict"], "prohibited");
}

#[test]
fn cli_xian80_without_towgs84_is_a_usage_error_that_explains_why_in_both_languages() {
    let out = ecogate().args(["check", "--crs", "xian80-gk3:38", "--at", "3688143.73 448469.89"]).args(facts_args()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no public nationwide transformation") && err.contains("--towgs84"), "{err}");
    assert!(err.contains("没有全国统一公开的转换参数"), "{err}");
    let out = ecogate()
        .args(["check", "--crs", "xian80-gk3:38", "--towgs84", "-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5", "--at", "3688143.730273 448469.886410"])
        .args(facts_args())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cli_unknown_epsg_and_bad_dms_are_usage_errors_with_the_reason() {
    let out = ecogate().args(["check", "--crs", "EPSG:999999", "--lon", "113.4", "--lat", "33.3"]).args(facts_args()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PROJ does not know EPSG:999999"));
    let out = ecogate().args(["check", "--at", "113°30'15\"E 33°75'20\"N"]).args(facts_args()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("minutes must be less than 60") && err.contains("分必须小于 60"), "{err}");
}

// ------------------------------------------------------------------------------------------------ HTTP API

fn problem(r: reqwest::blocking::Response, status: u16, slug: &str) -> Value {
    assert_eq!(r.status().as_u16(), status);
    let p: Value = r.json().expect("problem body");
    assert_eq!(p["type"], format!("/problems/{slug}"), "{p}");
    assert!(!p["detail"].as_str().unwrap_or_default().is_empty() && !p["detail_zh"].as_str().unwrap_or_default().is_empty(), "{p}");
    p
}

fn get(s: &Server, query: &str) -> reqwest::blocking::Response {
    client().get(s.url("/v1/assessments")).query(&[("industry", "3011"), ("nature", "new"), ("discharges_pollutants", "yes")]).query(&query_pairs(query)).send().expect("GET")
}

fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn post(s: &Server, body: &Value) -> reqwest::blocking::Response {
    client().post(s.url("/v1/assessments")).json(body).send().expect("POST")
}

fn converted(a: &Value) -> [f64; 2] {
    let c = &a["site"]["converted_coordinates"];
    [c[0].as_f64().unwrap_or(f64::NAN), c[1].as_f64().unwrap_or(f64::NAN)]
}

#[test]
fn http_get_and_post_take_the_same_crs_names() {
    let s = Server::start();
    let gcj = gcj::wgs84_to_gcj02(Coord { x: LON, y: LAT });
    let a: Value = get(&s, &format!("crs=gcj02&lon={}&lat={}", gcj.x, gcj.y)).json().expect("json");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01, "{}", a["site"]);
    assert_eq!(a["site"]["input_crs"], "gcj02");
    assert_eq!(a["verdict"], "prohibited");

    // Zone 38 without prefix plus the zone, in surveyors' order, in a POST body.
    let body = json!({"geometry": {"type": "Point", "coordinates": [NORTHING, EASTING]}, "crs": "cgcs2000-gk3:38",
        "facts": {"industry": "3011", "nature": "new", "discharges_pollutants": true}});
    let a: Value = post(&s, &body).json().expect("json");
    assert_eq!(a["site"]["axis_order_assumed"], "northing_easting");
    assert_eq!(a["site"]["input_coordinates"], json!([NORTHING, EASTING]));
    assert!(metres(converted(&a), [LON, LAT]) < 0.01);
    assert_eq!(a["verdict"], "prohibited");
    assert!(a["warnings"].as_array().is_some_and(|w| w.iter().any(|w| w["code"] == "axis_order_assumed")));

    // A GeoJSON Feature body carries crs in its properties, like its facts.
    let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [EASTING_PREFIXED, NORTHING]},
        "properties": {"crs": "EPSG:4526", "facts": {"industry": "3011", "nature": "new", "discharges_pollutants": "yes"}}});
    let a: Value = post(&s, &body).json().expect("json");
    assert_eq!(a["site"]["input_crs_epsg"], "EPSG:4526");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01);
}

#[test]
fn http_get_at_takes_dms_text() {
    let s = Server::start();
    let a: Value = get(&s, "at=113°26'50.6112\"E 33°19'04.1412\"N").json().expect("json");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01, "{}", a["site"]);
    assert_eq!(a["site"]["input_text"], "113°26'50.6112\"E 33°19'04.1412\"N");
    let p = problem(get(&s, "at=113°26'50\"E 33°19'61\"N"), 422, "invalid-coordinate-text");
    assert_eq!(p["pointer"], "at");
    assert!(p["detail"].as_str().unwrap_or_default().contains("seconds must be less than 60"), "{p}");
    let p = problem(get(&s, "at=113 26 50 33 19 04"), 422, "invalid-coordinate-text");
    assert!(p["detail"].as_str().unwrap_or_default().contains("ambiguous"), "{p}");
    let p = problem(get(&s, "at=113.4 33.3&lon=113.4&lat=33.3"), 422, "conflicting-coordinates");
    assert!(p["detail"].as_str().unwrap_or_default().contains("either at= or lon= and lat="), "{p}");
}

#[test]
fn http_xian80_is_refused_without_towgs84_and_accepted_with_it() {
    let s = Server::start();
    let p = problem(get(&s, "crs=xian80-gk3:38&lon=3688143.730273&lat=448469.886410"), 422, "datum-shift-required");
    assert_eq!(p["pointer"], "crs");
    assert!(p["detail"].as_str().unwrap_or_default().contains("no public nationwide transformation"), "{p}");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("须向当地自然资源（测绘）主管部门获取"), "{p}");

    let a: Value = get(&s, "crs=xian80-gk3:38&towgs84=-15.2,108.7,52.1,0.8,-1.4,2.9,-3.5&lon=3688143.730273&lat=448469.886410").json().expect("json");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01, "{}", a["site"]);
    // In a POST body towgs84 may be an array.
    let body = json!({"geometry": {"type": "Point", "coordinates": [448469.886410, 3688143.730273]}, "crs": "xian80-gk3-cm:114",
        "towgs84": [-15.2, 108.7, 52.1, 0.8, -1.4, 2.9, -3.5], "facts": {"industry": "3011", "nature": "new", "discharges_pollutants": "yes"}});
    let a: Value = post(&s, &body).json().expect("json");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01, "{}", a["site"]);
    assert_eq!(a["site"]["input_towgs84"], json!([-15.2, 108.7, 52.1, 0.8, -1.4, 2.9, -3.5]));

    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [448469.9, 3688143.7]}, "crs": "xian80-gk3:38", "towgs84": [1, 2]})), 422, "invalid-towgs84");
    assert_eq!(p["pointer"], "/towgs84");
    assert!(p["detail"].as_str().unwrap_or_default().contains("give 3 (dx,dy,dz) or 7"), "{p}");
    let p = problem(get(&s, "crs=cgcs2000-gk3:38&towgs84=1,2,3&lon=3688132.57&lat=448542.63"), 422, "invalid-towgs84");
    assert!(p["detail"].as_str().unwrap_or_default().contains("applies only to Xi'an 1980 and Beijing 1954"), "{p}");
}

#[test]
fn http_epsg_4526_explicit_and_unknown_epsg() {
    let s = Server::start();
    let a: Value = get(&s, &format!("crs=EPSG:4526&lon={EASTING_PREFIXED}&lat={NORTHING}")).json().expect("json");
    assert_eq!(a["site"]["input_crs_epsg"], "EPSG:4526");
    assert!(metres(converted(&a), [LON, LAT]) < 0.01);
    assert_eq!(a["verdict"], "prohibited");
    let p = problem(get(&s, "crs=EPSG:999999&lon=1&lat=2"), 422, "unknown-crs");
    assert_eq!(p["pointer"], "crs");
    assert!(p["detail"].as_str().unwrap_or_default().contains("PROJ does not know EPSG:999999"), "{p}");
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [113.4, 33.3]}, "crs": "amap"})), 422, "unknown-crs");
    assert_eq!(p["pointer"], "/crs");
    assert!(p["detail"].as_str().unwrap_or_default().contains("gcj02"), "names the known crs: {p}");
    let p = problem(get(&s, "crs=EPSG:27700&lon=530000&lat=180000"), 422, "datum-shift-required");
    assert!(p["detail"].as_str().unwrap_or_default().contains("OSGB36"), "{p}");
}

#[test]
fn http_coordinate_errors_of_projected_input_point_at_the_coordinates_and_explain() {
    let s = Server::start();
    let body = |coords: Value, crs: &str| json!({"geometry": {"type": "Point", "coordinates": coords}, "crs": crs, "facts": {"industry": "3011", "nature": "new"}});
    let p = problem(post(&s, &body(json!([EASTING, NORTHING]), "cgcs2000-gk3")), 422, "zone-required");
    assert_eq!(p["pointer"], "/geometry");
    assert!(p["detail"].as_str().unwrap_or_default().contains("cgcs2000-gk3:NN"), "{p}");
    let p = problem(post(&s, &body(json!([EASTING_PREFIXED, NORTHING]), "cgcs2000-gk6:19")), 422, "zone-mismatch");
    assert!(p["detail"].as_str().unwrap_or_default().contains("prefix 38 contradicts"), "{p}");
    let p = problem(post(&s, &body(json!([LON, LAT]), "cgcs2000-gk3:38")), 422, "degrees-with-projected-crs");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("经纬度"), "{p}");
    let p = problem(post(&s, &body(json!([12.0, 3_688_132.0]), "cgcs2000-gk3:38")), 422, "invalid-projected-coordinates");
    assert!(p["detail"].as_str().unwrap_or_default().contains("not Gauss–Krüger metres"), "{p}");
    // Without crs, prefixed metres are "projected as degrees", and the message names the zone to use.
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [EASTING_PREFIXED, NORTHING]}, "facts": {"industry": "3011", "nature": "new"}})), 422, "projected-as-degrees");
    assert!(p["detail"].as_str().unwrap_or_default().contains("crs=cgcs2000-gk3:38"), "{p}");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("crs=cgcs2000-gk3:38"), "{p}");
}

#[test]
fn http_legacy_geojson_crs_member_is_refused_unless_it_agrees() {
    let s = Server::start();
    let geometry = json!({"type": "Point", "coordinates": [EASTING_PREFIXED, NORTHING], "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4526"}}});
    let facts = json!({"industry": "3011", "nature": "new", "discharges_pollutants": "yes"});
    let p = problem(post(&s, &json!({"geometry": geometry, "facts": facts})), 422, "conflicting-crs");
    assert!(p["detail"].as_str().unwrap_or_default().contains("give the CRS as the request's crs"), "{p}");
    let a: Value = post(&s, &json!({"geometry": geometry, "facts": facts, "crs": "EPSG:4526"})).json().expect("json");
    assert_eq!(a["verdict"], "prohibited");
    let p = problem(post(&s, &json!({"geometry": geometry, "facts": facts, "crs": "EPSG:4527"})), 422, "conflicting-crs");
    assert!(p["detail"].as_str().unwrap_or_default().contains("disagrees with the request's crs EPSG:4527"), "{p}");
}

#[test]
fn http_possible_gcj02_warning_for_a_wgs84_point_near_a_zone_edge() {
    let s = Server::start();
    let a: Value = get(&s, &format!("lon={}&lat={}", NEAR_EDGE.0, NEAR_EDGE.1)).json().expect("json");
    let w = a["warnings"].as_array().and_then(|w| w.iter().find(|w| w["code"] == "possible_gcj02").cloned()).expect("possible_gcj02");
    assert!(w["en"].as_str().unwrap_or_default().contains("SY410481001-3"), "{w}");
    let a: Value = get(&s, &format!("crs=wgs84&lon={}&lat={}", NEAR_EDGE.0, NEAR_EDGE.1)).json().expect("json");
    assert!(a["warnings"].as_array().is_some_and(|w| w.iter().any(|w| w["code"] == "possible_gcj02")), "explicit wgs84 too");
}
