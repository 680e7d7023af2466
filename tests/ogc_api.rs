//! OGC API – Features (Part 1: Core) on the real `ecogate serve` binary with the bundled Wugang sample: the documents,
//! filters, paging and errors over HTTP, and GDAL's OAPIF driver (ogrinfo / ogr2ogr) as a real client.

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/server.rs"]
mod server;

use reqwest::blocking::Response;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use server::{client, Server};
use std::process::{Command, Output};

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const LAYERS: [&str; 6] = ["control_units", "red_lines", "water_sources", "reserves", "no_farming", "fuel_ban"];

/// The OGC client calls these tests make, on the shared test server.
trait Ogc {
    fn get(&self, path: &str) -> Response;
    fn ok(&self, path: &str, media_type: &str) -> Value;
    fn problem(&self, path: &str, status: u16) -> Value;
    fn oapif(&self) -> String;
}

impl Ogc for Server {
    fn get(&self, path: &str) -> Response {
        client().get(self.url(path)).header(ACCEPT, "application/json").send().unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET expecting 200 and a JSON body of the given media type.
    fn ok(&self, path: &str, media_type: &str) -> Value {
        let r = self.get(path);
        let status = r.status();
        let ct = content_type(&r);
        let body = r.text().unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        assert_eq!(ct, media_type, "GET {path} content type");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
    }

    /// GET expecting an RFC 7807 problem with this status; returns it.
    fn problem(&self, path: &str, status: u16) -> Value {
        let r = self.get(path);
        let got = r.status().as_u16();
        let ct = content_type(&r);
        let body = r.text().unwrap();
        assert_eq!(got, status, "GET {path}: {body}");
        assert_eq!(ct, "application/problem+json", "GET {path}: {body}");
        let p: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(p["status"], status, "{p}");
        for k in ["type", "title", "detail", "detail_zh"] {
            assert!(p[k].as_str().is_some_and(|s| !s.is_empty()), "problem without {k}: {p}");
        }
        p
    }

    fn oapif(&self) -> String {
        format!("OAPIF:{}/", self.base)
    }
}

fn content_type(r: &Response) -> String {
    r.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn links(doc: &Value) -> Vec<Value> {
    doc["links"].as_array().cloned().unwrap_or_default()
}

/// The href of the only link with this rel (panics when there is none or several).
fn link(doc: &Value, rel: &str) -> String {
    let found: Vec<Value> = links(doc).into_iter().filter(|l| l["rel"] == rel).collect();
    assert_eq!(found.len(), 1, "expected one {rel} link in {}", doc["links"]);
    found[0]["href"].as_str().expect("href").to_string()
}

fn has_link(doc: &Value, rel: &str) -> bool {
    links(doc).iter().any(|l| l["rel"] == rel)
}

fn ids(fc: &Value) -> Vec<String> {
    fc["features"].as_array().expect("features").iter().map(|f| f["id"].as_str().expect("string id").to_string()).collect()
}

fn test_point(id: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(fixtures::sample("test_points.json")).unwrap();
    let points: Vec<Value> = serde_json::from_str(&text).unwrap();
    let p = points.iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("no test point {id}"));
    (p["lon"].as_f64().unwrap(), p["lat"].as_f64().unwrap())
}

fn bbox_around((lon, lat): (f64, f64), half: f64) -> String {
    format!("{},{},{},{}", lon - half, lat - half, lon + half, lat + half)
}

/// Every [lon, lat] position in a GeoJSON geometry.
fn positions(g: &Value, out: &mut Vec<(f64, f64)>) {
    match g {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap())),
        Value::Array(a) => a.iter().for_each(|x| positions(x, out)),
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                positions(c, out)
            }
        }
        _ => {}
    }
}

fn gdal(tool: &str, args: &[&str], cwd: &Path) -> Output {
    let out = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("GDAL_HTTP_TIMEOUT", "60")
        .env_remove("CPL_DEBUG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): these tests need GDAL's command-line tools (Debian: gdal-bin)"));
    assert!(
        out.status.success(),
        "{tool} {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

// ---------------------------------------------------------------------------------------------------------------

#[test]
fn landing_page_links_to_api_definition_conformance_and_collections() {
    let s = Server::start();
    let landing = s.ok("/", "application/json");
    assert!(landing["title"].as_str().unwrap().contains("舞钢"), "{landing}");
    for l in links(&landing) {
        let href = l["href"].as_str().unwrap();
        assert!(href.starts_with(&format!("http://127.0.0.1:{}/", s.port)), "links are absolute, from the Host header: {l}");
        assert!(l["type"].is_string(), "every link has a type: {l}");
    }
    assert!(link(&landing, "self").ends_with("/?f=json"));
    let service_desc = links(&landing).into_iter().find(|l| l["rel"] == "service-desc").expect("service-desc link");
    assert_eq!(service_desc["type"], "application/vnd.oai.openapi+json;version=3.1");
    // Every link leads somewhere that answers with the announced type, and the document is the version announced.
    let api = s.ok(&link(&landing, "service-desc"), "application/vnd.oai.openapi+json;version=3.1");
    assert!(api["openapi"].as_str().unwrap().starts_with("3.1."), "{}", api["openapi"]);
    let conformance = s.ok(&link(&landing, "conformance"), "application/json");
    assert!(conformance["conformsTo"].is_array());
    let collections = s.ok(&link(&landing, "data"), "application/json");
    assert!(collections["collections"].is_array());
}

#[test]
fn root_still_serves_the_map_page_to_browsers_and_refuses_unknown_formats() {
    // The page needs MapLibre copied from npm (without it browsers get a 503 setup page).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("web/vendor/maplibre-gl.js").is_file() {
        let out = Command::new("bash").arg(root.join("scripts/vendor-web.sh")).current_dir(root).output().expect("run bash");
        assert!(out.status.success(), "scripts/vendor-web.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let s = Server::start();
    let r = client().get(s.url("/")).header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8").send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("text/html"), "{}", content_type(&r));
    let r = client().get(s.url("/?f=html")).send().unwrap();
    assert!(content_type(&r).starts_with("text/html"));
    assert!(s.ok("/?f=json", "application/json")["links"].as_array().map_or(0, Vec::len) >= 4);
    let p = s.problem("/?f=xml", 400);
    assert_eq!(p["pointer"], "f");
    s.problem("/?f=json&foo=1", 400);
}

#[test]
fn conformance_declares_exactly_core_and_geojson_not_oas30_for_an_openapi_31_document() {
    let s = Server::start();
    let doc = s.ok("/conformance", "application/json");
    let got: BTreeSet<&str> = doc["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let want: BTreeSet<&str> = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ]
    .into();
    assert_eq!(got, want);
    s.problem("/conformance?f=html", 400);
}

#[test]
fn collections_are_the_six_manifest_layers_with_crs84_extent_and_notice() {
    let s = Server::start();
    let doc = s.ok("/collections", "application/json");
    assert!(link(&doc, "self").ends_with("/collections"));
    let cols = doc["collections"].as_array().unwrap();
    let got: Vec<&str> = cols.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(got, LAYERS, "one collection per manifest layer, in manifest order");
    let titles: BTreeMap<&str, &str> = cols.iter().map(|c| (c["id"].as_str().unwrap(), c["title"].as_str().unwrap())).collect();
    assert_eq!(titles["control_units"], "环境管控单元");
    assert_eq!(titles["water_sources"], "饮用水水源保护区");
    for c in cols {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["itemType"], "feature", "{id}");
        assert!(c["crs"].as_array().unwrap().iter().any(|x| x == CRS84), "{id}: {}", c["crs"]);
        assert_eq!(c["extent"]["spatial"]["crs"], CRS84);
        let bbox: Vec<f64> = c["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        // Wugang lies around 113.3–113.7°E, 33.1–33.5°N: lon/lat order, not swapped, not projected.
        assert!(bbox.len() == 4 && bbox[0] < bbox[2] && bbox[1] < bbox[3], "{id}: {bbox:?}");
        assert!((113.0..114.0).contains(&bbox[0]) && (113.0..114.0).contains(&bbox[2]), "{id}: {bbox:?}");
        assert!((33.0..34.0).contains(&bbox[1]) && (33.0..34.0).contains(&bbox[3]), "{id}: {bbox:?}");
        let description = c["description"].as_str().unwrap();
        assert!(description.contains("NOT official"), "the illustrative notice is in the description: {description}");
        let items = links(c).into_iter().find(|l| l["rel"] == "items").expect("items link");
        assert_eq!(items["type"], "application/geo+json");
        assert!(items["href"].as_str().unwrap().ends_with(&format!("/collections/{id}/items")));
    }
    let cu = cols.iter().find(|c| c["id"] == "control_units").unwrap();
    assert!(cu["description"].as_str().unwrap().contains("control_unit"));
    let nf = cols.iter().find(|c| c["id"] == "no_farming").unwrap();
    assert!(nf["description"].as_str().unwrap().contains("livestock_no_farming"), "{}", nf["description"]);
}

#[test]
fn collection_by_id_is_the_listed_one_and_unknown_collection_is_404_problem() {
    let s = Server::start();
    let listed = s.ok("/collections", "application/json")["collections"][2].clone();
    let one = s.ok("/collections/water_sources", "application/json");
    assert_eq!(one, listed);
    assert!(link(&one, "self").ends_with("/collections/water_sources"));
    let p = s.problem("/collections/no_such_layer", 404);
    assert!(p["detail"].as_str().unwrap().contains("water_sources"), "names the collections there are: {p}");
    s.problem("/collections/no_such_layer/items", 404);
    s.problem("/collections/no_such_layer/items/ZH41048110001", 404);
}

#[test]
fn items_are_geojson_features_with_counts_timestamp_and_zone_properties() {
    let s = Server::start();
    let fc = s.ok("/collections/control_units/items", "application/geo+json");
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["numberMatched"], 12);
    assert_eq!(fc["numberReturned"], 12);
    assert_eq!(fc["features"].as_array().unwrap().len(), 12);
    assert!(!has_link(&fc, "next") && !has_link(&fc, "prev"), "one page holds all 12: {}", fc["links"]);
    assert!(link(&fc, "collection").ends_with("/collections/control_units"));
    let ts = fc["timeStamp"].as_str().unwrap();
    assert!(ts.len() == 20 && ts.as_bytes()[10] == b'T' && ts.ends_with('Z') && ts.starts_with("20"), "RFC 3339 UTC: {ts}");
    assert!(fc["dataset_version"].as_str().unwrap().starts_with("wugang-sample@"));

    let unit = fc["features"].as_array().unwrap().iter().find(|f| f["id"] == "ZH41048120002").expect("the industrial-park unit");
    let p = &unit["properties"];
    assert_eq!(p["code"], "ZH41048120002");
    assert_eq!(p["kind"], "control_unit");
    assert_eq!(p["grade"], "key");
    assert_eq!(p["grade_zh"], "重点管控单元");
    assert_eq!(p["layer"], "control_units");
    assert!(p["spatial_layout"].as_str().unwrap().contains("入园"), "{p}");
    assert_eq!(p["prohibited_industries"], json!(["2631", "2632"]));
    assert_eq!(p["restricted_industries"], json!(["1713", "3360"]));
    assert!(p.as_object().unwrap().contains_key("subclass"));
    // Geometry in CRS84: lon first, within the county.
    assert_eq!(unit["geometry"]["type"], "MultiPolygon");
    let mut pos = Vec::new();
    positions(&unit["geometry"], &mut pos);
    assert!(pos.len() >= 4 && pos.iter().all(|(x, y)| (113.0..114.0).contains(x) && (33.0..34.0).contains(y)), "{:?}", &pos[..4.min(pos.len())]);

    // Layers other than control units carry no industry lists.
    let ws = s.ok("/collections/water_sources/items", "application/geo+json");
    assert_eq!(ws["numberMatched"], 6);
    assert!(ws["features"][0]["properties"].get("prohibited_industries").is_none());
    assert!(ws["features"][0]["properties"]["name"].as_str().unwrap().contains("水库"));
}

#[test]
fn bbox_selects_only_zones_intersecting_the_box_around_a_test_point() {
    let s = Server::start();
    // The industrial-park point lies in ZH41048120002 only, 1.6 km from any other zone edge: a ±0.005° box (≈0.5 km)
    // meets that unit and nothing else, in any layer.
    let bbox = bbox_around(test_point("industrial_park"), 0.005);
    for layer in LAYERS {
        let fc = s.ok(&format!("/collections/{layer}/items?bbox={bbox}"), "application/geo+json");
        let want: Vec<&str> = if layer == "control_units" { vec!["ZH41048120002"] } else { vec![] };
        assert_eq!(ids(&fc), want, "{layer}");
        assert_eq!(fc["numberMatched"], want.len(), "{layer}");
        assert!(link(&fc, "self").contains("bbox="), "the self link keeps the filter");
    }
    // A box over the whole county selects every unit, so the box really filters.
    let all = s.ok("/collections/control_units/items?bbox=113.3,33.1,113.7,33.5", "application/geo+json");
    assert_eq!(all["numberMatched"], 12);
}

#[test]
fn bbox_inside_a_red_line_hole_selects_nothing_from_red_lines() {
    let s = Server::start();
    // The point sits in a hole of HN-STBH-0481-003, 460 m from its edges: inside the patch's envelope, outside the
    // polygon. Only an exact test (not the R-tree envelope alone) leaves the red line out.
    let bbox = bbox_around(test_point("red_line_hole"), 0.002);
    let rl = s.ok(&format!("/collections/red_lines/items?bbox={bbox}"), "application/geo+json");
    assert_eq!(ids(&rl), Vec::<String>::new());
    let cu = s.ok(&format!("/collections/control_units/items?bbox={bbox}"), "application/geo+json");
    assert_eq!(ids(&cu), ["ZH41048130005"]);
}

#[test]
fn paging_with_limit_2_follows_next_links_through_all_12_control_units() {
    let s = Server::start();
    let mut url = "/collections/control_units/items?limit=2".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let fc = s.ok(&url, "application/geo+json");
        pages += 1;
        assert_eq!(fc["numberMatched"], 12, "{url}");
        assert_eq!(fc["numberReturned"], 2, "{url}");
        seen.extend(ids(&fc));
        if pages == 2 {
            let prev = link(&fc, "prev");
            assert!(prev.contains("offset=0") && prev.contains("limit=2"), "{prev}");
            assert_eq!(ids(&s.ok(&prev, "application/geo+json")), seen[..2]);
        }
        if pages == 1 {
            assert!(!has_link(&fc, "prev"));
        }
        if !has_link(&fc, "next") {
            break;
        }
        url = link(&fc, "next");
        assert!(url.starts_with(&s.base), "next is absolute: {url}");
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!(pages, 6);
    let all = ids(&s.ok("/collections/control_units/items?limit=1000", "application/geo+json"));
    assert_eq!(seen, all, "the pages together are every unit once, in the same order");
    // Paging carries the filters.
    let fc = s.ok("/collections/control_units/items?limit=2&grade=general", "application/geo+json");
    assert!(link(&fc, "next").contains("grade=general"));
    // Past the end: no features, a prev link back to the last page.
    let fc = s.ok("/collections/control_units/items?limit=5&offset=50", "application/geo+json");
    assert_eq!((fc["numberReturned"].as_u64(), fc["numberMatched"].as_u64()), (Some(0), Some(12)));
    assert!(link(&fc, "prev").contains("offset=7"));
}

#[test]
fn limit_above_1000_is_clamped_and_invalid_limit_or_offset_is_400() {
    let s = Server::start();
    let fc = s.ok("/collections/control_units/items?limit=5000", "application/geo+json");
    assert_eq!(fc["numberReturned"], 12);
    assert!(link(&fc, "self").contains("limit=1000"), "{}", link(&fc, "self"));
    let fc = s.ok("/collections/control_units/items?limit=99999999999999999999999", "application/geo+json");
    assert_eq!(fc["numberReturned"], 12);
    let fc = s.ok("/collections/control_units/items?limit=3&offset=10", "application/geo+json");
    assert_eq!(fc["numberReturned"], 2);
    for bad in ["abc", "0", "-1", "2.5", ""] {
        let p = s.problem(&format!("/collections/control_units/items?limit={bad}"), 400);
        assert_eq!(p["pointer"], "limit", "{p}");
    }
    for bad in ["x", "-3"] {
        let p = s.problem(&format!("/collections/control_units/items?offset={bad}"), 400);
        assert_eq!(p["pointer"], "offset", "{p}");
    }
}

#[test]
fn grade_level1_filter_on_water_sources_returns_the_two_level1_zones() {
    let s = Server::start();
    let fc = s.ok("/collections/water_sources/items?grade=level1", "application/geo+json");
    assert_eq!(ids(&fc), ["SY410481001-1", "SY410481002-1"]);
    assert_eq!(fc["numberMatched"], 2);
    for f in fc["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["grade"], "level1");
        assert_eq!(f["properties"]["grade_zh"], "一级保护区");
    }
    // The other property filters: exact code, exact name, name substring, kind, and their combination.
    assert_eq!(ids(&s.ok("/collections/water_sources/items?code=SY410481002-2", "application/geo+json")), ["SY410481002-2"]);
    let tiangang = s.ok("/collections/water_sources/items?name_contains=%E7%94%B0%E5%B2%97", "application/geo+json"); // 田岗
    assert_eq!(ids(&tiangang), ["SY410481001-1", "SY410481001-2", "SY410481001-3"]);
    // `name` is equality, as GDAL's OAPIF driver assumes when it turns `-where "name = '…'"` into `?name=…`.
    assert_eq!(s.ok("/collections/water_sources/items?name=%E7%94%B0%E5%B2%97", "application/geo+json")["numberMatched"], 0);
    let exact = s.ok(&format!("/collections/water_sources/items?name={}", "田岗水库饮用水水源保护区"), "application/geo+json");
    assert_eq!(ids(&exact), ["SY410481001-1", "SY410481001-2", "SY410481001-3"]);
    assert_eq!(s.ok("/collections/water_sources/items?kind=water_source", "application/geo+json")["numberMatched"], 6);
    assert_eq!(s.ok("/collections/water_sources/items?kind=red_line", "application/geo+json")["numberMatched"], 0);
    let both = s.ok("/collections/water_sources/items?name_contains=%E7%94%B0%E5%B2%97&grade=quasi", "application/geo+json");
    assert_eq!(ids(&both), ["SY410481001-3"]);
    assert_eq!(ids(&s.ok("/collections/control_units/items?grade=key", "application/geo+json")), ["ZH41048120001", "ZH41048120002"]);
    let p = s.problem("/collections/water_sources/items?kind=lake", 400);
    assert_eq!(p["pointer"], "kind");
}

#[test]
fn unknown_query_parameter_is_400_problem_naming_the_supported_ones() {
    let s = Server::start();
    let p = s.problem("/collections/control_units/items?colour=red", 400);
    assert_eq!(p["pointer"], "colour");
    let detail = p["detail"].as_str().unwrap();
    for name in ["bbox", "limit", "offset", "code", "name", "kind", "grade"] {
        assert!(detail.contains(name), "the supported parameters are named: {detail}");
    }
    s.problem("/collections?limit=2", 400);
    s.problem("/collections/control_units?bbox=1,2,3,4", 400);
    s.problem("/collections/water_sources/items/SY410481001-1?limit=1", 400);
    s.problem("/collections/control_units/items?limit=1&limit=2", 400);
    s.problem("/collections/control_units/items?f=html", 400);
    s.ok("/collections/control_units/items?f=json", "application/geo+json");
}

#[test]
fn malformed_inverted_or_out_of_range_bbox_is_400_problem() {
    let s = Server::start();
    for bad in [
        "113.5,33.2,113.6",           // three numbers
        "113.5,33.2,113.6,33.3,1",    // five
        "a,b,c,d",                    // not numbers
        "113.5,33.3,113.6,33.2",      // south north of north
        "113.5,-95,113.6,33.2",       // latitude out of range
        "200,33.2,210,33.3",          // longitude out of range
        "3700000,38000000,3710000,38010000", // projected metres sent as degrees
        "",
    ] {
        let p = s.problem(&format!("/collections/control_units/items?bbox={bad}"), 400);
        assert_eq!(p["pointer"], "bbox", "{bad}: {p}");
    }
    // Six numbers (with heights) are accepted and the heights ignored.
    let fc = s.ok("/collections/control_units/items?bbox=113.3,33.1,-100,113.7,33.5,100", "application/geo+json");
    assert_eq!(fc["numberMatched"], 12);
}

#[test]
fn datetime_is_accepted_when_well_formed_and_refused_when_malformed() {
    let s = Server::start();
    // The zones carry no time: a well-formed datetime selects them all.
    for ok in ["2024-06-01T00:00:00Z", "2020-01-01T00:00:00Z/..", "../2024-01-01"] {
        assert_eq!(s.ok(&format!("/collections/control_units/items?datetime={ok}"), "application/geo+json")["numberMatched"], 12, "{ok}");
    }
    let p = s.problem("/collections/control_units/items?datetime=last-year", 400);
    assert_eq!(p["pointer"], "datetime");
}

#[test]
fn feature_by_id_is_the_zone_and_unknown_feature_is_404_problem() {
    let s = Server::start();
    let f = s.ok("/collections/water_sources/items/SY410481001-1", "application/geo+json");
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["id"], "SY410481001-1");
    assert_eq!(f["properties"]["grade"], "level1");
    assert_eq!(f["properties"]["name"], "田岗水库饮用水水源保护区");
    assert!(link(&f, "self").ends_with("/collections/water_sources/items/SY410481001-1"));
    assert!(link(&f, "collection").ends_with("/collections/water_sources"));
    // The same feature as in the collection.
    let fc = s.ok("/collections/water_sources/items?code=SY410481001-1", "application/geo+json");
    assert_eq!(fc["features"][0]["geometry"], f["geometry"]);
    assert_eq!(fc["features"][0]["properties"], f["properties"]);
    // A zone of another layer is not a feature of this collection.
    s.problem("/collections/water_sources/items/ZH41048110001", 404);
    s.problem("/collections/water_sources/items/nope", 404);
}

#[test]
fn repeated_codes_in_a_layer_get_unique_ids_that_resolve() {
    let fx = fixtures::Fx::new();
    fx.geojson(
        "red.geojson",
        vec![
            fixtures::feature(json!({"code": "HN-STBH-9", "name": "甲"}), fixtures::rect(113.50, 33.30, 113.51, 33.31)),
            fixtures::feature(json!({"code": "HN-STBH-9", "name": "乙"}), fixtures::rect(113.52, 33.30, 113.53, 33.31)),
            fixtures::feature(json!({"code": "HN-STBH-8", "name": "丙"}), fixtures::rect(113.54, 33.30, 113.55, 33.31)),
        ],
    );
    fx.gpkg_layer("data.gpkg", "red", "red.geojson", "EPSG:4490");
    let manifest = fx.manifest(
        "[[layers]]\nid = \"red_lines\"\ntitle = \"生态保护红线\"\nkind = \"red_line\"\nsource = \"data.gpkg\"\nlayer = \"red\"\n\
         [layers.fields]\ncode = \"code\"\nname = \"name\"\n",
    );
    let s = Server::start_with(&["--dataset".into(), manifest.into_os_string()]);
    let fc = s.ok("/collections/red_lines/items", "application/geo+json");
    let got = ids(&fc);
    assert_eq!(got, ["HN-STBH-9.1", "HN-STBH-9.2", "HN-STBH-8"], "the repeated code is suffixed with the source fid");
    for (id, name) in got.iter().zip(["甲", "乙", "丙"]) {
        let f = s.ok(&format!("/collections/red_lines/items/{id}"), "application/geo+json");
        assert_eq!(f["id"], id.as_str());
        assert_eq!(f["properties"]["name"], name);
    }
    // The code filter still takes the code, and finds both.
    assert_eq!(s.ok("/collections/red_lines/items?code=HN-STBH-9", "application/geo+json")["numberMatched"], 2);
    s.problem("/collections/red_lines/items/HN-STBH-9", 404);
}

#[test]
fn openapi_document_describes_the_ogc_endpoints_and_item_parameters() {
    let s = Server::start();
    let api = s.ok("/openapi.json", "application/vnd.oai.openapi+json;version=3.1");
    let paths = api["paths"].as_object().unwrap();
    for p in ["/", "/conformance", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"] {
        assert!(paths.get(p).and_then(|x| x.get("get")).is_some(), "{p} missing from the OpenAPI document");
    }
    let params: BTreeSet<&str> = paths["/collections/{collectionId}/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["bbox", "code", "datetime", "f", "grade", "kind", "limit", "name", "name_contains", "offset"].into());
    let ok = &paths["/collections/{collectionId}/items"]["get"]["responses"]["200"]["content"];
    assert!(ok.get("application/geo+json").is_some(), "{ok}");
}

#[test]
fn gdal_ogrinfo_lists_the_six_layers() {
    let s = Server::start();
    let out = gdal("ogrinfo", &["-ro", &s.oapif()], Path::new(env!("CARGO_MANIFEST_DIR")));
    let text = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(": ").filter(|(n, _)| n.trim().parse::<u32>().is_ok()).map(|(_, rest)| rest.split(' ').next().unwrap()))
        .collect();
    assert_eq!(listed, LAYERS, "{text}");
}

#[test]
fn gdal_ogrinfo_reports_12_control_units() {
    let s = Server::start();
    let out = gdal("ogrinfo", &["-ro", "-al", "-so", &s.oapif(), "control_units"], Path::new(env!("CARGO_MANIFEST_DIR")));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.trim() == "Feature Count: 12"), "{text}");
    assert!(text.contains("Geometry: Multi Polygon"), "{text}");
    assert!(text.contains("Extent: (113."), "the collection extent, lon first: {text}");
    for field in ["code: String", "name: String", "grade: String", "spatial_layout: String"] {
        assert!(text.contains(field), "{field}: {text}");
    }
}

#[test]
fn gdal_ogr2ogr_exports_water_sources_with_chinese_names() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    gdal("ogr2ogr", &["-f", "GeoJSON", "out.json", &s.oapif(), "water_sources"], dir.path());
    let out: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap()).unwrap();
    let features = out["features"].as_array().unwrap();
    assert_eq!(features.len(), 6);
    let got: BTreeMap<String, String> = features
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f["properties"]["name"].as_str().unwrap().to_string()))
        .collect();
    let served = s.ok("/collections/water_sources/items", "application/geo+json");
    let want: BTreeMap<String, String> = served["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f["properties"]["name"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(got["SY410481001-1"], "田岗水库饮用水水源保护区");
    assert_eq!(got["SY410481002-3"], "石漫滩水库饮用水水源保护区");
    assert!(features.iter().all(|f| f["geometry"]["type"] == "MultiPolygon"));
}
