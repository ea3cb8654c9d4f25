//! Collections, from `rm_collections`. Every query is scoped by tenant.

use ancre_domain::{CollectionId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CollectionView {
    #[sqlx(try_from = "uuid::Uuid")]
    pub collection_id: CollectionId,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "collection_id, name, description, created_at, updated_at";

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: CollectionId,
) -> Result<Option<CollectionView>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_collections WHERE tenant_id = $1 AND collection_id = $2"
    ))
    .bind(tenant.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await
}

/// A page of the tenant's collections, oldest first, and the total count.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CollectionView>, i64), sqlx::Error> {
    let items = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_collections WHERE tenant_id = $1
          ORDER BY created_at, collection_id LIMIT $2 OFFSET $3"
    ))
    .bind(tenant.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM rm_collections WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(pool)
        .await?;
    Ok((items, total))
}

/// Which of `ids` are live collections of `tenant` (the others are unknown,
/// deleted, or another tenant's: the caller cannot tell them apart).
pub async fn existing(
    pool: &PgPool,
    tenant: TenantId,
    ids: &[CollectionId],
) -> Result<Vec<CollectionId>, sqlx::Error> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|c| c.0).collect();
    let found: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT collection_id FROM rm_collections WHERE tenant_id = $1 AND collection_id = ANY($2)",
    )
    .bind(tenant.0)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    Ok(ids
        .into_iter()
        .filter(|id| found.contains(id))
        .map(CollectionId)
        .collect())
}
