//! Metadata for a command a worker issues because of an event: same tenant,
//! request and correlation id as the event, caused by it.

use ancre_commands::{Actor, EventMetadata};
use ancre_domain::TenantId;
use ancre_projections::StoredEvent;

pub fn metadata_after(event: &StoredEvent, tenant: TenantId, actor: &'static str) -> EventMetadata {
    let field = |name: &str| event.metadata.get(name).and_then(|v| v.as_str());
    EventMetadata {
        tenant_id: tenant,
        actor: Actor::System(actor),
        request_id: field("request_id").unwrap_or("-").to_owned(),
        correlation_id: field("correlation_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(uuid::Uuid::new_v4),
        causation_id: format!("event:{}", event.at.position),
    }
}
