//! A local server that speaks the part of Nango's HTTP API Ancre uses, so the
//! production client code runs against it:
//!
//! - `POST /connect/sessions` (201 `{"data": {"token", "connect_link", "expires_at"}}`),
//! - `GET` / `DELETE /connections/{id}?provider_config_key=…` (404 `not_found`,
//!   400 `unknown_connection` for an unknown one, as Nango answers),
//! - `GET /records` with `Connection-Id` / `Provider-Config-Key` headers,
//!   `model`, `cursor`, `limit`: records in modification order, each with
//!   `_nango_metadata` (`last_action` ADDED / UPDATED / DELETED, `cursor`),
//!   and `next_cursor` (null on the last page),
//! - `GET /proxy/…`: Google Drive's `files/{id}?alt=media` and
//!   `files/{id}/export`, Notion's `pages/{id}/markdown`, as the provider
//!   answers through Nango (its errors passed through as they came).
//!
//! Every call needs `Authorization: Bearer <secret key>` (401
//! `unknown_account` otherwise); errors are `{"error": {"code", "message"}}`.
//! [`FakeNango::set_down`] makes every call answer 503. [`FakeNango::webhook`]
//! signs a webhook body as Nango does (`X-Nango-Hmac-Sha256`).

// A refusal here *is* the HTTP response the fake sends: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

pub const SECRET_KEY: &str = "5f1b1f0e-8a40-4c1c-9d7e-0c7a2b9e4d11";
pub const WEBHOOK_KEY: &str = "nango-webhook-signing-key";

#[derive(Clone)]
struct FakeConnection {
    connection_id: String,
    integration: String,
    organization: String,
}

#[derive(Clone)]
struct FakeRecord {
    connection_id: String,
    model: String,
    id: String,
    fields: Map<String, Value>,
    action: &'static str,
    /// Position in modification order (what Nango's cursor encodes).
    seq: u64,
    modified_at: String,
}

#[derive(Default)]
struct Shared {
    sessions: Vec<Value>,
    connections: Vec<FakeConnection>,
    records: Vec<FakeRecord>,
    /// (connection id, record id) → the file's bytes.
    files: HashMap<(String, String), Vec<u8>>,
    seq: u64,
    down: bool,
    /// Calls answered 503 while down.
    refused: u64,
    downloads: u64,
}

pub struct FakeNango {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeNango {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeNango {
    pub async fn start() -> FakeNango {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .route("/connect/sessions", post(connect_session))
            .route(
                "/connections/{id}",
                get(connection).delete(delete_connection),
            )
            .route("/records", get(records))
            .route("/proxy/{*path}", get(proxy))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeNango { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connection Nango holds for `organization` (Ancre's tenant id).
    pub fn add_connection(&self, connection_id: &str, integration: &str, organization: &str) {
        self.shared
            .lock()
            .unwrap()
            .connections
            .push(FakeConnection {
                connection_id: connection_id.into(),
                integration: integration.into(),
                organization: organization.into(),
            });
    }

    /// The sync saw a file: added, or updated when it was already there.
    /// `fields` are the model's own (e.g. Drive's `name`, `mimeType`).
    pub fn put_record(
        &self,
        connection_id: &str,
        model: &str,
        id: &str,
        fields: Value,
        bytes: Vec<u8>,
    ) {
        let mut shared = self.shared.lock().unwrap();
        shared.seq += 1;
        let seq = shared.seq;
        let mut fields = fields.as_object().cloned().unwrap_or_default();
        fields.insert("id".into(), json!(id));
        let modified_at = format!("2026-12-01T10:00:{:02}.{seq:06}+00:00", seq % 60);
        let existing = shared
            .records
            .iter()
            .position(|r| r.connection_id == connection_id && r.id == id);
        let action = match existing {
            Some(i) if shared.records[i].action != "DELETED" => "UPDATED",
            _ => "ADDED",
        };
        if let Some(i) = existing {
            shared.records.remove(i);
        }
        shared.records.push(FakeRecord {
            connection_id: connection_id.into(),
            model: model.into(),
            id: id.into(),
            fields,
            action,
            seq,
            modified_at,
        });
        shared
            .files
            .insert((connection_id.into(), id.into()), bytes);
    }

    /// The sync saw the file deleted.
    pub fn delete_record(&self, connection_id: &str, id: &str) {
        let mut shared = self.shared.lock().unwrap();
        shared.seq += 1;
        let seq = shared.seq;
        let record = shared
            .records
            .iter_mut()
            .find(|r| r.connection_id == connection_id && r.id == id)
            .expect("a record to delete");
        record.action = "DELETED";
        record.seq = seq;
        record.modified_at = format!("2026-12-01T11:00:{:02}.{seq:06}+00:00", seq % 60);
        shared
            .files
            .remove(&(connection_id.to_owned(), id.to_owned()));
    }

    /// Every call answers 503 while `down`.
    pub fn set_down(&self, down: bool) {
        self.shared.lock().unwrap().down = down;
    }

    /// The bodies of the connect sessions asked for.
    pub fn sessions(&self) -> Vec<Value> {
        self.shared.lock().unwrap().sessions.clone()
    }

    /// Calls answered 503 because the server was down.
    pub fn refused(&self) -> u64 {
        self.shared.lock().unwrap().refused
    }

    /// Files served through the proxy so far.
    pub fn downloads(&self) -> u64 {
        self.shared.lock().unwrap().downloads
    }

    /// `body` as Nango sends it: compact JSON with sorted keys, and its
    /// `X-Nango-Hmac-Sha256` signature under `key`.
    pub fn webhook(body: &Value, key: &str) -> (Vec<u8>, String) {
        // serde_json's maps are sorted (no preserve_order): compact = Nango's.
        let bytes = serde_json::to_vec(body).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(&bytes);
        (bytes, hex(&mac.finalize().into_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// The shared state if the caller may call, else Nango's refusal.
fn admit<'a>(
    shared: &'a Mutex<Shared>,
    headers: &HeaderMap,
) -> Result<std::sync::MutexGuard<'a, Shared>, Response> {
    let mut shared = shared.lock().unwrap();
    if shared.down {
        shared.refused += 1;
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "Nango is unavailable",
        ));
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        None => Err(error(
            StatusCode::UNAUTHORIZED,
            "missing_auth_header",
            "Authentication failed. The request is missing the Authorization header.",
        )),
        Some(key) if key != SECRET_KEY => Err(error(
            StatusCode::UNAUTHORIZED,
            "unknown_account",
            "Authentication failed. The provided secret key does not match any account.",
        )),
        Some(_) => Ok(shared),
    }
}

async fn connect_session(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut shared = match admit(&shared, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if body["end_user"]["id"].as_str().is_none_or(str::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "end_user.id is required",
        );
    }
    shared.sessions.push(body);
    let token = format!(
        "nango_connect_session_{}",
        hex(uuid::Uuid::new_v4().as_bytes()).repeat(2)
    );
    (
        StatusCode::CREATED,
        Json(json!({ "data": {
            "token": token,
            "connect_link": format!("http://connect.nango.test/?session_token={token}"),
            "expires_at": "2026-12-06T12:30:00.000Z",
        }})),
    )
        .into_response()
}

fn find_connection(shared: &Shared, id: &str, integration: &str) -> Option<FakeConnection> {
    shared
        .connections
        .iter()
        .find(|c| c.connection_id == id && c.integration == integration)
        .cloned()
}

async fn connection(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let shared = match admit(&shared, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let integration = query
        .get("provider_config_key")
        .cloned()
        .unwrap_or_default();
    match find_connection(&shared, &id, &integration) {
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Failed to find connection",
        ),
        Some(c) => Json(json!({
            "id": 1,
            "connection_id": c.connection_id,
            "provider_config_key": c.integration,
            "provider": c.integration,
            "errors": [],
            "tags": { "organization_id": c.organization },
            "end_user": { "id": "user", "organization": { "id": c.organization } },
            "metadata": null,
            "connection_config": {},
            "created_at": "2026-12-01T00:00:00.000+00:00",
            "updated_at": "2026-12-01T00:00:00.000+00:00",
            "credentials": { "type": "OAUTH2", "access_token": "ya29.fake", "raw": {} },
        }))
        .into_response(),
    }
}

async fn delete_connection(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut shared = match admit(&shared, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let integration = query
        .get("provider_config_key")
        .cloned()
        .unwrap_or_default();
    let before = shared.connections.len();
    shared
        .connections
        .retain(|c| !(c.connection_id == id && c.integration == integration));
    if shared.connections.len() == before {
        // Nango answers this one without a message.
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "code": "unknown_connection" } })),
        )
            .into_response();
    }
    Json(json!({ "success": true })).into_response()
}

fn connection_of(shared: &Shared, headers: &HeaderMap) -> Result<FakeConnection, Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(integration)) = (header("connection-id"), header("provider-config-key"))
    else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_headers",
            "Connection-Id and Provider-Config-Key are required",
        ));
    };
    find_connection(shared, id, integration).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "unknown_connection",
            "Provided ConnectionId and ProviderConfigKey does not match a valid connection",
        )
    })
}

fn cursor_of(seq: u64, id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{seq}||{id}"))
}

fn seq_of(cursor: &str) -> Option<u64> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .split("||")
        .next()?
        .parse()
        .ok()
}

async fn records(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let shared = match admit(&shared, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let connection = match connection_of(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(model) = query.get("model") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_query_params",
            "model is required",
        );
    };
    let after = match query.get("cursor") {
        None => 0,
        Some(cursor) => match seq_of(cursor) {
            Some(seq) => seq,
            None => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "Failed to fetch records",
                )
            }
        },
    };
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let mut matching: Vec<&FakeRecord> = shared
        .records
        .iter()
        .filter(|r| {
            r.connection_id == connection.connection_id && &r.model == model && r.seq > after
        })
        .collect();
    matching.sort_by_key(|r| r.seq);
    let more = matching.len() > limit;
    matching.truncate(limit);
    let records: Vec<Value> = matching
        .iter()
        .map(|r| {
            let mut fields = r.fields.clone();
            fields.insert(
                "_nango_metadata".into(),
                json!({
                    "first_seen_at": r.modified_at,
                    "last_modified_at": r.modified_at,
                    "last_action": r.action,
                    "deleted_at": (r.action == "DELETED").then_some(&r.modified_at),
                    "cursor": cursor_of(r.seq, &r.id),
                }),
            );
            Value::Object(fields)
        })
        .collect();
    let next_cursor = more.then(|| {
        let last = matching.last().unwrap();
        cursor_of(last.seq, &last.id)
    });
    Json(json!({ "records": records, "next_cursor": next_cursor })).into_response()
}

async fn proxy(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Response {
    let mut shared = match admit(&shared, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let connection = match connection_of(&shared, &headers) {
        Err(_) => {
            // Nango's own words for an unknown connection on the proxy.
            return error(
                StatusCode::BAD_REQUEST,
                "server_error",
                "Failed to get connection",
            );
        }
        Ok(c) => c,
    };
    let segments: Vec<&str> = path.split('/').collect();
    let (record, markdown) = match segments.as_slice() {
        ["drive", "v3", "files", id] | ["drive", "v3", "files", id, "export"] => (*id, false),
        ["v1", "pages", id, "markdown"] => (*id, true),
        _ => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({ "error": { "code": 404, "message": "Not Found" } })),
            )
                .into_response()
        }
    };
    let Some(bytes) = shared
        .files
        .get(&(connection.connection_id.clone(), record.to_owned()))
        .cloned()
    else {
        // The provider's own error, passed through.
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "code": 404, "message": format!("File not found: {record}.") } })),
        )
            .into_response();
    };
    shared.downloads += 1;
    if markdown {
        return Json(json!({
            "object": "page_markdown",
            "id": record,
            "markdown": String::from_utf8_lossy(&bytes),
            "truncated": false,
        }))
        .into_response();
    }
    bytes.into_response()
}
