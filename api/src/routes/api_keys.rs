//! `/api/v1/api-keys`: API keys of the current tenant. Owners create them (the
//! secret is in the creation response and nowhere else), list them and revoke
//! them; a revoked key is refused from the next request on.

use ancre_commands::EventMetadata;
use ancre_domain::tenant::TenantCommand;
use ancre_domain::ApiKeyId;
use ancre_projections::projectors::tenants::NAME as TENANTS;
use ancre_projections::read::{self, api_keys::ApiKeyView};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::RequestId;
use crate::app::AppState;
use crate::auth::api_keys;
use crate::auth::permission::Owner;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api-keys", post(create).get(list))
        .route("/api-keys/{id}", delete(revoke))
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyView> for ApiKeyResponse {
    fn from(k: ApiKeyView) -> Self {
        ApiKeyResponse {
            id: k.id.0,
            name: k.name,
            prefix: k.prefix,
            created_by: k.created_by.to_string(),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyResponse,
    /// The secret: shown this once, never again. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for, 1 to 100 characters.
    pub name: String,
}

/// Create an API key for the current tenant (owners). The secret is returned once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> ApiResult<impl IntoResponse> {
    let created_by = ctx.principal.user().cloned().ok_or(ApiError::NotFound)?;
    let key_id = ApiKeyId::new();
    let secret = api_keys::generate();
    let tenant = ctx.tenant_id();
    let at = state
        .commands
        .tenant(
            tenant,
            TenantCommand::CreateApiKey {
                key_id,
                name: body.name,
                prefix: secret.prefix.clone(),
                secret_hash: secret.hash,
                created_by,
            },
            &EventMetadata::for_request(tenant, ctx.principal.actor(), request.0),
        )
        .await?;
    state.caught_up(at, &[TENANTS]).await?;
    let key = read::api_keys::get(&state.pool, tenant, key_id)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("API key {key_id} not projected in time"))
        })?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/api-keys/{key_id}"))],
        Json(CreatedApiKey {
            key: key.into(),
            secret: secret.secret,
        }),
    ))
}

/// The current tenant's API keys, revoked ones included (owners).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys",
    responses((status = 200, body = [ApiKeyResponse]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Owner,
) -> ApiResult<Json<Vec<ApiKeyResponse>>> {
    let keys = read::api_keys::list(&state.pool, ctx.tenant_id()).await?;
    Ok(Json(keys.into_iter().map(Into::into).collect()))
}

/// Revoke an API key (owners). Effective from the next request.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Owner,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let tenant = ctx.tenant_id();
    let key_id = ApiKeyId(id);
    if read::api_keys::get(&state.pool, tenant, key_id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    let at = state
        .commands
        .tenant(
            tenant,
            TenantCommand::RevokeApiKey { key_id },
            &EventMetadata::for_request(tenant, ctx.principal.actor(), request.0),
        )
        .await?;
    state.caught_up(at, &[TENANTS]).await?;
    Ok(StatusCode::NO_CONTENT)
}
