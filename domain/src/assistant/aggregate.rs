//! The assistant's state and rules.

use serde::{Deserialize, Serialize};

use super::{AssistantCommand, AssistantEvent, AssistantSettings, SettingsError};
use crate::{AssistantId, TenantId};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Assistant {
    id: Option<AssistantId>,
    tenant: Option<TenantId>,
    settings: Option<AssistantSettings>,
    deleted: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssistantError {
    #[error("this assistant already exists")]
    AlreadyExists,
    /// Unknown, deleted, or another tenant's: indistinguishable on purpose.
    #[error("no such assistant")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] SettingsError),
}

impl Assistant {
    /// The live settings, if `tenant` owns this assistant.
    fn owned_by(&self, tenant: TenantId) -> Result<&AssistantSettings, AssistantError> {
        match (&self.settings, self.tenant) {
            (Some(settings), Some(owner)) if owner == tenant && !self.deleted => Ok(settings),
            _ => Err(AssistantError::NotFound),
        }
    }

    pub fn decide(&self, command: AssistantCommand) -> Result<Vec<AssistantEvent>, AssistantError> {
        use AssistantCommand as C;
        use AssistantEvent as E;
        match command {
            C::Create {
                assistant_id,
                tenant_id,
                settings,
            } => {
                if self.id.is_some() {
                    return Err(AssistantError::AlreadyExists);
                }
                Ok(vec![E::AssistantCreated {
                    assistant_id,
                    tenant_id,
                    settings: settings.validated()?,
                }])
            }
            C::Update { tenant_id, changes } => {
                let current = self.owned_by(tenant_id)?;
                let settings = current.with(changes).validated()?;
                if &settings == current {
                    return Ok(vec![]);
                }
                Ok(vec![E::AssistantUpdated { settings }])
            }
            C::Delete { tenant_id } => {
                self.owned_by(tenant_id)?;
                Ok(vec![E::AssistantDeleted])
            }
        }
    }

    /// Applies one event to the state.
    pub fn fold(&mut self, event: AssistantEvent) {
        match event {
            AssistantEvent::AssistantCreated {
                assistant_id,
                tenant_id,
                settings,
            } => {
                self.id = Some(assistant_id);
                self.tenant = Some(tenant_id);
                self.settings = Some(settings);
            }
            AssistantEvent::AssistantUpdated { settings } => self.settings = Some(settings),
            AssistantEvent::AssistantDeleted => self.deleted = true,
        }
    }
}

impl crate::Rejection for AssistantError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            AssistantError::NotFound => crate::RejectionKind::NotFound,
            AssistantError::AlreadyExists => crate::RejectionKind::Conflict,
            AssistantError::Invalid(_) => crate::RejectionKind::Invalid,
        }
    }
}

crate::emit::event_sourced!(
    Assistant,
    "assistant",
    AssistantCommand,
    AssistantEvent,
    AssistantError
);

#[cfg(test)]
mod tests;
