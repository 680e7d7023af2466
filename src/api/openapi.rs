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
        super::batches::post_batch,
        super::batches::get_batch,
        super::batches::get_results,
        super::assess::get_zone,
        super::assess::get_rules,
        super::assess::get_industries,
        super::admin::post_reload,
        super::admin::get_status,
        super::assess::healthz,
        super::assess::readyz,
        super::ogc::root,
        super::ogc::conformance,
        super::ogc::collections,
        super::ogc::collection,
        super::ogc::items,
        super::ogc::feature,
    ),
    components(schemas(super::batches::BatchStatus, crate::batch::Counts, super::assess::AssessmentRequest, super::error::Problem, crate::assess::Assessment, crate::audit::AuditRecord,
        crate::datasets::ReloadOutcome, crate::datasets::ReloadResult, crate::datasets::KeptVersion,
        super::ogc::LandingPage, super::ogc::Conformance, super::ogc::Collections, super::ogc::Collection,
        super::ogc::FeatureCollectionPage, super::ogc::Link)),
    modifiers(&AdminKey)
)]
pub struct ApiDoc;

/// The `admin_key` and `read_key` security schemes (`Authorization: Bearer <key>`).
struct AdminKey;

impl utoipa::Modify for AdminKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("admin_key", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("the admin key (--admin-key-file or $ECOGATE_ADMIN_KEY)")).build()));
        components.add_security_scheme("read_key", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("a read key (--read-keys-file), needed on /v1/* when configured; also X-API-Key or ?api_key=")).build()));
    }
}

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
