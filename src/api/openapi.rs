//! The OpenAPI 3 document, generated from the handler annotations and the response types.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "ecogate", description = "Siting compliance screening against Chinese ecological zoning layers. Errors are RFC 7807 problem+json."),
    paths(
        super::assess::post_assessment,
        super::assess::get_assessment,
        super::assess::get_recorded,
        super::report::get_report,
        super::upload::post_upload,
        super::assess::get_zone,
        super::assess::get_rules,
        super::assess::get_industries,
        super::assess::healthz,
        super::assess::readyz,
        super::ogc::root,
        super::ogc::conformance,
        super::ogc::collections,
        super::ogc::collection,
        super::ogc::items,
        super::ogc::feature,
    ),
    components(schemas(super::assess::AssessmentRequest, super::error::Problem, crate::assess::Assessment, crate::audit::AuditRecord,
        super::ogc::LandingPage, super::ogc::Conformance, super::ogc::Collections, super::ogc::Collection,
        super::ogc::FeatureCollectionPage, super::ogc::Link))
)]
pub struct ApiDoc;

/// Served with the media type the landing page's `service-desc` link announces ([`super::ogc::OPENAPI`]): the
/// document is OpenAPI 3.1, and says so.
pub async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::tiles::TilesDoc::openapi());
    doc.merge(super::fonts::FontsDoc::openapi());
    let mut resp = Json(doc).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(super::ogc::OPENAPI));
    resp
}
