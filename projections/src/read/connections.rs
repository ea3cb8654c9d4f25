//! Connections, from `rm_connections`. Every query is scoped by tenant.

use ancre_domain::TenantId;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ConnectionView {
    pub connection_id: Uuid,
    pub provider: String,
    pub nango_connection_id: String,
    pub integration: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub collection_id: Option<Uuid>,
    pub sync_status: Option<String>,
    pub sync_reason: Option<String>,
    pub sync_started_at: Option<DateTime<Utc>>,
    pub sync_finished_at: Option<DateTime<Utc>>,
    pub sync_imported: i32,
    pub sync_removed: i32,
    pub sync_skipped: i32,
    pub documents: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "connection_id, provider, nango_connection_id, integration, status,
    status_reason, collection_id, sync_status, sync_reason, sync_started_at, sync_finished_at,
    sync_imported, sync_removed, sync_skipped, documents, created_at, updated_at";

/// The tenant's connection to `provider`, if it has one.
pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    provider: &str,
) -> Result<Option<ConnectionView>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_connections WHERE tenant_id = $1 AND provider = $2"
    ))
    .bind(tenant.0)
    .bind(provider)
    .fetch_optional(pool)
    .await
}

/// The tenant's connections, by provider.
pub async fn list(pool: &PgPool, tenant: TenantId) -> Result<Vec<ConnectionView>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_connections WHERE tenant_id = $1 ORDER BY provider"
    ))
    .bind(tenant.0)
    .fetch_all(pool)
    .await
}

/// The connection Nango names by its own id, whichever tenant's it is: for
/// Nango's webhooks, which name no tenant Ancre can trust otherwise.
pub async fn by_nango_id(
    pool: &PgPool,
    integration: &str,
    nango_connection_id: &str,
) -> Result<Option<(Uuid, TenantId)>, sqlx::Error> {
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT connection_id, tenant_id FROM rm_connections
          WHERE integration = $1 AND nango_connection_id = $2",
    )
    .bind(integration)
    .bind(nango_connection_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(c, t)| (c, TenantId(t))))
}
