//! The figures of a tenant's key-indicator cards (the copilot's KPI action),
//! from the documents, conversations and assistants read models. Scoped by
//! tenant. Usage figures come from [`super::usage`].

use std::collections::BTreeMap;

use ancre_domain::{AssistantId, CollectionId, DocumentId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Status → how many of the tenant's documents have it.
pub async fn documents_by_status(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, count(*) FROM rm_documents WHERE tenant_id = $1 GROUP BY status",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// A document that failed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureView {
    pub document_id: DocumentId,
    pub collection_id: CollectionId,
    pub filename: String,
    pub stage: Option<String>,
    pub reason: String,
    pub failed_at: DateTime<Utc>,
}

/// The documents that failed since `since`, latest first, at most `limit`,
/// and how many there are in all.
pub async fn failures_since(
    pool: &PgPool,
    tenant: TenantId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<FailureView>, i64), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        document_id: Uuid,
        collection_id: Uuid,
        filename: String,
        failure_stage: Option<String>,
        failure_reason: Option<String>,
        updated_at: DateTime<Utc>,
    }
    // One condition for the page and for the count, so they cannot disagree.
    const FAILED_SINCE: &str =
        "FROM rm_documents WHERE tenant_id = $1 AND status = 'failed' AND updated_at >= $2";
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT document_id, collection_id, filename, failure_stage, failure_reason, updated_at
           {FAILED_SINCE}
          ORDER BY updated_at DESC, document_id
          LIMIT $3"
    ))
    .bind(tenant.0)
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {FAILED_SINCE}"))
        .bind(tenant.0)
        .bind(since)
        .fetch_one(pool)
        .await?;
    let failures = rows
        .into_iter()
        .map(|r| FailureView {
            document_id: DocumentId(r.document_id),
            collection_id: CollectionId(r.collection_id),
            filename: r.filename,
            stage: r.failure_stage,
            reason: r.failure_reason.unwrap_or_default(),
            failed_at: r.updated_at,
        })
        .collect();
    Ok((failures, total))
}

/// An assistant and the questions it answered over a span.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantUseView {
    pub assistant_id: AssistantId,
    pub name: String,
    pub messages: i64,
}

/// The tenant's live assistants asked the most since `since`, most asked
/// first (then by name), at most `limit`; assistants never asked are left out.
pub async fn most_used_assistants(
    pool: &PgPool,
    tenant: TenantId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<AssistantUseView>, sqlx::Error> {
    let rows: Vec<(Uuid, String, i64)> = sqlx::query_as(
        "SELECT a.assistant_id, a.name, count(*) AS messages
           FROM rm_conversation_turns t
           JOIN rm_conversations c ON c.conversation_id = t.conversation_id AND c.tenant_id = t.tenant_id
           JOIN rm_assistants a ON a.assistant_id = c.assistant_id AND a.tenant_id = c.tenant_id
          WHERE t.tenant_id = $1 AND t.created_at >= $2
          GROUP BY a.assistant_id, a.name
          ORDER BY messages DESC, a.name, a.assistant_id
          LIMIT $3",
    )
    .bind(tenant.0)
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, messages)| AssistantUseView {
            assistant_id: AssistantId(id),
            name,
            messages,
        })
        .collect())
}

/// How fast answers started over a span: how many turns sent a first token,
/// and the median wait for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstTokenView {
    pub answers: i64,
    /// `None` when no answer sent a token over the span.
    pub p50_ms: Option<f64>,
}

/// The tenant's answers since `since` that sent a first token, and the
/// median time to it.
pub async fn first_token_since(
    pool: &PgPool,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<FirstTokenView, sqlx::Error> {
    let (answers, p50_ms): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(first_token_ms),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY first_token_ms)
           FROM rm_conversation_turns
          WHERE tenant_id = $1 AND created_at >= $2 AND first_token_ms IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok(FirstTokenView { answers, p50_ms })
}
