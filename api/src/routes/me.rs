//! `/api/v1/me`: who the credential says you are, the tenant you act in, and
//! the tenants you belong to.

use ancre_projections::read;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::tenants::TenantResponse;
use crate::app::AppState;
use crate::auth::{Identity, Principal, TenantContext};
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(me))
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// `user` or `api_key`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<Uuid>,
    pub platform_admin: bool,
    /// True when the server runs with `DEV_AUTH_BYPASS=true`.
    pub dev_auth_bypass: bool,
    /// The tenant requests act in (absent when you belong to none yet).
    pub tenant: Option<TenantResponse>,
    /// Every tenant you belong to, with your role.
    pub tenants: Vec<TenantResponse>,
}

/// The caller, their current tenant and their memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)))]
pub async fn me(
    State(state): State<AppState>,
    who: Principal,
    ctx: Option<TenantContext>,
) -> ApiResult<Json<MeResponse>> {
    let tenants = match &who.identity {
        Identity::User(user) => read::tenants::memberships_of(&state.pool, user)
            .await?
            .into_iter()
            .map(|(t, role)| TenantResponse::new(t, Some(role)))
            .collect(),
        Identity::ApiKey { .. } => vec![],
    };
    let tenant = ctx.map(|c| TenantResponse::new(c.tenant, Some(c.role)));
    let (kind, user_id, api_key_id) = match &who.identity {
        Identity::User(user) => ("user", Some(user.to_string()), None),
        Identity::ApiKey { key_id, .. } => ("api_key", None, Some(key_id.0)),
    };
    let tenants = if tenants.is_empty() {
        tenant.iter().cloned().collect()
    } else {
        tenants
    };
    Ok(Json(MeResponse {
        kind,
        user_id,
        api_key_id,
        platform_admin: who.platform_admin,
        dev_auth_bypass: state.config.dev_auth_bypass,
        tenant,
        tenants,
    }))
}

// `Option<TenantContext>` must not swallow real failures (e.g. the database):
// only "no tenant" style rejections become `None`.
impl axum::extract::OptionalFromRequestParts<AppState> for TenantContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <TenantContext as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            parts, state,
        )
        .await
        {
            Ok(ctx) => Ok(Some(ctx)),
            Err(ApiError::Forbidden(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
