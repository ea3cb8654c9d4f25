//! Authentication against a local server speaking Clerk's JWKS protocol, with
//! an RSA key generated for the test, and API keys.

mod common;

use ancre_testkit::jwks::{now, SigningKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{body, problem, TestApp, ISSUER};
use reqwest::Method;
use serde_json::json;

async fn me_status(app: &TestApp, bearer: &str) -> u16 {
    app.with_bearer(bearer, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Why `GET /me` with this bearer is refused (a 401 problem's detail).
async fn refusal(app: &TestApp, bearer: &str) -> String {
    let r = app
        .with_bearer(bearer, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    let p = problem(r, 401).await;
    p["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_valid_session_token_is_accepted() {
    let app = TestApp::start().await;
    let r = app
        .as_user("user_alice", Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = body(r).await;
    assert_eq!(me["user_id"], "user_alice");
    assert_eq!(me["kind"], "user");
    assert!(me["tenant"].is_null());
}

#[tokio::test]
async fn missing_and_malformed_credentials_are_refused() {
    let app = TestApp::start().await;
    let r = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    problem(r, 401).await;
    let r = app
        .http
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
    let r = app
        .with_bearer("not.a.jwt", Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let app = TestApp::start().await;
    let t = now();
    let expired = app
        .key
        .mint_claims(&json!({"iss": ISSUER, "sub": "u", "iat": t - 7200, "exp": t - 3600}));
    let r = app
        .with_bearer(&expired, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    let p = problem(r, 401).await;
    assert!(p["detail"].as_str().unwrap().contains("expired"));
    let future = app
        .key
        .mint_claims(&json!({"iss": ISSUER, "sub": "u", "nbf": t + 600, "exp": t + 3600}));
    assert_eq!(me_status(&app, &future).await, 401);
    let no_exp = app.key.mint_claims(&json!({"iss": ISSUER, "sub": "u"}));
    assert_eq!(me_status(&app, &no_exp).await, 401);
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let app = TestApp::start().await;
    let token = app.key.mint("https://evil.example", "user_alice");
    assert!(refusal(&app, &token)
        .await
        .contains("issued by someone else"));
}

#[tokio::test]
async fn a_token_for_another_application_or_for_none_is_refused() {
    let app = TestApp::start().await;
    let t = now();
    let claims = |azp: Option<&str>| {
        let mut c = json!({"iss": ISSUER, "sub": "user_alice", "nbf": t - 5, "exp": t + 3600});
        if let Some(azp) = azp {
            c["azp"] = json!(azp);
        }
        c
    };
    // The configured party is accepted (the control: the claims are otherwise valid)…
    let ours = app.key.mint_claims(&claims(Some("http://localhost")));
    assert_eq!(me_status(&app, &ours).await, 200);
    // …another application of the same Clerk instance, or a token naming none
    // (a JWT template), is not.
    for azp in [Some("https://other-app.example"), None] {
        let why = refusal(&app, &app.key.mint_claims(&claims(azp))).await;
        assert!(why.contains("another application"), "{azp:?}: {why}");
    }
}

#[tokio::test]
async fn a_token_that_is_not_a_session_token_is_refused() {
    let app = TestApp::start().await;
    let t = now();
    let claims = json!({
        "iss": ISSUER, "sub": "user_alice", "azp": "http://localhost", "nbf": t - 5, "exp": t + 3600,
    });
    assert_eq!(
        me_status(&app, &app.key.mint_typed(Some("JWT"), &claims)).await,
        200
    );
    for typ in [Some("at+jwt"), Some("logout+jwt"), None] {
        let why = refusal(&app, &app.key.mint_typed(typ, &claims)).await;
        assert!(why.contains("not a session token"), "{typ:?}: {why}");
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = TestApp::start().await;
    let t = now();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"kid-1"}"#);
    let claims =
        URL_SAFE_NO_PAD.encode(json!({"iss": ISSUER, "sub": "admin", "exp": t + 3600}).to_string());
    assert_eq!(me_status(&app, &format!("{header}.{claims}.")).await, 401);
    // A valid token whose signature was swapped for nothing.
    let valid = app.token("admin");
    let (head_and_claims, _) = valid.rsplit_once('.').unwrap();
    assert_eq!(me_status(&app, &format!("{head_and_claims}.")).await, 401);
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let app = TestApp::start().await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("kid-1".into());
    let t = now();
    let forged = jsonwebtoken::encode(
        &header,
        &json!({"iss": ISSUER, "sub": "admin", "exp": t + 3600}),
        &jsonwebtoken::EncodingKey::from_secret(app.key.public_pem().as_bytes()),
    )
    .unwrap();
    let p = problem(
        app.with_bearer(&forged, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("RS256"));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_on_unknown_kid_and_a_foreign_key_is_refused() {
    let app = TestApp::start().await;
    assert_eq!(me_status(&app, &app.token("u1")).await, 200);
    let fetches = app.jwks.fetches();

    // Clerk rotates: a new key appears in the JWKS; tokens signed with it work.
    let rotated = SigningKey::generate("kid-2");
    app.jwks.publish(&rotated);
    assert_eq!(me_status(&app, &rotated.mint(ISSUER, "u1")).await, 200);
    assert_eq!(
        app.jwks.fetches(),
        fetches + 1,
        "one refresh for the unknown kid"
    );
    // Known keys are served from the cache.
    assert_eq!(me_status(&app, &rotated.mint(ISSUER, "u1")).await, 200);
    assert_eq!(app.jwks.fetches(), fetches + 1);

    // A key that is not in the JWKS is refused, even with a known-looking kid.
    let stranger = SigningKey::generate("kid-1");
    assert_eq!(me_status(&app, &stranger.mint(ISSUER, "u1")).await, 401);
    let stranger = SigningKey::generate("kid-unknown");
    let p = problem(
        app.with_bearer(&stranger.mint(ISSUER, "u1"), Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("unknown"));
}

#[tokio::test]
async fn api_keys_authenticate_until_revoked() {
    let app = TestApp::start().await;
    let tenant = app.tenant_of("user_alice", "Alice Inc").await;
    let (key_id, secret) = app.api_key("user_alice", &tenant).await;

    let r = app
        .with_bearer(&secret, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = body(r).await;
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["tenant"]["id"], tenant.as_str());

    // The listing never shows the secret.
    let r = app
        .as_user("user_alice", Method::GET, "/api/v1/api-keys")
        .send()
        .await
        .unwrap();
    let listed = body(r).await.to_string();
    assert!(listed.contains(&key_id) && !listed.contains(&secret[3..]));

    let r = app
        .as_user(
            "user_alice",
            Method::DELETE,
            &format!("/api/v1/api-keys/{key_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Revocation takes effect on the very next request.
    let p = problem(
        app.with_bearer(&secret, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("revoked"));
    // Revoking twice is a rule violation, not a crash.
    let r = app
        .as_user(
            "user_alice",
            Method::DELETE,
            &format!("/api/v1/api-keys/{key_id}"),
        )
        .send()
        .await
        .unwrap();
    problem(r, 422).await;
    // A made-up key is refused the same way.
    assert_eq!(
        me_status(&app, "ak_thisisnotakeyatallthisisnotakeyatall000000").await,
        401
    );
}

#[tokio::test]
async fn dev_bypass_acts_as_the_dev_owner_only_when_enabled() {
    let app = TestApp::start_with(|c| {
        c.dev_auth_bypass = true;
        c.clerk = None;
    })
    .await;
    let r = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me = body(r).await;
    assert_eq!(me["user_id"], "dev-user");
    assert_eq!(me["dev_auth_bypass"], true);
    assert_eq!(me["tenant"]["role"], "owner");
    assert_eq!(me["tenant"]["name"], "Dev tenant");
    // A credential, when sent, is still verified.
    assert_eq!(me_status(&app, "garbage").await, 401);
}

#[tokio::test]
async fn the_server_refuses_to_start_with_the_dev_bypass_beside_clerk() {
    // Refused before anything is opened: the database need not exist.
    let mut config = ancre_api::config::Config::for_database("postgres://127.0.0.1:1/none");
    config.dev_auth_bypass = true;
    config.clerk = Some(ancre_api::config::ClerkConfig {
        issuer: ISSUER.into(),
        jwks_url: format!("{ISSUER}/.well-known/jwks.json"),
        authorized_parties: ancre_api::config::AuthorizedParties::new(vec![
            "http://localhost".into()
        ])
        .unwrap(),
        min_refresh_interval: std::time::Duration::ZERO,
    });
    let err = match ancre_api::app::start(config).await {
        Ok(_) => panic!("a server with the dev bypass and Clerk started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("DEV_AUTH_BYPASS=true"), "{err}");
    assert!(err.contains("Clerk"), "{err}");
}
