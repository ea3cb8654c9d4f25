//! `/api/v1/copilotkit/…`: what the web UI's copilot calls.
//!
//! - `POST /copilotkit/actions/kpi`: the tenant's key figures as typed data
//!   (see [`crate::kpi`]), rendered by the UI as cards. Any role of the
//!   tenant may call it; the sections present follow the role.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::{ApiResult, Problem};
use crate::kpi::{kpis, Kpis};

pub fn router() -> Router<AppState> {
    Router::new().route("/copilotkit/actions/kpi", post(kpi))
}

/// The tenant's key figures: documents by status, failures of the last 7
/// days with their reasons and the most used assistants (roles that use the
/// workspace); this period's usage and each quota in % of the plan (roles
/// that read usage). Reads only; nothing is charged.
#[utoipa::path(post, path = "/api/v1/copilotkit/actions/kpi", tag = "copilot",
    responses((status = 200, body = Kpis), (status = 401, body = Problem)))]
pub async fn kpi(State(state): State<AppState>, ctx: TenantContext) -> ApiResult<Json<Kpis>> {
    Ok(Json(kpis(&state, &ctx).await?))
}
