//! A real Ancre server per test: its own database, a local JWKS server that
//! speaks Clerk's protocol, and helpers to call the API as a given user.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use ancre_api::app::Server;
use ancre_api::config::{AuthorizedParties, ClerkConfig, Config};
use ancre_testkit::jwks::{JwksServer, SigningKey};
use ancre_testkit::pg::TestDb;
use ancre_testkit::wait::until;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};

pub const ISSUER: &str = "https://clerk.ancre.test";

pub struct TestApp {
    pub db: TestDb,
    pub server: Server,
    pub jwks: JwksServer,
    pub key: SigningKey,
    pub http: reqwest::Client,
    /// Removes the server's data directory (stored files, search index) when
    /// the test ends, so repeated runs do not fill the disk.
    _data: RemoveOnDrop,
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_as(ancre_api::app::Role::All, tweak).await
    }

    /// A server that runs only what `role` says (the others run elsewhere).
    pub async fn start_as(role: ancre_api::app::Role, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await;
        let key = SigningKey::generate("kid-1");
        let jwks = JwksServer::start(&[&key]).await;
        let mut config = Config::for_database(&db.url);
        config.clerk = Some(ClerkConfig {
            issuer: ISSUER.into(),
            jwks_url: jwks.url(),
            authorized_parties: AuthorizedParties::new(vec!["http://localhost".into()]).unwrap(),
            min_refresh_interval: Duration::ZERO,
        });
        config.platform_admins = vec![ancre_domain::UserId::parse("admin").unwrap()];
        // The test binary is not `ancre`: point the PDF sandbox at the real one.
        config.pdf_worker = Some(env!("CARGO_BIN_EXE_ancre").into());
        tweak(&mut config);
        let data = RemoveOnDrop(config.data_dir.clone());
        let server = ancre_api::app::start_as(config, role)
            .await
            .expect("server starts");
        TestApp {
            db,
            server,
            jwks,
            key,
            http: reqwest::Client::new(),
            _data: data,
        }
    }

    /// Stops the server (HTTP, projectors, pipeline workers: work in flight
    /// is abandoned as a crash would) and starts a new one on the same
    /// database and storage.
    pub async fn restart(self) -> TestApp {
        let config = (*self.server.state.config).clone();
        self.server.stop().await;
        let server = ancre_api::app::start(config)
            .await
            .expect("server restarts");
        TestApp { server, ..self }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.server.addr, path)
    }

    /// A session token for `user`, signed by the test's Clerk key.
    pub fn token(&self, user: &str) -> String {
        self.key.mint(ISSUER, user)
    }

    pub fn as_user(&self, user: &str, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(self.token(user))
    }

    /// Sends a body-less request as `user`.
    pub async fn call(&self, user: &str, method: Method, path: &str) -> Response {
        self.as_user(user, method, path)
            .send()
            .await
            .expect("the server answers")
    }

    pub fn with_bearer(&self, bearer: &str, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(bearer)
    }

    /// Opens a tenant as `user` and returns its id.
    pub async fn tenant_of(&self, user: &str, name: &str) -> String {
        let r = self
            .as_user(user, Method::POST, "/api/v1/tenants")
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        body(r).await["id"].as_str().unwrap().to_owned()
    }

    /// `owner` invites `user` into `tenant` with `role`, and `user` accepts.
    pub async fn join(&self, owner: &str, tenant: &str, user: &str, role: &str) {
        let r = self
            .as_user(owner, Method::POST, "/api/v1/members")
            .header("x-ancre-tenant", tenant)
            .json(&serde_json::json!({ "user_id": user, "role": role }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{user} invited");
        let r = self
            .call(
                user,
                Method::POST,
                &format!("/api/v1/me/invitations/{tenant}/accept"),
            )
            .await;
        assert_eq!(r.status(), 200, "{user} accepts");
    }

    /// Creates an API key in `user`'s current tenant; returns (id, secret).
    pub async fn api_key(&self, user: &str, tenant: &str) -> (String, String) {
        let r = self
            .as_user(user, Method::POST, "/api/v1/api-keys")
            .header("x-ancre-tenant", tenant)
            .json(&serde_json::json!({ "name": "test key" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let b = body(r).await;
        (
            b["id"].as_str().unwrap().to_owned(),
            b["secret"].as_str().unwrap().to_owned(),
        )
    }
}

pub async fn body(r: Response) -> Value {
    r.json().await.expect("a JSON body")
}

/// Asserts a problem+json answer with this status; returns the problem.
/// How much of `metric` a `/api/v1/usage` answer says was used (0 when
/// the metric is not listed).
pub fn metric_used(usage: &Value, metric: &str) -> i64 {
    usage["metrics"]
        .as_array()
        .expect("usage metrics")
        .iter()
        .find(|m| m["metric"] == metric)
        .map_or(0, |m| m["used"].as_i64().expect("used"))
}

pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let p = body(r).await;
    assert_eq!(p["status"], status);
    assert!(p["type"]
        .as_str()
        .unwrap()
        .starts_with("https://ancre.dev/problems/"));
    assert!(!p["detail"].as_str().unwrap().is_empty());
    p
}

/// A file of the shared corpus (`../shared/corpus`, beside the clone).
pub fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(
        ancre_testkit::manifest_dir()
            .join("../../shared/corpus")
            .join(path),
    )
    .unwrap_or_else(|e| panic!("corpus file {path}: {e}"))
}

/// Creates a collection in `user`'s tenant; returns its id.
pub async fn collection(app: &TestApp, user: &str, name: &str) -> String {
    let r = app
        .as_user(user, Method::POST, "/api/v1/collections")
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    body(r).await["id"].as_str().unwrap().to_owned()
}

/// Uploads `files` (name, bytes) into a collection as `user`.
pub async fn upload(
    app: &TestApp,
    user: &str,
    collection: &str,
    files: &[(&str, Vec<u8>)],
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part(
            "file",
            Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    app.as_user(
        user,
        Method::POST,
        &format!("/api/v1/documents/upload/{collection}"),
    )
    .multipart(form)
    .send()
    .await
    .unwrap()
}

/// Uploads one file into a collection as `user`; returns the document's id.
pub async fn upload_one(
    app: &TestApp,
    user: &str,
    collection: &str,
    name: &str,
    bytes: Vec<u8>,
) -> String {
    let r = upload(app, user, collection, &[(name, bytes)]).await;
    assert_eq!(r.status(), 202);
    body(r).await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates an assistant on `collections` as `user`; returns its id.
pub async fn assistant(app: &TestApp, user: &str, collections: &[&str]) -> String {
    let r = app
        .as_user(user, Method::POST, "/api/v1/assistants")
        .json(&json!({ "name": "Archivist", "collections": collections }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    body(r).await["id"].as_str().unwrap().to_owned()
}

/// A table's rows as sorted JSON text, to compare two states of it.
pub async fn snapshot(pool: &sqlx::PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "SELECT row_to_json(t)::text FROM {table} t ORDER BY 1"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A fresh bucket on the S3-API server `make test` starts.
pub fn s3_config() -> ancre_ingestion::storage::S3Config {
    let env = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: run the tests with `make test` (it starts the S3-API server)"
            )
        })
    };
    ancre_ingestion::storage::S3Config {
        endpoint: Some(env("ANCRE_TEST_S3_ENDPOINT")),
        region: "us-east-1".into(),
        // Short: s3s-fs keeps bucket and key together in one file name.
        bucket: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        access_key_id: env("ANCRE_TEST_S3_ACCESS_KEY"),
        secret_access_key: env("ANCRE_TEST_S3_SECRET_KEY"),
    }
}

/// The Qdrant server `make test` starts, with collections of this test's own.
pub fn qdrant_config() -> ancre_api::config::QdrantConfig {
    ancre_api::config::QdrantConfig {
        url: std::env::var("ANCRE_TEST_QDRANT_URL").expect(
            "ANCRE_TEST_QDRANT_URL is not set: run the tests with `make test` (it starts a Qdrant server)",
        ),
        api_key: None,
        collection_prefix: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
    }
}

/// Embedding on a busy 2-core machine is slow: generous, but bounded.
pub const DEADLINE: Duration = Duration::from_secs(300);

pub async fn document(app: &TestApp, user: &str, id: &str) -> Value {
    let r = app
        .call(user, Method::GET, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(r.status(), 200);
    body(r).await
}

/// Waits until the document is `indexed` or `failed`.
pub async fn settled(app: &TestApp, user: &str, id: &str) -> Value {
    until(&format!("document {id} to settle"), DEADLINE, || async {
        let d = document(app, user, id).await;
        matches!(d["status"].as_str(), Some("indexed" | "failed")).then_some(d)
    })
    .await
}

/// Uploads files into a new collection; returns (file name → document id).
pub async fn ingest(app: &TestApp, user: &str, files: &[&str]) -> HashMap<String, String> {
    let collection = collection(app, user, "Corpus").await;
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|f| (f.rsplit('/').next().unwrap(), corpus(f)))
        .collect();
    let r = upload(app, user, &collection, &files).await;
    let status = r.status();
    let answer = body(r).await;
    assert_eq!(status, 202, "{answer}");
    answer["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["outcome"], "queued", "{f}");
            (
                f["filename"].as_str().unwrap().to_owned(),
                f["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// One Server-Sent Event: its name and its data (as JSON).
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub name: String,
    pub data: Value,
}

/// Reads a Server-Sent Events response one event at a time.
pub struct SseReader {
    response: Response,
    buffer: String,
}

impl SseReader {
    pub fn new(response: Response) -> Self {
        SseReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, or `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let name = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("event:"))
                    .map(|n| n.trim().to_owned());
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                let name = match name {
                    Some(name) => Some(name),
                    // Keep-alive comments have neither name nor data.
                    None if data.is_empty() => None,
                    // Unnamed: SSE's default type (AG-UI's events).
                    None => Some("message".to_owned()),
                };
                match name {
                    None => continue,
                    Some(name) => {
                        let data = serde_json::from_str(&data).unwrap_or_else(|e| {
                            panic!("event {name}: data is not JSON ({e}): {data}")
                        });
                        return Some(SseEvent { name, data });
                    }
                }
            }
            let chunk = tokio::time::timeout(DEADLINE, self.response.chunk())
                .await
                .expect("the stream keeps reporting")
                .expect("the stream stays readable")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }

    /// Every remaining event, until the stream ends.
    pub async fn all(mut self) -> Vec<SseEvent> {
        let mut out = Vec::new();
        while let Some(event) = self.next().await {
            out.push(event);
        }
        out
    }
}

/// Chat settings whose remote model is `fake` (OpenAI's wire protocol):
/// `gpt-4o-mini` by default, `also` listed besides, answers capped at
/// `max_tokens`.
pub fn openai_chat(
    fake: &ancre_testkit::openai::FakeOpenAi,
    also: &[&str],
    max_tokens: u32,
) -> ancre_rag::models::openai::OpenAiChatConfig {
    ancre_rag::models::openai::OpenAiChatConfig {
        api_base: fake.base_url(),
        api_key: ancre_testkit::openai::API_KEY.into(),
        default_model: "gpt-4o-mini".into(),
        models: also.iter().map(|m| m.to_string()).collect(),
        max_tokens,
        timeout: Duration::from_secs(30),
    }
}

/// Usage recorded directly in the tenant's current period, as if consumed earlier.
pub async fn prefill(
    app: &TestApp,
    tenant: &str,
    metric: ancre_domain::usage::Metric,
    quantity: i64,
) {
    let line = ancre_domain::usage::UsageLine { metric, quantity };
    record_usage(
        app,
        tenant,
        format!("prefill:{}", metric.as_str()),
        vec![line],
    )
    .await;
}

/// An entry recorded directly in the tenant's current period under `key`,
/// as something of the past left it (no limit checked).
pub async fn record_usage(
    app: &TestApp,
    tenant: &str,
    key: String,
    lines: Vec<ancre_domain::usage::UsageLine>,
) {
    let tenant = ancre_domain::TenantId(tenant.parse().unwrap());
    let now = chrono::Utc::now();
    app.server
        .state
        .commands
        .record_usage(
            ancre_domain::usage::Entry {
                tenant_id: tenant,
                period: ancre_domain::usage::Period::of(now),
                key,
                cause: "test:prefill".into(),
                actor: "system:test".into(),
                subject: Default::default(),
                lines,
                occurred_at: now,
            },
            vec![],
            &ancre_commands::EventMetadata::for_request(
                tenant,
                ancre_commands::Actor::System("test"),
                "prefill",
            ),
        )
        .await
        .unwrap();
}
