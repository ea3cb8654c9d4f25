//! API keys, from `rm_api_keys`. Only hashes are stored; the secret was shown
//! once at creation and is unknown to us.

use ancre_domain::{ApiKeyId, TenantId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    key_id: uuid::Uuid,
    name: String,
    prefix: String,
    created_by: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_view(self) -> Option<ApiKeyView> {
        Some(ApiKeyView {
            id: ApiKeyId(self.key_id),
            name: self.name,
            prefix: self.prefix,
            created_by: UserId::parse(&self.created_by)?,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// Authentication lookup: the active key with this secret hash, and its tenant.
pub async fn find_active_by_hash(
    pool: &PgPool,
    secret_hash: &str,
) -> Result<Option<(ApiKeyId, TenantId)>, sqlx::Error> {
    let row: Option<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
        "SELECT key_id, tenant_id FROM rm_api_keys WHERE secret_hash = $1 AND revoked_at IS NULL",
    )
    .bind(secret_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(k, t)| (ApiKeyId(k), TenantId(t))))
}

pub async fn list(pool: &PgPool, tenant: TenantId) -> Result<Vec<ApiKeyView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT key_id, name, prefix, created_by, created_at, revoked_at FROM rm_api_keys
          WHERE tenant_id = $1 ORDER BY created_at, key_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(Row::into_view).collect())
}

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    key: ApiKeyId,
) -> Result<Option<ApiKeyView>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT key_id, name, prefix, created_by, created_at, revoked_at FROM rm_api_keys
          WHERE tenant_id = $1 AND key_id = $2",
    )
    .bind(tenant.0)
    .bind(key.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(Row::into_view))
}
