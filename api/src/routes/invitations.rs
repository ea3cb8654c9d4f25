//! Invitations: nobody becomes a member of a tenant without consent. An
//! owner invites (`POST /api/v1/members`), sees and withdraws the tenant's
//! pending invitations (`/api/v1/invitations`); the invited user sees theirs
//! and accepts or declines them (`/api/v1/me/invitations`). Since every
//! membership was chosen, a user's default tenant (the oldest membership,
//! when a request names none) is one they chose, never one imposed.

use ancre_commands::EventMetadata;
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{TenantId, UserId};
use ancre_projections::projectors::invitations::NAME as INVITATIONS;
use ancre_projections::projectors::tenants::NAME as TENANTS;
use ancre_projections::read::{self, invitations::InvitationView};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::tenants::TenantResponse;
use super::RequestId;
use crate::app::AppState;
use crate::auth::permission::Owner;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", get(of_tenant))
        .route("/invitations/{user_id}", delete(withdraw))
        .route("/me/invitations", get(mine))
        .route("/me/invitations/{tenant_id}/accept", post(accept))
        .route("/me/invitations/{tenant_id}/decline", post(decline))
}

#[derive(Serialize, ToSchema)]
pub struct InvitationResponse {
    pub tenant_id: Uuid,
    /// The tenant's name, for the invited user to know what they would join.
    pub tenant_name: String,
    pub user_id: String,
    /// `owner`, `member` or `billing`: the role on accepting.
    pub role: String,
    /// `user:…` of the owner who invited.
    pub invited_by: String,
    pub invited_at: DateTime<Utc>,
}

impl From<InvitationView> for InvitationResponse {
    fn from(i: InvitationView) -> Self {
        InvitationResponse {
            tenant_id: i.tenant_id.0,
            tenant_name: i.tenant_name,
            user_id: i.user_id.to_string(),
            role: i.role.as_str().to_owned(),
            invited_by: i.invited_by,
            invited_at: i.invited_at,
        }
    }
}

/// The user a request comes from: API keys act for a tenant, not a person.
fn person(who: &Principal) -> ApiResult<UserId> {
    who.user().cloned().ok_or_else(|| {
        ApiError::Forbidden("API keys have no invitations; sign in as the invited user".into())
    })
}

/// Sends `command` to `tenant` on behalf of `who`, then waits for the read
/// models of members and invitations (the member routes use it too).
pub(crate) async fn run(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    request: RequestId,
    command: TenantCommand,
) -> ApiResult<()> {
    let at = state
        .commands
        .tenant(
            tenant,
            command,
            &EventMetadata::for_request(tenant, who.actor(), request.0),
        )
        .await?;
    state.caught_up(at, &[TENANTS, INVITATIONS]).await
}

/// The current tenant's pending invitations (owners).
#[utoipa::path(get, path = "/api/v1/invitations", tag = "members",
    responses((status = 200, body = [InvitationResponse]), (status = 403, body = Problem)))]
pub async fn of_tenant(
    State(state): State<AppState>,
    ctx: Owner,
) -> ApiResult<Json<Vec<InvitationResponse>>> {
    let invitations = read::invitations::of_tenant(&state.pool, ctx.tenant_id()).await?;
    Ok(Json(invitations.into_iter().map(Into::into).collect()))
}

/// Withdraw an invitation (owners).
#[utoipa::path(delete, path = "/api/v1/invitations/{user_id}", tag = "members",
    params(("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let user_id = UserId::parse(&user_id).ok_or(ApiError::NotFound)?;
    let tenant = ctx.tenant_id();
    run(
        &state,
        &ctx.principal,
        tenant,
        request,
        TenantCommand::CancelInvitation { user_id },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The invitations waiting for you, in every tenant.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "members",
    responses((status = 200, body = [InvitationResponse]), (status = 403, body = Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<InvitationResponse>>> {
    let user = person(&who)?;
    let invitations = read::invitations::of_user(&state.pool, &user).await?;
    Ok(Json(invitations.into_iter().map(Into::into).collect()))
}

/// Accept an invitation: you become a member of the tenant, with the role
/// you were invited to.
#[utoipa::path(post, path = "/api/v1/me/invitations/{tenant_id}/accept", tag = "members",
    params(("tenant_id" = Uuid, Path)),
    responses((status = 200, body = TenantResponse), (status = 404, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiPath(tenant_id): ApiPath<Uuid>,
) -> ApiResult<Json<TenantResponse>> {
    let user = person(&who)?;
    let tenant = TenantId(tenant_id);
    // The invitation is the authority: the aggregate refuses a user it did
    // not invite exactly as an unknown tenant (404).
    run(
        &state,
        &who,
        tenant,
        request,
        TenantCommand::AcceptInvitation {
            user_id: user.clone(),
        },
    )
    .await?;
    let (view, role) = read::tenants::memberships_of(&state.pool, &user)
        .await?
        .into_iter()
        .find(|(t, _)| t.id == tenant)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(TenantResponse::new(view, Some(role))))
}

/// Decline an invitation.
#[utoipa::path(post, path = "/api/v1/me/invitations/{tenant_id}/decline", tag = "members",
    params(("tenant_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiPath(tenant_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let user = person(&who)?;
    run(
        &state,
        &who,
        TenantId(tenant_id),
        request,
        TenantCommand::CancelInvitation { user_id: user },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
