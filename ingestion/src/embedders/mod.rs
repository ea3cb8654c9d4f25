//! Embedders: passages and queries → vectors, behind one trait.
//!
//! - `local_e5` (the default): multilingual-e5-small on the CPU, offline.
//! - `openai`: OpenAI or any OpenAI-compatible endpoint (`async-openai`).
//!
//! An embedder names its model and dimension; both are recorded in
//! `DocumentEmbedded`, and vectors of two models never meet in one index.
//! Its tokenizer is the chunker's [`TokenCounter`], so chunks fit the model.

pub mod local_e5;
pub mod openai;

use async_trait::async_trait;

use crate::chunker::TokenCounter;

#[async_trait]
pub trait Embedder: TokenCounter + Send + Sync + 'static {
    /// A stable id of the model and its weights (part of artifact keys).
    fn model(&self) -> &str;
    fn dimension(&self) -> usize;
    /// How many passages the pipeline sends per call (also the step of the
    /// progress a user sees).
    fn batch_size(&self) -> usize;
    /// Vectors of passages, in order, L2-normalised.
    async fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
    async fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError>;
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum EmbedError {
    /// Worth retrying later (a remote endpoint down or rate-limiting).
    #[error("{0}")]
    Transient(String),
    /// Retrying will not help (a misconfiguration, an invalid input).
    #[error("{0}")]
    Permanent(String),
}
