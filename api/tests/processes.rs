//! Processes by role: an API process and a worker process on one database,
//! Qdrant server and bucket serve a tenant as one process would; the
//! embedded index is refused to a second process with what to do instead.

mod common;

use ancre_api::app::{ProjectorSelection, Role};
use ancre_projections::deliveries::Source;
use common::{assistant, body, collection, corpus, problem, settled, upload_one, TestApp};
use reqwest::Method;
use serde_json::json;

fn worker() -> Role {
    Role::Worker {
        projectors: ProjectorSelection::All,
        pipeline: true,
        source: Source::Log,
    }
}

#[tokio::test]
async fn an_api_process_and_a_worker_process_serve_as_one() {
    let qdrant = common::qdrant_config();
    let s3 = common::s3_config();
    let (q, b) = (qdrant.clone(), s3.clone());
    let api = TestApp::start_as(Role::Api, |c| {
        c.qdrant = Some(q);
        c.s3 = Some(b);
    })
    .await;
    let mut config = (*api.server.state.config).clone();
    config.data_dir = std::env::temp_dir().join(format!("ancre-w-{}", uuid::Uuid::new_v4()));
    let worker = ancre_api::app::start_as(config, worker())
        .await
        .expect("the worker starts");

    // The worker serves health and readiness, not the API.
    let http = reqwest::Client::new();
    let at = |path: &str| format!("http://{}{path}", worker.addr);
    assert_eq!(http.get(at("/healthz")).send().await.unwrap().status(), 200);
    let ready = http.get(at("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let r = http
        .get(at("/api/v1/tenants"))
        .bearer_auth(api.token("alice"))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;

    // The API process answers writes once the worker's read models caught up,
    // and documents are parsed, embedded and indexed by the worker.
    let tenant = api.tenant_of("alice", "Acme").await;
    let r = api.call("alice", Method::GET, "/api/v1/me").await;
    assert_eq!(body(r).await["tenant"]["id"], tenant.as_str());
    let docs = collection(&api, "alice", "Archives").await;
    let id = upload_one(
        &api,
        "alice",
        &docs,
        "readme.md",
        corpus("md/gzt-README.fr.md"),
    )
    .await;
    assert_eq!(settled(&api, "alice", &id).await["status"], "indexed");
    let assistant = assistant(&api, "alice", &[&docs]).await;
    let r = api
        .as_user("alice", Method::POST, &format!("/api/v1/chat/{assistant}"))
        .json(&json!({ "message": "Qu'est-ce que la Gazette des mathématiciens ?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer = body(r).await;
    assert!(
        answer["citations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["document_id"] == id.as_str()),
        "{answer}"
    );

    // The API's readiness reports the deployment's projectors, run elsewhere.
    let ready = body(api.call("alice", Method::GET, "/readyz").await).await;
    let names: Vec<&str> = ready["projectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"search_index") && names.contains(&"documents"),
        "{names:?}"
    );
    worker.stop().await;
}

#[tokio::test]
async fn a_second_process_on_one_embedded_index_is_refused_with_what_to_configure() {
    let first =
        TestApp::start_with(|c| c.index_lock_wait = std::time::Duration::from_secs(1)).await;
    let config = (*first.server.state.config).clone();
    let refused = ancre_api::app::start(config.clone())
        .await
        .err()
        .expect("a second process on the same index is refused");
    let message = format!("{refused:#}");
    assert!(message.contains("ANCRE_QDRANT_URL"), "{message}");

    // A role beside others needs the server at all.
    let refused = ancre_api::app::start_as(config, Role::Api)
        .await
        .err()
        .expect("an API process without a Qdrant server is refused");
    let message = format!("{refused:#}");
    assert!(message.contains("ANCRE_QDRANT_URL"), "{message}");

    // The first one still serves.
    let r = first.call("alice", Method::GET, "/api/v1/me").await;
    assert_ne!(r.status(), 500);
}
