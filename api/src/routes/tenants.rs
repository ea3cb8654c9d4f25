//! `/api/v1/tenants`: open a tenant, list and read the tenants you belong to,
//! rename one (owners), suspend / reactivate (platform admins).
//!
//! Each Free workspace comes with fresh Free quotas: a user may own at most
//! `ANCRE_MAX_FREE_WORKSPACES_PER_USER` of them (platform admins: any number).
//!
//! A tenant you do not belong to does not exist for you: 404, never 403, so
//! ids of other tenants cannot be probed.

use ancre_commands::EventMetadata;
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{Plan, Role, TenantId};
use ancre_projections::projectors::tenants::NAME as TENANTS;
use ancre_projections::read::{self, tenants::TenantView};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Page, Paginated, RequestId};
use crate::app::AppState;
use crate::auth::{Identity, Principal};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants", post(create).get(list))
        .route("/tenants/{id}", get(get_tenant).patch(rename))
        .route("/tenants/{id}/suspend", post(suspend))
        .route("/tenants/{id}/reactivate", post(reactivate))
}

#[derive(Clone, Serialize, ToSchema)]
pub struct TenantResponse {
    pub id: Uuid,
    pub name: String,
    /// `free` or `pro`.
    pub plan: String,
    /// `active` or `suspended`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspension_reason: Option<String>,
    /// Your role in this tenant (absent for platform admins who are not members).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TenantResponse {
    pub fn new(t: TenantView, role: Option<Role>) -> Self {
        TenantResponse {
            id: t.id.0,
            name: t.name,
            plan: t.plan.as_str().to_owned(),
            status: if t.suspended { "suspended" } else { "active" }.to_owned(),
            suspension_reason: t.suspension_reason,
            role: role.map(|r| r.as_str().to_owned()),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// 1 to 100 characters.
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameTenant {
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendTenant {
    /// Shown to the tenant's users.
    pub reason: String,
}

/// The tenant with this id if the caller may see it, with the caller's role.
async fn visible(
    state: &AppState,
    who: &Principal,
    id: TenantId,
) -> ApiResult<(TenantView, Option<Role>)> {
    if let Identity::User(user) = &who.identity {
        let membership = read::tenants::memberships_of(&state.pool, user)
            .await?
            .into_iter()
            .find(|(t, _)| t.id == id);
        if let Some((tenant, role)) = membership {
            return Ok((tenant, Some(role)));
        }
    }
    let role = match &who.identity {
        Identity::ApiKey { tenant_id, .. } if *tenant_id == id => Some(Role::Member),
        _ => None,
    };
    if role.is_none() && !who.platform_admin {
        return Err(ApiError::NotFound);
    }
    let tenant = read::tenants::get(&state.pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((tenant, role))
}

fn metadata(tenant: TenantId, who: &Principal, request: &RequestId) -> EventMetadata {
    EventMetadata::for_request(tenant, who.actor(), request.0.clone())
}

/// Open a new tenant; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = CreateTenant,
    responses((status = 201, body = TenantResponse), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiJson(body): ApiJson<CreateTenant>,
) -> ApiResult<impl IntoResponse> {
    let Some(owner) = who.user().cloned() else {
        return Err(ApiError::Forbidden(
            "API keys act within their own tenant; sign in as a user to open a tenant".into(),
        ));
    };
    // One creation per user at a time (the lock ends with the transaction,
    // also when the client hangs up), so that racing requests cannot each
    // see room for one more Free workspace.
    let mut guard = state.pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('ancre:tenant-create:' || $1, 0))")
        .bind(owner.as_str())
        .execute(&mut *guard)
        .await?;
    if !who.platform_admin {
        let limit = state.config.max_free_workspaces_per_user;
        let owned_free = read::tenants::memberships_of(&state.pool, &owner)
            .await?
            .into_iter()
            .filter(|(tenant, role)| *role == Role::Owner && tenant.plan == Plan::Free)
            .count();
        if owned_free >= limit {
            return Err(ApiError::Forbidden(format!(
                "you already own {owned_free} Free workspaces, the most one user may open \
                 ({limit}); move one to Pro, or work in one you have"
            )));
        }
    }
    let id = TenantId::new();
    let at = state
        .commands
        .tenant(
            id,
            TenantCommand::Create {
                tenant_id: id,
                name: body.name,
                owner,
            },
            &metadata(id, &who, &request),
        )
        .await?;
    state.caught_up(at, &[TENANTS]).await?;
    guard.rollback().await?;
    let tenant = read::tenants::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("tenant {id} not projected in time")))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/tenants/{id}"))],
        Json(TenantResponse::new(tenant, Some(Role::Owner))),
    ))
}

/// The tenants you belong to (platform admins: every tenant).
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants", params(Page),
    responses((status = 200, body = Paginated<TenantResponse>), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paginated<TenantResponse>>> {
    let (limit, offset) = page.resolve()?;
    let mine: Vec<(TenantView, Role)> = match &who.identity {
        Identity::User(user) => read::tenants::memberships_of(&state.pool, user).await?,
        Identity::ApiKey { tenant_id, .. } => read::tenants::get(&state.pool, *tenant_id)
            .await?
            .into_iter()
            .map(|t| (t, Role::Member))
            .collect(),
    };
    let (items, total) = if who.platform_admin {
        let all = read::tenants::all(&state.pool, limit, offset).await?;
        let total = read::tenants::count_all(&state.pool).await?;
        let items = all
            .into_iter()
            .map(|t| {
                let role = mine.iter().find(|(m, _)| m.id == t.id).map(|(_, r)| *r);
                TenantResponse::new(t, role)
            })
            .collect();
        (items, total)
    } else {
        let total = mine.len() as i64;
        let items = mine
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(t, role)| TenantResponse::new(t, Some(role)))
            .collect();
        (items, total)
    };
    Ok(Json(Paginated {
        items,
        total,
        limit,
        offset,
    }))
}

/// One tenant you belong to.
#[utoipa::path(get, path = "/api/v1/tenants/{id}", tag = "tenants", params(("id" = Uuid, Path)),
    responses((status = 200, body = TenantResponse), (status = 404, body = Problem)))]
pub async fn get_tenant(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TenantResponse>> {
    let (tenant, role) = visible(&state, &who, TenantId(id)).await?;
    Ok(Json(TenantResponse::new(tenant, role)))
}

/// Rename a tenant (owners).
#[utoipa::path(patch, path = "/api/v1/tenants/{id}", tag = "tenants", params(("id" = Uuid, Path)),
    request_body = RenameTenant,
    responses((status = 200, body = TenantResponse), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn rename(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RenameTenant>,
) -> ApiResult<Json<TenantResponse>> {
    let id = TenantId(id);
    let (_, role) = visible(&state, &who, id).await?;
    if !(role.is_some_and(Role::can_administer) || who.platform_admin) {
        return Err(ApiError::Forbidden(
            "only owners may rename a tenant".into(),
        ));
    }
    let at = state
        .commands
        .tenant(
            id,
            TenantCommand::Rename { name: body.name },
            &metadata(id, &who, &request),
        )
        .await?;
    state.caught_up(at, &[TENANTS]).await?;
    let (tenant, role) = visible(&state, &who, id).await?;
    Ok(Json(TenantResponse::new(tenant, role)))
}

/// Suspend a tenant (platform admins): its users and keys can no longer act.
#[utoipa::path(post, path = "/api/v1/tenants/{id}/suspend", tag = "tenants", params(("id" = Uuid, Path)),
    request_body = SuspendTenant,
    responses((status = 200, body = TenantResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn suspend(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SuspendTenant>,
) -> ApiResult<Json<TenantResponse>> {
    admin_command(
        &state,
        &who,
        &request,
        TenantId(id),
        TenantCommand::Suspend {
            reason: body.reason,
        },
    )
    .await
}

/// Lift a suspension (platform admins).
#[utoipa::path(post, path = "/api/v1/tenants/{id}/reactivate", tag = "tenants", params(("id" = Uuid, Path)),
    responses((status = 200, body = TenantResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reactivate(
    State(state): State<AppState>,
    who: Principal,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TenantResponse>> {
    admin_command(
        &state,
        &who,
        &request,
        TenantId(id),
        TenantCommand::Reactivate,
    )
    .await
}

async fn admin_command(
    state: &AppState,
    who: &Principal,
    request: &RequestId,
    id: TenantId,
    command: TenantCommand,
) -> ApiResult<Json<TenantResponse>> {
    let (_, role) = visible(state, who, id).await?;
    if !who.platform_admin {
        return Err(ApiError::Forbidden(
            "only platform admins may do this".into(),
        ));
    }
    let at = state
        .commands
        .tenant(id, command, &metadata(id, who, request))
        .await?;
    state.caught_up(at, &[TENANTS]).await?;
    let tenant = read::tenants::get(&state.pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(TenantResponse::new(tenant, role)))
}
