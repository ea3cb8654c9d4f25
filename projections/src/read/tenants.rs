//! Tenants and their members, from `rm_tenants` and `rm_tenant_members`.

use ancre_domain::{Plan, Role, TenantId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq)]
pub struct TenantView {
    pub id: TenantId,
    pub name: String,
    pub plan: Plan,
    pub suspended: bool,
    pub suspension_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberView {
    pub user_id: UserId,
    pub role: Role,
    pub added_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    tenant_id: uuid::Uuid,
    name: String,
    plan: String,
    status: String,
    suspension_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TenantRow> for TenantView {
    fn from(r: TenantRow) -> Self {
        TenantView {
            id: TenantId(r.tenant_id),
            name: r.name,
            plan: if r.plan == "pro" {
                Plan::Pro
            } else {
                Plan::Free
            },
            suspended: r.status == "suspended",
            suspension_reason: r.suspension_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "t.tenant_id, t.name, t.plan, t.status, t.suspension_reason, t.created_at, t.updated_at";

pub async fn get(pool: &PgPool, tenant: TenantId) -> Result<Option<TenantView>, sqlx::Error> {
    let row: Option<TenantRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_tenants t WHERE t.tenant_id = $1"
    ))
    .bind(tenant.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Into::into))
}

/// The tenants a user belongs to, with the user's role in each (oldest first).
/// Used to establish a user's tenant during authentication.
pub async fn memberships_of(
    pool: &PgPool,
    user: &UserId,
) -> Result<Vec<(TenantView, Role)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        tenant: TenantRow,
        role: String,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, m.role FROM rm_tenant_members m
           JOIN rm_tenants t USING (tenant_id)
          WHERE m.user_id = $1
          ORDER BY t.created_at, t.tenant_id"
    ))
    .bind(user.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.tenant.into(), Role::parse(&r.role)?)))
        .collect())
}

/// Every tenant, for platform admins (paginated by name, then id).
pub async fn all(pool: &PgPool, limit: i64, offset: i64) -> Result<Vec<TenantView>, sqlx::Error> {
    let rows: Vec<TenantRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_tenants t ORDER BY t.created_at, t.tenant_id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn count_all(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM rm_tenants")
        .fetch_one(pool)
        .await
}

pub async fn members(pool: &PgPool, tenant: TenantId) -> Result<Vec<MemberView>, sqlx::Error> {
    let rows: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT user_id, role, added_at FROM rm_tenant_members
          WHERE tenant_id = $1 ORDER BY added_at, user_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, role, added_at)| {
            Some(MemberView {
                user_id: UserId::parse(&user)?,
                role: Role::parse(&role)?,
                added_at,
            })
        })
        .collect())
}
