//! Collections over HTTP: lifecycle, validation, roles, and tenant isolation.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn create_read_update_list_and_delete() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/collections")
        .json(&json!({ "name": "Contrats", "description": "Signés en 2026" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = body(r).await;
    assert_eq!(created["name"], "Contrats");
    assert_eq!(created["description"], "Signés en 2026");

    let got = body(
        app.as_user("user_a", Method::GET, &location)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(got, created);

    let r = app
        .as_user("user_a", Method::PATCH, &location)
        .json(&json!({ "name": "Contracts" }))
        .send()
        .await
        .unwrap();
    let updated = body(r).await;
    assert_eq!(updated["name"], "Contracts");
    assert_eq!(updated["description"], "Signés en 2026");

    for i in 0..3 {
        let r = app
            .as_user("user_a", Method::POST, "/api/v1/collections")
            .json(&json!({ "name": format!("c{i}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let page = body(
        app.as_user(
            "user_a",
            Method::GET,
            "/api/v1/collections?limit=2&offset=1",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(page["total"], 4);
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c0", "c1"]);

    let r = app
        .as_user("user_a", Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(
        app.as_user("user_a", Method::GET, &location)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.as_user("user_a", Method::DELETE, &location)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let page = body(
        app.as_user("user_a", Method::GET, "/api/v1/collections")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["total"], 3);
}

#[tokio::test]
async fn bad_collection_input_gets_problem_json() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let post = |payload: serde_json::Value| {
        app.as_user("user_a", Method::POST, "/api/v1/collections")
            .json(&payload)
            .send()
    };
    problem(post(json!({ "name": "" })).await.unwrap(), 422).await;
    problem(post(json!({ "name": "x".repeat(101) })).await.unwrap(), 422).await;
    problem(
        post(json!({ "name": "ok", "tenant_id": "00000000-0000-0000-0000-000000000000" }))
            .await
            .unwrap(),
        422,
    )
    .await;
    // A user without a tenant is told how to get one.
    let r = app
        .as_user("user_new", Method::POST, "/api/v1/collections")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    let p = problem(r, 403).await;
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("POST /api/v1/tenants"));
}

#[tokio::test]
async fn tenant_b_gets_404_on_tenant_a_collections() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let b = app.tenant_of("user_b", "B").await;
    let (_, b_key) = app.api_key("user_b", &b).await;
    let created = body(
        app.as_user("user_a", Method::POST, "/api/v1/collections")
            .json(&json!({ "name": "Secret" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let path = format!("/api/v1/collections/{}", created["id"].as_str().unwrap());

    problem(
        app.as_user("user_b", Method::GET, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
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
    problem(
        app.as_user("user_b", Method::DELETE, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.with_bearer(&b_key, Method::DELETE, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    // Naming A's tenant in the header does not help B.
    let r = app
        .as_user("user_b", Method::GET, &path)
        .header("x-ancre-tenant", &a)
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    for r in [
        app.as_user("user_b", Method::GET, "/api/v1/collections")
            .send()
            .await
            .unwrap(),
        app.with_bearer(&b_key, Method::GET, "/api/v1/collections")
            .send()
            .await
            .unwrap(),
    ] {
        let page = body(r).await;
        assert_eq!(page["total"], 0, "{page}");
    }
    // A still has it, unchanged.
    let got = body(
        app.as_user("user_a", Method::GET, &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(got["name"], "Secret");
}

#[tokio::test]
async fn billing_users_neither_read_nor_change_collections() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    app.join("user_a", &a, "user_finance", "billing").await;
    let r = app
        .as_user("user_finance", Method::POST, "/api/v1/collections")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    // Their role is usage and invoices: the workspace's contents are not theirs to read.
    let r = app
        .as_user("user_finance", Method::GET, "/api/v1/collections")
        .send()
        .await
        .unwrap();
    let p = problem(r, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("billing"), "{p}");
}
