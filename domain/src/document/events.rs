//! What happened to a document (each event type versioned explicitly). The
//! quantities a tenant consumes (bytes stored, …) are in the events, for the
//! usage ledger.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::document::{DocumentSource, MediaType};
use crate::{CollectionId, DocumentId, TenantId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DocumentEvent {
    DocumentUploaded {
        document_id: DocumentId,
        tenant_id: TenantId,
        collection_id: CollectionId,
        filename: String,
        media_type: MediaType,
        size_bytes: u64,
        sha256: String,
        storage_key: String,
        /// Where a connector imported it from (absent for uploads).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<DocumentSource>,
    },
    /// Parsed and chunked; the chunks (text, page, offsets, heading path,
    /// tokens) are stored once under `chunks_key` (a claim check).
    DocumentParsed {
        pages: u32,
        chunks: u32,
        /// Tokens of all chunks, counted by the embedder's tokenizer.
        tokens: u64,
        chunks_key: String,
    },
    /// Every chunk has a vector of `model`; the vectors are stored once under
    /// `vectors_key`, so indexes rebuild without calling the model again.
    DocumentEmbedded {
        model: String,
        dimension: u32,
        chunks: u32,
        tokens: u64,
        vectors_key: String,
    },
    /// The search index holds every chunk of the document.
    DocumentIndexed {
        points: u32,
    },
    DocumentFailed {
        stage: String,
        reason: String,
    },
    DocumentDeleted {
        /// The object to remove from storage (the deletion is done by a worker
        /// reacting to this event, so it survives a crash).
        storage_key: String,
    },
}

impl DomainEvent for DocumentEvent {
    fn event_type(&self) -> String {
        match self {
            DocumentEvent::DocumentUploaded { .. } => "DocumentUploaded",
            DocumentEvent::DocumentParsed { .. } => "DocumentParsed",
            DocumentEvent::DocumentEmbedded { .. } => "DocumentEmbedded",
            DocumentEvent::DocumentIndexed { .. } => "DocumentIndexed",
            DocumentEvent::DocumentFailed { .. } => "DocumentFailed",
            DocumentEvent::DocumentDeleted { .. } => "DocumentDeleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            DocumentEvent::DocumentUploaded { .. }
            | DocumentEvent::DocumentParsed { .. }
            | DocumentEvent::DocumentEmbedded { .. }
            | DocumentEvent::DocumentIndexed { .. }
            | DocumentEvent::DocumentFailed { .. }
            | DocumentEvent::DocumentDeleted { .. } => "1",
        }
        .to_owned()
    }
}
