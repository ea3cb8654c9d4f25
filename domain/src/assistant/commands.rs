//! What can be asked of an assistant.

use super::{AssistantChanges, AssistantSettings};
use crate::{AssistantId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub enum AssistantCommand {
    /// The edge has checked that every collection is the tenant's own.
    Create {
        assistant_id: AssistantId,
        tenant_id: TenantId,
        settings: AssistantSettings,
    },
    /// The edge has checked that any new collection is the tenant's own.
    Update {
        tenant_id: TenantId,
        changes: AssistantChanges,
    },
    /// Deletes the assistant; its conversations stay in the log.
    Delete { tenant_id: TenantId },
}
