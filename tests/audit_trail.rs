//! The audit trail over real HTTP: every assessment answer carries a reference number, the record behind it can be
//! read back, survives a SIGTERM and a restart, and a corrupt database does not stop the service.

#[path = "common/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{client, Server};

const LEVEL2: (f64, f64) = (113.447392, 33.317817);
const GENERAL: (f64, f64) = (113.586555, 33.353639);

fn get_record(s: &Server, id: &str) -> reqwest::blocking::Response {
    client().get(s.url(&format!("/v1/assessments/{id}"))).send().expect("GET record")
}

#[test]
fn assessment_answers_carry_an_id_and_the_record_returns_the_same_verdict_zones_and_versions() {
    let s = Server::start();
    let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=3011&nature=new&discharges_pollutants=yes", LEVEL2.0, LEVEL2.1));
    let a: Value = client().get(url).send().expect("GET").json().expect("json");
    let id = a["id"].as_str().expect("the answer names its reference number").to_string();
    assert!(id.starts_with("EG-") && id.len() == 22, "{id}");

    let r = get_record(&s, &id);
    assert_eq!(r.status(), 200);
    let rec: Value = r.json().expect("record");
    assert_eq!(rec["id"], id.as_str());
    assert_eq!(rec["assessment"], a, "the record holds the answer exactly as sent");
    assert_eq!(rec["request"]["lon"], LEVEL2.0.to_string());
    assert_eq!(rec["request"]["industry"], "3011");
    assert_eq!(rec["site"]["type"], "Point");
    assert_eq!(rec["client"], "ip:127.0.0.1");
    assert!(rec["recorded_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{rec}");

    // POST, and the GeoJSON form: the FeatureCollection names the id, the record keeps the JSON answer.
    let body = json!({"geometry": {"type": "Polygon", "coordinates": [[[113.5865, 33.3536], [113.5875, 33.3536], [113.5875, 33.3546], [113.5865, 33.3536]]]},
        "facts": {"industry": "1411", "nature": "new"}});
    let fc: Value = client().post(s.url("/v1/assessments?f=geojson")).json(&body).send().expect("POST").json().expect("json");
    let id2 = fc["id"].as_str().expect("the FeatureCollection names the id");
    let rec2: Value = get_record(&s, id2).json().expect("record");
    assert_eq!(rec2["request"], body);
    assert_eq!(rec2["assessment"]["verdict"], fc["verdict"]);
    assert_eq!(rec2["assessment"]["dataset"]["version"], fc["dataset_version"]);
    assert_eq!(rec2["site"]["type"], "MultiPolygon");

    // Lower case and the O/0 look-alike are read as the reviewer meant them.
    let (head, tail) = id.split_at(12);
    let typed = format!("{}{}", head.to_lowercase(), tail.to_lowercase().replace('0', "o"));
    assert_eq!(get_record(&s, &typed).status(), 200);
}

#[test]
fn unknown_ids_are_404_and_malformed_ids_are_400() {
    let s = Server::start();
    let r = get_record(&s, "EG-20261127-0000000000");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = get_record(&s, "..%2F..%2Fetc%2Fpasswd");
    assert_eq!(r.status(), 400);
    let p: Value = r.json().expect("problem");
    assert_eq!(p["type"], "/problems/invalid-assessment-id");
}

#[test]
fn records_survive_sigterm_and_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("nested/audit.sqlite");
    let db_arg = db.to_str().expect("utf-8 path");
    let mut s = Server::start_with(&["--audit-db", db_arg]);
    let ids: Vec<String> = (0..5)
        .map(|i| {
            let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", GENERAL.0 + f64::from(i) * 1e-4, GENERAL.1));
            let a: Value = client().get(url).send().expect("GET").json().expect("json");
            a["id"].as_str().expect("id").to_string()
        })
        .collect();
    assert!(s.terminate(), "the server exits on SIGTERM");
    let s = Server::start_with(&["--audit-db", db_arg]);
    for id in &ids {
        assert_eq!(get_record(&s, id).status(), 200, "{id} kept across the restart");
    }
}

#[test]
fn a_corrupt_audit_database_is_moved_aside_and_recreated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("audit.sqlite");
    std::fs::write(&db, vec![0x42u8; 16 * 1024]).expect("write garbage");
    let s = Server::start_with(&["--audit-db", db.to_str().expect("utf-8 path")]);
    let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", GENERAL.0, GENERAL.1));
    let a: Value = client().get(url).send().expect("GET").json().expect("json");
    assert_eq!(get_record(&s, a["id"].as_str().expect("id")).status(), 200);
    let moved = std::fs::read_dir(dir.path()).expect("list").filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with("audit.sqlite.corrupt-"));
    assert!(moved, "the corrupt file is kept beside the new one");
    assert!(s.log_text().contains("corrupt"), "a warning says so: {}", s.log_text());
}

#[test]
fn an_unwritable_audit_folder_fails_at_startup_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecogate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--addr", "127.0.0.1:0", "--audit-db"])
        .arg(file.join("audit.sqlite"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit database folder") && err.contains("--audit-db"), "{err}");
}

#[test]
fn no_audit_answers_without_an_id() {
    let s = Server::start_with(&["--no-audit"]);
    let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", GENERAL.0, GENERAL.1));
    let a: Value = client().get(url).send().expect("GET").json().expect("json");
    assert!(a.get("id").is_none());
    assert_eq!(get_record(&s, "EG-20261127-0000000000").status(), 404);
}
