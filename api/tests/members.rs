//! Members and roles over HTTP: owners manage them, the last owner stays,
//! roles take effect at once, and nothing crosses tenants.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn owners_add_change_and_remove_members() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "user_finance", "role": "billing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["role"], "billing");

    // The new member acts in the tenant at once, with their role's rights.
    let me = body(
        app.as_user("user_finance", Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["tenant"]["role"], "billing");
    let r = app
        .as_user("user_finance", Method::POST, "/api/v1/collections")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    let r = app
        .as_user("user_finance", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "intruder", "role": "owner" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;

    let r = app
        .as_user("user_a", Method::PATCH, "/api/v1/members/user_finance")
        .json(&json!({ "role": "member" }))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["role"], "member");
    let r = app
        .as_user("user_finance", Method::POST, "/api/v1/collections")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let list = body(
        app.as_user("user_finance", Method::GET, "/api/v1/members")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    let r = app
        .as_user("user_a", Method::DELETE, "/api/v1/members/user_finance")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let p = problem(
        app.as_user("user_finance", Method::GET, "/api/v1/collections")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("no tenant"));
}

#[tokio::test]
async fn the_last_owner_stays_and_bad_input_is_refused() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let r = app
        .as_user("user_a", Method::PATCH, "/api/v1/members/user_a")
        .json(&json!({ "role": "member" }))
        .send()
        .await
        .unwrap();
    let p = problem(r, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("owner"));
    problem(
        app.as_user("user_a", Method::DELETE, "/api/v1/members/user_a")
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "u2", "role": "admin" }))
        .send()
        .await
        .unwrap();
    problem(r, 422).await;
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "user_a", "role": "member" }))
        .send()
        .await
        .unwrap();
    problem(r, 409).await;
    problem(
        app.as_user("user_a", Method::DELETE, "/api/v1/members/nobody")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn tenant_b_never_sees_or_touches_tenant_a_members() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let b = app.tenant_of("user_b", "B").await;
    let (_, b_key) = app.api_key("user_b", &b).await;
    // B's owner acts on "user_a": that name is not a member of B's tenant.
    let r = app
        .as_user("user_b", Method::PATCH, "/api/v1/members/user_a")
        .json(&json!({ "role": "member" }))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    problem(
        app.as_user("user_b", Method::DELETE, "/api/v1/members/user_a")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let r = app
        .as_user("user_b", Method::GET, "/api/v1/members")
        .header("x-ancre-tenant", &a)
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    for r in [
        app.as_user("user_b", Method::GET, "/api/v1/members")
            .send()
            .await
            .unwrap(),
        app.with_bearer(&b_key, Method::GET, "/api/v1/members")
            .send()
            .await
            .unwrap(),
    ] {
        let text = r.text().await.unwrap();
        assert!(!text.contains("user_a"), "{text}");
    }
    // API keys never manage members.
    let r = app
        .with_bearer(&b_key, Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "x", "role": "owner" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    // A is intact.
    let list = body(
        app.as_user("user_a", Method::GET, "/api/v1/members")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list[0]["user_id"], "user_a");
    assert_eq!(list[0]["role"], "owner");
}
