//! Documents, from `rm_documents`. Every query is scoped by tenant.

use ancre_domain::document::MediaType;
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_view(self) -> Option<DocumentView> {
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
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str =
    "document_id, collection_id, filename, media_type, size_bytes, sha256, storage_key,
    status, failure_stage, failure_reason, created_at, updated_at";

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: DocumentId,
) -> Result<Option<DocumentView>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_documents WHERE tenant_id = $1 AND document_id = $2"
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
    let condition = "tenant_id = $1 AND ($2::uuid IS NULL OR collection_id = $2)
                     AND ($3::text IS NULL OR status = $3)";
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_documents WHERE {condition}
          ORDER BY created_at, document_id LIMIT $4 OFFSET $5"
    ))
    .bind(tenant.0)
    .bind(filter.collection.map(|c| c.0))
    .bind(filter.status.as_deref())
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM rm_documents WHERE {condition}"
    ))
    .bind(tenant.0)
    .bind(filter.collection.map(|c| c.0))
    .bind(filter.status.as_deref())
    .fetch_one(pool)
    .await?;
    Ok((rows.into_iter().filter_map(Row::into_view).collect(), total))
}
