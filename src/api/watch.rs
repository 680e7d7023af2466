//! `serve --watch`: reloads when the manifest, its local sources or the rules folder change.
//!
//! Editors and copy tools write a file in several steps, so events are debounced: a reload starts once nothing has
//! changed for [`QUIET`]. SQLite side files (`-wal`, `-shm`, `-journal`), which GDAL may touch while *reading* a
//! GeoPackage, are ignored so a reload cannot trigger the next one. A change during a reload waits for it and then
//! reloads again (see [`crate::datasets::Reloader::reload`]).

use super::AppState;
use crate::datasets::ReloadReason;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long the files must be quiet before a reload starts.
pub const QUIET: Duration = Duration::from_millis(750);

fn ignored(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal") || name.ends_with(".aux.xml") || name.starts_with(".#")
}

/// The folders to watch: the manifest's (recursively: sources usually sit beside or below it), the folders of local
/// sources elsewhere, and the rules folder.
fn watched(manifest: &Path, rules: &Path) -> Vec<PathBuf> {
    let dir = manifest.parent().filter(|d| !d.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let mut out = vec![dir.clone(), rules.to_path_buf()];
    if let Ok(m) = crate::manifest::Manifest::load(manifest) {
        for spec in &m.layers {
            if let Some(p) = spec.local_path(&dir).and_then(|p| p.parent().map(Path::to_path_buf)) {
                if !p.starts_with(&dir) && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Starts watching; the watcher lives as long as the task.
pub fn spawn(state: Arc<AppState>) -> Result<(), String> {
    let Some(reloader) = state.reloader.clone() else { return Ok(()) };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            let relevant = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_))
                && event.paths.iter().any(|p| !ignored(p));
            if relevant {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| format!("cannot watch the dataset files: {e}"))?;
    for dir in watched(&reloader.manifest, &reloader.rules) {
        watcher.watch(&dir, RecursiveMode::Recursive).map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
        tracing::info!(folder = %dir.display(), "watching for dataset changes");
    }
    tokio::spawn(async move {
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            // Debounce: wait until QUIET passes with no further event.
            while let Ok(Some(())) = tokio::time::timeout(QUIET, rx.recv()).await {}
            tracing::info!("dataset files changed: reloading");
            state.reload(ReloadReason::FileChange).await;
        }
    });
    Ok(())
}
