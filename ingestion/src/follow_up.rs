//! Metadata for a command a worker issues because of an event: same tenant,
//! request and correlation id as the event, caused by it.

use ancre_commands::EventMetadata;
use ancre_domain::TenantId;
use ancre_projections::StoredEvent;

pub fn metadata_after(event: &StoredEvent, tenant: TenantId, actor: &'static str) -> EventMetadata {
    EventMetadata::after_event(&event.metadata, event.at.position, tenant, actor)
}
