//! Batch jobs over HTTP: `POST /v1/batches` (a site list) → 202 with a job id and `Location`;
//! `GET /v1/batches/{id}` → status and progress; `GET /v1/batches/{id}/results?format=csv|xlsx|geojson` → the
//! results once done (409 problem while queued or running).
//!
//! The file is read (and refused with a problem if unreadable) before the 202, so a client learns at once that its
//! file has no coordinate columns; the rows are then assessed in the background. Jobs live **in memory**: at most
//! [`MAX_JOBS`] (the oldest finished job is dropped to make room; when all are still running a new one is refused
//! with 503), each kept [`JOB_TTL`] after it finished. A restart loses them — clients resubmit.
//!
//! Work runs on a dedicated rayon pool with one thread fewer than the machine has cores (at least one), so the
//! async request workers always keep a core; at most one batch per core is admitted to it at a time (a semaphore),
//! the others wait queued. Each job keeps the engine snapshot it was submitted under, so its results name one
//! dataset and rulebook version even if the dataset is replaced meanwhile.

use super::assess::{fact_string, radius};
use super::error::ApiError;
use super::AppState;
use crate::assess::{AssessOptions, Engine};
use crate::batch::write::{self, OutputFormat};
use crate::batch::{self, BatchOptions, BatchResults, Counts};
use crate::upload::UploadLimits;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Most jobs kept at once (finished ones included).
pub const MAX_JOBS: usize = 64;
/// How long a finished job and its results are kept.
pub const JOB_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

struct Job {
    id: String,
    submitted: SystemTime,
    total: usize,
    done: AtomicUsize,
    state: Mutex<JobState>,
}

struct JobState {
    status: JobStatus,
    finished: Option<Instant>,
    results: Option<Arc<BatchResults>>,
    counts: Option<Counts>,
    error: Option<String>,
}

/// The jobs of this process and the pool they run on.
pub struct BatchJobs {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    admit: Arc<tokio::sync::Semaphore>,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl BatchJobs {
    pub fn new() -> BatchJobs {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cores.saturating_sub(1).max(1))
            .thread_name(|i| format!("ecogate-batch-{i}"))
            .build()
            .map(Arc::new)
            .map_err(|e| tracing::warn!(error = %e, "no dedicated batch pool; using rayon's global pool"))
            .ok();
        BatchJobs { jobs: Mutex::new(HashMap::new()), admit: Arc::new(tokio::sync::Semaphore::new(cores)), pool }
    }

    fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs.lock().ok()?.get(id).cloned()
    }

    /// Drops expired jobs, then makes room for one more; false when every kept job is still unfinished.
    fn make_room(&self) -> bool {
        let Ok(mut jobs) = self.jobs.lock() else { return false };
        let now = Instant::now();
        jobs.retain(|_, j| j.state.lock().map(|s| s.finished.is_none_or(|f| now.duration_since(f) < JOB_TTL)).unwrap_or(false));
        while jobs.len() >= MAX_JOBS {
            let oldest = jobs
                .values()
                .filter_map(|j| j.state.lock().ok().and_then(|s| s.finished).map(|f| (f, j.id.clone())))
                .min();
            match oldest {
                Some((_, id)) => {
                    jobs.remove(&id);
                }
                None => return false,
            }
        }
        true
    }
}

impl Default for BatchJobs {
    fn default() -> Self {
        BatchJobs::new()
    }
}

/// The batch routes, with their job store.
pub fn routes(limits: &super::Limits) -> Router<Arc<AppState>> {
    let jobs = Arc::new(BatchJobs::new());
    Router::new()
        .route(
            "/v1/batches",
            post(post_batch).layer(axum::extract::DefaultBodyLimit::max(limits.max_upload_bytes.saturating_add(1024 * 1024))),
        )
        .route("/v1/batches/{id}", get(get_batch))
        .route("/v1/batches/{id}/results", get(get_results))
        .layer(Extension(jobs))
}

/// Query parameters of `POST /v1/batches` with a CSV body (multipart requests send them as parts instead).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct BatchQuery {
    /// CRS of rows without a crs column.
    pub crs: Option<String>,
    pub towgs84: Option<String>,
    /// File name, for the format (e.g. `sites.csv`, `sites.geojson`).
    pub filename: Option<String>,
    pub radius_m: Option<f64>,
}

/// `GET /v1/batches/{id}`
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchStatus {
    pub id: String,
    pub status: JobStatus,
    pub rows_total: usize,
    pub rows_done: usize,
    /// Counts by verdict (and rows with errors), once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// Seconds since the Unix epoch.
    pub submitted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rulebook_version: Option<String>,
    /// `self`, and `csv`, `xlsx`, `geojson` result links once done.
    pub links: BTreeMap<String, String>,
}

fn status_of(job: &Job) -> BatchStatus {
    let s = job.state.lock().map(|s| (s.status, s.counts, s.error.clone(), s.results.clone()));
    let (status, counts, error, results) = s.unwrap_or((JobStatus::Failed, None, Some("job state unavailable".into()), None));
    let mut links = BTreeMap::from([("self".to_string(), format!("/v1/batches/{}", job.id))]);
    if status == JobStatus::Done {
        for f in ["csv", "xlsx", "geojson"] {
            links.insert(f.to_string(), format!("/v1/batches/{}/results?format={f}", job.id));
        }
    }
    BatchStatus {
        id: job.id.clone(),
        status,
        rows_total: job.total,
        rows_done: job.done.load(Ordering::Relaxed),
        counts,
        submitted: job.submitted.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        error,
        dataset_version: results.as_ref().map(|r| r.provenance.dataset_version.clone()),
        rulebook_version: results.as_ref().map(|r| r.provenance.rulebook_version.clone()),
        links,
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "batch worker failed");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "an internal error occurred; it has been logged", "服务内部错误，已记录。")
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large", "Upload too large", format!("the batch file exceeds the limit of {limit} bytes"), format!("批量文件超过 {limit} 字节上限。")).at("file")
}

/// What a POST carried.
struct Submission {
    bytes: Vec<u8>,
    filename: Option<String>,
    crs: Option<String>,
    towgs84: Option<String>,
    facts: Vec<(String, String)>,
    radius_m: Option<f64>,
}

async fn submission(req: Request, query: BatchQuery, limit: usize) -> Result<Submission, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let mut s = Submission { bytes: Vec::new(), filename: query.filename, crs: query.crs, towgs84: query.towgs84, facts: Vec::new(), radius_m: query.radius_m };
    if !ct.starts_with("multipart/form-data") {
        let body = Bytes::from_request(req, &()).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large(limit) } else { ApiError::bad_request("invalid-body", e.body_text(), "请求体无法读取。") }
        })?;
        if body.len() > limit {
            return Err(too_large(limit));
        }
        s.bytes = body.to_vec();
        if s.filename.is_none() && (ct.starts_with("text/csv") || ct.starts_with("text/plain")) {
            s.filename = Some("batch.csv".into());
        }
        return Ok(s);
    }
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| ApiError::bad_request("malformed-multipart", e.body_text(), "multipart 请求体无法解析。"))?;
    let mp_err = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large(limit) } else { ApiError::bad_request("malformed-multipart", e.body_text(), "multipart 请求体无法解析。") }
    };
    let mut got_file = false;
    while let Some(field) = mp.next_field().await.map_err(mp_err)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            s.filename = field.file_name().map(str::to_string).or(s.filename);
            let bytes = field.bytes().await.map_err(mp_err)?;
            if bytes.len() > limit {
                return Err(too_large(limit));
            }
            s.bytes = bytes.to_vec();
            got_file = true;
            continue;
        }
        let bytes = field.bytes().await.map_err(mp_err)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::unprocessable("invalid-request", format!("the `{name}` part is not UTF-8 text"), format!("{name} 字段不是 UTF-8 文本。")).at(name.clone()))?;
        match name.as_str() {
            "crs" => s.crs = Some(text),
            "towgs84" => s.towgs84 = Some(text),
            "radius_m" => {
                s.radius_m = Some(text.trim().parse().map_err(|_| {
                    ApiError::unprocessable("invalid-radius", format!("radius_m {text:?} is not a number"), format!("radius_m {text:?} 不是数字。")).at("radius_m")
                })?)
            }
            "facts" => {
                let raw: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
                    ApiError::unprocessable("invalid-facts", format!("the `facts` part must be a JSON object of fact names to values: {e}"), "facts 字段须为 JSON 对象。").at("facts")
                })?;
                for (k, v) in raw {
                    let v = fact_string(&v).ok_or_else(|| {
                        ApiError::unprocessable("invalid-fact", format!("fact {k} must be a string, boolean or number"), format!("项目信息 {k} 须为字符串、布尔值或数字。")).at(format!("facts/{k}"))
                    })?;
                    s.facts.push((k, v));
                }
            }
            other => {
                return Err(ApiError::unprocessable(
                    "invalid-request",
                    format!("unknown part {other:?}: the parts are file, facts, crs, towgs84 and radius_m"),
                    format!("未知字段 {other:?}：可用字段为 file、facts、crs、towgs84、radius_m。"),
                )
                .at(other.to_string()))
            }
        }
    }
    if !got_file {
        return Err(ApiError::unprocessable("missing-file", "no `file` part: attach the site list as a part named `file`", "缺少 file 字段：请把选址清单作为 file 字段上传。").at("file"));
    }
    Ok(s)
}

/// `POST /v1/batches`
#[utoipa::path(post, path = "/v1/batches", params(BatchQuery),
    request_body(content_type = "multipart/form-data", description = "Parts: `file` (CSV/XLSX site table, GeoJSON, zipped shapefile, GeoPackage, KML), `facts` (JSON object: facts for rows that do not state them), `crs`, `towgs84`, `radius_m`. Or the CSV itself as the body (`text/csv`), options in the query."),
    responses((status = 202, description = "Accepted: the job's status, `Location` header to poll", body = BatchStatus),
        (status = 413, body = super::error::Problem), (status = 422, body = super::error::Problem), (status = 503, body = super::error::Problem)))]
pub async fn post_batch(
    State(state): State<Arc<AppState>>,
    Extension(jobs): Extension<Arc<BatchJobs>>,
    Query(query): Query<BatchQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let limit = state.limits.max_upload_bytes;
    let sub = submission(req, query, limit).await?;
    let engine = state.engine();
    let radius = radius(sub.radius_m, "radius_m")?;
    engine.parse_facts(sub.facts.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|m| ApiError::unprocessable("invalid-fact", m.clone(), format!("项目信息有误：{m}")).at("facts"))?;
    if !jobs.make_room() {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too-many-batches", "Too many batches",
            format!("{MAX_JOBS} batches are queued or running; try again when one has finished"), format!("已有 {MAX_JOBS} 个批量任务排队或运行，请稍后再试。")));
    }
    let options = BatchOptions { crs: sub.crs, towgs84: sub.towgs84, default_facts: sub.facts };
    let limits = UploadLimits { max_bytes: limit, max_vertices: state.limits.max_vertices };
    let reader = Arc::clone(&engine);
    let input = tokio::task::spawn_blocking(move || batch::read(&reader, sub.bytes, sub.filename.as_deref(), &options, &limits))
        .await
        .map_err(internal)?
        .map_err(|e| {
            let status = match &e {
                batch::ReadError::Upload(u) => StatusCode::from_u16(u.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            ApiError::new(status, e.slug(), "Unreadable batch", e.to_string(), e.message_zh()).at("file")
        })?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let job = Arc::new(Job {
        id: id.clone(),
        submitted: SystemTime::now(),
        total: input.rows.len(),
        done: AtomicUsize::new(0),
        state: Mutex::new(JobState { status: JobStatus::Queued, finished: None, results: None, counts: None, error: None }),
    });
    if let Ok(mut map) = jobs.jobs.lock() {
        map.insert(id.clone(), Arc::clone(&job));
    }
    let assess = AssessOptions { nearby_radius_m: radius, ..engine.options };
    tokio::spawn(process(Arc::clone(&jobs), Arc::clone(&job), engine, input, assess));
    let mut resp = (StatusCode::ACCEPTED, Json(status_of(&job))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/batches/{id}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

async fn process(jobs: Arc<BatchJobs>, job: Arc<Job>, engine: Arc<Engine>, input: batch::BatchInput, options: AssessOptions) {
    let Ok(_permit) = Arc::clone(&jobs.admit).acquire_owned().await else { return };
    if let Ok(mut s) = job.state.lock() {
        s.status = JobStatus::Running;
    }
    let worker = Arc::clone(&job);
    let pool = jobs.pool.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let progress = || {
            worker.done.fetch_add(1, Ordering::Relaxed);
        };
        match pool {
            Some(p) => p.install(|| batch::run(&engine, input, options, &progress)),
            None => batch::run(&engine, input, options, &progress),
        }
    })
    .await;
    if let Ok(mut s) = job.state.lock() {
        s.finished = Some(Instant::now());
        match outcome {
            Ok(results) => {
                s.counts = Some(Counts::of(&results.rows));
                s.results = Some(Arc::new(results));
                s.status = JobStatus::Done;
            }
            Err(e) => {
                tracing::error!(error = %e, job = %job.id, "batch job failed");
                s.status = JobStatus::Failed;
                s.error = Some("the batch failed with an internal error; it has been logged".into());
            }
        }
    }
}

fn find(jobs: &BatchJobs, id: &str) -> Result<Arc<Job>, ApiError> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request("invalid-batch-id", format!("{id:?} is not a batch id (32 hex digits)"), format!("{id:?} 不是批量任务编号（32 位十六进制）。")).at("id"));
    }
    jobs.get(id).ok_or_else(|| {
        ApiError::not_found(
            format!("no batch {id}: it never existed, expired ({} min after finishing) or the service restarted", JOB_TTL.as_secs() / 60),
            format!("批量任务 {id} 不存在：可能已过期（完成后保留 {} 分钟）或服务已重启。", JOB_TTL.as_secs() / 60),
        )
    })
}

/// `GET /v1/batches/{id}`
#[utoipa::path(get, path = "/v1/batches/{id}", params(("id" = String, Path, description = "Batch id from POST /v1/batches")),
    responses((status = 200, body = BatchStatus), (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn get_batch(Extension(jobs): Extension<Arc<BatchJobs>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let job = find(&jobs, &id)?;
    Ok(Json(status_of(&job)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ResultsQuery {
    /// csv (default) | xlsx | geojson
    pub format: Option<String>,
}

/// `GET /v1/batches/{id}/results`
#[utoipa::path(get, path = "/v1/batches/{id}/results", params(("id" = String, Path, description = "Batch id"), ResultsQuery),
    responses((status = 200, description = "The results: CSV (UTF-8 with BOM), XLSX or GeoJSON"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, description = "Not done yet (Retry-After) or failed", body = super::error::Problem)))]
pub async fn get_results(
    Extension(jobs): Extension<Arc<BatchJobs>>,
    Path(id): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    let job = find(&jobs, &id)?;
    let format = match q.format.as_deref() {
        None => OutputFormat::Csv,
        Some(f) => OutputFormat::parse(f).ok_or_else(|| {
            ApiError::bad_request("invalid-format", format!("format {f:?}: use csv, xlsx or geojson"), format!("format {f:?} 无效：可用 csv、xlsx、geojson。")).at("format")
        })?,
    };
    let (status, results) = job.state.lock().map(|s| (s.status, s.results.clone())).map_err(internal)?;
    let Some(results) = results else {
        let mut e = ApiError::new(StatusCode::CONFLICT, "batch-not-done", "Batch not done",
            format!("batch {id} is {}: {} of {} rows done; poll /v1/batches/{id}", match status { JobStatus::Queued => "queued", JobStatus::Running => "running", _ => "failed" }, job.done.load(Ordering::Relaxed), job.total),
            format!("批量任务 {id} 尚未完成（{}/{} 行）。", job.done.load(Ordering::Relaxed), job.total));
        if status == JobStatus::Failed {
            e.slug = "batch-failed";
            e.title = "Batch failed";
        }
        let mut resp = e.into_response();
        if status != JobStatus::Failed {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        return Ok(resp);
    };
    let bytes = tokio::task::spawn_blocking(move || write::to_bytes(&results, format)).await.map_err(internal)?.map_err(internal)?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"ecogate-batch-{id}.{}\"", format.extension())) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
