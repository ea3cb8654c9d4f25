//! `/api/v1/assistants`: the current tenant's assistants — instructions, chat
//! model, temperature, the collections they answer from and how passages are
//! retrieved. Owners and members manage them; billing users read.

use ancre_domain::assistant::{
    AssistantChanges, AssistantCommand, AssistantSettings, RetrievalSettings,
};
use ancre_domain::{AssistantId, CollectionId};
use ancre_projections::projectors::assistants::NAME as ASSISTANTS;
use ancre_projections::read::{self, assistants::AssistantView};
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
        .route("/assistants", post(create).get(list))
        .route(
            "/assistants/{id}",
            get(get_assistant).patch(update).delete(delete),
        )
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct RetrievalResponse {
    /// Passages given to the model per question.
    pub top_k: u32,
    /// Weight of dense (semantic) search in the fusion, 0 to 1.
    pub dense_weight: f32,
    /// Weight of keyword (BM25) search: `1 - dense_weight`.
    pub keyword_weight: f32,
    /// Whether candidates are ranked again by their sentence closest to the
    /// question (finer, a few seconds slower per question).
    pub rerank: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AssistantResponse {
    pub id: Uuid,
    pub name: String,
    pub instructions: String,
    pub model: String,
    pub temperature: f32,
    pub collections: Vec<Uuid>,
    pub retrieval: RetrievalResponse,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AssistantView> for AssistantResponse {
    fn from(a: AssistantView) -> Self {
        let s = a.settings;
        AssistantResponse {
            id: a.assistant_id.0,
            name: s.name,
            instructions: s.instructions,
            model: s.model,
            temperature: s.temperature,
            collections: s.collections.iter().map(|c| c.0).collect(),
            retrieval: RetrievalResponse {
                top_k: s.retrieval.top_k,
                dense_weight: s.retrieval.dense_weight,
                keyword_weight: s.retrieval.keyword_weight(),
                rerank: s.retrieval.rerank,
            },
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Retrieval settings of a request; what is left out keeps its default (on
/// creation) or its current value (on update).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RetrievalRequest {
    /// 1 to 50, default 6.
    pub top_k: Option<u32>,
    /// 0 (keyword only) to 1 (dense only), default 0.5.
    pub dense_weight: Option<f32>,
    /// Rank the candidates again by their sentence closest to the question,
    /// default false: finer ranking of long passages, a few seconds slower
    /// per question on a CPU.
    pub rerank: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssistant {
    /// 1 to 100 characters.
    pub name: String,
    /// The system prompt, up to 8000 characters.
    #[serde(default)]
    pub instructions: String,
    /// The chat model; default: the deployment's (`extractive` offline).
    pub model: Option<String>,
    /// 0 to 2, default 0.2.
    pub temperature: Option<f32>,
    /// Ids of the tenant's collections to answer from (at most 20).
    #[serde(default)]
    pub collections: Vec<Uuid>,
    #[serde(default)]
    pub retrieval: RetrievalRequest,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssistant {
    pub name: Option<String>,
    pub instructions: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    /// Replaces the list of collections.
    pub collections: Option<Vec<Uuid>>,
    #[serde(default)]
    pub retrieval: RetrievalRequest,
}

const DEFAULT_TEMPERATURE: f32 = 0.2;

async fn read_back(
    state: &AppState,
    ctx: &TenantContext,
    id: AssistantId,
) -> ApiResult<AssistantView> {
    read::assistants::get(&state.pool, ctx.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The collections as typed ids, refusing any that is not a live collection
/// of the caller's tenant. Unknown and foreign ids read the same, so a probe
/// learns nothing about other tenants.
async fn own_collections(
    state: &AppState,
    ctx: &TenantContext,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<CollectionId>> {
    let ids: Vec<CollectionId> = ids.into_iter().map(CollectionId).collect();
    let found = read::collections::existing(&state.pool, ctx.tenant_id(), &ids).await?;
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(ApiError::Validation(format!(
            "collection {missing} does not exist in this tenant"
        ))),
        None => Ok(ids),
    }
}

/// Refuses a model this deployment cannot run, before it is recorded.
fn check_model(state: &AppState, model: &str) -> ApiResult<()> {
    if state.chat.serves(model) {
        return Ok(());
    }
    Err(ApiError::Validation(format!(
        "model {model:?} is not available here: {}",
        state.chat.available_models_hint()
    )))
}

/// Create an assistant in the current tenant.
#[utoipa::path(post, path = "/api/v1/assistants", tag = "assistants", request_body = CreateAssistant,
    responses((status = 201, body = AssistantResponse), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiJson(body): ApiJson<CreateAssistant>,
) -> ApiResult<impl IntoResponse> {
    let model = body
        .model
        .unwrap_or_else(|| state.chat.default_model().to_owned());
    check_model(&state, model.trim())?;
    let defaults = RetrievalSettings::default();
    let settings = AssistantSettings {
        name: body.name,
        instructions: body.instructions,
        model,
        temperature: body.temperature.unwrap_or(DEFAULT_TEMPERATURE),
        collections: own_collections(&state, &ctx, body.collections).await?,
        retrieval: RetrievalSettings {
            top_k: body.retrieval.top_k.unwrap_or(defaults.top_k),
            dense_weight: body.retrieval.dense_weight.unwrap_or(defaults.dense_weight),
            rerank: body.retrieval.rerank.unwrap_or(defaults.rerank),
        },
    };
    let id = AssistantId::new();
    let at = state
        .commands
        .assistant(
            id,
            AssistantCommand::Create {
                assistant_id: id,
                tenant_id: ctx.tenant_id(),
                settings,
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[ASSISTANTS]).await?;
    let created = read_back(&state, &ctx, id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/assistants/{id}"))],
        Json(AssistantResponse::from(created)),
    ))
}

/// The current tenant's assistants, oldest first.
#[utoipa::path(get, path = "/api/v1/assistants", tag = "assistants", params(Page),
    responses((status = 200, body = Paginated<AssistantResponse>), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: TenantContext,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paginated<AssistantResponse>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) =
        read::assistants::list(&state.pool, ctx.tenant_id(), limit, offset).await?;
    Ok(Json(Paginated {
        items: items.into_iter().map(Into::into).collect(),
        total,
        limit,
        offset,
    }))
}

/// One assistant of the current tenant.
#[utoipa::path(get, path = "/api/v1/assistants/{id}", tag = "assistants", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssistantResponse), (status = 404, body = Problem)))]
pub async fn get_assistant(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AssistantResponse>> {
    Ok(Json(read_back(&state, &ctx, AssistantId(id)).await?.into()))
}

/// Change an assistant's settings (only the fields given).
#[utoipa::path(patch, path = "/api/v1/assistants/{id}", tag = "assistants", params(("id" = Uuid, Path)),
    request_body = UpdateAssistant,
    responses((status = 200, body = AssistantResponse), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateAssistant>,
) -> ApiResult<Json<AssistantResponse>> {
    let id = AssistantId(id);
    read_back(&state, &ctx, id).await?;
    if let Some(model) = &body.model {
        check_model(&state, model.trim())?;
    }
    let collections = match body.collections {
        Some(ids) => Some(own_collections(&state, &ctx, ids).await?),
        None => None,
    };
    let at = state
        .commands
        .assistant(
            id,
            AssistantCommand::Update {
                tenant_id: ctx.tenant_id(),
                changes: AssistantChanges {
                    name: body.name,
                    instructions: body.instructions,
                    model: body.model,
                    temperature: body.temperature,
                    collections,
                    top_k: body.retrieval.top_k,
                    dense_weight: body.retrieval.dense_weight,
                    rerank: body.retrieval.rerank,
                },
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[ASSISTANTS]).await?;
    Ok(Json(read_back(&state, &ctx, id).await?.into()))
}

/// Delete an assistant (its conversations stay in the audit log).
#[utoipa::path(delete, path = "/api/v1/assistants/{id}", tag = "assistants", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let id = AssistantId(id);
    read_back(&state, &ctx, id).await?;
    let at = state
        .commands
        .assistant(
            id,
            AssistantCommand::Delete {
                tenant_id: ctx.tenant_id(),
            },
            &metadata(&ctx, request),
        )
        .await?;
    state.caught_up(at, &[ASSISTANTS]).await?;
    Ok(StatusCode::NO_CONTENT)
}
