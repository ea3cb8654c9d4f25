//! What can be asked of a collection.

use crate::{CollectionId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub enum CollectionCommand {
    Create {
        collection_id: CollectionId,
        tenant_id: TenantId,
        name: String,
        description: String,
    },
    Update {
        tenant_id: TenantId,
        name: Option<String>,
        description: Option<String>,
    },
    /// Deletes the collection; its documents are deleted with it (the
    /// document pipeline reacts to `CollectionDeleted`).
    Delete { tenant_id: TenantId },
}
