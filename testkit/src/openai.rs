//! A local server that speaks OpenAI's embeddings protocol (and, in
//! [`crate::openai_chat`], its Chat Completions streaming protocol)
//! (`POST /v1/embeddings`, bearer key, `{model, input: [..], dimensions?}` →
//! `{object: "list", data: [{object: "embedding", index, embedding}], model,
//! usage}`; errors as `{"error": {message, type, param, code}}` with the HTTP
//! status OpenAI uses), so the production client code runs against it.
//!
//! Vectors are a pure function of the text (seeded from its SHA-256), so a
//! test can recompute what a passage must have been given. The server returns
//! `data` in reverse order, as the protocol allows (items carry their
//! `index`): a client that trusts the order fails. Failures can be queued.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const API_KEY: &str = "sk-test-ancre";

/// A failure the server answers with instead of embedding, once.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: u16,
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub message: &'static str,
}

impl Failure {
    pub fn rate_limited() -> Self {
        Failure {
            status: 429,
            kind: "requests",
            code: Some("rate_limit_exceeded"),
            message: "Rate limit reached for requests",
        }
    }

    pub fn server_error() -> Self {
        Failure {
            status: 500,
            kind: "server_error",
            code: None,
            message: "The server had an error while processing your request.",
        }
    }

    pub fn context_length() -> Self {
        Failure {
            status: 400,
            kind: "invalid_request_error",
            code: Some("context_length_exceeded"),
            message: "This model's maximum context length is 8192 tokens.",
        }
    }
}

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) requests: Vec<Value>,
    pub(crate) failures: Vec<Failure>,
    pub(crate) chat_requests: Vec<Value>,
    pub(crate) chat_script: Option<crate::openai_chat::ChatScript>,
    pub(crate) chat_streams: crate::openai_chat::ChatStreams,
    /// Replies queued by the test, taken one per chat request before the
    /// script or the default answer.
    pub(crate) chat_replies: std::collections::VecDeque<crate::openai_chat::Reply>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    dimension: usize,
    pub(crate) shared: Arc<Mutex<Shared>>,
}

pub struct FakeOpenAi {
    pub addr: SocketAddr,
    /// Dimension of the vectors when the request names none.
    pub dimension: usize,
    pub(crate) shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeOpenAi {
    pub async fn start(dimension: usize) -> FakeOpenAi {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .route("/v1/embeddings", post(embeddings))
            .route(
                "/v1/chat/completions",
                post(crate::openai_chat::chat_completions),
            )
            .with_state(AppState {
                dimension,
                shared: shared.clone(),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeOpenAi {
            addr,
            dimension,
            shared,
            task,
        }
    }

    /// The API base a client is configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The next requests (embeddings or chat) fail with these, in order.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.shared.lock().unwrap().failures.extend(failures);
    }

    /// Forgets the failures not served yet.
    pub fn clear_failures(&self) {
        self.shared.lock().unwrap().failures.clear();
    }

    /// Every request body received so far (failed ones included).
    pub fn requests(&self) -> Vec<Value> {
        self.shared.lock().unwrap().requests.clone()
    }

    /// The vector this server gives `text` at `dimension`.
    pub fn vector(text: &str, dimension: usize) -> Vec<f32> {
        let mut state =
            u64::from_le_bytes(Sha256::digest(text.as_bytes())[..8].try_into().unwrap());
        let mut v: Vec<f32> = (0..dimension)
            .map(|_| {
                // SplitMix64.
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ (z >> 31)) as f64 / u64::MAX as f64 * 2.0 - 1.0) as f32
            })
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}

/// What OpenAI answers before looking at a request: a wrong key (401), or
/// the next queued failure. `None`: go on.
pub(crate) fn refusal(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(API_KEY) {
        return Some(error(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            "Incorrect API key provided.",
        ));
    }
    let mut shared = state.shared.lock().unwrap();
    (!shared.failures.is_empty()).then(|| {
        let f = shared.failures.remove(0);
        error(f.status, f.kind, f.code, f.message)
    })
}

async fn embeddings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    state.shared.lock().unwrap().requests.push(request.clone());
    if let Some(refusal) = refusal(&state, &headers) {
        return refusal;
    }
    let inputs: Vec<String> = match &request["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        _ => {
            return error(
                400,
                "invalid_request_error",
                None,
                "'input' must be a string or an array of strings",
            )
        }
    };
    if inputs.is_empty() || inputs.iter().any(String::is_empty) {
        return error(
            400,
            "invalid_request_error",
            None,
            "'input' cannot be empty",
        );
    }
    let Some(model) = request["model"].as_str() else {
        return error(
            400,
            "invalid_request_error",
            None,
            "you must provide a model parameter",
        );
    };
    if request.get("encoding_format").is_some_and(|f| f != "float") {
        return error(
            400,
            "invalid_request_error",
            None,
            "only float encoding here",
        );
    }
    let dimension = request["dimensions"]
        .as_u64()
        .map_or(state.dimension, |d| d as usize);
    let tokens: usize = inputs.iter().map(|t| t.split_whitespace().count()).sum();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, text)| {
            json!({"object": "embedding", "index": i, "embedding": FakeOpenAi::vector(text, dimension)})
        })
        .collect();
    Json(json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }))
    .into_response()
}
