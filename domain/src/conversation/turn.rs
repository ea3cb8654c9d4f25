//! One question and its answer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::DocumentId;

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 4000;

/// Minted by the edge for each question, so that recording a turn twice (a
/// retried command) records it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TurnId(pub Uuid);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub turn_id: TurnId,
    pub question: String,
    /// The answer exactly as streamed to the user (partial if interrupted).
    pub answer: String,
    /// The sources the answer cites, by their marker number.
    pub citations: Vec<Citation>,
    /// The chat model that answered.
    pub model: String,
    pub usage: TurnUsage,
    pub outcome: TurnOutcome,
}

/// A numbered source of an answer: `[number]` in the text points here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub number: u32,
    pub document_id: DocumentId,
    /// The document's name when it was cited.
    pub title: String,
    pub chunk_index: u32,
    /// Physical page (slide) number, from 1.
    pub page: u32,
    /// The page's printed label, when the document has one ("iv", "12").
    pub page_label: Option<String>,
    /// The cited text.
    pub excerpt: String,
    /// Character offsets of the excerpt in its page's text.
    pub char_start: u32,
    pub char_end: u32,
    /// Retrieval score (reciprocal-rank fusion): orders sources of one answer.
    pub score: f32,
}

/// What one turn consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnUsage {
    /// Tokens sent to the model (instructions, sources, history, question).
    pub tokens_in: u64,
    /// Tokens the model produced — and that reached the user.
    pub tokens_out: u64,
    /// Passages retrieved and given to the model.
    pub chunks_retrieved: u32,
    /// Chat-model tokens reserved in the usage period when the turn started
    /// (given back when the turn is recorded). Absent from turns recorded
    /// before reservations existed: nothing to give back.
    #[serde(default)]
    pub tokens_reserved: u64,
    /// Milliseconds from the answer's start to its first token sent to the
    /// user; absent when none was sent (a failure before any) and from
    /// turns recorded before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TurnOutcome {
    /// The model finished its answer.
    Complete,
    /// The client went away: the answer holds what was produced until then.
    Interrupted,
    /// The model or retrieval failed; `reason` is what the user was told.
    Failed { reason: String },
}
