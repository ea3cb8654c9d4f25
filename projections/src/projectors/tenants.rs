//! `tenants`: the tenant read models — tenants, their members, their API keys.
//!
//! Tables: `rm_tenants`, `rm_tenant_members`, `rm_api_keys`. Timestamps come
//! from the events' `recorded_at`, so a rebuild reproduces them exactly.

use ancre_domain::tenant::{Tenant, TenantEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct TenantsProjector;

pub const NAME: &str = "tenants";

#[async_trait]
impl Projector for TenantsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_api_keys, rm_tenant_members, rm_tenants")
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Tenant::TYPE {
            return Ok(());
        }
        let tenant = event.aggregate_uuid()?;
        let at = event.recorded_at;
        let touch = |sql: &'static str| sqlx::query(sql).bind(tenant).bind(at);
        match event.decode::<TenantEvent>()? {
            TenantEvent::TenantCreated { name, plan, .. } => {
                sqlx::query(
                    "INSERT INTO rm_tenants (tenant_id, name, plan, status, created_at, updated_at)
                     VALUES ($1, $2, $3, 'active', $4, $4)",
                )
                .bind(tenant)
                .bind(name)
                .bind(plan.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::TenantRenamed { name } => {
                touch("UPDATE rm_tenants SET name = $3, updated_at = $2 WHERE tenant_id = $1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
            }
            TenantEvent::TenantPlanChanged { plan } => {
                touch("UPDATE rm_tenants SET plan = $3, updated_at = $2 WHERE tenant_id = $1")
                    .bind(plan.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            TenantEvent::TenantSuspended { reason } => {
                touch(
                    "UPDATE rm_tenants SET status = 'suspended', suspension_reason = $3,
                            updated_at = $2 WHERE tenant_id = $1",
                )
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::TenantReactivated => {
                touch(
                    "UPDATE rm_tenants SET status = 'active', suspension_reason = NULL,
                            updated_at = $2 WHERE tenant_id = $1",
                )
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::MemberAdded { user_id, role } => {
                touch(
                    "INSERT INTO rm_tenant_members (tenant_id, user_id, role, added_at)
                     VALUES ($1, $3, $4, $2)",
                )
                .bind(user_id.as_str())
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::MemberRoleChanged { user_id, role } => {
                sqlx::query(
                    "UPDATE rm_tenant_members SET role = $3 WHERE tenant_id = $1 AND user_id = $2",
                )
                .bind(tenant)
                .bind(user_id.as_str())
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::MemberRemoved { user_id } => {
                sqlx::query("DELETE FROM rm_tenant_members WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant)
                    .bind(user_id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            TenantEvent::ApiKeyCreated {
                key_id,
                name,
                prefix,
                secret_hash,
                created_by,
            } => {
                touch(
                    "INSERT INTO rm_api_keys
                        (key_id, tenant_id, name, prefix, secret_hash, created_by, created_at)
                     VALUES ($3, $1, $4, $5, $6, $7, $2)",
                )
                .bind(key_id.0)
                .bind(name)
                .bind(prefix)
                .bind(secret_hash)
                .bind(created_by.as_str())
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::ApiKeyRevoked { key_id } => {
                touch(
                    "UPDATE rm_api_keys SET revoked_at = $2 WHERE tenant_id = $1 AND key_id = $3",
                )
                .bind(key_id.0)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}
