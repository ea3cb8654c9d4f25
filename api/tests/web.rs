//! The web UI at `/`: its files, `index.html` for the browser's own routes
//! (a reload on `/chat/…` must work), cache headers that let a deployment
//! replace the bundles, and the API's paths left to the API.

mod common;

use common::TestApp;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

const INDEX: &str = "<!doctype html><title>Ancre UI</title><div id=root></div>";

fn built_ui() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/index-4f2a.js"), "console.log('ui')").unwrap();
    std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();
    dir
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn the_ui_is_served_with_index_html_for_its_routes_and_the_api_keeps_its_paths() {
    let ui = built_ui();
    let dir = ui.path().to_owned();
    let app = TestApp::start_with(move |c| c.web_dir = dir).await;

    for route in ["/", "/collections", "/chat/3f0c/9a1b", "/documents/abc?x=1"] {
        let r = get(&app, route).await;
        assert_eq!(r.status(), 200, "{route}");
        assert!(r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        // index.html names the current bundles: always revalidated.
        assert_eq!(r.headers()[CACHE_CONTROL], "no-cache", "{route}");
        assert_eq!(r.text().await.unwrap(), INDEX, "{route}");
    }

    let r = get(&app, "/assets/index-4f2a.js").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(
        r.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.text().await.unwrap(), "console.log('ui')");
    assert_eq!(
        get(&app, "/favicon.svg").await.text().await.unwrap(),
        "<svg/>"
    );

    // Nothing outside the UI's directory, however the path is spelt.
    for sneaky in [
        "/../Cargo.toml",
        "/assets/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
    ] {
        let body = get(&app, sneaky).await.text().await.unwrap();
        assert!(!body.contains("[package]"), "{sneaky}: {body}");
    }

    // Unknown API paths stay problems, whatever their prefix or method.
    for path in ["/api/v1/nope", "/api/v2/collections", "/api"] {
        let r = get(&app, path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.headers()[CONTENT_TYPE],
            "application/problem+json",
            "{path}"
        );
    }
    let r = app.http.post(app.url("/collections")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/problem+json");
    // The API itself is untouched.
    assert_eq!(get(&app, "/healthz").await.status(), 200);
    assert_eq!(get(&app, "/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn an_unbuilt_ui_says_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_owned();
    let app = TestApp::start_with(move |c| c.web_dir = dir).await;
    let r = get(&app, "/collections").await;
    assert_eq!(r.status(), 503);
    let page = r.text().await.unwrap();
    assert!(page.contains("The web UI is not built"), "{page}");
    assert!(page.contains("make run"), "{page}");
    assert_eq!(get(&app, "/api/v1/nope").await.status(), 404);
}

#[tokio::test]
async fn the_ui_is_served_with_a_content_security_policy_and_no_framing() {
    let ui = built_ui();
    let dir = ui.path().to_owned();
    let app = TestApp::start_with(move |c| c.web_dir = dir).await;
    for route in ["/", "/chat/3f0c/9a1b", "/assets/index-4f2a.js"] {
        let r = get(&app, route).await;
        assert_eq!(r.status(), 200, "{route}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self' https://clerk.ancre.test https://challenges.cloudflare.com;",
            "img-src 'self' data: blob: https://img.clerk.com;",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{route}: {directive} in {csp}");
        }
        assert_eq!(h["x-frame-options"], "DENY", "{route}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{route}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    }
    // The API's answers are not sniffed either.
    let r = get(&app, "/api/v1/nothing-here").await;
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // Without Clerk the policy names no other origin at all.
    let csp = ancre_api::web::content_security_policy(None, None);
    assert!(!csp.contains("http"), "{csp}");
    // With connectors, Nango's Connect UI may be framed, and nothing else widens.
    let csp = ancre_api::web::content_security_policy(None, Some("http://connect.nango.test/x"));
    assert!(
        csp.contains("frame-src 'self' http://connect.nango.test;"),
        "{csp}"
    );
    assert_eq!(csp.matches("http").count(), 1, "{csp}");
    // A setting that is not an http(s) origin does not widen it.
    for bad in ["javascript:alert(1)", "https://x.test; script-src *", "*"] {
        let csp = ancre_api::web::content_security_policy(Some(bad), Some(bad));
        assert!(
            !csp.contains("script-src 'self' *") && !csp.contains("alert"),
            "{bad}: {csp}"
        );
        assert_eq!(csp.matches("script-src").count(), 1, "{bad}: {csp}");
        assert!(csp.contains("frame-src 'self'; "), "{bad}: {csp}");
    }
}
