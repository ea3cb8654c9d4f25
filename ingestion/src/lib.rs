//! The document pipeline (upload → parse → chunk → embed → index).
//!
//! Module map:
//! - [`storage`]: object storage for raw files and artifacts (local folder, or
//!   an S3-API bucket through `aws-sdk-s3`), behind the
//!   [`storage::ObjectStore`] trait. Events carry keys, never bytes.
//! - [`detect`]: what a file is, decided from its content.
//! - [`collection_cleanup`]: deletes a deleted collection's documents (a
//!   process manager: `CollectionDeleted` in, `Delete` commands out).
//! - [`janitor`]: removes a deleted document's stored objects (a projector, so
//!   a crash between the deletion event and the file removal loses nothing).
//!
//! - [`parsers`]: file bytes → pages of text with their heading sections, one
//!   file per format (text, Markdown, HTML, DOCX, PPTX).
//!
//! - [`chunker`]: pages → passages within the embedder's token budget, never
//!   across a page or a section, with exact character offsets.
//!
//! - [`pdf`]: PDF pages and printed labels through pdfium, in a child process
//!   with memory and time limits (`ancre parse-pdf`, or the `ancre-pdf` bin).
//!
//! - [`embedders`]: the [`embedders::Embedder`] trait (its tokenizer counts
//!   the chunker's tokens) and the local multilingual-e5-small.
//! - [`artifacts`]: the chunks and vectors a document's stages store once.
//! - [`pipeline`]: the work queue (kept by the `pipeline` projector) and the
//!   workers running the parse and embed stages.
//! - [`chunks_projector`]: the `chunks` read model, from the chunks artifact.
//! - [`search_index`]: the `search_index` projector: embedded documents become
//!   points of the hybrid index (`ancre-index`), then `indexed`.
//! - [`follow_up`]: metadata for commands caused by an event.
//!
//! Still to come (see the documents issue): OpenAI-compatible embeddings.

pub mod artifacts;
pub mod chunker;
pub mod chunks_projector;
pub mod collection_cleanup;
pub mod detect;
pub mod embedders;
pub mod follow_up;
pub mod janitor;
pub mod page_furniture;
pub mod parsers;
pub mod pdf;
pub mod pipeline;
pub mod search_index;
pub mod storage;

/// The shared test corpus (`../shared/corpus`, beside the clone).
#[cfg(test)]
mod test_corpus {
    pub fn path(path: &str) -> std::path::PathBuf {
        ancre_testkit::manifest_dir()
            .join("../../shared/corpus")
            .join(path)
    }

    pub fn corpus(path: &str) -> Vec<u8> {
        let full = self::path(path);
        std::fs::read(&full).unwrap_or_else(|e| panic!("corpus file {}: {e}", full.display()))
    }
}
