//! The AG-UI protocol's wire types, as our agent endpoint reads and writes
//! them: the run's input (`RunAgentInput`, POSTed as JSON) and the events
//! streamed back as Server-Sent Events (`data: <event JSON>`), camelCase,
//! each tagged by `type`. Frames end with `\n\n` (never CRLF: the
//! TypeScript client splits on `\n\n`); AG-UI clients from 0.0.59
//! (CopilotKit 1.74 bundles it) to 1.0 read them.
//!
//! Only what this agent uses is typed; unknown input fields are ignored, as
//! AG-UI clients add fields over versions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol version our events follow.
pub const PROTOCOL_VERSION: &str = "1.0";

/// The body of a run request.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAgentInput {
    pub thread_id: String,
    pub run_id: String,
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Tools the frontend offers (ours are the server's; these are ignored).
    #[serde(default)]
    pub tools: Vec<Value>,
    #[serde(default)]
    pub context: Vec<Value>,
    #[serde(default)]
    pub state: Value,
    #[serde(default)]
    pub forwarded_props: Value,
}

/// A message of the thread so far.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    #[serde(default)]
    pub id: String,
    pub role: String,
    /// Text, or absent (an assistant message made of tool calls).
    #[serde(default)]
    pub content: Option<Value>,
}

impl Message {
    /// The message's text: a string, or the text parts of a list of parts.
    pub fn text(&self) -> String {
        match &self.content {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        }
    }
}

/// The last user message of the thread: what this run answers.
pub fn last_user_text(input: &RunAgentInput) -> Option<String> {
    input
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map(Message::text)
        .filter(|t| !t.trim().is_empty())
}

/// An event of the run's stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Event {
    /// `protocolVersion` is the AG-UI version the events follow ("1.0").
    #[serde(rename_all = "camelCase")]
    RunStarted {
        thread_id: String,
        run_id: String,
        protocol_version: String,
    },
    #[serde(rename_all = "camelCase")]
    RunFinished {
        thread_id: String,
        run_id: String,
    },
    #[serde(rename_all = "camelCase")]
    RunError {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    TextMessageStart {
        message_id: String,
        role: String,
    },
    /// `delta` is never empty (the protocol requires it).
    #[serde(rename_all = "camelCase")]
    TextMessageContent {
        message_id: String,
        delta: String,
    },
    #[serde(rename_all = "camelCase")]
    TextMessageEnd {
        message_id: String,
    },
    #[serde(rename_all = "camelCase")]
    ToolCallStart {
        tool_call_id: String,
        tool_call_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_message_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    ToolCallArgs {
        tool_call_id: String,
        delta: String,
    },
    #[serde(rename_all = "camelCase")]
    ToolCallEnd {
        tool_call_id: String,
    },
    /// The tool's result, as text (our tools answer JSON).
    #[serde(rename_all = "camelCase")]
    ToolCallResult {
        message_id: String,
        tool_call_id: String,
        content: String,
        role: String,
    },
    StateSnapshot {
        snapshot: Value,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_and_camel_cased() {
        let e = Event::ToolCallStart {
            tool_call_id: "t1".into(),
            tool_call_name: "show_kpis".into(),
            parent_message_id: None,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "TOOL_CALL_START", "toolCallId": "t1", "toolCallName": "show_kpis"})
        );
        let e = Event::RunStarted {
            thread_id: "th".into(),
            run_id: "r".into(),
            protocol_version: PROTOCOL_VERSION.into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "RUN_STARTED", "threadId": "th", "runId": "r", "protocolVersion": "1.0"})
        );
    }

    #[test]
    fn the_last_user_message_is_read_whatever_its_shape() {
        let input: RunAgentInput = serde_json::from_value(serde_json::json!({
            "threadId": "t", "runId": "r", "state": {}, "tools": [], "context": [],
            "forwardedProps": {},
            "messages": [
                {"id": "1", "role": "user", "content": "first"},
                {"id": "2", "role": "assistant", "toolCalls": []},
                {"id": "3", "role": "user", "content": [{"type": "text", "text": "show my KPIs"}]}
            ]
        }))
        .unwrap();
        assert_eq!(last_user_text(&input).as_deref(), Some("show my KPIs"));
    }
}
