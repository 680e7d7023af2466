//! Map label glyphs over real loopback HTTP from the real `ecogate serve` binary: `/fonts/{fontstack}/{range}.pbf`
//! made from WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, which scripts/setup.sh installs), decoded back with
//! the glyph PBF types of `pbf_font_tools`; and the style with and without a label font.

#[path = "common/server.rs"]
mod server;

use pbf_font_tools::prost::Message;
use pbf_font_tools::{Glyph, Glyphs};
use reqwest::blocking::Response;
use reqwest::StatusCode;
use serde_json::Value;
use server::{client, Server};

const FONT: &str = "WenQuanYi Micro Hei";
/// The fontstack as MapLibre puts it in a URL.
const FONT_URL: &str = "WenQuanYi%20Micro%20Hei";
/// 舞 (U+821E), the first character of 舞钢市.
const WU: u32 = 0x821E;
/// The SDF border MapLibre expects around every glyph bitmap.
const BORDER: u32 = 3;
/// The style layers that carry labels.
const LABELLED: [&str; 4] = ["control_units", "reserves", "water_sources", "red_lines"];

fn get(s: &Server, path: &str) -> Response {
    client().get(s.url(path)).send().unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn json(s: &Server, path: &str) -> Value {
    let r = get(s, path);
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json().expect("JSON")
}

fn glyphs(s: &Server, path: &str) -> Glyphs {
    let r = get(s, path);
    assert_eq!(r.status(), StatusCode::OK, "GET {path}: {}", s.log_text());
    assert_eq!(r.headers()["content-type"], "application/x-protobuf", "GET {path}");
    Glyphs::decode(r.bytes().unwrap()).unwrap_or_else(|e| panic!("GET {path}: not a glyph PBF: {e}"))
}

fn assert_problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().unwrap();
    assert_eq!(p["status"], status.as_u16());
    assert!(p["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{p}");
    assert!(p["detail_zh"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    p
}

/// A drawn glyph: metrics, a bitmap of (width + 6) × (height + 6) SDF bytes with both inside (above the 0.25
/// cutoff's edge value 191) and outside.
fn assert_drawn(g: &Glyph) {
    assert!(g.width > 0 && g.height > 0 && g.advance > 0, "U+{:04X}: {g:?}", g.id);
    let bitmap = g.bitmap.as_deref().unwrap_or_default();
    assert_eq!(bitmap.len() as u32, (g.width + 2 * BORDER) * (g.height + 2 * BORDER), "U+{:04X}", g.id);
    assert!(bitmap.iter().any(|&v| v > 191) && bitmap.iter().any(|&v| v < 191), "U+{:04X}: an SDF with inside and outside", g.id);
}

fn glyph(stack: &Glyphs, id: u32) -> &Glyph {
    stack.stacks[0].glyphs.iter().find(|g| g.id == id).unwrap_or_else(|| panic!("no glyph U+{id:04X}"))
}

#[test]
fn the_latin_range_decodes_and_holds_z() {
    let s = Server::start();
    let pbf = glyphs(&s, &format!("/fonts/{FONT_URL}/0-255.pbf"));
    assert_eq!(pbf.stacks.len(), 1);
    let stack = &pbf.stacks[0];
    assert_eq!(stack.name, FONT);
    assert_eq!(stack.range, "0-255");
    assert!(stack.glyphs.iter().all(|g| g.id <= 255), "only the range's code points");
    let z = glyph(&pbf, 'Z' as u32);
    assert_eq!(z.id, 90);
    assert_drawn(z);
    // Digits and letters of the unit codes (ZH41048120002) are there; a space has an advance and no ink.
    for c in "ZH0123456789".chars() {
        assert_drawn(glyph(&pbf, c as u32));
    }
    let space = glyph(&pbf, ' ' as u32);
    assert!(space.advance > 0 && space.width == 0, "{space:?}");
    // 24 px glyphs: a capital is most of that high, and sits above the baseline.
    assert!((12..=24).contains(&z.height), "{z:?}");
}

#[test]
fn a_cjk_range_holds_the_characters_of_the_labels() {
    let s = Server::start();
    let start = WU - WU % 256;
    assert_eq!(start, 33280);
    let pbf = glyphs(&s, &format!("/fonts/{FONT_URL}/{start}-{}.pbf", start + 255));
    assert_eq!(pbf.stacks[0].range, "33280-33535");
    let wu = glyph(&pbf, WU);
    assert_drawn(wu);
    assert!(wu.advance >= 22, "an ideograph is full width: {wu:?}");
    assert!(pbf.stacks[0].glyphs.len() > 200, "the range is nearly all ideographs the font has");
    // 钢 (U+94A2) and 市 (U+5E02), the rest of 舞钢市, in their ranges.
    for c in ['钢', '市'] {
        let cp = c as u32;
        let start = cp - cp % 256;
        assert_drawn(glyph(&glyphs(&s, &format!("/fonts/{FONT_URL}/{start}-{}.pbf", start + 255)), cp));
    }
    // A range the font has nothing in (private use) is an empty stack, not an error.
    let empty = glyphs(&s, &format!("/fonts/{FONT_URL}/57344-57599.pbf"));
    assert!(empty.stacks[0].glyphs.is_empty());
}

#[test]
fn ranges_are_cached_and_gzip_compressed() {
    let s = Server::start();
    let path = format!("/fonts/{FONT_URL}/19968-20223.pbf");
    let first = get(&s, &path).bytes().unwrap();
    let again = get(&s, &path).bytes().unwrap();
    assert_eq!(first, again, "the same bytes from the cache");
    let r = client().get(s.url(&path)).header("accept-encoding", "gzip").send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["content-type"], "application/x-protobuf");
}

#[test]
fn a_fontstack_list_holding_the_font_is_served() {
    let s = Server::start();
    // MapLibre joins a text-font list with commas; the font answers for any list it is in.
    for stack in ["Open%20Sans%20Regular,WenQuanYi%20Micro%20Hei", "WenQuanYi%20Micro%20Hei%20Regular"] {
        let pbf = glyphs(&s, &format!("/fonts/{stack}/0-255.pbf"));
        assert_drawn(glyph(&pbf, 'Z' as u32));
    }
}

#[test]
fn malformed_ranges_are_400_problems() {
    let s = Server::start();
    for range in ["abc", "0-256", "1-256", "256-255", "0-511", "-255", "0-", "0_255", "65536-65791", "0x0-255", "99999999999-100000000254"] {
        let p = assert_problem(get(&s, &format!("/fonts/{FONT_URL}/{range}.pbf")), StatusCode::BAD_REQUEST);
        assert_eq!(p["type"], "/problems/invalid-glyph-range", "{range}: {p}");
        assert_eq!(p["pointer"], "range");
        assert!(p["detail"].as_str().unwrap().contains("0-255"), "gives an example: {p}");
    }
}

#[test]
fn unknown_fontstacks_are_404_problems() {
    let s = Server::start();
    let p = assert_problem(get(&s, "/fonts/Open%20Sans%20Regular/0-255.pbf"), StatusCode::NOT_FOUND);
    assert!(p["detail"].as_str().unwrap().contains(FONT), "names the font there is: {p}");
    assert_problem(get(&s, "/fonts/Open%20Sans%20Regular,Arial%20Unicode%20MS%20Regular/0-255.pbf"), StatusCode::NOT_FOUND);
    assert_problem(get(&s, &format!("/fonts/{FONT_URL}/0-255.json")), StatusCode::NOT_FOUND);
    assert_problem(get(&s, &format!("/fonts/{FONT_URL}")), StatusCode::NOT_FOUND);
}

#[test]
fn the_served_style_has_glyphs_at_the_absolute_base_url_and_label_layers() {
    let s = Server::start();
    let style = json(&s, "/styles/ecogate.json");
    assert_eq!(style["glyphs"], format!("{}/fonts/{{fontstack}}/{{range}}.pbf", s.base));
    let layers = style["layers"].as_array().unwrap();
    let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
    for layer in LABELLED {
        let id = format!("{layer}-label");
        let l = layers.iter().find(|l| l["id"] == id.as_str()).unwrap_or_else(|| panic!("{id} in {ids:?}"));
        assert_eq!(l["type"], "symbol");
        assert_eq!(l["source-layer"], layer);
        assert_eq!(l["layout"]["text-font"], serde_json::json!([FONT]));
        assert_eq!(l["layout"]["symbol-placement"], "point");
        assert!(l["paint"]["text-halo-width"].as_f64().is_some_and(|w| w > 0.0), "{id} has a halo");
        // Drawn above every fill and line.
        let last_geometry = layers.iter().rposition(|l| l["type"] == "fill" || l["type"] == "line").unwrap();
        assert!(ids.iter().position(|i| *i == id).unwrap() > last_geometry, "{id} above the zones");
        // The URL MapLibre makes from the style answers.
        let stack = l["layout"]["text-font"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect::<Vec<_>>().join(",");
        let url = style["glyphs"].as_str().unwrap().replace("{fontstack}", &stack.replace(' ', "%20")).replace("{range}", "0-255");
        glyphs(&s, &url);
    }
    // Control units: code and name on two lines, from zoom 11.
    let units = layers.iter().find(|l| l["id"] == "control_units-label").unwrap();
    assert_eq!(units["minzoom"], 11);
    let field = units["layout"]["text-field"].to_string();
    assert!(field.contains(r#"["get","code"]"#) && field.contains(r#"["get","name"]"#) && field.contains(r#""\n""#), "{field}");
    assert_eq!(style["metadata"]["ecogate:layer-ids"].as_array().unwrap().len(), layers.len(), "metadata lists every layer");
}

/// Without a usable font: glyphs are 503 with how to install one; the style has no glyphs and no labels; the rest works.
fn assert_labels_off(s: &Server) {
    let p = assert_problem(get(s, &format!("/fonts/{FONT_URL}/0-255.pbf")), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(p["type"], "/problems/glyphs-unavailable");
    // A malformed range is still the client's 400, not the 503 of the missing font.
    let bad = assert_problem(get(s, &format!("/fonts/{FONT_URL}/1-256.pbf")), StatusCode::BAD_REQUEST);
    assert_eq!(bad["type"], "/problems/invalid-glyph-range");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("fonts-wqy-microhei") && detail.contains("--font"), "says how to install a font: {p}");
    let style = json(s, "/styles/ecogate.json");
    assert!(style.get("glyphs").is_none(), "no glyphs: {}", style["glyphs"]);
    let layers = style["layers"].as_array().unwrap();
    assert!(layers.iter().all(|l| l["type"] != "symbol"), "no label layers");
    assert!(layers.iter().any(|l| l["id"] == "control_units-fill") && layers.iter().any(|l| l["id"] == "red_lines-line"));
    let ids = style["metadata"]["ecogate:layer-ids"].as_array().unwrap();
    assert_eq!(ids.len(), layers.len(), "metadata lists only the layers there are: {ids:?}");
    assert_eq!(get(s, "/tiles/zones/0/0/0.mvt").status(), StatusCode::OK, "tiles still work");
    assert_eq!(get(s, "/readyz").status(), StatusCode::OK);
}

#[test]
fn without_a_font_glyphs_are_503_and_the_style_has_no_labels() {
    let s = Server::start_with(&["--font", "/nonexistent/font.ttc"]);
    assert_labels_off(&s);
    assert!(s.log_text().contains("map labels off"), "the server says so: {}", s.log_text());
    // A file that is no font is the same.
    let not_a_font = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let s = Server::start_with(&["--font", not_a_font]);
    assert_labels_off(&s);
}

#[test]
fn ecogate_font_chooses_the_font_and_font_overrides_it() {
    let s = Server::start_with_env::<&str>(&[("ECOGATE_FONT", "/nonexistent/font.ttf")], &[]);
    assert_labels_off(&s);
    let s = Server::start_with_env(&[("ECOGATE_FONT", "/nonexistent/font.ttf")], &["--font", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"]);
    glyphs(&s, &format!("/fonts/{FONT_URL}/0-255.pbf"));
}

#[test]
fn openapi_lists_the_glyph_route() {
    let s = Server::start();
    let doc = json(&s, "/openapi.json");
    let route = &doc["paths"]["/fonts/{fontstack}/{range}.pbf"]["get"];
    assert!(route["responses"]["200"].is_object() && route["responses"]["503"].is_object(), "{route}");
}
