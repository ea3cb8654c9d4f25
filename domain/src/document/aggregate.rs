//! The document's state and rules.

use serde::{Deserialize, Serialize};

use super::{DocumentCommand, DocumentEvent, MAX_FILENAME_CHARS};
use crate::{DocumentId, TenantId};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Never uploaded.
    #[default]
    Absent,
    /// Uploaded; waiting for (or going through) the pipeline.
    Queued,
    Failed,
    Deleted,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Absent => "absent",
            DocumentStatus::Queued => "queued",
            DocumentStatus::Failed => "failed",
            DocumentStatus::Deleted => "deleted",
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Document {
    id: Option<DocumentId>,
    tenant: Option<TenantId>,
    status: DocumentStatus,
    storage_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The same bytes are already in this collection.
    #[error("this file is already in the collection")]
    Duplicate,
    /// Unknown, deleted, or another tenant's: indistinguishable on purpose.
    #[error("no such document")]
    NotFound,
    #[error("the document has already failed")]
    AlreadyFailed,
    #[error("a failure needs a reason")]
    MissingReason,
}

impl Document {
    pub fn status(&self) -> DocumentStatus {
        self.status
    }

    fn owned_by(&self, tenant: TenantId) -> Result<(), DocumentError> {
        match self.tenant {
            Some(owner) if owner == tenant && self.status != DocumentStatus::Deleted => Ok(()),
            _ => Err(DocumentError::NotFound),
        }
    }

    pub fn decide(&self, command: DocumentCommand) -> Result<Vec<DocumentEvent>, DocumentError> {
        use DocumentCommand as C;
        use DocumentEvent as E;
        match command {
            C::Upload {
                document_id,
                tenant_id,
                collection_id,
                filename,
                media_type,
                size_bytes,
                sha256,
                storage_key,
            } => {
                // A deleted document can be uploaded again (same bytes, same id).
                if !matches!(
                    self.status,
                    DocumentStatus::Absent | DocumentStatus::Deleted
                ) {
                    return Err(DocumentError::Duplicate);
                }
                Ok(vec![E::DocumentUploaded {
                    document_id,
                    tenant_id,
                    collection_id,
                    filename: clean_filename(&filename),
                    media_type,
                    size_bytes,
                    sha256,
                    storage_key,
                }])
            }
            C::Fail { stage, reason } => {
                if matches!(
                    self.status,
                    DocumentStatus::Absent | DocumentStatus::Deleted
                ) {
                    return Err(DocumentError::NotFound);
                }
                if self.status == DocumentStatus::Failed {
                    return Err(DocumentError::AlreadyFailed);
                }
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(DocumentError::MissingReason);
                }
                Ok(vec![E::DocumentFailed {
                    stage,
                    reason: reason.to_owned(),
                }])
            }
            C::Delete { tenant_id } => {
                self.owned_by(tenant_id)?;
                Ok(vec![E::DocumentDeleted {
                    storage_key: self.storage_key.clone(),
                }])
            }
        }
    }
}

/// The last path component, without control characters, bounded.
fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "unnamed".to_owned()
    } else {
        cleaned.to_owned()
    }
}

impl crate::Rejection for DocumentError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            DocumentError::NotFound => crate::RejectionKind::NotFound,
            DocumentError::Duplicate => crate::RejectionKind::Conflict,
            DocumentError::AlreadyFailed | DocumentError::MissingReason => {
                crate::RejectionKind::Invalid
            }
        }
    }
}

crate::emit::event_sourced!(
    Document,
    "document",
    DocumentCommand,
    DocumentEvent,
    DocumentError
);

impl Document {
    /// Applies one event to the state.
    pub fn fold(&mut self, event: DocumentEvent) {
        match event {
            DocumentEvent::DocumentUploaded {
                document_id,
                tenant_id,
                storage_key,
                ..
            } => {
                self.id = Some(document_id);
                self.tenant = Some(tenant_id);
                self.storage_key = storage_key;
                self.status = DocumentStatus::Queued;
            }
            DocumentEvent::DocumentFailed { .. } => self.status = DocumentStatus::Failed,
            DocumentEvent::DocumentDeleted { .. } => self.status = DocumentStatus::Deleted,
        }
    }
}

#[cfg(test)]
mod tests;
