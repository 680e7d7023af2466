//! Layers read straight from PostgreSQL/PostGIS (GDAL `PG:` sources): the sample loaded into a throwaway PostGIS
//! cluster with ogr2ogr must give the same zones and answers as the files it came from, and a published change must
//! reach every replica (issue 7, "Beyond one machine").
//!
//! Needs Debian's PostgreSQL and PostGIS: `scripts/lib/postgres.sh` installs them when missing (run by the first
//! test that starts a cluster).

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/server.rs"]
mod server;

use ecogate::assess::Engine;
use geo::Point;
use postgres::PgCluster;
use serde_json::Value;
use server::{client, Server};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Loads every layer of the sample into `cluster` (tables named after the manifest's layer ids).
fn load_sample(cluster: &PgCluster) {
    for layer in ["control_units", "water_sources", "reserves", "no_farming", "fuel_ban"] {
        cluster.load_layer(&fixtures::sample("wugang.gpkg"), Some(layer), layer, &[]);
    }
    // The red lines are a GBK shapefile without .cpg in Gauss–Krüger zone 38: PostGIS keeps its CRS, as in the file.
    cluster.load_layer(&fixtures::sample("red_lines_gk38/red_lines.shp"), None, "red_lines", &["--config", "SHAPE_ENCODING", "CP936"]);
}

/// The sample's manifest with every source pointing at `cluster`'s tables, written into `dir`.
fn pg_manifest(cluster: &PgCluster, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixtures::sample("dataset.toml")).expect("sample manifest");
    let pg = format!("PG:{}", cluster.conninfo());
    let text = text
        .replace("source = \"wugang.gpkg\"", &format!("source = \"{pg}\""))
        .replace("source = \"red_lines_gk38/red_lines.shp\"", &format!("source = \"{pg}\"\nlayer = \"red_lines\""))
        .replace("encoding = \"CP936\"", "");
    let path = dir.join("dataset.toml");
    std::fs::write(&path, text).expect("write manifest");
    path
}

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rules")
}

#[test]
fn postgis_sources_give_the_same_zones_as_the_files_they_were_loaded_from() {
    let cluster = PgCluster::start();
    load_sample(&cluster);
    let dir = tempfile::tempdir().expect("temp dir");
    let from_pg = Engine::load(&pg_manifest(&cluster, dir.path()), &rules()).expect("the PostGIS dataset loads");
    let from_files = Engine::load(&fixtures::sample("dataset.toml"), &rules()).expect("the sample loads");

    assert_eq!(from_pg.index.zones().len(), from_files.index.zones().len());
    let points: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(fixtures::sample("test_points.json")).expect("points")).expect("json");
    let points: Vec<&Value> = points.iter().filter(|p| p["lon"].is_number()).collect();
    assert!(points.len() >= 10);
    for p in points {
        let at = Point::new(p["lon"].as_f64().expect("lon"), p["lat"].as_f64().expect("lat"));
        let codes = |e: &Engine| {
            let mut c: Vec<String> = e.index.zones_at(at).into_iter().map(|id| e.index.zone(id).code.clone()).collect();
            c.sort();
            c
        };
        assert_eq!(codes(&from_pg), codes(&from_files), "zones at {}", p["id"]);
        let expected: Vec<String> = p["expect"].as_array().expect("expect").iter().map(|v| v.as_str().expect("code").to_string()).collect();
        assert_eq!(codes(&from_pg), expected, "zones at {} from PostGIS", p["id"]);
    }
    // Names (GBK in the shapefile, UTF-8 in PostgreSQL) arrive intact.
    let red: Vec<&str> = from_pg.index.zones().iter().filter(|z| z.layer == "red_lines").map(|z| z.name.as_str()).collect();
    assert!(red.iter().any(|n| n.contains("红线") || n.contains("生态")), "red-line names: {red:?}");
    // The version hashes the loaded content (no file to hash): the same content gives the same version.
    let again = Engine::load(&pg_manifest(&cluster, dir.path()), &rules()).expect("reload");
    assert_eq!(again.dataset.version, from_pg.dataset.version);
}

#[test]
fn a_notify_after_publishing_reaches_the_publication_watch() {
    use ecogate::pgnotify::{PgWatch, WatchEvent};
    let cluster = PgCluster::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watch = PgWatch::new(cluster.conninfo(), "ecogate_dataset").expect("channel");
    let task = runtime.spawn(watch.run(move |event| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(event);
        }
    }));
    let next = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<WatchEvent>| {
        runtime.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv()).await }).expect("an event within 20 s").expect("watch running")
    };
    // Connecting asks for a reload first: a publication may have been missed before listening began.
    assert_eq!(next(&mut rx), WatchEvent::Connected);
    cluster.psql("zones", "NOTIFY ecogate_dataset, '2026-11-27 adjustment'");
    assert_eq!(next(&mut rx), WatchEvent::Published { payload: "2026-11-27 adjustment".into() });
    task.abort();
}

/// The 田岗 level-2 test point of data/wugang/test_points.json, with a cement plant's facts.
const QUERY: &str = "/v1/assessments?lon=113.447392&lat=33.317817&industry=3011&nature=new&discharges_pollutants=yes";

fn serving_version(s: &Server) -> String {
    client().get(s.url("/readyz")).send().expect("readyz").json::<Value>().expect("json")["dataset_version"].as_str().expect("version").to_string()
}

#[test]
fn two_replicas_on_one_postgis_switch_to_a_published_version_without_failing_a_request() {
    let cluster = PgCluster::start();
    load_sample(&cluster);
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = pg_manifest(&cluster, dir.path());
    let conninfo = cluster.conninfo();
    let manifest_arg = manifest.to_str().expect("utf-8 path");
    let replicas: Vec<Server> =
        (0..2).map(|_| Server::start_with_env(&[("ECOGATE_PG_NOTIFY", conninfo.as_str())], &["--dataset", manifest_arg])).collect();
    let before = serving_version(&replicas[0]);
    assert_eq!(serving_version(&replicas[1]), before, "both replicas load the same content, so the same version");

    // Clients keep asking both replicas while the new version is published.
    let stop = Arc::new(AtomicBool::new(false));
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let load = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let http = client();
            let (mut ok, mut failed, mut versions) = (0usize, Vec::new(), std::collections::BTreeSet::new());
            while !stop.load(Ordering::Relaxed) {
                for base in &bases {
                    match http.get(format!("{base}{QUERY}")).send() {
                        Ok(r) if r.status().is_success() => {
                            ok += 1;
                            let a: Value = r.json().expect("json answer");
                            versions.insert(a["dataset"]["version"].as_str().unwrap_or_default().to_string());
                        }
                        Ok(r) => failed.push(format!("{base}: HTTP {}", r.status())),
                        Err(e) => failed.push(format!("{base}: {e}")),
                    }
                }
            }
            (ok, failed, versions)
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    // A publication: the data change and the NOTIFY commit together, so a replica that hears it reads the new rows.
    cluster.psql(
        "zones",
        "BEGIN; UPDATE water_sources SET \"水源名称\" = \"水源名称\" || '（2026年调整）'; NOTIFY ecogate_dataset, '2026-11-27 adjustment'; COMMIT;",
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    let after = loop {
        let versions: Vec<String> = replicas.iter().map(serving_version).collect();
        if versions.iter().all(|v| *v != before) && versions[0] == versions[1] {
            break versions[0].clone();
        }
        assert!(Instant::now() < deadline, "replicas did not switch within 90 s: {versions:?} (was {before})\n{}", replicas[0].log_text());
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let (ok, failed, versions) = load.join().expect("load thread");
    assert!(failed.is_empty(), "{} of {} requests failed: {:?}", failed.len(), ok + failed.len(), &failed[..failed.len().min(5)]);
    assert!(ok > 10, "only {ok} requests were made");
    assert!(versions.contains(&before) && versions.contains(&after), "answers named {versions:?}; expected {before} then {after}");
    // Each replica now answers with the published names.
    for r in &replicas {
        let a: Value = client().get(r.url(QUERY)).send().expect("GET").json().expect("json");
        assert_eq!(a["dataset"]["version"], after.as_str());
        let names: Vec<&str> = a["zones"].as_array().expect("zones").iter().filter_map(|z| z["name"].as_str()).collect();
        assert!(names.iter().any(|n| n.ends_with("（2026年调整）")), "{names:?}");
    }
}
