//! OGC API – Features, Part 1 Core, over the zone layers (one collection per manifest layer), in CRS84 GeoJSON.

use super::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum::Router;
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/", get(root))
}

/// `GET /`: the OGC landing page for JSON clients (`f=json`, or an Accept header preferring JSON, as GDAL and QGIS
/// send), the map page for browsers.
async fn root(State(state): State<Arc<AppState>>, Query(q): Query<std::collections::BTreeMap<String, String>>, headers: HeaderMap) -> Response {
    let accept = headers.get(axum::http::header::ACCEPT).and_then(|h| h.to_str().ok()).unwrap_or("");
    let wants_json = match q.get("f").map(String::as_str) {
        Some("json") => true,
        Some(_) => false,
        None => accept.contains("json") && !accept.contains("text/html"),
    };
    if wants_json {
        landing_response(&state, &headers)
    } else {
        super::page::index_html(&state)
    }
}

/// The base URL clients used to reach us (Host header), for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// The OGC API landing page (`GET /` when JSON is asked for; browsers get the map page).
pub fn landing_response(state: &AppState, headers: &HeaderMap) -> Response {
    let base = base_url(headers);
    Json(json!({
        "title": format!("ecogate — {}", state.engine.dataset.title),
        "description": "Chinese ecological zoning layers and siting assessments",
        "dataset_version": state.engine.dataset.version,
        "links": [
            { "href": format!("{base}/?f=json"), "rel": "self", "type": "application/json", "title": "this document" },
            { "href": format!("{base}/openapi.json"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition" },
            { "href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes" },
            { "href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "zone layers" },
        ]
    }))
    .into_response()
}
