//! OpenAI embeddings (`text-embedding-3-small` by default) or any endpoint
//! speaking the same protocol (vLLM, Ollama, LiteLLM…), through
//! `async-openai`.
//!
//! - Vectors come back with their `index`; they are put in input order, their
//!   dimension checked against the configured one and L2-normalised (OpenAI's
//!   already are; other servers' may not be).
//! - Rate limits, server errors and network trouble are `Transient` (the
//!   pipeline retries with backoff; async-openai has already retried a 429
//!   a few times within the call, honouring `Retry-After`); a refused key, an unknown model or an
//!   invalid input are `Permanent`, with the endpoint's own message.
//! - Tokens are counted by a local tokenizer (the chunker needs counts before
//!   anything is sent); the endpoint's own count is logged per call.

use std::sync::Arc;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use async_openai::Client;
use async_trait::async_trait;

use super::{EmbedError, Embedder};
use crate::chunker::TokenCounter;

#[derive(Clone)]
pub struct OpenAiEmbedderConfig {
    /// `https://api.openai.com/v1`, or another server's base (with `/v1`).
    pub api_base: String,
    pub api_key: String,
    pub model: String,
    /// The dimension of the vectors the model returns.
    pub dimension: usize,
    /// Send `dimensions` (only models that can shorten their vectors, like
    /// OpenAI's `text-embedding-3-*`, accept it).
    pub request_dimension: bool,
    pub batch_size: usize,
    pub timeout: Duration,
}

/// Without the key: configurations get logged.
impl std::fmt::Debug for OpenAiEmbedderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedderConfig")
            .field("api_base", &self.api_base)
            .field("model", &self.model)
            .field("dimension", &self.dimension)
            .field("request_dimension", &self.request_dimension)
            .field("batch_size", &self.batch_size)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedderConfig {
    /// The native dimension of well-known OpenAI models.
    pub fn known_dimension(model: &str) -> Option<usize> {
        match model {
            "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
            "text-embedding-3-large" => Some(3072),
            _ => None,
        }
    }
}

pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    config: OpenAiEmbedderConfig,
    tokens: Arc<dyn TokenCounter + Send + Sync>,
}

impl OpenAiEmbedder {
    pub fn new(config: OpenAiEmbedderConfig, tokens: Arc<dyn TokenCounter + Send + Sync>) -> Self {
        let openai = OpenAIConfig::new()
            .with_api_base(config.api_base.trim_end_matches('/'))
            .with_api_key(&config.api_key);
        Self {
            client: Client::with_config(openai),
            config,
            tokens,
        }
    }

    async fn embed(&self, inputs: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let expected = inputs.len();
        let request = CreateEmbeddingRequest {
            model: self.config.model.clone(),
            input: EmbeddingInput::StringArray(inputs),
            encoding_format: None,
            user: None,
            dimensions: self
                .config
                .request_dimension
                .then_some(self.config.dimension as u32),
        };
        // A hung endpoint must not hold the pipeline's worker forever.
        let response = tokio::time::timeout(
            self.config.timeout,
            self.client.embeddings().create(request),
        )
        .await
        .map_err(|_| {
            EmbedError::Transient(format!(
                "the embedding endpoint {} did not answer within {:?}",
                self.config.api_base, self.config.timeout
            ))
        })?
        .map_err(|e| classify(&self.config.api_base, e))?;
        tracing::debug!(
            inputs = expected,
            billed_tokens = response.usage.prompt_tokens,
            "embedded remotely"
        );

        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in response.data {
            let slot = vectors.get_mut(item.index as usize).ok_or_else(|| {
                EmbedError::Transient(format!(
                    "the embedding endpoint answered for input {} of {expected}",
                    item.index
                ))
            })?;
            if item.embedding.len() != self.config.dimension {
                return Err(EmbedError::Permanent(format!(
                    "the embedding endpoint returned {}-d vectors for {}, configured {}-d \
                     (set ANCRE_EMBEDDING_DIMENSION)",
                    item.embedding.len(),
                    self.config.model,
                    self.config.dimension
                )));
            }
            *slot = Some(normalised(item.embedding).ok_or_else(|| {
                EmbedError::Permanent("the embedding endpoint returned a zero vector".into())
            })?);
        }
        vectors
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| {
                    EmbedError::Transient(format!(
                        "the embedding endpoint returned no vector for input {i} of {expected}"
                    ))
                })
            })
            .collect()
    }
}

impl TokenCounter for OpenAiEmbedder {
    fn count(&self, text: &str) -> usize {
        self.tokens.count(text)
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.config.model
    }

    fn dimension(&self) -> usize {
        self.config.dimension
    }

    fn batch_size(&self) -> usize {
        self.config.batch_size
    }

    async fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed(texts.to_vec()).await
    }

    async fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut vectors = self.embed(vec![text.to_owned()]).await?;
        vectors
            .pop()
            .ok_or_else(|| EmbedError::Transient("no vector for the query".into()))
    }
}

fn normalised(mut v: Vec<f32>) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

/// Which failures are worth retrying, said in words an operator can act on.
fn classify(api_base: &str, error: OpenAIError) -> EmbedError {
    match error {
        OpenAIError::ApiError(e) => {
            let status = e.status_code.as_u16();
            let message = format!("the embedding endpoint answered {status}: {}", e.api_error);
            match status {
                408 | 409 | 429 | 500..=599 => EmbedError::Transient(message),
                401 | 403 => EmbedError::Permanent(format!("{message} (check OPENAI_API_KEY)")),
                _ => EmbedError::Permanent(message),
            }
        }
        OpenAIError::Reqwest(e) => EmbedError::Transient(format!(
            "the embedding endpoint {api_base} is unreachable: {e}"
        )),
        OpenAIError::JSONDeserialize(e, _) => EmbedError::Transient(format!(
            "the embedding endpoint {api_base} answered something else than embeddings: {e}"
        )),
        other => EmbedError::Permanent(format!("embedding request refused: {other}")),
    }
}
