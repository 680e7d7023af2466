//! Dataset versions while the service runs: the ones kept for re-running past verdicts, and reloading a new one.
//!
//! - [`Versions`] keeps the last N engines (current included) by dataset version, so an assessment can name the
//!   `dataset_version` a past verdict was given on. It also remembers every version it dropped, to tell "evicted"
//!   (410) from "never loaded here" (409).
//! - [`Reloader`] loads the configured manifest and rules folder on a blocking thread, validates, and only then hands
//!   the engine over to be swapped in; a refused dataset leaves the current one serving. One reload runs at a time.
//!   Triggers (`POST /admin/reload`, SIGHUP, the file watch, later PostgreSQL NOTIFY) all go through
//!   [`Reloader::reload`] with a [`ReloadReason`], so adding one is a few lines at the edge.

use crate::assess::Engine;
use crate::ingest::{IngestError, ValidationReport};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What a `dataset_version` names.
pub enum Lookup {
    Found(Arc<Engine>),
    /// Loaded here earlier but no longer kept (`--keep-versions`).
    Evicted,
    /// Never loaded by this process.
    Unknown,
}

/// The last N engines, newest first.
pub struct Versions {
    keep: usize,
    inner: Mutex<(VecDeque<Arc<Engine>>, HashSet<String>)>,
}

impl Versions {
    pub fn new(first: Arc<Engine>, keep: usize) -> Versions {
        Versions { keep: keep.max(1), inner: Mutex::new((VecDeque::from([first]), HashSet::new())) }
    }

    /// Records `engine` as the newest; an older engine of the same dataset version (a rulebook change) is replaced.
    /// Returns the versions dropped.
    pub fn push(&self, engine: Arc<Engine>) -> Vec<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (kept, evicted) = &mut *guard;
        let version = engine.dataset.version.clone();
        kept.retain(|e| e.dataset.version != version);
        evicted.remove(&version);
        kept.push_front(engine);
        let mut dropped = Vec::new();
        while kept.len() > self.keep {
            if let Some(old) = kept.pop_back() {
                dropped.push(old.dataset.version.clone());
                evicted.insert(old.dataset.version.clone());
            }
        }
        dropped
    }

    pub fn lookup(&self, version: &str) -> Lookup {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = guard.0.iter().find(|e| e.dataset.version == version) {
            Lookup::Found(Arc::clone(e))
        } else if guard.1.contains(version) {
            Lookup::Evicted
        } else {
            Lookup::Unknown
        }
    }

    /// The kept versions, newest first, with their rulebook versions.
    pub fn kept(&self) -> Vec<KeptVersion> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.iter().map(|e| KeptVersion { dataset_version: e.dataset.version.clone(), rulebook_version: e.rulebook.version.clone() }).collect()
    }

    pub fn keep(&self) -> usize {
        self.keep
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeptVersion {
    pub dataset_version: String,
    pub rulebook_version: String,
}

/// Why a reload was started (shown in `/admin/status` and the log).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReloadReason {
    /// `POST /admin/reload`.
    Admin,
    /// SIGHUP.
    Signal,
    /// The manifest or one of its local sources changed (`serve --watch`).
    FileChange,
    /// Any other trigger, named (e.g. a PostgreSQL NOTIFY channel).
    Other(String),
}

/// The result of one reload.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReloadOutcome {
    /// `swapped` (a new version serves), `unchanged` (same dataset and rulebook versions: nothing swapped),
    /// `refused` (validation refused the dataset: the old one keeps serving), `failed` (it could not be read).
    pub result: ReloadResult,
    #[schema(value_type = Object)]
    pub reason: ReloadReason,
    pub started_at: String,
    pub duration_ms: u64,
    /// The version serving after the reload.
    pub dataset_version: String,
    pub rulebook_version: String,
    /// The version serving before it.
    pub previous_dataset_version: String,
    /// Versions no longer kept after this reload.
    pub evicted: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The validation report of the loaded (or refused) dataset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<ValidationReport>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReloadResult {
    Swapped,
    Unchanged,
    Refused,
    Failed,
}

/// A reload is already running (`POST /admin/reload` answers 409; the other triggers wait for it).
#[derive(Debug)]
pub struct Busy;

/// Loads new versions of the configured dataset and rulebook.
pub struct Reloader {
    pub manifest: PathBuf,
    pub rules: PathBuf,
    running: tokio::sync::Mutex<()>,
    last: Mutex<Option<ReloadOutcome>>,
}

impl Reloader {
    pub fn new(manifest: PathBuf, rules: PathBuf) -> Reloader {
        Reloader { manifest, rules, running: tokio::sync::Mutex::new(()), last: Mutex::new(None) }
    }

    /// The last reload's outcome, if any ran.
    pub fn last(&self) -> Option<ReloadOutcome> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reloads now, or refuses with [`Busy`] if a reload is running.
    pub async fn try_reload(&self, state: &crate::api::AppState, reason: ReloadReason) -> Result<ReloadOutcome, Busy> {
        let guard = self.running.try_lock().map_err(|_| Busy)?;
        let outcome = self.run(state, reason).await;
        drop(guard);
        Ok(outcome)
    }

    /// Reloads after any running reload finishes (a file change during a reload is not lost).
    pub async fn reload(&self, state: &crate::api::AppState, reason: ReloadReason) -> ReloadOutcome {
        let _guard = self.running.lock().await;
        self.run(state, reason).await
    }

    async fn run(&self, state: &crate::api::AppState, reason: ReloadReason) -> ReloadOutcome {
        let started_at = crate::audit::now_rfc3339();
        let clock = Instant::now();
        let before = state.engine();
        let (manifest, rules) = (self.manifest.clone(), self.rules.clone());
        let loaded = tokio::task::spawn_blocking(move || {
            let loaded = Engine::load(&manifest, &rules);
            if loaded.is_ok() {
                crate::hugepages::back_loaded_data_in_background();
            }
            loaded
        })
        .await;
        let mut outcome = ReloadOutcome {
            result: ReloadResult::Failed,
            reason: reason.clone(),
            started_at,
            duration_ms: 0,
            dataset_version: before.dataset.version.clone(),
            rulebook_version: before.rulebook.version.clone(),
            previous_dataset_version: before.dataset.version.clone(),
            evicted: Vec::new(),
            error: None,
            report: None,
        };
        match loaded {
            Ok(Ok(engine)) => {
                outcome.report = Some(engine.validation.clone());
                if engine.dataset.version == before.dataset.version && engine.rulebook.version == before.rulebook.version {
                    outcome.result = ReloadResult::Unchanged;
                } else {
                    outcome.result = ReloadResult::Swapped;
                    outcome.dataset_version = engine.dataset.version.clone();
                    outcome.rulebook_version = engine.rulebook.version.clone();
                    outcome.evicted = state.install(Arc::new(engine)).1;
                }
            }
            Ok(Err(crate::assess::EngineError::Ingest(IngestError::Refused { report }))) => {
                outcome.result = ReloadResult::Refused;
                outcome.error = Some("the dataset was refused by validation; the previous version keeps serving".into());
                outcome.report = Some(report);
            }
            Ok(Err(e)) => outcome.error = Some(e.to_string()),
            Err(e) => outcome.error = Some(format!("the loading thread failed: {e}")),
        }
        outcome.duration_ms = clock.elapsed().as_millis() as u64;
        match outcome.result {
            ReloadResult::Swapped => tracing::info!(reason = ?reason, from = %outcome.previous_dataset_version, to = %outcome.dataset_version,
                rulebook = %outcome.rulebook_version, ms = outcome.duration_ms, "dataset reloaded"),
            ReloadResult::Unchanged => tracing::info!(reason = ?reason, version = %outcome.dataset_version, "dataset reload: unchanged"),
            _ => tracing::warn!(reason = ?reason, error = outcome.error.as_deref().unwrap_or(""), serving = %outcome.dataset_version,
                "dataset reload refused; the previous version keeps serving"),
        }
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome.clone());
        outcome
    }
}
