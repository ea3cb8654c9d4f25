//! The projectors, one file each. [`all`] is the set a process runs.

use std::sync::Arc;

use crate::Projector;

pub mod assistants;
pub mod billing;
pub mod collections;
pub mod connections;
pub mod conversations;
pub mod documents;
pub mod invitations;
pub mod tenants;
pub mod usage_counters;
pub mod usage_ledger;

/// Every projector of the product, in the order they are started.
pub fn all() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(tenants::TenantsProjector),
        Arc::new(invitations::InvitationsProjector),
        Arc::new(collections::CollectionsProjector),
        Arc::new(documents::DocumentsProjector),
        Arc::new(assistants::AssistantsProjector),
        Arc::new(conversations::ConversationsProjector),
        Arc::new(usage_counters::UsageCountersProjector),
        Arc::new(usage_ledger::UsageLedgerProjector),
        Arc::new(billing::BillingProjector),
        Arc::new(connections::ConnectionsProjector),
    ]
}

/// The projector with this name, for `ancre projections rebuild NAME`.
pub fn by_name(name: &str) -> Option<Arc<dyn Projector>> {
    all().into_iter().find(|p| p.name() == name)
}
