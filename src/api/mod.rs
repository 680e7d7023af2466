//! HTTP service (`ecogate serve`): the assessment API, OGC API – Features for the zone layers, vector tiles, the
//! MapLibre style, its label glyphs and the map page. The engine knows nothing of HTTP; this module only translates.
//!
//! Limits (all configurable, documented in the README and `/openapi.json`): request body 2 MiB, 50,000 vertices
//! per geometry, 30 s per request, 20 MiB per uploaded footprint file. Every error is `application/problem+json` (RFC 7807).

pub mod assess;
pub mod error;
pub mod fonts;
pub mod guard;
pub mod ogc;
pub mod openapi;
pub mod page;
pub mod tiles;
pub mod upload;

use crate::assess::Engine;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

/// Request limits.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_vertices: usize,
    pub request_timeout: Duration,
    /// Largest footprint file accepted by `POST /v1/assessments/upload`.
    pub max_upload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 * 1024 * 1024,
            max_vertices: 50_000,
            request_timeout: Duration::from_secs(30),
            max_upload_bytes: 20 * 1024 * 1024,
        }
    }
}

/// Service configuration beyond the engine.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    pub limits: Limits,
    /// Origins allowed to call the API from browsers with any method; empty = any origin, GET/HEAD only.
    pub cors_origins: Vec<String>,
    /// Optional raster base-map tile URL template for the map page (none by default: the zones are the map).
    pub base_map_url: Option<String>,
    /// Where the map page's bundled JS/CSS (maplibre-gl from npm) live.
    pub web_dir: std::path::PathBuf,
}

pub struct AppState {
    pub engine: Engine,
    pub limits: Limits,
    pub config: ServiceConfig,
    /// The font map labels are made from, or why there is none (then the style is served without labels).
    pub glyphs: crate::glyphs::LabelFont,
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits.clone();
    let cors = cors_layer(&state.config.cors_origins);
    let api = Router::new()
        .route("/v1/assessments", get(assess::get_assessment).post(assess::post_assessment))
        // Its own body limit: the file plus room for the multipart framing and the facts.
        .route(
            "/v1/assessments/upload",
            post(upload::post_upload).layer(DefaultBodyLimit::max(limits.max_upload_bytes.saturating_add(1024 * 1024))),
        )
        .route("/v1/rules", get(assess::get_rules))
        .route("/v1/industries", get(assess::get_industries))
        .route("/v1/zones/{code}", get(assess::get_zone))
        .route("/healthz", get(assess::healthz))
        .route("/readyz", get(assess::readyz))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(ogc::routes())
        .merge(tiles::routes())
        .merge(fonts::routes())
        .merge(page::routes());
    api.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Innermost: extractor rejections (plain text) become problem+json too; non-UTF-8 queries are refused.
        .layer(middleware::from_fn(guard::problem_json_only))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(limits.request_timeout, timeout))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "an internal error occurred; it has been logged", "服务内部错误，已记录。").into_response()
        }))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let base = CorsLayer::new().allow_headers([header::CONTENT_TYPE, header::ACCEPT]).expose_headers([REQUEST_ID]);
    if origins.is_empty() {
        base.allow_origin(Any).allow_methods([Method::GET, Method::HEAD])
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        base.allow_origin(AllowOrigin::list(list)).allow_methods([Method::GET, Method::HEAD, Method::POST])
    }
}

async fn timeout(axum::extract::State(limit): axum::extract::State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "Request took too long",
            format!("the request did not finish within {} s", limit.as_secs()), format!("请求未能在 {} 秒内完成。", limit.as_secs()))
        .into_response(),
    }
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("no resource at {}", req.uri().path()), format!("路径 {} 不存在。", req.uri().path()))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
        format!("{} is not allowed on {}", req.method(), req.uri().path()), format!("{} 方法不适用于 {}。", req.method(), req.uri().path()))
}

/// Serves until SIGINT or SIGTERM, then drains requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining requests");
}
