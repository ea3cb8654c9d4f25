//! `/api/v1/integrations/nango`: a tenant's connections to its sources
//! (Google Drive, Notion) through a self-hosted Nango.
//!
//! - `POST /connect/{provider}`: a Nango connect session for the web UI's
//!   Connect UI (the tenant is the session's organization).
//! - `GET /callback?provider=&connection_id=[&collection_id=]`: where the web
//!   UI comes back once Nango made the connection; Nango is asked whose it is
//!   before it becomes the tenant's.
//! - `GET /connections`, `PUT /connections/{provider}` (the collection it
//!   syncs into), `POST /connections/{provider}/sync`, `DELETE
//!   /connections/{provider}`.
//! - `POST /webhook`: Nango's webhooks, HMAC-checked (see
//!   [`crate::connectors::webhook`]).
//!
//! Without `NANGO_SECRET_KEY` every route answers 503 saying so.

use ancre_commands::EventMetadata;
use ancre_connectors::nango::{NangoClient, NangoError};
use ancre_domain::connection::{connection_id_for, ConnectionCommand, Provider, SyncTrigger};
use ancre_domain::CollectionId;
use ancre_projections::projectors::connections::NAME as CONNECTIONS;
use ancre_projections::read::{self, connections::ConnectionView};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::RequestId;
use crate::app::AppState;
use crate::auth::permission::WorkspaceUser;
use crate::auth::{Identity, TenantContext};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/integrations/nango/connect/{provider}", post(connect))
        .route("/integrations/nango/callback", get(callback))
        .route("/integrations/nango/connections", get(list))
        .route(
            "/integrations/nango/connections/{provider}",
            put(bind).delete(disconnect),
        )
        .route(
            "/integrations/nango/connections/{provider}/sync",
            post(sync),
        )
        .route("/integrations/nango/webhook", post(webhook))
}

/// Nango's client, or the 503 that says connectors are off here.
pub fn nango(state: &AppState) -> ApiResult<&NangoClient> {
    state.nango.as_ref().ok_or_else(|| {
        ApiError::Unavailable(
            "connectors are not configured on this deployment (NANGO_SECRET_KEY is unset): \
             upload files instead"
                .into(),
        )
    })
}

/// Nango down or refusing: the operator's words stay in the logs' detail,
/// the user reads what happened and that nothing changed.
pub fn unavailable(e: NangoError, doing: &str) -> ApiError {
    tracing::warn!(error = %e, doing, "Nango failed");
    ApiError::Unavailable(format!(
        "Nango could not {doing} ({}); nothing was changed, try again later",
        e.summary()
    ))
}

fn provider(name: &str) -> ApiResult<Provider> {
    Provider::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        ApiError::BadRequest(format!(
            "unknown provider {name:?}: connectors exist for {}",
            known.join(", ")
        ))
    })
}

#[derive(Serialize, ToSchema)]
pub struct ConnectSessionResponse {
    /// `google-drive` or `notion`.
    pub provider: String,
    /// What the web UI gives Nango's Connect UI (`connectSessionToken`).
    pub token: String,
    /// A page of Nango's Connect UI for this session, when Nango gives one.
    pub connect_link: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// The Connect UI's address on this deployment (`NANGO_CONNECT_URL`), if not Nango Cloud's.
    pub connect_url: Option<String>,
    /// Nango's API as the browser reaches it (`NANGO_PUBLIC_URL`), if not Nango Cloud's.
    pub api_url: Option<String>,
}

/// The state of the latest sync.
#[derive(Serialize, ToSchema)]
pub struct SyncState {
    /// `running`, `completed` or `failed`.
    pub status: String,
    /// Why it failed, in words a user can act on.
    pub reason: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Documents imported (new or changed), removed and skipped so far.
    pub imported: i32,
    pub removed: i32,
    pub skipped: i32,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionResponse {
    pub id: Uuid,
    /// `google-drive` or `notion`.
    pub provider: String,
    /// `connected`, or `auth_failed` (reconnect it).
    pub status: String,
    pub status_reason: Option<String>,
    /// The collection its documents go to; none until chosen.
    pub collection_id: Option<Uuid>,
    /// The latest sync; none before the first.
    pub sync: Option<SyncState>,
    /// Documents in the collection that come from this connection.
    pub documents: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ConnectionView> for ConnectionResponse {
    fn from(c: ConnectionView) -> Self {
        ConnectionResponse {
            id: c.connection_id,
            provider: c.provider,
            status: c.status,
            status_reason: c.status_reason,
            collection_id: c.collection_id,
            sync: c.sync_status.map(|status| SyncState {
                status,
                reason: c.sync_reason,
                started_at: c.sync_started_at,
                finished_at: c.sync_finished_at,
                imported: c.sync_imported,
                removed: c.sync_removed,
                skipped: c.sync_skipped,
            }),
            documents: c.documents,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionResponse>,
}

/// How the connect session names the user at Nango.
fn end_user(ctx: &TenantContext) -> String {
    match &ctx.principal.identity {
        Identity::User(user) => user.to_string(),
        Identity::ApiKey { key_id, .. } => format!("api_key:{key_id}"),
    }
}

fn metadata(ctx: &TenantContext, request: &RequestId) -> EventMetadata {
    EventMetadata::for_request(ctx.tenant_id(), ctx.principal.actor(), request.0.clone())
}

async fn view(
    state: &AppState,
    ctx: &TenantContext,
    provider: Provider,
) -> ApiResult<ConnectionView> {
    read::connections::get(&state.pool, ctx.tenant_id(), provider.as_str())
        .await?
        .ok_or(ApiError::NotFound)
}

/// Start connecting a provider: a Nango connect session (workspace roles).
#[utoipa::path(post, path = "/api/v1/integrations/nango/connect/{provider}", tag = "integrations",
    params(("provider" = String, Path, description = "`google-drive` or `notion`")),
    responses((status = 201, body = ConnectSessionResponse), (status = 400, body = Problem),
        (status = 503, body = Problem)))]
pub async fn connect(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Response> {
    let nango = nango(&state)?;
    let provider = provider(&name)?;
    let session = nango
        .connect_session(
            &ctx.tenant_id().to_string(),
            &end_user(&ctx),
            provider.as_str(),
        )
        .await
        .map_err(|e| unavailable(e, "open a connect session"))?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectSessionResponse {
            provider: provider.as_str().to_owned(),
            token: session.token,
            connect_link: session.connect_link,
            expires_at: session.expires_at,
            connect_url: nango.config().connect_url.clone(),
            api_url: nango.config().public_url.clone(),
        }),
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CallbackQuery {
    /// The provider connected (Nango's `providerConfigKey`).
    pub provider: String,
    /// Nango's connection id (the Connect UI's `connectionId`).
    pub connection_id: String,
    /// The collection to sync into, if already chosen.
    pub collection_id: Option<Uuid>,
}

/// Where the web UI comes back once Nango made the connection: Nango is
/// asked whose connection it is, then it becomes the tenant's (and, given a
/// collection, its first sync starts).
#[utoipa::path(get, path = "/api/v1/integrations/nango/callback", tag = "integrations",
    params(CallbackQuery),
    responses((status = 200, body = ConnectionResponse), (status = 404, body = Problem),
        (status = 503, body = Problem)))]
pub async fn callback(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
    request: RequestId,
    query: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ConnectionResponse>> {
    let nango = nango(&state)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let provider = provider(&query.provider)?;
    let connection = match nango
        .connection(&query.connection_id, provider.as_str())
        .await
    {
        Ok(c) => c,
        Err(NangoError::UnknownConnection) => return Err(ApiError::NotFound),
        Err(e) => return Err(unavailable(e, "confirm the connection")),
    };
    // Another tenant's connection id must not be claimable.
    if connection.organization() != Some(ctx.tenant_id().to_string().as_str()) {
        return Err(ApiError::NotFound);
    }
    let metadata = metadata(&ctx, &request);
    let id = connection_id_for(ctx.tenant_id(), provider);
    let mut at = state
        .commands
        .connection(
            id,
            ConnectionCommand::Establish {
                connection_id: id,
                tenant_id: ctx.tenant_id(),
                provider,
                nango_connection_id: query.connection_id.clone(),
                integration: connection.provider_config_key.clone(),
            },
            &metadata,
        )
        .await?;
    if let Some(collection) = query.collection_id {
        at = at
            .max(bind_and_sync(&state, &ctx, &metadata, provider, CollectionId(collection)).await?);
    }
    state.caught_up(at, &[CONNECTIONS]).await?;
    Ok(Json(view(&state, &ctx, provider).await?.into()))
}

/// Binds the connection to `collection` and starts a sync into it.
async fn bind_and_sync(
    state: &AppState,
    ctx: &TenantContext,
    metadata: &EventMetadata,
    provider: Provider,
    collection: CollectionId,
) -> ApiResult<Option<ancre_commands::LogPosition>> {
    read::collections::get(&state.pool, ctx.tenant_id(), collection)
        .await?
        .ok_or(ApiError::NotFound)?;
    let id = connection_id_for(ctx.tenant_id(), provider);
    state
        .commands
        .connection(
            id,
            ConnectionCommand::Bind {
                tenant_id: ctx.tenant_id(),
                collection_id: collection,
            },
            metadata,
        )
        .await?;
    Ok(state
        .commands
        .connection(
            id,
            ConnectionCommand::RequestSync {
                tenant_id: ctx.tenant_id(),
                sync_id: Uuid::new_v4(),
                trigger: SyncTrigger::Bound,
            },
            metadata,
        )
        .await?)
}

/// The tenant's connections, with their latest sync.
#[utoipa::path(get, path = "/api/v1/integrations/nango/connections", tag = "integrations",
    responses((status = 200, body = ConnectionList), (status = 503, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
) -> ApiResult<Json<ConnectionList>> {
    nango(&state)?;
    let connections = read::connections::list(&state.pool, ctx.tenant_id()).await?;
    Ok(Json(ConnectionList {
        connections: connections.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindRequest {
    /// The collection this connection's documents go to.
    pub collection_id: Uuid,
}

/// Choose the collection a connection syncs into; a sync into it starts.
#[utoipa::path(put, path = "/api/v1/integrations/nango/connections/{provider}", tag = "integrations",
    params(("provider" = String, Path)), request_body = BindRequest,
    responses((status = 200, body = ConnectionResponse), (status = 404, body = Problem),
        (status = 503, body = Problem)))]
pub async fn bind(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
    request: RequestId,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<BindRequest>,
) -> ApiResult<Json<ConnectionResponse>> {
    nango(&state)?;
    let provider = provider(&name)?;
    let metadata = metadata(&ctx, &request);
    let at = bind_and_sync(
        &state,
        &ctx,
        &metadata,
        provider,
        CollectionId(body.collection_id),
    )
    .await?;
    state.caught_up(at, &[CONNECTIONS]).await?;
    Ok(Json(view(&state, &ctx, provider).await?.into()))
}

/// Sync now: import what changed at the provider since the last sync.
#[utoipa::path(post, path = "/api/v1/integrations/nango/connections/{provider}/sync", tag = "integrations",
    params(("provider" = String, Path)),
    responses((status = 202, body = ConnectionResponse), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn sync(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
    request: RequestId,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Response> {
    nango(&state)?;
    let provider = provider(&name)?;
    let at = state
        .commands
        .connection(
            connection_id_for(ctx.tenant_id(), provider),
            ConnectionCommand::RequestSync {
                tenant_id: ctx.tenant_id(),
                sync_id: Uuid::new_v4(),
                trigger: SyncTrigger::Manual,
            },
            &metadata(&ctx, &request),
        )
        .await?;
    state.caught_up(at, &[CONNECTIONS]).await?;
    let view: ConnectionResponse = view(&state, &ctx, provider).await?.into();
    Ok((StatusCode::ACCEPTED, Json(view)).into_response())
}

/// Remove a connection: deleted in Nango, then here. Its documents stay in
/// the collection.
#[utoipa::path(delete, path = "/api/v1/integrations/nango/connections/{provider}", tag = "integrations",
    params(("provider" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn disconnect(
    State(state): State<AppState>,
    ctx: WorkspaceUser,
    request: RequestId,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let nango = nango(&state)?;
    let provider = provider(&name)?;
    let current = view(&state, &ctx, provider).await?;
    nango
        .delete_connection(&current.nango_connection_id, &current.integration)
        .await
        .map_err(|e| unavailable(e, "delete the connection"))?;
    let at = state
        .commands
        .connection(
            connection_id_for(ctx.tenant_id(), provider),
            ConnectionCommand::Disconnect {
                tenant_id: ctx.tenant_id(),
            },
            &metadata(&ctx, &request),
        )
        .await?;
    state.caught_up(at, &[CONNECTIONS]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Nango's webhooks (auth and sync), signed with `X-Nango-Hmac-Sha256`.
#[utoipa::path(post, path = "/api/v1/integrations/nango/webhook", tag = "integrations",
    request_body(content_type = "application/json", description = "A Nango webhook."),
    responses((status = 200), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 503, body = Problem)))]
pub async fn webhook(
    State(state): State<AppState>,
    request: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let nango = nango(&state)?;
    crate::connectors::webhook::receive(&state, nango, &request.0, &headers, &body).await?;
    Ok(StatusCode::OK)
}
