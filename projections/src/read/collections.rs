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
