//! The `Document` aggregate: one uploaded file and its way through the
//! pipeline (uploaded → parsed → embedded → indexed, or failed; deleted).
//!
//! The bytes never enter the log: the upload event names the object-storage
//! key and the SHA-256 (a claim check). A document's id is derived from its
//! collection and its content hash, so uploading the same bytes into the same
//! collection twice lands on the same aggregate and is reported as a
//! duplicate — even when the two uploads race.

mod aggregate;
mod commands;
mod events;
mod media_type;
mod source;

pub use aggregate::{Document, DocumentError, DocumentStatus};
pub use commands::DocumentCommand;
pub use events::DocumentEvent;
pub use media_type::MediaType;
pub use source::DocumentSource;

use uuid::Uuid;

use crate::{CollectionId, DocumentId};

/// Longest file name we keep, in characters (longer ones are cut).
pub const MAX_FILENAME_CHARS: usize = 255;

/// The id of the document holding these bytes in this collection.
pub fn document_id_for(collection: CollectionId, sha256_hex: &str) -> DocumentId {
    let mut name = collection.0.as_bytes().to_vec();
    name.extend_from_slice(sha256_hex.as_bytes());
    DocumentId(Uuid::new_v5(&Uuid::NAMESPACE_OID, &name))
}
