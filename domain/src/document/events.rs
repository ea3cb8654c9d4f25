//! What happened to a document (each event type versioned explicitly). The
//! quantities a tenant consumes (bytes stored, …) are in the events, for the
//! usage ledger.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::document::MediaType;
use crate::{CollectionId, DocumentId, TenantId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DocumentEvent {
    DocumentUploaded {
        document_id: DocumentId,
        tenant_id: TenantId,
        collection_id: CollectionId,
        filename: String,
        media_type: MediaType,
        size_bytes: u64,
        sha256: String,
        storage_key: String,
    },
    DocumentFailed {
        stage: String,
        reason: String,
    },
    DocumentDeleted {
        /// The object to remove from storage (the deletion is done by a worker
        /// reacting to this event, so it survives a crash).
        storage_key: String,
    },
}

impl DomainEvent for DocumentEvent {
    fn event_type(&self) -> String {
        match self {
            DocumentEvent::DocumentUploaded { .. } => "DocumentUploaded",
            DocumentEvent::DocumentFailed { .. } => "DocumentFailed",
            DocumentEvent::DocumentDeleted { .. } => "DocumentDeleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            DocumentEvent::DocumentUploaded { .. }
            | DocumentEvent::DocumentFailed { .. }
            | DocumentEvent::DocumentDeleted { .. } => "1",
        }
        .to_owned()
    }
}
