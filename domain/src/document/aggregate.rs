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
    /// Uploaded; waiting to be parsed.
    Queued,
    /// Parsed and chunked; waiting to be embedded.
    Parsed,
    /// Embedded; waiting to be indexed.
    Embedded,
    /// Searchable.
    Indexed,
    Failed,
    Deleted,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Absent => "absent",
            DocumentStatus::Queued => "queued",
            DocumentStatus::Parsed => "parsed",
            DocumentStatus::Embedded => "embedded",
            DocumentStatus::Indexed => "indexed",
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
    /// A stage reported twice (e.g. a worker restarted after reporting):
    /// the first report stands.
    #[error("the document is past this stage")]
    StageAlreadyDone,
    /// A stage reported out of order, or for a failed document.
    #[error("the document is not at this stage")]
    WrongStage,
    #[error("a failure needs a reason")]
    MissingReason,
}

impl Document {
    pub fn status(&self) -> DocumentStatus {
        self.status
    }

    /// Where its original is stored (empty before its upload).
    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    fn owned_by(&self, tenant: TenantId) -> Result<(), DocumentError> {
        match self.tenant {
            Some(owner) if owner == tenant && self.status != DocumentStatus::Deleted => Ok(()),
            _ => Err(DocumentError::NotFound),
        }
    }

    /// Stage results are accepted in order only: `expected` is the status
    /// the stage starts from.
    fn at_stage(&self, expected: DocumentStatus) -> Result<(), DocumentError> {
        use DocumentStatus as S;
        let rank = |s: DocumentStatus| match s {
            S::Queued => Some(0),
            S::Parsed => Some(1),
            S::Embedded => Some(2),
            S::Indexed => Some(3),
            S::Absent | S::Failed | S::Deleted => None,
        };
        match (rank(self.status), rank(expected)) {
            _ if self.status == expected => Ok(()),
            (None, _) if matches!(self.status, S::Absent | S::Deleted) => {
                Err(DocumentError::NotFound)
            }
            (Some(now), Some(wanted)) if now > wanted => Err(DocumentError::StageAlreadyDone),
            _ => Err(DocumentError::WrongStage),
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
                source,
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
                    source,
                }])
            }
            C::RecordParsed {
                pages,
                chunks,
                tokens,
                chunks_key,
            } => {
                self.at_stage(DocumentStatus::Queued)?;
                Ok(vec![E::DocumentParsed {
                    pages,
                    chunks,
                    tokens,
                    chunks_key,
                }])
            }
            C::RecordEmbedded {
                model,
                dimension,
                chunks,
                tokens,
                vectors_key,
            } => {
                self.at_stage(DocumentStatus::Parsed)?;
                Ok(vec![E::DocumentEmbedded {
                    model,
                    dimension,
                    chunks,
                    tokens,
                    vectors_key,
                }])
            }
            C::RecordIndexed { points } => {
                self.at_stage(DocumentStatus::Embedded)?;
                Ok(vec![E::DocumentIndexed { points }])
            }
            C::Fail { stage, reason } => {
                match self.status {
                    DocumentStatus::Absent | DocumentStatus::Deleted => {
                        return Err(DocumentError::NotFound)
                    }
                    DocumentStatus::Failed => return Err(DocumentError::AlreadyFailed),
                    DocumentStatus::Indexed => return Err(DocumentError::StageAlreadyDone),
                    DocumentStatus::Queued | DocumentStatus::Parsed | DocumentStatus::Embedded => {}
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
            DocumentError::Duplicate
            | DocumentError::StageAlreadyDone
            | DocumentError::WrongStage => crate::RejectionKind::Conflict,
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
            DocumentEvent::DocumentParsed { .. } => self.status = DocumentStatus::Parsed,
            DocumentEvent::DocumentEmbedded { .. } => self.status = DocumentStatus::Embedded,
            DocumentEvent::DocumentIndexed { .. } => self.status = DocumentStatus::Indexed,
            DocumentEvent::DocumentFailed { .. } => self.status = DocumentStatus::Failed,
            DocumentEvent::DocumentDeleted { .. } => self.status = DocumentStatus::Deleted,
        }
    }
}

#[cfg(test)]
mod tests;
