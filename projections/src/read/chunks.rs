//! A document's chunks, from `rm_chunks`. Scoped by tenant.

use ancre_domain::{DocumentId, TenantId};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChunkView {
    pub chunk_index: i32,
    pub page: i32,
    pub page_label: Option<String>,
    pub hidden: bool,
    pub heading_path: Vec<String>,
    pub char_start: i32,
    pub char_end: i32,
    pub token_count: i32,
    pub text: String,
}

/// A page of the document's chunks in document order, and their total.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    document: DocumentId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ChunkView>, i64), sqlx::Error> {
    let items = sqlx::query_as(
        "SELECT chunk_index, page, page_label, hidden, heading_path, char_start, char_end, token_count, text
           FROM rm_chunks WHERE tenant_id = $1 AND document_id = $2
          ORDER BY chunk_index LIMIT $3 OFFSET $4",
    )
    .bind(tenant.0)
    .bind(document.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM rm_chunks WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tenant.0)
    .bind(document.0)
    .fetch_one(pool)
    .await?;
    Ok((items, total))
}
