//! Malformed input, table-driven (issue 7, "Proving it"): one real `ecogate serve` answers a few hundred bad
//! requests at every route that takes input, and every answer must be a 4xx `application/problem+json` with a
//! non-empty `detail` — never a 5xx, a panic, a hang or a bare text body — and the server must still be alive at the
//! end.
//!
//! Requests go over a raw TCP socket rather than reqwest: an HTTP client library normalises `..` segments, refuses
//! invalid bytes in paths and builds only well-formed multipart bodies, which are exactly the requests this suite
//! has to send. Requests hyper itself refuses before the application sees them (an unparseable request line) are
//! out of scope: the service cannot shape those answers.
//!
//! The server runs with small limits (body 256 KiB, upload 128 KiB, 5,000 vertices) so the oversized cases stay
//! cheap; the limits are the same code paths at any size.

#[path = "common/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{client, Server};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const MAX_BODY: usize = 256 * 1024;
const MAX_UPLOAD: usize = 128 * 1024;
const MAX_VERTICES: usize = 5_000;

// data/wugang/test_points.json
const LEVEL2: [f64; 2] = [113.447392, 33.317817];

/// One bad request.
struct Case {
    category: &'static str,
    name: String,
    method: &'static str,
    /// The request target exactly as sent (not normalised, not re-encoded).
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What came back.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct Cases(Vec<Case>);

impl Cases {
    fn add(&mut self, category: &'static str, name: impl Into<String>, method: &'static str, target: impl Into<String>, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) {
        self.0.push(Case {
            category,
            name: name.into(),
            method,
            target: target.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.into(),
        });
    }

    fn get(&mut self, category: &'static str, name: impl Into<String>, target: impl Into<String>) {
        self.add(category, name, "GET", target, &[], Vec::new());
    }

    /// `POST /v1/assessments` with a body sent as is.
    fn post_raw(&mut self, category: &'static str, name: impl Into<String>, body: impl Into<Vec<u8>>) {
        self.add(category, name, "POST", "/v1/assessments", &[("content-type", "application/json")], body);
    }

    /// `POST /v1/assessments` with a well-formed JSON body. The required facts are added where the body has none,
    /// so the request is refused for what it is testing, not for a missing fact (which is checked first).
    fn post(&mut self, category: &'static str, name: impl Into<String>, mut body: Value) {
        if let Some(o) = body.as_object_mut() {
            if o.get("type").and_then(Value::as_str) == Some("Feature") {
                if let Some(p) = o.get_mut("properties").and_then(Value::as_object_mut) {
                    p.entry("facts").or_insert_with(required_facts);
                }
            } else {
                o.entry("facts").or_insert_with(required_facts);
            }
        }
        self.post_raw(category, name, serde_json::to_vec(&body).expect("json"));
    }

    /// `POST /v1/assessments` with `{"geometry": g}` plus extra members.
    fn post_geometry(&mut self, category: &'static str, name: impl Into<String>, geometry: Value, extra: Value) {
        let mut body = json!({ "geometry": geometry });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.post(category, name, body);
    }

    /// `POST /v1/assessments/upload` with a multipart body built from parts (name, filename, content); a `facts`
    /// part with the required facts is added when there is none (facts are checked before the file is read).
    fn upload(&mut self, category: &'static str, name: impl Into<String>, parts: &[(&str, Option<&str>, &[u8])]) {
        let boundary = "ecogate-malformed-boundary-7MA4YWxkTrZu0gW";
        let facts = serde_json::to_vec(&required_facts()).expect("json");
        let mut parts = parts.to_vec();
        if !parts.iter().any(|(n, _, _)| *n == "facts") && parts.iter().any(|(n, _, _)| *n == "file") {
            parts.push(("facts", None, &facts));
        }
        let body = multipart(boundary, &parts);
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.add(category, name, "POST", "/v1/assessments/upload", &[("content-type", &ct)], body);
    }

    /// `POST /v1/assessments/upload` with a raw body and content type.
    fn upload_raw(&mut self, category: &'static str, name: impl Into<String>, content_type: &str, body: impl Into<Vec<u8>>) {
        self.add(category, name, "POST", "/v1/assessments/upload", &[("content-type", content_type)], body);
    }
}

/// The facts every request must carry (data/rules/00_rulebook.toml `required_facts`).
fn required_facts() -> Value {
    json!({"industry": "1411", "nature": "new"})
}

fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole answer.
fn send(port: u16, case: &Case) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(Duration::from_secs(20))).map_err(|e| e.to_string())?;
    let mut head = format!("{} {} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n", case.method, case.target).into_bytes();
    for (k, v) in &case.headers {
        head.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    if !case.body.is_empty() || case.method == "POST" {
        head.extend_from_slice(format!("content-length: {}\r\n", case.body.len()).as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).map_err(|e| format!("write head: {e}"))?;
    // The server may answer (413) before reading a large body and stop reading: the answer is what counts.
    let _ = stream.write_all(&case.body);
    let mut raw = Vec::new();
    if let Err(e) = stream.read_to_end(&mut raw) {
        if raw.is_empty() {
            return Err(format!("read: {e}"));
        }
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Result<Answer, String> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| format!("no header end in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    }
    Ok(Answer { status, content_type: headers.get("content-type").cloned().unwrap_or_default(), body })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").ok_or("chunk size line")?;
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16).map_err(|e| format!("chunk size: {e}"))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).ok_or("truncated chunk")?);
        b = b.get(size + 2..).ok_or("truncated chunk end")?;
    }
}

/// Why an answer breaks the contract, or None when it keeps it.
fn violation(a: &Answer) -> Option<String> {
    if !(400..500).contains(&a.status) {
        return Some(format!("status {} (want 4xx)", a.status));
    }
    if !a.content_type.starts_with("application/problem+json") {
        return Some(format!("status {} with content-type {:?}: {:?}", a.status, a.content_type, String::from_utf8_lossy(&a.body)));
    }
    let p: Value = match serde_json::from_slice(&a.body) {
        Ok(p) => p,
        Err(e) => return Some(format!("problem body is not JSON ({e}): {:?}", String::from_utf8_lossy(&a.body))),
    };
    let text = |k: &str| p[k].as_str().map(str::trim).unwrap_or_default().to_string();
    if text("detail").is_empty() || text("detail_zh").is_empty() {
        return Some(format!("problem without detail: {p}"));
    }
    if p["status"].as_u64() != Some(u64::from(a.status)) {
        return Some(format!("problem status {} differs from HTTP status {}", p["status"], a.status));
    }
    if !text("type").starts_with("/problems/") {
        return Some(format!("problem without a type: {p}"));
    }
    // Every case carries the required facts: a missing-fact answer means the input under test was never read.
    if text("type") == "/problems/missing-fact" {
        return Some(format!("refused for a missing fact before the input under test was read: {p}"));
    }
    None
}

// -------------------------------------------------------------------------------------------------------------
// The cases

fn point(c: [f64; 2]) -> Value {
    json!({"type": "Point", "coordinates": c})
}

fn square(c: [f64; 2], d: f64) -> Vec<[f64; 2]> {
    vec![[c[0], c[1]], [c[0] + d, c[1]], [c[0] + d, c[1] + d], [c[0], c[1] + d], [c[0], c[1]]]
}

fn post_body_cases(cs: &mut Cases) {
    // Broken JSON.
    for (name, body) in [
        ("empty body", ""),
        ("whitespace only", "   \n\t "),
        ("lone open brace", "{"),
        ("lone close brace", "}"),
        ("unterminated object", "{\"geometry\": {\"type\": \"Point\""),
        ("unterminated string", "{\"geometry\": \"Poi"),
        ("single quotes", "{'geometry': {'type': 'Point', 'coordinates': [113.4, 33.3]}}"),
        ("trailing comma", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, 33.3],}}"),
        ("two documents", "{\"geometry\": null}{\"geometry\": null}"),
        ("comment", "// a site\n{\"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, 33.3]}}"),
        ("bare word", "geometry"),
        ("nul byte", "\u{0}"),
        ("unquoted key", "{geometry: 1}"),
        ("missing colon", "{\"geometry\" {\"type\": \"Point\"}}"),
        ("NaN literal", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [NaN, 33.3]}}"),
        ("Infinity literal", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [Infinity, 33.3]}}"),
        ("negative Infinity literal", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, -Infinity]}}"),
        ("number overflowing f64", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [1e999, 33.3]}}"),
        ("hex number", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [0x71, 33.3]}}"),
        ("leading plus", "{\"geometry\": {\"type\": \"Point\", \"coordinates\": [+113.4, 33.3]}}"),
        ("bad escape", "{\"geometry\": \"\\x41\"}"),
        ("lone surrogate escape", "{\"crs\": \"\\ud800\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, 33.3]}}"),
        ("xml body", "<Point><coordinates>113.4,33.3</coordinates></Point>"),
        ("form-encoded body", "lon=113.4&lat=33.3"),
    ] {
        cs.post_raw("broken-json", format!("POST broken JSON: {name}"), body);
    }
    cs.post_raw("broken-json", "POST broken JSON: nesting 10000 deep", "[".repeat(10_000) + &"]".repeat(10_000));
    cs.post_raw("broken-json", "POST broken JSON: object nesting 5000 deep", "{\"a\":".repeat(5_000) + "1" + &"}".repeat(5_000));
    cs.post_raw("broken-json", "POST broken JSON: truncated after BOM", b"\xEF\xBB\xBF{".to_vec());

    // Invalid UTF-8.
    for (name, body) in [
        ("lone 0xFF", b"\xFF".to_vec()),
        ("UTF-16 LE BOM and text", b"\xFF\xFE{\x00}\x00".to_vec()),
        ("GBK bytes in a string", [b"{\"crs\": \"".as_slice(), b"\xD7\xF8\xB1\xEA", b"\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, 33.3]}}"].concat()),
        ("overlong encoding in a key", b"{\"\xC0\xAFgeometry\": 1}".to_vec()),
        ("truncated multibyte sequence", b"{\"geometry\": \"\xE4\xB8\"}".to_vec()),
        ("invalid bytes in a fact value", [b"{\"geometry\": {\"type\": \"Point\", \"coordinates\": [113.4, 33.3]}, \"facts\": {\"nature\": \"".as_slice(), b"\xFE\xFF", b"\"}}"].concat()),
    ] {
        cs.post_raw("invalid-utf8", format!("POST invalid UTF-8: {name}"), body);
    }

    // Wrong JSON types.
    let p = point(LEVEL2);
    for (name, body) in [
        ("array body", json!([p])),
        ("number body", json!(42)),
        ("string body", json!("113.4,33.3")),
        ("null body", json!(null)),
        ("true body", json!(true)),
        ("empty object", json!({})),
        ("geometry is a number", json!({"geometry": 1})),
        ("geometry is a string", json!({"geometry": "POINT(113.4 33.3)"})),
        ("geometry is null", json!({"geometry": null})),
        ("geometry is an array", json!({"geometry": [113.4, 33.3]})),
        ("geometry is true", json!({"geometry": true})),
        ("geometry is an empty object", json!({"geometry": {}})),
        ("geometry without type", json!({"geometry": {"coordinates": [113.4, 33.3]}})),
        ("geometry type is a number", json!({"geometry": {"type": 7, "coordinates": [113.4, 33.3]}})),
        ("unknown geometry type", json!({"geometry": {"type": "Circle", "coordinates": [113.4, 33.3], "radius": 5}})),
        ("lower-case geometry type", json!({"geometry": {"type": "point", "coordinates": [113.4, 33.3]}})),
        ("coordinates are strings", json!({"geometry": {"type": "Point", "coordinates": ["113.4", "33.3"]}})),
        ("coordinates is a string", json!({"geometry": {"type": "Point", "coordinates": "113.4 33.3"}})),
        ("coordinates is an object", json!({"geometry": {"type": "Point", "coordinates": {"x": 113.4, "y": 33.3}}})),
        ("coordinates contain null", json!({"geometry": {"type": "Point", "coordinates": [null, 33.3]}})),
        ("coordinates contain a boolean", json!({"geometry": {"type": "Point", "coordinates": [true, 33.3]}})),
        ("polygon coordinates one level too shallow", json!({"geometry": {"type": "Polygon", "coordinates": square(LEVEL2, 0.001)}})),
        ("point coordinates nested like a polygon", json!({"geometry": {"type": "Point", "coordinates": [square(LEVEL2, 0.001)]}})),
        ("facts is an array", json!({"geometry": p, "facts": ["industry", "3011"]})),
        ("facts is a string", json!({"geometry": p, "facts": "industry=3011"})),
        ("facts is a number", json!({"geometry": p, "facts": 3011})),
        ("fact value is an object", json!({"geometry": p, "facts": {"industry": {"code": "3011"}}})),
        ("fact value is an array", json!({"geometry": p, "facts": {"industry": ["3011", "1411"]}})),
        ("fact value is null", json!({"geometry": p, "facts": {"industry": null}})),
        ("crs is a number", json!({"geometry": p, "crs": 4490})),
        ("crs is an array", json!({"geometry": p, "crs": ["EPSG", 4490]})),
        ("crs is an object", json!({"geometry": p, "crs": {"type": "name", "properties": {"name": "EPSG:4490"}}})),
        ("radius_m is a string", json!({"geometry": p, "radius_m": "1km"})),
        ("radius_m is an array", json!({"geometry": p, "radius_m": [1000]})),
        ("towgs84 is an object", json!({"geometry": p, "crs": "xian80-gk3:38", "towgs84": {"dx": 24}})),
        ("towgs84 holds strings", json!({"geometry": p, "crs": "xian80-gk3:38", "towgs84": ["24", "-123", "-94"]})),
        ("towgs84 is a boolean", json!({"geometry": p, "crs": "xian80-gk3:38", "towgs84": true})),
        ("unknown top-level member", json!({"geometry": p, "site": p})),
        ("misspelt facts member", json!({"geometry": p, "fact": {"industry": "3011"}})),
        ("Feature with facts as array", json!({"type": "Feature", "geometry": p, "properties": {"facts": [1, 2]}})),
        ("Feature with crs as number", json!({"type": "Feature", "geometry": p, "properties": {"crs": 4526}})),
        ("Feature with towgs84 as object", json!({"type": "Feature", "geometry": p, "properties": {"crs": "xian80-gk3:38", "towgs84": {}}})),
        ("Feature with geometry as string", json!({"type": "Feature", "geometry": "POINT(113 33)", "properties": {}})),
        ("Feature with properties as array", json!({"type": "Feature", "geometry": p, "properties": [1]})),
        ("Feature with fact value as object", json!({"type": "Feature", "geometry": p, "properties": {"facts": {"nature": {"a": 1}}}})),
        ("FeatureCollection without features", json!({"type": "FeatureCollection"})),
        ("FeatureCollection with features as object", json!({"geometry": {"type": "FeatureCollection", "features": {"a": 1}}})),
        ("GeometryCollection without geometries", json!({"geometry": {"type": "GeometryCollection"}})),
    ] {
        cs.post("wrong-types", format!("POST wrong type: {name}"), body);
    }

    // Huge, non-finite and out-of-range numbers.
    for (name, c) in [
        ("longitude 1e308", json!([1e308, 33.3])),
        ("latitude -1e308", json!([113.4, -1e308])),
        ("both f64::MAX", json!([f64::MAX, f64::MAX])),
        ("f64::MIN and 0", json!([f64::MIN, 0.0])),
        ("longitude 181", json!([181.0, 33.3])),
        ("longitude -180.0001", json!([-180.0001, 33.3])),
        ("latitude 90.5", json!([113.4, 90.5])),
        ("latitude -91", json!([113.4, -91.0])),
        ("swapped lat/lon", json!([33.317817, 113.447392])),
        ("projected metres as degrees", json!([38_541_000.0, 3_688_000.0])),
        ("u64::MAX integer", json!([u64::MAX, 33])),
        ("i64::MIN integer", json!([i64::MIN, 33])),
        ("one number", json!([113.4])),
        ("no numbers", json!([])),
        ("subnormal and huge", json!([5e-324, 1e300])),
    ] {
        cs.post("huge-or-non-finite", format!("POST point {name}"), json!({"geometry": {"type": "Point", "coordinates": c}}));
    }
    for (name, r) in [("negative", json!(-1.0)), ("above 50 km", json!(50_001.0)), ("1e308", json!(1e308)), ("u64::MAX", json!(u64::MAX))] {
        cs.post_geometry("huge-or-non-finite", format!("POST radius_m {name}"), point(LEVEL2), json!({"radius_m": r}));
    }
    cs.post("huge-or-non-finite", "POST polygon vertex at 1e300", json!({"geometry": {"type": "Polygon", "coordinates": [[[113.4, 33.3], [1e300, 33.3], [113.5, 33.4], [113.4, 33.3]]]}}));
    cs.post("huge-or-non-finite", "POST Feature radius 1e200", json!({"type": "Feature", "geometry": point(LEVEL2), "properties": {"radius_m": 1e200}}));

    // Empty and degenerate geometries.
    let c = LEVEL2;
    for (name, g) in [
        ("Polygon without rings", json!({"type": "Polygon", "coordinates": []})),
        ("Polygon with an empty ring", json!({"type": "Polygon", "coordinates": [[]]})),
        ("Polygon ring of one point", json!({"type": "Polygon", "coordinates": [[c]]})),
        ("Polygon ring of two points", json!({"type": "Polygon", "coordinates": [[c, [c[0] + 0.01, c[1]]]]})),
        ("Polygon closed ring of three points (a line)", json!({"type": "Polygon", "coordinates": [[c, [c[0] + 0.01, c[1]], c]]})),
        ("Polygon with collinear ring (zero area)", json!({"type": "Polygon", "coordinates": [[c, [c[0] + 0.01, c[1]], [c[0] + 0.02, c[1]], c]]})),
        ("Polygon with all vertices equal", json!({"type": "Polygon", "coordinates": [[c, c, c, c]]})),
        ("Polygon with an unclosed ring", json!({"type": "Polygon", "coordinates": [[c, [c[0] + 0.01, c[1]], [c[0] + 0.01, c[1] + 0.01], [c[0], c[1] + 0.01]]]})),
        ("MultiPolygon without polygons", json!({"type": "MultiPolygon", "coordinates": []})),
        ("MultiPolygon with an empty polygon", json!({"type": "MultiPolygon", "coordinates": [[]]})),
        ("LineString without points", json!({"type": "LineString", "coordinates": []})),
        ("LineString of one point", json!({"type": "LineString", "coordinates": [c]})),
        ("LineString of one point repeated", json!({"type": "LineString", "coordinates": [c, c, c]})),
        ("MultiLineString without lines", json!({"type": "MultiLineString", "coordinates": []})),
        ("MultiLineString of empty lines", json!({"type": "MultiLineString", "coordinates": [[], []]})),
        ("MultiPoint without points", json!({"type": "MultiPoint", "coordinates": []})),
        ("MultiPoint with several points", json!({"type": "MultiPoint", "coordinates": [c, [c[0] + 0.1, c[1]]]})),
        ("empty GeometryCollection", json!({"type": "GeometryCollection", "geometries": []})),
        ("FeatureCollection with no features", json!({"type": "FeatureCollection", "features": []})),
        ("FeatureCollection of null geometries", json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": {}}]})),
        ("Feature with null geometry", json!({"type": "Feature", "geometry": null, "properties": {}})),
        ("mixed point and polygon", json!({"type": "GeometryCollection", "geometries": [point(c), {"type": "Polygon", "coordinates": [square(c, 0.01)]}]})),
        ("mixed line and polygon collection", json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [c, [c[0] + 0.01, c[1]]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [square(c, 0.01)]}}]})),
    ] {
        cs.post("degenerate-geometry", format!("POST degenerate: {name}"), json!({ "geometry": g }));
    }
    cs.post("degenerate-geometry", "POST degenerate: bare Feature body with null geometry", json!({"type": "Feature", "geometry": null, "properties": {}}));

    // Self-intersections and invalid rings.
    let (x, y) = (c[0], c[1]);
    for (name, rings) in [
        ("bow-tie", json!([[[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01], [x, y]]])),
        ("figure eight with a shared vertex crossing", json!([[[x, y], [x + 0.02, y + 0.02], [x + 0.02, y], [x, y + 0.02], [x, y]]])),
        ("spike folding back over itself", json!([[[x, y], [x + 0.02, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y]]])),
        ("hole outside its shell", json!([square(c, 0.01), square([x + 0.05, y + 0.05], 0.005)])),
        ("hole crossing its shell", json!([square(c, 0.01), square([x + 0.005, y + 0.005], 0.01)])),
        ("hole equal to its shell", json!([square(c, 0.01), square(c, 0.01)])),
        ("star pentagram", json!([[[x, y], [x + 0.02, y + 0.015], [x - 0.005, y + 0.015], [x + 0.015, y], [x + 0.008, y + 0.025], [x, y]]])),
    ] {
        cs.post("self-intersection", format!("POST self-intersecting polygon: {name}"), json!({"geometry": {"type": "Polygon", "coordinates": rings}}));
    }
    cs.post("self-intersection", "POST self-intersecting part of a MultiPolygon", json!({"geometry": {"type": "MultiPolygon", "coordinates": [
        [square(c, 0.01)], [[[x + 0.1, y], [x + 0.11, y + 0.01], [x + 0.11, y], [x + 0.1, y + 0.01], [x + 0.1, y]]]]}}));

    // Wrong CRS.
    let gk = point([38_541_000.0, 3_688_000.0]);
    for (name, g, extra) in [
        ("unknown crs name", point(c), json!({"crs": "mars2000"})),
        ("unknown EPSG code", point(c), json!({"crs": "EPSG:99999"})),
        ("EPSG code with letters", point(c), json!({"crs": "EPSG:45x6"})),
        ("EPSG code overflowing u32", point(c), json!({"crs": "EPSG:99999999999999999999"})),
        ("empty EPSG code", point(c), json!({"crs": "EPSG:"})),
        ("Gauss-Kruger zone 99", gk.clone(), json!({"crs": "cgcs2000-gk3:99"})),
        ("Gauss-Kruger 6 degree zone 40", gk.clone(), json!({"crs": "cgcs2000-gk6:40"})),
        ("Gauss-Kruger central meridian 115.5", gk.clone(), json!({"crs": "cgcs2000-gk3-cm:115.5"})),
        ("degrees sent with a projected crs", point(c), json!({"crs": "EPSG:4526"})),
        ("degrees sent with a Gauss-Kruger crs", point(c), json!({"crs": "cgcs2000-gk3:38"})),
        ("metres sent with gcj02", gk.clone(), json!({"crs": "gcj02"})),
        ("Xi'an 1980 without towgs84", gk.clone(), json!({"crs": "xian80-gk3:38"})),
        ("Beijing 1954 without towgs84", gk.clone(), json!({"crs": "bj54-gk3:38"})),
        ("towgs84 with wgs84", point(c), json!({"crs": "wgs84", "towgs84": "24,-123,-94"})),
        ("towgs84 of five numbers", gk.clone(), json!({"crs": "xian80-gk3:38", "towgs84": "1,2,3,4,5"})),
        ("towgs84 of text", gk.clone(), json!({"crs": "xian80-gk3:38", "towgs84": "a,b,c"})),
        ("towgs84 array of two", gk.clone(), json!({"crs": "xian80-gk3:38", "towgs84": [1, 2]})),
        ("towgs84 huge shift", gk.clone(), json!({"crs": "xian80-gk3:38", "towgs84": [1e300, 0, 0]})),
        ("EPSG code of a vertical crs", point(c), json!({"crs": "EPSG:5773"})),
        ("WKT instead of a name", point(c), json!({"crs": "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\"]]"})),
        ("PROJ string instead of a name", point(c), json!({"crs": "+proj=longlat +datum=WGS84"})),
        ("gk zone prefix disagreeing with crs", gk.clone(), json!({"crs": "cgcs2000-gk3:40"})),
    ] {
        cs.post_geometry("wrong-crs", format!("POST wrong crs: {name}"), g, extra);
    }
    cs.post("wrong-crs", "POST legacy crs member disagreeing", json!({"geometry": {"type": "Point", "coordinates": c, "crs": {"type": "name", "properties": {"name": "EPSG:4526"}}}, "crs": "wgs84"}));
    cs.post("wrong-crs", "POST legacy crs member without request crs", json!({"geometry": {"type": "Point", "coordinates": c, "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}}));
    cs.post("wrong-crs", "POST Feature with unknown properties.crs", json!({"type": "Feature", "geometry": point(c), "properties": {"crs": "EPSG:0"}}));

    // Unknown industry codes and bad facts.
    for (name, facts) in [
        ("industry 9999", json!({"industry": "9999"})),
        ("industry letters", json!({"industry": "abcd"})),
        ("industry empty", json!({"industry": ""})),
        ("industry far too long", json!({"industry": "3011".repeat(100)})),
        ("industry negative number", json!({"industry": -3011})),
        ("industry fractional", json!({"industry": 30.11})),
        ("industry Chinese name that is no class", json!({"industry": "造火箭"})),
        ("industry with SQL", json!({"industry": "3011' OR '1'='1"})),
        ("nature unknown", json!({"nature": "rebuild-ish"})),
        ("nature number", json!({"nature": 3})),
        ("boolean fact unreadable", json!({"discharges_pollutants": "perhaps"})),
        ("unknown fact name", json!({"colour": "red"})),
        ("empty fact name", json!({"": "x"})),
        ("path-like fact name", json!({"../../etc/passwd": "x"})),
    ] {
        cs.post_geometry("unknown-facts", format!("POST bad fact: {name}"), point(c), json!({ "facts": facts }));
    }

    // Oversized bodies.
    let big_string = format!("{{\"geometry\": {{\"type\": \"Point\", \"coordinates\": [113.4, 33.3]}}, \"crs\": \"{}\"}}", "x".repeat(MAX_BODY));
    cs.post_raw("oversized", "POST body one byte over the limit", vec![b' '; MAX_BODY + 1]);
    cs.post_raw("oversized", "POST body far over the limit", vec![b'['; MAX_BODY * 3]);
    cs.post_raw("oversized", "POST valid JSON over the limit", big_string);
    let ring: Vec<[f64; 2]> = (0..=MAX_VERTICES + 1)
        .map(|i| {
            let t = (i % (MAX_VERTICES + 1)) as f64 / (MAX_VERTICES + 1) as f64 * std::f64::consts::TAU;
            [c[0] + 0.01 * t.cos(), c[1] + 0.01 * t.sin()]
        })
        .collect();
    cs.post("oversized", "POST polygon over the vertex limit", json!({"geometry": {"type": "Polygon", "coordinates": [ring]}}));
    let points: Vec<Value> = (0..MAX_VERTICES + 1).map(|_| json!({"type": "Point", "coordinates": c})).collect();
    cs.post("oversized", "POST collection over the vertex limit", json!({"geometry": {"type": "GeometryCollection", "geometries": points}}));

    // Output format.
    cs.add("query-params", "POST f=xml", "POST", "/v1/assessments?f=xml", &[("content-type", "application/json")], serde_json::to_vec(&json!({"geometry": point(c), "facts": required_facts()})).expect("json"));
    cs.add("invalid-utf8", "POST query with invalid percent-encoded UTF-8", "POST", "/v1/assessments?f=%FF", &[("content-type", "application/json")], serde_json::to_vec(&json!({"geometry": point(c), "facts": required_facts()})).expect("json"));
}

fn get_assessment_cases(cs: &mut Cases) {
    let base = "/v1/assessments";
    for (name, q) in [
        ("no parameters", ""),
        ("lon only", "lon=113.447392"),
        ("lat only", "lat=33.317817"),
        ("lon not a number", "lon=abc&lat=33.3"),
        ("lat empty", "lon=113.4&lat="),
        ("lon NaN", "lon=NaN&lat=33.3"),
        ("lat nan lower case", "lon=113.4&lat=nan"),
        ("lon inf", "lon=inf&lat=33.3"),
        ("lat -Infinity", "lon=113.4&lat=-Infinity"),
        ("lon 1e400 overflowing", "lon=1e400&lat=33.3"),
        ("lon 1e308", "lon=1e308&lat=33.3"),
        ("lon 181", "lon=181&lat=33.3"),
        ("lat -90.0001", "lon=113.4&lat=-90.0001"),
        ("swapped lon/lat", "lon=33.317817&lat=113.447392"),
        ("hex lon", "lon=0x71&lat=33.3"),
        ("lon with comma decimal", "lon=113,4&lat=33.3"),
        ("lon with unit", "lon=113.4deg&lat=33.3"),
        ("at and lon both", "at=113.4%2033.3&lon=113.4"),
        ("at empty", "at="),
        ("at one value", "at=113.4"),
        ("at three values", "at=113.4%2033.3%2012"),
        ("at minutes 60", "at=113%C2%B060'E%2033%C2%B016'N"),
        ("at seconds 61", "at=113%C2%B030'61%22E%2033%C2%B016'N"),
        ("at two latitudes", "at=33.3N%2034.1N"),
        ("at sign and hemisphere", "at=-113.4E%2033.3N"),
        ("at DMS without marks", "at=113%2030%2015%2033%2016%2020"),
        ("at garbage", "at=hello%20world"),
        ("at degrees with projected crs", "at=113%C2%B030'E%2033%C2%B016'N&crs=EPSG:4526"),
        ("at NaN pair", "at=NaN%20NaN"),
        ("at huge exponent", "at=1e999%2033.3"),
        ("at path-like", "at=..%2F..%2Fetc%2Fpasswd"),
        ("crs unknown", "lon=113.4&lat=33.3&crs=mars2000"),
        ("crs path-like", "lon=113.4&lat=33.3&crs=..%2F..%2Fetc%2Fpasswd"),
        ("crs file URL", "lon=113.4&lat=33.3&crs=file%3A%2F%2F%2Fetc%2Fpasswd"),
        ("crs absolute path", "lon=113.4&lat=33.3&crs=%2Fusr%2Fshare%2Fproj%2Fproj.db"),
        ("crs EPSG unknown", "lon=113.4&lat=33.3&crs=EPSG:123456"),
        ("crs xian80 without towgs84", "lon=38541000&lat=3688000&crs=xian80-gk3:38"),
        ("towgs84 without old datum", "lon=113.4&lat=33.3&towgs84=1,2,3"),
        ("towgs84 unreadable", "lon=38541000&lat=3688000&crs=xian80-gk3:38&towgs84=one,two,three"),
        ("towgs84 NaN", "lon=38541000&lat=3688000&crs=xian80-gk3:38&towgs84=NaN,0,0"),
        ("industry unknown", "lon=113.4&lat=33.3&industry=9999"),
        ("industry path-like", "lon=113.4&lat=33.3&industry=..%2F..%2Fetc%2Fpasswd"),
        ("nature unknown", "lon=113.4&lat=33.3&nature=whatever"),
        ("unknown fact", "lon=113.4&lat=33.3&colour=red"),
        ("f=xml", "lon=113.447392&lat=33.317817&f=xml"),
        ("radius_m negative", "lon=113.447392&lat=33.317817&radius_m=-5"),
        ("radius_m NaN", "lon=113.447392&lat=33.317817&radius_m=NaN"),
        ("radius_m inf", "lon=113.447392&lat=33.317817&radius_m=inf"),
        ("radius_m text", "lon=113.447392&lat=33.317817&radius_m=far"),
        ("radius_m huge", "lon=113.447392&lat=33.317817&radius_m=1e300"),
    ] {
        let target = if q.is_empty() { base.to_string() } else { format!("{base}?{q}") };
        let target = match (target.contains("industry="), target.contains("nature=")) {
            (false, false) => format!("{target}{}industry=1411&nature=new", if q.is_empty() { '?' } else { '&' }),
            (true, false) => format!("{target}&nature=new"),
            (false, true) => format!("{target}&industry=1411"),
            (true, true) => target,
        };
        let category = if name.contains("path-like") || name.contains("file URL") || name.contains("absolute path") {
            "path-like"
        } else if name.contains("crs") || name.contains("towgs84") {
            "wrong-crs"
        } else if name.contains("industry") || name.contains("fact") || name.contains("nature") {
            "unknown-facts"
        } else {
            "query-params"
        };
        cs.get(category, format!("GET assessment: {name}"), target);
    }
    cs.get("invalid-utf8", "GET assessment: invalid percent-encoded UTF-8 in lon", format!("{base}?lon=%FF&lat=33.3"));
    cs.get("invalid-utf8", "GET assessment: invalid percent-encoded UTF-8 in a fact name", format!("{base}?lon=113.4&lat=33.3&%C0%AF=1"));
    cs.get("invalid-utf8", "GET assessment: invalid percent-encoded UTF-8 in at", format!("{base}?at=%E4%B8"));
    cs.get("query-params", "GET assessment: very long at", format!("{base}?at={}", "1".repeat(6000)));
}

fn upload_cases(cs: &mut Cases) {
    let facts = br#"{"industry": "1411", "nature": "new"}"#.as_slice();
    let jzd_header = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=38\n[地块坐标]\n";
    let jzd = |body: &str| format!("{jzd_header}{body}").into_bytes();
    // Not multipart at all.
    cs.upload_raw("bad-multipart", "upload: no content type", "", b"file=abc".to_vec());
    cs.upload_raw("bad-multipart", "upload: JSON content type", "application/json", br#"{"file": "abc"}"#.to_vec());
    cs.upload_raw("bad-multipart", "upload: multipart without boundary", "multipart/form-data", b"--x\r\n\r\n--x--".to_vec());
    cs.upload_raw("bad-multipart", "upload: empty boundary", "multipart/form-data; boundary=", b"--\r\n\r\n----".to_vec());
    cs.upload_raw("bad-multipart", "upload: body with a different boundary", "multipart/form-data; boundary=AAA", multipart("BBB", &[("file", Some("a.txt"), b"x")]));
    cs.upload_raw("bad-multipart", "upload: empty body", "multipart/form-data; boundary=AAA", Vec::new());
    cs.upload_raw("bad-multipart", "upload: truncated part", "multipart/form-data; boundary=AAA", b"--AAA\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n[\xe5\x9c\xb0".to_vec());
    cs.upload_raw("bad-multipart", "upload: part without headers end", "multipart/form-data; boundary=AAA", b"--AAA\r\nContent-Disposition: form-data; name=\"file\"".to_vec());
    cs.upload_raw("bad-multipart", "upload: part without content-disposition", "multipart/form-data; boundary=AAA", b"--AAA\r\nContent-Type: text/plain\r\n\r\nabc\r\n--AAA--\r\n".to_vec());
    cs.upload_raw("bad-multipart", "upload: garbage after boundary", "multipart/form-data; boundary=AAA", b"--AAAgarbage\r\n\r\n--AAA--".to_vec());
    cs.upload_raw("bad-multipart", "upload: only the closing boundary", "multipart/form-data; boundary=AAA", b"--AAA--\r\n".to_vec());
    cs.upload_raw("bad-multipart", "upload: text/plain", "text/plain", b"113.4 33.3".to_vec());
    cs.upload_raw("bad-multipart", "upload: multipart/mixed", "multipart/mixed; boundary=AAA", multipart("AAA", &[("file", Some("a.txt"), b"x")]));
    // Parts.
    cs.upload("bad-multipart", "upload: no parts besides facts", &[("facts", None, facts)]);
    cs.upload("bad-multipart", "upload: two file parts", &[("file", Some("a.txt"), &jzd("")), ("file", Some("b.txt"), &jzd(""))]);
    cs.upload("bad-multipart", "upload: unknown part", &[("file", Some("a.txt"), &jzd("")), ("geometry", None, b"{}")]);
    cs.upload("bad-multipart", "upload: part without a name", &[("", Some("a.txt"), b"abc")]);
    cs.upload("bad-multipart", "upload: facts not JSON", &[("file", Some("a.txt"), &jzd("")), ("facts", None, b"industry=1411")]);
    cs.upload("bad-multipart", "upload: facts a JSON array", &[("file", Some("a.txt"), &jzd("")), ("facts", None, b"[1,2]")]);
    cs.upload("bad-multipart", "upload: fact value an object", &[("file", Some("a.txt"), &jzd("")), ("facts", None, br#"{"industry": {}}"#)]);
    cs.upload("unknown-facts", "upload: unknown industry", &[("file", Some("a.txt"), &jzd("")), ("facts", None, br#"{"industry": "9999"}"#)]);
    cs.upload("unknown-facts", "upload: unknown fact", &[("file", Some("a.txt"), &jzd("")), ("facts", None, br#"{"colour": "red"}"#)]);
    cs.upload("invalid-utf8", "upload: facts part not UTF-8", &[("file", Some("a.txt"), &jzd("")), ("facts", None, b"{\"nature\": \"\xff\"}")]);
    cs.upload("invalid-utf8", "upload: crs part not UTF-8", &[("file", Some("a.txt"), &jzd("")), ("crs", None, b"\xff\xfe")]);
    cs.upload("wrong-crs", "upload: unknown crs part", &[("file", Some("a.csv"), b"x,y\n1,2\n"), ("crs", None, b"mars2000")]);
    cs.upload("wrong-crs", "upload: towgs84 without old datum", &[("file", Some("a.csv"), b"x,y\n1,2\n"), ("crs", None, b"wgs84"), ("towgs84", None, b"1,2,3")]);
    cs.upload("wrong-crs", "upload: xian80 without towgs84", &[("file", Some("a.csv"), b"x,y\n1,2\n"), ("crs", None, b"xian80-gk3:38")]);
    cs.upload("huge-or-non-finite", "upload: radius_m not a number", &[("file", Some("a.txt"), &jzd("")), ("radius_m", None, b"far")]);
    cs.upload("huge-or-non-finite", "upload: radius_m NaN", &[("file", Some("a.txt"), &jzd("")), ("radius_m", None, b"NaN")]);
    cs.upload("huge-or-non-finite", "upload: radius_m inf", &[("file", Some("a.txt"), &jzd("")), ("radius_m", None, b"inf")]);
    // Files.
    cs.upload("bad-file", "upload: empty file", &[("file", Some("a.geojson"), b"")]);
    cs.upload("bad-file", "upload: unknown binary content", &[("file", Some("a.bin"), b"\x00\x01\x02\x03\xff")]);
    cs.upload("bad-file", "upload: unknown content without name", &[("file", None, b"hello world")]);
    cs.upload("bad-file", "upload: lone .shp", &[("file", Some("a.shp"), b"\x00\x00\x27\x0a")]);
    cs.upload("bad-file", "upload: .dwg", &[("file", Some("a.dwg"), b"AC1027")]);
    cs.upload("bad-file", "upload: .xls", &[("file", Some("a.xls"), b"\xd0\xcf\x11\xe0")]);
    cs.upload("bad-file", "upload: .zip that is not a zip", &[("file", Some("a.zip"), b"not a zip")]);
    cs.upload("bad-file", "upload: .xlsx that is not a zip", &[("file", Some("a.xlsx"), b"not a zip")]);
    cs.upload("bad-file", "upload: truncated zip", &[("file", Some("a.zip"), b"PK\x03\x04\x14\x00\x00\x00")]);
    cs.upload("bad-file", "upload: empty zip", &[("file", Some("a.zip"), b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")]);
    cs.upload("bad-file", "upload: GeoJSON broken", &[("file", Some("a.geojson"), b"{\"type\": \"FeatureCollection\", \"features\": [")]);
    cs.upload("bad-file", "upload: GeoJSON of points only", &[("file", Some("a.geojson"), br#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[113.4,33.3]}}"#)]);
    cs.upload("bad-file", "upload: GeoJSON zero-area polygon", &[("file", Some("a.geojson"), br#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[113.4,33.3],[113.5,33.3],[113.6,33.3],[113.4,33.3]]]}}"#)]);
    cs.upload("bad-file", "upload: KML broken", &[("file", Some("a.kml"), b"<kml><Document><Placemark>")]);
    cs.upload("bad-file", "upload: DXF without entities", &[("file", Some("a.dxf"), b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n")]);
    cs.upload("bad-file", "upload: gpkg that is not SQLite", &[("file", Some("a.gpkg"), b"SQLite format 2\0")]);
    cs.upload("bad-file", "upload: CSV without coordinate columns", &[("file", Some("a.csv"), b"name,value\na,1\n")]);
    cs.upload("bad-file", "upload: CSV with text coordinates", &[("file", Some("a.csv"), "地块,经度,纬度\n甲,东,北\n甲,1,2\n".as_bytes())]);
    cs.upload("bad-file", "upload: CSV lon/lat out of range", &[("file", Some("a.csv"), b"parcel,lon,lat\nA,500,33\nA,501,33\nA,501,34\n")]);
    cs.upload("bad-file", "upload: CSV projected metres without crs", &[("file", Some("a.csv"), b"parcel,x,y\nA,3688000,38541000\nA,3688000,38541200\nA,3688200,38541200\n")]);
    cs.upload("bad-file", "upload: txt neither jzd nor table", &[("file", Some("a.txt"), b"just some notes\n")]);
    cs.upload("bad-file", "upload: jzd with no parcels", &[("file", Some("a.txt"), &jzd(""))]);
    cs.upload("bad-file", "upload: jzd with a text coordinate", &[("file", Some("a.txt"), &jzd("4,1,1,甲,面,,,,@\nJ1,1,3688000,38541000\nJ2,1,北,38541100\n"))]);
    cs.upload("bad-file", "upload: jzd with an unknown 坐标系", &[("file", Some("a.txt"), "[属性描述]\n坐标系=火星坐标系\n[地块坐标]\n4,1,1,甲,面,,,,@\nJ1,1,3688000,38541000\n".as_bytes())]);
    cs.upload("bad-file", "upload: jzd with 几度分带=5", &[("file", Some("a.txt"), "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=5\n带号=38\n[地块坐标]\n4,1,1,甲,面,,,,@\nJ1,1,3688000,38541000\nJ2,1,3688000,38541100\nJ3,1,3688100,38541100\nJ1,1,3688000,38541000\n".as_bytes())]);
    cs.upload("bad-file", "upload: jzd with 带号 disagreeing with prefix", &[("file", Some("a.txt"), "[属性描述]\n坐标系=2000国家大地坐标系\n带号=40\n[地块坐标]\n4,1,1,甲,面,,,,@\nJ1,1,3688000,38541000\nJ2,1,3688000,38541100\nJ3,1,3688100,38541100\nJ1,1,3688000,38541000\n".as_bytes())]);
    cs.upload("bad-file", "upload: jzd zero-area parcel", &[("file", Some("a.txt"), &jzd("4,1,1,甲,面,,,,@\nJ1,1,3688000,38541000\nJ2,1,3688000,38541100\nJ3,1,3688000,38541200\nJ1,1,3688000,38541000\n"))]);
    cs.upload("invalid-utf8", "upload: jzd neither UTF-8 nor GBK", &[("file", Some("a.txt"), b"[\xe5\x9c\xb0\xe5\x9d\x97\xe5\x9d\x90\xe6\xa0\x87]\n\x80\xff\xfe\x81\n")]);
    cs.upload("path-like", "upload: path-like file name", &[("file", Some("../../../etc/passwd"), b"root:x:0:0:root:/root:/bin/bash\n")]);
    cs.upload("path-like", "upload: absolute file name", &[("file", Some("/etc/passwd"), b"root:x:0:0\n")]);
    cs.upload("path-like", "upload: vsi path as file name", &[("file", Some("/vsicurl/http://127.0.0.1:1/x.geojson"), b"{\"type\": 1}")]);
    cs.upload("path-like", "upload: Windows path file name", &[("file", Some("..\\..\\boot.ini"), b"[boot loader]\n")]);
    cs.upload("path-like", "upload: GeoJSON pointing GDAL at a local file", &[("file", Some("a.json"), br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":"/etc/passwd"}}]}"#)]);
    cs.upload("path-like", "upload: crs part naming a file", &[("file", Some("a.csv"), b"x,y\n1,2\n"), ("crs", None, b"/etc/passwd")]);
    // Oversized.
    cs.upload("oversized", "upload: file over the upload limit", &[("file", Some("a.txt"), &vec![b'0'; MAX_UPLOAD + 1])]);
    let many: String = (0..=MAX_VERTICES + 1).map(|i| format!("J{i},1,{},{}\n", 3_688_000 + (i % 7) * 10, 38_541_000 + i)).collect();
    cs.upload("oversized", "upload: jzd over the vertex limit", &[("file", Some("a.txt"), &jzd(&format!("{},1,1,甲,面,,,,@\n{many}", MAX_VERTICES + 2)))]);
}

fn lookup_cases(cs: &mut Cases) {
    // Zones.
    for (name, code) in [
        ("unknown code", "ZH00000000000"),
        ("path-like code", "..%2F..%2FCargo.toml"),
        ("dot-dot code", ".."),
        ("encoded NUL", "%00"),
        ("SQL in code", "x'%20OR%20'1'='1"),
        ("very long code", &"Z".repeat(8000)),
        ("percent-encoded Chinese", "%E7%BA%A2%E7%BA%BF"),
    ] {
        let cat = if name.contains("path") || name.contains("dot") { "path-like" } else { "lookups" };
        cs.get(cat, format!("GET zone: {name}"), format!("/v1/zones/{code}"));
    }
    cs.get("invalid-utf8", "GET zone: invalid percent-encoded UTF-8", "/v1/zones/%FF%FE");
    cs.get("lookups", "GET zone: missing code", "/v1/zones/");
    cs.get("query-params", "GET industries: limit not a number", "/v1/industries?limit=many");
    cs.get("query-params", "GET industries: negative limit", "/v1/industries?limit=-1");
    cs.get("invalid-utf8", "GET industries: invalid percent-encoded UTF-8", "/v1/industries?q=%FF");

    // OGC API – Features.
    let items = "/collections/control_units/items";
    for (name, q) in [
        ("bbox letters", "bbox=a,b,c,d"),
        ("bbox three numbers", "bbox=113,33,114"),
        ("bbox five numbers", "bbox=113,33,0,114,34"),
        ("bbox seven numbers", "bbox=1,2,3,4,5,6,7"),
        ("bbox NaN", "bbox=NaN,33,114,34"),
        ("bbox inf", "bbox=113,33,inf,34"),
        ("bbox 1e400", "bbox=113,33,1e400,34"),
        ("bbox west 200", "bbox=200,33,114,34"),
        ("bbox north 95", "bbox=113,33,114,95"),
        ("bbox south above north", "bbox=113,34,114,33"),
        ("bbox zmin above zmax", "bbox=113,33,100,114,34,0"),
        ("bbox empty", "bbox="),
        ("bbox only commas", "bbox=,,,"),
        ("bbox semicolons", "bbox=113;33;114;34"),
        ("limit zero", "limit=0"),
        ("limit negative", "limit=-1"),
        ("limit fractional", "limit=1.5"),
        ("limit text", "limit=all"),
        ("limit empty", "limit="),
        ("offset negative", "offset=-1"),
        ("offset text", "offset=next"),
        ("offset with sign", "offset=%2B5"),
        ("datetime garbage", "datetime=yesterday"),
        ("datetime month 13", "datetime=2024-13-01"),
        ("datetime hour 25", "datetime=2024-01-01T25:00:00Z"),
        ("datetime three parts", "datetime=2024-01-01/2024-02-01/2024-03-01"),
        ("datetime without zone", "datetime=2024-01-01T00:00:00"),
        ("datetime empty", "datetime="),
        ("unknown parameter", "colour=red"),
        ("repeated limit", "limit=1&limit=2"),
        ("f=xml", "f=xml"),
        ("kind unknown", "kind=volcano"),
        ("code empty", "code="),
        ("name_contains empty", "name_contains=%20"),
        ("path-like parameter value", "code=..%2F..%2Fetc%2Fpasswd&kind=..%2F"),
    ] {
        let cat = if name.contains("path-like") { "path-like" } else { "ogc-params" };
        cs.get(cat, format!("OGC items: {name}"), format!("{items}?{q}"));
    }
    cs.get("invalid-utf8", "OGC items: invalid percent-encoded UTF-8 value", format!("{items}?name=%FF"));
    cs.get("invalid-utf8", "OGC items: invalid percent-encoded UTF-8 key", format!("{items}?%FF=1"));
    cs.get("ogc-params", "OGC collection: unknown", "/collections/volcanoes");
    cs.get("path-like", "OGC collection: path-like id", "/collections/..%2F..%2Fetc%2Fpasswd");
    cs.get("invalid-utf8", "OGC collection: invalid UTF-8 id", "/collections/%FF");
    cs.get("ogc-params", "OGC collection: unknown parameter", "/collections/control_units?bbox=1,2,3,4");
    cs.get("ogc-params", "OGC collection: f=xml", "/collections/control_units?f=xml");
    cs.get("ogc-params", "OGC feature: unknown id", "/collections/control_units/items/NOPE");
    cs.get("invalid-utf8", "OGC feature: invalid UTF-8 id", "/collections/control_units/items/%C3%28");
    cs.get("ogc-params", "OGC feature: unknown parameter", "/collections/control_units/items/ZH41048110001?limit=1");
    cs.get("ogc-params", "OGC collections: unknown parameter", "/collections?bbox=1,2,3,4");
    cs.get("ogc-params", "OGC conformance: f=html", "/conformance?f=html");
    cs.get("ogc-params", "OGC landing: f=xml", "/?f=xml");
    cs.get("invalid-utf8", "OGC landing: invalid query encoding", "/?f=%FF");

    // Vector tiles.
    for (name, path) in [
        ("zoom not a number", "/tiles/zones/a/0/0.mvt"),
        ("zoom 99", "/tiles/zones/99/0/0.mvt"),
        ("zoom negative", "/tiles/zones/-1/0/0.mvt"),
        ("x outside zoom", "/tiles/zones/1/2/0.mvt"),
        ("y outside zoom", "/tiles/zones/1/0/5.mvt"),
        ("y overflowing u32", "/tiles/zones/3/0/99999999999.mvt"),
        ("x fractional", "/tiles/zones/3/1.5/0.mvt"),
        ("png extension", "/tiles/zones/0/0/0.png"),
        ("no extension", "/tiles/zones/0/0/0"),
        ("unknown tileset", "/tiles/volcanoes/0/0/0.mvt"),
        ("path-like tileset", "/tiles/..%2F..%2Fetc/0/0/0.mvt"),
        ("extra path segment", "/tiles/zones/1/0/0/0.mvt"),
        ("unknown tilejson", "/tiles/volcanoes.json"),
        ("tilejson without extension", "/tiles/zones"),
        ("tilejson path-like", "/tiles/..%2Fstyles%2Fecogate.json"),
    ] {
        let cat = if name.contains("path-like") { "path-like" } else { "tiles" };
        cs.get(cat, format!("tiles: {name}"), path);
    }
    cs.get("invalid-utf8", "tiles: invalid UTF-8 tileset", "/tiles/%FF/0/0/0.mvt");
    cs.get("invalid-utf8", "tiles: invalid UTF-8 tilejson", "/tiles/%FF.json");

    // Glyphs.
    let font = "WenQuanYi%20Micro%20Hei";
    for (name, path) in [
        ("unknown fontstack", "/fonts/Comic%20Sans/0-255.pbf".to_string()),
        ("range not aligned", format!("/fonts/{font}/1-256.pbf")),
        ("range too wide", format!("/fonts/{font}/0-511.pbf")),
        ("range beyond the BMP", format!("/fonts/{font}/65536-65791.pbf")),
        ("range text", format!("/fonts/{font}/all.pbf")),
        ("range reversed", format!("/fonts/{font}/255-0.pbf")),
        ("range overflowing", format!("/fonts/{font}/99999999999999999999-100000000000000000254.pbf")),
        ("png extension", format!("/fonts/{font}/0-255.png")),
        ("path-like fontstack", "/fonts/..%2F..%2Fetc/0-255.pbf".to_string()),
        ("path-like range", format!("/fonts/{font}/..%2F..%2Fpasswd.pbf")),
    ] {
        let cat = if name.contains("path-like") { "path-like" } else { "fonts" };
        cs.get(cat, format!("fonts: {name}"), path);
    }
    cs.get("invalid-utf8", "fonts: invalid UTF-8 fontstack", "/fonts/%FF/0-255.pbf");

    // Static files: nothing outside web/ may be served.
    for (name, path) in [
        ("dot-dot", "/web/../Cargo.toml"),
        ("dot-dot twice", "/web/../../etc/passwd"),
        ("encoded dot-dot", "/web/%2e%2e/Cargo.toml"),
        ("encoded dot-dot upper case", "/web/%2E%2E/Cargo.toml"),
        ("encoded slash", "/web/..%2fCargo.toml"),
        ("fully encoded", "/web/%2e%2e%2fCargo.toml"),
        ("encoded backslash", "/web/..%5cCargo.toml"),
        ("double-encoded dot-dot", "/web/%252e%252e/Cargo.toml"),
        ("overlong UTF-8 dots", "/web/%c0%ae%c0%ae/Cargo.toml"),
        ("absolute path", "/web//etc/passwd"),
        ("encoded absolute path", "/web/%2fetc%2fpasswd"),
        ("nested escape", "/web/vendor/../../Cargo.toml"),
        ("dots and slashes", "/web/....//Cargo.toml"),
        ("NUL byte", "/web/index.html%00.js"),
        ("missing file", "/web/no-such-file.js"),
        ("source file", "/web/../src/main.rs"),
        ("git config", "/web/../.git/config"),
        ("root dot-dot", "/../Cargo.toml"),
    ] {
        cs.get("path-like", format!("web: {name}"), path);
    }

    // Methods and routes.
    for (name, method, path) in [
        ("DELETE assessments", "DELETE", "/v1/assessments"),
        ("PUT assessments", "PUT", "/v1/assessments"),
        ("GET upload", "GET", "/v1/assessments/upload"),
        ("POST zone", "POST", "/v1/zones/ZH41048110001"),
        ("POST healthz", "POST", "/healthz"),
        ("PATCH collections", "PATCH", "/collections"),
        ("POST tiles", "POST", "/tiles/zones/0/0/0.mvt"),
        ("unknown route", "GET", "/v2/assessments"),
        ("unknown admin route", "GET", "/admin/../etc/passwd"),
    ] {
        cs.add("routes-methods", format!("route: {name}"), method, path, &[], Vec::new());
    }
}

fn all_cases() -> Vec<Case> {
    let mut cs = Cases::default();
    post_body_cases(&mut cs);
    get_assessment_cases(&mut cs);
    upload_cases(&mut cs);
    lookup_cases(&mut cs);
    cs.0
}

#[test]
fn every_malformed_request_gets_a_helpful_4xx_problem_and_the_server_survives() {
    let cases = all_cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names must be distinct");
    assert!(cases.len() >= 200, "the suite must hold at least 200 requests, it has {}", cases.len());

    let server = Server::start_with(&[
        "--max-body-bytes",
        &MAX_BODY.to_string(),
        "--max-upload-bytes",
        &MAX_UPLOAD.to_string(),
        "--max-vertices",
        &MAX_VERTICES.to_string(),
    ]);
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut by_category: BTreeMap<&str, (usize, BTreeMap<u16, usize>)> = BTreeMap::new();
    for case in &cases {
        match send(server.port, case) {
            Ok(answer) => {
                let entry = by_category.entry(case.category).or_default();
                entry.0 += 1;
                *entry.1.entry(answer.status).or_default() += 1;
                if let Some(why) = violation(&answer) {
                    failures.push(format!("{} ({} {}): {why}", case.name, case.method, truncate(&case.target)));
                }
            }
            Err(e) => failures.push(format!("{} ({} {}): no answer: {e}", case.name, case.method, truncate(&case.target))),
        }
    }
    let elapsed = started.elapsed();

    println!("{} malformed requests in {:.1} s", cases.len(), elapsed.as_secs_f64());
    for (category, (n, statuses)) in &by_category {
        let s: Vec<String> = statuses.iter().map(|(st, k)| format!("{st}×{k}")).collect();
        println!("  {category:<20} {n:>4}  {}", s.join(" "));
    }

    // Alive and still answering correctly after all of it.
    let health = client().get(server.url("/healthz")).send().expect("GET /healthz after the suite");
    assert_eq!(health.status(), 200, "the server must survive the suite: {}", server.log_text());
    let ok = client().get(server.url(&format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", LEVEL2[0], LEVEL2[1]))).send().expect("GET");
    assert_eq!(ok.status(), 200, "a good request still works after the suite");
    assert!(!server.log_text().contains("panicked"), "no handler panicked:\n{}", server.log_text());
    assert!(failures.is_empty(), "{} of {} malformed requests broke the contract:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_string()
    }
}
