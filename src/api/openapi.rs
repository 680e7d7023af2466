//! The OpenAPI 3 document, generated from the handler annotations and the response types.

use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "ecogate", description = "Siting compliance screening against Chinese ecological zoning layers. Errors are RFC 7807 problem+json."),
    paths(
        super::assess::post_assessment,
        super::assess::get_assessment,
        super::assess::get_zone,
        super::assess::get_rules,
        super::assess::get_industries,
        super::assess::healthz,
        super::assess::readyz,
    ),
    components(schemas(super::assess::AssessmentRequest, super::error::Problem, crate::assess::Assessment))
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::tiles::TilesDoc::openapi());
    Json(doc).into_response()
}
