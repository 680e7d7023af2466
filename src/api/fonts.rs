//! Map label glyphs over HTTP (made and cached in `crate::glyphs`):
//!
//! - `GET /fonts/{fontstack}/{start}-{end}.pbf` — the SDF glyph PBF of one 256-code-point range of the service's
//!   label font, `application/x-protobuf`; the style's `glyphs` URL points here. `fontstack` is the font's family
//!   name (`WenQuanYi Micro Hei` by default), alone or in a comma-separated list. A malformed or unaligned range is
//!   400, another fontstack 404, and without a label font (none installed, or `--font` names no usable file) every
//!   glyph request is 503 with how to install one — the style is then served without labels.

use super::error::ApiError;
use super::AppState;
use crate::glyphs::{GlyphRange, LabelFont, DEFAULT_FONT, DEFAULT_FONT_PACKAGE};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub const GLYPHS_CONTENT_TYPE: &str = "application/x-protobuf";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/fonts/{fontstack}/{file}", get(get_glyphs))
}

/// The 503 for a service without a label font: what is missing and how to install it.
fn unavailable(path: &std::path::Path, reason: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "glyphs-unavailable",
        "Map label font unavailable",
        format!(
            "no font for map labels ({reason}): install Debian's {DEFAULT_FONT_PACKAGE} (apt-get install {DEFAULT_FONT_PACKAGE}; \
             scripts/setup.sh does) for {DEFAULT_FONT}, or start the service with --font /path/to/font.ttf (or ECOGATE_FONT), \
             then restart it; the map is served without labels until then"
        ),
        format!(
            "没有可用于地图标注的字体（{}）：请安装 Debian 软件包 {DEFAULT_FONT_PACKAGE}（apt-get install {DEFAULT_FONT_PACKAGE}，\
             scripts/setup.sh 会安装），或以 --font /字体/路径.ttf（或环境变量 ECOGATE_FONT）启动服务，然后重启；在此之前地图不显示标注。",
            path.display()
        ),
    )
}

/// `GET /fonts/{fontstack}/{range}.pbf`
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}.pbf",
    params(("fontstack" = String, Path, description = "the label font's family name, e.g. `WenQuanYi Micro Hei`, or a comma-separated list holding it"),
           ("range" = String, Path, description = "`START-END`: START a multiple of 256, END = START + 255, at most 65535 (e.g. `0-255`, `19968-20223`)")),
    responses((status = 200, description = "SDF glyph PBF (application/x-protobuf) of the code points in the range that the font has"),
              (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem),
              (status = 503, description = "the service has no label font", body = super::error::Problem)))]
pub async fn get_glyphs(State(state): State<Arc<AppState>>, Path((fontstack, file)): Path<(String, String)>) -> Result<Response, ApiError> {
    let Some(range) = file.strip_suffix(".pbf") else {
        return Err(ApiError::not_found(format!("no resource {file:?}: glyph ranges are {{start}}-{{end}}.pbf"), format!("{file} 不存在：字形范围的路径为 起点-终点.pbf。")));
    };
    // A malformed range is the client's error whether or not this service has a label font: say so first (a 4xx,
    // not the 503 of a missing font).
    let range = GlyphRange::parse(range).map_err(|e| ApiError::bad_request("invalid-glyph-range", e.to_string(), e.message_zh()).at("range"))?;
    let font = match &state.glyphs {
        LabelFont::Ready(font) => font,
        LabelFont::Unavailable { path, reason } => return Err(unavailable(path, reason)),
    };
    if !font.serves(&fontstack) {
        return Err(ApiError::not_found(
            format!("no fontstack {fontstack:?}: this service has {:?}", font.name()),
            format!("没有名为 {fontstack} 的字体，可用字体：{}。", font.name()),
        ));
    }
    let pbf = match font.cached(range) {
        Some(pbf) => pbf,
        // Rendering 256 glyphs is CPU work: keep it off the async workers.
        None => {
            let state = state.clone();
            tokio::task::spawn_blocking(move || state.glyphs.font().expect("checked above").range_pbf(range))
                .await
                .map_err(|e| internal(e.to_string()))?
                .map_err(|e| internal(e.to_string()))?
        }
    };
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(GLYPHS_CONTENT_TYPE))], Bytes::from_owner(pbf)).into_response())
}

fn internal(detail: String) -> ApiError {
    tracing::error!(%detail, "glyph rendering failed");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the glyphs could not be made; the error has been logged", "字形生成失败，已记录。")
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(get_glyphs))]
pub struct FontsDoc;
