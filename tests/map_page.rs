//! The map page end to end: the real `ecogate serve` on a free local port, driven by Debian's headless chromium
//! through `tests/browser/map.test.mjs` (node's test runner + playwright-core), plus the page's HTTP edges: the
//! setup page when the bundled files are missing, and static files that cannot escape `web/`.
//!
//! Needs node/npm, chromium and a CJK font: `scripts/browser-deps.sh` installs what is missing (apt, npm ci) and
//! `scripts/vendor-web.sh` copies MapLibre GL JS from npm into `web/vendor/`; both are run here when needed.
//! `ECOGATE_SHOT_DIR=/some/dir` keeps the screenshots.

#[path = "common/server.rs"]
mod server;

use server::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A raw HTTP/1.1 GET, so the path reaches the server exactly as written (no client-side `..` normalisation).
fn raw_get(server: &Server, path: &str) -> (u16, String) {
    let addr = server.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n").expect("send request");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read response");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

fn run_script(script: &str) {
    let out = Command::new("bash").arg(root().join(script)).current_dir(root()).output().expect("run bash");
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies MapLibre into web/vendor/ when missing; once per test binary, since tests run in parallel.
fn ensure_vendored() {
    static VENDORED: std::sync::Once = std::sync::Once::new();
    VENDORED.call_once(|| {
        if !root().join("web/vendor/maplibre-gl.js").is_file() || !root().join("web/vendor/maplibre-gl.css").is_file() {
            run_script("scripts/vendor-web.sh");
        }
    });
}

/// Installs what the browser test needs, only when something is missing; once per test binary, since the browser
/// tests run in parallel and two concurrent `npm ci` would remove each other's node_modules.
fn ensure_browser_deps() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        ensure_vendored();
        let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
        if !node_ok
            || !Path::new("/usr/bin/chromium").exists()
            || !root().join("tests/browser/node_modules/playwright-core").is_dir()
            || !Path::new("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists()
        {
            run_script("scripts/browser-deps.sh");
        }
    });
}

#[test]
fn map_page_in_headless_chromium() {
    ensure_browser_deps();
    run_browser_test(&Server::start(), &[], "", &[]);
}

/// Without a label font the style comes without glyphs and labels: the map must still load without a console error
/// (MapLibre logs one for every glyph range it cannot load, which is why the style drops them).
#[test]
fn map_page_without_a_label_font() {
    ensure_browser_deps();
    let server = Server::start_with(&["--font", "/nonexistent/font.ttc"]);
    run_browser_test(&server, &["--test-name-pattern=loads cleanly|zone labels"], "no-font", &[]);
}

/// A server that wants a read key for /v1/: the page takes it from `#api_key=` or asks for it on the first 401, and
/// its assessments and report links carry it.
#[test]
fn map_page_on_a_server_with_read_keys() {
    ensure_browser_deps();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("read-keys");
    std::fs::write(&keys, "map-page:read-key-for-the-map-page-0123\n").unwrap();
    let server = Server::start_with(&["--read-keys-file", keys.to_str().unwrap()]);
    run_browser_test(&server, &["--test-name-pattern=read key"], "read-keys", &[("ECOGATE_READ_KEY", "read-key-for-the-map-page-0123")]);
}

/// Runs tests/browser/map.test.mjs against the server; screenshots go to `$ECOGATE_SHOT_DIR/<sub>`. One browser at a
/// time: two chromiums on a small machine make the page's time limits flaky.
fn run_browser_test(server: &Server, node_args: &[&str], sub: &str, env: &[(&str, &str)]) {
    static ONE_BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let kept = std::env::var_os("ECOGATE_SHOT_DIR").map(PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let shots = kept.clone().unwrap_or_else(|| temp.path().to_path_buf()).join(sub);
    let started = Instant::now();
    let out = Command::new("node")
        .arg("--test")
        .args(node_args)
        .args(["--test-reporter=spec", "tests/browser/map.test.mjs"])
        .current_dir(root())
        .env("ECOGATE_URL", &server.base)
        .env("ECOGATE_SHOT_DIR", &shots)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run node --test (is node installed? see scripts/browser-deps.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}\nbrowser test took {:.1} s; screenshots in {}", started.elapsed().as_secs_f64(), shots.display());
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}\n--- server log ---\n{}",
        server.log_text()
    );
}

#[test]
fn browsers_get_the_map_page_with_its_configuration() {
    ensure_vendored();
    let server = Server::start();
    let client = reqwest::blocking::Client::new();
    let r = client.get(format!("{}/", server.base)).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let body = r.text().unwrap();
    assert!(body.contains(r#"<script type="application/json" id="config">{"#), "config injected: {body}");
    assert!(body.contains("wugang-sample@"), "dataset version in the page config");
    assert!(!body.contains("__ECOGATE_CONFIG__"));
    assert_eq!(client.get(format!("{}/web/vendor/maplibre-gl.js", server.base)).send().unwrap().status().as_u16(), 200);
    // The page's own files are served, and nothing is fetched from elsewhere.
    for f in ["app.js", "coords.js", "app.css"] {
        let r = client.get(format!("{}/web/{f}", server.base)).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "/web/{f}");
    }
    let html = std::fs::read_to_string(root().join("web/index.html")).unwrap();
    let js = std::fs::read_to_string(root().join("web/app.js")).unwrap();
    for text in [&html, &js] {
        assert!(!text.contains("https://") && !text.contains("http://"), "no external URL in the page's files");
    }
}

#[test]
fn setup_page_when_the_bundled_files_are_missing() {
    let empty = tempfile::tempdir().unwrap();
    let server = Server::start_with(&["--web-dir", empty.path().to_str().unwrap()]);
    let r = reqwest::blocking::Client::new().get(format!("{}/", server.base)).header("Accept", "text/html").send().unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let body = r.text().unwrap();
    assert!(body.contains("scripts/vendor-web.sh"), "says how to fix it: {body}");
    assert!(body.contains("vendor/maplibre-gl.js"), "names what is missing");
    // JSON clients still get the OGC landing page, and the API still works.
    let r = reqwest::blocking::Client::new().get(format!("{}/?f=json", server.base)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn static_files_never_leave_the_web_folder() {
    let server = Server::start();
    assert_eq!(raw_get(&server, "/web/app.css").0, 200);
    for path in [
        "/web/../Cargo.toml",
        "/web/../../etc/passwd",
        "/web/%2e%2e/Cargo.toml",
        "/web/%2E%2E%2FCargo.toml",
        "/web/..%2fCargo.toml",
        "/web/vendor/%2e%2e/%2e%2e/Cargo.toml",
        "/web/..\\Cargo.toml",
        "/web/%5c..%5cCargo.toml",
        "/web//etc/passwd",
    ] {
        let (status, text) = raw_get(&server, path);
        assert!(status == 404 || status == 400, "{path}: HTTP {status}");
        assert!(!text.contains("[package]") && !text.contains("root:x:"), "{path} leaked a file:\n{text}");
    }
}

#[test]
fn only_page_files_are_served_not_the_npm_folders_beside_them() {
    let server = Server::start();
    assert_eq!(raw_get(&server, "/web/vendor/maplibre-gl.css").0, 200);
    for path in ["/web/package.json", "/web/package-lock.json", "/web/node_modules/maplibre-gl/package.json", "/web/vendor/../package.json"] {
        let (status, _) = raw_get(&server, path);
        assert!(status == 404 || status == 400, "{path}: HTTP {status}");
    }
}
