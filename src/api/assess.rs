//! The assessment API and its lookups: `/v1/assessments`, `/v1/rules`, `/v1/industries`, `/v1/zones/{code}`,
//! `/healthz`, `/readyz`.

use super::error::ApiError;
use super::{AppState, Client};
use crate::audit::{self, AuditRecord, NewRecord};
use axum::Extension;
use serde::Serialize;
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
    /// Answer from this dataset version (one the server still keeps, see `GET /admin/status`), e.g. to re-run a
    /// past verdict; default the current one. Unknown here: 409; loaded earlier but no longer kept: 410.
    #[serde(default)]
    pub dataset_version: Option<String>,
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

/// Checks `f` before any work is done, so a bad format is neither assessed nor recorded.
fn check_format(format: &Format) -> Result<(), ApiError> {
    match format.f.as_deref() {
        None | Some("json") | Some("geojson") => Ok(()),
        Some(other) => Err(ApiError::bad_request("invalid-format", format!("unknown format f={other}: use json or geojson"), format!("未知输出格式 f={other}：可选 json 或 geojson。")).at("f")),
    }
}

/// An answer with its reference number as the first member.
#[derive(Serialize)]
struct WithId<'a, T: Serialize> {
    id: &'a str,
    #[serde(flatten)]
    answer: &'a T,
}

pub(super) fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "an internal error occurred; it has been logged", "服务内部错误，已记录。")
}

/// The assessed geometry as GeoJSON (working CRS, EPSG:4490 lon/lat).
pub(super) fn site_geojson(site: &Site) -> Value {
    let g = match site {
        Site::Point(p) => geojson::Value::from(p),
        Site::Line(l) => geojson::Value::from(l),
        Site::Footprint(f) => geojson::Value::from(f),
    };
    serde_json::to_value(geojson::Geometry::new(g)).unwrap_or(Value::Null)
}

/// Records an answer in the audit trail under a new reference number and returns that number and the answer's JSON
/// (with `id` first), once the record is committed; `None` when the audit trail is off. An answer that cannot be
/// recorded is not given: a verdict without its record could not be defended later.
pub(super) async fn record<T: Serialize>(
    state: &AppState,
    client: Option<&Client>,
    request: Value,
    site: impl FnOnce() -> Value,
    answer: &T,
) -> Result<Option<(String, Vec<u8>)>, ApiError> {
    if !state.audit.is_enabled() {
        return Ok(None);
    }
    let site = site();
    let id = audit::new_id();
    let body = serde_json::to_string(&WithId { id: &id, answer }).map_err(|e| internal("cannot serialise the answer", e))?;
    let rec = NewRecord { id: id.clone(), recorded_at: audit::now_rfc3339(), client: client.map(|c| c.0.clone()), request, site, assessment_json: body.clone() };
    state.audit.record(rec).await.map_err(|e| {
        tracing::error!(error = %e, "assessment not recorded: answered 503");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "audit-unavailable", "Audit trail unavailable",
            "the assessment could not be recorded in the audit trail, so it is not given; retry later",
            "评估结果无法写入审计记录，因此未予返回；请稍后重试。")
    })?;
    Ok(Some((id, body.into_bytes())))
}

/// A JSON body already serialised.
pub(super) fn json_bytes(body: Vec<u8>) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    resp
}

/// Records the assessment and answers it in the requested format.
async fn answer(state: &AppState, client: Option<&Client>, request: Value, engine: &Engine, site: &Site, a: Assessment, format: &Format) -> Result<Response, ApiError> {
    let recorded = record(state, client, request, || site_geojson(site), &a).await?;
    match (format.f.as_deref(), recorded) {
        (Some("geojson"), recorded) => Ok(geojson_response(engine, site, a, recorded.map(|r| r.0))),
        (_, Some((_, body))) => Ok(json_bytes(body)),
        (_, None) => {
            // An answer is ≈ 9 KB: written into a buffer of that order at once, where axum's `Json` starts at 128
            // bytes and copies the answer at each of seven doublings.
            let mut body = Vec::with_capacity(16 * 1024);
            serde_json::to_writer(&mut body, &a).map_err(|e| internal("cannot serialise the answer", e))?;
            Ok(json_bytes(body))
        }
    }
}

/// `POST /v1/assessments`
#[utoipa::path(post, path = "/v1/assessments", request_body = AssessmentRequest,
    params(("f" = Option<String>, Query, description = "json (default) or geojson")),
    responses((status = 200, body = Assessment), (status = 400, body = super::error::Problem), (status = 409, body = super::error::Problem), (status = 410, body = super::error::Problem), (status = 422, body = super::error::Problem), (status = 413, body = super::error::Problem)))]
pub async fn post_assessment(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<Client>>,
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
    check_format(&format)?;
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
    let (geometry, raw_facts, radius_m, pointer, crs, version) = if value.get("type").and_then(Value::as_str) == Some("Feature") {
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
        let version = value.pointer("/properties/dataset_version").and_then(Value::as_str).map(|v| (v.to_string(), "/properties/dataset_version"));
        (value.clone(), facts, value.pointer("/properties/radius_m").and_then(Value::as_f64), "/geometry", (crs, "/properties/crs"), version)
    } else {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        let req: AssessmentRequest = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let pointer = if path == "." { String::new() } else { format!("/{}", path.replace('.', "/")) };
            ApiError::unprocessable("invalid-request", e.inner().to_string(), format!("请求字段错误：{}", e.inner())).at(pointer)
        })?;
        let crs = input_crs(req.crs.as_deref(), req.towgs84.as_ref(), "/crs", "/towgs84")?;
        (req.geometry, req.facts, req.radius_m, "/geometry", (crs, "/crs"), req.dataset_version.map(|v| (v, "/dataset_version")))
    };
    let mut strings = BTreeMap::new();
    for (k, v) in &raw_facts {
        let s = fact_string(v).ok_or_else(|| {
            ApiError::unprocessable("invalid-fact", format!("fact {k} must be a string, boolean or number"), format!("项目信息 {k} 须为字符串、布尔值或数字。")).at(format!("/facts/{k}"))
        })?;
        strings.insert(k.clone(), s);
    }
    let engine = match &version {
        Some((v, at)) => state.engine_for(Some(v), at)?,
        None => state.engine(),
    };
    let facts = parse_facts(&engine, &strings, "/facts/")?;
    let radius = radius(radius_m, "/radius_m")?;
    let input = site_from_value(&state, &geometry, &crs.0, pointer, crs.1)?;
    let a = engine.assess_input(&input, &facts, AssessOptions { nearby_radius_m: radius, ..engine.options });
    answer(&state, client.as_deref(), value, &engine, &input.site, a, &format).await
}

/// `GET /v1/assessments?lon=..&lat=..&industry=..&nature=..` (or `at=113°30'15"E 33°16'20"N`, and `crs=…`) — a
/// single point; every other parameter is a fact.
#[utoipa::path(get, path = "/v1/assessments",
    params(("lon" = Option<f64>, Query, description = "longitude, or the first number in crs"), ("lat" = Option<f64>, Query, description = "latitude, or the second number in crs"),
           ("at" = Option<String>, Query, description = "the point as text instead of lon/lat: decimal or degrees-minutes-seconds, e.g. 113°30'15.2\"E 33°16'20\"N"),
           ("crs" = Option<String>, Query, description = "CRS of the coordinates: wgs84 (default), cgcs2000, gcj02, bd09, cgcs2000-gk3:NN, cgcs2000-gk3-cm:DDD, cgcs2000-gk6:NN, cgcs2000-gk, xian80-gk3:NN, bj54-gk3:NN, EPSG:xxxx"),
           ("towgs84" = Option<String>, Query, description = "dx,dy,dz[,rx,ry,rz,ds]: Helmert shift to CGCS2000 for xian80/bj54 coordinates"),
           ("industry" = Option<String>, Query), ("nature" = Option<String>, Query),
           ("dataset_version" = Option<String>, Query, description = "answer from this kept dataset version (409 unknown, 410 no longer kept); default the current one"),
           ("f" = Option<String>, Query, description = "json (default) or geojson"), ("radius_m" = Option<f64>, Query)),
    responses((status = 200, body = Assessment), (status = 409, body = super::error::Problem), (status = 410, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn get_assessment(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<Client>>,
    Query(mut params): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    // A key in the query is for the guard, never for the record.
    params.remove("api_key");
    // What the audit trail records of the request (nothing to build when it is off).
    let request = if state.audit.is_enabled() { json!(params) } else { Value::Null };
    let version = params.remove("dataset_version");
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
    check_format(&format)?;
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
    let engine = state.engine_for(version.as_deref(), "dataset_version")?;
    let facts = parse_facts(&engine, &params, "")?;
    let radius = radius(radius_m, "radius_m")?;
    let a = engine.assess_input(&input, &facts, AssessOptions { nearby_radius_m: radius, ..engine.options });
    answer(&state, client.as_deref(), request, &engine, &input.site, a, &format).await
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

fn geojson_response(engine: &Engine, site: &Site, a: Assessment, id: Option<String>) -> Response {
    let mut features = Vec::new();
    for hit in &a.zones {
        for id in engine.index.find_code(&hit.zone.code).into_iter().filter(|id| *engine.index.zone(*id).layer == *hit.zone.layer) {
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
    if let Some(id) = id {
        foreign.insert("id".into(), json!(id));
    }
    foreign.insert("verdict".into(), json!(a.verdict));
    foreign.insert("summary".into(), json!(a.summary));
    foreign.insert("dataset_version".into(), json!(a.dataset.version));
    foreign.insert("rulebook_version".into(), json!(a.rulebook.version));
    let fc = FeatureCollection { bbox: None, features, foreign_members: Some(foreign) };
    let mut resp = Json(fc).into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/geo+json"));
    resp
}

/// `GET /v1/assessments/{id}` — a recorded assessment by its reference number: the input as given, the assessed site
/// and the answer as sent. Lower case and the look-alikes O (for 0) and I/L (for 1) are accepted in the id.
#[utoipa::path(get, path = "/v1/assessments/{id}",
    params(("id" = String, Path, description = "reference number from an assessment answer, e.g. EG-20261127-7K3M9QX2TB")),
    responses((status = 200, body = crate::audit::AuditRecord), (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn get_recorded(State(state): State<Arc<AppState>>, Path(raw): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(lookup_recorded(&state, &raw).await?).into_response())
}

/// The audit record of a reference number as a reviewer may have typed it: 400 for what cannot be an id, 404 for an
/// id not recorded here (or no audit trail), 503 when the trail cannot be read. Shared with the report route.
pub(super) async fn lookup_recorded(state: &AppState, raw: &str) -> Result<AuditRecord, ApiError> {
    let Some(id) = audit::normalize_id(raw) else {
        return Err(ApiError::bad_request("invalid-assessment-id",
            "an assessment id looks like EG-20261127-7K3M9QX2TB (EG-, the date, 10 letters and digits)",
            "评估编号格式应为 EG-20261127-7K3M9QX2TB（EG-、日期、10 位字母数字）。").at("id"));
    };
    if !state.audit.is_enabled() {
        return Err(ApiError::not_found("this server keeps no audit trail (started with --no-audit)", "本服务未启用审计记录（--no-audit）。"));
    }
    let store = Arc::clone(&state.audit);
    let lookup = id.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&lookup))
        .await
        .map_err(|e| internal("audit lookup failed", e))?
        .map_err(|e| {
            tracing::error!(error = %e, "audit lookup failed");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "audit-unavailable", "Audit trail unavailable", "the audit trail cannot be read now; retry later", "审计记录暂时无法读取，请稍后重试。")
        })?;
    match found {
        Some(rec) => Ok(rec),
        None => Err(ApiError::not_found(format!("no assessment {id} is recorded here"), format!("没有编号为 {id} 的评估记录。"))),
    }
}

/// `GET /v1/zones/{code}` — one zone (all its features) with its requirements, as GeoJSON.
#[utoipa::path(get, path = "/v1/zones/{code}", params(("code" = String, Path)),
    responses((status = 200, description = "GeoJSON FeatureCollection of the zone's features"), (status = 404, body = super::error::Problem)))]
pub async fn get_zone(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let engine = &state.engine();
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
    Json(&state.engine().rulebook).into_response()
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
    let hits = state.engine().industries.search(q.q.as_deref().unwrap_or(""), limit);
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
    let engine = state.engine();
    Json(json!({
        "status": "ready",
        "dataset": engine.dataset.id,
        "dataset_version": engine.dataset.version,
        "rulebook_version": engine.rulebook.version,
        "zones": engine.index.zones().len(),
    }))
    .into_response()
}
