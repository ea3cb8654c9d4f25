//! `invitations`: invitations to join a tenant still waiting for the invited
//! user (`rm_tenant_invitations`): added by `MemberInvited`, removed when the
//! user accepts or declines, or an owner withdraws it. Who invited is the
//! event's actor; the time is its `recorded_at`, so a rebuild equals the live
//! table.

use ancre_domain::tenant::{Tenant, TenantEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct InvitationsProjector;

pub const NAME: &str = "invitations";

#[async_trait]
impl Projector for InvitationsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Tenant::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_tenant_invitations")
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if !matches!(
            event.event_type.as_str(),
            "MemberInvited" | "InvitationAccepted" | "InvitationCancelled"
        ) {
            return Ok(());
        }
        let tenant = event.aggregate_uuid()?;
        match event.decode::<TenantEvent>()? {
            TenantEvent::MemberInvited { user_id, role } => {
                let invited_by = event
                    .metadata
                    .get("actor")
                    .and_then(|a| a.as_str())
                    .unwrap_or("system:unknown")
                    .to_owned();
                sqlx::query(
                    "INSERT INTO rm_tenant_invitations (tenant_id, user_id, role, invited_by, invited_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role,
                        invited_by = EXCLUDED.invited_by, invited_at = EXCLUDED.invited_at",
                )
                .bind(tenant)
                .bind(user_id.as_str())
                .bind(role.as_str())
                .bind(invited_by)
                .bind(event.recorded_at)
                .execute(&mut *tx)
                .await?;
            }
            TenantEvent::InvitationAccepted { user_id }
            | TenantEvent::InvitationCancelled { user_id } => {
                sqlx::query(
                    "DELETE FROM rm_tenant_invitations WHERE tenant_id = $1 AND user_id = $2",
                )
                .bind(tenant)
                .bind(user_id.as_str())
                .execute(&mut *tx)
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}
