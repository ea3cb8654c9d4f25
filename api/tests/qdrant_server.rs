//! The product on the scale-out engines: the search index on the real Qdrant
//! server `make test` starts and files in the S3-API server. Upload →
//! indexed → cited answer → delete leaves no point, tenants kept apart.

mod common;

use ancre_index::SearchQuery;
use ancre_testkit::wait::until;
use common::{assistant, body, collection, corpus, settled, upload_one, TestApp, DEADLINE};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

const FRENCH: &str = "pdf/project-history.fr.pdf";

fn uuid(id: &str) -> Uuid {
    id.parse().expect("ids are UUIDs")
}

/// The index is blocking (it drives its gRPC client on the runtime itself).
async fn points(app: &TestApp, tenant: &str, document: Option<&str>) -> u64 {
    let index = app.server.state.index.clone();
    let (tenant, document) = (uuid(tenant), document.map(uuid));
    tokio::task::spawn_blocking(move || index.count(tenant, document))
        .await
        .unwrap()
        .expect("the Qdrant server answers")
}

async fn ask(app: &TestApp, user: &str, assistant: &str, question: &str) -> Value {
    let r = app
        .as_user(user, Method::POST, &format!("/api/v1/chat/{assistant}"))
        .json(&json!({ "message": question }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    body(r).await
}

#[tokio::test]
async fn on_a_qdrant_server_documents_are_indexed_cited_and_deleted_per_tenant() {
    let app = TestApp::start_with(|c| {
        c.s3 = Some(common::s3_config());
        c.qdrant = Some(common::qdrant_config());
    })
    .await;
    let alice = app.tenant_of("alice", "Acme").await;
    let bob = app.tenant_of("bob", "Bobco").await;
    let alice_docs = collection(&app, "alice", "Archives").await;
    let bob_docs = collection(&app, "bob", "Archives").await;

    let id = upload_one(&app, "alice", &alice_docs, "history.pdf", corpus(FRENCH)).await;
    let d = settled(&app, "alice", &id).await;
    assert_eq!(d["status"], "indexed", "{d}");
    let chunks = d["chunks"].as_u64().unwrap();
    assert!(chunks > 0);
    assert_eq!(
        points(&app, &alice, Some(&id)).await,
        chunks,
        "one point per chunk"
    );
    assert_eq!(points(&app, &bob, None).await, 0);

    // Alice's answer cites the page that holds the founding of Debian.
    let archivist = assistant(&app, "alice", &[&alice_docs]).await;
    let answer = ask(
        &app,
        "alice",
        &archivist,
        "En quelle année Ian Murdock a-t-il créé Debian ?",
    )
    .await;
    let citations = answer["citations"].as_array().unwrap();
    let murdock = citations
        .iter()
        .find(|c| c["excerpt"].as_str().unwrap().contains("1993"))
        .unwrap_or_else(|| panic!("a citation quotes the founding: {answer}"));
    assert_eq!(murdock["page"], 12, "{murdock}");
    assert_eq!(murdock["document_id"], id.as_str());

    // Bob, asking the same with his own words, reaches none of it: not
    // through his assistant, not through the index itself.
    let own = assistant(&app, "bob", &[&bob_docs]).await;
    let answer = ask(
        &app,
        "bob",
        &own,
        "En quelle année Ian Murdock a-t-il créé Debian ?",
    )
    .await;
    assert_eq!(answer["citations"], json!([]), "{answer}");
    let index = app.server.state.index.clone();
    let query = SearchQuery {
        tenant: uuid(&bob),
        collections: None,
        documents: None,
        text: "Ian Murdock Debian 1993".into(),
        vector: vec![1.0 / (384f32).sqrt(); 384],
        limit: 50,
        weights: Default::default(),
    };
    let search = |query: SearchQuery| {
        let index = index.clone();
        async move {
            tokio::task::spawn_blocking(move || index.search(&query))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let hits = search(query.clone()).await;
    assert!(hits.is_empty(), "{hits:?}");
    // Naming Alice's document does not open it to Bob; Alice, searching
    // within it, finds its points and no other.
    let within = |tenant: &str| SearchQuery {
        tenant: uuid(tenant),
        documents: Some(vec![uuid(&id)]),
        ..query.clone()
    };
    let hits = search(within(&bob)).await;
    assert!(hits.is_empty(), "{hits:?}");
    let hits = search(within(&alice)).await;
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.document == uuid(&id)), "{hits:?}");

    // Deleting the document leaves no point on the server.
    let r = app
        .call("alice", Method::DELETE, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(r.status(), 204);
    until("the server to forget the document", DEADLINE, || async {
        (points(&app, &alice, None).await == 0).then_some(())
    })
    .await;
}
