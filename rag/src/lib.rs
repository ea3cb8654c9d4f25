//! The query side of the product: hybrid retrieval (dense + BM25, fused by
//! reciprocal rank), prompt assembly, chat models and citations.
//!
//! Module map:
//! - [`retrieval`]: a question → the numbered [`Source`]s an answer may cite,
//!   restricted to the tenant and the assistant's collections in the index
//!   query, then checked again against the read models.
//! - [`search_pool`]: the threads index searches run on (one per core by
//!   default), in arrival order.
//! - [`prompt`]: the messages a chat model gets (instructions, rules in the
//!   question's language, numbered sources, recent turns).
//! - [`segment`]: a passage's sentences and table rows, the units quoted in
//!   excerpts and extractive answers.
//! - [`sentence_rerank`]: candidates ranked again by their sentence closest
//!   to the question (an assistant's `rerank` setting).
//! - [`citations`]: markers `[n]` — dropping those that point nowhere, even
//!   split across streamed tokens — and the citations they stand for.
//! - [`models`]: the chat models a deployment serves (the extractive default,
//!   and an OpenAI-compatible endpoint when configured).
//! - [`answer`]: one question answered end to end, streamed as [`ChatEvent`]s.

pub mod answer;
pub mod citations;
pub mod document_focus;
pub mod heading_hits;
pub mod keyword_query;
pub mod models;
pub mod page_spread;
pub mod prompt;
pub mod rank_fusion;
pub mod retrieval;
pub mod search_pool;
pub mod segment;
pub mod sentence_rerank;
pub mod statement_focus;
#[cfg(test)]
mod test_passage;

pub use ancre_index::analyzer::Language;
pub use answer::{Answered, Answerer, ChatEvent, Question};
pub use retrieval::{LegRank, PreviewHit, RetrievalError, Retriever, Search, Source};
