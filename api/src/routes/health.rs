//! Liveness, readiness and metrics.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
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
        .map_err(|e| ApiError::Unavailable(format!("the database does not answer: {e}")))?;
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

/// Prometheus metrics (text exposition format).
pub async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let statuses = ancre_projections::status::status(&state.pool, &state.projectors).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry::render(&state, &statuses),
    ))
}
