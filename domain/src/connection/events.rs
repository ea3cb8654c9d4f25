//! What happened to a connection (each event type versioned explicitly).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Provider;
use crate::{CollectionId, ConnectionId, DocumentId, TenantId};

/// What started a sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SyncTrigger {
    /// Someone asked for it (the web UI's "sync now", the API).
    Manual,
    /// A collection was bound: the first import.
    Bound,
    /// Nango's sync webhook; `delivery` is the digest of its body.
    Webhook { delivery: String },
}

/// What one sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    pub imported: u32,
    pub removed: u32,
    pub skipped: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConnectionEvent {
    ConnectionEstablished {
        connection_id: ConnectionId,
        tenant_id: TenantId,
        provider: Provider,
        nango_connection_id: String,
        integration: String,
    },
    ConnectionBound {
        collection_id: CollectionId,
    },
    ConnectionAuthFailed {
        reason: String,
    },
    SyncRequested {
        sync_id: Uuid,
        trigger: SyncTrigger,
    },
    RecordImported {
        sync_id: Uuid,
        record_id: String,
        version: String,
        document_id: DocumentId,
        /// The document of the record's previous version, now deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaced: Option<DocumentId>,
    },
    RecordRemoved {
        sync_id: Uuid,
        record_id: String,
        document_id: DocumentId,
    },
    RecordSkipped {
        sync_id: Uuid,
        record_id: String,
        version: String,
        reason: String,
    },
    SyncCompleted {
        sync_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
        counts: SyncCounts,
    },
    SyncFailed {
        sync_id: Uuid,
        reason: String,
    },
    ConnectionDisconnected,
}

impl DomainEvent for ConnectionEvent {
    fn event_type(&self) -> String {
        use ConnectionEvent as E;
        match self {
            E::ConnectionEstablished { .. } => "ConnectionEstablished",
            E::ConnectionBound { .. } => "ConnectionBound",
            E::ConnectionAuthFailed { .. } => "ConnectionAuthFailed",
            E::SyncRequested { .. } => "SyncRequested",
            E::RecordImported { .. } => "RecordImported",
            E::RecordRemoved { .. } => "RecordRemoved",
            E::RecordSkipped { .. } => "RecordSkipped",
            E::SyncCompleted { .. } => "SyncCompleted",
            E::SyncFailed { .. } => "SyncFailed",
            E::ConnectionDisconnected => "ConnectionDisconnected",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
