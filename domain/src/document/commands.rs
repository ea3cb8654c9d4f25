//! What can be asked of a document.

use crate::document::{DocumentSource, MediaType};
use crate::{CollectionId, DocumentId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub enum DocumentCommand {
    /// Record an upload whose bytes are already in object storage under `storage_key`.
    Upload {
        document_id: DocumentId,
        tenant_id: TenantId,
        collection_id: CollectionId,
        filename: String,
        media_type: MediaType,
        size_bytes: u64,
        sha256: String,
        storage_key: String,
        /// Set when a connector imported it.
        source: Option<DocumentSource>,
    },
    /// The pipeline's stages report their results (see the events).
    RecordParsed {
        pages: u32,
        chunks: u32,
        tokens: u64,
        chunks_key: String,
    },
    RecordEmbedded {
        model: String,
        dimension: u32,
        chunks: u32,
        tokens: u64,
        vectors_key: String,
    },
    RecordIndexed {
        points: u32,
    },
    /// The pipeline gives up on the document, with a reason a user can read.
    Fail {
        stage: String,
        reason: String,
    },
    Delete {
        tenant_id: TenantId,
    },
}
