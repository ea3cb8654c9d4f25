//! OpenAI chat completions (`gpt-4o-mini` by default) or any endpoint that
//! speaks the same streaming protocol (Ollama, vLLM, LiteLLM…), through
//! `async-openai`.
//!
//! The answer streams as the endpoint produces it; the usage the endpoint
//! reports at the end (`stream_options.include_usage`) is passed on. Dropping
//! the stream drops the HTTP response, which closes the connection: the
//! endpoint stops generating (and billing) when our client hangs up.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionResponseStream, ChatCompletionStreamOptions, CreateChatCompletionRequest,
};
use async_openai::Client;
use async_trait::async_trait;
use futures::StreamExt;

use super::{ChatError, ChatModel, ChatRequest, Delta, DeltaStream};
use crate::prompt::Role;

#[derive(Clone)]
pub struct OpenAiChatConfig {
    /// `https://api.openai.com/v1`, or another server's base (with `/v1`).
    pub api_base: String,
    pub api_key: String,
    /// The model new assistants get by default (`gpt-4o-mini`).
    pub default_model: String,
    /// The models assistants may name (the default one among them): any
    /// other id never reaches the endpoint, which bills by model.
    pub models: Vec<String>,
    /// The most tokens one answer may take (`max_completion_tokens` of every
    /// request): what a turn can cost is bounded before it starts.
    pub max_tokens: u32,
    /// Longest wait for the first byte of an answer, and between two pieces.
    pub timeout: Duration,
}

/// Without the key: configurations get logged.
impl std::fmt::Debug for OpenAiChatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiChatConfig")
            .field("api_base", &self.api_base)
            .field("default_model", &self.default_model)
            .field("models", &self.models)
            .field("max_tokens", &self.max_tokens)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

pub struct OpenAiChat {
    client: Client<OpenAIConfig>,
    config: OpenAiChatConfig,
}

impl OpenAiChat {
    pub fn new(config: OpenAiChatConfig) -> Self {
        let openai = OpenAIConfig::new()
            .with_api_base(config.api_base.trim_end_matches('/'))
            .with_api_key(&config.api_key);
        OpenAiChat {
            client: Client::with_config(openai),
            config,
        }
    }

    pub fn config(&self) -> &OpenAiChatConfig {
        &self.config
    }

    /// Sends `body` as a stream capped at the deployment's answer length,
    /// its usage reported at the end; an error if the endpoint does not
    /// answer within the timeout.
    pub(crate) async fn open_stream(
        &self,
        mut body: CreateChatCompletionRequest,
    ) -> Result<ChatCompletionResponseStream, ChatError> {
        body.max_completion_tokens = Some(self.config.max_tokens);
        body.stream_options = Some(ChatCompletionStreamOptions {
            include_usage: Some(true),
            ..Default::default()
        });
        let (api_base, timeout) = (&self.config.api_base, self.config.timeout);
        tokio::time::timeout(timeout, self.client.chat().create_stream(body))
            .await
            .map_err(|_| {
                ChatError::Unavailable(format!(
                    "the chat endpoint {api_base} did not answer within {timeout:?}"
                ))
            })?
            .map_err(|e| classify(api_base, e))
    }

    /// Whether assistants may name `model` (the default is always allowed).
    pub fn allows(&self, model: &str) -> bool {
        model == self.config.default_model || self.config.models.iter().any(|m| m == model)
    }
}

fn message(role: Role, content: String) -> ChatCompletionRequestMessage {
    match role {
        Role::System => ChatCompletionRequestSystemMessage::from(content).into(),
        Role::User => ChatCompletionRequestUserMessage::from(content).into(),
        Role::Assistant => ChatCompletionRequestAssistantMessage::from(content).into(),
    }
}

#[async_trait]
impl ChatModel for OpenAiChat {
    async fn stream(&self, request: ChatRequest) -> Result<DeltaStream, ChatError> {
        let body = CreateChatCompletionRequest {
            model: request.model.clone(),
            messages: request
                .messages
                .into_iter()
                .map(|m| message(m.role, m.content))
                .collect(),
            temperature: Some(request.temperature),
            ..Default::default()
        };
        let api_base = self.config.api_base.clone();
        let timeout = self.config.timeout;
        let stream = self.open_stream(body).await?;
        // One answer = its text pieces, then its usage; a silent endpoint
        // fails the answer after `timeout` instead of hanging the turn.
        let deltas = futures::stream::unfold(Some(stream), move |stream| {
            let api_base = api_base.clone();
            async move {
                let mut stream = stream?;
                loop {
                    let next = match tokio::time::timeout(timeout, stream.next()).await {
                        Err(_) => return Some((vec![Err(stalled(&api_base, timeout))], None)),
                        Ok(None) => return None,
                        Ok(Some(next)) => next,
                    };
                    match next {
                        Err(e) => return Some((vec![Err(classify(&api_base, e))], None)),
                        Ok(chunk) => {
                            let mut out = Vec::new();
                            for choice in chunk.choices {
                                if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                                    out.push(Ok(Delta::Text(text)));
                                }
                            }
                            if let Some(usage) = chunk.usage {
                                out.push(Ok(Delta::Usage {
                                    tokens_in: u64::from(usage.prompt_tokens),
                                    tokens_out: u64::from(usage.completion_tokens),
                                }));
                            }
                            if !out.is_empty() {
                                return Some((out, Some(stream)));
                            }
                        }
                    }
                }
            }
        })
        .flat_map(futures::stream::iter);
        Ok(deltas.boxed())
    }
}

/// An endpoint silent for longer than `timeout` in the middle of an answer.
pub(crate) fn stalled(api_base: &str, timeout: Duration) -> ChatError {
    ChatError::Unavailable(format!(
        "the chat endpoint {api_base} stopped answering for {timeout:?}"
    ))
}

/// Which failures a user may retry, in words an operator can act on.
pub(crate) fn classify(api_base: &str, error: OpenAIError) -> ChatError {
    match error {
        OpenAIError::ApiError(e) => {
            let status = e.status_code.as_u16();
            let message = format!("the chat endpoint answered {status}: {}", e.api_error);
            match status {
                408 | 409 | 429 | 500..=599 => ChatError::Unavailable(message),
                401 | 403 => ChatError::Refused(format!("{message} (check OPENAI_API_KEY)")),
                _ => ChatError::Refused(message),
            }
        }
        OpenAIError::Reqwest(e) => {
            ChatError::Unavailable(format!("the chat endpoint {api_base} is unreachable: {e}"))
        }
        OpenAIError::StreamError(e) => {
            ChatError::Unavailable(format!("the chat endpoint {api_base} broke off: {e}"))
        }
        OpenAIError::JSONDeserialize(e, _) => ChatError::Unavailable(format!(
            "the chat endpoint {api_base} answered something else than a chat stream: {e}"
        )),
        other => ChatError::Refused(format!("chat request refused: {other}")),
    }
}
