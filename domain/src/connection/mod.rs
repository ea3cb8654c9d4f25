//! The `Connection` aggregate: one tenant's link to one provider (Google
//! Drive, Notion…) through Nango, the collection its documents go to, and
//! every sync of it — which record became which document, at which version.
//!
//! A tenant has at most one connection per provider: its id is derived from
//! the two (`connection_id_for`), so the web UI's callback and Nango's auth
//! webhook, whichever comes first, name the same aggregate.
//!
//! A sync is idempotent by (connection, record id, version): importing a
//! version already imported adds nothing, so a replayed webhook or a sync
//! restarted after a crash repeats no effect.

mod aggregate;
mod commands;
mod events;
mod provider;

pub use aggregate::{Connection, ConnectionError};
pub use commands::ConnectionCommand;
pub use events::{ConnectionEvent, SyncCounts, SyncTrigger};
pub use provider::Provider;

use uuid::Uuid;

use crate::{ConnectionId, DocumentId, TenantId};

/// The tenant's connection to `provider`.
pub fn connection_id_for(tenant: TenantId, provider: Provider) -> ConnectionId {
    let mut name = tenant.0.as_bytes().to_vec();
    name.extend_from_slice(provider.as_str().as_bytes());
    ConnectionId(Uuid::new_v5(&Uuid::NAMESPACE_OID, &name))
}

/// The document one version of one record becomes: the same on every retry.
pub fn document_id_for_record(
    connection: ConnectionId,
    record_id: &str,
    version: &str,
) -> DocumentId {
    let mut name = connection.0.as_bytes().to_vec();
    name.extend_from_slice(record_id.as_bytes());
    name.push(0);
    name.extend_from_slice(version.as_bytes());
    DocumentId(Uuid::new_v5(&Uuid::NAMESPACE_OID, &name))
}

/// How many recent webhook deliveries a connection remembers, to ignore
/// their replays (Nango signs no timestamp; a delivery is known by its digest).
pub const REMEMBERED_DELIVERIES: usize = 256;
