//! Assistants over HTTP: lifecycle with defaults, validation, collections
//! that must be the tenant's own, and tenant isolation.

mod common;

use common::{body, collection, problem, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn create(app: &TestApp, user: &str, payload: Value) -> reqwest::Response {
    app.as_user(user, Method::POST, "/api/v1/assistants")
        .json(&payload)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_with_defaults_read_update_list_and_delete() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let manuals = collection(&app, "user_a", "Manuals").await;
    let contracts = collection(&app, "user_a", "Contracts").await;

    let r = create(
        &app,
        "user_a",
        json!({ "name": " Support ", "instructions": "Answer from the manuals.", "collections": [manuals] }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = body(r).await;
    assert_eq!(created["name"], "Support");
    assert_eq!(created["instructions"], "Answer from the manuals.");
    assert_eq!(created["model"], "extractive", "the offline default");
    assert_eq!(created["collections"], json!([manuals]));
    assert_eq!(
        created["retrieval"],
        json!({ "top_k": 6, "dense_weight": 0.5, "keyword_weight": 0.5, "rerank": false })
    );
    assert!((created["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
    let got = body(app.call("user_a", Method::GET, &location).await).await;
    assert_eq!(got, created);

    let r = app
        .as_user("user_a", Method::PATCH, &location)
        .json(&json!({
            "temperature": 0.9,
            "collections": [contracts, manuals, contracts],
            "retrieval": { "top_k": 12, "rerank": true }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated = body(r).await;
    assert_eq!(updated["name"], "Support", "untouched fields stay");
    assert_eq!(updated["collections"], json!([contracts, manuals]));
    assert_eq!(updated["retrieval"]["top_k"], 12);
    assert_eq!(updated["retrieval"]["dense_weight"], 0.5);
    assert_eq!(updated["retrieval"]["rerank"], true);
    let got = body(app.call("user_a", Method::GET, &location).await).await;
    assert_eq!(got["retrieval"]["rerank"], true, "the read model keeps it");
    assert!((updated["temperature"].as_f64().unwrap() - 0.9).abs() < 1e-6);

    create(&app, "user_a", json!({ "name": "Second" })).await;
    let page = body(app.call("user_a", Method::GET, "/api/v1/assistants").await).await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"][0]["name"], "Support");
    assert_eq!(page["items"][1]["collections"], json!([]));

    assert_eq!(
        app.call("user_a", Method::DELETE, &location).await.status(),
        204
    );
    problem(app.call("user_a", Method::GET, &location).await, 404).await;
    problem(app.call("user_a", Method::DELETE, &location).await, 404).await;
    let page = body(app.call("user_a", Method::GET, "/api/v1/assistants").await).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn bad_assistant_input_gets_problem_json_naming_the_field() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    for (payload, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "a", "temperature": 3.0 }), "temperature"),
        (json!({ "name": "a", "retrieval": { "top_k": 0 } }), "top_k"),
        (
            json!({ "name": "a", "retrieval": { "dense_weight": 1.5 } }),
            "dense_weight",
        ),
        (
            json!({ "name": "a", "model": "gpt-4o-mini" }),
            "gpt-4o-mini",
        ),
        (json!({ "name": "a", "tenant_id": "x" }), "tenant_id"),
        (
            json!({ "name": "a", "collections": ["not-a-uuid"] }),
            "UUID",
        ),
    ] {
        let p = problem(create(&app, "user_a", payload.clone()).await, 422).await;
        assert!(
            p["detail"].as_str().unwrap().contains(field),
            "{payload} → {p}"
        );
    }
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/assistants")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    problem(
        app.call("user_a", Method::GET, "/api/v1/assistants/nope")
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn another_tenants_collection_cannot_be_attached() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    app.tenant_of("user_b", "B").await;
    let secret = collection(&app, "user_a", "Secret").await;
    let mine = collection(&app, "user_b", "Mine").await;

    let p = problem(
        create(
            &app,
            "user_b",
            json!({ "name": "Spy", "collections": [mine, secret] }),
        )
        .await,
        422,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains(&secret), "{p}");

    let r = create(
        &app,
        "user_b",
        json!({ "name": "Spy", "collections": [mine] }),
    )
    .await;
    let spy = body(r).await;
    let path = format!("/api/v1/assistants/{}", spy["id"].as_str().unwrap());
    let r = app
        .as_user("user_b", Method::PATCH, &path)
        .json(&json!({ "collections": [secret] }))
        .send()
        .await
        .unwrap();
    problem(r, 422).await;
    let unchanged = body(app.call("user_b", Method::GET, &path).await).await;
    assert_eq!(unchanged["collections"], json!([mine]));
}

#[tokio::test]
async fn tenant_b_gets_404_on_tenant_a_assistants() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let b = app.tenant_of("user_b", "B").await;
    let (_, b_key) = app.api_key("user_b", &b).await;
    let created = body(create(&app, "user_a", json!({ "name": "Private" })).await).await;
    let path = format!("/api/v1/assistants/{}", created["id"].as_str().unwrap());

    problem(app.call("user_b", Method::GET, &path).await, 404).await;
    problem(
        app.with_bearer(&b_key, Method::GET, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let r = app
        .as_user("user_b", Method::PATCH, &path)
        .json(&json!({ "name": "pwned" }))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    problem(app.call("user_b", Method::DELETE, &path).await, 404).await;
    let r = app
        .as_user("user_b", Method::GET, &path)
        .header("x-ancre-tenant", &a)
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let page = body(app.call("user_b", Method::GET, "/api/v1/assistants").await).await;
    assert_eq!(page["total"], 0);
    let got = body(app.call("user_a", Method::GET, &path).await).await;
    assert_eq!(got["name"], "Private");
}
