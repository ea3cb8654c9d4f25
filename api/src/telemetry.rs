//! Logs, request spans and Prometheus metrics.
//!
//! Each request runs in a span carrying its request id (the `x-request-id`
//! header, generated when absent) and, once authenticated, its tenant id.
//! `/metrics` is rendered by hand from a few counters and the projector
//! status: no global registry, so several apps can live in one test process.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use ancre_projections::status::ProjectorStatus;
use axum::extract::{Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::EnvFilter;

use crate::app::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber (the binary calls this once).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The span of one request.
pub fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
        tenant_id = tracing::field::Empty,
    )
}

/// Counters kept by the HTTP layer.
#[derive(Default)]
pub struct Metrics {
    /// Responses by status class: 1xx..5xx.
    responses: [AtomicU64; 5],
}

impl Metrics {
    fn record(&self, status: u16) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }
}

/// Middleware: counts responses by status class.
pub async fn count_responses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    state.metrics.record(response.status().as_u16());
    response
}

/// The Prometheus text exposition.
pub fn render(state: &AppState, projectors: &[ProjectorStatus]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP ancre_http_responses_total HTTP responses by status class."
    );
    let _ = writeln!(out, "# TYPE ancre_http_responses_total counter");
    for (i, counter) in state.metrics.responses.iter().enumerate() {
        let _ = writeln!(
            out,
            "ancre_http_responses_total{{class=\"{}xx\"}} {}",
            i + 1,
            counter.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP ancre_projector_events_behind Committed events a projector has not applied yet."
    );
    let _ = writeln!(out, "# TYPE ancre_projector_events_behind gauge");
    for p in projectors {
        let _ = writeln!(
            out,
            "ancre_projector_events_behind{{projector=\"{}\"}} {}",
            p.name, p.behind
        );
    }
    let _ = writeln!(out, "# HELP ancre_projector_lag_seconds Age of the oldest event a projector has not applied yet.");
    let _ = writeln!(out, "# TYPE ancre_projector_lag_seconds gauge");
    for p in projectors {
        let _ = writeln!(
            out,
            "ancre_projector_lag_seconds{{projector=\"{}\"}} {:.6}",
            p.name, p.lag_seconds
        );
    }
    let _ = writeln!(
        out,
        "# HELP ancre_projector_position Global position of a projector's checkpoint."
    );
    let _ = writeln!(out, "# TYPE ancre_projector_position gauge");
    for p in projectors {
        let _ = writeln!(
            out,
            "ancre_projector_position{{projector=\"{}\"}} {}",
            p.name, p.checkpoint.position
        );
    }
    let _ = writeln!(
        out,
        "# HELP ancre_projector_apply_lag_seconds Time from an event's commit to the commit of the batch that applied it."
    );
    let _ = writeln!(out, "# TYPE ancre_projector_apply_lag_seconds histogram");
    let mut names: Vec<_> = state.lag.keys().copied().collect();
    names.sort();
    for name in names {
        let snap = state.lag[name].snapshot();
        let mut cumulative = 0;
        for (bound, count) in snap.bounds.iter().zip(&snap.counts) {
            cumulative += count;
            let le = if bound.is_infinite() {
                "+Inf".to_owned()
            } else {
                format!("{bound:.6}")
            };
            let _ = writeln!(
                out,
                "ancre_projector_apply_lag_seconds_bucket{{projector=\"{name}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "ancre_projector_apply_lag_seconds_sum{{projector=\"{name}\"}} {:.6}",
            snap.sum
        );
        let _ = writeln!(
            out,
            "ancre_projector_apply_lag_seconds_count{{projector=\"{name}\"}} {}",
            snap.total
        );
    }
    out
}
