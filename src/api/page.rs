//! The map page for reviewers (`GET /` in a browser) and its bundled static assets.

use super::AppState;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}

/// The HTML map page. `GET /` is routed by `ogc` (JSON clients get the OGC landing page, browsers this).
pub fn index_html(state: &AppState) -> Response {
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>ecogate</title><p>ecogate — {} ({})</p>",
        state.engine.dataset.title, state.engine.dataset.version
    ))
    .into_response()
}
