//! The edge itself: health, readiness, metrics, the OpenAPI document and its viewers.

mod common;

use std::time::{Duration, Instant};

use common::{body, TestApp};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const METRICS_TOKEN: &str = "scrape-me-0123456789";

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::start_with(|c| {
        c.metrics_token = Some(ancre_api::config::MetricsToken::new(METRICS_TOKEN))
    })
    .await;
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(body(r).await["status"], "ok");
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ready = body(r).await;
    assert_eq!(ready["projectors"][0]["name"], "tenants");

    app.tenant_of("user_a", "A").await;
    // Only the scraper holding the token reads the metrics.
    for bearer in [None, Some("wrong"), Some(&app.token("user_a"))] {
        let mut request = app.http.get(app.url("/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 401, "{bearer:?}");
        assert!(!r.text().await.unwrap().contains("ancre_"));
    }
    let r = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
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
async fn metrics_are_off_without_a_token_and_readiness_keeps_the_database_words() {
    let app = TestApp::start().await;
    let r = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("ancre_"));

    // The database goes away: /readyz says so, in its own words only.
    app.server.state.pool.close().await;
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let p = body(r).await;
    assert_eq!(p["type"], "https://ancre.dev/problems/unavailable");
    assert_eq!(p["detail"], "the database does not answer", "{p}");
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

/// Whether the server closed `stream` (or answered) within `wait`.
async fn ended_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(wait, stream.read(&mut buf))
        .await
        .is_ok()
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let app = TestApp::start_with(|c| {
        c.connection_limits.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let mut slow = TcpStream::connect(app.server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: ancre\r\n")
        .await
        .unwrap();
    // A header line every 500 ms for as long as the server listens (slowloris):
    // cut off by the header timeout, long before this test gives up.
    let give_up = Instant::now() + Duration::from_secs(30);
    let mut cut_off = false;
    while Instant::now() < give_up {
        if ended_within(&mut slow, Duration::from_millis(500)).await
            || slow.write_all(b"X-Slow: 1\r\n").await.is_err()
        {
            cut_off = true;
            break;
        }
    }
    assert!(
        cut_off,
        "a client trickling headers held its connection for 30 s"
    );
    // A silent connection is closed the same way…
    let mut silent = TcpStream::connect(app.server.addr).await.unwrap();
    assert!(ended_within(&mut silent, Duration::from_secs(30)).await);
    // …while a client that sends its request gets its answer.
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_request_whose_body_trickles_gets_a_408_problem() {
    let app = TestApp::start_with(|c| {
        c.connection_limits.request_timeout = Duration::from_secs(2);
    })
    .await;
    let token = app.token("user_slow");
    let mut slow = TcpStream::connect(app.server.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/tenants HTTP/1.1\r\nHost: ancre\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let give_up = Instant::now() + Duration::from_secs(30);
    let mut answer = Vec::new();
    while Instant::now() < give_up {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Ok(_) => break,
            Err(_) => {
                let _ = slow.write_all(b" ").await;
            }
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_one() {
    let app = TestApp::start_with(|c| c.connection_limits.max_connections = 2).await;
    // Two clients hold both connections without sending anything.
    let first = TcpStream::connect(app.server.addr).await.unwrap();
    let _second = TcpStream::connect(app.server.addr).await.unwrap();
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut third = tokio::spawn(fresh.get(app.url("/healthz")).send());
    assert!(
        tokio::time::timeout(Duration::from_secs(1), &mut third)
            .await
            .is_err(),
        "a third connection was served beside two held ones"
    );
    // One leaves: the waiting request is served.
    drop(first);
    let r = tokio::time::timeout(Duration::from_secs(30), third)
        .await
        .expect("served once a connection is free")
        .unwrap()
        .unwrap();
    assert_eq!(r.status(), 200);
}
