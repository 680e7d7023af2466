//! Audit trail: every assessment the HTTP service answers is recorded in SQLite (WAL mode) under a reference number
//! a reviewer can copy into an EIA file (`EG-20261127-7K3M9QX2TB`), and can be read back by that number.
//!
//! Why it is shaped this way:
//! - **An answered request is never lost.** A handler sends its record to one writer thread and answers only after
//!   the transaction holding the record is committed (`synchronous=FULL`, so a commit survives power loss too).
//!   Graceful shutdown drains requests in flight (each waits for its commit) and then [`AuditStore::close`] flushes
//!   and joins the writer.
//! - **Writes do not make the HTTP path slow.** The writer does group commit: it takes every record waiting in its
//!   queue (up to [`MAX_BATCH`]) and inserts them in one transaction, so under load one fsync covers many requests.
//! - **Reads do not wait for writes.** WAL lets readers run beside the writer; [`AuditStore::get`] uses a small pool
//!   of read connections and is blocking (call it from `spawn_blocking`).
//! - **A corrupt database is not a crash loop.** At open, a file SQLite does not recognise is moved aside to `<name>.corrupt-<UTC time>` (with its `-wal`/`-shm`), a fresh one is created and
//!   a warning is logged. A folder that cannot be created or written is a startup error with a clear message instead.
//! - **Ids need no coordination.** `EG-` + the UTC date + 10 Crockford base32 characters (50 random bits from the
//!   OS): sortable by day, unique across replicas (a collision needs ~2^25 assessments on one day).

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// Most records inserted in one transaction.
pub const MAX_BATCH: usize = 512;
/// How often old records are pruned (and at startup).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Read connections kept open for [`AuditStore::get`].
const READ_POOL: usize = 4;

/// One recorded assessment, as stored and as `GET /v1/assessments/{id}` returns it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Reference number, e.g. `EG-20261127-7K3M9QX2TB`: what a reviewer cites in the EIA file.
    pub id: String,
    /// When the record was made, RFC 3339 UTC.
    pub recorded_at: String,
    /// Who asked: `key:<label>` for an API key (never the key itself), else `ip:<address>`.
    pub client: Option<String>,
    /// The input as the client gave it (geometry or lon/lat/at, crs, towgs84, facts, radius_m, dataset_version),
    /// plus `route`: which endpoint answered. Uploaded files are recorded by name, size and SHA-256, not content.
    #[schema(value_type = Object)]
    pub request: Value,
    /// The assessed geometry as GeoJSON in the working CRS (EPSG:4490, lon/lat).
    #[schema(value_type = Object)]
    pub site: Value,
    /// The answer as sent (its JSON form, including `id`), even when the client asked for `f=geojson`.
    #[schema(value_type = Object)]
    pub assessment: Value,
}

/// A record on its way in. The answer stays the JSON text that was sent: serialised once on the request path, never
/// parsed back into a tree and printed again (that round trip cost as much as the assessment itself).
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    pub recorded_at: String,
    pub client: Option<String>,
    pub request: Value,
    pub site: Value,
    /// The answer's JSON as sent (including `id`).
    pub assessment_json: String,
}

/// The answer's fields the table indexes (an upload's answer carries them under `whole`), read without building a
/// JSON tree: everything else is skipped.
#[derive(Debug, Default, serde::Deserialize)]
struct Indexed {
    verdict: Option<String>,
    dataset: Option<Versioned>,
    rulebook: Option<Versioned>,
    whole: Option<Box<Indexed>>,
}

#[derive(Debug, serde::Deserialize)]
struct Versioned {
    version: Option<String>,
}

impl Indexed {
    fn of(json: &str) -> Indexed {
        let mut top: Indexed = serde_json::from_str(json).unwrap_or_default();
        if let Some(whole) = top.whole.take() {
            top.verdict = top.verdict.or(whole.verdict);
            top.dataset = top.dataset.or(whole.dataset);
            top.rulebook = top.rulebook.or(whole.rulebook);
        }
        top
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit database folder {path} cannot be created or written: {source}")]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("audit database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("cannot move the corrupt audit database {path} aside: {source}")]
    MoveAside { path: PathBuf, source: std::io::Error },
    #[error("the audit record could not be committed: {0}")]
    Commit(String),
    #[error("the audit writer has stopped")]
    WriterGone,
    #[error("audit record {id}: {source}")]
    Corrupt { id: String, source: serde_json::Error },
}

/// Where and how long records are kept.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub path: PathBuf,
    /// Records older than this many days are deleted (EIA files are kept for years: default 3650).
    pub retention_days: u32,
}

struct Pending {
    record: NewRecord,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// The audit store. [`AuditStore::disabled`] (for `--no-audit`) records nothing and finds nothing.
pub struct AuditStore {
    inner: Option<Inner>,
}

struct Inner {
    path: PathBuf,
    queue: Mutex<Option<mpsc::Sender<Pending>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

impl AuditStore {
    /// A store that records nothing (`serve --no-audit`, benchmarks).
    pub fn disabled() -> AuditStore {
        AuditStore { inner: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Opens (or creates) the database and starts the writer thread. A corrupt file is moved aside and recreated.
    pub fn open(config: &AuditConfig) -> Result<AuditStore, AuditError> {
        let path = config.path.clone();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| AuditError::Unwritable { path: dir.to_path_buf(), source })?;
            // Probe writability now: SQLite would otherwise report it later as a less helpful I/O error.
            let probe = dir.join(format!(".ecogate-write-test-{}", std::process::id()));
            std::fs::write(&probe, b"").map_err(|source| AuditError::Unwritable { path: dir.to_path_buf(), source })?;
            let _ = std::fs::remove_file(&probe);
        }
        let conn = match open_checked(&path) {
            Ok(c) => c,
            Err(e) if is_corruption(&e) => {
                let aside = move_aside(&path)?;
                tracing::warn!(database = %path.display(), moved_to = %aside.display(), error = %e,
                    "the audit database was corrupt: moved aside and recreated; old records are in the moved file");
                open_checked(&path).map_err(|source| AuditError::Sqlite { path: path.clone(), source })?
            }
            Err(source) => return Err(AuditError::Sqlite { path: path.clone(), source }),
        };
        let (tx, rx) = mpsc::channel::<Pending>();
        let retention = config.retention_days;
        let writer_path = path.clone();
        let writer = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer_loop(conn, rx, retention, &writer_path))
            .map_err(|source| AuditError::Unwritable { path: path.clone(), source })?;
        tracing::info!(database = %path.display(), retention_days = retention, "audit trail on");
        Ok(AuditStore {
            inner: Some(Inner { path, queue: Mutex::new(Some(tx)), writer: Mutex::new(Some(writer)), readers: Mutex::new(Vec::new()) }),
        })
    }

    /// Records `record` and returns once it is committed. With the store disabled, returns at once.
    pub async fn record(&self, record: NewRecord) -> Result<(), AuditError> {
        let Some(inner) = &self.inner else { return Ok(()) };
        let (done, wait) = tokio::sync::oneshot::channel();
        {
            let queue = inner.queue.lock().unwrap_or_else(|p| p.into_inner());
            let tx = queue.as_ref().ok_or(AuditError::WriterGone)?;
            tx.send(Pending { record, done }).map_err(|_| AuditError::WriterGone)?;
        }
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(AuditError::Commit(message)),
            Err(_) => Err(AuditError::WriterGone),
        }
    }

    /// The record with this id, if any. Blocking (SQLite): call from `spawn_blocking` in async code.
    pub fn get(&self, id: &str) -> Result<Option<AuditRecord>, AuditError> {
        let Some(inner) = &self.inner else { return Ok(None) };
        let sqlite = |source| AuditError::Sqlite { path: inner.path.clone(), source };
        let conn = inner.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(&inner.path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(sqlite)?;
                c.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
                c
            }
        };
        let row = conn
            .prepare_cached("SELECT id, recorded_at, client, request, site, assessment FROM assessments WHERE id = ?1")
            .and_then(|mut st| {
                st.query_row(params![id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?))
                })
                .optional()
            })
            .map_err(sqlite)?;
        {
            let mut pool = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < READ_POOL {
                pool.push(conn);
            }
        }
        let Some((id, recorded_at, client, request, site, assessment)) = row else { return Ok(None) };
        let parse = |text: &str| serde_json::from_str::<Value>(text).map_err(|source| AuditError::Corrupt { id: id.clone(), source });
        Ok(Some(AuditRecord { request: parse(&request)?, site: parse(&site)?, assessment: parse(&assessment)?, id: id.clone(), recorded_at, client }))
    }

    /// Stops taking records, commits the ones queued and waits for the writer. Call after the server has drained.
    pub fn close(&self) {
        let Some(inner) = &self.inner else { return };
        inner.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = inner.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = writer.join();
        }
        inner.readers.lock().unwrap_or_else(|p| p.into_inner()).clear();
        tracing::info!(database = %inner.path.display(), "audit trail flushed and closed");
    }

    /// The database file (for status pages and logs).
    pub fn path(&self) -> Option<&Path> {
        self.inner.as_ref().map(|i| i.path.as_path())
    }
}

impl Drop for AuditStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_checked(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // WAL: readers beside the writer; FULL: a committed record survives power loss, not only a process crash.
    // Rows are appended in rowid order and only the small unique index on the random id takes random inserts: as a
    // WITHOUT ROWID table keyed by the id, every ≈ 9 KB answer went to a random place in the table's B-tree, and the
    // writer spent most of its time re-reading and splitting pages (databases made that way keep working).
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "the audit database could not switch to WAL mode");
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         PRAGMA cache_size=-16384;
         CREATE TABLE IF NOT EXISTS assessments (
             id TEXT NOT NULL UNIQUE,
             recorded_at TEXT NOT NULL,
             client TEXT,
             verdict TEXT,
             dataset_version TEXT,
             rulebook_version TEXT,
             request TEXT NOT NULL,
             site TEXT NOT NULL,
             assessment TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS assessments_recorded_at ON assessments(recorded_at);
         PRAGMA user_version=1;",
    )?;
    // Reading the schema is what fails on a file that is not (or no longer) a database. A full `quick_check` would read
    // every page, minutes for years of records, on every start; damage deeper in the file shows as a failed commit
    // (logged, the request answered 503) rather than as a crash loop.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase))
}

/// Renames the database (and its WAL and shared-memory files) to `<name>.corrupt-<UTC time>`.
fn move_aside(path: &Path) -> Result<PathBuf, AuditError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let with_suffix = |p: &Path, suffix: &str| {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    let aside = with_suffix(path, &format!(".corrupt-{stamp}"));
    std::fs::rename(path, &aside).map_err(|source| AuditError::MoveAside { path: path.to_path_buf(), source })?;
    for extra in ["-wal", "-shm"] {
        let from = with_suffix(path, extra);
        if from.exists() {
            let _ = std::fs::rename(&from, with_suffix(&aside, extra));
        }
    }
    Ok(aside)
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Pending>, retention_days: u32, path: &Path) {
    prune(&conn, retention_days);
    let mut last_prune = std::time::Instant::now();
    loop {
        let first = match rx.recv_timeout(PRUNE_EVERY) {
            Ok(p) => p,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                prune(&conn, retention_days);
                last_prune = std::time::Instant::now();
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let result = insert_batch(&mut conn, &batch);
        if let Err(e) = &result {
            tracing::error!(database = %path.display(), error = %e, records = batch.len(), "audit records could not be committed");
        }
        for p in batch {
            let _ = p.done.send(result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        }
        if last_prune.elapsed() > PRUNE_EVERY {
            prune(&conn, retention_days);
            last_prune = std::time::Instant::now();
        }
    }
    // Every sender is gone: everything queued has been committed above. Fold the WAL back into the main file.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

fn insert_batch(conn: &mut Connection, batch: &[Pending]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO assessments (id, recorded_at, client, verdict, dataset_version, rulebook_version, request, site, assessment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for p in batch {
            let r = &p.record;
            let ix = Indexed::of(&r.assessment_json);
            let dataset = ix.dataset.and_then(|d| d.version);
            let rulebook = ix.rulebook.and_then(|d| d.version);
            st.execute(params![r.id, r.recorded_at, r.client, ix.verdict, dataset, rulebook, r.request.to_string(), r.site.to_string(), r.assessment_json])?;
        }
    }
    tx.commit()
}

fn prune(conn: &Connection, retention_days: u32) {
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
    let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match conn.execute("DELETE FROM assessments WHERE recorded_at < ?1", params![cutoff]) {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, retention_days, "old audit records pruned"),
        Err(e) => tracing::warn!(error = %e, "audit retention pruning failed"),
    }
}

/// Crockford base32 (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new reference number: `EG-YYYYMMDD-` + 10 random Crockford base32 characters.
pub fn new_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS entropy (never seen on Linux): fall back to time and a process-wide counter, still unique per process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            ^ COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed).rotate_left(40);
        bytes = n.to_le_bytes();
    }
    let mut n = u64::from_le_bytes(bytes);
    let mut tail = String::with_capacity(10);
    for _ in 0..10 {
        tail.push(CROCKFORD[(n & 31) as usize] as char);
        n >>= 5;
    }
    format!("EG-{}-{tail}", chrono::Utc::now().format("%Y%m%d"))
}

/// The canonical form of a reference number as a reviewer may have typed it (lower case, `O` for 0, `I`/`L` for 1),
/// or `None` when it cannot be one. Checked before the database is touched.
pub fn normalize_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (prefix, rest) = raw.split_at_checked(3)?;
    if !prefix.eq_ignore_ascii_case("EG-") {
        return None;
    }
    let (date, tail) = rest.split_once('-')?;
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) || tail.len() != 10 {
        return None;
    }
    let mut out = format!("EG-{date}-");
    for c in tail.chars() {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !CROCKFORD.contains(&(c as u8)) || !c.is_ascii() {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Now, RFC 3339 UTC with milliseconds (what `recorded_at` holds; sorts as text).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape_and_normalise() {
        let id = new_id();
        assert_eq!(id.len(), "EG-20261127-".len() + 10, "{id}");
        assert_eq!(normalize_id(&id).as_deref(), Some(id.as_str()));
        assert_eq!(normalize_id("eg-20261127-oilabcdefg").as_deref(), Some("EG-20261127-011ABCDEFG"));
        assert_eq!(normalize_id("EG-20261127-ABCDEFGHU0"), None, "U is not Crockford");
        assert_eq!(normalize_id("EG-2026112-ABCDEFGH00"), None);
        assert_eq!(normalize_id("../../etc/passwd"), None);
    }

    #[test]
    fn records_round_trip_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = AuditConfig { path: dir.path().join("sub/audit.sqlite"), retention_days: 10 };
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let answer = serde_json::json!({"verdict": "permitted", "dataset": {"version": "d1"}, "rulebook": {"version": "r1"}});
        let new = NewRecord {
            id: new_id(),
            recorded_at: now_rfc3339(),
            client: Some("ip:127.0.0.1".into()),
            request: serde_json::json!({"lon": 113.5}),
            site: serde_json::json!({"type": "Point", "coordinates": [113.5, 33.2]}),
            assessment_json: answer.to_string(),
        };
        let record = AuditRecord {
            id: new.id.clone(),
            recorded_at: new.recorded_at.clone(),
            client: new.client.clone(),
            request: new.request.clone(),
            site: new.site.clone(),
            assessment: answer,
        };
        {
            let store = AuditStore::open(&config).expect("open");
            rt.block_on(store.record(new)).expect("record");
            assert_eq!(store.get(&record.id).expect("get"), Some(record.clone()));
            store.close();
        }
        let store = AuditStore::open(&config).expect("reopen");
        assert_eq!(store.get(&record.id).expect("get"), Some(record));
    }

    #[test]
    fn indexed_columns_come_from_the_answer_or_from_an_uploads_whole() {
        let plain = Indexed::of(r#"{"id":"x","verdict":"prohibited","zones":[{"verdict":"no"}],"dataset":{"id":"a","version":"d@1"},"rulebook":{"version":"r@2"}}"#);
        assert_eq!(plain.verdict.as_deref(), Some("prohibited"));
        assert_eq!(plain.dataset.and_then(|d| d.version).as_deref(), Some("d@1"));
        assert_eq!(plain.rulebook.and_then(|d| d.version).as_deref(), Some("r@2"));
        let upload = Indexed::of(r#"{"id":"y","features":[],"whole":{"verdict":"restricted","dataset":{"version":"d@3"},"rulebook":{"version":"r@4"}}}"#);
        assert_eq!(upload.verdict.as_deref(), Some("restricted"));
        assert_eq!(upload.dataset.and_then(|d| d.version).as_deref(), Some("d@3"));
        assert_eq!(upload.rulebook.and_then(|d| d.version).as_deref(), Some("r@4"));
        assert!(Indexed::of("not json").verdict.is_none());
    }

    #[test]
    fn a_corrupt_database_is_moved_aside_and_recreated() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.sqlite");
        std::fs::write(&path, vec![0x5a; 8192]).expect("write garbage");
        let store = AuditStore::open(&AuditConfig { path: path.clone(), retention_days: 10 }).expect("open recreates");
        assert_eq!(store.get("EG-20261127-0000000000").expect("get"), None);
        let aside = std::fs::read_dir(dir.path()).expect("list").filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().contains(".corrupt-"));
        assert!(aside, "the corrupt file was moved aside");
    }
}
