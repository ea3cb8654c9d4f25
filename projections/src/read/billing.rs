//! The billing read model: a tenant's Stripe customer and subscription.

use ancre_domain::TenantId;
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BillingView {
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub subscription_status: Option<String>,
    pub payment_failed_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn get(pool: &PgPool, tenant: TenantId) -> Result<Option<BillingView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, subscription_id, subscription_status, payment_failed_at
           FROM rm_billing WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_optional(pool)
    .await
}

/// The tenant a provider customer belongs to (the webhook's lookup when a
/// notice carries no tenant of ours).
pub async fn tenant_of_customer(
    pool: &PgPool,
    customer_id: &str,
) -> Result<Option<TenantId>, sqlx::Error> {
    let found: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM rm_billing WHERE customer_id = $1 LIMIT 1")
            .bind(customer_id)
            .fetch_optional(pool)
            .await?;
    Ok(found.map(TenantId))
}
