//! Batch screening and proximity configuration, through the real binary and the real HTTP service: `ecogate batch`
//! on CSV (UTF-8 and GBK), XLSX and GeoJSON site lists, `POST /v1/batches` job lifecycle, custom proximity bands.

#[path = "common/server.rs"]
mod server;

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn ecogate() -> Command {
    let mut c = Command::cargo_bin("ecogate").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("ECOGATE_DATASET").env_remove("ECOGATE_RULES");
    c
}

/// Five candidate sites: a level-2 water zone (cement: prohibited), a general unit (bakery: permitted), swapped
/// lat/lon (error), a row without coordinates (error), a red-line point by DMS text (prohibited).
const SITES_CSV: &str = "名称,经度,纬度,行业代码,建设性质,discharges_pollutants\n\
田岗二级,113.447392,33.317817,3011,新建,yes\n\
一般单元,113.586555,33.353639,1411,new,\n\
颠倒,33.353639,113.586555,1411,new,\n\
空行坐标,,,1411,new,\n\
红线,\"113°33'00.0\"\"E\",\"33°10'52.7\"\"N\",3011,new,no\n";

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.starts_with('\u{feff}'), "CSV starts with a BOM for Excel");
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = r.headers().expect("headers").iter().map(str::to_string).collect();
    (headers, r.records().map(|x| x.expect("record").iter().map(str::to_string).collect()).collect())
}

fn col(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn check_five_sites(headers: &[String], rows: &[Vec<String>]) {
    let (v, e, z) = (col(headers, "verdict"), col(headers, "error"), col(headers, "zones"));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][v], "prohibited", "{:?}", rows[0]);
    assert!(rows[0][z].contains("SY410481001-2"), "{:?}", rows[0]);
    assert_eq!(rows[1][v], "permitted", "{:?}", rows[1]);
    assert_eq!(rows[2][v], "error");
    assert!(rows[2][e].contains("swapped-coordinates"), "{:?}", rows[2]);
    assert!(rows[3][e].contains("missing-site"), "{:?}", rows[3]);
    assert_eq!(rows[4][v], "prohibited", "{:?}", rows[4]);
    assert!(rows[4][z].contains("HN-STBH-0481-004"), "{:?}", rows[4]);
    // Input columns are echoed, results name their versions.
    assert_eq!(rows[0][col(headers, "名称")], "田岗二级");
    assert_eq!(rows[0][col(headers, "name")], "田岗二级");
    assert!(rows[0][col(headers, "dataset_version")].starts_with("wugang-sample@"));
    assert!(!rows[0][col(headers, "rulebook_version")].is_empty());
}

#[test]
fn batch_csv_to_csv_gives_each_row_a_verdict_or_its_own_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("sites.csv");
    std::fs::write(&input, SITES_CSV).expect("write");
    let out = dir.path().join("results.csv");
    let run = ecogate().args(["batch"]).arg(&input).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("5 rows") && stderr.contains("2 with errors"), "{stderr}");
    let (headers, rows) = csv_rows(&std::fs::read(&out).expect("results"));
    check_five_sites(&headers, &rows);
    // Nearest distance per kind: 0 for a kind the site is in.
    assert_eq!(rows[0][col(&headers, "nearest_water_source_m")], "0");
}

#[test]
fn batch_reads_gbk_csv_and_writes_xlsx_that_reads_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("sites-gbk.csv");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(SITES_CSV);
    assert!(!unmappable);
    std::fs::write(&input, &gbk).expect("write");
    let out = dir.path().join("results.xlsx");
    ecogate().args(["batch"]).arg(&input).arg("--out").arg(&out).args(["--jobs", "2"]).assert().code(0);
    let mut wb: Xlsx<_> = calamine::open_workbook(&out).expect("xlsx opens");
    let range = wb.worksheet_range("results").expect("results sheet");
    let mut rows = range.rows().map(|r| {
        r.iter()
            .map(|c| match c {
                Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                other => other.to_string(),
            })
            .collect::<Vec<String>>()
    });
    let headers = rows.next().expect("header row");
    let rows: Vec<Vec<String>> = rows.collect();
    check_five_sites(&headers, &rows);
}

#[test]
fn batch_of_geojson_features_reads_attributes_as_name_and_facts() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("sites.geojson");
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "road", "industry": "4812", "nature": "new", "linear_infrastructure": true},
         "geometry": {"type": "LineString", "coordinates": [[113.516222, 33.181486], [113.594267, 33.181765]]}},
        {"type": "Feature", "properties": {"name": "bakery", "industry": "1411", "nature": "new"},
         "geometry": {"type": "Point", "coordinates": [113.586555, 33.353639]}},
        {"type": "Feature", "properties": {"name": "no industry"}, "geometry": {"type": "Point", "coordinates": [113.586555, 33.353639]}}
    ]});
    std::fs::write(&input, fc.to_string()).expect("write");
    let out = dir.path().join("results.geojson");
    ecogate().args(["batch"]).arg(&input).arg("--out").arg(&out).assert().code(0);
    let v: Value = serde_json::from_slice(&std::fs::read(&out).expect("results")).expect("GeoJSON");
    let f = v["features"].as_array().expect("features");
    assert_eq!(f.len(), 3);
    assert_eq!(f[0]["properties"]["name"], "road");
    assert_eq!(f[0]["properties"]["verdict"], "restricted", "{}", f[0]["properties"]);
    assert!(f[0]["properties"]["chainage"].as_str().unwrap_or_default().contains("HN-STBH-0481-004 km"), "{}", f[0]["properties"]);
    assert_eq!(f[0]["geometry"]["type"], "LineString");
    assert_eq!(f[1]["properties"]["verdict"], "permitted");
    assert!(f[2]["properties"]["error"].as_str().unwrap_or_default().contains("missing-fact"), "{}", f[2]["properties"]);
    assert!(f[2]["geometry"].is_null());
}

#[test]
fn custom_proximity_bands_from_the_rulebook_folder_are_used() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(root.join("data/rules")).expect("rules") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
    }
    std::fs::write(
        dir.path().join("70_proximity.toml"),
        "[proximity]\nbands_m = [100]\n[proximity.kinds]\ncontrol_unit = []\nwater_source = []\nnature_reserve = [1500, 3000]\n",
    )
    .expect("write");
    let out = ecogate()
        .args(["check", "--json", "--lon", "113.510391", "--lat", "33.267296", "--industry", "1411", "--nature", "new", "--rules"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let a: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let prox = a["proximity"].as_array().expect("proximity");
    assert!(prox.iter().all(|p| p["kind"] != "water_source"), "water sources switched off: {prox:?}");
    let reserve = prox.iter().find(|p| p["kind"] == "nature_reserve").expect("reserve within 3 km");
    assert_eq!(reserve["band_m"], 3000.0);
    assert_eq!(reserve["band"], "≤3 km");
    // `nearby` is unchanged by the bands: the level-2 zone 200 m away is still listed there.
    assert!(a["nearby"].as_array().expect("nearby").iter().any(|n| n["code"] == "SY410481002-2"));
}

#[test]
fn http_batch_job_is_accepted_polled_and_downloaded() {
    let s = server::Server::start();
    let http = server::client();
    let form = reqwest::blocking::multipart::Form::new()
        .part("file", reqwest::blocking::multipart::Part::bytes(SITES_CSV.as_bytes().to_vec()).file_name("sites.csv"));
    let r = http.post(s.url("/v1/batches")).multipart(form).send().expect("POST");
    assert_eq!(r.status().as_u16(), 202, "{}", r.text().unwrap_or_default());
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).expect("Location").to_string();
    let job: Value = r.json().expect("JSON");
    assert_eq!(job["rows_total"], 5);
    assert_eq!(location, format!("/v1/batches/{}", job["id"].as_str().expect("id")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let st: Value = http.get(s.url(&location)).send().expect("GET").json().expect("JSON");
        if st["status"] == "done" || Instant::now() > deadline {
            break st;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["rows_done"], 5);
    assert_eq!(status["counts"]["error"], 2);
    assert_eq!(status["counts"]["prohibited"], 2);
    let csv_link = status["links"]["csv"].as_str().expect("csv link");
    let r = http.get(s.url(csv_link)).send().expect("download");
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/csv"));
    let (headers, rows) = csv_rows(&r.bytes().expect("body"));
    check_five_sites(&headers, &rows);

    // A CSV body works too; bad ids are problems.
    let r = http.post(s.url("/v1/batches")).header("content-type", "text/csv").body("lon,lat\n113.5,33.2\n").send().expect("POST csv");
    assert_eq!(r.status().as_u16(), 202);
    let r = http.get(s.url("/v1/batches/not-an-id")).send().expect("GET");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = http.get(s.url("/v1/batches/0123456789abcdef0123456789abcdef/results")).send().expect("GET");
    assert_eq!(r.status().as_u16(), 404);
    // A file without site columns is refused before a job is made.
    let r = http.post(s.url("/v1/batches?filename=x.csv")).header("content-type", "text/csv").body("a,b\n1,2\n").send().expect("POST");
    assert_eq!(r.status().as_u16(), 422);
    let p: Value = r.json().expect("problem");
    assert_eq!(p["type"], "/problems/no-site-columns");
}

#[test]
fn batch_reads_an_xlsx_with_surveyors_xy_a_crs_column_and_a_leading_zero_industry_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("候选选址.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["名称", "X坐标", "Y坐标", "坐标系", "行业代码", "建设性质"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    // X = northing first, as surveyors write it, with the zone prefix in the easting; 0111 stays text.
    ws.write_string(1, 0, "田岗二级").expect("cell");
    ws.write_number(1, 1, 3688132.571).expect("cell");
    ws.write_number(1, 2, 38448542.634).expect("cell");
    ws.write_string(1, 3, "cgcs2000-gk3").expect("cell");
    ws.write_string(1, 4, "0111").expect("cell");
    ws.write_string(1, 5, "新建").expect("cell");
    wb.save(&input).expect("save");
    let out = dir.path().join("results.csv");
    ecogate().args(["batch"]).arg(&input).arg("--out").arg(&out).assert().code(0);
    let (headers, rows) = csv_rows(&std::fs::read(&out).expect("results"));
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r[col(&headers, "error")], "", "{r:?}");
    assert!(r[col(&headers, "zones")].contains("SY410481001-2"), "{r:?}");
    assert!(r[col(&headers, "warnings")].contains("axis_order_assumed"), "{r:?}");
    assert_eq!(r[col(&headers, "lon")], "113.447392");
    assert_eq!(r[col(&headers, "行业代码")], "0111");
}

/// Three sites of data/wugang/test_points.json by id, as point features with the facts that decide them:
/// (id, industry, discharges, expected verdict, a zone the row must list).
const POINT_SITES: [(&str, &str, &str, &str, &str); 3] = [
    ("tiangang_level2", "3011", "yes", "prohibited", "SY410481001-2"),
    ("general_far", "1411", "no", "permitted", "ZH41048130002"),
    ("red_line_plain", "3011", "no", "prohibited", "HN-STBH-0481-004"),
];

/// (id, lon, lat) of the POINT_SITES, read from the sample's test points.
fn point_sites() -> Vec<(String, f64, f64)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(root.join("data/wugang/test_points.json")).expect("points")).expect("JSON");
    POINT_SITES
        .iter()
        .map(|(id, ..)| {
            let p = all.as_array().expect("list").iter().find(|p| p["id"] == *id).expect("test point");
            (id.to_string(), p["lon"].as_f64().expect("lon"), p["lat"].as_f64().expect("lat"))
        })
        .collect()
}

/// Each result feature is one input feature, in order, with its expected verdict and zone.
fn check_point_rows(out: &Path) {
    let v: Value = serde_json::from_slice(&std::fs::read(out).expect("results")).expect("GeoJSON");
    let f = v["features"].as_array().expect("features");
    assert_eq!(f.len(), POINT_SITES.len(), "one row per feature: {v}");
    for (row, (id, _, _, verdict, zone)) in f.iter().zip(POINT_SITES) {
        let p = &row["properties"];
        assert_eq!(p["name"], id, "{p}");
        assert_eq!(p["verdict"], verdict, "{id}: {p}");
        assert!(p["zones"].as_str().unwrap_or_default().contains(zone), "{id} in {zone}: {p}");
        assert_eq!(row["geometry"]["type"], "Point");
    }
}

#[test]
fn batch_of_a_zipped_point_shapefile_gives_one_row_per_point() {
    let dir = tempfile::tempdir().expect("tmp");
    let features: Vec<Value> = point_sites()
        .into_iter()
        .zip(POINT_SITES)
        .map(|((id, lon, lat), (_, industry, discharges, ..))| {
            serde_json::json!({"type": "Feature", "properties": {"name": id, "industry": industry, "nature": "new", "discharges": discharges},
                "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        })
        .collect();
    let src = dir.path().join("sites.geojson");
    std::fs::write(&src, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).expect("write");
    let shp = dir.path().join("shp");
    std::fs::create_dir(&shp).expect("dir");
    let made = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-a_srs", "EPSG:4490", "-lco", "ENCODING=UTF-8"])
        .arg(shp.join("sites.shp"))
        .arg(&src)
        .output()
        .expect("ogr2ogr (gdal-bin)");
    assert!(made.status.success(), "ogr2ogr: {}", String::from_utf8_lossy(&made.stderr));
    let zip = dir.path().join("sites.zip");
    let zipped = std::process::Command::new("zip").arg("-jq").arg(&zip).args(
        std::fs::read_dir(&shp).expect("shp dir").flatten().map(|e| e.path()),
    ).output().expect("zip");
    assert!(zipped.status.success(), "zip: {}", String::from_utf8_lossy(&zipped.stderr));

    let out = dir.path().join("results.geojson");
    let run = ecogate().arg("batch").arg(&zip).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    check_point_rows(&out);

    // The footprint upload still takes polygons only: the same zip is refused there.
    let check = ecogate().args(["check", "--industry", "1411", "--nature", "new", "--file"]).arg(&zip).output().expect("runs");
    assert!(!check.status.success(), "a point shapefile is no footprint");
    assert!(String::from_utf8_lossy(&check.stderr).contains("no polygon"), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn batch_of_kml_placemarks_gives_one_row_per_placemark() {
    let dir = tempfile::tempdir().expect("tmp");
    let placemarks: String = point_sites()
        .into_iter()
        .zip(POINT_SITES)
        .map(|((id, lon, lat), (_, industry, discharges, ..))| {
            format!(
                "<Placemark><name>{id}</name><ExtendedData><SchemaData schemaUrl=\"#s\">\
                 <SimpleData name=\"industry\">{industry}</SimpleData><SimpleData name=\"nature\">new</SimpleData>\
                 <SimpleData name=\"discharges\">{discharges}</SimpleData></SchemaData></ExtendedData>\
                 <Point><coordinates>{lon},{lat}</coordinates></Point></Placemark>"
            )
        })
        .collect();
    let kml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\
         <Schema name=\"s\" id=\"s\"><SimpleField name=\"industry\" type=\"string\"/><SimpleField name=\"nature\" type=\"string\"/>\
         <SimpleField name=\"discharges\" type=\"string\"/></Schema><Folder><name>候选站址</name>{placemarks}</Folder></Document></kml>"
    );
    let input = dir.path().join("sites.kml");
    std::fs::write(&input, kml).expect("write");
    let out = dir.path().join("results.geojson");
    let run = ecogate().arg("batch").arg(&input).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    check_point_rows(&out);
}

#[test]
fn batch_of_a_line_geopackage_screens_the_route_with_its_chainage() {
    // The sample's road through red line HN-STBH-0481-004, as a pipeline department would send a route layer.
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("route.geojson");
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "road", "industry": "4812", "nature": "new", "linear": "yes"},
         "geometry": {"type": "LineString", "coordinates": [[113.516222, 33.181486], [113.594267, 33.181765]]}}]});
    std::fs::write(&src, fc.to_string()).expect("write");
    let gpkg = dir.path().join("route.gpkg");
    let made = std::process::Command::new("ogr2ogr").args(["-f", "GPKG", "-a_srs", "EPSG:4490"]).arg(&gpkg).arg(&src).output().expect("ogr2ogr");
    assert!(made.status.success(), "ogr2ogr: {}", String::from_utf8_lossy(&made.stderr));
    let out = dir.path().join("results.geojson");
    let run = ecogate().arg("batch").arg(&gpkg).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let v: Value = serde_json::from_slice(&std::fs::read(&out).expect("results")).expect("GeoJSON");
    let f = v["features"].as_array().expect("features");
    assert_eq!(f.len(), 1);
    let p = &f[0]["properties"];
    assert_eq!(p["verdict"], "restricted", "as the same line in GeoJSON: {p}");
    assert!(p["chainage"].as_str().unwrap_or_default().contains("HN-STBH-0481-004 km"), "{p}");
    assert_eq!(f[0]["geometry"]["type"], "LineString");
}
