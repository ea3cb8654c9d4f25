//! Members and roles over HTTP: owners manage them, the last owner stays,
//! roles take effect at once, and nothing crosses tenants.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn owners_invite_change_and_remove_members() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "user_finance", "role": "billing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let invitation = body(r).await;
    assert_eq!(invitation["role"], "billing");
    assert_eq!(invitation["tenant_name"], "A");
    assert_eq!(invitation["invited_by"], "user:user_a");
    // Invited is not a member: nothing of the tenant until they accept.
    let me = body(app.call("user_finance", Method::GET, "/api/v1/me").await).await;
    assert!(me["tenant"].is_null(), "{me}");
    let r = app
        .call(
            "user_finance",
            Method::POST,
            &format!("/api/v1/me/invitations/{a}/accept"),
        )
        .await;
    assert_eq!(r.status(), 200);
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

#[tokio::test]
async fn nobody_is_pulled_into_a_tenant_nor_has_their_default_taken() {
    let app = TestApp::start().await;
    // An older tenant invites bob, as owner, before bob opens his own.
    let older = app.tenant_of("mallory", "Older").await;
    let r = app
        .as_user("mallory", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "bob", "role": "owner" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let own = app.tenant_of("bob", "Bob's").await;
    // bob's requests that name no tenant (an API client, a fresh browser)
    // still act in his own tenant, and he is in no other.
    let me = body(app.call("bob", Method::GET, "/api/v1/me").await).await;
    assert_eq!(me["tenant"]["id"], own.as_str(), "{me}");
    assert_eq!(me["tenants"].as_array().unwrap().len(), 1, "{me}");
    let r = app
        .as_user("bob", Method::GET, "/api/v1/collections")
        .header("x-ancre-tenant", &older)
        .send()
        .await
        .unwrap();
    problem(r, 404).await;

    // He sees the invitation, and declines it: still his own tenant only.
    let mine = body(app.call("bob", Method::GET, "/api/v1/me/invitations").await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["tenant_id"], older.as_str());
    assert_eq!(mine[0]["tenant_name"], "Older");
    assert_eq!(mine[0]["role"], "owner");
    // Nobody else may accept it, nor decline it for him.
    for user in ["carol", "mallory"] {
        let r = app
            .call(
                user,
                Method::POST,
                &format!("/api/v1/me/invitations/{older}/accept"),
            )
            .await;
        problem(r, 404).await;
    }
    let r = app
        .call(
            "bob",
            Method::POST,
            &format!("/api/v1/me/invitations/{older}/decline"),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .call(
            "bob",
            Method::POST,
            &format!("/api/v1/me/invitations/{older}/accept"),
        )
        .await;
    problem(r, 404).await;
    let me = body(app.call("bob", Method::GET, "/api/v1/me").await).await;
    assert_eq!(me["tenants"].as_array().unwrap().len(), 1, "{me}");
    assert!(
        body(app.call("bob", Method::GET, "/api/v1/me/invitations").await)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn owners_see_and_withdraw_their_tenants_invitations_only() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    app.tenant_of("user_b", "B").await;
    for user in ["carol", "dave"] {
        let r = app
            .as_user("user_a", Method::POST, "/api/v1/members")
            .json(&json!({ "user_id": user, "role": "member" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Twice is a conflict.
    let r = app
        .as_user("user_a", Method::POST, "/api/v1/members")
        .json(&json!({ "user_id": "carol", "role": "owner" }))
        .send()
        .await
        .unwrap();
    problem(r, 409).await;
    let pending = body(app.call("user_a", Method::GET, "/api/v1/invitations").await).await;
    let users: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["carol", "dave"]);
    // Another tenant's owner sees none of them and withdraws none.
    let theirs = body(app.call("user_b", Method::GET, "/api/v1/invitations").await).await;
    assert!(theirs.as_array().unwrap().is_empty(), "{theirs}");
    let r = app
        .call("user_b", Method::DELETE, "/api/v1/invitations/carol")
        .await;
    problem(r, 404).await;
    // A's owner withdraws carol's: she can no longer accept it.
    let r = app
        .call("user_a", Method::DELETE, "/api/v1/invitations/carol")
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .call(
            "carol",
            Method::POST,
            &format!("/api/v1/me/invitations/{a}/accept"),
        )
        .await;
    problem(r, 404).await;
    let r = app
        .call(
            "dave",
            Method::POST,
            &format!("/api/v1/me/invitations/{a}/accept"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let pending = body(app.call("user_a", Method::GET, "/api/v1/invitations").await).await;
    assert!(pending.as_array().unwrap().is_empty(), "{pending}");
}
