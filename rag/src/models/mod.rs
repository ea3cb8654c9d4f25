//! Chat models: one trait, and the set a deployment serves.
//!
//! `extractive` is always there: it needs no network and no key, and answers
//! with sentences taken from the retrieved passages, labelled as such. An
//! OpenAI-compatible endpoint, when configured, serves every other model id.

pub mod extractive;
pub mod openai;
pub mod tool_calls;

use std::sync::Arc;

use ancre_domain::assistant::EXTRACTIVE_MODEL;
use ancre_index::analyzer::Language;
use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::prompt::ChatMessage;
use crate::Source;

/// Everything a model may use to answer one question.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    /// The model id the assistant names.
    pub model: String,
    pub temperature: f32,
    /// The prompt (for models that read one).
    pub messages: Vec<ChatMessage>,
    /// The numbered sources (for models that work on passages directly).
    pub sources: Vec<Source>,
    pub question: String,
    pub language: Language,
}

/// A piece of the answer as the model produces it.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    /// What the model's provider counted, when it says (at the end).
    Usage {
        tokens_in: u64,
        tokens_out: u64,
    },
}

pub type DeltaStream = BoxStream<'static, Result<Delta, ChatError>>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    /// The model could not be reached or gave up; the user may retry.
    #[error("the chat model is unavailable: {0}")]
    Unavailable(String),
    /// The model refused the request (a key, a quota, a model name).
    #[error("the chat model refused the request: {0}")]
    Refused(String),
}

impl ChatError {
    /// What the user is told: the kind of failure, never the endpoint's
    /// address nor the provider's words (those go to the operator's logs).
    pub fn public_reason(&self) -> &'static str {
        match self {
            ChatError::Unavailable(_) => {
                "the chat model is unavailable right now; please try again in a moment"
            }
            ChatError::Refused(_) => {
                "the chat model refused this request; the details are in the server's logs"
            }
        }
    }
}

#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Starts answering; the stream ends with the answer. Dropping the stream
    /// stops generation (a remote call is cancelled).
    async fn stream(&self, request: ChatRequest) -> Result<DeltaStream, ChatError>;
}

/// The chat models of a deployment.
#[derive(Clone)]
pub struct ChatModels {
    extractive: Arc<extractive::Extractive>,
    remote: Option<Arc<openai::OpenAiChat>>,
    default_model: String,
}

impl Default for ChatModels {
    /// The offline deployment: extractive answers only.
    fn default() -> Self {
        ChatModels {
            extractive: Arc::new(extractive::Extractive::default()),
            remote: None,
            default_model: EXTRACTIVE_MODEL.to_owned(),
        }
    }
}

impl ChatModels {
    /// Extractive answers scored by meaning with `embedder` as well.
    pub fn offline(embedder: Arc<dyn ancre_ingestion::embedders::Embedder>) -> Self {
        ChatModels {
            extractive: Arc::new(extractive::Extractive::with_embedder(embedder)),
            ..Default::default()
        }
    }

    /// Extractive answers, and every other model id from this endpoint
    /// (whose default model becomes the default of new assistants).
    pub fn with_endpoint(mut self, config: openai::OpenAiChatConfig) -> Self {
        self.default_model = config.default_model.clone();
        self.remote = Some(Arc::new(openai::OpenAiChat::new(config)));
        self
    }

    /// The endpoint's model for tool-using conversations (the copilot), when
    /// the deployment has one (`ANCRE_CHAT=openai`): its default model.
    pub fn tool_model(&self) -> Option<(Arc<openai::OpenAiChat>, String)> {
        self.remote
            .clone()
            .map(|remote| (remote.clone(), remote.config().default_model.clone()))
    }

    /// The model new assistants get when they name none.
    pub fn default_model(&self) -> &str {
        &self.default_model
    }

    /// Whether an assistant may be set to `model`.
    pub fn serves(&self, model: &str) -> bool {
        self.get(model).is_some()
    }

    /// The model that answers for `model`, if this deployment has one.
    pub fn get(&self, model: &str) -> Option<Arc<dyn ChatModel>> {
        if model == EXTRACTIVE_MODEL {
            return Some(self.extractive.clone());
        }
        self.remote
            .clone()
            .filter(|remote| remote.allows(model))
            .map(|remote| remote as Arc<dyn ChatModel>)
    }

    /// The most tokens an answer of `model` may take, when the model is
    /// capped (a remote one: `ANCRE_CHAT_MAX_TOKENS`).
    pub fn answer_cap(&self, model: &str) -> Option<u64> {
        if model == EXTRACTIVE_MODEL {
            return None;
        }
        self.remote
            .as_ref()
            .map(|remote| u64::from(remote.config().max_tokens))
    }

    /// A sentence for a refused model id: what can be used instead.
    pub fn available_models_hint(&self) -> String {
        match &self.remote {
            None => format!(
                "this deployment serves only {EXTRACTIVE_MODEL:?} (answers extracted from your \
                 documents); set ANCRE_CHAT=openai to use other models"
            ),
            Some(remote) => {
                let config = remote.config();
                let mut models = vec![EXTRACTIVE_MODEL.to_owned(), config.default_model.clone()];
                for model in &config.models {
                    if !models.contains(model) {
                        models.push(model.clone());
                    }
                }
                format!(
                    "this deployment serves {} (ANCRE_CHAT_MODELS)",
                    models
                        .iter()
                        .map(|m| format!("{m:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_hint_names_each_served_model_once() {
        let models = ChatModels::default().with_endpoint(openai::OpenAiChatConfig {
            api_base: "http://127.0.0.1:9/v1".into(),
            api_key: String::new(),
            default_model: "gpt-4o-mini".into(),
            models: vec!["gpt-4.1".into(), "gpt-4o-mini".into()],
            max_tokens: 100,
            timeout: Duration::from_secs(1),
        });
        assert_eq!(
            models.available_models_hint(),
            "this deployment serves \"extractive\", \"gpt-4o-mini\", \"gpt-4.1\" (ANCRE_CHAT_MODELS)"
        );
        assert!(models.serves("gpt-4.1") && !models.serves("o1-pro"));
    }
}
