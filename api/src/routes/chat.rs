//! `/api/v1/chat/{assistant_id}`: ask an assistant a question.
//!
//! - `POST /chat/{id}` answers with the whole turn as JSON.
//! - `POST /chat/{id}/stream` answers with Server-Sent Events: `token`
//!   events as the answer is produced, one `citations` event, then `done`
//!   with the usage — or `error` if the turn failed. A client that hangs up
//!   stops generation; the partial turn is recorded.
//!
//! Either way the turn joins a conversation: the one named by
//! `conversation_id` (which must be this assistant's), or a new one whose id
//! is in the answer (and in the stream's `x-ancre-conversation-id` header).

use std::convert::Infallible;

use ancre_domain::conversation::{Citation, TurnId, TurnOutcome, MAX_QUESTION_CHARS};
use ancre_domain::usage::{Metric, Quota, Subject, UsageLine};
use ancre_domain::{AssistantId, ConversationId};
use ancre_projections::read;
use ancre_rag::prompt::{PastTurn, HISTORY_TURNS};
use ancre_rag::{ChatEvent, Question};
use ancre_usage::keys;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{metadata, RequestId};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::chat::{self, Frame, TurnRequest, TurnSummary};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::quota::{self, Charge};

/// A turn is one message, and needs chat-model tokens left this month.
const CHAT_QUOTAS: &[Quota] = &[Quota::MessagesPerMonth, Quota::TokensPerMonth];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/{assistant_id}", post(ask))
        .route("/chat/{assistant_id}/stream", post(ask_stream))
}

const CONVERSATION_HEADER: HeaderName = HeaderName::from_static("x-ancre-conversation-id");

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The question, up to 4000 characters.
    pub message: String,
    /// Continue this conversation (of the same assistant); omit to start one.
    pub conversation_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct CitationResponse {
    /// The marker `[number]` in the answer.
    pub number: u32,
    pub document_id: Uuid,
    /// The document's file name.
    pub title: String,
    pub chunk_index: u32,
    /// Physical page (slide) number, from 1.
    pub page: u32,
    /// The printed page label, when the document has one.
    pub page_label: Option<String>,
    /// The cited text.
    pub excerpt: String,
    /// Character offsets of the excerpt in its page's text.
    pub char_start: u32,
    pub char_end: u32,
    /// Retrieval score (rounded to 6 decimals): orders the sources of one answer.
    pub score: f64,
}

impl From<&Citation> for CitationResponse {
    fn from(c: &Citation) -> Self {
        CitationResponse {
            number: c.number,
            document_id: c.document_id.0,
            title: c.title.clone(),
            chunk_index: c.chunk_index,
            page: c.page,
            page_label: c.page_label.clone(),
            excerpt: c.excerpt.clone(),
            char_start: c.char_start,
            char_end: c.char_end,
            score: (f64::from(c.score) * 1e6).round() / 1e6,
        }
    }
}

#[derive(Serialize, ToSchema, Clone)]
pub struct UsageResponse {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub chunks_retrieved: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ChatResponse {
    pub conversation_id: Uuid,
    /// The turn's number in the conversation.
    pub turn: u32,
    pub answer: String,
    pub citations: Vec<CitationResponse>,
    pub model: String,
    pub usage: UsageResponse,
}

fn usage(summary: &TurnSummary) -> UsageResponse {
    let u = summary.answered.usage;
    UsageResponse {
        tokens_in: u.tokens_in,
        tokens_out: u.tokens_out,
        chunks_retrieved: u.chunks_retrieved,
    }
}

/// Checks the request and starts the turn.
async fn start(
    state: &AppState,
    ctx: &TenantContext,
    request: RequestId,
    assistant_id: Uuid,
    body: ChatRequest,
) -> ApiResult<(ConversationId, TurnRequest)> {
    let assistant_id = AssistantId(assistant_id);
    let assistant = read::assistants::get(&state.pool, ctx.tenant_id(), assistant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let question = body.message.trim().to_owned();
    if question.is_empty() {
        return Err(ApiError::Validation(
            "message: the question is empty".into(),
        ));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::Validation(format!(
            "message: the question is too long (at most {MAX_QUESTION_CHARS} characters)"
        )));
    }
    let (conversation_id, history) = match body.conversation_id {
        None => (ConversationId::new(), vec![]),
        Some(id) => {
            let id = ConversationId(id);
            read::conversations::get(&state.pool, ctx.tenant_id(), assistant_id, id)
                .await?
                .ok_or(ApiError::NotFound)?;
            let turns =
                read::conversations::turns(&state.pool, ctx.tenant_id(), id, HISTORY_TURNS as i64)
                    .await?;
            let history = turns
                .into_iter()
                .filter(|t| t.outcome != "failed")
                .map(|t| PastTurn {
                    question: t.question,
                    answer: t.answer,
                })
                .collect();
            (id, history)
        }
    };
    // The message, and the most tokens the turn can use, are charged before
    // any work, in one entry: over a limit, nothing starts. The reservation
    // is settled when the turn is recorded (usage_recorder).
    let turn_id = TurnId(Uuid::new_v4());
    let metadata = metadata(ctx, request);
    let tokens_reserved = state
        .answerer
        .token_bound(&assistant.settings, &question, &history);
    let message = Charge {
        key: keys::message(turn_id),
        subject: Subject {
            assistant_id: Some(assistant_id),
            conversation_id: Some(conversation_id),
            document_id: None,
        },
        lines: vec![
            UsageLine {
                metric: Metric::ChatMessages,
                quantity: 1,
            },
            UsageLine {
                metric: Metric::LlmTokensReserved,
                quantity: i64::try_from(tokens_reserved).unwrap_or(i64::MAX),
            },
        ],
        quotas: CHAT_QUOTAS,
    };
    quota::charge(state, ctx, &metadata, message).await?;
    Ok((
        conversation_id,
        TurnRequest {
            turn_id,
            assistant_id,
            conversation_id,
            question: Question {
                tenant: ctx.tenant_id(),
                settings: assistant.settings,
                question,
                history,
            },
            tokens_reserved,
            metadata,
        },
    ))
}

/// Ask a question; the whole answer comes back at once.
#[utoipa::path(post, path = "/api/v1/chat/{assistant_id}", tag = "chat",
    params(("assistant_id" = Uuid, Path)), request_body = ChatRequest,
    responses((status = 200, body = ChatResponse), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn ask(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(assistant_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ChatRequest>,
) -> ApiResult<Json<ChatResponse>> {
    let (_, turn) = start(&state, &ctx, request, assistant_id, body).await?;
    let (mut frames, task) = chat::start(state, turn);
    // Read every frame so the answer is never taken for interrupted.
    let drain = tokio::spawn(async move { while frames.recv().await.is_some() {} });
    let summary = task
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("chat turn task: {e}")))?;
    let _ = drain.await;
    let Some(number) = summary.number else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "the turn could not be recorded"
        )));
    };
    if let TurnOutcome::Failed { reason } = &summary.answered.outcome {
        return Err(ApiError::Unavailable(reason.clone()));
    }
    Ok(Json(ChatResponse {
        conversation_id: summary.conversation_id.0,
        turn: number,
        usage: usage(&summary),
        citations: summary.answered.citations.iter().map(Into::into).collect(),
        answer: summary.answered.answer,
        model: summary.answered.model,
    }))
}

/// Ask a question; the answer streams as Server-Sent Events.
#[utoipa::path(post, path = "/api/v1/chat/{assistant_id}/stream", tag = "chat",
    params(("assistant_id" = Uuid, Path)), request_body = ChatRequest,
    responses((status = 200, content_type = "text/event-stream",
        description = "`token` {text}, then `citations` {citations: [CitationResponse]}, then \
`done` {conversation_id, turn, model, usage: UsageResponse} — or `error` {conversation_id, turn, detail} \
instead of `done`."),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ask_stream(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(assistant_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ChatRequest>,
) -> ApiResult<Response> {
    let (conversation_id, turn) = start(&state, &ctx, request, assistant_id, body).await?;
    let (frames, _task) = chat::start(state, turn);
    let events = futures::stream::unfold(frames, |mut frames| async move {
        let frame = frames.recv().await?;
        Some((Ok::<_, Infallible>(sse_event(frame)), frames))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&conversation_id.to_string()) {
        response.headers_mut().insert(CONVERSATION_HEADER, value);
    }
    Ok(response)
}

fn sse_event(frame: Frame) -> Event {
    let (name, data) = match frame {
        Frame::Chat(ChatEvent::Token(text)) => ("token", serde_json::json!({ "text": text })),
        Frame::Chat(ChatEvent::Citations(citations)) => (
            "citations",
            serde_json::json!({
                "citations": citations.iter().map(CitationResponse::from).collect::<Vec<_>>()
            }),
        ),
        Frame::Done(summary) => (
            "done",
            serde_json::json!({
                "conversation_id": summary.conversation_id,
                "turn": summary.number,
                "model": summary.answered.model,
                "usage": usage(&summary),
            }),
        ),
        Frame::Error(summary) => {
            let detail = match &summary.answered.outcome {
                TurnOutcome::Failed { reason } => reason.clone(),
                _ => "the answer could not be recorded; please try again".to_owned(),
            };
            (
                "error",
                serde_json::json!({
                    "conversation_id": summary.conversation_id,
                    "turn": summary.number,
                    "detail": detail,
                }),
            )
        }
    };
    Event::default().event(name).data(data.to_string())
}
