//! HTTP service (`ecogate serve`): the assessment API, OGC API – Features for the zone layers, vector tiles, the
//! MapLibre style, its label glyphs and the map page. The engine knows nothing of HTTP; this module only translates.
//!
//! Limits (all configurable, documented in the README and `/openapi.json`): request body 2 MiB, 50,000 vertices
//! per geometry, 30 s per request, 20 MiB per uploaded footprint file. Every error is `application/problem+json` (RFC 7807).
//! Every assessment answer is recorded in the audit trail ([`crate::audit`]) before it is sent.

pub mod admin;
pub mod assess;
pub mod batches;
pub mod error;
pub mod fonts;
pub mod guard;
pub mod ogc;
pub mod openapi;
pub mod page;
pub mod report;
pub mod security;
pub mod watch;
pub mod tiles;
pub mod upload;

use crate::assess::Engine;
use crate::audit::AuditStore;
use crate::datasets::{Lookup, ReloadOutcome, ReloadReason, Reloader, Versions};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use std::net::SocketAddr;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use arc_swap::ArcSwap;
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

/// Shared by every handler. The engine sits behind an [`ArcSwap`] so a new dataset version can replace it while
/// requests are in flight: a handler takes one snapshot with [`AppState::engine`] and answers from it to the end, so
/// every answer is consistent with the dataset version it names.
pub struct AppState {
    current: ArcSwap<Engine>,
    /// The last `--keep-versions` engines by dataset version (current included), for `dataset_version` requests.
    pub versions: Versions,
    /// Loads new dataset versions (`POST /admin/reload`, SIGHUP, `--watch`); `None` when the paths are unknown.
    pub reloader: Option<Arc<Reloader>>,
    /// Keys for the admin routes and, when configured, the read API.
    pub keys: security::Keys,
    /// The audit trail every assessment answer is recorded in (`GET /v1/assessments/{id}` reads it back). Its
    /// [`AuditStore::get`] is blocking: call it from `spawn_blocking`.
    pub audit: Arc<AuditStore>,
    pub limits: Limits,
    pub config: ServiceConfig,
    /// The font map labels are made from, or why there is none (then the style is served without labels).
    pub glyphs: crate::glyphs::LabelFont,
    /// The printable reports' font: the labels' font file, read on the first report.
    pub report_font: report::ReportFontCell,
}

impl AppState {
    pub fn new(engine: Engine, limits: Limits, config: ServiceConfig, glyphs: crate::glyphs::LabelFont) -> Self {
        let engine = Arc::new(engine);
        let report_font = report::ReportFontCell::new(glyphs.path());
        AppState {
            versions: Versions::new(Arc::clone(&engine), 3),
            current: ArcSwap::new(engine),
            reloader: None,
            keys: security::Keys::default(),
            audit: Arc::new(AuditStore::disabled()),
            limits,
            config,
            glyphs,
            report_font,
        }
    }

    /// Keeps the last `keep` dataset versions for `dataset_version` requests (at least 1: the current one).
    pub fn with_keep_versions(mut self, keep: usize) -> Self {
        self.versions = Versions::new(self.engine(), keep);
        self
    }

    /// Reloads from these paths on `POST /admin/reload`, SIGHUP and file changes.
    pub fn with_reloader(mut self, reloader: Reloader) -> Self {
        self.reloader = Some(Arc::new(reloader));
        self
    }

    pub fn with_keys(mut self, keys: security::Keys) -> Self {
        self.keys = keys;
        self
    }

    /// Records assessments in `audit` (the default, [`AuditStore::disabled`], records nothing and gives no ids).
    pub fn with_audit(mut self, audit: Arc<AuditStore>) -> Self {
        self.audit = audit;
        self
    }

    /// The engine (dataset + rulebook) this request answers from; take it once per request.
    pub fn engine(&self) -> Arc<Engine> {
        self.current.load_full()
    }

    /// Makes `engine` the one new requests answer from; requests holding the old one finish on it. It is also kept
    /// among [`AppState::versions`].
    pub fn replace_engine(&self, engine: Arc<Engine>) -> Arc<Engine> {
        self.install(engine).0
    }

    /// [`AppState::replace_engine`], also returning the dataset versions no longer kept.
    pub fn install(&self, engine: Arc<Engine>) -> (Arc<Engine>, Vec<String>) {
        let evicted = self.versions.push(Arc::clone(&engine));
        (self.current.swap(engine), evicted)
    }

    /// The engine for a request that may name a `dataset_version`: the current one when it names none (or the current
    /// one); a kept older one; else 409 (never loaded here) or 410 (evicted), listing the versions available.
    pub fn engine_for(&self, version: Option<&str>, pointer: &str) -> Result<Arc<Engine>, ApiError> {
        let current = self.engine();
        let Some(version) = version.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(current) };
        if version == current.dataset.version {
            return Ok(current);
        }
        let well_formed = version.split_once('@').is_some_and(|(id, hash)| {
            !id.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        });
        if !well_formed {
            return Err(ApiError::unprocessable("invalid-dataset-version",
                format!("dataset_version {version:?} is not a dataset version (like {})", current.dataset.version),
                format!("dataset_version {version:?} 不是数据集版本号（形如 {}）。", current.dataset.version)).at(pointer));
        }
        let available = serde_json::json!(self.versions.kept());
        match self.versions.lookup(version) {
            Lookup::Found(engine) => Ok(engine),
            Lookup::Evicted => Err(ApiError::new(StatusCode::GONE, "dataset-version-evicted", "Dataset version no longer kept",
                format!("dataset version {version} was served here but is no longer kept (the last {} are); re-run on a current version or on a server keeping more (--keep-versions)", self.versions.keep()),
                format!("数据集版本 {version} 曾在此使用，但已不再保留（仅保留最近 {} 个）。", self.versions.keep()))
                .at(pointer).with("available_versions", available)),
            Lookup::Unknown => Err(ApiError::new(StatusCode::CONFLICT, "unknown-dataset-version", "Unknown dataset version",
                format!("dataset version {version} has not been loaded by this server"),
                format!("本服务未加载过数据集版本 {version}。"))
                .at(pointer).with("available_versions", available)),
        }
    }

    /// Reloads the dataset (waiting for a reload already running); for triggers other than `POST /admin/reload`.
    pub async fn reload(&self, reason: ReloadReason) -> Option<ReloadOutcome> {
        let reloader = self.reloader.clone()?;
        Some(reloader.reload(self, reason).await)
    }
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits.clone();
    let cors = cors_layer(&state.config.cors_origins);
    let api = Router::new()
        .route("/v1/assessments", get(assess::get_assessment).post(assess::post_assessment))
        .route("/v1/assessments/{id}", get(assess::get_recorded))
        .route("/v1/assessments/{id}/report", get(report::get_report))
        // Its own body limit: the file plus room for the multipart framing and the facts.
        .route(
            "/v1/assessments/upload",
            post(upload::post_upload).layer(DefaultBodyLimit::max(limits.max_upload_bytes.saturating_add(1024 * 1024))),
        )
        .route("/v1/rules", get(assess::get_rules))
        .route("/v1/industries", get(assess::get_industries))
        .route("/v1/zones/{code}", get(assess::get_zone))
        .route("/admin/reload", post(admin::post_reload))
        .route("/admin/status", get(admin::get_status))
        .route("/healthz", get(assess::healthz))
        .route("/readyz", get(assess::readyz))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(batches::routes(&limits))
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
        // Inside CORS (preflights need no key), outside the handlers; identify_client runs first.
        .layer(middleware::from_fn_with_state(Arc::clone(&state), security::guard))
        .layer(middleware::from_fn(identify_client))
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

/// Who is asking, as recorded in the audit trail: `key:<label>` for an API key (never the key), else `ip:<address>`.
#[derive(Debug, Clone)]
pub struct Client(pub String);

/// Puts the [`Client`] in the request's extensions (from the peer address the server was started to record).
async fn identify_client(mut req: Request, next: Next) -> Response {
    if req.extensions().get::<Client>().is_none() {
        if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
            let client = Client(format!("ip:{}", addr.ip()));
            req.extensions_mut().insert(client);
        }
    }
    next.run(req).await
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let base = CorsLayer::new().allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION, HeaderName::from_static("x-api-key")]).expose_headers([REQUEST_ID]);
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

/// Serves until SIGINT or SIGTERM, then drains requests in flight (each waits for its audit record to be
/// committed) and flushes the audit trail, so no answered assessment is missing from it.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let audit = Arc::clone(&state.audit);
    spawn_reload_triggers(&state);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    let _ = tokio::task::spawn_blocking(move || audit.close()).await;
    served
}

/// SIGHUP reloads the dataset (with a reloader configured); idle clients' rate-limit state is dropped hourly.
fn spawn_reload_triggers(state: &Arc<AppState>) {
    {
        let state = Arc::clone(state);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                state.keys.forget_idle_clients();
            }
        });
    }
    if state.reloader.is_none() {
        return;
    }
    #[cfg(unix)]
    {
        let state = Arc::clone(state);
        tokio::spawn(async move {
            let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
                tracing::warn!("cannot listen for SIGHUP: reload with POST /admin/reload instead");
                return;
            };
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading the dataset");
                state.reload(ReloadReason::Signal).await;
            }
        });
    }
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
