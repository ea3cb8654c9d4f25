//! What can be asked of a connection.

use uuid::Uuid;

use super::{Provider, SyncCounts, SyncTrigger};
use crate::{CollectionId, ConnectionId, DocumentId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionCommand {
    /// Nango holds a working connection (from the web UI's callback or the
    /// auth webhook, checked with Nango either way).
    Establish {
        connection_id: ConnectionId,
        tenant_id: TenantId,
        provider: Provider,
        nango_connection_id: String,
        integration: String,
    },
    /// The collection its documents go to.
    Bind {
        tenant_id: TenantId,
        collection_id: CollectionId,
    },
    /// Nango could not refresh its credentials: the user must reconnect.
    RecordAuthFailure {
        reason: String,
    },
    RequestSync {
        tenant_id: TenantId,
        sync_id: Uuid,
        trigger: SyncTrigger,
    },
    /// One record's version is now this document (replacing the previous one's).
    Import {
        sync_id: Uuid,
        record_id: String,
        version: String,
        document_id: DocumentId,
    },
    /// The record was deleted at the provider.
    Remove {
        sync_id: Uuid,
        record_id: String,
    },
    /// One record's version is not imported, for a reason a user can read.
    Skip {
        sync_id: Uuid,
        record_id: String,
        version: String,
        reason: String,
    },
    Complete {
        sync_id: Uuid,
        cursor: Option<String>,
        counts: SyncCounts,
    },
    Fail {
        sync_id: Uuid,
        reason: String,
    },
    Disconnect {
        tenant_id: TenantId,
    },
}
