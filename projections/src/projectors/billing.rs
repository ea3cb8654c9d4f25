//! `billing`: each tenant's link to the billing provider (`rm_billing`:
//! customer, subscription, its status, the last failed payment), from the
//! billing notices the tenant aggregate applied. The billing portal and the
//! webhook's customer lookup read it.

use ancre_domain::tenant::{BillingChange, Tenant, TenantEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct BillingProjector;

pub const NAME: &str = "billing";

#[async_trait]
impl Projector for BillingProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Tenant::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_billing").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Tenant::TYPE || event.event_type != "BillingNoticeRecorded" {
            return Ok(());
        }
        let TenantEvent::BillingNoticeRecorded { notice, applied } = event.decode()? else {
            return Ok(());
        };
        let tenant = event.aggregate_uuid()?;
        let at = event.recorded_at;
        let (status, failed) = match (&notice.change, applied) {
            (BillingChange::Subscription { status }, true) => (Some(status.clone()), false),
            (BillingChange::SubscriptionDeleted, true) => (Some("canceled".to_owned()), false),
            (BillingChange::PaymentFailed { .. }, _) => (None, true),
            // An out-of-order notice changed nothing.
            (_, false) => (None, false),
        };
        sqlx::query(
            "INSERT INTO rm_billing (tenant_id, customer_id, subscription_id, subscription_status,
                    payment_failed_at, updated_at)
             VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN $6 END, $6)
             ON CONFLICT (tenant_id) DO UPDATE SET
                customer_id = EXCLUDED.customer_id,
                subscription_id = COALESCE(EXCLUDED.subscription_id, rm_billing.subscription_id),
                subscription_status = COALESCE(EXCLUDED.subscription_status, rm_billing.subscription_status),
                payment_failed_at = CASE WHEN $5 THEN $6 ELSE rm_billing.payment_failed_at END,
                updated_at = $6",
        )
        .bind(tenant)
        .bind(&notice.customer_id)
        .bind(&notice.subscription_id)
        .bind(status)
        .bind(failed)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
