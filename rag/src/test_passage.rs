//! A passage for unit tests, with neutral values: a test names the fields
//! it cares about and takes the rest from here (`..passage()`); and how
//! tests read an ordering back.

use ancre_domain::{CollectionId, DocumentId};
use ancre_projections::read::passages::PassageView;
use uuid::Uuid;

/// Chunk 0 on page 1 of `report.pdf` (nil ids), no headings, text "text".
pub fn passage() -> PassageView {
    PassageView {
        document_id: DocumentId(Uuid::nil()),
        collection_id: CollectionId(Uuid::nil()),
        title: "report.pdf".into(),
        chunk_index: 0,
        page: 1,
        page_label: None,
        heading_path: vec![],
        char_start: 0,
        char_end: 1,
        token_count: 1,
        text: "text".into(),
    }
}

/// `document` as an id (`Uuid::from_u128`).
pub fn document(document: u128) -> DocumentId {
    DocumentId(Uuid::from_u128(document))
}

/// The chunk indices of `sources`, in their order: what a reordering test
/// compares.
pub fn chunks(sources: &[crate::Source]) -> Vec<i32> {
    sources.iter().map(|s| s.passage.chunk_index).collect()
}
