//! The map page for reviewers (`GET /` in a browser) and its bundled static assets (`/web/*`).
//!
//! The page is plain files in `web_dir` (`index.html`, `app.js`, `coords.js`, `app.css`) plus MapLibre GL JS copied
//! from npm into `web_dir/vendor/` by `scripts/vendor-web.sh` — nothing is loaded from a CDN. Files are read at
//! request time, so the page can be edited without restarting; a missing folder or a missing MapLibre copy gives a
//! plain 503 page that says how to fix it, while the API keeps working.

use super::error::ApiError;
use super::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Files the page cannot work without, relative to `web_dir`.
pub const REQUIRED_FILES: [&str; 6] =
    ["index.html", "app.js", "coords.js", "app.css", "vendor/maplibre-gl.js", "vendor/maplibre-gl.css"];

/// Placeholder in `index.html` replaced by the page configuration (JSON).
const CONFIG_MARKER: &str = "__ECOGATE_CONFIG__";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/web/{*path}", get(web_file))
}

async fn web_file(State(state): State<Arc<AppState>>, req: Request) -> Response {
    serve_static(&state.config.web_dir, req).await
}

/// Serves `/web/<path>` from `dir` with tower-http's `ServeDir`, which refuses any path that would leave `dir`
/// (`..`, encoded `%2e%2e`, absolute paths, backslashes). Misses are problem+json 404s like the rest of the API.
pub async fn serve_static(dir: &Path, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    // Strip the mount point from the raw (still percent-encoded) path so ServeDir does its own decoding and checks.
    let raw = parts.uri.path().to_string();
    let rest = raw.strip_prefix("/web").unwrap_or(&raw);
    let rest = if rest.starts_with('/') { rest.to_string() } else { format!("/{rest}") };
    // Only what the page loads: its own files and the vendored MapLibre, not npm's working folders beside them
    // (node_modules, package.json) that the build leaves in the same directory.
    if !is_page_file(&rest) {
        return not_found(&raw);
    }
    let path_and_query = match parts.uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest,
    };
    parts.uri = match path_and_query.parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => return not_found(&raw),
    };
    let req = Request::from_parts(parts, body);
    let resp = match ServeDir::new(dir).append_index_html_on_directories(false).oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    };
    if resp.status() == StatusCode::NOT_FOUND {
        return not_found(&raw);
    }
    let mut resp = resp.map(Body::new);
    // Revalidate every time (ServeDir answers 304 when unchanged): a new release's files are picked up at once.
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `/index.html`, `/app.js`, … (top-level page files by extension) and anything under `/vendor/`; checked on the raw
/// path, so an encoded separator cannot slip past (ServeDir refuses those anyway).
fn is_page_file(rest: &str) -> bool {
    let rest = rest.trim_start_matches('/');
    let top_level = !rest.contains('/') && [".html", ".js", ".css", ".mjs", ".png", ".svg", ".ico"].iter().any(|e| rest.ends_with(e));
    top_level || (rest.starts_with("vendor/") && !rest.contains("%2"))
}

fn not_found(path: &str) -> Response {
    ApiError::not_found(format!("no page file at {path}"), format!("页面文件 {path} 不存在。")).into_response()
}

/// The HTML map page. `GET /` is routed by `ogc` (JSON clients get the OGC landing page, browsers this).
pub fn index_html(state: &AppState) -> Response {
    let dir = &state.config.web_dir;
    let missing: Vec<&str> = REQUIRED_FILES.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
    let template = if missing.is_empty() { std::fs::read_to_string(dir.join("index.html")).ok() } else { None };
    let Some(template) = template else {
        let missing = if missing.is_empty() { vec!["index.html"] } else { missing };
        return setup_page(dir, &missing);
    };
    let html = template.replace(CONFIG_MARKER, &script_json(&page_config(state)));
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// What the page needs to know before its first request: the dataset it shows and the optional base map.
fn page_config(state: &AppState) -> serde_json::Value {
    let engine = state.engine();
    let d = &engine.dataset;
    json!({
        "dataset": {
            "id": d.id,
            "title": d.title,
            "version": d.version,
            "illustrative": d.illustrative,
            "notice_zh": d.notice_zh,
            "notice_en": d.notice_en,
        },
        "rulebook": engine.rulebook_ref(),
        "base_map_url": state.config.base_map_url,
        "max_vertices": state.limits.max_vertices,
        "engine": format!("ecogate {}", env!("CARGO_PKG_VERSION")),
    })
}

/// JSON safe to place inside `<script type="application/json">`: no `<`, `>` or `&` can close the element.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// 503 page when the map page's files are missing: says which and how to get them.
fn setup_page(dir: &Path, missing: &[&str]) -> Response {
    let dir = html_escape(&dir.display().to_string());
    let items: String = missing.iter().map(|f| format!("<li><code>{}</code></li>", html_escape(f))).collect();
    let body = format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>ecogate — 地图页面未安装 / map page not installed</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}}code,pre{{background:#f3f3f3;padding:.1rem .3rem}}</style></head>
<body>
<h1>地图页面未安装 / The map page is not installed</h1>
<p>在 <code>{dir}</code> 中缺少以下文件：</p>
<p>These files are missing from <code>{dir}</code>:</p>
<ul>{items}</ul>
<p>修复方法 / To fix it, run in the ecogate source folder (needs <code>npm</code>):</p>
<pre>scripts/vendor-web.sh</pre>
<p>它从 npm 安装锁定版本的 MapLibre GL JS 并复制到 <code>web/vendor/</code>；然后刷新本页。
若页面文件在别处，请用 <code>--web-dir</code> 或环境变量 <code>ECOGATE_WEB</code> 指定。</p>
<p>It installs the pinned MapLibre GL JS from npm and copies it into <code>web/vendor/</code>; then reload this page.
If the page's files live elsewhere, point <code>--web-dir</code> or <code>ECOGATE_WEB</code> at them.</p>
<p>API 不受影响 / The API works meanwhile: <a href="/openapi.json">/openapi.json</a>, <code>/v1/assessments</code>.</p>
</body></html>
"#
    );
    let mut resp = (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(dir: &Path, uri: &str) -> (StatusCode, String) {
        let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let resp = serve_static(dir, req).await;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn static_files_never_escape_web_dir() {
        let root = tempfile::tempdir().unwrap();
        let web = root.path().join("web");
        std::fs::create_dir_all(web.join("vendor")).unwrap();
        std::fs::write(web.join("app.js"), "export {};").unwrap();
        std::fs::write(web.join("vendor/lib.js"), "lib").unwrap();
        std::fs::write(root.path().join("secret.txt"), "SECRET").unwrap();

        assert_eq!(get(&web, "/web/app.js").await, (StatusCode::OK, "export {};".to_string()));
        assert_eq!(get(&web, "/web/vendor/lib.js?v=1").await.0, StatusCode::OK);
        let escapes = [
            "/web/../secret.txt",
            "/web/vendor/../../secret.txt",
            "/web/%2e%2e/secret.txt",
            "/web/%2E%2E%2Fsecret.txt",
            "/web/..%2fsecret.txt",
            "/web/..%5csecret.txt",
            "/web/vendor/%2e%2e/%2e%2e/secret.txt",
            "/web//etc/passwd",
            "/web/%2fetc%2fpasswd",
        ];
        for uri in escapes {
            let (status, body) = get(&web, uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri} must not be served");
            assert!(!body.contains("SECRET") && !body.contains("root:"), "{uri} leaked a file outside web_dir");
        }
        // A directory is not listed.
        assert_eq!(get(&web, "/web/vendor/").await.0, StatusCode::NOT_FOUND);
    }

    #[test]
    fn config_json_cannot_close_its_script_element() {
        let s = script_json(&json!({ "title": "</script><script>alert(1)</script> & more" }));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["title"], "</script><script>alert(1)</script> & more");
    }
}
