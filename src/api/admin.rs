//! Admin routes (need the admin key, see [`super::security`]): `POST /admin/reload`, `GET /admin/status`.

use super::error::ApiError;
use super::AppState;
use crate::datasets::{ReloadOutcome, ReloadReason, ReloadResult};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

/// `POST /admin/reload` — reloads the configured manifest and rules folder (the request never names a path). The new
/// version is loaded and validated in the background, then swapped in; requests in flight finish on the old one.
#[utoipa::path(post, path = "/admin/reload", security(("admin_key" = [])),
    responses((status = 200, description = "swapped or unchanged", body = ReloadOutcome),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 409, description = "a reload is already running", body = super::error::Problem),
        (status = 422, description = "the new dataset was refused (problem with `outcome` and `report`); the old one keeps serving", body = super::error::Problem)))]
pub async fn post_reload(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let Some(reloader) = state.reloader.clone() else {
        return Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, "reload-unavailable", "Reload unavailable", "this server was started without a reloadable dataset", "本服务未配置可重新加载的数据集。"));
    };
    let outcome = reloader.try_reload(&state, ReloadReason::Admin).await.map_err(|_| {
        ApiError::new(StatusCode::CONFLICT, "reload-in-progress", "Reload in progress", "a reload is already running; see GET /admin/status for its result", "已有重新加载正在进行，结果见 GET /admin/status。")
    })?;
    match outcome.result {
        ReloadResult::Swapped | ReloadResult::Unchanged => Ok(Json(outcome).into_response()),
        ReloadResult::Refused | ReloadResult::Failed => {
            let report = json!(outcome.report);
            Err(ApiError::unprocessable(
                if outcome.result == ReloadResult::Refused { "dataset-refused" } else { "reload-failed" },
                format!("{}; still serving {}", outcome.error.clone().unwrap_or_default(), outcome.dataset_version),
                format!("新数据集未通过校验或无法读取，仍使用 {}。", outcome.dataset_version),
            )
            .with("report", report)
            .with("outcome", json!(outcome)))
        }
    }
}

/// `GET /admin/status` — the version serving, the versions kept (newest first; the second is the previous one), the
/// last reload's outcome, and the audit trail's state.
#[utoipa::path(get, path = "/admin/status", security(("admin_key" = [])),
    responses((status = 200, description = "`{dataset_version, rulebook_version, previous_dataset_version, kept_versions, keep_versions, last_reload, watching, audit}`"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)))]
pub async fn get_status(State(state): State<Arc<AppState>>) -> Response {
    let engine = state.engine();
    let kept = state.versions.kept();
    Json(json!({
        "dataset_version": engine.dataset.version,
        "rulebook_version": engine.rulebook.version,
        "previous_dataset_version": kept.get(1).map(|k| k.dataset_version.clone()),
        "kept_versions": kept,
        "keep_versions": state.versions.keep(),
        "last_reload": state.reloader.as_ref().and_then(|r| r.last()),
        "audit": { "enabled": state.audit.is_enabled() },
    }))
    .into_response()
}
