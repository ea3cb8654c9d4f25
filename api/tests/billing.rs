//! Billing with Stripe, against a local server that speaks Stripe's REST
//! protocol and webhooks signed as Stripe signs them: checkout, the portal,
//! subscription notices becoming plan changes — applied once, in Stripe's
//! order, refused when unsigned, stale or forged — and the routes' answer
//! when no Stripe key is configured.

mod common;

use std::time::Duration;

use ancre_api::billing::StripeConfig;
use ancre_testkit::stripe::{self, FakeStripe, PRICE_PRO, SECRET_KEY, WEBHOOK_SECRET};
use chrono::Utc;
use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn config(fake: &FakeStripe) -> StripeConfig {
    StripeConfig {
        secret_key: SECRET_KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        price_pro: PRICE_PRO.into(),
        api_base: fake.base_url(),
        public_url: "https://app.ancre.test".into(),
        webhook_tolerance: Duration::from_secs(300),
        timeout: Duration::from_secs(10),
    }
}

async fn deliver(app: &TestApp, event: &Value, signature: Option<String>) -> reqwest::Response {
    let payload = event.to_string();
    let mut request = app
        .http
        .post(app.url("/api/v1/billing/webhook"))
        .header("content-type", "application/json")
        .body(payload.clone());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.unwrap()
}

fn signed(event: &Value) -> Option<String> {
    Some(stripe::sign(
        WEBHOOK_SECRET,
        &event.to_string(),
        Utc::now().timestamp(),
    ))
}

fn subscription(tenant: Option<&str>, status: &str) -> Value {
    let mut s = json!({
        "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": status,
        "metadata": {},
    });
    if let Some(t) = tenant {
        s["metadata"]["tenant_id"] = json!(t);
    }
    s
}

async fn billing(app: &TestApp, user: &str) -> Value {
    let r = app.call(user, Method::GET, "/api/v1/billing").await;
    assert_eq!(r.status(), 200);
    body(r).await
}

async fn notices(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'BillingNoticeRecorded'")
        .fetch_one(&app.server.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_stripe_key_the_billing_routes_say_so_and_plans_stay() {
    let app = TestApp::start().await;
    app.tenant_of("owner_n", "N").await;
    for path in ["/api/v1/billing/checkout", "/api/v1/billing/portal"] {
        let p = problem(app.call("owner_n", Method::POST, path).await, 503).await;
        assert!(
            p["detail"].as_str().unwrap().contains("STRIPE_SECRET_KEY"),
            "{p}"
        );
    }
    let event = stripe::event(
        "evt_x",
        "customer.subscription.created",
        1,
        subscription(None, "active"),
    );
    problem(deliver(&app, &event, signed(&event)).await, 503).await;
    let b = billing(&app, "owner_n").await;
    assert_eq!(b["plan"], "free");
    assert_eq!(b["billing_enabled"], false);
}

#[tokio::test]
async fn checkout_notices_and_portal_move_the_tenant_between_plans() {
    let fake = FakeStripe::start().await;
    let stripe_config = config(&fake);
    let app = TestApp::start_with(|c| c.billing = Some(stripe_config)).await;
    let owner = "owner_s";
    let tenant = app.tenant_of(owner, "S").await;
    app.join(owner, &tenant, "staff_s", "member").await;

    // Checkout: a Stripe session for the Pro price, carrying the tenant.
    let r = app
        .call(owner, Method::POST, "/api/v1/billing/checkout")
        .await;
    assert_eq!(r.status(), 200);
    let session = body(r).await;
    assert!(session["id"].as_str().unwrap().starts_with("cs_test_"));
    assert!(session["url"]
        .as_str()
        .unwrap()
        .starts_with("https://checkout.stripe.test/"));
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/v1/checkout/sessions");
    let form = &sent[0].form;
    assert_eq!(form["mode"], "subscription");
    assert_eq!(form["line_items[0][price]"], PRICE_PRO);
    assert_eq!(form["line_items[0][quantity]"], "1");
    assert_eq!(form["subscription_data[metadata][tenant_id]"], tenant);
    assert_eq!(form["client_reference_id"], tenant);
    assert!(form["success_url"].starts_with("https://app.ancre.test/"));
    // A member may not change the plan; no portal before a customer exists.
    problem(
        app.call("staff_s", Method::POST, "/api/v1/billing/checkout")
            .await,
        403,
    )
    .await;
    problem(
        app.call(owner, Method::POST, "/api/v1/billing/portal")
            .await,
        409,
    )
    .await;

    // Stripe says the subscription is active: Pro, and its limits.
    let t0 = 1_800_000_000;
    let created = stripe::event(
        "evt_created",
        "customer.subscription.created",
        t0,
        subscription(Some(&tenant), "active"),
    );
    let r = deliver(&app, &created, signed(&created)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["received"], true);
    let b = billing(&app, owner).await;
    assert_eq!(b["plan"], "pro");
    assert_eq!(b["subscription_status"], "active");
    let usage = body(app.call(owner, Method::GET, "/api/v1/usage").await).await;
    assert_eq!(usage["plan"], "pro");
    assert_eq!(usage["quotas"][0]["limit"], 10_000);
    // Already on Pro: checkout again is a conflict that points at the portal.
    let p = problem(
        app.call(owner, Method::POST, "/api/v1/billing/checkout")
            .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("portal"));

    // The same delivery again is applied once.
    assert_eq!(notices(&app).await, 1);
    assert_eq!(
        deliver(&app, &created, signed(&created)).await.status(),
        200
    );
    assert_eq!(notices(&app).await, 1);

    // Forged, unsigned or stale deliveries change nothing.
    let deleted = stripe::event(
        "evt_deleted",
        "customer.subscription.deleted",
        t0 + 200,
        subscription(Some(&tenant), "canceled"),
    );
    let forged = Some(stripe::sign(
        "whsec_attacker",
        &deleted.to_string(),
        Utc::now().timestamp(),
    ));
    problem(deliver(&app, &deleted, forged).await, 400).await;
    problem(deliver(&app, &deleted, None).await, 400).await;
    let stale = Some(stripe::sign(
        WEBHOOK_SECRET,
        &deleted.to_string(),
        Utc::now().timestamp() - 3600,
    ));
    let p = problem(deliver(&app, &deleted, stale).await, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("tolerance"), "{p}");
    // A payload changed after signing does not match its signature.
    let signature = signed(&deleted);
    let mut tampered = deleted.clone();
    tampered["data"]["object"]["metadata"]["tenant_id"] = json!("someone-else");
    problem(deliver(&app, &tampered, signature).await, 400).await;
    assert_eq!(billing(&app, owner).await["plan"], "pro");
    assert_eq!(notices(&app).await, 1);

    // Out of order: the deletion (t0+200) arrives before an update (t0+100).
    assert_eq!(
        deliver(&app, &deleted, signed(&deleted)).await.status(),
        200
    );
    assert_eq!(billing(&app, owner).await["plan"], "free");
    let late = stripe::event(
        "evt_updated_late",
        "customer.subscription.updated",
        t0 + 100,
        subscription(Some(&tenant), "active"),
    );
    assert_eq!(deliver(&app, &late, signed(&late)).await.status(), 200);
    let b = billing(&app, owner).await;
    assert_eq!(
        b["plan"], "free",
        "an older notice does not undo a newer one"
    );
    assert_eq!(b["subscription_status"], "canceled");

    // A failed payment names only the customer: found through it.
    let failed = stripe::event(
        "evt_failed",
        "invoice.payment_failed",
        t0 + 300,
        json!({ "id": "in_1", "object": "invoice", "customer": "cus_1", "subscription": "sub_1" }),
    );
    assert_eq!(deliver(&app, &failed, signed(&failed)).await.status(), 200);
    assert!(billing(&app, owner).await["payment_failed_at"].is_string());

    // Events Ancre does not act on, or for nobody of ours, are acknowledged.
    let other = stripe::event(
        "evt_other",
        "customer.created",
        t0,
        json!({ "id": "cus_9" }),
    );
    let r = deliver(&app, &other, signed(&other)).await;
    assert_eq!(r.status(), 200);
    assert!(body(r).await["ignored"].is_string());
    let stranger = stripe::event(
        "evt_stranger",
        "customer.subscription.created",
        t0,
        json!({ "id": "sub_9", "object": "subscription", "customer": "cus_9", "status": "active", "metadata": {} }),
    );
    let r = deliver(&app, &stranger, signed(&stranger)).await;
    assert_eq!(r.status(), 200);
    assert!(body(r).await["ignored"].is_string());

    // The portal opens for the tenant's customer.
    fake.add_customer("cus_1");
    let r = app
        .call(owner, Method::POST, "/api/v1/billing/portal")
        .await;
    assert_eq!(r.status(), 200);
    assert!(body(r).await["url"]
        .as_str()
        .unwrap()
        .starts_with("https://billing.stripe.test/"));
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.path, "/v1/billing_portal/sessions");
    assert_eq!(last.form["customer"], "cus_1");
    assert_eq!(last.form["return_url"], "https://app.ancre.test/billing");

    // Another tenant sees none of it and has no customer.
    app.tenant_of("owner_t", "T").await;
    let other_billing = billing(&app, "owner_t").await;
    assert_eq!(other_billing["plan"], "free");
    assert!(other_billing["subscription_status"].is_null());
    problem(
        app.call("owner_t", Method::POST, "/api/v1/billing/portal")
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn stripes_own_words_stay_in_the_logs() {
    let fake = FakeStripe::start().await;
    let mut stripe_config = config(&fake);
    stripe_config.secret_key = "sk_live_revoked_key".into();
    let app = TestApp::start_with(|c| c.billing = Some(stripe_config)).await;
    app.tenant_of("owner_k", "K").await;
    let p = problem(
        app.call("owner_k", Method::POST, "/api/v1/billing/checkout")
            .await,
        503,
    )
    .await;
    assert_eq!(p["type"], "https://ancre.dev/problems/unavailable");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("payment provider"), "{p}");
    for leak in ["Invalid API Key", "sk_", "401", &fake.base_url()] {
        assert!(!detail.contains(leak), "{leak:?} in {p}");
    }
}
