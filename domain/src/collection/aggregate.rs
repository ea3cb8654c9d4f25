//! The collection's state and rules.

use serde::{Deserialize, Serialize};

use super::{CollectionCommand, CollectionEvent, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS};
use crate::text::{bounded_text, valid_name, TextError};
use crate::{CollectionId, TenantId};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Collection {
    id: Option<CollectionId>,
    tenant: Option<TenantId>,
    name: String,
    description: String,
    deleted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectionError {
    #[error("this collection already exists")]
    AlreadyExists,
    /// Unknown, deleted, or another tenant's: indistinguishable on purpose.
    #[error("no such collection")]
    NotFound,
    #[error("invalid {field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: TextError,
    },
}

impl Collection {
    /// The collection as seen by `tenant`: `None` unless it exists, is not
    /// deleted and belongs to that tenant.
    fn owned_by(&self, tenant: TenantId) -> Result<(), CollectionError> {
        match (self.id, self.tenant) {
            (Some(_), Some(owner)) if owner == tenant && !self.deleted => Ok(()),
            _ => Err(CollectionError::NotFound),
        }
    }

    pub fn decide(
        &self,
        command: CollectionCommand,
    ) -> Result<Vec<CollectionEvent>, CollectionError> {
        use CollectionCommand as C;
        use CollectionEvent as E;
        let invalid = |field| move |problem| CollectionError::Invalid { field, problem };
        match command {
            C::Create {
                collection_id,
                tenant_id,
                name,
                description,
            } => {
                if self.id.is_some() {
                    return Err(CollectionError::AlreadyExists);
                }
                Ok(vec![E::CollectionCreated {
                    collection_id,
                    tenant_id,
                    name: valid_name(&name, MAX_NAME_CHARS).map_err(invalid("name"))?,
                    description: bounded_text(&description, MAX_DESCRIPTION_CHARS)
                        .map_err(invalid("description"))?,
                }])
            }
            C::Update {
                tenant_id,
                name,
                description,
            } => {
                self.owned_by(tenant_id)?;
                let mut events = vec![];
                if let Some(name) = name {
                    let name = valid_name(&name, MAX_NAME_CHARS).map_err(invalid("name"))?;
                    if name != self.name {
                        events.push(E::CollectionRenamed { name });
                    }
                }
                if let Some(description) = description {
                    let description = bounded_text(&description, MAX_DESCRIPTION_CHARS)
                        .map_err(invalid("description"))?;
                    if description != self.description {
                        events.push(E::CollectionDescribed { description });
                    }
                }
                Ok(events)
            }
            C::Delete { tenant_id } => {
                self.owned_by(tenant_id)?;
                Ok(vec![E::CollectionDeleted])
            }
        }
    }
}

impl crate::Rejection for CollectionError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            CollectionError::NotFound => crate::RejectionKind::NotFound,
            CollectionError::AlreadyExists => crate::RejectionKind::Conflict,
            CollectionError::Invalid { .. } => crate::RejectionKind::Invalid,
        }
    }
}

crate::emit::event_sourced!(
    Collection,
    "collection",
    CollectionCommand,
    CollectionEvent,
    CollectionError
);

impl Collection {
    /// Applies one event to the state.
    pub fn fold(&mut self, event: CollectionEvent) {
        match event {
            CollectionEvent::CollectionCreated {
                collection_id,
                tenant_id,
                name,
                description,
            } => {
                self.id = Some(collection_id);
                self.tenant = Some(tenant_id);
                self.name = name;
                self.description = description;
            }
            CollectionEvent::CollectionRenamed { name } => self.name = name,
            CollectionEvent::CollectionDescribed { description } => self.description = description,
            CollectionEvent::CollectionDeleted => self.deleted = true,
        }
    }
}

#[cfg(test)]
mod tests;
