//! `/api/v1/collections`: the current tenant's collections of documents.
//! Owners and members create, rename and delete them; billing users read.

use ancre_domain::collection::CollectionCommand;
use ancre_domain::CollectionId;
use ancre_projections::projectors::collections::NAME as COLLECTIONS;
use ancre_projections::read::{self, collections::CollectionView};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{metadata, Page, Paginated, RequestId};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/collections", post(create).get(list))
        .route(
            "/collections/{id}",
            get(get_collection).patch(update).delete(delete),
        )
}

#[derive(Serialize, ToSchema)]
pub struct CollectionResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CollectionView> for CollectionResponse {
    fn from(c: CollectionView) -> Self {
        CollectionResponse {
            id: c.collection_id.0,
            name: c.name,
            description: c.description,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollection {
    /// 1 to 100 characters.
    pub name: String,
    /// Up to 2000 characters.
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollection {
    pub name: Option<String>,
    pub description: Option<String>,
}

async fn read_back(
    state: &AppState,
    ctx: &TenantContext,
    id: CollectionId,
) -> ApiResult<CollectionView> {
    read::collections::get(&state.pool, ctx.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Create a collection in the current tenant.
#[utoipa::path(post, path = "/api/v1/collections", tag = "collections", request_body = CreateCollection,
    responses((status = 201, body = CollectionResponse), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiJson(body): ApiJson<CreateCollection>,
) -> ApiResult<impl IntoResponse> {
    let id = CollectionId::new();
    let at = state
        .commands
        .collection(
            id,
            CollectionCommand::Create {
                collection_id: id,
                tenant_id: ctx.tenant_id(),
                name: body.name,
                description: body.description,
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[COLLECTIONS]).await?;
    let created = read_back(&state, &ctx, id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/collections/{id}"))],
        Json(CollectionResponse::from(created)),
    ))
}

/// The current tenant's collections, oldest first.
#[utoipa::path(get, path = "/api/v1/collections", tag = "collections", params(Page),
    responses((status = 200, body = Paginated<CollectionResponse>), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: TenantContext,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paginated<CollectionResponse>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) =
        read::collections::list(&state.pool, ctx.tenant_id(), limit, offset).await?;
    Ok(Json(Paginated {
        items: items.into_iter().map(Into::into).collect(),
        total,
        limit,
        offset,
    }))
}

/// One collection of the current tenant.
#[utoipa::path(get, path = "/api/v1/collections/{id}", tag = "collections", params(("id" = Uuid, Path)),
    responses((status = 200, body = CollectionResponse), (status = 404, body = Problem)))]
pub async fn get_collection(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CollectionResponse>> {
    Ok(Json(
        read_back(&state, &ctx, CollectionId(id)).await?.into(),
    ))
}

/// Rename a collection or change its description.
#[utoipa::path(patch, path = "/api/v1/collections/{id}", tag = "collections", params(("id" = Uuid, Path)),
    request_body = UpdateCollection,
    responses((status = 200, body = CollectionResponse), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateCollection>,
) -> ApiResult<Json<CollectionResponse>> {
    let id = CollectionId(id);
    read_back(&state, &ctx, id).await?;
    let at = state
        .commands
        .collection(
            id,
            CollectionCommand::Update {
                tenant_id: ctx.tenant_id(),
                name: body.name,
                description: body.description,
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[COLLECTIONS]).await?;
    Ok(Json(read_back(&state, &ctx, id).await?.into()))
}

/// Delete a collection (and, once documents exist, its documents).
#[utoipa::path(delete, path = "/api/v1/collections/{id}", tag = "collections", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let id = CollectionId(id);
    read_back(&state, &ctx, id).await?;
    let at = state
        .commands
        .collection(
            id,
            CollectionCommand::Delete {
                tenant_id: ctx.tenant_id(),
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[COLLECTIONS]).await?;
    Ok(StatusCode::NO_CONTENT)
}
