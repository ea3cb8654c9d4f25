//! Tenants over HTTP: create and read back at once, listing, renaming,
//! suspension, and tenant B never seeing tenant A.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_created_tenant_can_be_read_back_at_once() {
    let app = TestApp::start().await;
    let r = app
        .as_user("user_alice", Method::POST, "/api/v1/tenants")
        .json(&json!({ "name": "  Alice Inc  " }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = body(r).await;
    assert_eq!(created["name"], "Alice Inc");
    assert_eq!(created["plan"], "free");
    assert_eq!(created["role"], "owner");

    // Read-your-writes: no waiting between the create and the read.
    let r = app
        .as_user("user_alice", Method::GET, &location)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await, created);
    let listed = body(
        app.as_user("user_alice", Method::GET, "/api/v1/tenants")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["total"], 1);
    let me = body(
        app.as_user("user_alice", Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["tenant"]["id"], created["id"]);

    // Rename, and see it at once.
    let r = app
        .as_user("user_alice", Method::PATCH, &location)
        .json(&json!({ "name": "Alice SAS" }))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["name"], "Alice SAS");
    assert_eq!(
        body(
            app.as_user("user_alice", Method::GET, &location)
                .send()
                .await
                .unwrap()
        )
        .await["name"],
        "Alice SAS"
    );
}

#[tokio::test]
async fn bad_input_gets_problem_json() {
    let app = TestApp::start().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.as_user("u", Method::POST, "/api/v1/tenants")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    problem(post("{\"name\":", "application/json").await.unwrap(), 400).await;
    problem(
        post("{\"name\":\"A\",\"plan\":\"pro\"}", "application/json")
            .await
            .unwrap(),
        422,
    )
    .await;
    problem(
        post("{\"name\":42}", "application/json").await.unwrap(),
        422,
    )
    .await;
    problem(
        post("{\"name\":\"   \"}", "application/json")
            .await
            .unwrap(),
        422,
    )
    .await;
    problem(
        post("name=A", "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        415,
    )
    .await;
    let r = app
        .as_user("u", Method::GET, "/api/v1/tenants/not-a-uuid")
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    let r = app
        .as_user("u", Method::GET, "/api/v1/nowhere")
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let r = app
        .as_user("u", Method::PUT, "/api/v1/tenants")
        .send()
        .await
        .unwrap();
    problem(r, 405).await;
    let r = app
        .as_user("u", Method::GET, "/api/v1/tenants?limit=0")
        .send()
        .await
        .unwrap();
    problem(r, 422).await;
}

#[tokio::test]
async fn tenant_b_gets_404_on_everything_of_tenant_a() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let b = app.tenant_of("user_b", "B").await;
    let (a_key_id, a_secret) = app.api_key("user_a", &a).await;
    let (_, b_secret) = app.api_key("user_b", &b).await;

    // B as a user, with well-formed requests on A's ids.
    let calls = [
        (Method::GET, format!("/api/v1/tenants/{a}"), None),
        (
            Method::PATCH,
            format!("/api/v1/tenants/{a}"),
            Some(json!({ "name": "pwned" })),
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{a}/suspend"),
            Some(json!({ "reason": "pwned" })),
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{a}/reactivate"),
            None,
        ),
        (Method::DELETE, format!("/api/v1/api-keys/{a_key_id}"), None),
    ];
    for (method, path, payload) in calls {
        let mut request = app.as_user("user_b", method, &path);
        if let Some(payload) = payload {
            request = request.json(&payload);
        }
        problem(request.send().await.unwrap(), 404).await;
    }
    // B's API key, too.
    let r = app
        .with_bearer(&b_secret, Method::GET, &format!("/api/v1/tenants/{a}"))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    // Choosing A with the tenant header is not possible for B.
    let r = app
        .as_user("user_b", Method::GET, "/api/v1/api-keys")
        .header("x-ancre-tenant", &a)
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    // Listings never show A.
    for r in [
        app.as_user("user_b", Method::GET, "/api/v1/tenants")
            .send()
            .await
            .unwrap(),
        app.with_bearer(&b_secret, Method::GET, "/api/v1/tenants")
            .send()
            .await
            .unwrap(),
        app.as_user("user_b", Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap(),
        app.as_user("user_b", Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(!text.contains(&a) && !text.contains(&a_key_id), "{text}");
    }
    // And A is untouched.
    let r = app
        .with_bearer(&a_secret, Method::GET, &format!("/api/v1/tenants/{a}"))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["name"], "A");
    let r = app
        .with_bearer(&a_secret, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn roles_and_admin_powers() {
    let app = TestApp::start().await;
    let a = app.tenant_of("user_a", "A").await;
    let (_, key) = app.api_key("user_a", &a).await;

    // API keys act as members: no renaming, no key management, no new tenants.
    let r = app
        .with_bearer(&key, Method::PATCH, &format!("/api/v1/tenants/{a}"))
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    problem(
        app.with_bearer(&key, Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let r = app
        .with_bearer(&key, Method::POST, "/api/v1/tenants")
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;

    // An owner cannot suspend their own tenant; a platform admin can, and the
    // tenant's credentials stop working until it is reactivated.
    let r = app
        .as_user(
            "user_a",
            Method::POST,
            &format!("/api/v1/tenants/{a}/suspend"),
        )
        .json(&json!({ "reason": "x" }))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    let admin_sees_all = body(
        app.as_user("admin", Method::GET, "/api/v1/tenants")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(admin_sees_all.to_string().contains(&a));
    let r = app
        .as_user(
            "admin",
            Method::POST,
            &format!("/api/v1/tenants/{a}/suspend"),
        )
        .json(&json!({ "reason": "unpaid invoice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["status"], "suspended");
    let p = problem(
        app.with_bearer(&key, Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("unpaid invoice"));
    let r = app
        .as_user(
            "admin",
            Method::POST,
            &format!("/api/v1/tenants/{a}/reactivate"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["status"], "active");
    let r = app
        .as_user("user_a", Method::GET, "/api/v1/api-keys")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_user_owns_a_bounded_number_of_free_workspaces() {
    let app = TestApp::start_with(|c| c.max_free_workspaces_per_user = 2).await;
    let create = |user: &'static str, name: String| {
        app.as_user(user, Method::POST, "/api/v1/tenants")
            .json(&json!({ "name": name }))
            .send()
    };
    app.tenant_of("user_f", "One").await;
    app.tenant_of("user_f", "Two").await;
    let p = problem(create("user_f", "Three".into()).await.unwrap(), 403).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("2 Free workspaces"), "{p}");
    let listed = body(app.call("user_f", Method::GET, "/api/v1/tenants").await).await;
    assert_eq!(
        listed["total"], 2,
        "the refused one was not opened: {listed}"
    );

    // Racing requests of one user cannot pass the bound together.
    let racing =
        futures::future::join_all((0..6).map(|i| create("user_race", format!("Race {i}")))).await;
    let statuses: Vec<u16> = racing
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        4,
        "{statuses:?}"
    );

    // Another user is not bound by them; a platform admin is not bound at all.
    app.tenant_of("user_g", "Mine").await;
    for i in 0..3 {
        app.tenant_of("admin", &format!("Admin {i}")).await;
    }
}
