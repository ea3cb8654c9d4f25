//! `POST /api/v1/assistants/{id}/search`: what an assistant would retrieve
//! for a question — its passages with document, page, excerpt, and their
//! fused, dense and keyword places — without answering. Nothing is charged
//! and nothing is recorded: it is for tuning the assistant's top-k and
//! dense/keyword weight, which the request may override to try them first.

use ancre_domain::assistant::{RetrievalSettings, MAX_TOP_K};
use ancre_domain::AssistantId;
use ancre_projections::read;
use ancre_rag::{PreviewHit, RetrievalError};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};

/// Longest question previewed, as for chat.
const MAX_QUESTION_CHARS: usize = 4000;
/// Characters of a passage shown.
const EXCERPT_CHARS: usize = 400;

pub fn router() -> Router<AppState> {
    Router::new().route("/assistants/{id}/search", post(search))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub question: String,
    /// Try another top-k than the assistant's (1 to 50).
    pub top_k: Option<u32>,
    /// Try another dense weight than the assistant's (0 = keyword only, 1 = dense only).
    pub dense_weight: Option<f32>,
    /// Try ranking again by best sentence (or not) whatever the assistant's setting.
    pub rerank: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct LegScore {
    /// 1 for the best of that leg alone.
    pub rank: u32,
    pub score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct RetrievedPassage {
    /// 1 for the passage the answer would cite as `[1]`.
    pub rank: u32,
    pub document_id: Uuid,
    pub collection_id: Uuid,
    /// The document's file name.
    pub filename: String,
    pub page: i32,
    pub page_label: Option<String>,
    pub chunk_index: i32,
    /// The passage's beginning.
    pub excerpt: String,
    /// The fused score (reciprocal rank fusion with the weights used).
    pub score: f32,
    /// Its place in the dense (semantic) ranking alone; absent when not among its best.
    pub dense: Option<LegScore>,
    /// Its place in the keyword (BM25) ranking alone; absent when not among its best.
    pub keyword: Option<LegScore>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    pub question: String,
    /// The settings used (the assistant's, or the request's overrides).
    pub top_k: u32,
    pub dense_weight: f32,
    pub rerank: bool,
    pub passages: Vec<RetrievedPassage>,
}

impl From<PreviewHit> for RetrievedPassage {
    fn from(hit: PreviewHit) -> Self {
        let p = hit.source.passage;
        let leg = |l: Option<ancre_rag::LegRank>| {
            l.map(|l| LegScore {
                rank: l.rank,
                score: l.score,
            })
        };
        RetrievedPassage {
            rank: hit.source.number,
            document_id: p.document_id.0,
            collection_id: p.collection_id.0,
            filename: p.title,
            page: p.page,
            page_label: p.page_label,
            chunk_index: p.chunk_index,
            excerpt: p.text.chars().take(EXCERPT_CHARS).collect(),
            score: hit.source.score,
            dense: leg(hit.dense),
            keyword: leg(hit.keyword),
        }
    }
}

/// What the assistant would retrieve for a question (no answer, no charge).
#[utoipa::path(post, path = "/api/v1/assistants/{id}/search", tag = "assistants",
    params(("id" = Uuid, Path)), request_body = SearchRequest,
    responses((status = 200, body = SearchResponse), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SearchRequest>,
) -> ApiResult<Json<SearchResponse>> {
    let assistant = read::assistants::get(&state.pool, ctx.tenant_id(), AssistantId(id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let question = body.question.trim().to_owned();
    if question.is_empty() {
        return Err(ApiError::Validation(
            "question: the question is empty".into(),
        ));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::Validation(format!(
            "question: at most {MAX_QUESTION_CHARS} characters"
        )));
    }
    let mut settings: RetrievalSettings = assistant.settings.retrieval;
    if let Some(top_k) = body.top_k {
        if !(1..=MAX_TOP_K).contains(&top_k) {
            return Err(ApiError::Validation(format!(
                "top_k: it must be between 1 and {MAX_TOP_K}"
            )));
        }
        settings.top_k = top_k;
    }
    if let Some(weight) = body.dense_weight {
        if !(0.0..=1.0).contains(&weight) {
            return Err(ApiError::Validation(
                "dense_weight: it must be between 0 and 1".into(),
            ));
        }
        settings.dense_weight = weight;
    }
    if let Some(rerank) = body.rerank {
        settings.rerank = rerank;
    }
    let hits = state
        .answerer
        .retriever()
        .preview(
            ctx.tenant_id(),
            &assistant.settings.collections,
            &settings,
            &question,
        )
        .await
        .map_err(|e| match e {
            RetrievalError::Embedding(e) => {
                tracing::warn!(error = %e, "a previewed question could not be embedded");
                ApiError::Unavailable(
                    "the question could not be embedded right now; try again in a moment".into(),
                )
            }
            other => ApiError::Internal(anyhow::Error::new(other).context("retrieval preview")),
        })?;
    Ok(Json(SearchResponse {
        question,
        top_k: settings.top_k,
        dense_weight: settings.dense_weight,
        rerank: settings.rerank,
        passages: hits.into_iter().map(Into::into).collect(),
    }))
}
