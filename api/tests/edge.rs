//! The edge itself: health, readiness, metrics, the OpenAPI document and its viewers.

mod common;

use common::{body, TestApp};
use reqwest::Method;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::start().await;
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(body(r).await["status"], "ok");
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ready = body(r).await;
    assert_eq!(ready["projectors"][0]["name"], "tenants");

    app.tenant_of("user_a", "A").await;
    let r = app.http.get(app.url("/metrics")).send().await.unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("ancre_projector_events_behind{projector=\"tenants\"}"));
    assert!(text.contains("ancre_http_responses_total{class=\"2xx\"}"));
    // The create waited for the projector, so its lag was recorded.
    let count_line = text
        .lines()
        .find(|l| l.starts_with("ancre_projector_apply_lag_seconds_count{projector=\"tenants\"}"))
        .unwrap();
    let applied: u64 = count_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(applied >= 2, "{count_line}");
}

#[tokio::test]
async fn openapi_and_its_viewers_are_served() {
    let app = TestApp::start().await;
    let spec = body(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    for path in [
        "/api/v1/tenants",
        "/api/v1/tenants/{id}",
        "/api/v1/me",
        "/api/v1/api-keys",
        "/api/v1/api-keys/{id}",
        "/api/v1/members",
        "/api/v1/members/{user_id}",
        "/api/v1/collections",
        "/api/v1/collections/{id}",
        "/api/v1/documents",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/file",
        "/api/v1/documents/upload/{collection_id}",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(spec["components"]["schemas"].get("Problem").is_some());
    let r = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger-ui"));
    let r = app.http.get(app.url("/redoc")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("redoc"));
    // Request ids are echoed for support.
    let r = app
        .as_user("u", Method::GET, "/api/v1/me")
        .header("x-request-id", "req-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-123");
}
