//! The Chat Completions streaming protocol for [`FakeOpenAi`]
//! (`POST /v1/chat/completions` with `stream: true`): Server-Sent Events of
//! `chat.completion.chunk` objects — the role first, then content deltas,
//! then `finish_reason: "stop"`, then (with `stream_options.include_usage`)
//! a chunk with empty `choices` and the `usage`, then `data: [DONE]`.
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
    let valid_messages = request["messages"].as_array().is_some_and(|m| {
        !m.is_empty()
            && m.iter().all(|m| {
                matches!(m["role"].as_str(), Some("system" | "user" | "assistant"))
                    && m["content"].is_string()
            })
    });
    if !valid_messages {
        return error(400, "invalid_request_error", None, "'messages' is invalid");
    }
    if request["stream"] != true {
        return error(
            400,
            "invalid_request_error",
            None,
            "this server only streams",
        );
    }
    let include_usage = request["stream_options"]["include_usage"] == true;
    let script = state.shared.lock().unwrap().chat_script.clone();
    let (pieces, pause) = match script {
        Some(s) => (s.pieces, s.pause),
        None => (default_pieces(&request), Duration::ZERO),
    };
    let prompt_tokens: usize = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap().split_whitespace().count())
        .sum();

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
            let completion = pieces.len();
            let usage = json!({
                "id": id, "object": "chat.completion.chunk", "created": 1_764_547_200u64,
                "model": model, "choices": [],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                          "total_tokens": prompt_tokens + completion},
            });
            all.push(format!("data: {usage}\n\n"));
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
