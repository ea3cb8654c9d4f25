//! One step of a tool-using conversation with an OpenAI-compatible endpoint:
//! the messages so far and the tools offered → the model's reply, which is
//! either text or calls of some of the tools (read from the streamed
//! `tool_calls` deltas, whose arguments arrive in pieces).
//!
//! The caller runs the tools, appends their results as [`StepMessage::Tool`]
//! and asks again; this module keeps no state between steps.

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestAssistantMessageContent,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestToolMessageContent,
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, FunctionCall, FunctionObject,
};
use futures::StreamExt;
use serde_json::Value;

use super::openai::{classify, stalled, OpenAiChat};
use super::ChatError;

/// A tool the model may call: its name, what it does (the model reads this
/// to choose), and its arguments as a JSON Schema object.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// A call the model made: `arguments` is the JSON text it wrote (not
/// necessarily valid: check it before use).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone)]
pub enum StepMessage {
    System(String),
    User(String),
    /// The model's earlier reply: its text, or its tool calls.
    Assistant {
        text: Option<String>,
        calls: Vec<ToolCall>,
    },
    /// A tool's result, for the call `call_id`.
    Tool {
        call_id: String,
        content: String,
    },
}

/// What the model answered this step, and what the step cost.
#[derive(Debug, Clone, Default)]
pub struct StepReply {
    pub text: String,
    pub calls: Vec<ToolCall>,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

impl From<StepMessage> for ChatCompletionRequestMessage {
    fn from(message: StepMessage) -> Self {
        match message {
            StepMessage::System(text) => ChatCompletionRequestSystemMessage::from(text).into(),
            StepMessage::User(text) => ChatCompletionRequestUserMessage::from(text).into(),
            StepMessage::Assistant { text, calls } => ChatCompletionRequestAssistantMessage {
                content: text.map(ChatCompletionRequestAssistantMessageContent::Text),
                tool_calls: (!calls.is_empty()).then(|| {
                    calls
                        .into_iter()
                        .map(|c| {
                            ChatCompletionMessageToolCalls::Function(
                                ChatCompletionMessageToolCall {
                                    id: c.id,
                                    function: FunctionCall {
                                        name: c.name,
                                        arguments: c.arguments,
                                    },
                                },
                            )
                        })
                        .collect()
                }),
                ..Default::default()
            }
            .into(),
            StepMessage::Tool { call_id, content } => ChatCompletionRequestToolMessage {
                content: ChatCompletionRequestToolMessageContent::Text(content),
                tool_call_id: call_id,
            }
            .into(),
        }
    }
}

impl OpenAiChat {
    /// Asks `model` for its next reply to `messages`, offering `tools`.
    pub async fn step(
        &self,
        model: &str,
        messages: Vec<StepMessage>,
        tools: &[ToolSpec],
    ) -> Result<StepReply, ChatError> {
        let config = self.config();
        let body = CreateChatCompletionRequest {
            model: model.to_owned(),
            messages: messages.into_iter().map(Into::into).collect(),
            // An empty list is refused by OpenAI: no tools, no field.
            tools: (!tools.is_empty()).then(|| {
                tools
                    .iter()
                    .map(|t| {
                        ChatCompletionTools::Function(ChatCompletionTool {
                            function: FunctionObject {
                                name: t.name.to_owned(),
                                description: Some(t.description.to_owned()),
                                parameters: Some(t.parameters.clone()),
                                strict: None,
                            },
                        })
                    })
                    .collect()
            }),
            ..Default::default()
        };
        let (api_base, timeout) = (config.api_base.as_str(), config.timeout);
        let mut stream = self.open_stream(body).await?;
        let mut reply = StepReply::default();
        loop {
            let chunk = match tokio::time::timeout(timeout, stream.next()).await {
                Err(_) => return Err(stalled(api_base, timeout)),
                Ok(None) => break,
                Ok(Some(chunk)) => chunk.map_err(|e| classify(api_base, e))?,
            };
            for choice in chunk.choices {
                if let Some(text) = choice.delta.content {
                    reply.text.push_str(&text);
                }
                // A call's id and name come in its first piece, its
                // arguments in pieces after; `index` says whose piece it is.
                for piece in choice.delta.tool_calls.unwrap_or_default() {
                    let index = piece.index as usize;
                    while reply.calls.len() <= index {
                        reply.calls.push(ToolCall {
                            id: String::new(),
                            name: String::new(),
                            arguments: String::new(),
                        });
                    }
                    let call = &mut reply.calls[index];
                    if let Some(id) = piece.id {
                        call.id = id;
                    }
                    if let Some(function) = piece.function {
                        if let Some(name) = function.name {
                            call.name.push_str(&name);
                        }
                        if let Some(arguments) = function.arguments {
                            call.arguments.push_str(&arguments);
                        }
                    }
                }
            }
            if let Some(usage) = chunk.usage {
                reply.tokens_in += u64::from(usage.prompt_tokens);
                reply.tokens_out += u64::from(usage.completion_tokens);
            }
        }
        if reply
            .calls
            .iter()
            .any(|c| c.id.is_empty() || c.name.is_empty())
        {
            return Err(ChatError::Unavailable(format!(
                "the chat endpoint {api_base} sent a tool call without its id or name"
            )));
        }
        Ok(reply)
    }
}
