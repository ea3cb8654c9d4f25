//! What happened to a collection (each event type versioned explicitly).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::{CollectionId, TenantId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CollectionEvent {
    CollectionCreated {
        collection_id: CollectionId,
        tenant_id: TenantId,
        name: String,
        description: String,
    },
    CollectionRenamed {
        name: String,
    },
    CollectionDescribed {
        description: String,
    },
    CollectionDeleted,
}

impl DomainEvent for CollectionEvent {
    fn event_type(&self) -> String {
        match self {
            CollectionEvent::CollectionCreated { .. } => "CollectionCreated",
            CollectionEvent::CollectionRenamed { .. } => "CollectionRenamed",
            CollectionEvent::CollectionDescribed { .. } => "CollectionDescribed",
            CollectionEvent::CollectionDeleted => "CollectionDeleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            CollectionEvent::CollectionCreated { .. }
            | CollectionEvent::CollectionRenamed { .. }
            | CollectionEvent::CollectionDescribed { .. }
            | CollectionEvent::CollectionDeleted => "1",
        }
        .to_owned()
    }
}
