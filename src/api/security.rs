//! API keys and per-client rate limiting, as one middleware in front of every route.
//!
//! - **Admin routes** (`/admin/*`) need the admin key (`--admin-key-file` or `$ECOGATE_ADMIN_KEY`, never a command-line
//!   value that `ps` would show). Without one configured they answer 403 `admin-disabled` saying how to enable them.
//! - **Read keys** (`--read-keys-file`, one `label:key` or `key` per line): when configured, `/v1/*` needs one (or the
//!   admin key). The map page, tiles, style, fonts, OGC API – Features and health checks stay public: they serve the
//!   published zoning layers, and map clients cannot always send headers.
//! - A key is sent as `Authorization: Bearer <key>`, `X-API-Key: <key>`, or `?api_key=<key>` (for clients that cannot
//!   set headers). The access log has paths only, never query strings; the audit trail names a key by its label.
//! - Keys are compared in constant time on their SHA-256 digests (so neither content nor length leaks by timing).
//! - **Rate limit** (`--rate-limit-per-minute`, off by default): per API key when one is sent, else per IP, on
//!   `/v1/*` and `/admin/*`; over it, 429 `rate-limited` with `Retry-After`.

use super::error::ApiError;
use super::{AppState, Client};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use subtle::ConstantTimeEq;

type Digest32 = [u8; 32];

fn digest(key: &str) -> Digest32 {
    Sha256::digest(key.as_bytes()).into()
}

/// Shortest key accepted: a guessable admin key is worse than none.
pub const MIN_KEY_LEN: usize = 16;

/// The configured keys (digests only) and the rate limiter.
#[derive(Default)]
pub struct Keys {
    admin: Option<Digest32>,
    /// (label, digest)
    read: Vec<(String, Digest32)>,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("admin", &self.admin.is_some()).field("read", &self.read.len()).finish()
    }
}

impl Keys {
    /// Reads the admin key (file first, else `admin_env`, the value of `$ECOGATE_ADMIN_KEY`) and the read keys.
    /// Errors never contain a key.
    pub fn load(admin_key_file: Option<&Path>, admin_env: Option<String>, read_keys_file: Option<&Path>) -> Result<Keys, String> {
        let admin = match (admin_key_file, admin_env.filter(|v| !v.trim().is_empty())) {
            (Some(path), _) => {
                warn_if_readable_by_others(path);
                Some(std::fs::read_to_string(path).map_err(|e| format!("cannot read the admin key file {}: {e}", path.display()))?)
            }
            (None, Some(v)) => Some(v),
            (None, None) => None,
        };
        let admin = match admin.map(|k| k.trim().to_string()) {
            Some(k) if k.len() < MIN_KEY_LEN => return Err(format!("the admin key must be at least {MIN_KEY_LEN} characters")),
            Some(k) => Some(digest(&k)),
            None => None,
        };
        let mut read = Vec::new();
        if let Some(path) = read_keys_file {
            warn_if_readable_by_others(path);
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the read keys file {}: {e}", path.display()))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (label, key) = match line.split_once(':') {
                    Some((l, k)) if !l.trim().is_empty() => (l.trim().to_string(), k.trim()),
                    _ => (String::new(), line),
                };
                if key.len() < MIN_KEY_LEN {
                    return Err(format!("{} line {}: keys must be at least {MIN_KEY_LEN} characters", path.display(), n + 1));
                }
                let d = digest(key);
                let label = if label.is_empty() { d.iter().take(4).map(|b| format!("{b:02x}")).collect() } else { label };
                read.push((label, d));
            }
            if read.is_empty() {
                return Err(format!("{} holds no key", path.display()));
            }
        }
        Ok(Keys { admin, read, limiter: None })
    }

    /// Limits each client to `per_minute` requests (bursts up to `burst`); 0 turns limiting off.
    pub fn with_rate_limit(mut self, per_minute: u32, burst: u32) -> Keys {
        self.limiter = NonZeroU32::new(per_minute).map(|n| {
            let quota = Quota::per_minute(n).allow_burst(NonZeroU32::new(burst).unwrap_or(n));
            Arc::new(RateLimiter::keyed(quota))
        });
        self
    }

    pub fn admin_configured(&self) -> bool {
        self.admin.is_some()
    }

    pub fn read_required(&self) -> bool {
        !self.read.is_empty()
    }

    fn is_admin(&self, presented: &Digest32) -> bool {
        self.admin.is_some_and(|a| bool::from(a.ct_eq(presented)))
    }

    /// The label of the read key presented, checking every key (no early exit).
    fn read_label(&self, presented: &Digest32) -> Option<&str> {
        let mut found = None;
        for (label, d) in &self.read {
            if bool::from(d.ct_eq(presented)) {
                found = Some(label.as_str());
            }
        }
        found
    }

    /// Drops limiter state of clients not seen lately (called periodically).
    pub fn forget_idle_clients(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// A key file others can read is a key others have: say so (the service still starts).
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(file = %path.display(), "the key file is readable by group or others: chmod 600 it");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The key a request presents: `Authorization: Bearer`, `X-API-Key`, or `api_key` in the query.
fn presented_key(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(k) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")) {
            return Some(k.trim().to_string());
        }
    }
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    let query = query?;
    let uri: axum::http::Uri = format!("/?{query}").parse().ok()?;
    let axum::extract::Query(mut params) = axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(&uri).ok()?;
    params.remove("api_key")
}

fn unauthorized(detail: &str, detail_zh: &str) -> Response {
    let mut resp = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "API key required", detail, detail_zh).into_response();
    resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ecogate\""));
    resp
}

/// Checks keys and the rate limit, and names the client for the audit trail.
pub async fn guard(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let admin_route = path.starts_with("/admin/") || path == "/admin";
    let read_route = path.starts_with("/v1/");
    if !admin_route && !read_route {
        return next.run(req).await;
    }
    let keys = &state.keys;
    let presented = presented_key(req.headers(), req.uri().query()).map(|k| digest(&k));
    let mut client: Option<String> = None;
    if admin_route {
        if !keys.admin_configured() {
            return ApiError::new(StatusCode::FORBIDDEN, "admin-disabled", "Admin routes disabled",
                "the admin routes are off: start the server with --admin-key-file FILE or $ECOGATE_ADMIN_KEY to enable them",
                "管理接口未启用：请以 --admin-key-file 或环境变量 ECOGATE_ADMIN_KEY 配置管理密钥后启动服务。").into_response();
        }
        match &presented {
            None => return unauthorized("the admin routes need the admin key: Authorization: Bearer <key>", "管理接口需要管理密钥（Authorization: Bearer <密钥>）。"),
            Some(d) if keys.is_admin(d) => client = Some("key:admin".into()),
            Some(_) => return unauthorized("the key given is not the admin key", "所给密钥不是管理密钥。"),
        }
    } else if let Some(d) = &presented {
        if keys.is_admin(d) {
            client = Some("key:admin".into());
        } else if let Some(label) = keys.read_label(d) {
            client = Some(format!("key:{label}"));
        } else if keys.read_required() {
            return unauthorized("the API key given is not valid", "所给 API 密钥无效。");
        }
    } else if keys.read_required() {
        return unauthorized("this server needs an API key for /v1/: Authorization: Bearer <key>, X-API-Key or ?api_key=", "本服务的 /v1/ 接口需要 API 密钥（Authorization: Bearer、X-API-Key 或 ?api_key=）。");
    }
    if let Some(c) = &client {
        req.extensions_mut().insert(Client(c.clone()));
    }
    if let Some(limiter) = &keys.limiter {
        let who = client.or_else(|| req.extensions().get::<Client>().map(|c| c.0.clone())).unwrap_or_else(|| "unknown".into());
        if let Err(not_until) = limiter.check_key(&who) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut resp = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests",
                format!("this client is over its request rate; retry in {secs} s"), format!("请求过于频繁，请 {secs} 秒后重试。")).into_response();
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            return resp;
        }
    }
    next.run(req).await
}
