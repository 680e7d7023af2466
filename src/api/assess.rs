//! The assessment API and its lookups: `/v1/assessments`, `/v1/rules`, `/v1/industries`, `/v1/zones/{code}`,
//! `/healthz`, `/readyz`.

use super::error::ApiError;
use super::AppState;
use crate::assess::{AssessOptions, Assessment, Engine};
use crate::crs::InputCrs;
use crate::index::{Site, ZoneId};
use crate::input::{self, InputError, SiteInput};
use crate::rules::Facts;
use crate::zone::Zone;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use geo::BooleanOps;
use geojson::{Feature, FeatureCollection, JsonObject};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Body of `POST /v1/assessments`: either this wrapper, or a GeoJSON Feature whose `properties.facts` holds the facts.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRequest {
    /// GeoJSON Geometry, Feature or FeatureCollection, in lon/lat degrees (CGCS2000 ≈ WGS84) unless `crs` says
    /// otherwise.
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// CRS of the geometry's coordinates: `wgs84` (default), `cgcs2000`, `gcj02`, `bd09`, `cgcs2000-gk3:38`,
    /// `cgcs2000-gk3-cm:114`, `cgcs2000-gk6:19`, `cgcs2000-gk`, `xian80-gk3:38` / `bj54-…` (with `towgs84`),
    /// `EPSG:xxxx`. It governs: a legacy `crs` member inside the GeoJSON must agree with it.
    #[serde(default)]
    pub crs: Option<String>,
    /// Helmert shift from Xi'an 1980 / Beijing 1954 to CGCS2000: "dx,dy,dz,rx,ry,rz,ds" or an array of 3 or 7
    /// numbers (metres, arc-seconds, ppm; position-vector convention like PROJ's +towgs84).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub towgs84: Option<Value>,
    /// Project facts by name (see `GET /v1/rules` → `facts`): strings, booleans or numbers.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub facts: BTreeMap<String, Value>,
    /// Radius for nearby zones in metres (default 1000, at most 50000).
    #[serde(default)]
    pub radius_m: Option<f64>,
}

/// `f=geojson` turns the answer into a FeatureCollection of the zones hit (overlap parts for footprints).
#[derive(Debug, Deserialize, Default)]
pub struct Format {
    pub f: Option<String>,
}

fn input_error(e: InputError, pointer: &str) -> ApiError {
    ApiError::unprocessable(e.slug(), e.to_string(), e.message_zh()).at(pointer)
}

/// The request's CRS from its `crs` and `towgs84` (a string, or for JSON bodies an array of numbers).
fn input_crs(crs: Option<&str>, towgs84: Option<&Value>, crs_pointer: &str, towgs84_pointer: &str) -> Result<InputCrs, ApiError> {
    let parsed = match towgs84 {
        None | Some(Value::Null) => InputCrs::parse(crs, None),
        Some(Value::String(t)) => InputCrs::parse(crs, Some(t)),
        Some(Value::Array(a)) => match a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>() {
            Some(v) => InputCrs::with_towgs84_values(crs, Some(v)),
            None => return Err(ApiError::unprocessable("invalid-towgs84", "towgs84 must be numbers", "towgs84 须为数值。").at(towgs84_pointer)),
        },
        Some(_) => {
            return Err(ApiError::unprocessable("invalid-towgs84", "towgs84 must be a string \"dx,dy,dz,rx,ry,rz,ds\" or an array of 3 or 7 numbers", "towgs84 须为字符串或 3 个、7 个数值的数组。").at(towgs84_pointer))
        }
    };
    parsed.map_err(|e| {
        let pointer = if e.slug() == "invalid-towgs84" { towgs84_pointer } else { crs_pointer };
        input_error(e.into(), pointer)
    })
}

/// Points an input error at the `crs` field when it concerns the CRS, else at the coordinates.
fn located(e: InputError, crs_pointer: &str, pointer: &str) -> ApiError {
    let at = if e.is_about_the_crs() { crs_pointer } else { pointer };
    input_error(e, at)
}

pub(super) fn fact_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn parse_facts(engine: &Engine, raw: &BTreeMap<String, String>, pointer_prefix: &str) -> Result<Facts, ApiError> {
    let mut facts = Facts::new();
    for (k, v) in raw {
        let value = engine.rulebook.parse_fact(k, v, engine.industries).map_err(|m| {
            let slug = if engine.rulebook.facts.contains_key(k) { "invalid-fact" } else { "unknown-fact" };
            ApiError::unprocessable(slug, m, format!("项目信息 {k} 无效：{v}")).at(format!("{pointer_prefix}{k}"))
        })?;
        facts.insert(k.clone(), value);
    }
    engine.check_required(&facts).map_err(|(fact, question)| {
        let zh = engine.rulebook.facts.get(&fact).map(|f| f.question.zh.clone()).unwrap_or_default();
        ApiError::unprocessable("missing-fact", format!("the fact {fact} is required: {question}"), format!("缺少必填项目信息 {fact}：{zh}"))
            .at(format!("{pointer_prefix}{fact}"))
    })?;
    Ok(facts)
}

pub(super) fn radius(r: Option<f64>, pointer: &str) -> Result<f64, ApiError> {
    match r {
        None => Ok(1000.0),
        Some(r) if r.is_finite() && (0.0..=50_000.0).contains(&r) => Ok(r),
        Some(r) => Err(ApiError::unprocessable("invalid-radius", format!("radius {r} must be between 0 and 50000 metres"), "周边范围须在 0–50000 米之间。").at(pointer)),
    }
}

/// Counts positions in a GeoJSON value without building geometries, so an oversized input is refused cheaply.
fn count_positions(v: &Value) -> usize {
    match v {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => 1,
        Value::Array(a) => a.iter().map(count_positions).sum(),
        Value::Object(o) => o.iter().filter(|(k, _)| k.as_str() != "properties").map(|(_, v)| count_positions(v)).sum(),
        _ => 0,
    }
}

fn site_from_value(state: &AppState, geometry: &Value, crs: &InputCrs, pointer: &str, crs_pointer: &str) -> Result<SiteInput, ApiError> {
    let n = count_positions(geometry);
    if n > state.limits.max_vertices {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-many-vertices",
            "Too many vertices",
            format!("the geometry has {n} vertices; the limit is {}", state.limits.max_vertices),
            format!("几何共有 {n} 个顶点，超过上限 {}。", state.limits.max_vertices),
        )
        .at(pointer));
    }
    input::geojson_input(geometry, crs).map_err(|e| located(e, crs_pointer, pointer))
}

fn respond(state: &AppState, site: &Site, a: Assessment, format: &Format) -> Result<Response, ApiError> {
    match format.f.as_deref() {
        None | Some("json") => Ok(Json(a).into_response()),
        Some("geojson") => Ok(geojson_response(&state.engine, site, a)),
        Some(other) => Err(ApiError::bad_request("invalid-format", format!("unknown format f={other}: use json or geojson"), format!("未知输出格式 f={other}：可选 json 或 geojson。")).at("f")),
    }
}

/// `POST /v1/assessments`
#[utoipa::path(post, path = "/v1/assessments", request_body = AssessmentRequest,
    params(("f" = Option<String>, Query, description = "json (default) or geojson")),
    responses((status = 200, body = Assessment), (status = 400, body = super::error::Problem), (status = 422, body = super::error::Problem), (status = 413, body = super::error::Problem)))]
pub async fn post_assessment(
    State(state): State<Arc<AppState>>,
    Query(format): Query<Format>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "Request body too large",
                format!("the request body exceeds {} bytes", state.limits.max_body_bytes),
                format!("请求体超过 {} 字节上限。", state.limits.max_body_bytes))
        } else {
            ApiError::bad_request("unreadable-body", e.body_text(), "无法读取请求体。")
        }
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"), format!("请求体不是有效的 JSON：{e}"))
    })?;
    // Only an object can be either form. serde would read an array as the request's fields in order (`[geometry]`
    // was taken as a request and refused for a missing fact); say what the body must be instead.
    if !value.is_object() {
        return Err(ApiError::unprocessable(
            "invalid-request",
            "the body must be a JSON object: {\"geometry\": …, \"facts\": {…}} or a GeoJSON Feature with properties.facts",
            "请求体须为 JSON 对象：{\"geometry\": …, \"facts\": {…}}，或 properties 中含 facts 的 GeoJSON Feature。",
        )
        .at(""));
    }
    // A GeoJSON Feature body carries its facts (and crs, towgs84, radius_m) in its properties.
    let (geometry, raw_facts, radius_m, pointer, crs) = if value.get("type").and_then(Value::as_str) == Some("Feature") {
        if !matches!(value.get("properties"), None | Some(Value::Null | Value::Object(_))) {
            return Err(ApiError::unprocessable("invalid-request", "a Feature's properties must be an object (holding facts, crs, towgs84, radius_m)", "Feature 的 properties 须为对象（含 facts、crs、towgs84、radius_m）。")
                .at("/properties"));
        }
        let facts = value.pointer("/properties/facts").cloned().unwrap_or(Value::Object(Default::default()));
        let facts: BTreeMap<String, Value> = serde_json::from_value(facts).map_err(|_| {
            ApiError::unprocessable("invalid-facts", "properties.facts must be an object of fact names to values", "properties.facts 须为对象。").at("/properties/facts")
        })?;
        let crs_name = match value.pointer("/properties/crs") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(ApiError::unprocessable("unknown-crs", "properties.crs must be a string such as \"gcj02\" or \"EPSG:4526\"", "properties.crs 须为字符串，如 \"gcj02\" 或 \"EPSG:4526\"。").at("/properties/crs")),
        };
        let crs = input_crs(crs_name, value.pointer("/properties/towgs84"), "/properties/crs", "/properties/towgs84")?;
        (value.clone(), facts, value.pointer("/properties/radius_m").and_then(Value::as_f64), "/geometry", (crs, "/properties/crs"))
    } else {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        let req: AssessmentRequest = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let pointer = if path == "." { String::new() } else { format!("/{}", path.replace('.', "/")) };
            ApiError::unprocessable("invalid-request", e.inner().to_string(), format!("请求字段错误：{}", e.inner())).at(pointer)
        })?;
        let crs = input_crs(req.crs.as_deref(), req.towgs84.as_ref(), "/crs", "/towgs84")?;
        (req.geometry, req.facts, req.radius_m, "/geometry", (crs, "/crs"))
    };
    let mut strings = BTreeMap::new();
    for (k, v) in &raw_facts {
        let s = fact_string(v).ok_or_else(|| {
            ApiError::unprocessable("invalid-fact", format!("fact {k} must be a string, boolean or number"), format!("项目信息 {k} 须为字符串、布尔值或数字。")).at(format!("/facts/{k}"))
        })?;
        strings.insert(k.clone(), s);
    }
    let facts = parse_facts(&state.engine, &strings, "/facts/")?;
    let radius = radius(radius_m, "/radius_m")?;
    let input = site_from_value(&state, &geometry, &crs.0, pointer, crs.1)?;
    let a = state.engine.assess_input(&input, &facts, AssessOptions { nearby_radius_m: radius, ..state.engine.options });
    respond(&state, &input.site, a, &format)
}

/// `GET /v1/assessments?lon=..&lat=..&industry=..&nature=..` (or `at=113°30'15"E 33°16'20"N`, and `crs=…`) — a
/// single point; every other parameter is a fact.
#[utoipa::path(get, path = "/v1/assessments",
    params(("lon" = Option<f64>, Query, description = "longitude, or the first number in crs"), ("lat" = Option<f64>, Query, description = "latitude, or the second number in crs"),
           ("at" = Option<String>, Query, description = "the point as text instead of lon/lat: decimal or degrees-minutes-seconds, e.g. 113°30'15.2\"E 33°16'20\"N"),
           ("crs" = Option<String>, Query, description = "CRS of the coordinates: wgs84 (default), cgcs2000, gcj02, bd09, cgcs2000-gk3:NN, cgcs2000-gk3-cm:DDD, cgcs2000-gk6:NN, cgcs2000-gk, xian80-gk3:NN, bj54-gk3:NN, EPSG:xxxx"),
           ("towgs84" = Option<String>, Query, description = "dx,dy,dz[,rx,ry,rz,ds]: Helmert shift to CGCS2000 for xian80/bj54 coordinates"),
           ("industry" = Option<String>, Query), ("nature" = Option<String>, Query),
           ("f" = Option<String>, Query, description = "json (default) or geojson"), ("radius_m" = Option<f64>, Query)),
    responses((status = 200, body = Assessment), (status = 422, body = super::error::Problem)))]
pub async fn get_assessment(
    State(state): State<Arc<AppState>>,
    Query(mut params): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let number = |params: &mut BTreeMap<String, String>, name: &'static str| -> Result<Option<f64>, ApiError> {
        params
            .remove(name)
            .map(|v| {
                v.trim().parse::<f64>().map_err(|_| {
                    ApiError::unprocessable("invalid-coordinates", format!("{name}={v:?} is not a number"), format!("{name}={v:?} 不是数字。")).at(name)
                })
            })
            .transpose()
    };
    let lon = number(&mut params, "lon")?;
    let lat = number(&mut params, "lat")?;
    let radius_m = number(&mut params, "radius_m")?;
    let format = Format { f: params.remove("f") };
    let at = params.remove("at");
    let towgs84 = params.remove("towgs84").map(Value::String);
    let crs = input_crs(params.remove("crs").as_deref(), towgs84.as_ref(), "crs", "towgs84")?;
    let input = match (at, lon, lat) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::unprocessable("conflicting-coordinates", "give either at= or lon= and lat=, not both", "请只用 at= 或 lon=、lat= 其中一种方式给出坐标。").at("at"));
        }
        (Some(at), None, None) => input::text_point_input(&at, &crs).map_err(|e| located(e, "crs", "at"))?,
        (None, Some(lon), Some(lat)) => input::point_input(lon, lat, &crs).map_err(|e| located(e, "crs", "lon"))?,
        (None, lon, _) => {
            return Err(ApiError::unprocessable("missing-coordinates", "give lon and lat in degrees (or at=\"113°30'15\\\"E 33°16'20\\\"N\")", "请提供经度 lon 和纬度 lat（度），或 at=度分秒文本。").at(if lon.is_none() { "lon" } else { "lat" }));
        }
    };
    let facts = parse_facts(&state.engine, &params, "")?;
    let radius = radius(radius_m, "radius_m")?;
    let a = state.engine.assess_input(&input, &facts, AssessOptions { nearby_radius_m: radius, ..state.engine.options });
    respond(&state, &input.site, a, &format)
}

fn zone_feature(engine: &Engine, id: ZoneId, geometry: Option<geo::MultiPolygon<f64>>, extra: JsonObject) -> Feature {
    let z: &Zone = engine.index.zone(id);
    let mut props = JsonObject::new();
    props.insert("layer".into(), json!(z.layer));
    props.insert("kind".into(), json!(z.kind()));
    props.insert("code".into(), json!(z.code));
    props.insert("name".into(), json!(z.name));
    props.insert("grade".into(), json!(z.detail.grade()));
    props.insert("grade_zh".into(), json!(z.detail.grade_zh()));
    props.extend(extra);
    let g = geometry.unwrap_or_else(|| z.geometry.clone());
    Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new(geojson::Value::from(&g))),
        id: Some(geojson::feature::Id::String(z.code.clone())),
        properties: Some(props),
        foreign_members: None,
    }
}

fn geojson_response(engine: &Engine, site: &Site, a: Assessment) -> Response {
    let mut features = Vec::new();
    for hit in &a.zones {
        for id in engine.index.find_code(&hit.zone.code).into_iter().filter(|id| engine.index.zone(*id).layer == hit.zone.layer) {
            let geometry = match site {
                Site::Footprint(fp) => Some(engine.index.zone(id).geometry.intersection(fp)),
                _ => None,
            };
            let mut extra = JsonObject::new();
            extra.insert("role".into(), json!(if geometry.is_some() { "overlap" } else { "zone" }));
            extra.insert("overlap_area_m2".into(), json!(hit.overlap_area_m2));
            extra.insert("overlap_share".into(), json!(hit.overlap_share));
            extra.insert("crossing_length_m".into(), json!(hit.crossing_length_m));
            features.push(zone_feature(engine, id, geometry, extra));
        }
    }
    let site_geometry = match site {
        Site::Point(p) => geojson::Value::from(p),
        Site::Line(l) => geojson::Value::from(l),
        Site::Footprint(f) => geojson::Value::from(f),
    };
    let mut site_props = JsonObject::new();
    site_props.insert("role".into(), json!("site"));
    site_props.insert("verdict".into(), json!(a.verdict));
    features.insert(0, Feature { bbox: None, geometry: Some(geojson::Geometry::new(site_geometry)), id: None, properties: Some(site_props), foreign_members: None });
    let mut foreign = JsonObject::new();
    foreign.insert("verdict".into(), json!(a.verdict));
    foreign.insert("summary".into(), json!(a.summary));
    foreign.insert("dataset_version".into(), json!(a.dataset.version));
    foreign.insert("rulebook_version".into(), json!(a.rulebook.version));
    let fc = FeatureCollection { bbox: None, features, foreign_members: Some(foreign) };
    let mut resp = Json(fc).into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/geo+json"));
    resp
}

/// `GET /v1/zones/{code}` — one zone (all its features) with its requirements, as GeoJSON.
#[utoipa::path(get, path = "/v1/zones/{code}", params(("code" = String, Path)),
    responses((status = 200, description = "GeoJSON FeatureCollection of the zone's features"), (status = 404, body = super::error::Problem)))]
pub async fn get_zone(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let engine = &state.engine;
    let ids = engine.index.find_code(&code);
    if ids.is_empty() {
        return Err(ApiError::not_found(format!("no zone with code {code:?} in dataset {}", engine.dataset.version), format!("数据集中没有编码为 {code} 的分区。")));
    }
    let features = ids
        .into_iter()
        .map(|id| {
            let z = engine.index.zone(id);
            let mut extra = JsonObject::new();
            extra.insert("requirements".into(), json!(z.requirements));
            extra.insert("detail".into(), json!(z.detail));
            extra.insert("subclass".into(), json!(z.subclass));
            extra.insert("area_m2".into(), json!(crate::index::geodesic_area(&z.geometry)));
            zone_feature(engine, id, None, extra)
        })
        .collect();
    let mut foreign = JsonObject::new();
    foreign.insert("dataset_version".into(), json!(engine.dataset.version));
    let mut resp = Json(FeatureCollection { bbox: None, features, foreign_members: Some(foreign) }).into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/geo+json"));
    Ok(resp)
}

/// `GET /v1/rules` — the rulebook: facts with their questions, industry lists, derivations, rules with citations.
#[utoipa::path(get, path = "/v1/rules", responses((status = 200, description = "The rulebook")))]
pub async fn get_rules(State(state): State<Arc<AppState>>) -> Response {
    Json(&state.engine.rulebook).into_response()
}

#[derive(Debug, Deserialize)]
pub struct IndustryQuery {
    pub q: Option<String>,
    pub limit: Option<usize>,
}

/// `GET /v1/industries?q=水泥` — search GB/T 4754-2017 by code prefix or Chinese/English name.
#[utoipa::path(get, path = "/v1/industries", params(("q" = Option<String>, Query), ("limit" = Option<usize>, Query)),
    responses((status = 200, description = "Matching industries")))]
pub async fn get_industries(State(state): State<Arc<AppState>>, Query(q): Query<IndustryQuery>) -> Response {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let hits = state.engine.industries.search(q.q.as_deref().unwrap_or(""), limit);
    Json(json!({ "edition": crate::industry::EDITION, "items": hits })).into_response()
}

/// `GET /healthz` — the process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive")))]
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz` — a dataset and rulebook are loaded; names their versions.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "ready")))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "status": "ready",
        "dataset": state.engine.dataset.id,
        "dataset_version": state.engine.dataset.version,
        "rulebook_version": state.engine.rulebook.version,
        "zones": state.engine.index.zones().len(),
    }))
    .into_response()
}
