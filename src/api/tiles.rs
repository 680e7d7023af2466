//! Vector tiles, their TileJSON and the MapLibre style over HTTP (the tiles themselves are made in `crate::tiles`):
//!
//! - `GET /tiles/{tileset}/{z}/{x}/{y}.mvt` — Mapbox Vector Tile 2.1, Web Mercator XYZ, z 0–22. `tileset` is `zones`
//!   (every layer, one MVT layer each) or one manifest layer id. **An empty tile is 204 No Content**, always;
//!   an unknown tileset 404; a zoom outside 0–22, or x/y outside the zoom's grid, 400 (problem+json).
//! - `GET /tiles/{tileset}.json` — TileJSON 3.0.0, tile URLs absolute from the request's Host header.
//! - `GET /styles/ecogate.json` — the MapLibre style (`styles/ecogate.json`, built in) with `{base}` replaced by the
//!   absolute base URL, so its `zones` source and its `glyphs` point at this service. Its label (symbol) layers name
//!   the service's label font; without one (see `api::fonts`) the style is served without `glyphs` and without label
//!   layers, since MapLibre logs an error for every glyph range it cannot load.
//!
//! Tiles carry a weak `ETag` made from the dataset version and `Cache-Control: no-cache`: a browser keeps them but
//! asks again each time, and gets a body-less 304 until the dataset is reloaded, so a map never shows zones from a
//! version the API no longer answers from.

use super::error::ApiError;
use super::AppState;
use crate::tiles::{self, TileId, Tileset};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use std::sync::{Arc, LazyLock};

pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// The style as shipped in `styles/ecogate.json`, with `{base}` placeholders in its URLs.
static STYLE: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(include_str!("../../styles/ecogate.json")).expect("styles/ecogate.json is JSON"));

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/tiles/{file}", get(get_tilejson))
        .route("/tiles/{tileset}/{z}/{x}/{file}", get(get_tile))
        .route("/styles/ecogate.json", get(get_style))
}

fn unknown_tileset(engine: &crate::assess::Engine, name: &str) -> ApiError {
    let known: Vec<&str> = std::iter::once(tiles::ALL_LAYERS).chain(engine.layers.iter().map(|l| l.id.as_str())).collect();
    ApiError::not_found(
        format!("no tileset {name:?}: use {}", known.join(", ")),
        format!("没有名为 {name} 的瓦片集，可选：{}。", known.join("、")),
    )
}

fn tile_number(v: &str, name: &'static str) -> Result<u32, ApiError> {
    v.parse::<u32>().map_err(|_| {
        ApiError::bad_request("invalid-tile", format!("{name}={v:?} is not a tile number (a non-negative integer)"), format!("{name}={v:?} 不是有效的瓦片编号（非负整数）。"))
            .at(name)
    })
}

/// `GET /tiles/{tileset}/{z}/{x}/{y}.mvt`
#[utoipa::path(get, path = "/tiles/{tileset}/{z}/{x}/{y}.mvt",
    params(("tileset" = String, Path, description = "`zones` (all layers) or a manifest layer id"),
           ("z" = u32, Path, description = "zoom, 0–22"), ("x" = u32, Path), ("y" = u32, Path)),
    responses((status = 200, description = "Mapbox Vector Tile 2.1 (application/vnd.mapbox-vector-tile)"),
              (status = 204, description = "No zone reaches this tile"),
              (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn get_tile(
    State(state): State<Arc<AppState>>,
    Path((tileset, z, x, file)): Path<(String, String, String, String)>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(y) = file.strip_suffix(".mvt") else {
        return Err(ApiError::not_found(format!("no tile {file:?}: tiles are {{y}}.mvt"), format!("瓦片 {file} 不存在：瓦片路径以 .mvt 结尾。")));
    };
    let engine = state.engine();
    let layers = Tileset::find(&engine.layers, &tileset).ok_or_else(|| unknown_tileset(&engine, &tileset))?;
    let layers: Vec<String> = layers.layer_ids().into_iter().map(String::from).collect();
    let (z, x, y) = (tile_number(&z, "z")?, tile_number(&x, "x")?, tile_number(y, "y")?);
    let tile = TileId::new(z, x, y).map_err(|e| {
        let at = if matches!(e, tiles::TileIdError::Zoom(_)) { "z" } else { "x" };
        ApiError::bad_request("invalid-tile", e.to_string(), e.message_zh()).at(at)
    })?;
    // Weak: the compression layer may re-encode the bytes; the content is what the tag vouches for.
    let etag = HeaderValue::from_str(&format!("W/\"{}\"", engine.dataset.version)).map_err(|e| internal(e.to_string()))?;
    let cache = [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    let unchanged = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag.to_str().unwrap_or_default().trim_start_matches("W/"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    // Clipping is CPU work: keep it off the async workers.
    let bytes = tokio::task::spawn_blocking(move || {
        let ids: Vec<&str> = layers.iter().map(String::as_str).collect();
        tiles::render_tile(&engine.index, &ids, tile)
    })
    .await
    .map_err(|e| internal(e.to_string()))?
    .map_err(|e| internal(e.to_string()))?;
    Ok(match bytes {
        None => (StatusCode::NO_CONTENT, cache).into_response(),
        Some(b) => (cache, [(header::CONTENT_TYPE, HeaderValue::from_static(MVT_CONTENT_TYPE))], b).into_response(),
    })
}

fn internal(detail: String) -> ApiError {
    tracing::error!(%detail, "tile rendering failed");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the tile could not be made; the error has been logged", "瓦片生成失败，已记录。")
}

/// `GET /tiles/{tileset}.json`
#[utoipa::path(get, path = "/tiles/{tileset}.json",
    params(("tileset" = String, Path, description = "`zones` (all layers) or a manifest layer id")),
    responses((status = 200, description = "TileJSON 3.0.0"), (status = 404, body = super::error::Problem)))]
pub async fn get_tilejson(State(state): State<Arc<AppState>>, Path(file): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(ApiError::not_found(format!("no resource /tiles/{file}: TileJSON is /tiles/{{tileset}}.json"), format!("路径 /tiles/{file} 不存在：TileJSON 位于 /tiles/{{瓦片集}}.json。")));
    };
    let engine = state.engine();
    let tileset = Tileset::find(&engine.layers, name).ok_or_else(|| unknown_tileset(&engine, name))?;
    let base = super::ogc::base_url(&headers);
    Ok(Json(tiles::tilejson(&engine, &tileset, &base)).into_response())
}

/// `GET /styles/ecogate.json`
#[utoipa::path(get, path = "/styles/ecogate.json",
    responses((status = 200, description = "MapLibre style v8 whose `zones` source is this service's TileJSON and whose \
        `glyphs` are this service's /fonts; without a label font, no `glyphs` and no label (symbol) layers")))]
pub async fn get_style(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let base = super::ogc::base_url(&headers);
    let mut style = STYLE.clone();
    match state.glyphs.font() {
        Some(font) => set_text_font(&mut style, font.name()),
        None => strip_labels(&mut style),
    }
    substitute_base(&mut style, &base);
    Json(style).into_response()
}

/// Points every label layer at the served font (the style file names WenQuanYi Micro Hei; `--font` may be another).
fn set_text_font(style: &mut Value, font: &str) {
    for layer in style["layers"].as_array_mut().into_iter().flatten() {
        if let Some(f) = layer.pointer_mut("/layout/text-font") {
            *f = Value::Array(vec![Value::String(font.to_string())]);
        }
    }
}

/// Removes `glyphs`, the symbol layers and their ids in `metadata["ecogate:layer-ids"]`.
fn strip_labels(style: &mut Value) {
    let Some(obj) = style.as_object_mut() else { return };
    obj.remove("glyphs");
    let mut removed = Vec::new();
    if let Some(layers) = obj.get_mut("layers").and_then(Value::as_array_mut) {
        layers.retain(|l| {
            let label = l["type"] == "symbol";
            if label {
                removed.push(l["id"].clone());
            }
            !label
        });
    }
    if let Some(ids) = style.pointer_mut("/metadata/ecogate:layer-ids").and_then(Value::as_array_mut) {
        ids.retain(|id| !removed.contains(id));
    }
}

/// Replaces `{base}` in every string of the style (as JSON values, so a Host header cannot break the JSON).
fn substitute_base(v: &mut Value, base: &str) {
    match v {
        Value::String(s) if s.contains("{base}") => *s = s.replace("{base}", base),
        Value::Array(a) => a.iter_mut().for_each(|v| substitute_base(v, base)),
        Value::Object(o) => o.values_mut().for_each(|v| substitute_base(v, base)),
        _ => {}
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(get_tile, get_tilejson, get_style))]
pub struct TilesDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol_ids(style: &Value) -> Vec<&str> {
        style["layers"].as_array().unwrap().iter().filter(|l| l["type"] == "symbol").map(|l| l["id"].as_str().unwrap()).collect()
    }

    #[test]
    fn the_style_has_labels_that_can_be_stripped() {
        assert!(STYLE["glyphs"].as_str().is_some_and(|g| g.starts_with("{base}/fonts/")));
        let labels = symbol_ids(&STYLE);
        assert!(labels.contains(&"control_units-label"), "{labels:?}");
        let mut s = STYLE.clone();
        strip_labels(&mut s);
        assert!(s.get("glyphs").is_none());
        assert!(symbol_ids(&s).is_empty());
        let ids = s["metadata"]["ecogate:layer-ids"].as_array().unwrap();
        assert!(ids.iter().all(|id| !id.as_str().unwrap().ends_with("-label")), "{ids:?}");
        assert_eq!(ids.len(), s["layers"].as_array().unwrap().len());
        // Every other layer is untouched.
        assert_eq!(s["layers"].as_array().unwrap().len() + labels.len(), STYLE["layers"].as_array().unwrap().len());
    }

    #[test]
    fn label_layers_name_the_served_font() {
        let mut s = STYLE.clone();
        set_text_font(&mut s, "Noto Sans CJK SC");
        for l in s["layers"].as_array().unwrap().iter().filter(|l| l["type"] == "symbol") {
            assert_eq!(l["layout"]["text-font"], serde_json::json!(["Noto Sans CJK SC"]), "{}", l["id"]);
        }
    }

    #[test]
    fn style_placeholders_are_replaced_as_json() {
        let mut s = STYLE.clone();
        substitute_base(&mut s, "http://h\"x:1");
        let url = s.pointer("/sources/zones/url").and_then(Value::as_str).unwrap();
        assert_eq!(url, "http://h\"x:1/tiles/zones.json");
        assert!(!serde_json::to_string(&s).unwrap().contains("{base}"));
    }
}
