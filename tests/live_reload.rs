//! Live dataset updates over real HTTP: reload by admin request, SIGHUP and file watch; past versions stay
//! answerable until evicted; a refused dataset leaves the old one serving. Also the admin key and the rate limit.

#[path = "common/server.rs"]
mod server;

use serde_json::Value;
use server::{client, Server};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const KEY: &str = "test-admin-key-0123456789";
const GENERAL: (f64, f64) = (113.586555, 33.353639);

/// A copy of the sample dataset the test may edit.
fn dataset_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wugang");
    copy_dir(&src, dir.path());
    let manifest = dir.path().join("dataset.toml");
    (dir, manifest)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// A new dataset version: the manifest's content is part of the version hash.
fn bump(manifest: &Path, n: u32) {
    let mut text = std::fs::read_to_string(manifest).expect("read manifest");
    text.push_str(&format!("\n# edit {n}\n"));
    std::fs::write(manifest, text).expect("write manifest");
}

fn start(manifest: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--dataset", manifest.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    Server::start_with_env(&[("ECOGATE_ADMIN_KEY", KEY)], &args)
}

fn version(s: &Server) -> String {
    let r: Value = client().get(s.url("/readyz")).send().expect("readyz").json().expect("json");
    r["dataset_version"].as_str().expect("version").to_string()
}

fn reload(s: &Server) -> reqwest::blocking::Response {
    client().post(s.url("/admin/reload")).bearer_auth(KEY).send().expect("reload")
}

fn assess(s: &Server, dataset_version: Option<&str>) -> reqwest::blocking::Response {
    let mut url = format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", GENERAL.0, GENERAL.1);
    if let Some(v) = dataset_version {
        url.push_str(&format!("&dataset_version={v}"));
    }
    client().get(s.url(&url)).send().expect("assess")
}

#[test]
fn reload_swaps_the_version_and_past_versions_answer_until_evicted() {
    let (_dir, manifest) = dataset_copy();
    let s = start(&manifest, &["--keep-versions", "2"]);
    let v1 = version(&s);

    bump(&manifest, 1);
    let r = reload(&s);
    assert_eq!(r.status(), 200);
    let outcome: Value = r.json().expect("outcome");
    assert_eq!(outcome["result"], "swapped");
    assert_eq!(outcome["previous_dataset_version"], v1.as_str());
    let v2 = outcome["dataset_version"].as_str().expect("v2").to_string();
    assert_ne!(v1, v2);
    assert_eq!(version(&s), v2);

    // Every answer names its version; the old one is still answerable by name, and the record says so.
    let now: Value = assess(&s, None).json().expect("json");
    assert_eq!(now["dataset"]["version"], v2.as_str());
    let past: Value = assess(&s, Some(&v1)).json().expect("json");
    assert_eq!(past["dataset"]["version"], v1.as_str());
    let rec: Value = client().get(s.url(&format!("/v1/assessments/{}", past["id"].as_str().expect("id")))).send().expect("record").json().expect("json");
    assert_eq!(rec["request"]["dataset_version"], v1.as_str());

    // A reload with nothing changed swaps nothing.
    let same: Value = reload(&s).json().expect("json");
    assert_eq!(same["result"], "unchanged");

    // A third version evicts the first (two kept): 410 for it, 409 for a version never loaded.
    bump(&manifest, 2);
    assert_eq!(reload(&s).status(), 200);
    let gone = assess(&s, Some(&v1));
    assert_eq!(gone.status(), 410);
    let p: Value = gone.json().expect("problem");
    assert_eq!(p["type"], "/problems/dataset-version-evicted");
    assert_eq!(p["available_versions"].as_array().map(Vec::len), Some(2));
    let unknown = assess(&s, Some("wugang-sample@0000000000000000"));
    assert_eq!(unknown.status(), 409);
    assert_eq!(assess(&s, Some("not a version")).status(), 422);

    let status: Value = client().get(s.url("/admin/status")).bearer_auth(KEY).send().expect("status").json().expect("json");
    assert_eq!(status["previous_dataset_version"], v2.as_str());
    assert_eq!(status["last_reload"]["result"], "swapped");
    assert_eq!(status["last_reload"]["evicted"][0], v1.as_str());
}

#[test]
fn a_refused_dataset_is_reported_and_the_old_version_keeps_serving() {
    let (_dir, manifest) = dataset_copy();
    let s = start(&manifest, &[]);
    let v1 = version(&s);
    let text = std::fs::read_to_string(&manifest).expect("read").replace("code = \"HJZHGKDYBM\"", "code = \"NO_SUCH_FIELD\"");
    std::fs::write(&manifest, text).expect("write");
    let r = reload(&s);
    assert_eq!(r.status(), 422);
    let p: Value = r.json().expect("problem");
    assert_eq!(p["type"], "/problems/dataset-refused");
    let problems = p["report"]["problems"].as_array().expect("the validation report");
    assert!(problems.iter().any(|q| q["message"].as_str().is_some_and(|m| m.contains("NO_SUCH_FIELD"))), "{p}");
    assert_eq!(version(&s), v1);
    assert_eq!(assess(&s, None).status(), 200);
    let status: Value = client().get(s.url("/admin/status")).bearer_auth(KEY).send().expect("status").json().expect("json");
    assert_eq!(status["last_reload"]["result"], "refused");
    assert_eq!(status["dataset_version"], v1.as_str());
}

fn wait_for_version_change(s: &Server, from: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = version(s);
        if v != from {
            return v;
        }
        assert!(Instant::now() < deadline, "the version did not change: {}", s.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sighup_and_file_changes_reload() {
    let (_dir, manifest) = dataset_copy();
    let s = start(&manifest, &["--watch"]);
    let v1 = version(&s);
    bump(&manifest, 1);
    let v2 = wait_for_version_change(&s, &v1);
    // SIGHUP: on a server without the watch, so only the signal can have done it.
    let (_dir2, manifest2) = dataset_copy();
    let t = start(&manifest2, &[]);
    let w1 = version(&t);
    bump(&manifest2, 7);
    t.signal("HUP");
    let w2 = wait_for_version_change(&t, &w1);
    assert_ne!(w1, w2);
    assert_ne!(v1, v2);
}

#[test]
fn admin_routes_need_the_admin_key() {
    let (_dir, manifest) = dataset_copy();
    let s = start(&manifest, &[]);
    let none = client().post(s.url("/admin/reload")).send().expect("reload");
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let wrong = client().post(s.url("/admin/reload")).bearer_auth("wrong-key-wrong-key-wrong").send().expect("reload");
    assert_eq!(wrong.status(), 401);
    let header = client().get(s.url("/admin/status")).header("x-api-key", KEY).send().expect("status");
    assert_eq!(header.status(), 200);
    assert!(!s.log_text().contains(KEY), "the key is never logged");

    // Without a key configured the admin routes are off and say how to enable them.
    let open = Server::start();
    let r = client().post(open.url("/admin/reload")).bearer_auth(KEY).send().expect("reload");
    assert_eq!(r.status(), 403);
    let p: Value = r.json().expect("problem");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("ECOGATE_ADMIN_KEY")), "{p}");
}

#[test]
fn read_keys_and_the_rate_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = dir.path().join("read-keys");
    std::fs::write(&keys, "# reviewers\nmap-page:read-key-0123456789abcdef\n").expect("write keys");
    let s = Server::start_with(&["--read-keys-file", keys.to_str().expect("utf-8"), "--rate-limit-per-minute", "3"]);
    let url = s.url(&format!("/v1/assessments?lon={}&lat={}&industry=1411&nature=new", GENERAL.0, GENERAL.1));
    assert_eq!(client().get(&url).send().expect("GET").status(), 401);
    assert_eq!(client().get(s.url("/readyz")).send().expect("GET").status(), 200, "health checks stay public");
    let ok = client().get(format!("{url}&api_key=read-key-0123456789abcdef")).send().expect("GET");
    assert_eq!(ok.status(), 200);
    let a: Value = ok.json().expect("json");
    let rec: Value = client()
        .get(s.url(&format!("/v1/assessments/{}", a["id"].as_str().expect("id"))))
        .bearer_auth("read-key-0123456789abcdef")
        .send()
        .expect("record")
        .json()
        .expect("json");
    assert_eq!(rec["client"], "key:map-page", "the record names the key by label");
    assert!(rec["request"].get("api_key").is_none(), "the key is not recorded");
    // Third request of this client within the minute is still allowed (burst 3); the fourth is not.
    let _ = client().get(&url).bearer_auth("read-key-0123456789abcdef").send().expect("GET");
    let limited = client().get(&url).bearer_auth("read-key-0123456789abcdef").send().expect("GET");
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
    assert!(retry >= 1);
    assert_eq!(limited.headers()["content-type"], "application/problem+json");
}
