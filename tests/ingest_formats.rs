//! Every source format an agency may hand over loads with its codes, Chinese names and kind-specific attributes intact
//! and its coordinates in CGCS2000 lon/lat: GeoPackage, GBK shapefiles in Gauss–Krüger metres, GeoJSON, KML, FileGDB,
//! and real public files. Fixtures are written with `ogr2ogr` into a temporary folder at test time.

#[path = "common/fixtures.rs"]
mod fixtures;

use ecogate::ingest::{Action, ProblemKind};
use ecogate::zone::{ReserveZone, UnitClass, WaterSourceLevel, ZoneDetail, ZoneKind};
use fixtures::*;
use serde_json::json;

/// Two red-line polygons near Wugang in lon/lat (EPSG:4490), with Chinese field names and values.
fn red_line_geojson(fx: &Fx) {
    fx.geojson(
        "red_lines.geojson",
        vec![
            feature(
                json!({"红线编码": "HX410481-01", "红线名称": "舞钢市北部水源涵养红线", "红线类型": "水源涵养"}),
                rect(113.40, 33.30, 113.45, 33.35),
            ),
            feature(
                json!({"红线编码": "HX410481-02", "红线名称": "石漫滩生物多样性维护红线", "红线类型": "生物多样性维护"}),
                rect(113.50, 33.18, 113.56, 33.24),
            ),
        ],
    );
}

const RED_LINE_FIELDS: &str = "[layers.fields]\ncode = \"红线编码\"\nname = \"红线名称\"\nsubclass = \"红线类型\"\n";

fn red_line_layer(source: &str, extra: &str) -> String {
    format!("[[layers]]\nid = \"red_lines\"\nkind = \"red_line\"\nsource = \"{source}\"\n{extra}{RED_LINE_FIELDS}")
}

/// Checks the two red lines of `red_line_geojson` after a round trip through a Gauss–Krüger shapefile.
fn assert_red_lines(ds: &ecogate::ingest::LoadedDataset) {
    assert_eq!(ds.zones.len(), 2);
    let north = zone(ds, "HX410481-01");
    assert_eq!(north.name, "舞钢市北部水源涵养红线");
    assert_eq!(north.subclass.as_deref(), Some("水源涵养"));
    assert_eq!(north.detail, ZoneDetail::RedLine);
    assert_eq!(north.kind(), ZoneKind::RedLine);
    // Metres with the zone-38 prefix (38 4xx xxx) came back as degrees, to well under a metre.
    assert_has_vertex(north, 113.45, 33.35, 1e-6);
    assert_has_vertex(north, 113.40, 33.30, 1e-6);
    assert!(contains(north, 113.425, 33.325));
    let south = zone(ds, "HX410481-02");
    assert_eq!(south.name, "石漫滩生物多样性维护红线");
    assert_eq!(south.subclass.as_deref(), Some("生物多样性维护"));
    assert_has_vertex(south, 113.56, 33.18, 1e-6);
    assert!(contains(south, 113.53, 33.21) && !contains(south, 113.425, 33.325));
}

#[test]
fn geopackage_cgcs2000_sample_control_units_load_with_codes_names_classes_and_lon_lat() {
    let ds = load_ok(&sample("dataset.toml"));
    let units: Vec<_> = ds.zones.iter().filter(|z| z.layer == "control_units").collect();
    assert_eq!(units.len(), 12, "the sample has 12 control units");
    assert!(units.iter().all(|z| z.code.starts_with("ZH410481") && z.code.len() == 13), "codes: {:?}",
        units.iter().map(|z| &z.code).collect::<Vec<_>>());
    let count = |c: UnitClass| units.iter().filter(|z| matches!(z.detail, ZoneDetail::ControlUnit { class, .. } if class == c)).count();
    assert_eq!((count(UnitClass::Priority), count(UnitClass::Key), count(UnitClass::General)), (5, 2, 5));
    // The class digit inside the code agrees with the class field.
    for z in &units {
        let ZoneDetail::ControlUnit { class, .. } = z.detail else { unreachable!() };
        let digit = &z.code[8..9];
        assert_eq!(digit, match class { UnitClass::Priority => "1", UnitClass::Key => "2", UnitClass::General => "3" }, "{}", z.code);
    }

    let tiangang = zone(&ds, "ZH41048110001");
    assert_eq!(tiangang.name, "舞钢市田岗水库优先保护单元");
    let ZoneDetail::ControlUnit { class, prohibited_industries, restricted_industries } = &tiangang.detail else {
        panic!("not a control unit: {:?}", tiangang.detail)
    };
    assert_eq!(*class, UnitClass::Priority);
    assert_eq!(prohibited_industries.len(), 18);
    assert!(prohibited_industries.contains(&"3011".to_string()), "cement is prohibited: {prohibited_industries:?}");
    assert!(restricted_industries.is_empty());
    // First vertex of the unit as stored in wugang.gpkg (EPSG:4490, read with lon/lat order, not lat/lon).
    assert_has_vertex(tiangang, 113.47673450907, 33.32790615588, 1e-6);
    assert!(contains(tiangang, 113.44973, 33.330224), "test point tiangang_level1 lies in the unit");

    let key = zone(&ds, "ZH41048120002");
    assert_eq!(key.name, "舞钢市产业集聚区重点管控单元");
    assert!(matches!(&key.detail, ZoneDetail::ControlUnit { class: UnitClass::Key, restricted_industries, .. }
        if restricted_industries == &["1713".to_string(), "3360".to_string()]), "{:?}", key.detail);

    let summary = ds.layers.iter().find(|l| l.id == "control_units").expect("layer summary");
    assert_eq!((summary.features_read, summary.zones_loaded), (12, 12));
    assert_eq!(summary.source_crs, "EPSG:4490");
    assert!(ds.version.starts_with("wugang-sample@"), "{}", ds.version);
}

#[test]
fn sample_red_lines_shapefile_reads_gbk_with_manifest_encoding() {
    // The sample's red_lines layer: GK zone 38 metres, GBK DBF without .cpg, `encoding = "CP936"` in the manifest.
    let shp = sample("red_lines_gk38/red_lines.shp");
    assert!(!shp.with_extension("cpg").exists(), "the sample is meant to have no .cpg");
    let ds = load_ok(&sample("dataset.toml"));
    let red: Vec<_> = ds.zones.iter().filter(|z| z.layer == "red_lines").collect();
    assert_eq!(red.len(), 5);
    assert!(red.iter().all(|z| z.kind() == ZoneKind::RedLine && !z.name.contains('\u{FFFD}') && !z.name.is_empty()));
    let first = zone(&ds, "HN-STBH-0481-001");
    assert!(first.name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese name: {}", first.name);
    assert!(contains(first, 113.44973, 33.330224), "test point tiangang_level1 lies in red line 001");
    let summary = ds.layers.iter().find(|l| l.id == "red_lines").unwrap();
    assert_eq!(summary.source_crs, "EPSG:4526", "GDAL identifies the ESRI .prj as CGCS2000 GK zone 38");
}

#[test]
fn gbk_shapefile_in_gauss_kruger_zone38_reads_chinese_via_cpg_936_or_gbk() {
    for cpg in ["936", "GBK"] {
        let fx = Fx::new();
        red_line_geojson(&fx);
        let shp = fx.gbk_shapefile_gk38("shp/red_lines.shp", "red_lines.geojson");
        std::fs::write(shp.with_extension("cpg"), cpg).unwrap();
        let ds = load_ok(&fx.manifest(&red_line_layer("shp/red_lines.shp", "")));
        assert_red_lines(&ds);
        assert!(ds.report.problems.is_empty(), ".cpg {cpg}: {:#?}", ds.report.problems);
        let summary = &ds.layers[0];
        assert_eq!(summary.source_crs, "EPSG:4526", "GK zone 38 identified from the ESRI .prj");
    }
}

#[test]
fn gbk_shapefile_without_cpg_reads_chinese_with_manifest_encoding_cp936() {
    let fx = Fx::new();
    red_line_geojson(&fx);
    let shp = fx.gbk_shapefile_gk38("shp/red_lines.shp", "red_lines.geojson");
    std::fs::remove_file(shp.with_extension("cpg")).unwrap();
    let ds = load_ok(&fx.manifest(&red_line_layer("shp/red_lines.shp", "encoding = \"CP936\"\n")));
    assert_red_lines(&ds);
}

#[test]
fn gbk_shapefile_without_cpg_or_encoding_is_refused_with_a_hint_to_set_encoding() {
    let fx = Fx::new();
    red_line_geojson(&fx);
    let shp = fx.gbk_shapefile_gk38("shp/red_lines.shp", "red_lines.geojson");
    std::fs::remove_file(shp.with_extension("cpg")).unwrap();
    let report = load_refused(&fx.manifest(&red_line_layer("shp/red_lines.shp", "")));
    // The Chinese field names themselves are undecodable, so the mapped fields are "missing" before any value is
    // read: MissingField fires (once per mapped field), not BadEncoding, and it must say why.
    let missing = problems_of(&report, ProblemKind::MissingField);
    assert_eq!(missing.len(), 3, "{:#?}", report.problems);
    assert!(problems_of(&report, ProblemKind::BadEncoding).is_empty());
    for p in &missing {
        assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("red_lines", None, Action::Refused));
        assert!(p.message.contains("field names are garbled"), "{}", p.message);
        assert!(p.message.contains("set `encoding`") && p.message.contains("\"CP936\""), "{}", p.message);
        assert!(p.message.contains('\u{FFFD}'), "the message shows the garbled names: {}", p.message);
    }
    assert!(missing.iter().any(|p| p.message.contains("\"红线编码\" (for `code`)")), "{:#?}", missing);
}

#[test]
fn geojson_rfc7946_crs84_water_sources_load_levels_and_names() {
    let fx = Fx::new();
    let name = "田岗水库饮用水水源保护区";
    fx.geojson(
        "water.geojson",
        vec![
            feature(json!({"水源编码": "SY410481001-1", "水源名称": name, "保护级别": "一级保护区"}), rect(113.44, 33.32, 113.46, 33.34)),
            feature(
                json!({"水源编码": "SY410481001-2", "水源名称": name, "保护级别": "二级"}),
                json!({"type": "Polygon", "coordinates": [
                    ring(&[(113.42, 33.30), (113.48, 33.30), (113.48, 33.36), (113.42, 33.36)]),
                    ring(&[(113.44, 33.32), (113.44, 33.34), (113.46, 33.34), (113.46, 33.32)]),
                ]}),
            ),
            feature(json!({"水源编码": "SY410481001-3", "水源名称": name, "保护级别": "准保护区"}), rect(113.40, 33.28, 113.50, 33.38)),
        ],
    );
    let text = std::fs::read_to_string(fx.path("water.geojson")).unwrap();
    assert!(!text.contains("\"crs\""), "RFC 7946 GeoJSON carries no crs member");
    let ds = load_ok(&fx.manifest(
        "[[layers]]\nid = \"water\"\nkind = \"water_source\"\nsource = \"water.geojson\"\n[layers.fields]\ncode = \"水源编码\"\nname = \"水源名称\"\nlevel = \"保护级别\"\n",
    ));
    assert_eq!(ds.zones.len(), 3);
    let level = |code: &str| match zone(&ds, code).detail {
        ZoneDetail::WaterSource { level } => level,
        ref d => panic!("{code}: {d:?}"),
    };
    assert_eq!(level("SY410481001-1"), WaterSourceLevel::Level1);
    assert_eq!(level("SY410481001-2"), WaterSourceLevel::Level2);
    assert_eq!(level("SY410481001-3"), WaterSourceLevel::Quasi);
    assert!(ds.zones.iter().all(|z| z.name == name));
    let l1 = zone(&ds, "SY410481001-1");
    assert_has_vertex(l1, 113.46, 33.34, 1e-9);
    assert_has_vertex(zone(&ds, "SY410481001-3"), 113.50, 33.28, 1e-9);
    // Level 2 is the ring around level 1: the intake area is in level 1 only.
    let l2 = zone(&ds, "SY410481001-2");
    assert!(contains(l1, 113.45, 33.33) && !contains(l2, 113.45, 33.33));
    assert!(contains(l2, 113.43, 33.31) && !contains(l1, 113.43, 33.31));
}

#[test]
fn kml_polygon_keeps_its_hole() {
    let fx = Fx::new();
    fx.geojson(
        "src.geojson",
        vec![
            feature(
                json!({"Name": "石漫滩水库二级保护区", "code": "SY410481002-2", "level": "二级保护区"}),
                json!({"type": "Polygon", "coordinates": [
                    ring(&[(113.40, 33.20), (113.50, 33.20), (113.50, 33.30), (113.40, 33.30)]),
                    ring(&[(113.43, 33.23), (113.43, 33.27), (113.47, 33.27), (113.47, 33.23)]),
                ]}),
            ),
            feature(json!({"Name": "石漫滩水库一级保护区", "code": "SY410481002-1", "level": "一级保护区"}), rect(113.43, 33.23, 113.47, 33.27)),
        ],
    );
    fx.ogr2ogr(&["-f", "KML", "zones.kml", "src.geojson", "-nln", "water_sources"]);
    let kml = std::fs::read_to_string(fx.path("zones.kml")).unwrap();
    assert!(kml.contains("innerBoundaryIs"), "the fixture KML must hold a hole:\n{kml}");

    let ds = load_ok(&fx.manifest(
        "[[layers]]\nid = \"water\"\nkind = \"water_source\"\nsource = \"zones.kml\"\n[layers.fields]\ncode = \"code\"\nname = \"Name\"\nlevel = \"level\"\n",
    ));
    assert_eq!(ds.zones.len(), 2);
    let l2 = zone(&ds, "SY410481002-2");
    assert_eq!(l2.name, "石漫滩水库二级保护区");
    assert_eq!(l2.detail, ZoneDetail::WaterSource { level: WaterSourceLevel::Level2 });
    assert_eq!(l2.geometry.0.len(), 1);
    assert_eq!(l2.geometry.0[0].interiors().len(), 1, "the hole is kept as an interior ring");
    assert!(!contains(l2, 113.45, 33.25), "a point in the hole is not in the level-2 zone");
    assert!(contains(l2, 113.41, 33.21), "a point in the ring is");
    assert_has_vertex(l2, 113.47, 33.27, 1e-9);
    let l1 = zone(&ds, "SY410481002-1");
    assert_eq!(l1.name, "石漫滩水库一级保护区");
    assert_eq!(l1.detail, ZoneDetail::WaterSource { level: WaterSourceLevel::Level1 });
    assert!(contains(l1, 113.45, 33.25));
}

#[test]
fn filegdb_in_gauss_kruger_6_degree_zone19_loads_multipart_reserve() {
    // CGCS2000 / Gauss–Krüger zone 19 (6°, CM 111°E, zone prefix 19 in the easting): Wugang (113.5°E) is in 108–114°E.
    let fx = Fx::new();
    fx.geojson(
        "reserves.geojson",
        vec![
            feature(
                json!({"保护地编码": "BHD410481001-1", "保护地名称": "石漫滩国家森林公园", "功能分区": "核心区"}),
                json!({"type": "MultiPolygon", "coordinates": [
                    [ring(&[(113.40, 33.20), (113.45, 33.20), (113.45, 33.25), (113.40, 33.25)])],
                    [ring(&[(113.50, 33.20), (113.55, 33.20), (113.55, 33.25), (113.50, 33.25)])],
                ]}),
            ),
            feature(json!({"保护地编码": "BHD410481001-2", "保护地名称": "石漫滩国家森林公园", "功能分区": "缓冲区"}), rect(113.40, 33.15, 113.55, 33.20)),
            feature(json!({"保护地编码": "BHD410481001-3", "保护地名称": "石漫滩国家森林公园", "功能分区": "实验区"}), rect(113.40, 33.10, 113.55, 33.15)),
        ],
    );
    fx.ogr2ogr(&[
        "-f", "OpenFileGDB", "reserves.gdb", "reserves.geojson", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4497", "-nln", "reserves",
        "-nlt", "MULTIPOLYGON",
    ]);
    assert!(fx.path("reserves.gdb").is_dir());
    let ds = load_ok(&fx.manifest(
        "[[layers]]\nid = \"reserves\"\nkind = \"nature_reserve\"\nsource = \"reserves.gdb\"\nlayer = \"reserves\"\n[layers.fields]\ncode = \"保护地编码\"\nname = \"保护地名称\"\nreserve_zone = \"功能分区\"\n",
    ));
    assert_eq!(ds.zones.len(), 3);
    let core = zone(&ds, "BHD410481001-1");
    assert_eq!(core.name, "石漫滩国家森林公园");
    assert_eq!(core.detail, ZoneDetail::NatureReserve { zone: ReserveZone::Core });
    assert_eq!(core.geometry.0.len(), 2, "both parts of the multi-part core zone");
    assert!(contains(core, 113.425, 33.225) && contains(core, 113.525, 33.225));
    assert!(!contains(core, 113.475, 33.225), "the gap between the parts is not in the core zone");
    assert_has_vertex(core, 113.40, 33.20, 1e-6);
    assert_has_vertex(core, 113.55, 33.25, 1e-6);
    assert_eq!(zone(&ds, "BHD410481001-2").detail, ZoneDetail::NatureReserve { zone: ReserveZone::Buffer });
    assert_eq!(zone(&ds, "BHD410481001-3").detail, ZoneDetail::NatureReserve { zone: ReserveZone::Experimental });
    assert!(ds.layers[0].source_crs.contains("4497") || ds.layers[0].source_crs.contains("zone 19"), "{}", ds.layers[0].source_crs);
}

fn chinese_poly_manifest(fx: &Fx, extra: &str) -> std::path::PathBuf {
    let shp = realdata("geotools_chinese_poly/chinese_poly.shp");
    assert!(!shp.with_extension("cpg").exists());
    fx.manifest(&format!(
        "[[layers]]\nid = \"provinces\"\nkind = \"other\"\ncategory = \"admin_boundary\"\nsource = \"{}\"\n{extra}[layers.fields]\ncode = \"ADCODE99\"\nname = \"NAME\"\n",
        shp.display()
    ))
}

#[test]
fn real_gbk_shapefile_chinese_poly_reads_heilongjiang_with_encoding_cp936() {
    let fx = Fx::new();
    let ds = load_ok(&chinese_poly_manifest(&fx, "encoding = \"CP936\"\n"));
    assert_eq!(ds.zones.len(), 1);
    let z = &ds.zones[0];
    assert_eq!(z.code, "230000");
    assert_eq!(z.name, "黑龙江省");
    assert_eq!(z.detail, ZoneDetail::Other { category: "admin_boundary".into() });
    assert_eq!(z.source_fid, Some(0));
    // First vertex in the file (WGS 84 .prj), unchanged in CGCS2000 lon/lat.
    assert_has_vertex(z, 121.488441467285, 53.332649230957, 1e-6);
    assert!(contains(z, 126.6, 45.75), "Harbin is in Heilongjiang");
}

#[test]
fn real_gbk_shapefile_chinese_poly_without_encoding_is_refused_with_the_hint() {
    let fx = Fx::new();
    let report = load_refused(&chinese_poly_manifest(&fx, ""));
    // ASCII field names, GBK values: the field is found and the value is undecodable.
    let p = only_problem(&report, ProblemKind::BadEncoding);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("provinces", Some(0), Action::Refused));
    assert!(p.message.contains("`name`"), "names the concept: {}", p.message);
    assert!(p.message.contains("GBK") && p.message.contains("encoding = \"CP936\""), "{}", p.message);
    assert_eq!(report.count(Action::Refused), 1, "{:#?}", report.problems);
}

#[test]
fn real_geopackage_in_british_national_grid_is_refused_as_outside_china() {
    // poly.gpkg (EPSG:27700) has no attribute fields, so a one-line VRT exposes its FID as the code; the geometry
    // and CRS are read from the real file unchanged.
    let fx = Fx::new();
    let gpkg = realdata("georust_gdal/poly.gpkg");
    fx.write(
        "poly.vrt",
        format!(
            "<OGRVRTDataSource><OGRVRTLayer name=\"poly\"><SrcDataSource>{}</SrcDataSource>\
             <SrcSQL dialect=\"OGRSQL\">SELECT FID AS code, * FROM poly</SrcSQL></OGRVRTLayer></OGRVRTDataSource>",
            gpkg.display()
        ),
    );
    let report = load_refused(&fx.manifest(
        "[[layers]]\nid = \"poly\"\nkind = \"red_line\"\nsource = \"poly.vrt\"\n[layers.fields]\ncode = \"code\"\n",
    ));
    let p = only_problem(&report, ProblemKind::OutsideChina);
    assert_eq!((p.layer.as_str(), p.feature_id, p.code.as_deref(), p.action), ("poly", Some(1), Some("1"), Action::Refused));
    assert!(p.message.contains("outside China") && p.message.contains("set or fix `srs`"), "{}", p.message);
    assert!(p.message.contains("British National Grid"), "names the source CRS: {}", p.message);
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

/// A UTF-8 shapefile in GK zone 38 metres whose .prj has been lost.
fn shapefile_without_prj(fx: &Fx) -> std::path::PathBuf {
    fx.geojson(
        "src.geojson",
        vec![feature(json!({"BM": "HX410481-09", "MC": "尹集镇西部红线"}), rect(113.60, 33.36, 113.65, 33.40))],
    );
    std::fs::create_dir_all(fx.path("shp")).unwrap();
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4526", "shp/z.shp", "src.geojson"]);
    let shp = fx.path("shp/z.shp");
    std::fs::remove_file(shp.with_extension("prj")).unwrap();
    shp
}

const NO_PRJ_LAYER: &str = "[[layers]]\nid = \"red_lines\"\nkind = \"red_line\"\nsource = \"shp/z.shp\"\n";
const NO_PRJ_FIELDS: &str = "[layers.fields]\ncode = \"BM\"\nname = \"MC\"\n";

#[test]
fn shapefile_without_prj_or_srs_is_refused_with_no_crs() {
    let fx = Fx::new();
    shapefile_without_prj(&fx);
    let report = load_refused(&fx.manifest(&format!("{NO_PRJ_LAYER}{NO_PRJ_FIELDS}")));
    let p = only_problem(&report, ProblemKind::NoCrs);
    assert_eq!((p.layer.as_str(), p.feature_id, p.action), ("red_lines", None, Action::Refused));
    assert!(p.message.contains(".prj") && p.message.contains("`srs`"), "{}", p.message);
}

#[test]
fn shapefile_without_prj_loads_with_manifest_srs_epsg_4526() {
    let fx = Fx::new();
    shapefile_without_prj(&fx);
    let ds = load_ok(&fx.manifest(&format!("{NO_PRJ_LAYER}srs = \"EPSG:4526\"\n{NO_PRJ_FIELDS}")));
    assert_eq!(ds.zones.len(), 1);
    let z = &ds.zones[0];
    assert_eq!((z.code.as_str(), z.name.as_str()), ("HX410481-09", "尹集镇西部红线"));
    assert_has_vertex(z, 113.60, 33.36, 1e-6);
    assert_has_vertex(z, 113.65, 33.40, 1e-6);
    assert_eq!(ds.layers[0].source_crs, "EPSG:4526");
}

#[test]
fn dataset_version_is_stable_for_same_bytes_and_changes_with_one_byte() {
    let fx = Fx::new();
    red_line_geojson(&fx);
    let shp = fx.gbk_shapefile_gk38("shp/red_lines.shp", "red_lines.geojson");
    let manifest = fx.manifest_with_id("wugang-test", &red_line_layer("shp/red_lines.shp", ""));
    let v1 = load_ok(&manifest).version;
    let v2 = load_ok(&manifest).version;
    assert_eq!(v1, v2, "same files, same version");
    let (id, hash) = v1.split_once('@').expect("version is <id>@<hash>");
    assert_eq!(id, "wugang-test");
    assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{v1}");

    // The same bytes in another folder are the same dataset version (reproducible elsewhere).
    let other = Fx::new();
    std::fs::create_dir_all(other.path("shp")).unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::copy(shp.with_extension(ext), other.path(&format!("shp/red_lines.{ext}"))).unwrap();
    }
    std::fs::copy(&manifest, other.path("dataset.toml")).unwrap();
    assert_eq!(load_ok(&other.path("dataset.toml")).version, v1);

    // Rewrite one byte of one feature's code in the DBF (HX410481-01 → HX410481-07), as an agency update might.
    let dbf_path = shp.with_extension("dbf");
    let mut dbf = std::fs::read(&dbf_path).unwrap();
    let at = dbf.windows(11).position(|w| w == b"HX410481-01").expect("code bytes in the DBF");
    dbf[at + 10] = b'7';
    std::fs::write(&dbf_path, &dbf).unwrap();
    let changed = load_ok(&manifest);
    assert!(changed.zones.iter().any(|z| z.code == "HX410481-07"), "the edit reached the data");
    assert_ne!(changed.version, v1, "one byte of the DBF changes the version");
    assert!(changed.version.starts_with("wugang-test@"));

    // A change in the manifest alone (e.g. the mapping) is a new version too.
    let manifest2 = fx.manifest_with_id("wugang-test", &red_line_layer("shp/red_lines.shp", "title = \"生态保护红线\"\n"));
    assert_ne!(load_ok(&manifest2).version, changed.version);
}

// Regression: shapefile sidecars are hashed whatever the case of their extensions (`RED.SHP`/`RED.DBF` from
// Windows tools), so changed data always gives a new version.
#[test]
fn dataset_version_changes_when_an_upper_case_extension_shapefile_changes() {
    let fx = Fx::new();
    red_line_geojson(&fx);
    let shp = fx.gbk_shapefile_gk38("shp/red_lines.shp", "red_lines.geojson");
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::rename(shp.with_extension(ext), shp.with_extension(ext.to_uppercase())).unwrap();
    }
    let manifest = fx.manifest_with_id("wugang-test", &red_line_layer("shp/red_lines.SHP", ""));
    let before = load_ok(&manifest);
    assert_red_lines(&before);
    let dbf_path = shp.with_extension("DBF");
    let mut dbf = std::fs::read(&dbf_path).unwrap();
    let at = dbf.windows(11).position(|w| w == b"HX410481-01").expect("code bytes in the DBF");
    dbf[at + 10] = b'7';
    std::fs::write(&dbf_path, &dbf).unwrap();
    let after = load_ok(&manifest);
    assert!(after.zones.iter().any(|z| z.code == "HX410481-07"), "the edit reached the data");
    assert_ne!(after.version, before.version, "changed data must give a new dataset version");
}

// Regression: a relative source whose name contains a colon is a file next to the manifest when one exists there,
// not an OGR connection string.
#[test]
fn relative_source_with_a_colon_in_its_name_is_a_file_next_to_the_manifest() {
    let fx = Fx::new();
    red_line_geojson(&fx);
    fx.ogr2ogr(&["-f", "GPKG", "v2:red.gpkg", "red_lines.geojson", "-a_srs", "EPSG:4490"]);
    let ds = load_ok(&fx.manifest(&red_line_layer("v2:red.gpkg", "")));
    assert_eq!(ds.zones.len(), 2);
    assert_eq!(zone(&ds, "HX410481-01").name, "舞钢市北部水源涵养红线");
}
