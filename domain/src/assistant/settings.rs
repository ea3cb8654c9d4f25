//! What an assistant is made of, and the rules its settings obey.

use serde::{Deserialize, Serialize};

use crate::text::{bounded_text, valid_name, TextError};
use crate::CollectionId;

/// Longest assistant name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest instructions (the system prompt), in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 8000;
/// Most collections one assistant searches.
pub const MAX_COLLECTIONS: usize = 20;
/// Most passages retrieved for one question.
pub const MAX_TOP_K: u32 = 50;
/// The model id of the offline default: answers extracted from the passages.
pub const EXTRACTIVE_MODEL: &str = "extractive";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistantSettings {
    pub name: String,
    /// The system prompt: who the assistant is, how it answers.
    pub instructions: String,
    /// The chat model's id (`extractive`, `gpt-4o-mini`, an Ollama tag…).
    pub model: String,
    /// Sampling temperature, 0 to 2 (ignored by the extractive model).
    pub temperature: f32,
    /// The collections it answers from, in the order given, without repeats.
    pub collections: Vec<CollectionId>,
    pub retrieval: RetrievalSettings,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetrievalSettings {
    /// Passages given to the model per question, 1 to [`MAX_TOP_K`].
    pub top_k: u32,
    /// Weight of the dense (semantic) side in the fusion, 0 to 1; the keyword
    /// (BM25) side weighs `1 - dense_weight`. 0 = keyword only, 1 = dense only.
    pub dense_weight: f32,
    /// Rank the candidates again by their sentence closest to the question
    /// (twice `top_k` of them, each sentence embedded): finer, a few seconds
    /// slower per question on a CPU. Off by default; events recorded before
    /// it existed read as off.
    #[serde(default)]
    pub rerank: bool,
}

impl Default for RetrievalSettings {
    fn default() -> Self {
        RetrievalSettings {
            top_k: 6,
            dense_weight: 0.5,
            rerank: false,
        }
    }
}

impl RetrievalSettings {
    pub fn keyword_weight(&self) -> f32 {
        1.0 - self.dense_weight
    }
}

/// A partial update: `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssistantChanges {
    pub name: Option<String>,
    pub instructions: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub collections: Option<Vec<CollectionId>>,
    pub top_k: Option<u32>,
    pub dense_weight: Option<f32>,
    pub rerank: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid {field}: {problem}")]
    Text {
        field: &'static str,
        problem: TextError,
    },
    #[error("invalid temperature: it must be between 0 and 2")]
    Temperature,
    #[error("invalid top_k: it must be between 1 and {MAX_TOP_K}")]
    TopK,
    #[error("invalid dense_weight: it must be between 0 and 1")]
    DenseWeight,
    #[error("too many collections: at most {MAX_COLLECTIONS}")]
    TooManyCollections,
}

impl AssistantSettings {
    /// The settings as they will be recorded: texts trimmed, collections
    /// de-duplicated (first occurrence kept), every bound checked.
    pub fn validated(self) -> Result<AssistantSettings, SettingsError> {
        let text = |field| move |problem| SettingsError::Text { field, problem };
        let name = valid_name(&self.name, MAX_NAME_CHARS).map_err(text("name"))?;
        let instructions = bounded_text(&self.instructions, MAX_INSTRUCTIONS_CHARS)
            .map_err(text("instructions"))?;
        let model = valid_name(&self.model, MAX_NAME_CHARS).map_err(text("model"))?;
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(SettingsError::Temperature);
        }
        if !(1..=MAX_TOP_K).contains(&self.retrieval.top_k) {
            return Err(SettingsError::TopK);
        }
        if !(0.0..=1.0).contains(&self.retrieval.dense_weight) {
            return Err(SettingsError::DenseWeight);
        }
        let mut collections = Vec::with_capacity(self.collections.len());
        for id in self.collections {
            if !collections.contains(&id) {
                collections.push(id);
            }
        }
        if collections.len() > MAX_COLLECTIONS {
            return Err(SettingsError::TooManyCollections);
        }
        Ok(AssistantSettings {
            name,
            instructions,
            model,
            temperature: self.temperature,
            collections,
            retrieval: self.retrieval,
        })
    }

    /// These settings with `changes` applied (not yet validated).
    pub fn with(&self, changes: AssistantChanges) -> AssistantSettings {
        AssistantSettings {
            name: changes.name.unwrap_or_else(|| self.name.clone()),
            instructions: changes
                .instructions
                .unwrap_or_else(|| self.instructions.clone()),
            model: changes.model.unwrap_or_else(|| self.model.clone()),
            temperature: changes.temperature.unwrap_or(self.temperature),
            collections: changes
                .collections
                .unwrap_or_else(|| self.collections.clone()),
            retrieval: RetrievalSettings {
                top_k: changes.top_k.unwrap_or(self.retrieval.top_k),
                dense_weight: changes.dense_weight.unwrap_or(self.retrieval.dense_weight),
                rerank: changes.rerank.unwrap_or(self.retrieval.rerank),
            },
        }
    }
}
