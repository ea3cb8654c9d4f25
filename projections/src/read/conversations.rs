//! Conversations and their turns, from `rm_conversations` and
//! `rm_conversation_turns`. Every query is scoped by tenant and assistant.

use ancre_domain::conversation::Citation;
use ancre_domain::{AssistantId, ConversationId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ConversationView {
    #[sqlx(try_from = "uuid::Uuid")]
    pub conversation_id: ConversationId,
    pub title: String,
    pub turns: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnView {
    pub number: i32,
    pub question: String,
    pub answer: String,
    pub citations: Vec<Citation>,
    pub model: String,
    /// `complete`, `interrupted` or `failed`.
    pub outcome: String,
    pub failure_reason: Option<String>,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub chunks_retrieved: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TurnRow {
    number: i32,
    question: String,
    answer: String,
    citations: serde_json::Value,
    model: String,
    outcome: String,
    failure_reason: Option<String>,
    tokens_in: i64,
    tokens_out: i64,
    chunks_retrieved: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<TurnRow> for TurnView {
    type Error = sqlx::Error;

    fn try_from(r: TurnRow) -> Result<Self, Self::Error> {
        Ok(TurnView {
            number: r.number,
            question: r.question,
            answer: r.answer,
            citations: serde_json::from_value(r.citations)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            model: r.model,
            outcome: r.outcome,
            failure_reason: r.failure_reason,
            tokens_in: r.tokens_in,
            tokens_out: r.tokens_out,
            chunks_retrieved: r.chunks_retrieved,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "conversation_id, title, turns, created_at, updated_at";

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    assistant: AssistantId,
    id: ConversationId,
) -> Result<Option<ConversationView>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_conversations
          WHERE tenant_id = $1 AND assistant_id = $2 AND conversation_id = $3"
    ))
    .bind(tenant.0)
    .bind(assistant.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await
}

/// A page of the assistant's conversations, most recently active first.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    assistant: AssistantId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ConversationView>, i64), sqlx::Error> {
    let items = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_conversations WHERE tenant_id = $1 AND assistant_id = $2
          ORDER BY updated_at DESC, conversation_id LIMIT $3 OFFSET $4"
    ))
    .bind(tenant.0)
    .bind(assistant.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM rm_conversations WHERE tenant_id = $1 AND assistant_id = $2",
    )
    .bind(tenant.0)
    .bind(assistant.0)
    .fetch_one(pool)
    .await?;
    Ok((items, total))
}

/// The conversation's last `last` turns, oldest first (all with `i64::MAX`).
pub async fn turns(
    pool: &PgPool,
    tenant: TenantId,
    id: ConversationId,
    last: i64,
) -> Result<Vec<TurnView>, sqlx::Error> {
    let rows: Vec<TurnRow> = sqlx::query_as(
        "SELECT * FROM (
            SELECT number, question, answer, citations, model, outcome, failure_reason,
                   tokens_in, tokens_out, chunks_retrieved, created_at
              FROM rm_conversation_turns WHERE tenant_id = $1 AND conversation_id = $2
             ORDER BY number DESC LIMIT $3) recent
          ORDER BY number",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(last)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryFrom::try_from).collect()
}

/// The number a recorded turn got in its conversation.
pub async fn turn_number(
    pool: &PgPool,
    tenant: TenantId,
    id: ConversationId,
    turn: uuid::Uuid,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT number FROM rm_conversation_turns
          WHERE tenant_id = $1 AND conversation_id = $2 AND turn_id = $3",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(turn)
    .fetch_optional(pool)
    .await
}
