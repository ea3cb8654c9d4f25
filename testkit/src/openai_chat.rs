//! The Chat Completions streaming protocol for [`FakeOpenAi`]
//! (`POST /v1/chat/completions` with `stream: true`): Server-Sent Events of
//! `chat.completion.chunk` objects — the role first, then content deltas,
//! then `finish_reason: "stop"`, then (with `stream_options.include_usage`)
//! a chunk with empty `choices` and the `usage`, then `data: [DONE]`.
//!
//! A reply may instead be tool calls ([`FakeOpenAi::queue_replies`]): a
//! first piece per call with its id and function name, then its arguments
//! in two pieces, `finish_reason: "tool_calls"`. Requests may carry
//! `tools`, assistant messages with `tool_calls`, and `tool` messages
//! answering them — checked as the real endpoint checks them.
//!
//! What it answers is scripted by the test ([`FakeOpenAi::script_answer`]),
//! one piece per chunk with a pause between pieces; by default it quotes the
//! first sentence of the system prompt's first source and cites it `[1]`. It
//! records each request, and notices when the client hangs up mid-answer:
//! [`FakeOpenAi::hang_ups`] says after how many pieces.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::openai::{error, refusal, AppState, FakeOpenAi};

/// What the next chat answers stream.
#[derive(Debug, Clone, Default)]
pub struct ChatScript {
    pub pieces: Vec<String>,
    pub pause: Duration,
}

/// One queued reply: text pieces, or calls of offered tools
/// (function name, arguments).
#[derive(Debug, Clone)]
pub enum Reply {
    Text(Vec<String>),
    ToolCalls(Vec<(String, Value)>),
}

/// How the streams this server sent ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatStreams {
    /// Streams sent to the end.
    pub completed: usize,
    /// For each stream the client abandoned, the pieces sent before it did.
    pub hang_ups: Vec<usize>,
}

impl FakeOpenAi {
    /// The next chat answers stream these pieces, `pause` apart.
    pub fn script_answer(&self, pieces: &[&str], pause: Duration) {
        self.shared.lock().unwrap().chat_script = Some(ChatScript {
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            pause,
        });
    }

    /// The next chat requests get these replies, one each, in order.
    pub fn queue_replies(&self, replies: Vec<Reply>) {
        self.shared.lock().unwrap().chat_replies.extend(replies);
    }

    /// Every chat request body received so far.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.shared.lock().unwrap().chat_requests.clone()
    }

    /// How the chat streams ended so far.
    pub fn chat_streams(&self) -> ChatStreams {
        self.shared.lock().unwrap().chat_streams.clone()
    }
}

/// The default answer: the first source's first sentence, cited.
fn default_pieces(request: &Value) -> Vec<String> {
    let system = request["messages"][0]["content"]
        .as_str()
        .unwrap_or_default();
    let quoted = system
        .split_once("\n[1] ")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .and_then(|(_, text)| text.split(['.', '\n']).next())
        .unwrap_or("nothing");
    let answer = format!("According to the sources, {} [1].", quoted.trim());
    answer.split_inclusive(' ').map(str::to_owned).collect()
}

/// What the fake reports a request's prompt cost: its messages' words.
pub fn prompt_tokens(request: &Value) -> usize {
    request["messages"].as_array().map_or(0, |messages| {
        messages
            .iter()
            .map(|m| {
                m["content"]
                    .as_str()
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .sum()
    })
}

/// The completion tokens the fake reports for each tool call it makes.
pub const TOKENS_PER_CALL: usize = 10;

/// The last chunk of a stream with `stream_options.include_usage`: no
/// choices, the usage.
fn usage_chunk(id: &str, model: &str, prompt: usize, completion: usize) -> String {
    let usage = json!({
        "id": id, "object": "chat.completion.chunk", "created": 1_764_547_200u64,
        "model": model, "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion},
    });
    format!("data: {usage}\n\n")
}

fn chunk(id: &str, model: &str, delta: Value, finish: Option<&str>) -> String {
    let body = json!({
        "id": id, "object": "chat.completion.chunk", "created": 1_764_547_200u64, "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    });
    format!("data: {body}\n\n")
}

pub(crate) async fn chat_completions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    state
        .shared
        .lock()
        .unwrap()
        .chat_requests
        .push(request.clone());
    if let Some(refusal) = refusal(&state, &headers) {
        return refusal;
    }
    let Some(model) = request["model"].as_str().map(str::to_owned) else {
        return error(
            400,
            "invalid_request_error",
            None,
            "you must provide a model parameter",
        );
    };
    if let Err(message) = check_messages(&request) {
        return error(400, "invalid_request_error", None, &message);
    }
    let offered = match offered_tools(&request) {
        Ok(offered) => offered,
        Err(message) => return error(400, "invalid_request_error", None, &message),
    };
    if request["stream"] != true {
        return error(
            400,
            "invalid_request_error",
            None,
            "this server only streams",
        );
    }
    let include_usage = request["stream_options"]["include_usage"] == true;
    let prompt_tokens = prompt_tokens(&request);
    let queued = state.shared.lock().unwrap().chat_replies.pop_front();
    if let Some(Reply::ToolCalls(calls)) = queued {
        if let Some((name, _)) = calls.iter().find(|(name, _)| !offered.contains(name)) {
            return error(
                400,
                "invalid_request_error",
                None,
                &format!("the test scripted a call of {name:?}, which the request does not offer"),
            );
        }
        // Call ids are unique across the server's replies, as OpenAI's are.
        let request_number = state.shared.lock().unwrap().chat_requests.len();
        return tool_calls_stream(&model, request_number, &calls, include_usage, prompt_tokens);
    }
    let script = state.shared.lock().unwrap().chat_script.clone();
    let (pieces, pause) = match (queued, script) {
        (Some(Reply::Text(pieces)), _) => (pieces, Duration::ZERO),
        (_, Some(s)) => (s.pieces, s.pause),
        _ => (default_pieces(&request), Duration::ZERO),
    };

    // A task writes the answer into a small channel; when the client hangs
    // up, the body is dropped, the channel closes and the task notices.
    let (frames, mut receiver) = mpsc::channel::<String>(1);
    let shared = state.shared.clone();
    tokio::spawn(async move {
        let id = "chatcmpl-ancre-test";
        let mut sent = 0;
        let mut all = vec![chunk(
            id,
            &model,
            json!({"role": "assistant", "content": ""}),
            None,
        )];
        for piece in &pieces {
            all.push(chunk(id, &model, json!({"content": piece}), None));
        }
        all.push(chunk(id, &model, json!({}), Some("stop")));
        if include_usage {
            all.push(usage_chunk(id, &model, prompt_tokens, pieces.len()));
        }
        all.push("data: [DONE]\n\n".to_owned());
        let content_frames = 1..=pieces.len();
        for (k, frame) in all.into_iter().enumerate() {
            if content_frames.contains(&k) && k > 1 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            if frames.send(frame).await.is_err() {
                shared.lock().unwrap().chat_streams.hang_ups.push(sent);
                return;
            }
            if content_frames.contains(&k) {
                sent += 1;
            }
        }
        // Every frame is handed over; dropping the sender ends the body.
        shared.lock().unwrap().chat_streams.completed += 1;
    });
    let body = futures::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|frame| frame.map(|f| Ok::<_, Infallible>(Bytes::from(f))))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(body),
    )
        .into_response()
}

/// The roles and shapes the endpoint accepts: text for system and user
/// messages; an assistant's text or tool calls; a tool message answering
/// a call made earlier in the conversation.
fn check_messages(request: &Value) -> Result<(), String> {
    let messages = request["messages"]
        .as_array()
        .filter(|m| !m.is_empty())
        .ok_or("'messages' must be a non-empty array")?;
    let mut calls: Vec<&str> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        match m["role"].as_str() {
            Some("system" | "user") if m["content"].is_string() => {}
            Some("assistant") => {
                let tool_calls = m["tool_calls"].as_array();
                if !m["content"].is_string() && tool_calls.is_none_or(|c| c.is_empty()) {
                    return Err(format!(
                        "messages[{i}]: an assistant message needs content or tool_calls"
                    ));
                }
                for call in tool_calls.into_iter().flatten() {
                    let id = call["id"]
                        .as_str()
                        .ok_or(format!("messages[{i}].tool_calls: id missing"))?;
                    if call["type"] != "function"
                        || !call["function"]["name"].is_string()
                        || !call["function"]["arguments"].is_string()
                    {
                        return Err(format!("messages[{i}].tool_calls: expected a function call with name and arguments"));
                    }
                    calls.push(id);
                }
            }
            Some("tool") => {
                let id = m["tool_call_id"].as_str().unwrap_or_default();
                if !m["content"].is_string() || !calls.contains(&id) {
                    return Err(format!(
                        "messages[{i}]: a tool message must answer a preceding tool call (tool_call_id {id:?})"
                    ));
                }
            }
            _ => return Err(format!("messages[{i}]: invalid role or content")),
        }
    }
    Ok(())
}

/// The names of the function tools the request offers (`tools` is
/// optional; when present it must be a non-empty list of functions).
fn offered_tools(request: &Value) -> Result<Vec<String>, String> {
    let Some(tools) = request.get("tools") else {
        return Ok(vec![]);
    };
    let tools = tools
        .as_array()
        .filter(|t| !t.is_empty())
        .ok_or("[] is too short - 'tools'")?;
    tools
        .iter()
        .map(|t| {
            let name = t["function"]["name"]
                .as_str()
                .filter(|_| t["type"] == "function");
            let parameters_ok = t["function"]["parameters"].is_null()
                || t["function"]["parameters"]["type"] == "object";
            match name {
                Some(name) if parameters_ok => Ok(name.to_owned()),
                _ => Err(format!("invalid tool: {t}")),
            }
        })
        .collect()
}

/// A streamed reply made of tool calls.
fn tool_calls_stream(
    model: &str,
    request_number: usize,
    calls: &[(String, Value)],
    include_usage: bool,
    prompt_tokens: usize,
) -> Response {
    let id = "chatcmpl-ancre-test-tools";
    let mut frames = vec![chunk(
        id,
        model,
        json!({"role": "assistant", "content": null}),
        None,
    )];
    for (index, (name, arguments)) in calls.iter().enumerate() {
        let call_id = format!("call_test_{request_number}_{index}");
        frames.push(chunk(
            id,
            model,
            json!({"tool_calls": [{"index": index, "id": call_id, "type": "function",
                                   "function": {"name": name, "arguments": ""}}]}),
            None,
        ));
        let arguments = arguments.to_string();
        // Halfway, on a character boundary (arguments may be French).
        let half = arguments
            .char_indices()
            .nth(arguments.chars().count() / 2)
            .map_or(arguments.len(), |(at, _)| at);
        let (first, second) = arguments.split_at(half);
        for piece in [first, second] {
            frames.push(chunk(
                id,
                model,
                json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                None,
            ));
        }
    }
    frames.push(chunk(id, model, json!({}), Some("tool_calls")));
    if include_usage {
        frames.push(usage_chunk(
            id,
            model,
            prompt_tokens,
            calls.len() * TOKENS_PER_CALL,
        ));
    }
    frames.push("data: [DONE]\n\n".to_owned());
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from(frames.concat()),
    )
        .into_response()
}
