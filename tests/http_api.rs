//! The assessment API over real HTTP: every endpoint and every error class, answered as RFC 7807 problem+json.

#[path = "common/server.rs"]
mod server;

use reqwest::blocking::Response;
use serde_json::{json, Value};
use server::{client, Server};

const LEVEL2: (f64, f64) = (113.447392, 33.317817);
const GENERAL: (f64, f64) = (113.586555, 33.353639);

fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(ct, "application/problem+json");
    let p: Value = r.json().expect("problem body");
    assert_eq!(p["status"], status);
    assert!(p["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{p}");
    assert!(!p["detail"].as_str().unwrap_or_default().is_empty() && !p["detail_zh"].as_str().unwrap_or_default().is_empty(), "{p}");
    p
}

fn post(s: &Server, body: &Value) -> Response {
    client().post(s.url("/v1/assessments")).json(body).send().expect("POST")
}

#[test]
fn get_point_assessment_returns_verdict_citation_and_versions() {
    let s = Server::start();
    let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=3011&nature=new&discharges_pollutants=yes", LEVEL2.0, LEVEL2.1));
    let r = client().get(url).send().expect("GET");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some(), "every response carries a request id");
    let a: Value = r.json().expect("json");
    assert_eq!(a["verdict"], "prohibited");
    let art66 = a["rules"].as_array().expect("rules").iter().find(|r| r["rule_id"] == "wppcl-art66-level2").expect("art66");
    assert_eq!(art66["citation"]["article"], "第六十六条第一款");
    assert!(a["dataset"]["version"].as_str().unwrap_or_default().starts_with("wugang-sample@"));
    assert!(a["rulebook"]["version"].as_str().unwrap_or_default().starts_with("2026.11.27+"));
    assert_eq!(a["nearby_radius_m"], 1000.0, "the radius the nearby list was searched in");
}

#[test]
fn post_wrapper_with_facts_of_any_json_type() {
    let s = Server::start();
    let r = post(&s, &json!({"geometry": {"type": "Point", "coordinates": [GENERAL.0, GENERAL.1]}, "facts": {"industry": 1411, "nature": "新建"}}));
    assert_eq!(r.status(), 200);
    let a: Value = r.json().expect("json");
    assert_eq!(a["verdict"], "permitted");
    assert_eq!(a["facts"]["supplied"]["industry"], "1411");
}

#[test]
fn post_geojson_feature_with_facts_in_properties() {
    let s = Server::start();
    let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [LEVEL2.0, LEVEL2.1]},
        "properties": {"name": "水泥厂", "facts": {"industry": "3011", "nature": "new", "discharges_pollutants": true}}});
    let a: Value = post(&s, &body).json().expect("json");
    assert_eq!(a["verdict"], "prohibited");
}

#[test]
fn footprint_as_geojson_format_is_a_feature_collection_of_site_and_overlaps() {
    let s = Server::start();
    let (x, y) = LEVEL2;
    let ring = json!([[x - 0.001, y - 0.001], [x + 0.001, y - 0.001], [x + 0.001, y + 0.001], [x - 0.001, y + 0.001], [x - 0.001, y - 0.001]]);
    let r = client()
        .post(s.url("/v1/assessments?f=geojson"))
        .json(&json!({"geometry": {"type": "Polygon", "coordinates": [ring]}, "facts": {"industry": "1411", "nature": "new", "discharges_pollutants": "no"}}))
        .send()
        .expect("POST");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/geo+json"));
    let fc: Value = r.json().expect("json");
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().expect("features");
    assert_eq!(features[0]["properties"]["role"], "site");
    let level2 = features.iter().find(|f| f["properties"]["code"] == "SY410481001-2").expect("level-2 overlap");
    assert_eq!(level2["properties"]["role"], "overlap");
    assert!(level2["properties"]["overlap_area_m2"].as_f64().is_some_and(|a| a > 30_000.0));
    assert!(fc["dataset_version"].as_str().is_some());
}

#[test]
fn malformed_json_is_400_with_the_parser_message() {
    let s = Server::start();
    let r = client().post(s.url("/v1/assessments")).body("{\"geometry\": ").header("content-type", "application/json").send().expect("POST");
    let p = problem(r, 400);
    assert_eq!(p["type"], "/problems/malformed-json");
}

#[test]
fn nan_and_huge_numbers_are_400_not_500() {
    let s = Server::start();
    for body in [r#"{"geometry":{"type":"Point","coordinates":[NaN,33]}}"#, r#"{"geometry":{"type":"Point","coordinates":[1e400,33]}}"#] {
        let r = client().post(s.url("/v1/assessments")).body(body).send().expect("POST");
        assert_eq!(r.status(), 400, "{body}");
    }
}

#[test]
fn wrong_geometry_type_is_422_pointing_at_geometry() {
    let s = Server::start();
    let p = problem(post(&s, &json!({"geometry": {"type": "Circle", "coordinates": [113.5, 33.3]}, "facts": {"industry": "1411", "nature": "new"}})), 422);
    assert_eq!(p["type"], "/problems/invalid-geojson");
    assert_eq!(p["pointer"], "/geometry");
}

#[test]
fn unknown_body_field_is_422_with_its_pointer() {
    let s = Server::start();
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [113.5, 33.3]}, "fatcs": {}})), 422);
    assert_eq!(p["type"], "/problems/invalid-request");
    assert!(p["detail"].as_str().unwrap_or_default().contains("fatcs"), "{p}");
}

#[test]
fn swapped_coordinates_are_422_saying_so_in_both_languages() {
    let s = Server::start();
    let r = client().get(s.url("/v1/assessments?lon=33.317817&lat=113.447392&industry=1411&nature=new")).send().expect("GET");
    let p = problem(r, 422);
    assert_eq!(p["type"], "/problems/swapped-coordinates");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("颠倒"));
}

#[test]
fn projected_numbers_sent_as_degrees_are_422() {
    let s = Server::start();
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [38452000.0, 3685000.0]}, "facts": {"industry": "1411", "nature": "new"}})), 422);
    assert_eq!(p["type"], "/problems/projected-as-degrees");
}

#[test]
fn out_of_range_latitude_is_422() {
    let s = Server::start();
    let r = client().get(s.url("/v1/assessments?lon=150&lat=95&industry=1411&nature=new")).send().expect("GET");
    assert_eq!(problem(r, 422)["type"], "/problems/invalid-coordinates");
}

#[test]
fn self_intersecting_footprint_is_422_invalid_geometry() {
    let s = Server::start();
    let bowtie = json!([[[113.5, 33.2], [113.6, 33.3], [113.6, 33.2], [113.5, 33.3], [113.5, 33.2]]]);
    let p = problem(post(&s, &json!({"geometry": {"type": "Polygon", "coordinates": bowtie}, "facts": {"industry": "1411", "nature": "new"}})), 422);
    assert_eq!(p["type"], "/problems/invalid-geometry");
    assert!(p["detail"].as_str().unwrap_or_default().contains("self-intersection"));
}

#[test]
fn missing_required_fact_is_422_with_the_question() {
    let s = Server::start();
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [GENERAL.0, GENERAL.1]}, "facts": {"industry": "1411"}})), 422);
    assert_eq!(p["type"], "/problems/missing-fact");
    assert_eq!(p["pointer"], "/facts/nature");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("新建"));
}

#[test]
fn unknown_industry_code_is_422_pointing_at_it() {
    let s = Server::start();
    let p = problem(post(&s, &json!({"geometry": {"type": "Point", "coordinates": [GENERAL.0, GENERAL.1]}, "facts": {"industry": "9999", "nature": "new"}})), 422);
    assert_eq!(p["type"], "/problems/invalid-fact");
    assert_eq!(p["pointer"], "/facts/industry");
    assert!(p["detail"].as_str().unwrap_or_default().contains("GB/T 4754-2017"));
}

#[test]
fn unknown_fact_in_query_string_is_422() {
    let s = Server::start();
    let r = client().get(s.url("/v1/assessments?lon=113.58&lat=33.35&industry=1411&nature=new&dischrges=yes")).send().expect("GET");
    let p = problem(r, 422);
    assert_eq!(p["type"], "/problems/unknown-fact");
    assert_eq!(p["pointer"], "dischrges");
}

#[test]
fn oversized_body_is_413() {
    let s = Server::start_with(&["--max-body-bytes", "10000"]);
    let big = format!("{{\"geometry\":{{\"type\":\"Point\",\"coordinates\":[113.5,33.3]}},\"pad\":\"{}\"}}", "x".repeat(20_000));
    let r = client().post(s.url("/v1/assessments")).header("content-type", "application/json").body(big).send().expect("POST");
    assert_eq!(problem(r, 413)["type"], "/problems/body-too-large");
}

#[test]
fn too_many_vertices_is_413_naming_the_limit() {
    let s = Server::start_with(&["--max-vertices", "10"]);
    let ring: Vec<Value> = (0..=20)
        .map(|i| {
            let t = i as f64 / 20.0 * std::f64::consts::TAU;
            json!([113.58 + 0.001 * t.cos(), 33.35 + 0.001 * t.sin()])
        })
        .collect();
    let p = problem(post(&s, &json!({"geometry": {"type": "Polygon", "coordinates": [ring]}, "facts": {"industry": "1411", "nature": "new"}})), 413);
    assert_eq!(p["type"], "/problems/too-many-vertices");
    assert!(p["detail"].as_str().unwrap_or_default().contains("limit is 10"));
}

#[test]
fn zone_by_code_returns_geojson_with_requirements() {
    let s = Server::start();
    let r = client().get(s.url("/v1/zones/ZH41048120002")).send().expect("GET");
    assert_eq!(r.status(), 200);
    let fc: Value = r.json().expect("json");
    let f = &fc["features"][0];
    assert_eq!(f["properties"]["code"], "ZH41048120002");
    assert!(f["properties"]["requirements"]["spatial_layout"].as_str().is_some());
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
}

#[test]
fn unknown_zone_is_404_problem() {
    let s = Server::start();
    problem(client().get(s.url("/v1/zones/ZH00000000000")).send().expect("GET"), 404);
}

#[test]
fn rules_and_industry_search_serve_pickers() {
    let s = Server::start();
    let rules: Value = client().get(s.url("/v1/rules")).send().expect("GET").json().expect("json");
    assert!(rules["rules"].as_array().is_some_and(|r| r.iter().any(|r| r["id"] == "wppcl-art66-level2")));
    assert!(rules["facts"]["discharges_pollutants"]["question"]["zh"].as_str().is_some());
    let hits: Value = client().get(s.url("/v1/industries?q=%E6%B0%B4%E6%B3%A5")).send().expect("GET").json().expect("json");
    assert!(hits["items"].as_array().is_some_and(|i| i.iter().any(|i| i["code"] == "3011")), "{hits}");
}

#[test]
fn health_and_readiness_name_the_versions() {
    let s = Server::start();
    assert_eq!(client().get(s.url("/healthz")).send().expect("GET").status(), 200);
    let ready: Value = client().get(s.url("/readyz")).send().expect("GET").json().expect("json");
    assert_eq!(ready["status"], "ready");
    assert!(ready["dataset_version"].as_str().is_some_and(|v| v.starts_with("wugang-sample@")));
}

#[test]
fn openapi_document_describes_the_assessment_endpoints() {
    let s = Server::start();
    let doc: Value = client().get(s.url("/openapi.json")).send().expect("GET").json().expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(doc["paths"]["/v1/assessments"]["post"].is_object());
    assert!(doc["paths"]["/v1/assessments"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Assessment"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn unknown_route_and_wrong_method_are_problems() {
    let s = Server::start();
    problem(client().get(s.url("/v2/nothing")).send().expect("GET"), 404);
    problem(client().delete(s.url("/v1/assessments")).send().expect("DELETE"), 405);
}

#[test]
fn cors_allows_any_origin_to_get_by_default() {
    let s = Server::start();
    let r = client().get(s.url("/v1/rules")).header("origin", "https://map.example").send().expect("GET");
    assert_eq!(r.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"));
}

#[test]
fn configured_cors_origin_may_post() {
    let s = Server::start_with(&["--cors-origin", "https://eia.example"]);
    let r = client()
        .request(reqwest::Method::OPTIONS, s.url("/v1/assessments"))
        .header("origin", "https://eia.example")
        .header("access-control-request-method", "POST")
        .send()
        .expect("preflight");
    assert_eq!(r.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("https://eia.example"));
    let methods = r.headers().get("access-control-allow-methods").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(methods.contains("POST"), "{methods}");
}

#[test]
fn responses_are_gzip_compressed_when_asked() {
    let s = Server::start();
    let r = client().get(s.url("/v1/rules")).header("accept-encoding", "gzip").send().expect("GET");
    assert_eq!(r.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
}

#[test]
fn a_client_request_id_is_echoed() {
    let s = Server::start();
    let r = client().get(s.url("/healthz")).header("x-request-id", "eia-2026-0042").send().expect("GET");
    assert_eq!(r.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("eia-2026-0042"));
}

/// Extractor rejections used to be axum's plain text; found by tests/malformed_input.rs.
#[test]
fn requests_refused_before_a_handler_runs_are_problems_too() {
    let s = Server::start();
    let p = problem(client().get(s.url("/v1/zones/%FF%FE")).send().expect("GET"), 400);
    assert!(p["detail"].as_str().unwrap_or_default().contains("UTF-8"), "{p}");
    let p = problem(client().get(s.url("/v1/industries?limit=many")).send().expect("GET"), 400);
    assert!(p["detail"].as_str().unwrap_or_default().contains("limit"), "{p}");
    for path in ["/tiles/%FF/0/0/0.mvt", "/tiles/%FF.json", "/fonts/%FF/0-255.pbf"] {
        problem(client().get(s.url(path)).send().expect("GET"), 400);
    }
}

/// `?q=%FF` used to be decoded to U+FFFD and answered as a search for it; a GBK-encoded query likewise.
#[test]
fn a_query_that_is_not_utf8_is_refused_naming_the_parameter() {
    let s = Server::start();
    for path in ["/v1/industries?q=%FF", "/v1/industries?q=%CB%AE%C4%E0", "/collections/control_units/items?name=%FF"] {
        let p = problem(client().get(s.url(path)).send().expect("GET"), 400);
        assert_eq!(p["type"], "/problems/invalid-query", "{path}: {p}");
        assert_eq!(p["pointer"], path.split('?').nth(1).and_then(|q| q.split('=').next()).unwrap_or_default(), "{path}: {p}");
    }
    // UTF-8 text still works.
    assert_eq!(client().get(s.url("/v1/industries?q=%E6%B0%B4%E6%B3%A5")).send().expect("GET").status(), 200);
}

/// serde reads a JSON array as a struct's fields in order, so `[geometry]` was taken for a request and refused for a
/// missing fact; a Feature with array properties likewise lost its facts. Found by tests/malformed_input.rs.
#[test]
fn a_body_that_is_not_an_object_is_refused_as_such() {
    let s = Server::start();
    let g = json!({"type": "Point", "coordinates": [GENERAL.0, GENERAL.1]});
    for body in [json!([g, null, null, {"industry": "1411", "nature": "new"}]), json!([g]), json!(42), json!("x")] {
        let p = problem(post(&s, &body), 422);
        assert_eq!(p["type"], "/problems/invalid-request", "{body}: {p}");
        assert!(p["detail"].as_str().unwrap_or_default().contains("JSON object"), "{p}");
    }
    let p = problem(post(&s, &json!({"type": "Feature", "geometry": g, "properties": [1]})), 422);
    assert_eq!(p["pointer"], "/properties", "{p}");
}

/// A finite but impossible Helmert shift moved the site across the globe and answered for somewhere else.
#[test]
fn an_impossible_towgs84_shift_is_422() {
    let s = Server::start();
    let body = json!({"geometry": {"type": "Point", "coordinates": [38541000.0, 3688000.0]}, "crs": "xian80-gk3:38",
        "towgs84": [1e300, 0, 0], "facts": {"industry": "1411", "nature": "new"}});
    let p = problem(post(&s, &body), 422);
    assert_eq!(p["type"], "/problems/invalid-towgs84", "{p}");
    assert_eq!(p["pointer"], "/towgs84", "{p}");
}
