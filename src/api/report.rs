//! `GET /v1/assessments/{id}/report?format=html|pdf&lang=zh|en` — the printable report of a recorded assessment,
//! rendered from the answer as it was sent (the audit record), with the figure's zones from the dataset version it
//! was made on when the server still keeps that version, else from the current one.
//!
//! Rendering (the figure, a PDF) takes CPU time, so it runs on the blocking pool, not on the request's worker.

use super::error::ApiError;
use super::AppState;
use crate::assess::Engine;
use crate::audit::AuditRecord;
use crate::crs::InputCrs;
use crate::index::Site;
use crate::report::font::ReportFont;
use crate::report::model::ReportMeta;
use crate::report::{self, Format, Lang, ReportInput};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    /// html (default) or pdf.
    pub format: Option<String>,
    /// zh (default) or en.
    pub lang: Option<String>,
}

impl ReportQuery {
    pub fn parse(&self) -> Result<(Format, Lang), ApiError> {
        let format = match self.format.as_deref() {
            None => Format::Html,
            Some(f) => match Format::parse(f) {
                Some(f @ (Format::Html | Format::Pdf)) => f,
                _ => {
                    return Err(ApiError::bad_request("invalid-format", format!("unknown report format {f:?}: use html or pdf"), format!("未知报告格式 {f}：可选 html 或 pdf。"))
                        .at("format"))
                }
            },
        };
        let lang = match self.lang.as_deref() {
            None => Lang::Zh,
            Some(l) => Lang::parse(l)
                .ok_or_else(|| ApiError::bad_request("invalid-lang", format!("unknown report language {l:?}: use zh or en"), format!("未知报告语言 {l}：可选 zh 或 en。")).at("lang"))?,
        };
        Ok((format, lang))
    }
}

/// The report font, loaded once on first use from the map labels' font file: a server without it still serves
/// everything else, and its reports fail with a 503 naming the package to install.
pub struct ReportFontCell {
    path: std::path::PathBuf,
    font: OnceLock<Result<ReportFont, String>>,
}

impl ReportFontCell {
    pub fn new(path: &Path) -> Self {
        ReportFontCell { path: path.to_path_buf(), font: OnceLock::new() }
    }

    pub fn get(&self) -> Result<&ReportFont, ApiError> {
        self.font.get_or_init(|| ReportFont::load(&self.path).map_err(|e| e.to_string())).as_ref().map_err(|reason| {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "report-font-unavailable", "Reports unavailable", reason.clone(), format!("无法生成报告：缺少字体（{reason}）。"))
        })
    }
}

/// `GET /v1/assessments/{id}/report?format=html|pdf&lang=zh|en`
#[utoipa::path(get, path = "/v1/assessments/{id}/report",
    params(("id" = String, Path, description = "reference number from an assessment answer, e.g. EG-20261127-7K3M9QX2TB"),
           ("format" = Option<String>, Query, description = "html (default) or pdf"),
           ("lang" = Option<String>, Query, description = "zh (default) or en")),
    responses((status = 200, description = "The printable report: text/html or application/pdf"),
              (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem), (status = 503, body = super::error::Problem)))]
pub async fn get_report(State(state): State<Arc<AppState>>, UrlPath(raw): UrlPath<String>, Query(q): Query<ReportQuery>) -> Result<Response, ApiError> {
    let (format, lang) = q.parse()?;
    let rec = super::assess::lookup_recorded(&state, &raw).await?;
    let font = state.report_font.get()?.clone();
    // Zones from the dataset version the answer was made on while this server still keeps it, else the current one
    // (and the figure's caption says the versions differ).
    let assessed = reported(&rec.assessment).pointer("/dataset/version").and_then(Value::as_str);
    let engine = match assessed.map(|v| state.versions.lookup(v)) {
        Some(crate::datasets::Lookup::Found(engine)) => engine,
        _ => state.engine(),
    };
    respond(engine, font, rec, format, lang).await
}

/// What the report is about: the answer itself, or for an uploaded file (recorded as `{id, whole, features, file}`)
/// the file assessed as a whole, which is the verdict a reviewer files; the per-feature answers stay in the record.
fn reported(assessment: &Value) -> &Value {
    match assessment.get("whole") {
        Some(whole) if whole.get("verdict").is_some() => whole,
        _ => assessment,
    }
}

/// The site geometry of a record; a record whose geometry cannot be read is drawn at the answer's representative
/// point (the report still states the measured figures from the answer).
fn recorded_site(site: &Value, assessment: &Value) -> Site {
    let parsed = InputCrs::parse(None, None).ok().and_then(|crs| crate::input::geojson_input(site, &crs).ok()).map(|i| i.site);
    parsed.unwrap_or_else(|| {
        let n = |k: &str| assessment.pointer(&format!("/site/{k}")).and_then(Value::as_f64).unwrap_or(0.0);
        Site::Point(geo::Point::new(n("lon"), n("lat")))
    })
}

/// Renders the report of a recorded answer, off the async workers.
pub async fn respond(engine: Arc<Engine>, font: ReportFont, rec: AuditRecord, format: Format, lang: Lang) -> Result<Response, ApiError> {
    let id = rec.id.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        let answer = reported(&rec.assessment);
        let site = recorded_site(&rec.site, answer);
        let meta = ReportMeta::recorded(&rec.id, &rec.recorded_at, rec.client.clone());
        let input = ReportInput::from_json(meta, answer, site)?;
        report::render(&engine, &input, lang, format, &font)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", format!("report task failed: {e}"), "报告生成失败。"))?;
    let bytes = rendered.map_err(|e| match e {
        report::ReportError::Assessment(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable-record",
            "Recorded answer cannot be reported",
            format!("assessment {id}: {e}"),
            format!("评估记录 {id} 无法生成报告：{e}"),
        ),
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "report-failed", "Report failed", format!("assessment {id}: {other}"), format!("评估记录 {id} 的报告生成失败。")),
    })?;
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    // Shown in the tab; saved under its reference number.
    let ext = if format == Format::Pdf { "pdf" } else { "html" };
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{id}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
