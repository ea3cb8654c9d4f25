//! Who may call what: every route of the API document, called as an owner,
//! a member, a `billing` user and an API key of one tenant. A role that may
//! not call a route gets a 403 problem before anything is read or changed;
//! one that may is never refused for its role. A route the document gains
//! without a row here fails the test: its permissions must be decided.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Owner,
    Member,
    Billing,
    ApiKey,
}

use Who::*;

const EVERYONE: &[Who] = &[Owner, Member, Billing, ApiKey];
/// The product itself: collections, documents, assistants, chat.
const WORKSPACE: &[Who] = &[Owner, Member, ApiKey];
/// Usage and invoices: finance's reading.
const USAGE: &[Who] = &[Owner, Billing];
const OWNER: &[Who] = &[Owner];

/// Who may call `method path` in their tenant; `None` for routes whose
/// access is not a tenant role (listed with the reason).
fn allowed(method: &str, path: &str) -> Option<&'static [Who]> {
    match (method, path) {
        // Nango's webhook: authenticated by its signature (tests/connectors.rs).
        ("post", "/api/v1/integrations/nango/webhook") => return None,
        // Needs a connection Nango holds for the tenant (tests/connectors.rs,
        // which also checks another tenant cannot claim one).
        ("get", "/api/v1/integrations/nango/callback") => return None,
        _ => {}
    }
    let workspace = [
        "/api/v1/integrations/nango/",
        "/api/v1/collections",
        "/api/v1/documents",
        "/api/v1/assistants",
        "/api/v1/chat/",
    ];
    if workspace.iter().any(|p| path.starts_with(p)) {
        return Some(WORKSPACE);
    }
    Some(match (method, path) {
        ("get", "/api/v1/usage" | "/api/v1/usage/history" | "/api/v1/usage/ledger") => USAGE,
        ("get", "/api/v1/billing") => USAGE,
        ("post", "/api/v1/billing/checkout" | "/api/v1/billing/portal") => OWNER,
        ("get", "/api/v1/members") => WORKSPACE,
        (_, "/api/v1/members" | "/api/v1/members/{user_id}") => OWNER,
        (_, "/api/v1/api-keys" | "/api/v1/api-keys/{id}") => OWNER,
        (_, "/api/v1/invitations" | "/api/v1/invitations/{user_id}") => OWNER,
        // A user's own invitations, whatever their roles (tests/members.rs).
        (_, p) if p.starts_with("/api/v1/me/invitations") => return None,
        ("get", "/api/v1/me") => EVERYONE,
        // Every role; the sections it answers follow the role (tests/kpi.rs).
        ("post", "/api/v1/copilotkit/actions/kpi") => EVERYONE,
        // Every role may ask the copilot (tests/copilot.rs).
        ("post", "/api/v1/copilotkit/agent") => EVERYONE,
        // Tenants are reached through membership (tests/tenants.rs): a
        // tenant one does not belong to is a 404; opening one is for users.
        (_, p) if p.starts_with("/api/v1/tenants") => return None,
        // Stripe's webhook: authenticated by its signature (tests/billing.rs).
        ("post", "/api/v1/billing/webhook") => return None,
        // Operations, open: liveness and readiness.
        ("get", "/healthz" | "/readyz") => return None,
        _ => panic!("{method} {path} is in the API document but not in the role table"),
    })
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_permissions_say() {
    // Connectors configured (on a Nango nobody listens on): their routes
    // then answer by role, not with "not configured".
    let app = TestApp::start_with(|c| {
        c.nango = Some(ancre_connectors::nango::NangoConfig {
            url: "http://127.0.0.1:9".into(),
            secret_key: "5f1b1f0e-8a40-4c1c-9d7e-0c7a2b9e4d11".into(),
            webhook_secret: "k".into(),
            connect_url: None,
            public_url: None,
            timeout: std::time::Duration::from_secs(2),
        })
    })
    .await;
    let tenant = app.tenant_of("owner_r", "Roles").await;
    for (user, role) in [("member_r", "member"), ("finance_r", "billing")] {
        app.join("owner_r", &tenant, user, role).await;
    }
    let (_, secret) = app.api_key("owner_r", &tenant).await;
    let bearer = |who: Who| match who {
        Owner => app.token("owner_r"),
        Member => app.token("member_r"),
        Billing => app.token("finance_r"),
        ApiKey => secret.clone(),
    };

    let spec = body(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    let mut checked = 0;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let Some(allowed) = allowed(method, path) else {
                continue;
            };
            // Path parameters name nothing that exists: a role that may call
            // the route gets a 404 or a 422, one that may not gets a 403.
            let url = path
                .replace("{user_id}", "someone_r")
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{collection_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{assistant_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{conversation_id}", &uuid::Uuid::new_v4().to_string());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for who in EVERYONE {
                let mut request = app
                    .with_bearer(&bearer(*who), method.clone(), &url)
                    .header("x-ancre-tenant", &tenant);
                if matches!(method, Method::POST | Method::PATCH) {
                    request = request.json(&json!({}));
                }
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                if allowed.contains(who) {
                    assert!(
                        status != 401 && status != 403,
                        "{who:?} may {method} {path}, yet got {status}: {}",
                        r.text().await.unwrap_or_default()
                    );
                    if method == Method::GET && !path.contains('{') {
                        assert!(r.status().is_success(), "{who:?} {method} {path}: {status}");
                    }
                } else {
                    let p = problem(r, 403).await;
                    assert_eq!(p["type"], "https://ancre.dev/problems/forbidden");
                }
                checked += 1;
            }
        }
    }
    // The table covered the API, not a handful of routes.
    assert!(checked >= 4 * 35, "only {checked} calls");
}
