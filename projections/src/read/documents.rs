//! Documents, from `rm_documents`. Every query is scoped by tenant.

use ancre_domain::document::{DocumentSource, MediaType};
use ancre_domain::{CollectionId, DocumentId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentView {
    pub id: DocumentId,
    pub collection_id: CollectionId,
    pub filename: String,
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub status: String,
    pub failure_stage: Option<String>,
    pub failure_reason: Option<String>,
    pub pages: Option<i32>,
    pub chunks: Option<i32>,
    pub tokens: Option<i64>,
    pub embedding_model: Option<String>,
    /// Where the pipeline is with it, while it is on its way.
    pub pipeline: Option<PipelineView>,
    /// Where a connector imported it from (`None` for uploads).
    pub source: Option<DocumentSource>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A document's place in the pipeline (from the work queue).
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineView {
    /// The stage it waits for or is going through: parse, embed, index.
    pub stage: String,
    /// True while a worker holds it.
    pub running: bool,
    pub done: i32,
    pub total: i32,
    pub attempts: i32,
    /// The last transient error, when a retry is scheduled.
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    document_id: uuid::Uuid,
    collection_id: uuid::Uuid,
    filename: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    storage_key: String,
    status: String,
    failure_stage: Option<String>,
    failure_reason: Option<String>,
    pages: Option<i32>,
    chunks: Option<i32>,
    tokens: Option<i64>,
    embedding_model: Option<String>,
    stage: Option<String>,
    running: Option<bool>,
    progress_done: Option<i32>,
    progress_total: Option<i32>,
    attempts: Option<i32>,
    last_error: Option<String>,
    source: Option<sqlx::types::Json<DocumentSource>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_view(self) -> Option<DocumentView> {
        let pipeline = match self.stage {
            Some(stage) => Some(PipelineView {
                stage,
                running: self.running.unwrap_or(false),
                done: self.progress_done.unwrap_or(0),
                total: self.progress_total.unwrap_or(0),
                attempts: self.attempts.unwrap_or(0),
                last_error: self.last_error,
            }),
            // Embedded documents need no queue: the `search_index`
            // projector, always running, takes them in log order.
            None if self.status == "embedded" => Some(PipelineView {
                stage: "index".into(),
                running: true,
                done: 0,
                total: self.chunks.unwrap_or(0),
                attempts: 0,
                last_error: None,
            }),
            None => None,
        };
        Some(DocumentView {
            id: DocumentId(self.document_id),
            collection_id: CollectionId(self.collection_id),
            filename: self.filename,
            media_type: MediaType::parse(&self.media_type)?,
            size_bytes: self.size_bytes,
            sha256: self.sha256,
            storage_key: self.storage_key,
            status: self.status,
            failure_stage: self.failure_stage,
            failure_reason: self.failure_reason,
            pages: self.pages,
            chunks: self.chunks,
            tokens: self.tokens,
            embedding_model: self.embedding_model,
            pipeline,
            source: self.source.map(|s| s.0),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str =
    "d.document_id, d.collection_id, d.filename, d.media_type, d.size_bytes, d.sha256,
    d.storage_key, d.status, d.failure_stage, d.failure_reason, d.pages, d.chunks, d.tokens,
    d.embedding_model, j.stage, j.lease_until > now() AS running, j.progress_done,
    j.progress_total, j.attempts, j.last_error, d.source, d.created_at, d.updated_at";

/// Documents with their pipeline job, if any. Two projectors keep the two
/// tables, so for a moment a job may still name the stage the document has
/// just left: only a job for the stage that follows its status counts.
const FROM: &str = "rm_documents d LEFT JOIN pipeline_jobs j
    ON j.document_id = d.document_id
   AND j.stage = CASE d.status WHEN 'queued' THEN 'parse' WHEN 'parsed' THEN 'embed' END";

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: DocumentId,
) -> Result<Option<DocumentView>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE d.tenant_id = $1 AND d.document_id = $2"
    ))
    .bind(tenant.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(Row::into_view))
}

/// Filters of the document list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub collection: Option<CollectionId>,
    pub status: Option<String>,
}

/// A page of the tenant's documents, oldest first, and the total count.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DocumentView>, i64), sqlx::Error> {
    let condition = "d.tenant_id = $1 AND ($2::uuid IS NULL OR d.collection_id = $2)
                     AND ($3::text IS NULL OR d.status = $3)";
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {condition}
          ORDER BY d.created_at, d.document_id LIMIT $4 OFFSET $5"
    ))
    .bind(tenant.0)
    .bind(filter.collection.map(|c| c.0))
    .bind(filter.status.as_deref())
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM rm_documents d WHERE {condition}"
    ))
    .bind(tenant.0)
    .bind(filter.collection.map(|c| c.0))
    .bind(filter.status.as_deref())
    .fetch_one(pool)
    .await?;
    Ok((rows.into_iter().filter_map(Row::into_view).collect(), total))
}

/// The tenant's documents (optionally of one collection) that changed after
/// `since` or are still in the pipeline: what a live status feed compares.
pub async fn changed_or_in_flight(
    pool: &PgPool,
    tenant: TenantId,
    collection: Option<CollectionId>,
    since: DateTime<Utc>,
) -> Result<Vec<DocumentView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM}
          WHERE d.tenant_id = $1 AND ($2::uuid IS NULL OR d.collection_id = $2)
            AND (d.updated_at > $3 OR j.document_id IS NOT NULL)
          ORDER BY d.created_at, d.document_id LIMIT 1000"
    ))
    .bind(tenant.0)
    .bind(collection.map(|c| c.0))
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(Row::into_view).collect())
}
