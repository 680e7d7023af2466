//! `POST /v1/assessments/upload`: a footprint file (multipart/form-data) assessed per feature and as a whole.
//!
//! Parts: `file` (required, exactly one), `facts` (a JSON object, as in `POST /v1/assessments`), `crs` (for files
//! without a CRS — DXF, vertex tables, shapefiles without .prj — or to override a wrong one; any name `crs` takes in
//! `POST /v1/assessments`, e.g. `cgcs2000-gk3:40`, `gcj02`, `EPSG:4528`), `towgs84` (with a Xi'an 1980 / Beijing 1954
//! `crs`), `radius_m`.

use super::assess::{fact_string, internal, json_bytes, parse_facts, radius, record, site_geojson};
use super::error::ApiError;
use super::{AppState, Client};
use axum::Extension;
use serde_json::json;
use sha2::{Digest, Sha256};
use crate::assess::AssessOptions;
use crate::upload::{self, UploadError, UploadLimits};
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The problem+json for an upload refusal.
pub fn upload_error(e: UploadError) -> ApiError {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    ApiError::new(status, e.slug(), e.title(), e.to_string(), e.message_zh()).at(match &e {
        UploadError::UnknownCrs { .. } => "crs",
        UploadError::MissingCrs { .. } => "crs",
        UploadError::Crs(c) if c.slug() == "invalid-towgs84" => "towgs84",
        UploadError::Crs(c) if c.is_about_the_crs() => "crs",
        _ => "file",
    })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload-too-large",
        "Upload too large",
        format!("the upload exceeds the limit of {limit} bytes"),
        format!("上传文件超过 {limit} 字节上限。"),
    )
    .at("file")
}

fn multipart_error(e: MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request("malformed-multipart", format!("the multipart body cannot be read: {}", e.body_text()), "multipart 请求体无法解析。")
    }
}

fn text_part(bytes: &[u8], part: &str) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::unprocessable("invalid-request", format!("the `{part}` part is not UTF-8 text"), format!("{part} 字段不是 UTF-8 文本。")).at(part)
    })
}

/// `POST /v1/assessments/upload`
#[utoipa::path(post, path = "/v1/assessments/upload",
    request_body(content_type = "multipart/form-data", description = "Parts: `file` (the footprint file: zipped shapefile, KML, KMZ, GeoJSON, GeoPackage, DXF, CSV/XLSX vertex table, 界址点 TXT), `facts` (JSON object of project facts), `crs` (as in POST /v1/assessments, e.g. cgcs2000-gk3:40, gcj02, EPSG:4528; required for files without a CRS), `towgs84` (dx,dy,dz[,rx,ry,rz,ds] with a xian80…/bj54… crs), `radius_m`, `dataset_version` (a kept version to answer from)."),
    responses((status = 200, description = "`{whole, features: [{index, name, attributes, geometry, assessment}], file: {format, layer, crs, features, notes}}`"),
        (status = 413, body = super::error::Problem), (status = 415, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn post_upload(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<Client>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let limit = state.limits.max_upload_bytes;
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-multipart",
            "Not a multipart upload",
            format!("{}: send multipart/form-data with the footprint file in a part named `file`", e.body_text()),
            "请以 multipart/form-data 上传，文件放在名为 file 的字段中。",
        )
    })?;
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    let mut facts_text: Option<String> = None;
    let mut crs: Option<String> = None;
    let mut towgs84: Option<String> = None;
    let mut radius_text: Option<String> = None;
    let mut dataset_version: Option<String> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(e, limit))? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(ApiError::unprocessable(
                        "several-files",
                        "send one file per upload (zip a shapefile's parts together)",
                        "每次只上传一个文件（shapefile 的各组成文件请打包为一个 zip）。",
                    )
                    .at("file"));
                }
                let filename = field.file_name().map(str::to_string);
                let mut bytes = Vec::new();
                let mut size = 0usize;
                // Past the limit, the rest is read and dropped (up to the route's body limit) so the client gets
                // the 413 instead of a connection closed under its feet.
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
                    size += chunk.len();
                    if size > limit {
                        bytes = Vec::new();
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                if size > limit {
                    return Err(too_large(limit));
                }
                file = Some((filename, bytes));
            }
            "facts" | "crs" | "towgs84" | "radius_m" | "dataset_version" => {
                let bytes = field.bytes().await.map_err(|e| multipart_error(e, limit))?;
                let text = text_part(&bytes, &name)?;
                match name.as_str() {
                    "facts" => facts_text = Some(text),
                    "crs" => crs = Some(text),
                    "towgs84" => towgs84 = Some(text),
                    "dataset_version" => dataset_version = Some(text),
                    _ => radius_text = Some(text),
                }
            }
            other => {
                return Err(ApiError::unprocessable(
                    "invalid-request",
                    format!("unknown part {other:?}: the parts are file, facts, crs, towgs84, radius_m and dataset_version"),
                    format!("未知字段 {other:?}：可用字段为 file、facts、crs、towgs84、radius_m、dataset_version。"),
                )
                .at(other.to_string()));
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return Err(ApiError::unprocessable("missing-file", "no `file` part: attach the footprint file as a part named `file`", "缺少 file 字段：请把用地范围文件作为 file 字段上传。").at("file"));
    };
    let raw_facts: BTreeMap<String, Value> = match facts_text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => BTreeMap::new(),
        Some(t) => serde_json::from_str(t).map_err(|e| {
            ApiError::unprocessable("invalid-facts", format!("the `facts` part must be a JSON object of fact names to values: {e}"), "facts 字段须为 JSON 对象（项目信息名称 → 值）。").at("facts")
        })?,
    };
    let mut strings = BTreeMap::new();
    for (k, v) in &raw_facts {
        let s = fact_string(v).ok_or_else(|| {
            ApiError::unprocessable("invalid-fact", format!("fact {k} must be a string, boolean or number"), format!("项目信息 {k} 须为字符串、布尔值或数字。")).at(format!("facts/{k}"))
        })?;
        strings.insert(k.clone(), s);
    }
    let engine = state.engine_for(dataset_version.as_deref(), "dataset_version")?;
    let facts = parse_facts(&engine, &strings, "facts/")?;
    let radius_m = match radius_text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(t.parse::<f64>().map_err(|_| {
            ApiError::unprocessable("invalid-radius", format!("radius_m {t:?} is not a number"), format!("radius_m {t:?} 不是数字。")).at("radius_m")
        })?),
    };
    let radius = radius(radius_m, "radius_m")?;
    // Recorded as given, except the file: by name, size and SHA-256 (the reviewer keeps the file itself).
    let request = json!({
        "file": { "name": filename, "bytes": bytes.len(), "sha256": Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect::<String>() },
        "facts": raw_facts, "crs": crs, "towgs84": towgs84, "radius_m": radius_text, "dataset_version": dataset_version,
    });
    let limits = UploadLimits { max_bytes: limit, max_vertices: state.limits.max_vertices };
    let options = AssessOptions { nearby_radius_m: radius, ..engine.options };
    // GDAL and the assessments are blocking work: keep them off the async workers.
    let worker = Arc::clone(&engine);
    let answer = tokio::task::spawn_blocking(move || {
        let read = upload::read_upload_as(bytes, filename.as_deref(), crs.as_deref(), towgs84.as_deref(), &limits)?;
        let site = site_geojson(&read.whole);
        Ok::<_, UploadError>((upload::assess_upload(&worker, read, &facts, options), site))
    })
    .await
    .map_err(|e| internal("upload worker failed", e))?
    .map_err(upload_error)?;
    let (answer, site) = answer;
    match record(&state, client.as_deref(), request, || site, &answer).await? {
        Some((_, body)) => Ok(json_bytes(body)),
        None => Ok(Json(answer).into_response()),
    }
}
