//! `/api/v1/chat/{assistant_id}/conversations`: an assistant's conversations
//! and their turns, with the citations each answer gave — as recorded,
//! partial and failed turns included.

use ancre_domain::{AssistantId, ConversationId};
use ancre_projections::read::{self, conversations::ConversationView, conversations::TurnView};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::chat::{CitationResponse, UsageResponse};
use super::{Page, Paginated};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/{assistant_id}/conversations", get(list))
        .route(
            "/chat/{assistant_id}/conversations/{conversation_id}",
            get(get_conversation),
        )
}

#[derive(Serialize, ToSchema)]
pub struct ConversationResponse {
    pub id: Uuid,
    /// From the first question.
    pub title: String,
    pub turns: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ConversationView> for ConversationResponse {
    fn from(c: ConversationView) -> Self {
        ConversationResponse {
            id: c.conversation_id.0,
            title: c.title,
            turns: c.turns,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TurnResponse {
    pub number: i32,
    pub question: String,
    /// As the user saw it (partial when interrupted).
    pub answer: String,
    pub citations: Vec<CitationResponse>,
    pub model: String,
    /// `complete`, `interrupted` (the client hung up) or `failed`.
    pub outcome: String,
    pub failure_reason: Option<String>,
    pub usage: UsageResponse,
    pub created_at: DateTime<Utc>,
}

impl From<TurnView> for TurnResponse {
    fn from(t: TurnView) -> Self {
        TurnResponse {
            number: t.number,
            citations: t.citations.iter().map(Into::into).collect(),
            question: t.question,
            answer: t.answer,
            model: t.model,
            outcome: t.outcome,
            failure_reason: t.failure_reason,
            usage: UsageResponse {
                tokens_in: t.tokens_in.max(0) as u64,
                tokens_out: t.tokens_out.max(0) as u64,
                chunks_retrieved: t.chunks_retrieved.max(0) as u32,
            },
            created_at: t.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: ConversationResponse,
    pub history: Vec<TurnResponse>,
}

/// The assistant of the path, if it is the caller's tenant's.
async fn own_assistant(state: &AppState, ctx: &TenantContext, id: Uuid) -> ApiResult<AssistantId> {
    let id = AssistantId(id);
    read::assistants::get(&state.pool, ctx.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(id)
}

/// An assistant's conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/chat/{assistant_id}/conversations", tag = "chat",
    params(("assistant_id" = Uuid, Path), Page),
    responses((status = 200, body = Paginated<ConversationResponse>), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(assistant_id): ApiPath<Uuid>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paginated<ConversationResponse>>> {
    let (limit, offset) = page.resolve()?;
    let assistant = own_assistant(&state, &ctx, assistant_id).await?;
    let (items, total) =
        read::conversations::list(&state.pool, ctx.tenant_id(), assistant, limit, offset).await?;
    Ok(Json(Paginated {
        items: items.into_iter().map(Into::into).collect(),
        total,
        limit,
        offset,
    }))
}

/// One conversation with every turn and the citations it gave.
#[utoipa::path(get, path = "/api/v1/chat/{assistant_id}/conversations/{conversation_id}", tag = "chat",
    params(("assistant_id" = Uuid, Path), ("conversation_id" = Uuid, Path)),
    responses((status = 200, body = ConversationDetail), (status = 404, body = Problem)))]
pub async fn get_conversation(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath((assistant_id, conversation_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<ConversationDetail>> {
    let assistant = own_assistant(&state, &ctx, assistant_id).await?;
    let id = ConversationId(conversation_id);
    let conversation = read::conversations::get(&state.pool, ctx.tenant_id(), assistant, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let turns = read::conversations::turns(&state.pool, ctx.tenant_id(), id, i64::MAX).await?;
    Ok(Json(ConversationDetail {
        conversation: conversation.into(),
        history: turns.into_iter().map(Into::into).collect(),
    }))
}
