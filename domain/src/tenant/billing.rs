//! What the billing provider (Stripe) tells us about a tenant's subscription,
//! as the tenant aggregate records it. Each notification is applied once (by
//! its provider event id) and in the provider's order: a notification older
//! than the last one applied is recorded, for the audit trail, but changes
//! nothing.

use serde::{Deserialize, Serialize};

use crate::Plan;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingNotice {
    /// The provider's event id (`evt_…`): one notice per id.
    pub event_id: String,
    /// The provider's time for it (Unix seconds): orders notices.
    pub created: i64,
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub change: BillingChange,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BillingChange {
    /// A subscription was created or updated with this status (`active`,
    /// `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`…).
    Subscription { status: String },
    /// The subscription ended.
    SubscriptionDeleted,
    /// An invoice could not be paid; the subscription's own status follows.
    PaymentFailed { invoice_id: String },
}

impl BillingChange {
    /// The plan the notice puts the tenant on; `None`: no plan change.
    pub fn plan(&self) -> Option<Plan> {
        match self {
            // Stripe keeps serving a past-due subscription while it retries.
            BillingChange::Subscription { status } => Some(
                if matches!(status.as_str(), "active" | "trialing" | "past_due") {
                    Plan::Pro
                } else {
                    Plan::Free
                },
            ),
            BillingChange::SubscriptionDeleted => Some(Plan::Free),
            BillingChange::PaymentFailed { .. } => None,
        }
    }
}
