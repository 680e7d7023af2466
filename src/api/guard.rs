//! The innermost layer of the router: it keeps the promise that every error is `application/problem+json`.
//!
//! Handlers answer their own errors as [`ApiError`]s, but axum's extractors answer some malformed requests before a
//! handler runs, in plain text: a path segment that percent-decodes to invalid UTF-8 (`/v1/zones/%FF`), a query
//! value of the wrong type (`/v1/industries?limit=many`). This layer turns any such bare error into a problem with
//! the extractor's message as `detail`, so clients parse one error format (found by the malformed-input suite,
//! tests/malformed_input.rs).
//!
//! It also refuses a query string that percent-decodes to invalid UTF-8 (`?q=%FF`, or a GBK-encoded `?q=%CB%AE`):
//! the query parsers would otherwise replace the bytes with U+FFFD and answer a search for garbage as if it were
//! what the client asked.

use super::error::ApiError;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest bare error body read back into the problem's `detail` (extractor messages are one line).
const BARE_BODY_LIMIT: usize = 16 * 1024;

pub async fn problem_json_only(req: Request, next: Next) -> Response {
    if let Some(name) = req.uri().query().and_then(non_utf8_parameter) {
        return ApiError::bad_request(
            "invalid-query",
            format!("query parameter {name:?} is not UTF-8 once percent-decoded: encode query text as UTF-8"),
            format!("查询参数 {name} 解码后不是 UTF-8 文本：请以 UTF-8 编码查询参数。"),
        )
        .at(name)
        .into_response();
    }
    let resp = next.run(req).await;
    let status = resp.status();
    // An HTML answer is a page written for a browser on purpose (the map page's setup page), not a bare error.
    let is_html = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&resp) || is_html {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, BARE_BODY_LIMIT).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
    let (slug, title) = kind_of(status);
    let error = if status.is_server_error() {
        // Never echo an internal message to the client; keep it in the log.
        tracing::error!(status = status.as_u16(), detail = %text, "bare server error turned into a problem");
        ApiError::new(status, slug, title, "an internal error occurred; it has been logged", "服务内部错误，已记录。")
    } else {
        let detail = if text.is_empty() { title.to_string() } else { text };
        let zh = format!("请求无效（{}）：{detail}", status.as_u16());
        ApiError::new(status, slug, title, detail, zh)
    };
    let mut out = error.into_response();
    // Keep what the original answer said besides its body (Allow, Retry-After, request id …).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

fn is_problem(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"))
}

fn kind_of(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("bad-request", "Bad request"),
        StatusCode::NOT_FOUND => ("not-found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "Request body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
        StatusCode::RANGE_NOT_SATISFIABLE => ("range-not-satisfiable", "Range not satisfiable"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid-request", "Invalid input"),
        s if s.is_server_error() => ("internal", "Internal error"),
        _ => ("client-error", "Client error"),
    }
}

/// The name (lossily decoded) of the first query parameter whose name or value percent-decodes to invalid UTF-8.
fn non_utf8_parameter(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name_bytes, value_bytes) = (percent_decode(name), percent_decode(value));
        (std::str::from_utf8(&name_bytes).is_err() || std::str::from_utf8(&value_bytes).is_err())
            .then(|| String::from_utf8_lossy(&name_bytes).into_owned())
    })
}

/// `%XX` sequences to bytes (`+` is a space in forms and ASCII either way, so it cannot make text invalid); a `%`
/// not followed by two hex digits is kept as is, as the form decoders do.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                // Two hex digits make at most 255.
                out.push(u8::try_from(h * 16 + l).unwrap_or(u8::MAX));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_queries_pass_and_invalid_bytes_name_their_parameter() {
        assert_eq!(non_utf8_parameter("q=%E6%B0%B4%E6%B3%A5&limit=5"), None);
        assert_eq!(non_utf8_parameter("lon=113.5&lat=33%2E3&bbox=1,2,3,4"), None);
        assert_eq!(non_utf8_parameter("at=100%&x=%zz"), None, "a stray % is not an invalid byte");
        assert_eq!(non_utf8_parameter("limit=5&q=%FF"), Some("q".into()));
        assert_eq!(non_utf8_parameter("q=%CB%AE%C4%E0"), Some("q".into()), "GBK-encoded 水泥");
        assert_eq!(non_utf8_parameter("%C0%AF=1").map(|n| n.contains('\u{FFFD}')), Some(true));
    }
}
