//! The query side of the product: hybrid retrieval (dense + BM25, fused by
//! reciprocal rank), prompt assembly, chat models and citations.
//!
//! Nothing here yet: it arrives with the chat issue. Planned module map:
//! `retrieval`, `prompt`, `models/` (extractive default, OpenAI-compatible),
//! `citations`.
