//! `/api/v1/members`: the members of the current tenant and their roles.
//! Those who use the workspace may list them; owners invite (the user
//! accepts: `routes::invitations`), change and remove them (a tenant keeps
//! at least one owner: the aggregate refuses otherwise).

use ancre_domain::tenant::TenantCommand;
use ancre_domain::{Role, UserId};
use ancre_projections::read::{self, tenants::MemberView};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::invitations::{run, InvitationResponse};
use super::RequestId;
use crate::app::AppState;
use crate::auth::permission::{Owner, WorkspaceUser};
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/members", get(list).post(invite))
        .route("/members/{user_id}", patch(change_role).delete(remove))
}

#[derive(Serialize, ToSchema)]
pub struct MemberResponse {
    pub user_id: String,
    /// `owner`, `member` or `billing`.
    pub role: String,
    pub added_at: DateTime<Utc>,
}

impl From<MemberView> for MemberResponse {
    fn from(m: MemberView) -> Self {
        MemberResponse {
            user_id: m.user_id.to_string(),
            role: m.role.as_str().to_owned(),
            added_at: m.added_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    /// The identity provider's user id (e.g. a Clerk `user_…` id).
    pub user_id: String,
    /// `owner`, `member` or `billing`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    pub role: String,
}

fn role(raw: &str) -> ApiResult<Role> {
    Role::parse(raw).ok_or_else(|| {
        ApiError::Validation(format!(
            "unknown role {raw:?}: use owner, member or billing"
        ))
    })
}

fn user(raw: &str) -> ApiResult<UserId> {
    UserId::parse(raw)
        .ok_or_else(|| ApiError::Validation("the user id is empty or too long".into()))
}

async fn member(state: &AppState, ctx: &TenantContext, user: &UserId) -> ApiResult<MemberResponse> {
    read::tenants::members(&state.pool, ctx.tenant_id())
        .await?
        .into_iter()
        .find(|m| &m.user_id == user)
        .map(Into::into)
        .ok_or(ApiError::NotFound)
}

/// The current tenant's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "members",
    responses((status = 200, body = [MemberResponse]), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
) -> ApiResult<Json<Vec<MemberResponse>>> {
    let members = read::tenants::members(&state.pool, ctx.tenant_id()).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// Invite a user (owners). They become a member with this role once they
/// accept (`POST /api/v1/me/invitations/{tenant_id}/accept`).
#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = InviteMember,
    responses((status = 201, body = InvitationResponse), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiJson(body): ApiJson<InviteMember>,
) -> ApiResult<(StatusCode, Json<InvitationResponse>)> {
    let user_id = user(&body.user_id)?;
    let role = role(&body.role)?;
    let tenant = ctx.tenant_id();
    run(
        &state,
        &ctx.principal,
        tenant,
        request,
        TenantCommand::InviteMember {
            user_id: user_id.clone(),
            role,
        },
    )
    .await?;
    let invitation = read::invitations::of_tenant(&state.pool, tenant)
        .await?
        .into_iter()
        .find(|i| i.user_id == user_id)
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(invitation.into())))
}

/// Change a member's role (owners). The last owner cannot be demoted.
#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = "members", params(("user_id" = String, Path)),
    request_body = ChangeRole,
    responses((status = 200, body = MemberResponse), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_role(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<ChangeRole>,
) -> ApiResult<Json<MemberResponse>> {
    let user_id = user(&user_id)?;
    let role = role(&body.role)?;
    run(
        &state,
        &ctx.principal,
        ctx.tenant_id(),
        request,
        TenantCommand::ChangeMemberRole {
            user_id: user_id.clone(),
            role,
        },
    )
    .await?;
    Ok(Json(member(&state, &ctx, &user_id).await?))
}

/// Remove a member (owners). The last owner cannot be removed.
#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = "members", params(("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let user_id = user(&user_id)?;
    run(
        &state,
        &ctx.principal,
        ctx.tenant_id(),
        request,
        TenantCommand::RemoveMember { user_id },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
