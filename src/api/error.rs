//! RFC 7807 problem details (`application/problem+json`) for every error the API returns: a stable `type`, an
//! English `detail`, a Chinese `detail_zh`, and a JSON pointer to the offending field where there is one.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem kind, e.g. `/problems/invalid-coordinates`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub detail_zh: String,
    /// JSON pointer (RFC 6901) into the request body, or the query parameter name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Extension members of some problems (RFC 7807 §3.2), e.g. `available_versions`, `report`.
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub detail_zh: String,
    pub pointer: Option<String>,
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>, detail_zh: impl Into<String>) -> ApiError {
        ApiError { status, slug, title, detail: detail.into(), detail_zh: detail_zh.into(), pointer: None, extensions: Default::default() }
    }

    pub fn at(mut self, pointer: impl Into<String>) -> ApiError {
        self.pointer = Some(pointer.into());
        self
    }

    /// Adds an extension member to the problem.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> ApiError {
        self.extensions.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(slug: &'static str, detail: impl Into<String>, detail_zh: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail, detail_zh)
    }

    pub fn unprocessable(slug: &'static str, detail: impl Into<String>, detail_zh: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, slug, "Invalid input", detail, detail_zh)
    }

    pub fn not_found(detail: impl Into<String>, detail_zh: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail, detail_zh)
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("/problems/{}", self.slug),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            detail_zh: self.detail_zh.clone(),
            pointer: self.pointer.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        resp
    }
}
