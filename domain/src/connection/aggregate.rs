//! The connection's state and rules.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConnectionCommand, ConnectionEvent, Provider, SyncTrigger, REMEMBERED_DELIVERIES};
use crate::{CollectionId, ConnectionId, DocumentId, TenantId};

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Imported {
    version: String,
    /// `None` when that version was skipped.
    document: Option<DocumentId>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Connection {
    id: Option<ConnectionId>,
    tenant: Option<TenantId>,
    provider: Option<Provider>,
    nango_connection_id: String,
    integration: String,
    connected: bool,
    collection: Option<CollectionId>,
    records: BTreeMap<String, Imported>,
    /// Where the last completed sync stopped reading Nango's records.
    cursor: Option<String>,
    finished_syncs: VecDeque<Uuid>,
    deliveries: VecDeque<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// Unknown, disconnected, or another tenant's: indistinguishable on purpose.
    #[error("no such connection")]
    NotFound,
    #[error("choose the collection this connection's documents go to first")]
    NotBound,
    #[error("the connection is not established")]
    NotEstablished,
    #[error("invalid {field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: &'static str,
    },
}

impl Connection {
    /// The meaning of a snapshot of this state (bumped when it changes).
    pub const SNAPSHOT_VERSION: u32 = 1;

    fn owned_by(&self, tenant: TenantId) -> Result<(), ConnectionError> {
        match (self.id, self.tenant) {
            (Some(_), Some(owner)) if owner == tenant && self.connected => Ok(()),
            _ => Err(ConnectionError::NotFound),
        }
    }

    fn established(&self) -> Result<(), ConnectionError> {
        if self.id.is_some() && self.connected {
            Ok(())
        } else {
            Err(ConnectionError::NotEstablished)
        }
    }

    fn finished(&self, sync_id: Uuid) -> bool {
        self.finished_syncs.contains(&sync_id)
    }

    pub fn decide(
        &self,
        command: ConnectionCommand,
    ) -> Result<Vec<ConnectionEvent>, ConnectionError> {
        use ConnectionCommand as C;
        use ConnectionEvent as E;
        match command {
            C::Establish {
                connection_id,
                tenant_id,
                provider,
                nango_connection_id,
                integration,
            } => {
                if nango_connection_id.trim().is_empty() || nango_connection_id.len() > 255 {
                    return Err(ConnectionError::Invalid {
                        field: "connection_id",
                        problem: "must be 1 to 255 characters",
                    });
                }
                if self.tenant.is_some_and(|t| t != tenant_id) {
                    return Err(ConnectionError::NotFound);
                }
                if self.connected && self.nango_connection_id == nango_connection_id {
                    return Ok(vec![]);
                }
                Ok(vec![E::ConnectionEstablished {
                    connection_id,
                    tenant_id,
                    provider,
                    nango_connection_id,
                    integration,
                }])
            }
            C::Bind {
                tenant_id,
                collection_id,
            } => {
                self.owned_by(tenant_id)?;
                if self.collection == Some(collection_id) {
                    return Ok(vec![]);
                }
                Ok(vec![E::ConnectionBound { collection_id }])
            }
            C::RecordAuthFailure { reason } => {
                self.established()?;
                Ok(vec![E::ConnectionAuthFailed { reason }])
            }
            C::RequestSync {
                tenant_id,
                sync_id,
                trigger,
            } => {
                self.owned_by(tenant_id)?;
                if self.collection.is_none() {
                    return Err(ConnectionError::NotBound);
                }
                if let SyncTrigger::Webhook { delivery } = &trigger {
                    if self.deliveries.contains(delivery) {
                        return Ok(vec![]);
                    }
                }
                Ok(vec![E::SyncRequested { sync_id, trigger }])
            }
            C::Import {
                sync_id,
                record_id,
                version,
                document_id,
            } => {
                self.established()?;
                let previous = self.records.get(&record_id);
                if previous.is_some_and(|p| p.version == version) {
                    return Ok(vec![]);
                }
                Ok(vec![E::RecordImported {
                    sync_id,
                    replaced: previous.and_then(|p| p.document),
                    record_id,
                    version,
                    document_id,
                }])
            }
            C::Remove { sync_id, record_id } => {
                self.established()?;
                match self.records.get(&record_id).and_then(|r| r.document) {
                    Some(document_id) => Ok(vec![E::RecordRemoved {
                        sync_id,
                        record_id,
                        document_id,
                    }]),
                    None => Ok(vec![]),
                }
            }
            C::Skip {
                sync_id,
                record_id,
                version,
                reason,
            } => {
                self.established()?;
                if self
                    .records
                    .get(&record_id)
                    .is_some_and(|p| p.version == version)
                {
                    return Ok(vec![]);
                }
                Ok(vec![E::RecordSkipped {
                    sync_id,
                    record_id,
                    version,
                    reason,
                }])
            }
            C::Complete {
                sync_id,
                cursor,
                counts,
            } => {
                if self.finished(sync_id) {
                    return Ok(vec![]);
                }
                Ok(vec![E::SyncCompleted {
                    sync_id,
                    cursor,
                    counts,
                }])
            }
            C::Fail { sync_id, reason } => {
                if self.finished(sync_id) {
                    return Ok(vec![]);
                }
                Ok(vec![E::SyncFailed { sync_id, reason }])
            }
            C::Disconnect { tenant_id } => {
                self.owned_by(tenant_id)?;
                Ok(vec![E::ConnectionDisconnected])
            }
        }
    }

    /// Whether that sync has completed or failed already.
    pub fn is_finished(&self, sync_id: Uuid) -> bool {
        self.finished(sync_id)
    }

    /// The record's last imported document, if any (for the sync worker).
    pub fn document_of(&self, record_id: &str) -> Option<DocumentId> {
        self.records.get(record_id).and_then(|r| r.document)
    }

    /// Whether this version of the record is already imported or skipped.
    pub fn has_version(&self, record_id: &str, version: &str) -> bool {
        self.records
            .get(record_id)
            .is_some_and(|r| r.version == version)
    }

    /// Where the next sync starts reading records (from the start when `None`).
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub fn collection(&self) -> Option<CollectionId> {
        self.collection
    }

    pub fn tenant(&self) -> Option<TenantId> {
        self.tenant
    }

    pub fn provider(&self) -> Option<Provider> {
        self.provider
    }

    pub fn nango_connection_id(&self) -> &str {
        &self.nango_connection_id
    }

    /// The integration's key in Nango.
    pub fn integration(&self) -> &str {
        &self.integration
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }
}

impl crate::Rejection for ConnectionError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            ConnectionError::NotFound | ConnectionError::NotEstablished => {
                crate::RejectionKind::NotFound
            }
            ConnectionError::NotBound => crate::RejectionKind::Conflict,
            ConnectionError::Invalid { .. } => crate::RejectionKind::Invalid,
        }
    }
}

crate::emit::event_sourced!(
    Connection,
    "connection",
    ConnectionCommand,
    ConnectionEvent,
    ConnectionError
);

impl Connection {
    /// Applies one event to the state.
    pub fn fold(&mut self, event: ConnectionEvent) {
        use ConnectionEvent as E;
        match event {
            E::ConnectionEstablished {
                connection_id,
                tenant_id,
                provider,
                nango_connection_id,
                integration,
            } => {
                self.id = Some(connection_id);
                self.integration = integration;
                self.tenant = Some(tenant_id);
                self.provider = Some(provider);
                self.nango_connection_id = nango_connection_id;
                self.connected = true;
            }
            E::ConnectionBound { collection_id } => {
                // Another collection starts from nothing: its sync imports
                // every record again (the old collection keeps its documents).
                if self.collection.is_some_and(|c| c != collection_id) {
                    self.records.clear();
                    self.cursor = None;
                }
                self.collection = Some(collection_id);
            }
            E::ConnectionAuthFailed { .. } => {}
            E::SyncRequested { trigger, .. } => {
                if let SyncTrigger::Webhook { delivery } = trigger {
                    self.deliveries.push_back(delivery);
                    if self.deliveries.len() > REMEMBERED_DELIVERIES {
                        self.deliveries.pop_front();
                    }
                }
            }
            E::RecordImported {
                record_id,
                version,
                document_id,
                ..
            } => {
                self.records.insert(
                    record_id,
                    Imported {
                        version,
                        document: Some(document_id),
                    },
                );
            }
            E::RecordRemoved { record_id, .. } => {
                self.records.remove(&record_id);
            }
            E::RecordSkipped {
                record_id, version, ..
            } => {
                let previous = self.records.get(&record_id).and_then(|r| r.document);
                // A skipped version keeps the previous version's document.
                self.records.insert(
                    record_id,
                    Imported {
                        version,
                        document: previous,
                    },
                );
            }
            E::SyncCompleted {
                sync_id, cursor, ..
            } => {
                if cursor.is_some() {
                    self.cursor = cursor;
                }
                self.finish(sync_id);
            }
            E::SyncFailed { sync_id, .. } => self.finish(sync_id),
            E::ConnectionDisconnected => {
                self.connected = false;
                self.collection = None;
            }
        }
    }

    fn finish(&mut self, sync_id: Uuid) {
        self.finished_syncs.push_back(sync_id);
        if self.finished_syncs.len() > REMEMBERED_DELIVERIES {
            self.finished_syncs.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;
