//! Pending invitations, from `rm_tenant_invitations`.

use ancre_domain::{Role, TenantId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq)]
pub struct InvitationView {
    pub tenant_id: TenantId,
    /// The tenant's name, for the invited user to know what they join.
    pub tenant_name: String,
    pub user_id: UserId,
    pub role: Role,
    /// `user:…` of the owner who invited.
    pub invited_by: String,
    pub invited_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    tenant_id: uuid::Uuid,
    tenant_name: String,
    user_id: String,
    role: String,
    invited_by: String,
    invited_at: DateTime<Utc>,
}

impl Row {
    fn view(self) -> Option<InvitationView> {
        Some(InvitationView {
            tenant_id: TenantId(self.tenant_id),
            tenant_name: self.tenant_name,
            user_id: UserId::parse(&self.user_id)?,
            role: Role::parse(&self.role)?,
            invited_by: self.invited_by,
            invited_at: self.invited_at,
        })
    }
}

const SELECT: &str = "SELECT i.tenant_id, t.name AS tenant_name, i.user_id, i.role, i.invited_by,
        i.invited_at
   FROM rm_tenant_invitations i JOIN rm_tenants t USING (tenant_id)";

/// The invitations of one tenant (for its owners), oldest first.
pub async fn of_tenant(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Vec<InvitationView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.tenant_id = $1 ORDER BY i.invited_at, i.user_id"
    ))
    .bind(tenant.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(Row::view).collect())
}

/// The invitations waiting for a user, across tenants, newest first. Like
/// `tenants::memberships_of`, it takes no tenant: it is how a user learns
/// which tenants they may join.
pub async fn of_user(pool: &PgPool, user: &UserId) -> Result<Vec<InvitationView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.user_id = $1 ORDER BY i.invited_at DESC, i.tenant_id"
    ))
    .bind(user.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(Row::view).collect())
}
