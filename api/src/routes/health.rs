//! Liveness, readiness and metrics.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::telemetry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    status: &'static str,
    projectors: Vec<ProjectorReadiness>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectorReadiness {
    name: String,
    /// Events committed but not applied yet.
    behind: i64,
    /// Age of the oldest of them, in seconds.
    lag_seconds: f64,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database answers and the projectors are running.
#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses((status = 200, body = Readiness), (status = 503, body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    let statuses = ancre_projections::status::status(&state.pool, &state.projectors)
        .await
        .map_err(|e| {
            // An open endpoint: the database's words (host, user) stay in the logs.
            tracing::error!(error = %e, "readiness: the database does not answer");
            ApiError::Unavailable("the database does not answer".into())
        })?;
    if !state.engine_running.load(Ordering::SeqCst) {
        return Err(ApiError::Unavailable(
            "the projectors are not running".into(),
        ));
    }
    Ok(Json(Readiness {
        status: "ready",
        projectors: statuses
            .into_iter()
            .map(|s| ProjectorReadiness {
                name: s.name,
                behind: s.behind,
                lag_seconds: s.lag_seconds,
            })
            .collect(),
    }))
}

/// Prometheus metrics (text exposition format), for a scraper holding
/// `ANCRE_METRICS_TOKEN`; off when it is unset.
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let Some(token) = &state.config.metrics_token else {
        return Err(ApiError::NotFound);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !presented.is_some_and(|p| token.matches(p.trim())) {
        return Err(ApiError::Unauthorized(
            "send `Authorization: Bearer <ANCRE_METRICS_TOKEN>`".into(),
        ));
    }
    let statuses = ancre_projections::status::status(&state.pool, &state.projectors).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry::render(&state, &statuses),
    ))
}
