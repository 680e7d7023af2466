//! OGC API – Features – Part 1: Core (OGC 17-069r4) over the zone layers: one collection per manifest layer, features
//! as GeoJSON in CRS84.
//!
//! - Coordinates are the engine's EPSG:4490 (CGCS2000) lon/lat, output as they are: CGCS2000 and WGS84 differ by
//!   centimetres, far below the precision of any zoning boundary, so no transformation is applied.
//! - Feature ids are the zone code; where a code repeats within a layer each feature gets `code.fid` (its source
//!   feature id), so ids are unique within a collection and stable for a dataset version.
//! - Every query parameter not listed in the OpenAPI document is refused with 400 (`/req/core/query-param-unknown`),
//!   naming the ones the endpoint supports; the HTML map page at `GET /` is the one exception, it is not OGC.
//! - The layers carry no temporal property: `datetime` is validated but selects every feature, and collections have
//!   no temporal extent.

use super::error::{ApiError, Problem};
use super::AppState;
use crate::assess::Engine;
use crate::index::ZoneId;
use crate::ingest::LayerSummary;
use crate::zone::{Zone, ZoneDetail, ZoneKind};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use axum::Router;
use geo::{BoundingRect, Coord, Orient, Rect};
use geojson::{Feature, JsonObject};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The conformance classes declared at `/conformance`: only those implemented (no HTML encoding, no CRS or filter
/// extensions). Not `oas30`: the API description is OpenAPI 3.1 (what utoipa 5 writes), and that class promises 3.0.
pub const CONFORMANCE: [&str; 2] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
/// The media type of `/openapi.json`, as the landing page's `service-desc` link announces it.
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.1";
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// Query parameters of `/collections/{collectionId}/items`.
const ITEM_PARAMS: [&str; 10] = ["bbox", "datetime", "limit", "offset", "code", "name", "name_contains", "kind", "grade", "f"];

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(root))
        .route("/conformance", get(conformance))
        .route("/collections", get(collections))
        .route("/collections/{collectionId}", get(collection))
        .route("/collections/{collectionId}/items", get(items))
        .route("/collections/{collectionId}/items/{featureId}", get(feature))
}

// ---------------------------------------------------------------------------------------------------------------
// Documents (their schemas go into the OpenAPI document).

/// A link (RFC 8288) as OGC API documents carry them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: String,
    #[serde(rename = "type")]
    pub media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

fn link(href: String, rel: &str, media_type: &str, title: &str) -> Link {
    Link { href, rel: rel.into(), media_type: media_type.into(), title: (!title.is_empty()).then(|| title.into()) }
}

/// The landing page (`GET /` for JSON clients).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LandingPage {
    pub title: String,
    pub description: String,
    pub dataset_version: String,
    pub links: Vec<Link>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<Collection>,
}

/// One zone layer as a feature collection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub description: String,
    pub links: Vec<Link>,
    /// Absent for a layer without zones. No temporal extent: the layers carry no time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<Extent>,
    #[serde(rename = "itemType")]
    pub item_type: String,
    pub crs: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpatialExtent {
    /// One box: west, south, east, north in CRS84 degrees.
    pub bbox: Vec<Vec<f64>>,
    pub crs: String,
}

/// A page of features (`application/geo+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeatureCollectionPage {
    #[serde(rename = "type")]
    #[schema(example = "FeatureCollection")]
    pub kind: String,
    /// GeoJSON Features (RFC 7946): `id` is the feature id, `properties` code, name, kind, grade, grade_zh,
    /// subclass, layer, the access-list requirements present in the layer and, for control units, the prohibited
    /// and restricted GB/T 4754-2017 industry codes.
    #[schema(value_type = Vec<Object>)]
    pub features: Vec<Feature>,
    pub links: Vec<Link>,
    #[serde(rename = "numberMatched")]
    pub number_matched: usize,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// When the response was generated (RFC 3339, UTC).
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    pub dataset_version: String,
}

// ---------------------------------------------------------------------------------------------------------------
// Query parameters.

type Pairs = Vec<(String, String)>;

/// The query parameters by name, refusing any this endpoint does not support and any given twice.
fn query_params(q: Result<Query<Pairs>, QueryRejection>, allowed: &[&str]) -> Result<BTreeMap<String, String>, ApiError> {
    let Query(pairs) = q.map_err(|e| {
        ApiError::bad_request("invalid-query", format!("the query string cannot be read: {}", e.body_text()), "无法解析查询字符串。")
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            let supported = if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") };
            let supported_zh = if allowed.is_empty() { "无".to_string() } else { allowed.join("、") };
            return Err(ApiError::bad_request(
                "unknown-parameter",
                format!("unknown query parameter {k:?}; this resource supports: {supported}"),
                format!("不支持的查询参数 {k}；本接口支持：{supported_zh}。"),
            )
            .at(k));
        }
        if out.contains_key(&k) {
            return Err(ApiError::bad_request("repeated-parameter", format!("query parameter {k} is given more than once"), format!("查询参数 {k} 重复出现。")).at(k));
        }
        out.insert(k, v);
    }
    Ok(out)
}

/// `f` selects the encoding; only JSON (GeoJSON for features) is offered.
fn check_format(params: &BTreeMap<String, String>, offered: &[&str]) -> Result<(), ApiError> {
    match params.get("f") {
        None => Ok(()),
        Some(f) if offered.contains(&f.as_str()) => Ok(()),
        Some(f) => Err(ApiError::bad_request(
            "invalid-format",
            format!("unknown format f={f}: this resource is available as {}", offered.join(" or ")),
            format!("未知输出格式 f={f}：可选 {}。", offered.join("、")),
        )
        .at("f")),
    }
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request("invalid-path", format!("the path cannot be read: {}", e.body_text()), "无法解析请求路径。")
}

fn count(name: &'static str, v: &str, min: usize) -> Result<usize, ApiError> {
    let v = v.trim();
    let bad = || {
        ApiError::bad_request("invalid-parameter", format!("{name}={v:?} must be an integer of at least {min}"), format!("{name}={v:?} 须为不小于 {min} 的整数。"))
            .at(name)
    };
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // All digits: a number too large for usize is simply very large.
    let n = v.parse::<usize>().unwrap_or(usize::MAX);
    if n < min {
        return Err(bad());
    }
    Ok(n)
}

/// `limit`: default 100; values above 1000 are clamped to 1000, as the standard allows.
pub fn parse_limit(v: Option<&String>) -> Result<usize, ApiError> {
    v.map_or(Ok(DEFAULT_LIMIT), |v| count("limit", v, 1).map(|n| n.min(MAX_LIMIT)))
}

fn parse_offset(v: Option<&String>) -> Result<usize, ApiError> {
    v.map_or(Ok(0), |v| count("offset", v, 0))
}

fn bbox_error(detail: String, detail_zh: String) -> ApiError {
    ApiError::bad_request("invalid-bbox", detail, detail_zh).at("bbox")
}

/// `bbox`: west,south,east,north in CRS84 degrees (six numbers: with minimum and maximum height, which are checked and
/// ignored, the zones are 2D). A box whose west edge lies east of its east edge spans the antimeridian, as the
/// standard defines; it is queried as two boxes. Latitudes must be ordered and every value within the CRS's range.
pub fn parse_bbox(v: &str) -> Result<Vec<Rect<f64>>, ApiError> {
    let nums: Vec<f64> = v
        .split(',')
        .map(|s| s.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| bbox_error(format!("bbox={v:?} must be 4 (or 6) comma-separated numbers"), format!("bbox={v:?} 须为 4 个（或 6 个）以逗号分隔的数字。")))?;
    let (w, s, e, n) = match nums[..] {
        [w, s, e, n] => (w, s, e, n),
        [w, s, zmin, e, n, zmax] => {
            if zmin > zmax {
                return Err(bbox_error(format!("bbox={v:?}: the minimum height {zmin} exceeds the maximum {zmax}"), format!("bbox={v:?}：最小高程大于最大高程。")));
            }
            (w, s, e, n)
        }
        _ => {
            return Err(bbox_error(
                format!("bbox={v:?} has {} numbers; give west,south,east,north (4 numbers, or 6 with heights)", nums.len()),
                format!("bbox={v:?} 含 {} 个数字；须为 西,南,东,北 共 4 个（含高程时 6 个）。", nums.len()),
            ))
        }
    };
    for (name, x, lim) in [("west", w, 180.0), ("south", s, 90.0), ("east", e, 180.0), ("north", n, 90.0)] {
        if x.abs() > lim {
            return Err(bbox_error(
                format!("bbox={v:?}: {name} {x} is outside ±{lim}; bbox is in CRS84 longitude/latitude degrees"),
                format!("bbox={v:?}：{name} 值 {x} 超出 ±{lim}；bbox 须为 CRS84 经纬度（度）。"),
            ));
        }
    }
    if s > n {
        return Err(bbox_error(
            format!("bbox={v:?}: south {s} is north of north {n}; the order is west,south,east,north"),
            format!("bbox={v:?}：南边界 {s} 大于北边界 {n}；顺序应为 西,南,东,北。"),
        ));
    }
    let rect = |w: f64, e: f64| Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n });
    Ok(if w <= e { vec![rect(w, e)] } else { vec![rect(w, 180.0), rect(-180.0, e)] })
}

/// An RFC 3339 date (`2024-01-31`) or date-time (`2024-01-31T08:00:00Z`, `…+08:00`, fractional seconds allowed).
fn is_instant(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(99);
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)
        && (1..=12).contains(&num(5..7)) && (1..=31).contains(&num(8..10));
    if !date {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    let time = b.len() >= 19 && matches!(b[10], b'T' | b't' | b' ') && digits(11..13) && b[13] == b':' && digits(14..16)
        && b[16] == b':' && digits(17..19) && num(11..13) < 24 && num(14..16) < 60 && num(17..19) < 61;
    if !time {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// `datetime`: an instant or an interval `start/end` with `..` (or nothing) for an open end.
fn check_datetime(v: &str) -> Result<(), ApiError> {
    let ok = match v.split_once('/') {
        None => is_instant(v),
        Some((a, b)) => [a, b].iter().all(|x| x.is_empty() || *x == ".." || is_instant(x)) && !b.contains('/'),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid-datetime",
            format!("datetime={v:?} is not an RFC 3339 date-time or an interval such as 2024-01-01T00:00:00Z/.."),
            format!("datetime={v:?} 不是 RFC 3339 时间或时间区间（如 2024-01-01T00:00:00Z/..）。"),
        )
        .at("datetime"))
    }
}

fn nonempty<'a>(params: &'a BTreeMap<String, String>, name: &'static str) -> Result<Option<&'a str>, ApiError> {
    match params.get(name).map(|v| v.trim()) {
        Some("") => Err(ApiError::bad_request("invalid-parameter", format!("{name} must not be empty"), format!("查询参数 {name} 不能为空。")).at(name)),
        other => Ok(other),
    }
}

/// The property filters of the items query.
#[derive(Debug, Default)]
struct PropertyFilter<'a> {
    code: Option<&'a str>,
    /// Equality, as OGC property filters are (GDAL translates `-where "name = '…'"` into `?name=…`).
    name: Option<&'a str>,
    /// Case-insensitive substring, for pickers.
    name_contains: Option<String>,
    kind: Option<ZoneKind>,
    grade: Option<&'a str>,
}

impl<'a> PropertyFilter<'a> {
    fn parse(params: &'a BTreeMap<String, String>) -> Result<PropertyFilter<'a>, ApiError> {
        let kind = match nonempty(params, "kind")? {
            None => None,
            Some(k) => Some(ZoneKind::ALL.into_iter().find(|z| z.as_str() == k).ok_or_else(|| {
                let kinds: Vec<&str> = ZoneKind::ALL.iter().map(|z| z.as_str()).collect();
                ApiError::bad_request("invalid-parameter", format!("unknown kind {k:?}: use one of {}", kinds.join(", ")), format!("未知分区类型 {k}：可选 {}。", kinds.join("、")))
                    .at("kind")
            })?),
        };
        Ok(PropertyFilter {
            code: nonempty(params, "code")?,
            name: nonempty(params, "name")?,
            name_contains: nonempty(params, "name_contains")?.map(str::to_lowercase),
            kind,
            grade: nonempty(params, "grade")?,
        })
    }

    fn matches(&self, z: &Zone) -> bool {
        self.code.map_or(true, |c| z.code == c)
            && self.name.map_or(true, |n| z.name == n)
            && self.name_contains.as_ref().map_or(true, |n| z.name.to_lowercase().contains(n.as_str()))
            && self.kind.map_or(true, |k| z.kind() == k)
            && self.grade.map_or(true, |g| z.detail.grade() == Some(g))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Links.

/// The base URL clients used to reach us (Host header), for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `,` when `comma` is set, for bbox values).
fn encode(s: &str, comma: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || (comma && b == b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn collection_url(base: &str, id: &str) -> String {
    format!("{base}/collections/{}", encode(id, false))
}

// ---------------------------------------------------------------------------------------------------------------
// Layers as collections.

/// Feature ids for one layer's zones, given as (code, source fid) in index order: the code, or `code.fid` where the
/// code repeats within the layer (`code.n<k>` when the source has no fids). An id that still collides (a code that
/// itself reads `code.fid`) gets `.2`, `.3`… so ids are always unique.
pub fn feature_ids(zones: &[(&str, Option<u64>)]) -> Vec<String> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for (code, _) in zones {
        *uses.entry(code).or_default() += 1;
    }
    let mut seen: HashSet<String> = HashSet::new();
    zones
        .iter()
        .enumerate()
        .map(|(i, (code, fid))| {
            let base = if uses[code] > 1 {
                format!("{code}.{}", fid.map_or_else(|| format!("n{}", i + 1), |f| f.to_string()))
            } else {
                code.to_string()
            };
            let mut id = base.clone();
            let mut k = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}.{k}");
                k += 1;
            }
            id
        })
        .collect()
}

/// One layer's zones with their feature ids, and which optional properties the layer has.
struct LayerCatalog<'a> {
    summary: &'a LayerSummary,
    /// Zone ids in index order, with their feature ids.
    zones: Vec<(ZoneId, String)>,
    /// Which of the four requirement texts any zone of the layer carries: those properties are on every feature of
    /// the collection (null where a zone lacks them), so clients that infer a schema from the first page (GDAL) see
    /// them all.
    requirements: [bool; 4],
    control_units: bool,
}

impl<'a> LayerCatalog<'a> {
    fn load(engine: &'a Engine, id: &str) -> Result<LayerCatalog<'a>, ApiError> {
        let summary = engine.layers.iter().find(|l| l.id == id).ok_or_else(|| {
            let ids: Vec<&str> = engine.layers.iter().map(|l| l.id.as_str()).collect();
            ApiError::not_found(format!("no collection {id:?}; the collections are {}", ids.join(", ")), format!("没有名为 {id} 的图层（集合）；现有：{}。", ids.join("、")))
        })?;
        let ids: Vec<ZoneId> = (0..engine.index.zones().len()).filter(|&i| engine.index.zone(i).layer == id).collect();
        let keys: Vec<(&str, Option<u64>)> = ids.iter().map(|&i| (engine.index.zone(i).code.as_str(), engine.index.zone(i).source_fid)).collect();
        let mut requirements = [false; 4];
        for &i in &ids {
            for (slot, present) in requirements.iter_mut().zip(requirement_texts(engine.index.zone(i))) {
                *slot |= present.1.is_some();
            }
        }
        Ok(LayerCatalog {
            summary,
            zones: ids.into_iter().zip(feature_ids(&keys)).collect(),
            requirements,
            control_units: summary.kind == ZoneKind::ControlUnit,
        })
    }

    fn properties(&self, z: &Zone) -> JsonObject {
        let mut p = JsonObject::new();
        p.insert("code".into(), json!(z.code));
        p.insert("name".into(), json!(z.name));
        p.insert("kind".into(), json!(z.kind()));
        p.insert("grade".into(), json!(z.detail.grade()));
        p.insert("grade_zh".into(), json!(z.detail.grade_zh()));
        p.insert("subclass".into(), json!(z.subclass));
        p.insert("layer".into(), json!(z.layer));
        for (present, (key, text)) in self.requirements.iter().zip(requirement_texts(z)) {
            if *present {
                p.insert(key.into(), json!(text));
            }
        }
        if self.control_units {
            let (prohibited, restricted) = match &z.detail {
                ZoneDetail::ControlUnit { prohibited_industries, restricted_industries, .. } => (prohibited_industries.clone(), restricted_industries.clone()),
                _ => (vec![], vec![]),
            };
            p.insert("prohibited_industries".into(), json!(prohibited));
            p.insert("restricted_industries".into(), json!(restricted));
        }
        p
    }

    fn feature(&self, engine: &Engine, zone: ZoneId, id: &str) -> Feature {
        let z = engine.index.zone(zone);
        // RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
        let geometry = z.geometry.orient(geo::orient::Direction::Default);
        Feature {
            bbox: None,
            geometry: Some(geojson::Geometry::new(geojson::Value::from(&geometry))),
            id: Some(geojson::feature::Id::String(id.to_string())),
            properties: Some(self.properties(z)),
            foreign_members: None,
        }
    }
}

fn requirement_texts(z: &Zone) -> [(&'static str, Option<&str>); 4] {
    let r = &z.requirements;
    [
        ("spatial_layout", r.spatial_layout.as_deref()),
        ("pollutant_discharge", r.pollutant_discharge.as_deref()),
        ("risk_control", r.risk_control.as_deref()),
        ("resource_efficiency", r.resource_efficiency.as_deref()),
    ]
}

fn collection_doc(engine: &Engine, layer: &LayerSummary, base: &str) -> Collection {
    let zones = engine.index.zones().iter().filter(|z| z.layer == layer.id);
    let extent = zones.filter_map(|z| z.geometry.bounding_rect()).reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    let title = layer.title.clone().unwrap_or_else(|| layer.id.clone());
    let category = layer.category.as_deref().map(|c| format!(", category {c}")).unwrap_or_default();
    let d = &engine.dataset;
    // "环境管控单元 (control_unit)", or "红线（示例） — 生态保护红线 (red_line)" when the title is not the kind's name.
    let kind = if title == layer.kind.label_zh() { String::new() } else { format!(" — {}", layer.kind.label_zh()) };
    let mut description =
        format!("{title}{kind} ({}{category}); {} zones; dataset {} ({}).", layer.kind, layer.zones_loaded, d.version, d.title);
    if d.illustrative {
        let notice = [d.notice_zh.as_deref(), d.notice_en.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" / ");
        description.push(' ');
        description.push_str(if notice.is_empty() { "示例数据，不是官方边界 / Illustrative sample data, NOT official boundaries." } else { &notice });
    }
    let url = collection_url(base, &layer.id);
    Collection {
        id: layer.id.clone(),
        title,
        description,
        links: vec![
            link(url.clone(), "self", JSON, "this collection"),
            link(format!("{url}/items"), "items", GEOJSON, "the zones as GeoJSON"),
        ],
        extent: extent.map(|r| Extent {
            spatial: SpatialExtent { bbox: vec![vec![r.min().x, r.min().y, r.max().x, r.max().y]], crs: CRS84.into() },
        }),
        item_type: "feature".into(),
        crs: vec![CRS84.into()],
    }
}

fn json_with_type<T: Serialize>(body: T, media_type: &'static str) -> Response {
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    resp
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers.

/// `GET /`: the OGC landing page for JSON clients (`f=json`, or an Accept header preferring JSON, as GDAL and QGIS
/// send), the map page for browsers (`f=html`, or an Accept header with text/html).
#[utoipa::path(get, path = "/", tag = "OGC API – Features",
    params(("f" = Option<String>, Query, description = "json (the landing page) or html (the map page); by default chosen from the Accept header")),
    responses(
        (status = 200, description = "The landing page (application/json) or the map page (text/html)", body = LandingPage),
        (status = 400, description = "Unknown format or query parameter", body = Problem, content_type = "application/problem+json")))]
pub async fn root(State(state): State<Arc<AppState>>, q: Result<Query<Pairs>, QueryRejection>, headers: HeaderMap) -> Result<Response, ApiError> {
    let pairs = q.as_ref().map(|Query(p)| p.as_slice()).unwrap_or_default();
    let accept = headers.get(header::ACCEPT).and_then(|h| h.to_str().ok()).unwrap_or("");
    let wants_json = match pairs.iter().find(|(k, _)| k == "f").map(|(_, v)| v.as_str()) {
        Some("json") => true,
        Some("html") => false,
        Some(other) => {
            return Err(ApiError::bad_request("invalid-format", format!("unknown format f={other}: use json or html"), format!("未知输出格式 f={other}：可选 json 或 html。")).at("f"))
        }
        None => accept.contains("json") && !accept.contains("text/html"),
    };
    if !wants_json {
        // The map page is not an OGC resource: it may grow its own parameters.
        return Ok(super::page::index_html(&state));
    }
    query_params(q, &["f"])?;
    Ok(landing_response(&state, &headers))
}

/// The OGC API landing page (`GET /` when JSON is asked for; browsers get the map page).
pub fn landing_response(state: &AppState, headers: &HeaderMap) -> Response {
    let base = base_url(headers);
    let d = &state.engine().dataset;
    let mut description = format!(
        "Chinese ecological zoning layers (三线一单 control units, red lines, drinking-water source zones, reserves…) as \
         OGC API – Features collections, and siting assessments (/v1/assessments). Dataset {}.",
        d.version
    );
    if d.illustrative {
        description.push_str(" Illustrative sample data, NOT official boundaries / 示例数据，不是官方边界。");
    }
    Json(LandingPage {
        title: format!("ecogate — {}", d.title),
        description,
        dataset_version: d.version.clone(),
        links: vec![
            link(format!("{base}/?f=json"), "self", JSON, "this document"),
            link(format!("{base}/?f=html"), "alternate", "text/html", "the map page"),
            link(format!("{base}/openapi.json"), "service-desc", OPENAPI, "the API definition"),
            link(format!("{base}/conformance"), "conformance", JSON, "conformance classes"),
            link(format!("{base}/collections"), "data", JSON, "zone layers"),
        ],
    })
    .into_response()
}

/// `GET /conformance`
#[utoipa::path(get, path = "/conformance", tag = "OGC API – Features",
    params(("f" = Option<String>, Query, description = "json (the only encoding)")),
    responses((status = 200, description = "The conformance classes implemented", body = Conformance),
        (status = 400, description = "Unknown format or query parameter", body = Problem, content_type = "application/problem+json")))]
pub async fn conformance(q: Result<Query<Pairs>, QueryRejection>) -> Result<Response, ApiError> {
    let params = query_params(q, &["f"])?;
    check_format(&params, &["json"])?;
    Ok(Json(Conformance { conforms_to: CONFORMANCE.iter().map(|c| c.to_string()).collect() }).into_response())
}

/// `GET /collections` — one collection per manifest layer.
#[utoipa::path(get, path = "/collections", tag = "OGC API – Features",
    params(("f" = Option<String>, Query, description = "json (the only encoding)")),
    responses((status = 200, description = "The zone layers", body = Collections),
        (status = 400, description = "Unknown format or query parameter", body = Problem, content_type = "application/problem+json")))]
pub async fn collections(State(state): State<Arc<AppState>>, q: Result<Query<Pairs>, QueryRejection>, headers: HeaderMap) -> Result<Response, ApiError> {
    let params = query_params(q, &["f"])?;
    check_format(&params, &["json"])?;
    let base = base_url(&headers);
    let engine = &state.engine();
    Ok(Json(Collections {
        links: vec![link(format!("{base}/collections"), "self", JSON, "this document")],
        collections: engine.layers.iter().map(|l| collection_doc(engine, l, &base)).collect(),
    })
    .into_response())
}

/// `GET /collections/{collectionId}`
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "OGC API – Features",
    params(("collectionId" = String, Path, description = "A layer id of the dataset manifest"),
           ("f" = Option<String>, Query, description = "json (the only encoding)")),
    responses((status = 200, description = "The layer's metadata", body = Collection),
        (status = 400, description = "Unknown format or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json")))]
pub async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<Pairs>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let params = query_params(q, &["f"])?;
    check_format(&params, &["json"])?;
    let engine = state.engine();
    let catalog = LayerCatalog::load(&engine, &id)?;
    Ok(Json(collection_doc(&engine, catalog.summary, &base_url(&headers))).into_response())
}

/// `GET /collections/{collectionId}/items` — the layer's zones as a GeoJSON FeatureCollection, filtered and paged.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "OGC API – Features",
    params(
        ("collectionId" = String, Path, description = "A layer id of the dataset manifest"),
        ("bbox" = Option<Vec<f64>>, Query, style = Form, explode = false, min_items = 4, max_items = 6,
            description = "west,south,east,north in CRS84 degrees (4 numbers, or 6 with heights, which are ignored); only zones whose geometry intersects the box are selected. West > east spans the antimeridian."),
        ("datetime" = Option<String>, Query, description = "An RFC 3339 instant or interval (`..` for an open end). The layers carry no temporal property, so every zone is selected; malformed values are refused."),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000, description = "Features per page: default 100; values above 1000 are treated as 1000."),
        ("offset" = Option<usize>, Query, minimum = 0, description = "Number of matching features to skip (paging; the next and prev links carry it)."),
        ("code" = Option<String>, Query, description = "Zones with exactly this official code."),
        ("name" = Option<String>, Query, description = "Zones with exactly this name."),
        ("name_contains" = Option<String>, Query, description = "Zones whose name contains this text (case-insensitive substring)."),
        ("kind" = Option<String>, Query, description = "Zones of this kind: control_unit, red_line, water_source, nature_reserve or other."),
        ("grade" = Option<String>, Query, description = "Zones of this class, level, reserve zone or category: priority/key/general, level1/level2/quasi, core/buffer/experimental/unzoned, or an other-layer category."),
        ("f" = Option<String>, Query, description = "json or geojson (both GeoJSON, the only encoding)"),
    ),
    responses(
        (status = 200, description = "A page of zones", body = FeatureCollectionPage, content_type = "application/geo+json"),
        (status = 400, description = "Malformed parameter or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json")))]
pub async fn items(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<Pairs>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let params = query_params(q, &ITEM_PARAMS)?;
    check_format(&params, &["json", "geojson"])?;
    let engine = &state.engine();
    let catalog = LayerCatalog::load(engine, &id)?;
    let limit = parse_limit(params.get("limit"))?;
    let offset = parse_offset(params.get("offset"))?;
    let bbox = nonempty(&params, "bbox")?.map(parse_bbox).transpose()?;
    if let Some(dt) = nonempty(&params, "datetime")? {
        check_datetime(dt)?;
    }
    let filter = PropertyFilter::parse(&params)?;

    // The bbox selects through the R-tree; the property filters then run on those zones' attributes.
    let in_box: Option<HashSet<ZoneId>> = bbox.map(|rects| rects.iter().flat_map(|r| engine.index.zones_in_rect(*r)).collect());
    let matched: Vec<&(ZoneId, String)> = catalog
        .zones
        .iter()
        .filter(|(z, _)| in_box.as_ref().map_or(true, |hits| hits.contains(z)))
        .filter(|(z, _)| filter.matches(engine.index.zone(*z)))
        .collect();
    let page: Vec<Feature> = matched.iter().skip(offset).take(limit).map(|(z, fid)| catalog.feature(engine, *z, fid)).collect();

    let base = base_url(&headers);
    let items_url = format!("{}/items", collection_url(&base, &id));
    let mut query: Vec<(&str, String)> = Vec::new();
    for name in ["bbox", "datetime", "code", "name", "name_contains", "kind", "grade"] {
        if let Some(v) = params.get(name) {
            query.push((name, encode(v.trim(), name == "bbox")));
        }
    }
    let page_url = |offset: usize| {
        let mut q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        q.push(format!("limit={limit}"));
        q.push(format!("offset={offset}"));
        format!("{items_url}?{}", q.join("&"))
    };
    let mut links = vec![
        link(page_url(offset), "self", GEOJSON, "this page"),
        link(collection_url(&base, &id), "collection", JSON, "the collection"),
    ];
    if offset.saturating_add(page.len()) < matched.len() {
        links.push(link(page_url(offset + page.len()), "next", GEOJSON, "next page"));
    }
    if offset > 0 {
        // From beyond the last page, prev leads back to the last one.
        links.push(link(page_url(offset.min(matched.len()).saturating_sub(limit)), "prev", GEOJSON, "previous page"));
    }
    let body = FeatureCollectionPage {
        kind: "FeatureCollection".into(),
        number_matched: matched.len(),
        number_returned: page.len(),
        features: page,
        links,
        time_stamp: rfc3339_now(),
        dataset_version: engine.dataset.version.clone(),
    };
    Ok(json_with_type(body, GEOJSON))
}

/// `GET /collections/{collectionId}/items/{featureId}` — one zone as a GeoJSON Feature.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API – Features",
    params(
        ("collectionId" = String, Path, description = "A layer id of the dataset manifest"),
        ("featureId" = String, Path, description = "The zone code, or code.fid where a code repeats within the layer"),
        ("f" = Option<String>, Query, description = "json or geojson (both GeoJSON, the only encoding)"),
    ),
    responses(
        (status = 200, description = "The zone", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "Unknown format or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or feature", body = Problem, content_type = "application/problem+json")))]
pub async fn feature(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<Pairs>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((id, feature_id)) = path.map_err(path_error)?;
    let params = query_params(q, &["f"])?;
    check_format(&params, &["json", "geojson"])?;
    let engine = &state.engine();
    let catalog = LayerCatalog::load(engine, &id)?;
    let (zone, fid) = catalog.zones.iter().find(|(_, fid)| *fid == feature_id).ok_or_else(|| {
        ApiError::not_found(format!("collection {id} has no feature {feature_id:?}"), format!("图层 {id} 中没有要素 {feature_id}。"))
    })?;
    let mut f = catalog.feature(engine, *zone, fid);
    let base = base_url(&headers);
    let url = collection_url(&base, &id);
    let mut foreign = JsonObject::new();
    foreign.insert(
        "links".into(),
        json!([
            link(format!("{url}/items/{}", encode(fid, false)), "self", GEOJSON, "this feature"),
            link(url, "collection", JSON, "the collection"),
        ]),
    );
    foreign.insert("dataset_version".into(), json!(engine.dataset.version));
    f.foreign_members = Some(foreign);
    Ok(json_with_type(f, GEOJSON))
}

// ---------------------------------------------------------------------------------------------------------------
// Time.

/// Now, as RFC 3339 UTC to the second.
fn rfc3339_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    rfc3339(secs)
}

fn rfc3339(unix_secs: u64) -> String {
    let (y, m, d) = civil_from_days((unix_secs / 86_400) as i64);
    let s = unix_secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_ids_are_codes_suffixed_only_where_a_code_repeats() {
        let ids = feature_ids(&[("A", Some(1)), ("B", Some(2)), ("A", Some(3)), ("C", None), ("C", None)]);
        assert_eq!(ids, ["A.1", "B", "A.3", "C.n4", "C.n5"]);
    }

    #[test]
    fn feature_ids_stay_unique_when_a_code_looks_like_a_suffixed_one() {
        let ids = feature_ids(&[("A.1", Some(9)), ("A", Some(1)), ("A", Some(2))]);
        assert_eq!(ids, ["A.1", "A.1.2", "A.2"]);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        assert_eq!(rfc3339(1_704_067_199), "2023-12-31T23:59:59Z");
    }

    #[test]
    fn datetime_accepts_instants_and_intervals_only() {
        for ok in ["2024-01-31", "2024-01-31T08:00:00Z", "2024-01-31T08:00:00.5+08:00", "2024-01-01T00:00:00Z/..", "../2024-01-01", "2020-01-01/2024-01-01"] {
            assert!(check_datetime(ok).is_ok(), "{ok}");
        }
        for bad in ["yesterday", "2024-13-01", "2024-01-31T25:00:00Z", "2024-01-31T08:00:00", "2024-01-01/2024-02-01/2024-03-01", "1/2"] {
            assert!(check_datetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bbox_across_the_antimeridian_is_two_boxes() {
        let r = parse_bbox("170,-10,-170,10").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].min().x, r[0].max().x, r[1].min().x, r[1].max().x), (170.0, 180.0, -180.0, -170.0));
    }
}
