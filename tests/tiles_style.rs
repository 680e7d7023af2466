//! Vector tiles, TileJSON and the MapLibre style, over real loopback HTTP from the real `ecogate serve` binary on the
//! bundled Wugang sample; the style file is also checked by MapLibre's own validator (npm
//! `@maplibre/maplibre-gl-style-spec`, installed into styles/node_modules from styles/package-lock.json).

#[path = "common/server.rs"]
mod server;

use server::{client, Server};
use geo::{BoundingRect, Contains, MapCoords, Point};
use geozero::mvt::{tile, Message, Tile};
use geozero::ToGeo;
use reqwest::blocking::Response;
use reqwest::StatusCode;
use serde_json::Value;
use std::f64::consts::PI;
use std::path::Path;
use std::process::Command;

/// The industrial park's point (data/wugang/test_points.json `industrial_park`) and its control unit.
const PARK: (f64, f64) = (113.569369, 33.321212);
const PARK_UNIT: &str = "ZH41048120002";
const LAYERS: [&str; 6] = ["control_units", "red_lines", "water_sources", "reserves", "no_farming", "fuel_ban"];
const EXTENT: f64 = 4096.0;
const BUFFER: f64 = 64.0;

/// The tile tests' HTTP calls, on the shared test server.
trait Get {
    fn get(&self, path: &str) -> Response;
    fn json(&self, path: &str) -> Value;
}

impl Get for Server {
    fn get(&self, path: &str) -> Response {
        client().get(self.url(path)).send().unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().expect("JSON")
    }
}

/// The XYZ tile holding a lon/lat (slippy-map formulas, written out here independently of the crate).
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / PI) / 2.0 * n).floor();
    (x as u32, y as u32)
}

/// Tile units back to lon/lat.
fn unproject(z: u32, x: u32, y: u32, u: f64, v: f64) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lon = (f64::from(x) + u / EXTENT) / n * 360.0 - 180.0;
    let lat = (PI * (1.0 - 2.0 * (f64::from(y) + v / EXTENT) / n)).sinh().atan().to_degrees();
    (lon, lat)
}

fn fetch_tile(s: &Server, path: &str) -> Tile {
    let r = s.get(path);
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    assert_eq!(r.headers()["content-type"], "application/vnd.mapbox-vector-tile");
    Tile::decode(r.bytes().expect("body")).expect("a vector tile")
}

fn properties(layer: &tile::Layer, f: &tile::Feature) -> Vec<(String, String)> {
    f.tags
        .chunks(2)
        .map(|kv| {
            let v = &layer.values[kv[1] as usize];
            (layer.keys[kv[0] as usize].clone(), v.string_value.clone().expect("string property"))
        })
        .collect()
}

fn prop<'a>(props: &'a [(String, String)], key: &str) -> Option<&'a str> {
    props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn assert_problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().expect("problem JSON");
    assert_eq!(p["status"], status.as_u16());
    assert!(p["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{p}");
    assert!(p["detail_zh"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    p
}

#[test]
fn tilejson_describes_the_zones_tileset_with_absolute_urls() {
    let s = Server::start();
    let tj = s.json("/tiles/zones.json");
    let ready = s.json("/readyz");
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["scheme"], "xyz");
    assert_eq!(tj["version"], ready["dataset_version"]);
    assert_eq!(tj["tiles"][0], format!("{}/tiles/zones/{{z}}/{{x}}/{{y}}.mvt", s.base));
    assert_eq!(tj["minzoom"], 0);
    let maxzoom = tj["maxzoom"].as_u64().unwrap();
    assert!((1..=22).contains(&maxzoom));
    let desc = tj["description"].as_str().unwrap();
    assert!(desc.contains("NOT official") && desc.contains("不是官方边界"), "illustrative notice: {desc}");
    assert!(tj["attribution"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(tj["name"].as_str().is_some_and(|n| !n.is_empty()));
    // Bounds from the data: around Wugang, holding the park; the centre inside them.
    let b: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(b[0] < PARK.0 && PARK.0 < b[2] && b[1] < PARK.1 && PARK.1 < b[3], "{b:?}");
    assert!(b[2] - b[0] < 2.0 && b[3] - b[1] < 2.0, "county-sized: {b:?}");
    let c = tj["center"].as_array().unwrap();
    assert!((b[0]..=b[2]).contains(&c[0].as_f64().unwrap()) && (b[1]..=b[3]).contains(&c[1].as_f64().unwrap()));
    // One vector layer per manifest layer, with fields.
    let ids: Vec<&str> = tj["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, LAYERS);
    for l in tj["vector_layers"].as_array().unwrap() {
        for f in ["code", "name", "kind", "layer"] {
            assert!(l["fields"][f].is_string(), "{l}");
        }
        assert_eq!(l["minzoom"], 0);
        assert_eq!(l["maxzoom"], maxzoom);
    }
    let units = &tj["vector_layers"][0];
    assert!(units["fields"]["grade"].is_string() && units["fields"]["grade_zh"].is_string());
    assert!(units["fields"]["category"].is_null());
    assert!(tj["vector_layers"][5]["fields"]["category"].is_string(), "fuel_ban is kind other");
    // The Host header decides the absolute URL.
    let r = client().get(format!("{}/tiles/zones.json", s.base)).header("host", "maps.example.org:8443").send().unwrap();
    let tj: Value = r.json().unwrap();
    assert_eq!(tj["tiles"][0], "http://maps.example.org:8443/tiles/zones/{z}/{x}/{y}.mvt");
}

#[test]
fn tilejson_of_one_layer_lists_only_it() {
    let s = Server::start();
    let tj = s.json("/tiles/water_sources.json");
    assert_eq!(tj["tiles"][0], format!("{}/tiles/water_sources/{{z}}/{{x}}/{{y}}.mvt", s.base));
    let ids: Vec<&str> = tj["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["water_sources"]);
    // Water sources are a part of the county: their bounds lie inside the whole tileset's.
    let all = s.json("/tiles/zones.json");
    let (b, a) = (tj["bounds"].as_array().unwrap(), all["bounds"].as_array().unwrap());
    assert!(b[0].as_f64() >= a[0].as_f64() && b[2].as_f64() <= a[2].as_f64());
}

#[test]
fn the_industrial_park_tile_holds_its_control_unit_at_z12_and_z14() {
    let s = Server::start();
    for z in [12u32, 14] {
        let (x, y) = tile_of(PARK.0, PARK.1, z);
        let tile = fetch_tile(&s, &format!("/tiles/zones/{z}/{x}/{y}.mvt"));
        let units = tile.layers.iter().find(|l| l.name == "control_units").unwrap_or_else(|| panic!("z{z}: no control_units layer"));
        assert_eq!(units.version, 2);
        assert_eq!(units.extent, Some(4096));
        let mut found = false;
        for f in &units.features {
            assert!(f.id.is_some(), "integer feature ids");
            // Label points (one per zone, in the tile holding it) sit beside the polygons, ids offset by 2^32.
            if f.r#type == Some(tile::GeomType::Point as i32) {
                assert!(f.id.is_some_and(|id| id >= 1 << 32), "label point ids are offset");
                continue;
            }
            assert_eq!(f.r#type, Some(tile::GeomType::Polygon as i32));
            // geozero's decoder splits polygons by ring winding and refuses a tile whose first ring is a hole.
            let g = f.to_geo().expect("decodes");
            let r = g.bounding_rect().unwrap();
            assert!(r.min().x >= -BUFFER && r.min().y >= -BUFFER && r.max().x <= EXTENT + BUFFER && r.max().y <= EXTENT + BUFFER, "z{z}: {r:?}");
            let props = properties(units, f);
            if prop(&props, "code") != Some(PARK_UNIT) {
                continue;
            }
            found = true;
            assert_eq!(prop(&props, "kind"), Some("control_unit"));
            assert_eq!(prop(&props, "grade"), Some("key"));
            assert_eq!(prop(&props, "grade_zh"), Some("重点管控单元"));
            assert_eq!(prop(&props, "layer"), Some("control_units"));
            assert_eq!(prop(&props, "category"), None);
            assert!(prop(&props, "name").is_some_and(|n| n.contains("产业集聚区")), "{props:?}");
            let lonlat = g.map_coords(|c| {
                let (lon, lat) = unproject(z, x, y, c.x, c.y);
                geo::Coord { x: lon, y: lat }
            });
            assert!(lonlat.contains(&Point::new(PARK.0, PARK.1)), "z{z}: the decoded unit contains the park's point");
        }
        assert!(found, "z{z}: feature {PARK_UNIT} in control_units");
    }
}

#[test]
fn the_world_tile_holds_all_six_layers() {
    let s = Server::start();
    let tile = fetch_tile(&s, "/tiles/zones/0/0/0.mvt");
    let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, LAYERS);
    for l in &tile.layers {
        assert!(!l.features.is_empty(), "{}", l.name);
        for f in &l.features {
            f.to_geo().unwrap_or_else(|e| panic!("{}: {e}", l.name));
        }
    }
}

#[test]
fn a_single_layer_tileset_has_only_that_layer() {
    let s = Server::start();
    let (x, y) = tile_of(PARK.0, PARK.1, 10);
    let tile = fetch_tile(&s, &format!("/tiles/control_units/10/{x}/{y}.mvt"));
    let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["control_units"]);
}

#[test]
fn tiles_are_revalidated_with_the_dataset_version_as_etag_and_answer_304_when_unchanged() {
    let s = Server::start();
    let version = s.get("/readyz").json::<Value>().unwrap()["dataset_version"].as_str().unwrap().to_string();
    let r = s.get("/tiles/zones/0/0/0.mvt");
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("W/\"{version}\""));
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let again = client().get(s.url("/tiles/zones/0/0/0.mvt")).header("if-none-match", &etag).send().unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().unwrap().is_empty());
    // A tag from another dataset version gets the tile again.
    let stale = client().get(s.url("/tiles/zones/0/0/0.mvt")).header("if-none-match", "W/\"other@0000000000000000\"").send().unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[test]
fn tiles_without_zones_are_204_no_content() {
    let s = Server::start();
    // Beijing at z10, and the far corner of the world at z0's neighbours.
    let (x, y) = tile_of(116.397, 39.909, 10);
    for path in [format!("/tiles/zones/10/{x}/{y}.mvt"), "/tiles/zones/1/0/0.mvt".to_string(), format!("/tiles/red_lines/10/{x}/{y}.mvt")] {
        let r = s.get(&path);
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{path}");
        assert!(r.bytes().unwrap().is_empty());
    }
}

#[test]
fn bad_tile_coordinates_are_400_problems() {
    let s = Server::start();
    let p = assert_problem(s.get("/tiles/zones/23/0/0.mvt"), StatusCode::BAD_REQUEST);
    assert_eq!(p["pointer"], "z");
    assert_problem(s.get("/tiles/zones/2/4/0.mvt"), StatusCode::BAD_REQUEST);
    assert_problem(s.get("/tiles/zones/2/0/4.mvt"), StatusCode::BAD_REQUEST);
    assert_problem(s.get("/tiles/zones/-1/0/0.mvt"), StatusCode::BAD_REQUEST);
    assert_problem(s.get("/tiles/zones/x/0/0.mvt"), StatusCode::BAD_REQUEST);
    // The deepest zoom works.
    let (x, y) = tile_of(PARK.0, PARK.1, 22);
    assert_eq!(s.get(&format!("/tiles/zones/22/{x}/{y}.mvt")).status(), StatusCode::OK);
}

#[test]
fn unknown_tilesets_are_404_problems() {
    let s = Server::start();
    let p = assert_problem(s.get("/tiles/nope/0/0/0.mvt"), StatusCode::NOT_FOUND);
    assert!(p["detail"].as_str().unwrap().contains("control_units"), "names the tilesets: {p}");
    assert_problem(s.get("/tiles/nope.json"), StatusCode::NOT_FOUND);
    assert_problem(s.get("/tiles/zones/0/0/0.png"), StatusCode::NOT_FOUND);
}

#[test]
fn tiles_are_gzip_compressed_on_request() {
    let s = Server::start();
    let (x, y) = tile_of(PARK.0, PARK.1, 12);
    let r = client().get(format!("{}/tiles/zones/12/{x}/{y}.mvt", s.base)).header("accept-encoding", "gzip").send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["content-type"], "application/vnd.mapbox-vector-tile");
}

#[test]
fn the_served_style_points_at_the_absolute_tilejson() {
    let s = Server::start();
    let style = s.json("/styles/ecogate.json");
    assert_eq!(style["version"], 8);
    assert_eq!(style["sources"]["zones"]["type"], "vector");
    assert_eq!(style["sources"]["zones"]["url"], format!("{}/tiles/zones.json", s.base));
    let text = serde_json::to_string(&style).unwrap();
    assert!(!text.contains("{base}"));
    // Offline: no remote resources at all; the label glyphs come from this service (tests/glyphs.rs has the rest).
    assert_eq!(style["glyphs"], format!("{}/fonts/{{fontstack}}/{{range}}.pbf", s.base));
    assert!(style.get("sprite").is_none());
    assert!(!text.contains("https://"), "no external URL");
    // Every manifest layer has stable <layer>-fill and <layer>-line ids on its source-layer.
    let layers = style["layers"].as_array().unwrap();
    for id in LAYERS {
        for kind in ["fill", "line"] {
            let l = layers.iter().find(|l| l["id"] == format!("{id}-{kind}")).unwrap_or_else(|| panic!("{id}-{kind}"));
            assert_eq!(l["type"], kind);
            assert_eq!(l["source-layer"], id);
        }
    }
    assert_eq!(layers[0]["type"], "background");
}

#[test]
fn maplibre_validator_accepts_the_style() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let styles = root.join("styles");
    let validator = styles.join("node_modules/.bin/gl-style-validate");
    if !validator.exists() {
        let out = Command::new("npm")
            .args(["ci", "--prefix", "styles", "--no-audit", "--no-fund"])
            .current_dir(root)
            .output()
            .expect("npm runs (Node.js and npm are needed to validate the style)");
        assert!(out.status.success(), "npm ci --prefix styles failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = Command::new("node")
        .arg(&validator)
        .arg("--json")
        .arg(styles.join("ecogate.json"))
        .output()
        .expect("node runs gl-style-validate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let errors: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Array(vec![]));
    assert!(out.status.success(), "gl-style-validate exit {:?}:\n{stdout}\n{}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    assert_eq!(errors, Value::Array(vec![]), "style errors: {stdout}");
}

#[test]
fn openapi_lists_the_tile_routes() {
    let s = Server::start();
    let doc = s.json("/openapi.json");
    for path in ["/tiles/{tileset}/{z}/{x}/{y}.mvt", "/tiles/{tileset}.json", "/styles/ecogate.json"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} in /openapi.json");
    }
    assert!(doc["paths"]["/tiles/{tileset}/{z}/{x}/{y}.mvt"]["get"]["responses"]["204"].is_object());
    assert!(doc["paths"]["/v1/assessments"].is_object(), "the existing routes stay");
}
