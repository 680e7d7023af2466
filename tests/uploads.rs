//! Footprint files through `POST /v1/assessments/upload` and `ecogate check --file`: one fixture per format written
//! with GDAL (two 200 m squares in Wugang: one inside the 田岗 level-2 water-source zone, one in a general unit far
//! from any special zone), the real public files of ../shared/realdata/, and one test per refusal class.

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/server.rs"]
mod server;

use fixtures::{realdata, Fx};
use reqwest::blocking::multipart::{Form, Part};
use reqwest::blocking::Response;
use serde_json::{json, Value};
use server::{client, Server};

// data/wugang/test_points.json
const LEVEL2: (f64, f64) = (113.447392, 33.317817); // tiangang_level2
const GENERAL: (f64, f64) = (113.586555, 33.353639); // general_far

fn facts() -> Value {
    json!({"industry": "1411", "nature": "new", "discharges_pollutants": "yes"})
}

// ---------------------------------------------------------------------------------------------------------------
// Fixture helpers

/// Lon/lat (CGCS2000) → CGCS2000 3° Gauss–Krüger zone 38 with the zone prefix (EPSG:4526), easting first.
fn to_gk38(lon: f64, lat: f64) -> (f64, f64) {
    proj::Proj::new_known_crs("EPSG:4490", "EPSG:4526", None).expect("PROJ").convert((lon, lat)).expect("convert")
}

fn from_gk38(e: f64, n: f64) -> (f64, f64) {
    proj::Proj::new_known_crs("EPSG:4526", "EPSG:4490", None).expect("PROJ").convert((e, n)).expect("convert")
}

/// Corners (counter-clockwise, unclosed) of a 200 m square centred on a point, in EPSG:4526.
fn square_gk(centre: (f64, f64)) -> Vec<(f64, f64)> {
    let (e, n) = to_gk38(centre.0, centre.1);
    vec![(e - 100.0, n - 100.0), (e + 100.0, n - 100.0), (e + 100.0, n + 100.0), (e - 100.0, n + 100.0)]
}

/// The same square as a closed lon/lat ring.
fn square_lonlat(centre: (f64, f64)) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = square_gk(centre).into_iter().map(|(e, n)| from_gk38(e, n)).map(|(x, y)| [x, y]).collect();
    ring.push(ring[0]);
    ring
}

fn polygon(rings: Vec<Vec<[f64; 2]>>) -> Value {
    json!({"type": "Polygon", "coordinates": rings})
}

/// The two squares as a GeoJSON FeatureCollection with Chinese attributes and a number.
fn two_squares() -> Value {
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": "水厂扩建", "编号": 7}, "geometry": polygon(vec![square_lonlat(LEVEL2)])},
        {"type": "Feature", "properties": {"名称": "仓库", "编号": 8}, "geometry": polygon(vec![square_lonlat(GENERAL)])},
    ]})
}

fn write_two_squares(fx: &Fx) -> std::path::PathBuf {
    fx.write("squares.geojson", serde_json::to_vec(&two_squares()).expect("json"))
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A stored (uncompressed) zip. `utf8_names` sets the language-encoding flag; without it, names are raw bytes (as
/// Chinese Windows writes them, in GBK).
fn zip(entries: &[(Vec<u8>, Vec<u8>)], utf8_names: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let flags: u16 = if utf8_names { 0x0800 } else { 0 };
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let header = |sig: &[u8], central_entry: bool, buf: &mut Vec<u8>| {
            buf.extend_from_slice(sig);
            if central_entry {
                buf.extend_from_slice(&20u16.to_le_bytes());
            }
            for v in [20u16, flags, 0, 0, 0x21] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            if central_entry {
                for v in [0u16, 0, 0] {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
                buf.extend_from_slice(&0u32.to_le_bytes());
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(name);
        };
        header(b"PK\x03\x04", false, &mut out);
        out.extend_from_slice(data);
        header(b"PK\x01\x02", true, &mut central);
    }
    let cd_offset = out.len() as u32;
    let n = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Zip entries from files, renamed: (path on disk, name in the zip as bytes).
fn entries(files: &[(std::path::PathBuf, Vec<u8>)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    files.iter().map(|(p, name)| (name.clone(), std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display())))).collect()
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// The two squares as a GBK shapefile in EPSG:4526 without .cpg, zipped with GBK member names (no UTF-8 flag), as
/// a Chinese Windows machine sends it. `stem` is the base name inside the zip.
fn gbk_shapefile_zip(fx: &Fx, stem: &str) -> Vec<u8> {
    let geojson = write_two_squares(fx);
    let shp = fx.gbk_shapefile_gk38("shp/site.shp", geojson.file_name().and_then(|n| n.to_str()).expect("name"));
    std::fs::remove_file(shp.with_extension("cpg")).expect("remove .cpg");
    let parts: Vec<(std::path::PathBuf, Vec<u8>)> =
        ["shp", "shx", "dbf", "prj"].iter().map(|e| (shp.with_extension(e), gbk(&format!("{stem}.{e}")))).collect();
    zip(&entries(&parts), false)
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP helpers

fn form(name: &str, bytes: Vec<u8>, crs: Option<&str>, facts: &Value) -> Form {
    let mut f = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string())).text("facts", facts.to_string());
    if let Some(c) = crs {
        f = f.text("crs", c.to_string());
    }
    f
}

fn send(s: &Server, form: Form) -> Response {
    client().post(s.url("/v1/assessments/upload")).multipart(form).send().expect("POST upload")
}

fn upload(s: &Server, name: &str, bytes: Vec<u8>, crs: Option<&str>) -> Response {
    send(s, form(name, bytes, crs, &facts()))
}

/// The 200 answer, with the server log on failure.
fn ok(s: &Server, r: Response) -> Value {
    let status = r.status();
    let body = r.text().expect("body");
    assert_eq!(status, 200, "{body}\nserver log:\n{}", s.log_text());
    serde_json::from_str(&body).expect("json answer")
}

fn problem(r: Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = r.text().expect("body");
    assert_eq!(got, status, "{body}");
    assert_eq!(ct, "application/problem+json", "{body}");
    let p: Value = serde_json::from_str(&body).expect("problem body");
    assert!(!p["detail"].as_str().unwrap_or_default().is_empty() && !p["detail_zh"].as_str().unwrap_or_default().is_empty(), "{p}");
    p
}

fn detail(p: &Value) -> String {
    p["detail"].as_str().unwrap_or_default().to_string()
}

fn detail_zh(p: &Value) -> String {
    p["detail_zh"].as_str().unwrap_or_default().to_string()
}

fn note<'a>(a: &'a Value, kind: &str) -> &'a Value {
    a["file"]["notes"].as_array().and_then(|n| n.iter().find(|n| n["kind"] == kind)).unwrap_or_else(|| panic!("no {kind} note in {}", a["file"]))
}

fn has_note(a: &Value, kind: &str) -> bool {
    a["file"]["notes"].as_array().is_some_and(|n| n.iter().any(|n| n["kind"] == kind))
}

fn zone_codes(assessment: &Value) -> Vec<String> {
    assessment["zones"].as_array().map(|z| z.iter().filter_map(|z| z["code"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// The two squares came through: level-2 square prohibited (water-source level 2, discharging), general square
/// permitted, the whole file prohibited (the strictest), each assessed on its own footprint of ≈ 4 ha.
fn assert_two_squares(a: &Value) {
    let features = a["features"].as_array().expect("features");
    assert_eq!(features.len(), 2, "{}", a["file"]);
    assert_eq!(a["file"]["features"], 2);
    let level2 = &features[0]["assessment"];
    let general = &features[1]["assessment"];
    assert_eq!(level2["verdict"], "prohibited", "{}", level2["summary"]);
    assert!(zone_codes(level2).contains(&"SY410481001-2".to_string()), "{:?}", zone_codes(level2));
    assert_eq!(general["verdict"], "permitted", "{}", general["summary"]);
    assert!(zone_codes(general).contains(&"ZH41048130002".to_string()), "{:?}", zone_codes(general));
    assert_eq!(a["whole"]["verdict"], "prohibited");
    for f in features {
        let area = f["assessment"]["site"]["area_m2"].as_f64().expect("area");
        assert!((area - 40_000.0).abs() < 200.0, "200 m × 200 m: {area}");
    }
    let whole_area = a["whole"]["site"]["area_m2"].as_f64().expect("area");
    assert!((whole_area - 80_000.0).abs() < 400.0, "the whole is both squares: {whole_area}");
}

// ---------------------------------------------------------------------------------------------------------------
// Formats (fixtures written with GDAL)

#[test]
fn geojson_is_assessed_per_feature_and_as_a_whole_with_attributes_as_strings() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "site.geojson", serde_json::to_vec(&two_squares()).expect("json"), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "geojson");
    assert_eq!(a["file"]["crs"], "EPSG:4326");
    assert_eq!(a["file"]["crs_source"], "file");
    let f0 = &a["features"][0];
    assert_eq!(f0["index"], 0);
    assert_eq!(f0["name"], "水厂扩建");
    assert_eq!(f0["attributes"]["编号"], "7", "attributes are echoed as strings");
    assert_eq!(f0["geometry"]["type"], "MultiPolygon");
    assert!(note(&a, "wgs84-by-definition")["detail"].as_str().unwrap_or_default().contains("GCJ-02"), "the GCJ-02 trap is named");
}

#[test]
fn gbk_shapefile_zip_without_cpg_in_gauss_kruger_is_read_as_gbk_with_gbk_member_names() {
    let fx = Fx::new();
    let s = Server::start();
    let a = ok(&s, upload(&s, "用地.zip", gbk_shapefile_zip(&fx, "用地范围"), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "shapefile");
    assert_eq!(a["file"]["crs"], "EPSG:4526");
    assert_eq!(a["file"]["files"][0], "用地范围.shp", "GBK member names decoded");
    assert_eq!(a["features"][0]["name"], "水厂扩建");
    assert!(note(&a, "encoding-gbk")["detail"].as_str().unwrap_or_default().contains("CP936"));
}

#[test]
fn kml_and_kmz_fixtures_are_read() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    fx.ogr2ogr(&["-f", "KML", "site.kml", geojson.to_str().expect("path")]);
    let kml = std::fs::read(fx.path("site.kml")).expect("kml");
    let s = Server::start();
    let a = ok(&s, upload(&s, "site.kml", kml.clone(), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "kml");
    assert_eq!(a["features"][0]["attributes"]["名称"], "水厂扩建");
    let a = ok(&s, upload(&s, "site.kmz", zip(&[(b"doc.kml".to_vec(), kml)], true), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "kmz");
}

#[test]
fn geopackage_in_gauss_kruger_is_read() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    fx.ogr2ogr(&["-f", "GPKG", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4526", "site.gpkg", geojson.to_str().expect("path"), "-nln", "用地"]);
    let s = Server::start();
    let a = ok(&s, upload(&s, "site.gpkg", std::fs::read(fx.path("site.gpkg")).expect("gpkg"), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "gpkg");
    assert_eq!(a["file"]["layer"], "用地");
    assert_eq!(a["file"]["crs"], "EPSG:4526");
}

#[test]
fn dxf_hatches_need_a_crs_and_are_read_with_one() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    fx.ogr2ogr(&["-f", "DXF", "-s_srs", "EPSG:4490", "-t_srs", "EPSG:4526", "site.dxf", geojson.to_str().expect("path")]);
    let dxf = std::fs::read(fx.path("site.dxf")).expect("dxf");
    let s = Server::start();
    let p = problem(upload(&s, "site.dxf", dxf.clone(), None), 422);
    assert_eq!(p["type"], "/problems/missing-crs");
    assert_eq!(p["pointer"], "crs");
    assert!(detail(&p).contains("DXF") && detail(&p).contains("EPSG:4526"), "suggests the zone from the prefix: {p}");
    assert!(detail_zh(&p).contains("坐标系"), "{p}");
    let a = ok(&s, upload(&s, "site.dxf", dxf, Some("EPSG:4526")));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "dxf");
    assert_eq!(a["file"]["crs_source"], "request");
}

/// 地块/点号/X/Y in surveying order (X = northing), rings not repeating their first point.
fn survey_csv() -> String {
    let mut csv = String::from("地块,点号,X,Y\n");
    for (parcel, centre) in [("水厂扩建", LEVEL2), ("仓库", GENERAL)] {
        for (i, (e, n)) in square_gk(centre).into_iter().enumerate() {
            csv.push_str(&format!("{parcel},J{},{n:.3},{e:.3}\n", i + 1));
        }
    }
    csv
}

#[test]
fn csv_vertex_table_in_survey_order_is_read_and_its_open_rings_closed() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "界址.csv", gbk(&survey_csv()), Some("EPSG:4526")));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "csv");
    assert!(note(&a, "axes-survey-order")["detail"].as_str().unwrap_or_default().contains("northings"));
    assert!(has_note(&a, "encoding-gbk"), "a GBK CSV is decoded and says so");
    let closed = note(&a, "ring-closed");
    assert_eq!(closed["feature"], 0);
    assert_eq!(closed["geometry"]["type"], "MultiPolygon", "the closed geometry is offered");
    assert_eq!(a["features"][0]["name"], "水厂扩建");
}

#[test]
fn xlsx_vertex_table_with_lon_lat_needs_no_crs() {
    let fx = Fx::new();
    let mut csv = String::from("地块,经度,纬度\n");
    for (parcel, centre) in [("水厂扩建", LEVEL2), ("仓库", GENERAL)] {
        for [x, y] in square_lonlat(centre) {
            csv.push_str(&format!("{parcel},{x:.8},{y:.8}\n"));
        }
    }
    fx.write("t.csv", csv);
    fx.ogr2ogr(&["-f", "XLSX", "-oo", "AUTODETECT_TYPE=YES", "t.xlsx", "t.csv", "-nln", "坐标"]);
    let s = Server::start();
    let a = ok(&s, upload(&s, "t.xlsx", std::fs::read(fx.path("t.xlsx")).expect("xlsx"), None));
    assert_two_squares(&a);
    assert_eq!(a["file"]["format"], "xlsx");
    assert_eq!(a["file"]["crs_source"], "default");
    assert!(note(&a, "crs-default")["detail"].as_str().unwrap_or_default().contains("GCJ-02"));
}

/// Two parcels in CGCS2000 3° zone 38, the second with a hole, GBK with CRLF as land systems write them.
fn two_parcel_jzd() -> Vec<u8> {
    let mut t = String::from("[属性描述]\r\n格式版本号=1.01\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=38\r\n精度=0.001\r\n转换参数=,,,,,,\r\n[地块坐标]\r\n");
    let ring = |pts: &[(f64, f64)], ring_no: u32, start: usize, t: &mut String| {
        for (i, (e, n)) in pts.iter().chain(pts.first()).enumerate() {
            t.push_str(&format!("J{},{ring_no},{n:.3},{e:.3}\r\n", if i == pts.len() { start } else { start + i }));
        }
    };
    let a = square_gk(LEVEL2);
    t.push_str("5,4.0000,1,水厂扩建,面,,,,@\r\n");
    ring(&a, 1, 1, &mut t);
    let b = square_gk(GENERAL);
    let (e, n) = to_gk38(GENERAL.0, GENERAL.1);
    let hole = [(e - 50.0, n - 50.0), (e - 50.0, n + 50.0), (e + 50.0, n + 50.0), (e + 50.0, n - 50.0)];
    t.push_str("10,3.0000,2,仓库,面,,,,@\r\n");
    ring(&b, 1, 1, &mut t);
    ring(&hole, 2, 5, &mut t);
    gbk(&t)
}

#[test]
fn jzd_file_with_two_parcels_gbk_crlf_keeps_the_hole() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "报盘.txt", two_parcel_jzd(), None));
    assert_eq!(a["file"]["format"], "jzd-txt");
    assert_eq!(a["file"]["crs"], "EPSG:4526");
    assert_eq!(a["file"]["crs_source"], "header");
    assert_eq!(a["file"]["encoding"], "GBK (CP936)");
    let f = a["features"].as_array().expect("features");
    assert_eq!(f.len(), 2);
    assert_eq!(f[1]["name"], "仓库");
    assert_eq!(f[1]["attributes"]["地块面积"], "3.0000");
    assert_eq!(f[1]["geometry"]["coordinates"][0].as_array().map(Vec::len), Some(2), "outer ring and hole");
    let area = f[1]["assessment"]["site"]["area_m2"].as_f64().expect("area");
    assert!((area - 30_000.0).abs() < 150.0, "4 ha − 1 ha hole: {area}");
    assert!(!has_note(&a, "area-mismatch"), "declared areas match: {}", a["file"]);
    assert_eq!(f[0]["assessment"]["verdict"], "prohibited");
    assert_eq!(f[1]["assessment"]["verdict"], "permitted");
}

// ---------------------------------------------------------------------------------------------------------------
// The real public files (../shared/realdata, see SOURCES.md)

const HENAN: &str = "garybikini_henan_district_shp/henan_district_utf8_nocpg.zip";

fn real(rel: &str) -> Vec<u8> {
    std::fs::read(realdata(rel)).expect("read real file")
}

#[test]
fn real_henan_shapefile_without_prj_is_refused_without_crs() {
    // GCJ-02 labelled WGS 84, and no .prj: the file does not say what its numbers are, so nobody should guess.
    let s = Server::start_with(&["--max-vertices", "200000"]);
    let p = problem(upload(&s, "henan_district_utf8_nocpg.zip", real(HENAN), None), 422);
    assert_eq!(p["type"], "/problems/missing-crs");
    assert!(detail(&p).contains(".prj"), "{p}");
    assert!(detail_zh(&p).contains(".prj"), "{p}");
}

#[test]
fn real_henan_shapefile_with_crs_reads_and_wugang_falls_on_the_sample_beyond_the_json_body_limit() {
    // 937 KB zip on a server whose JSON body limit is 10 kB: the upload route has its own limit.
    let s = Server::start_with(&["--max-vertices", "200000", "--max-body-bytes", "10000"]);
    let a = ok(&s, upload(&s, "henan_district_utf8_nocpg.zip", real(HENAN), Some("EPSG:4326")));
    assert_eq!(a["file"]["features"], 158);
    assert_eq!(a["file"]["crs"], "EPSG:4326");
    assert_eq!(a["file"]["crs_source"], "request");
    let wugang = a["features"].as_array().expect("features").iter().find(|f| f["attributes"]["adcode"] == "410481").expect("舞钢市");
    assert_eq!(wugang["name"], "舞钢市");
    let codes = zone_codes(&wugang["assessment"]);
    assert!(codes.iter().any(|c| c.starts_with("ZH410481")), "舞钢市 overlaps the sample's control units: {codes:?}");
    assert!(codes.contains(&"SY410481001-2".to_string()), "and the 田岗 water source: {codes:?}");
    let zhengzhou = a["features"].as_array().expect("features").iter().find(|f| f["attributes"]["adcode"] == "410102").expect("中原区");
    assert_eq!(zhengzhou["assessment"]["verdict"], "undetermined", "far from the sample's coverage");
}

#[test]
fn real_henan_shapefile_is_over_the_default_vertex_limit() {
    let s = Server::start();
    let p = problem(upload(&s, "henan_district_utf8_nocpg.zip", real(HENAN), Some("EPSG:4326")), 413);
    assert_eq!(p["type"], "/problems/too-many-vertices");
    assert!(detail(&p).contains("limit is 50000"), "{p}");
}

#[test]
fn real_gbk_shapefile_without_cpg_echoes_heilongjiang() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "chinese_poly_gbk.zip", real("geotools_chinese_poly/chinese_poly_gbk.zip"), None));
    assert_eq!(a["features"][0]["attributes"]["NAME"], "黑龙江省");
    assert_eq!(a["features"][0]["name"], "黑龙江省");
    assert!(has_note(&a, "encoding-gbk"));
    assert_eq!(a["whole"]["verdict"], "undetermined", "Heilongjiang is outside the Wugang sample");
}

#[test]
fn real_dxf_closed_polyline_in_zone_40_is_a_polygon_near_120e_31n_outside_coverage() {
    let s = Server::start();
    let dxf = real("gdal_autotest/closed_polyline_with_bulge.dxf");
    let p = problem(upload(&s, "closed_polyline_with_bulge.dxf", dxf.clone(), None), 422);
    assert_eq!(p["type"], "/problems/missing-crs");
    assert!(detail(&p).contains("EPSG:4528"), "zone prefix 40 → EPSG:4528 suggested: {p}");
    let a = ok(&s, upload(&s, "closed_polyline_with_bulge.dxf", dxf, Some("EPSG:4528")));
    assert_eq!(a["file"]["features"], 1);
    assert!(has_note(&a, "closed-polylines"));
    let site = &a["whole"]["site"];
    assert_eq!(site["geometry_type"], "Polygon");
    assert!((site["lon"].as_f64().unwrap_or_default() - 120.89).abs() < 0.02 && (site["lat"].as_f64().unwrap_or_default() - 31.02).abs() < 0.02, "{site}");
    assert_eq!(a["whole"]["verdict"], "undetermined", "outside the sample's coverage");
    let ring = &a["features"][0]["geometry"]["coordinates"][0][0];
    assert!(ring.as_array().is_some_and(|r| r.len() >= 50), "the bulges' arcs are kept as points: {}", ring.as_array().map_or(0, Vec::len));
}

#[test]
fn real_jzd_file_is_one_polygon_of_5_7089_ha_in_zone_40() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "pengbu_BR14_jzd_extracted.txt", real("jzd_txt/pengbu_BR14_jzd_extracted.txt"), None));
    assert_eq!(a["file"]["crs"], "EPSG:4528");
    assert_eq!(a["file"]["crs_source"], "header");
    let f = &a["features"][0];
    assert_eq!(f["name"], "彭埠单元B/R-14地块");
    assert_eq!(f["attributes"]["界址点数"], "66");
    assert_eq!(f["geometry"]["coordinates"][0][0].as_array().map(Vec::len), Some(66), "65 points and the closing J01");
    let ha = f["assessment"]["site"]["area_m2"].as_f64().expect("area") / 10_000.0;
    assert!((ha - 5.7089).abs() < 0.01, "{ha} ha");
    assert!(!has_note(&a, "area-mismatch") && !has_note(&a, "point-count-mismatch"), "{}", a["file"]);
    assert_eq!(a["whole"]["verdict"], "undetermined", "Hangzhou is outside the sample");
}

#[test]
fn real_kml_samples_keep_the_pentagon_hole_and_skip_points_and_paths() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "KML_Samples.kml", real("kml/KML_Samples.kml"), None));
    let pentagon = a["features"].as_array().expect("features").iter().find(|f| f["name"] == "The Pentagon").expect("The Pentagon");
    assert_eq!(pentagon["geometry"]["coordinates"][0].as_array().map(Vec::len), Some(2), "outer ring and inner courtyard");
    let skipped = note(&a, "skipped-geometries")["detail"].as_str().unwrap_or_default().to_string();
    assert!(skipped.contains("point") && skipped.contains("line"), "{skipped}");
    assert!(has_note(&a, "z-dropped"), "KML altitudes are dropped with a note");
}

#[test]
fn real_kmz_is_read_from_its_doc_kml() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "ZCOR_1.kmz", real("kml/ZCOR_1.kmz"), None));
    assert_eq!(a["file"]["format"], "kmz");
    assert_eq!(a["file"]["files"][0], "doc.kml");
    assert_eq!(a["file"]["features"], 590);
    assert_eq!(a["whole"]["verdict"], "undetermined", "São Paulo");
}

#[test]
fn real_geopackage_in_british_national_grid() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "poly.gpkg", real("georust_gdal/poly.gpkg"), None));
    assert_eq!(a["file"]["crs"], "EPSG:27700");
    assert_eq!(a["file"]["features"], 1);
    assert_eq!(a["whole"]["verdict"], "undetermined");
}

// ---------------------------------------------------------------------------------------------------------------
// Repairs that are made and said

#[test]
fn self_intersecting_polygon_is_repaired_and_the_repair_is_shown() {
    let (x, y) = GENERAL;
    let d = 0.001;
    let bowtie = json!({"type": "Feature", "properties": {"名称": "蝴蝶"}, "geometry": polygon(vec![vec![[x - d, y - d], [x + d, y + d], [x + d, y - d], [x - d, y + d], [x - d, y - d]]])});
    let s = Server::start();
    let a = ok(&s, upload(&s, "bowtie.geojson", serde_json::to_vec(&bowtie).expect("json"), None));
    let n = note(&a, "geometry-repaired");
    assert_eq!(n["feature"], 0);
    assert!(n["detail"].as_str().unwrap_or_default().contains("MakeValid"), "{n}");
    assert!(n["detail_zh"].as_str().unwrap_or_default().contains("修复"), "{n}");
    assert_eq!(n["geometry"]["coordinates"].as_array().map(Vec::len), Some(2), "two triangles: {n}");
    assert_eq!(a["features"][0]["geometry"], n["geometry"], "the repaired geometry is what was assessed");
}

#[test]
fn unclosed_ring_in_geojson_is_closed_and_said_so() {
    let mut ring = square_lonlat(GENERAL);
    ring.pop();
    let s = Server::start();
    let a = ok(&s, upload(&s, "open.geojson", serde_json::to_vec(&polygon(vec![ring])).expect("json"), None));
    let n = note(&a, "ring-closed");
    assert!(n["detail"].as_str().unwrap_or_default().contains("first point"), "{n}");
    assert!(n["geometry"].is_object());
    assert_eq!(a["whole"]["verdict"], "permitted");
}

#[test]
fn z_values_are_dropped_with_a_note() {
    let ring: Vec<Value> = square_lonlat(GENERAL).into_iter().map(|[x, y]| json!([x, y, 120.5])).collect();
    let s = Server::start();
    let a = ok(&s, upload(&s, "z.geojson", serde_json::to_vec(&json!({"type": "Polygon", "coordinates": [ring]})).expect("json"), None));
    assert!(note(&a, "z-dropped")["detail"].as_str().unwrap_or_default().contains("Z values"));
    assert_eq!(a["whole"]["site"]["geometry_type"], "Polygon");
}

#[test]
fn zip_with_two_shapefiles_in_the_same_crs_is_read_as_one_upload() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    let g = geojson.to_str().expect("path");
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs", "EPSG:4526", "a.shp", g, "-where", "\"编号\" = 7"]);
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs", "EPSG:4526", "b.shp", g, "-where", "\"编号\" = 8"]);
    let mut parts = Vec::new();
    for stem in ["a", "b"] {
        for e in ["shp", "shx", "dbf", "prj", "cpg"] {
            parts.push((fx.path(&format!("{stem}.{e}")), format!("{stem}.{e}").into_bytes()));
        }
    }
    let s = Server::start();
    let a = ok(&s, upload(&s, "two.zip", zip(&entries(&parts), true), None));
    assert_two_squares(&a);
    assert!(note(&a, "files-merged")["detail"].as_str().unwrap_or_default().contains("a.shp"));
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals, one per class, each checking its message

#[test]
fn empty_file_is_refused() {
    let s = Server::start();
    let p = problem(upload(&s, "site.geojson", Vec::new(), None), 422);
    assert_eq!(p["type"], "/problems/empty-file");
    assert!(detail(&p).contains("0 bytes"), "{p}");
    let p = problem(upload(&s, "site.geojson", br#"{"type":"FeatureCollection","features":[]}"#.to_vec(), None), 422);
    assert_eq!(p["type"], "/problems/empty-file");
    assert!(detail(&p).contains("no features"), "{p}");
}

#[test]
fn zip_without_a_dataset_lists_the_files_found() {
    let s = Server::start();
    let z = zip(&[(b"README.txt".to_vec(), b"see attached".to_vec()), (b"photo.jpg".to_vec(), vec![0xff, 0xd8, 0xff])], true);
    let p = problem(upload(&s, "stuff.zip", z, None), 422);
    assert_eq!(p["type"], "/problems/no-dataset");
    assert!(detail(&p).contains("README.txt") && detail(&p).contains("photo.jpg"), "{p}");
    assert!(detail_zh(&p).contains("photo.jpg"), "{p}");
}

#[test]
fn truncated_zip_is_unreadable_not_an_empty_zip() {
    let fx = Fx::new();
    let mut z = gbk_shapefile_zip(&fx, "site");
    z.truncate(z.len() / 2);
    let s = Server::start();
    let p = problem(upload(&s, "site.zip", z, None), 422);
    assert_eq!(p["type"], "/problems/unreadable-file");
    assert!(detail(&p).contains("truncated or corrupt"), "{p}");
}

#[test]
fn zip_with_a_shapefile_missing_its_dbf_says_which_part_is_missing() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "a.shp", geojson.to_str().expect("path")]);
    let s = Server::start();
    let z = zip(&entries(&[(fx.path("a.shp"), b"a.shp".to_vec()), (fx.path("a.shx"), b"a.shx".to_vec())]), true);
    let p = problem(upload(&s, "a.zip", z, None), 422);
    assert_eq!(p["type"], "/problems/no-dataset");
    assert!(detail(&p).contains("a.shp without .dbf"), "{p}");
}

#[test]
fn zip_with_datasets_of_different_formats_names_them() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    let g = geojson.to_str().expect("path");
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "a.shp", g]);
    fx.ogr2ogr(&["-f", "KML", "b.kml", g]);
    let parts: Vec<_> = ["a.shp", "a.shx", "a.dbf", "a.prj", "b.kml"].iter().map(|n| (fx.path(n), n.as_bytes().to_vec())).collect();
    let s = Server::start();
    let p = problem(upload(&s, "both.zip", zip(&entries(&parts), true), None), 422);
    assert_eq!(p["type"], "/problems/several-datasets");
    assert!(detail(&p).contains("a.shp: shapefile") && detail(&p).contains("b.kml: kml"), "{p}");
}

#[test]
fn zip_with_shapefiles_in_different_crs_is_refused_naming_each() {
    let fx = Fx::new();
    let geojson = write_two_squares(&fx);
    let g = geojson.to_str().expect("path");
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-t_srs", "EPSG:4526", "a.shp", g]);
    fx.ogr2ogr(&["-f", "ESRI Shapefile", "-t_srs", "EPSG:4490", "b.shp", g]);
    let mut parts = Vec::new();
    for stem in ["a", "b"] {
        for e in ["shp", "shx", "dbf", "prj"] {
            parts.push((fx.path(&format!("{stem}.{e}")), format!("{stem}.{e}").into_bytes()));
        }
    }
    let s = Server::start();
    let p = problem(upload(&s, "mixed.zip", zip(&entries(&parts), true), None), 422);
    assert_eq!(p["type"], "/problems/mixed-crs");
    assert!(detail(&p).contains("a.shp: EPSG:4526") && detail(&p).contains("b.shp: EPSG:4490"), "{p}");
    assert!(detail_zh(&p).contains("坐标系不一致"), "{p}");
}

#[test]
fn upload_over_the_size_limit_is_413() {
    // 937 KB against a 500 kB limit (the route accepts 1 MiB more of framing, so the body is read to its end and
    // the client sees the 413 rather than a reset).
    let s = Server::start_with(&["--max-upload-bytes", "500000"]);
    let p = problem(upload(&s, "henan.zip", real(HENAN), Some("EPSG:4326")), 413);
    assert_eq!(p["type"], "/problems/upload-too-large");
    assert!(detail(&p).contains("500000"), "{p}");
    assert!(detail_zh(&p).contains("500000"), "{p}");
}

#[test]
fn too_many_vertices_is_413_naming_the_limit() {
    let s = Server::start_with(&["--max-vertices", "8"]);
    let p = problem(upload(&s, "site.geojson", serde_json::to_vec(&two_squares()).expect("json"), None), 413);
    assert_eq!(p["type"], "/problems/too-many-vertices");
    assert!(detail(&p).contains("limit is 8"), "{p}");
    assert!(detail_zh(&p).contains("上限 8"), "{p}");
}

#[test]
fn unknown_format_is_415_listing_the_supported_ones() {
    let s = Server::start();
    let p = problem(upload(&s, "site.png", b"\x89PNG\r\n\x1a\n....".to_vec(), None), 415);
    assert_eq!(p["type"], "/problems/unsupported-format");
    for fmt in ["shapefile", "KMZ", "GeoPackage", "DXF", "XLSX", "界址点"] {
        assert!(detail(&p).contains(fmt), "{fmt} in {p}");
    }
    let p = problem(upload(&s, "site.dwg", b"AC1032....".to_vec(), None), 415);
    assert!(detail(&p).contains("save it as DXF"), "{p}");
}

#[test]
fn vertex_table_without_crs_asks_for_one() {
    let s = Server::start();
    let p = problem(upload(&s, "t.csv", survey_csv().into_bytes(), None), 422);
    assert_eq!(p["type"], "/problems/missing-crs");
    assert!(detail(&p).contains("projected metres") && detail(&p).contains("EPSG:4526"), "{p}");
}

#[test]
fn jzd_without_coordinate_system_asks_for_crs() {
    let text = encoding_rs::GBK.decode(&two_parcel_jzd()).0.replace("坐标系=2000国家大地坐标系\r\n", "");
    let s = Server::start();
    let p = problem(upload(&s, "t.txt", text.into_bytes(), None), 422);
    assert_eq!(p["type"], "/problems/missing-crs");
    assert!(detail(&p).contains("坐标系"), "{p}");
}

#[test]
fn unknown_crs_is_422_pointing_at_crs() {
    let s = Server::start();
    let p = problem(upload(&s, "site.geojson", serde_json::to_vec(&two_squares()).expect("json"), Some("EPSG:999999")), 422);
    assert_eq!(p["type"], "/problems/unknown-crs");
    assert_eq!(p["pointer"], "crs");
    assert!(detail(&p).contains("EPSG:999999"), "{p}");
}

#[test]
fn zero_area_polygon_is_refused() {
    let (x, y) = GENERAL;
    let flat = json!({"type": "Feature", "properties": {"名称": "线状"}, "geometry": polygon(vec![vec![[x, y], [x + 0.001, y + 0.001], [x + 0.002, y + 0.002], [x, y]]])});
    let s = Server::start();
    let p = problem(upload(&s, "flat.geojson", serde_json::to_vec(&flat).expect("json"), None), 422);
    assert_eq!(p["type"], "/problems/zero-area");
    assert!(detail(&p).contains("线状") && detail(&p).contains("zero area"), "{p}");
    assert!(detail_zh(&p).contains("面积为零"), "{p}");
}

#[test]
fn file_with_only_points_and_lines_is_refused_saying_what_it_holds() {
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [GENERAL.0, GENERAL.1]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[GENERAL.0, GENERAL.1], [GENERAL.0 + 0.01, GENERAL.1]]}},
    ]});
    let s = Server::start();
    let p = problem(upload(&s, "pts.geojson", serde_json::to_vec(&fc).expect("json"), None), 422);
    assert_eq!(p["type"], "/problems/no-polygons");
    assert!(detail(&p).contains("1 point") && detail(&p).contains("1 line"), "{p}");
}

#[test]
fn projected_drawing_read_as_degrees_is_refused_with_the_usual_message() {
    let s = Server::start();
    let p = problem(upload(&s, "d.dxf", real("gdal_autotest/closed_polyline_with_bulge.dxf"), Some("EPSG:4326")), 422);
    assert_eq!(p["type"], "/problems/projected-as-degrees");
    assert!(detail(&p).contains("EPSG:4326") && detail(&p).contains("real CRS"), "{p}");
}

#[test]
fn malformed_jzd_line_is_refused_with_its_line_number() {
    let text = "[属性描述]\n坐标系=2000国家大地坐标系\n带号=38\n[地块坐标]\n4,1,1,甲,面,,,,@\nJ1,1,3685000,38452000\nJ2,1,北,38452100\n";
    let s = Server::start();
    let p = problem(upload(&s, "bad.txt", text.as_bytes().to_vec(), None), 422);
    assert_eq!(p["type"], "/problems/invalid-jzd");
    assert!(detail(&p).contains("line 7") && detail(&p).contains("\"北\""), "{p}");
    assert!(detail_zh(&p).contains("第 7 行"), "{p}");
}

#[test]
fn table_without_coordinate_columns_lists_its_columns() {
    let s = Server::start();
    let p = problem(upload(&s, "t.csv", b"code,owner\n1,a\n".to_vec(), None), 422);
    assert_eq!(p["type"], "/problems/invalid-table");
    assert!(detail(&p).contains("code, owner") && detail(&p).contains("经度/纬度"), "{p}");
}

#[test]
fn corrupt_geojson_is_unreadable_not_500() {
    let s = Server::start();
    let p = problem(upload(&s, "x.geojson", b"{\"type\": \"FeatureCollection\", \"features\": [".to_vec(), None), 422);
    assert_eq!(p["type"], "/problems/unreadable-file");
    assert!(detail(&p).contains("GeoJSON"), "{p}");
}

#[test]
fn missing_file_part_and_bad_facts_are_422() {
    let s = Server::start();
    let p = problem(send(&s, Form::new().text("facts", facts().to_string())), 422);
    assert_eq!(p["type"], "/problems/missing-file");
    let p = problem(send(&s, form("a.geojson", serde_json::to_vec(&two_squares()).expect("json"), None, &json!("industry=1411"))), 422);
    assert_eq!(p["type"], "/problems/invalid-facts");
    let p = problem(send(&s, form("a.geojson", serde_json::to_vec(&two_squares()).expect("json"), None, &json!({"industry": "1411"}))), 422);
    assert_eq!(p["type"], "/problems/missing-fact");
    assert_eq!(p["pointer"], "facts/nature");
}

#[test]
fn a_json_body_is_not_an_upload() {
    let s = Server::start();
    let r = client().post(s.url("/v1/assessments/upload")).json(&json!({"geometry": {}})).send().expect("POST");
    assert_eq!(problem(r, 415)["type"], "/problems/not-multipart");
}

#[test]
fn openapi_lists_the_upload_endpoint() {
    let s = Server::start();
    let doc: Value = client().get(s.url("/openapi.json")).send().expect("GET").json().expect("json");
    assert!(doc["paths"]["/v1/assessments/upload"]["post"].is_object(), "{}", doc["paths"]);
}

// ---------------------------------------------------------------------------------------------------------------
// The request's crs: the same names as for points (crate::crs::InputCrs)

fn upload_towgs84(s: &Server, name: &str, bytes: Vec<u8>, crs: &str, towgs84: &str) -> Response {
    send(s, form(name, bytes, Some(crs), &facts()).text("towgs84", towgs84.to_string()))
}

fn outer_ring(feature: &Value) -> Vec<[f64; 2]> {
    let g = &feature["geometry"];
    let ring = if g["type"] == "MultiPolygon" { &g["coordinates"][0][0] } else { &g["coordinates"][0] };
    ring.as_array().expect("ring").iter().map(|p| [p[0].as_f64().expect("x"), p[1].as_f64().expect("y")]).collect()
}

#[test]
fn dxf_in_metres_read_with_a_gauss_kruger_name_is_read_as_with_its_epsg_code() {
    let s = Server::start();
    let dxf = real("gdal_autotest/closed_polyline_with_bulge.dxf");
    let by_code = ok(&s, upload(&s, "d.dxf", dxf.clone(), Some("EPSG:4528")));
    let by_name = ok(&s, upload(&s, "d.dxf", dxf, Some("cgcs2000-gk3:40")));
    assert_eq!(by_name["file"]["crs"], "cgcs2000-gk3:40");
    assert_eq!(by_name["file"]["crs_source"], "request");
    assert_eq!(by_name["features"][0]["geometry"], by_code["features"][0]["geometry"]);
    assert_eq!(by_name["whole"]["site"], by_code["whole"]["site"]);
    assert_eq!(by_name["whole"]["verdict"], by_code["whole"]["verdict"]);
}

#[test]
fn csv_in_survey_order_with_cgcs2000_gk_takes_the_zone_from_the_easting_prefix() {
    let s = Server::start();
    let a = ok(&s, upload(&s, "界址.csv", survey_csv().into_bytes(), Some("cgcs2000-gk")));
    assert_two_squares(&a);
    assert_eq!(a["file"]["crs"], "cgcs2000-gk3:38");
}

#[test]
fn gcj02_vertex_table_read_with_crs_gcj02_lands_on_the_wgs84_original() {
    use ecogate::crs::gcj::wgs84_to_gcj02;
    let originals = [square_lonlat(LEVEL2), square_lonlat(GENERAL)];
    let mut csv = String::from("地块,经度,纬度\n");
    for (parcel, ring) in ["水厂扩建", "仓库"].iter().zip(&originals) {
        for p in &ring[..ring.len() - 1] {
            let g = wgs84_to_gcj02(geo::Coord { x: p[0], y: p[1] });
            assert!((g.x - p[0]).abs() > 1e-4, "GCJ-02 moves points by hundreds of metres");
            csv.push_str(&format!("{parcel},{:.10},{:.10}\n", g.x, g.y));
        }
    }
    let s = Server::start();
    let a = ok(&s, upload(&s, "高德.csv", csv.into_bytes(), Some("gcj02")));
    assert_two_squares(&a);
    assert_eq!(a["file"]["crs"], "gcj02");
    assert_eq!(a["file"]["crs_source"], "request");
    assert!(!has_note(&a, "crs-default"), "{}", a["file"]);
    for (feature, original) in a["features"].as_array().expect("features").iter().zip(&originals) {
        for [lon, lat] in outer_ring(feature) {
            let metres = original
                .iter()
                .map(|o| ((lon - o[0]) * 111_320.0 * lat.to_radians().cos()).hypot((lat - o[1]) * 110_574.0))
                .fold(f64::INFINITY, f64::min);
            assert!(metres < 0.01, "({lon}, {lat}) is {metres} m from the WGS84 original");
        }
    }
}

#[test]
fn jzd_header_overridden_by_the_request_crs() {
    // The land system wrote 1980西安坐标系 but the numbers are CGCS2000 (the same zone 38 squares).
    let text = encoding_rs::GBK.decode(&two_parcel_jzd()).0.replace("坐标系=2000国家大地坐标系", "坐标系=1980西安坐标系");
    let s = Server::start();
    let a = ok(&s, upload(&s, "报盘.txt", gbk(&text), Some("cgcs2000-gk3:38")));
    assert_eq!(a["file"]["crs"], "cgcs2000-gk3:38");
    assert_eq!(a["file"]["crs_source"], "request");
    let o = note(&a, "crs-override");
    assert!(o["detail"].as_str().unwrap_or_default().contains("cgcs2000-gk3:38"), "{o}");
    assert_eq!(a["features"][0]["assessment"]["verdict"], "prohibited");
    assert_eq!(a["features"][1]["assessment"]["verdict"], "permitted");
    let area = a["features"][1]["assessment"]["site"]["area_m2"].as_f64().expect("area");
    assert!((area - 30_000.0).abs() < 150.0, "the hole is kept: {area}");
}

#[test]
fn xian80_gauss_kruger_needs_towgs84_for_files_too() {
    let s = Server::start();
    let p = problem(upload(&s, "t.csv", survey_csv().into_bytes(), Some("xian80-gk3:38")), 422);
    assert_eq!(p["type"], "/problems/datum-shift-required");
    assert_eq!(p["pointer"], "crs");
    assert!(detail(&p).contains("no public nationwide transformation") && detail(&p).contains("towgs84"), "{p}");
    assert!(detail_zh(&p).contains("没有全国统一公开的转换参数"), "{p}");

    let p = problem(upload_towgs84(&s, "t.csv", survey_csv().into_bytes(), "xian80-gk3:38", "1,2"), 422);
    assert_eq!(p["type"], "/problems/invalid-towgs84");
    assert_eq!(p["pointer"], "towgs84");

    let towgs84 = "15.8,-154.4,-82.3,0,0,0,0";
    let a = ok(&s, upload_towgs84(&s, "t.csv", survey_csv().into_bytes(), "xian80-gk3:38", towgs84));
    assert_eq!(a["file"]["crs"], "xian80-gk3:38");
    assert_eq!(a["file"]["crs_source"], "request");
    assert!(note(&a, "datum-shift")["detail"].as_str().unwrap_or_default().contains(towgs84), "{}", a["file"]);
    assert_eq!(a["features"].as_array().map(Vec::len), Some(2));
    // The same numbers read as CGCS2000 land elsewhere: the shift was applied.
    let plain = ok(&s, upload(&s, "t.csv", survey_csv().into_bytes(), Some("cgcs2000-gk3:38")));
    let (shifted, unshifted) = (outer_ring(&a["features"][0])[0], outer_ring(&plain["features"][0])[0]);
    let metres = ((shifted[0] - unshifted[0]) * 111_320.0 * shifted[1].to_radians().cos()).hypot((shifted[1] - unshifted[1]) * 110_574.0);
    assert!(metres > 1.0 && metres < 1_000.0, "Xi'an 1980 → CGCS2000 moves the site by metres to hundreds of metres: {metres}");
}

#[test]
fn gcj02_for_a_drawing_in_metres_is_refused_as_coordinates_not_a_crs() {
    let s = Server::start();
    let p = problem(upload(&s, "d.dxf", real("gdal_autotest/closed_polyline_with_bulge.dxf"), Some("gcj02")), 422);
    assert_eq!(p["type"], "/problems/projected-as-degrees", "{p}");
    assert_eq!(p["pointer"], "file", "{p}");
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

fn ecogate() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("ecogate").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("ECOGATE_DATASET").env_remove("ECOGATE_RULES");
    c
}

#[test]
fn cli_check_file_jzd_exits_5_and_lists_each_feature() {
    let out = ecogate()
        .args(["check", "--industry", "1411", "--nature", "new", "--file"])
        .arg(realdata("jzd_txt/pengbu_BR14_jzd_extracted.txt"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("EPSG:4528") && text.contains("#0 彭埠单元B/R-14地块: UNDETERMINED"), "{text}");
}

#[test]
fn cli_check_file_shapefile_zip_json_has_the_api_shape_and_exit_code_of_the_whole() {
    let fx = Fx::new();
    let path = fx.write("用地.zip", gbk_shapefile_zip(&fx, "site"));
    let out = ecogate()
        .args(["check", "--json", "--industry", "1411", "--nature", "new", "--discharges", "yes", "--file"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "whole file prohibited: {}", String::from_utf8_lossy(&out.stderr));
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_two_squares(&a);
}

#[test]
fn cli_dxf_without_crs_is_a_usage_error_asking_for_crs_in_both_languages() {
    let out = ecogate()
        .args(["check", "--industry", "1411", "--nature", "new", "--file"])
        .arg(realdata("gdal_autotest/closed_polyline_with_bulge.dxf"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--crs") && err.contains("EPSG:4528") && err.contains("没有坐标系"), "{err}");
}

#[test]
fn cli_check_file_dxf_with_crs_reads_the_drawing() {
    let out = ecogate()
        .args(["check", "--json", "--industry", "1411", "--nature", "new", "--crs", "EPSG:4528", "--file"])
        .arg(realdata("gdal_autotest/closed_polyline_with_bulge.dxf"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(a["file"]["crs"], "EPSG:4528");
}

#[test]
fn cli_check_file_dxf_with_a_gauss_kruger_name() {
    let out = ecogate()
        .args(["check", "--json", "--industry", "1411", "--nature", "new", "--crs", "cgcs2000-gk3:40", "--file"])
        .arg(realdata("gdal_autotest/closed_polyline_with_bulge.dxf"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(a["file"]["crs"], "cgcs2000-gk3:40");
    assert_eq!(a["file"]["crs_source"], "request");
}

#[test]
fn cli_check_file_xian80_needs_towgs84_and_takes_it() {
    let dxf = realdata("gdal_autotest/closed_polyline_with_bulge.dxf");
    let out = ecogate().args(["check", "--industry", "1411", "--nature", "new", "--crs", "xian80-gk3:40", "--file"]).arg(&dxf).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--towgs84") && err.contains("没有全国统一公开的转换参数"), "{err}");
    let out = ecogate()
        .args(["check", "--json", "--industry", "1411", "--nature", "new", "--crs", "xian80-gk3:40", "--towgs84", "15.8,-154.4,-82.3", "--file"])
        .arg(&dxf)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
    let a: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(a["file"]["crs"], "xian80-gk3:40");
}

// ---------------------------------------------------------------------------------------------------------------
// In memory only

#[test]
fn nothing_is_left_in_vsimem_after_uploads_and_refusals() {
    use ecogate::upload::{read_upload, vsi, UploadLimits};
    let limits = UploadLimits::default();
    let fx = Fx::new();
    let inputs: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("a.zip", gbk_shapefile_zip(&fx, "a"), None),
        ("b.kmz", real("kml/ZCOR_1.kmz"), None),
        ("c.gpkg", real("georust_gdal/poly.gpkg"), None),
        ("d.dxf", real("gdal_autotest/closed_polyline_with_bulge.dxf"), None), // refused: no crs
        ("e.zip", zip(&[(b"x.txt".to_vec(), b"x".to_vec())], true), None), // refused: no dataset
        ("f.csv", survey_csv().into_bytes(), Some("EPSG:4526")),
        ("g.geojson", b"{\"type\":".to_vec(), None), // refused: unreadable
    ];
    let mut outcomes = Vec::new();
    for (name, bytes, crs) in inputs {
        outcomes.push(read_upload(bytes, Some(name), crs, &limits).map(|u| u.features.len()).map_err(|e| e.slug()));
    }
    assert_eq!(outcomes[0], Ok(2));
    assert_eq!(outcomes[3], Err("missing-crs"));
    assert_eq!(outcomes[4], Err("no-dataset"));
    assert_eq!(outcomes[6], Err("unreadable-file"));
    let left = vsi::scratch_entries();
    assert!(left.is_empty(), "left in /vsimem/: {left:?}");
}
