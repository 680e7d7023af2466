//! Validation policy of `ecogate::ingest` (doc comment at the top of src/ingest.rs): each problem kind is located
//! (layer, feature), handled as the policy says (refused / repaired / skipped / noted) and explained so the data
//! owner can fix it. Fixtures are GeoPackages written with `ogr2ogr` from small GeoJSON/CSV texts near Wugang.

#[path = "common/fixtures.rs"]
mod fixtures;

use ecogate::ingest::{Action, IngestError, ProblemKind};
use ecogate::manifest::ManifestError;
use ecogate::zone::{UnitClass, WaterSourceLevel, ZoneDetail};
use fixtures::*;
use geo::Validation;
use serde_json::{json, Value};

/// Writes the features as layer `layer` of `data.gpkg` (EPSG:4490). Feature ids are 1, 2, … in order.
fn gpkg(fx: &Fx, layer: &str, features: Vec<Value>) {
    let src = format!("{layer}.geojson");
    fx.geojson(&src, features);
    fx.gpkg_layer("data.gpkg", layer, &src, "EPSG:4490");
}

fn unit(code: &str, name: &str, class: &str, prohibited: &str, geometry: Value) -> Value {
    feature(json!({"单元编码": code, "单元名称": name, "管控类别": class, "禁止行业": prohibited}), geometry)
}

const UNIT_LAYER: &str = "[[layers]]\nid = \"units\"\nkind = \"control_unit\"\nsource = \"data.gpkg\"\nlayer = \"units\"\n\
[layers.fields]\ncode = \"单元编码\"\nname = \"单元名称\"\nclass = \"管控类别\"\nprohibited_industries = \"禁止行业\"\n";

fn water(code: &str, level: &str, geometry: Value) -> Value {
    feature(json!({"水源编码": code, "水源名称": "田岗水库饮用水水源保护区", "保护级别": level}), geometry)
}

const WATER_LAYER: &str = "[[layers]]\nid = \"water\"\nkind = \"water_source\"\nsource = \"data.gpkg\"\nlayer = \"water\"\n\
[layers.fields]\ncode = \"水源编码\"\nname = \"水源名称\"\nlevel = \"保护级别\"\n";

fn red(code: &str, geometry: Value) -> Value {
    feature(json!({"code": code, "name": "舞钢市生态保护红线"}), geometry)
}

const RED_LAYER: &str = "[[layers]]\nid = \"red\"\nkind = \"red_line\"\nsource = \"data.gpkg\"\nlayer = \"red\"\n\
[layers.fields]\ncode = \"code\"\nname = \"name\"\n";

#[test]
fn missing_mapped_field_is_refused_and_lists_the_available_fields() {
    let fx = Fx::new();
    gpkg(&fx, "units", vec![unit("ZH41048120001", "舞钢市中心城区重点管控单元", "2", "", rect(113.50, 33.28, 113.56, 33.32))]);
    // Typo in the manifest: 管控类型 instead of 管控类别.
    let m = fx.manifest(&UNIT_LAYER.replace("class = \"管控类别\"", "class = \"管控类型\""));
    let report = load_refused(&m);
    let p = only_problem(&report, ProblemKind::MissingField);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("units", None, Action::Refused));
    assert!(p.message.contains("\"管控类型\" (for `class`)"), "names the field and the concept: {}", p.message);
    let listed = p.message.split("its fields are: ").nth(1).expect("the message lists the fields");
    let mut listed: Vec<&str> = listed.split(", ").collect();
    listed.sort_unstable();
    let mut expected = vec!["单元编码", "单元名称", "管控类别", "禁止行业"];
    expected.sort_unstable();
    assert_eq!(listed, expected, "lists exactly the layer's fields: {}", p.message);
    assert!(!p.message.contains("garbled"), "no encoding hint for readable names: {}", p.message);
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

#[test]
fn layer_not_found_is_refused_and_lists_the_layers() {
    let fx = Fx::new();
    let m = fx.manifest(&format!(
        "[[layers]]\nid = \"units\"\nkind = \"control_unit\"\nsource = \"{}\"\nlayer = \"control_unit\"\n\
         [layers.fields]\ncode = \"HJZHGKDYBM\"\nclass = \"ZHGKDYFL\"\n",
        sample("wugang.gpkg").display()
    ));
    let report = load_refused(&m);
    let p = only_problem(&report, ProblemKind::LayerNotFound);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("units", None, Action::Refused));
    assert!(p.message.contains("layer \"control_unit\" not found"), "{}", p.message);
    for layer in ["control_units", "water_sources", "reserves", "no_farming", "fuel_ban"] {
        assert!(p.message.contains(layer), "lists layer {layer}: {}", p.message);
    }
}

#[test]
fn multi_layer_geopackage_without_layer_name_is_refused_listing_its_layers() {
    let fx = Fx::new();
    gpkg(&fx, "units", vec![unit("ZH41048120001", "舞钢市中心城区重点管控单元", "2", "", rect(113.50, 33.28, 113.56, 33.32))]);
    gpkg(&fx, "water", vec![water("SY410481001-1", "一级", rect(113.44, 33.32, 113.46, 33.34))]);
    let report = load_refused(&fx.manifest(&UNIT_LAYER.replace("layer = \"units\"\n", "")));
    let p = only_problem(&report, ProblemKind::LayerNotFound);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("units", None, Action::Refused));
    assert!(p.message.contains("has 2 layers (units, water)"), "{}", p.message);
    assert!(p.message.contains("`layer =`"), "says how to fix it: {}", p.message);
}

#[test]
fn empty_or_missing_geometry_is_skipped_and_the_rest_loads() {
    let fx = Fx::new();
    // CSV with WKT: GeoJSON cannot express an empty (as opposed to null) geometry.
    fx.write(
        "red.csv",
        "code,name,WKT\n\
         HX-1,舞钢市生态保护红线,\"POLYGON ((113.40 33.30,113.45 33.30,113.45 33.35,113.40 33.35,113.40 33.30))\"\n\
         HX-2,舞钢市生态保护红线,POLYGON EMPTY\n\
         HX-3,舞钢市生态保护红线,\n",
    );
    fx.ogr2ogr(&["-f", "GPKG", "data.gpkg", "red.csv", "-a_srs", "EPSG:4490", "-nln", "red", "-nlt", "POLYGON", "-oo", "KEEP_GEOM_COLUMNS=NO"]);
    let ds = load_ok(&fx.manifest(RED_LAYER));
    assert_eq!(ds.zones.iter().map(|z| z.code.as_str()).collect::<Vec<_>>(), ["HX-1"]);
    let skipped = problems_of(&ds.report, ProblemKind::EmptyGeometry);
    assert_eq!(skipped.len(), 2, "{:#?}", ds.report.problems);
    let (empty, missing) = (skipped[0], skipped[1]);
    assert_eq!((empty.layer.as_str(), empty.feature_id, empty.code.as_deref(), empty.action), ("red", Some(2), Some("HX-2"), Action::Skipped));
    assert!(empty.message.contains("empty"), "{}", empty.message);
    assert_eq!((missing.layer.as_str(), missing.feature_id, missing.code.as_deref(), missing.action), ("red", Some(3), Some("HX-3"), Action::Skipped));
    assert!(missing.message.contains("geometry"), "{}", missing.message);
    assert_eq!((ds.layers[0].features_read, ds.layers[0].zones_loaded), (3, 1));
}

#[test]
fn point_and_line_features_are_skipped_as_not_polygon() {
    let fx = Fx::new();
    gpkg(
        &fx,
        "red",
        vec![
            red("HX-1", rect(113.40, 33.30, 113.45, 33.35)),
            red("HX-2", json!({"type": "Point", "coordinates": [113.42, 33.32]})),
            red("HX-3", json!({"type": "LineString", "coordinates": [[113.40, 33.30], [113.50, 33.35]]})),
        ],
    );
    let ds = load_ok(&fx.manifest(RED_LAYER));
    assert_eq!(ds.zones.iter().map(|z| z.code.as_str()).collect::<Vec<_>>(), ["HX-1"]);
    let skipped = problems_of(&ds.report, ProblemKind::NotPolygon);
    assert_eq!(skipped.len(), 2, "{:#?}", ds.report.problems);
    assert_eq!((skipped[0].layer.as_str(), skipped[0].feature_id, skipped[0].code.as_deref(), skipped[0].action),
        ("red", Some(2), Some("HX-2"), Action::Skipped));
    assert!(skipped[0].message.contains("POINT") && skipped[0].message.contains("not a polygon"), "{}", skipped[0].message);
    assert_eq!((skipped[1].feature_id, skipped[1].code.as_deref(), skipped[1].action), (Some(3), Some("HX-3"), Action::Skipped));
    assert!(skipped[1].message.contains("LINESTRING"), "{}", skipped[1].message);
    assert!(!ds.report.refused());
}

#[test]
fn self_intersecting_bow_tie_is_repaired_and_the_zone_still_loads() {
    let fx = Fx::new();
    let bow_tie = json!({"type": "Polygon", "coordinates": [ring(&[(113.40, 33.30), (113.50, 33.40), (113.50, 33.30), (113.40, 33.40)])]});
    gpkg(&fx, "red", vec![red("HX-1", rect(113.60, 33.30, 113.65, 33.35)), red("HX-2", bow_tie)]);
    let ds = load_ok(&fx.manifest(RED_LAYER));
    let p = only_problem(&ds.report, ProblemKind::InvalidGeometry);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("red", Some(2), Some("HX-2"), Action::Repaired));
    assert!(p.message.contains("repaired") && p.message.contains("check the source"), "{}", p.message);
    assert_eq!(ds.report.problems.len(), 1, "the valid rectangle is not touched: {:#?}", ds.report.problems);

    let z = zone(&ds, "HX-2");
    assert_eq!(z.geometry.0.len(), 2, "MakeValid splits the bow-tie into its two triangles: {:?}", z.geometry);
    assert!(z.geometry.is_valid(), "the repaired geometry is valid");
    assert!(contains(z, 113.41, 33.35) && contains(z, 113.49, 33.35), "both lobes are kept");
    assert!(!contains(z, 113.45, 33.31) && !contains(z, 113.45, 33.39), "the wedges outside the bow-tie are not added");
    assert_has_vertex(z, 113.45, 33.35, 1e-9);
    assert!(contains(zone(&ds, "HX-1"), 113.62, 33.32));
}

#[test]
fn missing_code_or_class_value_is_refused_per_feature() {
    let fx = Fx::new();
    gpkg(
        &fx,
        "units",
        vec![
            unit("ZH41048120001", "舞钢市中心城区重点管控单元", "2", "", rect(113.50, 33.28, 113.56, 33.32)),
            unit("  ", "无编码单元", "3", "", rect(113.60, 33.28, 113.66, 33.32)),
            unit("ZH41048130009", "无分类单元", "", "", rect(113.40, 33.28, 113.46, 33.32)),
        ],
    );
    let report = load_refused(&fx.manifest(UNIT_LAYER));
    let missing = problems_of(&report, ProblemKind::MissingValue);
    assert_eq!(missing.len(), 2, "{:#?}", report.problems);
    let no_code = missing[0];
    assert_eq!((no_code.layer.as_str(), no_code.feature_id, no_code.code.as_deref(), no_code.action),
        ("units", Some(2), None, Action::Refused));
    assert!(no_code.message.contains("no value in the code field \"单元编码\""), "{}", no_code.message);
    let no_class = missing[1];
    assert_eq!((no_class.feature_id, no_class.code.as_deref(), no_class.action), (Some(3), Some("ZH41048130009"), Action::Refused));
    assert!(no_class.message.contains("`class`"), "{}", no_class.message);
    assert_eq!(report.problems.len(), 2);
}

fn unknown_level_fixture(fx: &Fx) {
    gpkg(
        fx,
        "water",
        vec![
            water("SY410481001-1", "一级保护区", rect(113.44, 33.32, 113.46, 33.34)),
            water("SY410481001-3", "三级保护区", rect(113.40, 33.28, 113.50, 33.38)),
        ],
    );
}

#[test]
fn unknown_level_value_is_refused_with_a_hint_to_map_it() {
    let fx = Fx::new();
    unknown_level_fixture(&fx);
    let report = load_refused(&fx.manifest(WATER_LAYER));
    let p = only_problem(&report, ProblemKind::UnknownValue);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("water", Some(2), Some("SY410481001-3"), Action::Refused));
    assert!(p.message.contains("\"三级保护区\" of `level`"), "quotes the value: {}", p.message);
    assert!(p.message.contains("[layers.values.level]"), "says where to map it: {}", p.message);
    assert_eq!(report.problems.len(), 1);
}

#[test]
fn unknown_level_value_loads_once_mapped_under_layers_values_level() {
    let fx = Fx::new();
    unknown_level_fixture(&fx);
    let ds = load_ok(&fx.manifest(&format!("{WATER_LAYER}[layers.values.level]\n\"三级保护区\" = \"quasi\"\n")));
    assert_eq!(zone(&ds, "SY410481001-3").detail, ZoneDetail::WaterSource { level: WaterSourceLevel::Quasi });
    assert_eq!(zone(&ds, "SY410481001-1").detail, ZoneDetail::WaterSource { level: WaterSourceLevel::Level1 });
    assert!(ds.report.problems.is_empty(), "{:#?}", ds.report.problems);
}

#[test]
fn duplicate_control_unit_code_is_refused() {
    let fx = Fx::new();
    gpkg(
        &fx,
        "units",
        vec![
            unit("ZH41048120001", "舞钢市中心城区重点管控单元", "2", "", rect(113.50, 33.28, 113.56, 33.32)),
            unit("ZH41048130001", "舞钢市北部一般管控单元", "3", "", rect(113.40, 33.36, 113.46, 33.42)),
            unit("ZH41048120001", "舞钢市中心城区重点管控单元（东片）", "2", "", rect(113.60, 33.28, 113.66, 33.32)),
        ],
    );
    let report = load_refused(&fx.manifest(UNIT_LAYER));
    let p = only_problem(&report, ProblemKind::DuplicateCode);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("units", Some(3), Some("ZH41048120001"), Action::Refused));
    assert!(p.message.contains("also used by feature 1 of layer units"), "points at the first use: {}", p.message);
    assert!(p.message.contains("control-unit codes must be unique"), "{}", p.message);
}

#[test]
fn duplicate_code_in_water_source_layer_is_noted_and_both_parts_kept() {
    let fx = Fx::new();
    gpkg(
        &fx,
        "water",
        vec![
            water("SY410481001-2", "二级保护区", rect(113.42, 33.30, 113.44, 33.36)),
            water("SY410481001-2", "二级保护区", rect(113.46, 33.30, 113.48, 33.36)),
        ],
    );
    let ds = load_ok(&fx.manifest(WATER_LAYER));
    let p = only_problem(&ds.report, ProblemKind::DuplicateCode);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("water", Some(2), Some("SY410481001-2"), Action::Noted));
    assert!(p.message.contains("also used by feature 1 of layer water"), "{}", p.message);
    let parts: Vec<_> = ds.zones.iter().filter(|z| z.code == "SY410481001-2").collect();
    assert_eq!(parts.len(), 2, "a zone stored as two features keeps both");
    assert_eq!(parts.iter().map(|z| z.source_fid).collect::<Vec<_>>(), [Some(1), Some(2)]);
    assert!(contains(parts[0], 113.43, 33.33) && contains(parts[1], 113.47, 33.33));
}

#[test]
fn unknown_industry_code_is_noted_and_kept_as_a_prefix() {
    let fx = Fx::new();
    gpkg(
        &fx,
        "units",
        vec![unit("ZH41048120002", "舞钢市产业集聚区重点管控单元", "2", "3011，C3019、2521", rect(113.58, 33.30, 113.62, 33.34))],
    );
    let ds = load_ok(&fx.manifest(UNIT_LAYER));
    let p = only_problem(&ds.report, ProblemKind::UnknownIndustryCode);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("units", Some(1), Some("ZH41048120002"), Action::Noted));
    assert!(p.message.contains("\"3019\"") && p.message.contains("GB/T 4754-2017"), "{}", p.message);
    assert_eq!(
        zone(&ds, "ZH41048120002").detail,
        ZoneDetail::ControlUnit {
            class: UnitClass::Key,
            prohibited_industries: vec!["3011".into(), "3019".into(), "2521".into()],
            restricted_industries: vec![],
        }
    );
}

#[test]
fn malformed_access_list_entry_is_refused() {
    let fx = Fx::new();
    gpkg(&fx, "units", vec![unit("ZH41048120002", "舞钢市产业集聚区重点管控单元", "2", "3011,cement", rect(113.58, 33.30, 113.62, 33.34))]);
    let report = load_refused(&fx.manifest(UNIT_LAYER));
    let p = only_problem(&report, ProblemKind::UnknownIndustryCode);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("units", Some(1), Some("ZH41048120002"), Action::Refused));
    assert!(p.message.contains("access list entry \"cement\""), "quotes the entry: {}", p.message);
    assert_eq!(report.problems.len(), 1);
}

#[test]
fn manifest_with_unknown_key_is_a_manifest_parse_error() {
    let fx = Fx::new();
    gpkg(&fx, "red", vec![red("HX-1", rect(113.40, 33.30, 113.45, 33.35))]);
    let m = fx.manifest(&RED_LAYER.replace("layer = \"red\"\n", "layer = \"red\"\nencodng = \"CP936\"\n"));
    match load(&m) {
        Err(IngestError::Manifest(ManifestError::Parse { path, message })) => {
            assert_eq!(path, m);
            assert!(message.contains("unknown field `encodng`"), "{message}");
        }
        other => panic!("expected a manifest parse error, got {other:?}"),
    }
}

#[test]
fn water_source_layer_without_level_mapping_is_an_invalid_manifest() {
    let fx = Fx::new();
    gpkg(&fx, "water", vec![water("SY410481001-1", "一级", rect(113.44, 33.32, 113.46, 33.34))]);
    let m = fx.manifest(&WATER_LAYER.replace("level = \"保护级别\"\n", ""));
    match load(&m) {
        Err(IngestError::Manifest(ManifestError::Invalid { message, .. })) => {
            assert!(message.contains("\"water\"") && message.contains("water_source"), "{message}");
            assert!(message.contains("must map the field `level`"), "{message}");
        }
        other => panic!("expected an invalid-manifest error, got {other:?}"),
    }
}

#[test]
fn refused_dataset_returns_err_with_every_problem_and_does_not_panic() {
    let fx = Fx::new();
    gpkg(&fx, "units", vec![unit("ZH41048120001", "舞钢市中心城区重点管控单元", "2", "", rect(113.50, 33.28, 113.56, 33.32))]);
    unknown_level_fixture(&fx);
    gpkg(&fx, "red", vec![red("", rect(113.40, 33.30, 113.45, 33.35)), red("HX-2", rect(113.60, 33.30, 113.65, 33.35))]);
    let m = fx.manifest(&format!(
        "{}{WATER_LAYER}{RED_LAYER}",
        UNIT_LAYER.replace("class = \"管控类别\"", "class = \"类别\"")
    ));
    let result = std::panic::catch_unwind(|| load(&m)).expect("load must not panic on bad data");
    let Err(err) = result else { panic!("a dataset with refusals must not load") };
    let text = err.to_string();
    let IngestError::Refused { report } = err else { panic!("expected Refused, got {text}") };
    // Validation goes on after the first refusal, so the owner gets the whole list in one run.
    let kinds: Vec<_> = report.problems.iter().map(|p| (p.layer.as_str(), p.problem, p.feature_id)).collect();
    assert_eq!(
        kinds,
        [
            ("units", ProblemKind::MissingField, None),
            ("water", ProblemKind::UnknownValue, Some(2)),
            ("red", ProblemKind::MissingValue, Some(1)),
        ]
    );
    assert_eq!(report.count(Action::Refused), 3);
    assert!(text.starts_with("dataset refused: 3 problem(s)"), "{text}");
    assert!(text.contains("first: layer units: mapped field \"类别\""), "{text}");
}

#[test]
fn missing_source_is_refused_with_open_failed() {
    let fx = Fx::new();
    let report = load_refused(&fx.manifest(&RED_LAYER.replace("data.gpkg", "redlines_2024.gpkg")));
    let p = only_problem(&report, ProblemKind::OpenFailed);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("red", None, Action::Refused));
    assert!(p.message.contains("GDAL cannot open") && p.message.contains("redlines_2024.gpkg"), "{}", p.message);
}

#[test]
fn crs_proj_does_not_know_is_refused_with_bad_crs() {
    let fx = Fx::new();
    fx.geojson("src.geojson", vec![red("HX-1", rect(113.60, 33.36, 113.65, 33.40))]);
    std::fs::create_dir_all(fx.path("shp")).unwrap();
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4526", "shp/red.shp", "src.geojson"]);
    std::fs::remove_file(fx.path("shp/red.prj")).unwrap();
    let m = fx.manifest(&RED_LAYER.replace("data.gpkg", "shp/red.shp").replace("layer = \"red\"\n", "srs = \"EPSG:452600\"\n"));
    let report = load_refused(&m);
    let p = only_problem(&report, ProblemKind::BadCrs);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("red", None, Action::Refused));
    assert!(p.message.contains("EPSG:452600"), "quotes the CRS: {}", p.message);
}

#[test]
fn swapped_lat_lon_is_refused_as_outside_china() {
    let fx = Fx::new();
    // Latitude first, as a survey table might give it, in a layer declared EPSG:4490.
    let swapped = json!({"type": "Polygon", "coordinates": [ring(&[(33.30, 113.40), (33.30, 113.45), (33.35, 113.45), (33.35, 113.40)])]});
    gpkg(&fx, "red", vec![red("HX-1", rect(113.40, 33.30, 113.45, 33.35)), red("HX-2", swapped.clone()), red("HX-3", swapped)]);
    let report = load_refused(&fx.manifest(RED_LAYER));
    let p = only_problem(&report, ProblemKind::OutsideChina);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("red", Some(2), Some("HX-2"), Action::Refused));
    assert!(p.message.contains("(33.300000, 113.400000) lies outside China"), "shows the coordinate: {}", p.message);
    assert!(p.message.contains("EPSG:4490") && p.message.contains("`srs`"), "{}", p.message);
}

#[test]
fn layer_without_features_is_noted_as_empty() {
    let fx = Fx::new();
    fx.geojson("red.geojson", vec![red("HX-1", rect(113.40, 33.30, 113.45, 33.35))]);
    fx.ogr2ogr(&["-f", "GPKG", "data.gpkg", "red.geojson", "-a_srs", "EPSG:4490", "-nln", "red", "-where", "code = 'none'"]);
    let ds = load_ok(&fx.manifest(RED_LAYER));
    assert!(ds.zones.is_empty());
    let p = only_problem(&ds.report, ProblemKind::EmptyLayer);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("red", None, Action::Noted));
    assert!(p.message.contains("no features"), "{}", p.message);
}

// Regression: gdal 0.19's `Feature::geometry()` returns `Some` with a NULL handle for a feature without geometry;
// it must be reported as missing, without calling GDAL on the NULL handle.
#[test]
fn null_geometry_is_reported_as_missing_geometry() {
    let fx = Fx::new();
    gpkg(&fx, "red", vec![red("HX-1", rect(113.40, 33.30, 113.45, 33.35)), red("HX-2", Value::Null)]);
    let ds = load_ok(&fx.manifest(RED_LAYER));
    let p = only_problem(&ds.report, ProblemKind::EmptyGeometry);
    assert_eq!((p.feature_id, p.action), (Some(2), Action::Skipped));
    assert_eq!(p.message, "feature has no geometry");
}

// Regression: a closed LineString (common from CAD/DXF) is a line, not a zone: skipped as not polygon, as
// docs/validation.md says.
#[test]
fn closed_line_feature_is_not_silently_turned_into_a_zone() {
    let fx = Fx::new();
    let closed = json!({"type": "LineString", "coordinates": [[113.40, 33.30], [113.45, 33.30], [113.45, 33.35], [113.40, 33.30]]});
    gpkg(&fx, "red", vec![red("HX-1", rect(113.50, 33.30, 113.55, 33.35)), red("HX-2", closed)]);
    let ds = load_ok(&fx.manifest(RED_LAYER));
    let p = only_problem(&ds.report, ProblemKind::NotPolygon);
    assert_eq!((p.feature_id, p.code.as_deref(), p.action), (Some(2), Some("HX-2"), Action::Skipped));
    assert!(p.message.contains("LINESTRING"), "{}", p.message);
    assert_eq!(ds.zones.iter().map(|z| z.code.as_str()).collect::<Vec<_>>(), ["HX-1"]);
}
