//! What happened to an assistant (each event type versioned explicitly).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::AssistantSettings;
use crate::{AssistantId, TenantId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AssistantEvent {
    AssistantCreated {
        assistant_id: AssistantId,
        tenant_id: TenantId,
        settings: AssistantSettings,
    },
    /// The whole new settings, so that a reader of the log (or an auditor)
    /// sees what the assistant was at that point without folding.
    AssistantUpdated {
        settings: AssistantSettings,
    },
    AssistantDeleted,
}

impl DomainEvent for AssistantEvent {
    fn event_type(&self) -> String {
        match self {
            AssistantEvent::AssistantCreated { .. } => "AssistantCreated",
            AssistantEvent::AssistantUpdated { .. } => "AssistantUpdated",
            AssistantEvent::AssistantDeleted => "AssistantDeleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            AssistantEvent::AssistantCreated { .. }
            | AssistantEvent::AssistantUpdated { .. }
            | AssistantEvent::AssistantDeleted => "1",
        }
        .to_owned()
    }
}
