//! Connectors through Nango, against a local server that speaks Nango's HTTP
//! API (`testkit::nango`): connect, callback, a synced collection kept in
//! sync (added, changed, deleted files), signed webhooks (forged, unsigned,
//! replayed), tenants apart, Nango down, and no Nango at all.

mod common;

use std::time::Duration;

use ancre_connectors::nango::NangoConfig;
use ancre_testkit::nango::{FakeNango, SECRET_KEY, WEBHOOK_KEY};
use ancre_testkit::wait::until;
use common::{body, problem, TestApp, DEADLINE};
use reqwest::Method;
use serde_json::{json, Value};

const BASE: &str = "/api/v1/integrations/nango";

fn config(fake: &FakeNango) -> NangoConfig {
    NangoConfig {
        url: fake.url(),
        secret_key: SECRET_KEY.into(),
        webhook_secret: WEBHOOK_KEY.into(),
        connect_url: Some("http://connect.nango.test".into()),
        public_url: Some("http://api.nango.test".into()),
        timeout: Duration::from_secs(10),
    }
}

async fn start(fake: &FakeNango) -> TestApp {
    let nango = config(fake);
    TestApp::start_with(|c| c.nango = Some(nango)).await
}

async fn deliver(app: &TestApp, body: &[u8], signature: Option<&str>) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.url(&format!("{BASE}/webhook")))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-nango-hmac-sha256", signature);
    }
    request.send().await.unwrap()
}

fn sync_webhook(connection: &str, added: u64, updated: u64, deleted: u64) -> Value {
    json!({
        "from": "nango", "type": "sync", "success": true,
        "connectionId": connection, "providerConfigKey": "google-drive",
        "syncName": "documents", "model": "File", "syncType": "INCREMENTAL",
        "responseResults": { "added": added, "updated": updated, "deleted": deleted },
        "modifiedAfter": format!("2026-12-06T10:00:0{}.000Z", added + updated + deleted),
    })
}

fn auth_webhook(connection: &str, tenant: &str) -> Value {
    json!({
        "from": "nango", "type": "auth", "operation": "creation", "success": true,
        "connectionId": connection, "providerConfigKey": "google-drive",
        "provider": "google-drive", "authMode": "OAUTH2", "environment": "dev",
        "tags": { "organization_id": tenant, "end_user_id": "owner" },
    })
}

async fn connections(app: &TestApp, user: &str) -> Vec<Value> {
    let r = app
        .call(user, Method::GET, &format!("{BASE}/connections"))
        .await;
    assert_eq!(r.status(), 200);
    body(r).await["connections"].as_array().unwrap().clone()
}

/// Waits until the tenant's Drive connection has finished a sync, and returns it.
async fn synced(app: &TestApp, user: &str, syncs_before: i64, pool: &sqlx::PgPool) -> Value {
    until("the sync to finish", DEADLINE, || async {
        let (finished, last): (i64, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
            "SELECT count(*), max(recorded_at) FROM events WHERE aggregate_type = 'connection'
               AND event_type IN ('SyncCompleted', 'SyncFailed')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if finished <= syncs_before {
            return None;
        }
        let list = connections(app, user).await;
        let c = list.first()?.clone();
        // The read model lags the log: until it shows the sync that just
        // finished (its time is the event's), it shows the one before.
        let shown: chrono::DateTime<chrono::Utc> =
            c["sync"]["finished_at"].as_str()?.parse().ok()?;
        (c["sync"]["status"] != "running" && Some(shown) >= last).then_some(c)
    })
    .await
}

async fn count(pool: &sqlx::PgPool, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The collection's documents, by their record id at the provider.
async fn documents_by_record(
    app: &TestApp,
    user: &str,
    collection: &str,
) -> std::collections::BTreeMap<String, Value> {
    let r = app
        .call(
            user,
            Method::GET,
            &format!("/api/v1/documents?collection_id={collection}&limit=100"),
        )
        .await;
    assert_eq!(r.status(), 200);
    body(r).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["source"]["record_id"]
                    .as_str()
                    .unwrap_or("upload")
                    .to_owned(),
                d.clone(),
            )
        })
        .collect()
}

fn drive_file(name: &str, mime: &str) -> Value {
    json!({ "name": name, "mimeType": mime,
            "webViewLink": format!("https://drive.google.com/file/{name}"),
            "modifiedTime": "2026-12-01T10:00:00Z" })
}

#[tokio::test]
async fn a_drive_syncs_into_a_collection_and_stays_in_sync() {
    let fake = FakeNango::start().await;
    let app = start(&fake).await;
    let owner = "owner_d";
    let tenant = app.tenant_of(owner, "Drive").await;
    let collection = common::collection(&app, owner, "From Drive").await;

    // Connect: a session for this tenant, this user, this integration only.
    let r = app
        .call(owner, Method::POST, &format!("{BASE}/connect/google-drive"))
        .await;
    assert_eq!(r.status(), 201);
    let session = body(r).await;
    assert!(session["token"]
        .as_str()
        .unwrap()
        .starts_with("nango_connect_session_"));
    assert_eq!(session["connect_url"], "http://connect.nango.test");
    let asked = fake.sessions();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["organization"]["id"], tenant.as_str());
    assert_eq!(asked[0]["end_user"]["id"], owner);
    assert_eq!(asked[0]["allowed_integrations"], json!(["google-drive"]));

    // The user connects in Nango's UI: Nango holds the connection and its files.
    fake.add_connection("conn-d", "google-drive", &tenant);
    let files: [(&str, &str, &str, &str); 5] = [
        (
            "f-pdf",
            "rapport.pdf",
            "application/pdf",
            "pdf/refcard-fr-a4.pdf",
        ),
        (
            "f-docx",
            "lettre.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx/pydocx-test.docx",
        ),
        (
            "f-md",
            "notes.md",
            "text/markdown",
            "md/librdkafka-INTRODUCTION.md",
        ),
        (
            "f-pptx",
            "slides.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pptx/officer-example.pptx",
        ),
        (
            "f-gdoc",
            "Compte rendu",
            "application/vnd.google-apps.document",
            "docx/carroll-lookingglass.docx",
        ),
    ];
    for (id, name, mime, path) in files {
        fake.put_record(
            "conn-d",
            "File",
            id,
            drive_file(name, mime),
            common::corpus(path),
        );
    }
    fake.put_record(
        "conn-d",
        "File",
        "folder-1",
        drive_file("Dossier", "application/vnd.google-apps.folder"),
        vec![],
    );

    // Nango's auth webhook and the UI's callback name the same connection.
    let (auth, auth_signature) = FakeNango::webhook(&auth_webhook("conn-d", &tenant), WEBHOOK_KEY);
    assert_eq!(
        deliver(&app, &auth, Some(&auth_signature)).await.status(),
        200
    );
    let r = app
        .call(
            owner,
            Method::GET,
            &format!(
                "{BASE}/callback?provider=google-drive&connection_id=conn-d&collection_id={collection}"
            ),
        )
        .await;
    assert_eq!(r.status(), 200);
    let connection = body(r).await;
    assert_eq!(connection["status"], "connected");
    assert_eq!(connection["collection_id"], collection.as_str());
    assert_eq!(count(&app.db.pool, "ConnectionEstablished").await, 1);

    // The first sync: five documents, the folder skipped.
    let c = synced(&app, owner, 0, &app.db.pool).await;
    assert_eq!(c["sync"]["status"], "completed", "{c}");
    assert_eq!(c["sync"]["imported"], 5, "{c}");
    assert_eq!(c["sync"]["skipped"], 1, "{c}");
    assert_eq!(c["documents"], 5);
    let docs = documents_by_record(&app, owner, &collection).await;
    assert_eq!(docs.len(), 5, "{docs:?}");
    for (record, doc) in &docs {
        let settled = common::settled(&app, owner, doc["id"].as_str().unwrap()).await;
        assert_eq!(settled["status"], "indexed", "{record}: {settled}");
        assert_eq!(settled["source"]["provider"], "google-drive");
        assert_eq!(settled["source"]["connection_id"], connection["id"]);
    }
    assert_eq!(docs["f-gdoc"]["filename"], "Compte rendu.docx");
    assert_eq!(docs["f-gdoc"]["media_type"], "docx");
    assert_eq!(
        docs["f-pdf"]["source"]["url"],
        "https://drive.google.com/file/rapport.pdf"
    );
    // The PDF's passages cite its pages.
    let pdf = docs["f-pdf"]["id"].as_str().unwrap();
    let chunks = body(
        app.call(
            owner,
            Method::GET,
            &format!("/api/v1/documents/{pdf}/chunks"),
        )
        .await,
    )
    .await;
    let pages: std::collections::BTreeSet<i64> = chunks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["page"].as_i64().unwrap())
        .collect();
    assert!(pages.contains(&1) && pages.contains(&2), "{pages:?}");

    // At the provider: one file changed, one deleted, one added; Nango says so.
    fake.put_record(
        "conn-d",
        "File",
        "f-docx",
        drive_file(
            "lettre.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        common::corpus("docx/carroll-lookingglass.docx"),
    );
    fake.delete_record("conn-d", "f-md");
    fake.put_record(
        "conn-d",
        "File",
        "f-txt",
        drive_file("licence.txt", "text/plain"),
        common::corpus("txt/GPL-3.txt"),
    );
    let (sync, sync_signature) = FakeNango::webhook(&sync_webhook("conn-d", 1, 1, 1), WEBHOOK_KEY);
    assert_eq!(
        deliver(&app, &sync, Some(&sync_signature)).await.status(),
        200
    );
    let c = synced(&app, owner, 1, &app.db.pool).await;
    assert_eq!(c["sync"]["status"], "completed", "{c}");
    assert_eq!(
        (
            c["sync"]["imported"].as_i64(),
            c["sync"]["removed"].as_i64()
        ),
        (Some(2), Some(1)),
        "{c}"
    );
    // The end state itself, not a count: five documents were also seen while
    // the new version was queued and the removed one not yet gone.
    let after = until(
        "the new and replaced documents in, the removed one gone",
        DEADLINE,
        || async {
            let now = documents_by_record(&app, owner, &collection).await;
            let records: Vec<&str> = now.keys().map(String::as_str).collect();
            let replaced = now
                .get("f-docx")
                .is_some_and(|d| d["id"] != docs["f-docx"]["id"]);
            (records == ["f-docx", "f-gdoc", "f-pdf", "f-pptx", "f-txt"] && replaced).then_some(now)
        },
    )
    .await;
    assert!(!after.contains_key("f-md"), "{after:?}");
    assert!(after.contains_key("f-txt"));
    assert_ne!(
        after["f-docx"]["id"], docs["f-docx"]["id"],
        "a new version, a new document"
    );
    assert_eq!(
        after["f-pdf"]["id"], docs["f-pdf"]["id"],
        "the unchanged one is kept"
    );
    let old = format!(
        "/api/v1/documents/{}",
        docs["f-docx"]["id"].as_str().unwrap()
    );
    until("the previous version to be deleted", DEADLINE, || async {
        (app.call(owner, Method::GET, &old).await.status() == 404).then_some(())
    })
    .await;

    // Replaying both webhooks starts nothing and downloads nothing.
    let (requested, downloads) = (count(&app.db.pool, "SyncRequested").await, fake.downloads());
    let established = count(&app.db.pool, "ConnectionEstablished").await;
    assert_eq!(
        deliver(&app, &sync, Some(&sync_signature)).await.status(),
        200
    );
    assert_eq!(
        deliver(&app, &auth, Some(&auth_signature)).await.status(),
        200
    );
    assert_eq!(count(&app.db.pool, "SyncRequested").await, requested);
    assert_eq!(
        count(&app.db.pool, "ConnectionEstablished").await,
        established
    );
    // "Sync now" with nothing new: a sync that imports nothing.
    let r = app
        .call(
            owner,
            Method::POST,
            &format!("{BASE}/connections/google-drive/sync"),
        )
        .await;
    assert_eq!(r.status(), 202);
    let c = synced(&app, owner, 2, &app.db.pool).await;
    assert_eq!(c["sync"]["imported"], 0, "{c}");
    assert_eq!(fake.downloads(), downloads);
    assert_eq!(documents_by_record(&app, owner, &collection).await.len(), 5);

    // The ledger names the connection for each imported file: 5 + 2.
    let r = app
        .call(owner, Method::GET, "/api/v1/usage/ledger?limit=1000")
        .await;
    let lines = body(r).await["items"].as_array().unwrap().clone();
    let by_connection: Vec<&Value> = lines
        .iter()
        .filter(|l| l["actor"] == format!("connection:{}", connection["id"].as_str().unwrap()))
        .filter(|l| l["metric"] == "documents" && l["quantity"] == 1)
        .collect();
    assert_eq!(by_connection.len(), 7, "{lines:?}");

    // Disconnect: gone here and in Nango; the documents stay.
    let r = app
        .call(
            owner,
            Method::DELETE,
            &format!("{BASE}/connections/google-drive"),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(connections(&app, owner).await.is_empty());
    assert_eq!(documents_by_record(&app, owner, &collection).await.len(), 5);
    let r = app
        .call(
            owner,
            Method::GET,
            &format!("{BASE}/callback?provider=google-drive&connection_id=conn-d"),
        )
        .await;
    assert_eq!(r.status(), 404, "Nango no longer has it");
}

#[tokio::test]
async fn tenants_cannot_see_claim_sync_or_remove_each_others_connections() {
    let fake = FakeNango::start().await;
    let app = start(&fake).await;
    let tenant_a = app.tenant_of("owner_a", "A").await;
    app.tenant_of("owner_b", "B").await;
    let collection_a = common::collection(&app, "owner_a", "A docs").await;
    let collection_b = common::collection(&app, "owner_b", "B docs").await;
    fake.add_connection("conn-a", "google-drive", &tenant_a);
    fake.put_record(
        "conn-a",
        "File",
        "a1",
        drive_file("a.md", "text/markdown"),
        b"# Secret of A\n\nOnly tenant A may read this.\n".to_vec(),
    );

    // B cannot claim A's connection by its id.
    let r = app
        .call(
            "owner_b",
            Method::GET,
            &format!("{BASE}/callback?provider=google-drive&connection_id=conn-a&collection_id={collection_b}"),
        )
        .await;
    problem(r, 404).await;
    let r = app
        .call(
            "owner_a",
            Method::GET,
            &format!("{BASE}/callback?provider=google-drive&connection_id=conn-a&collection_id={collection_a}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    synced(&app, "owner_a", 0, &app.db.pool).await;

    // B sees none, and cannot sync, rebind or remove A's.
    assert!(connections(&app, "owner_b").await.is_empty());
    for (method, path) in [
        (
            Method::POST,
            format!("{BASE}/connections/google-drive/sync"),
        ),
        (Method::DELETE, format!("{BASE}/connections/google-drive")),
    ] {
        problem(app.call("owner_b", method, &path).await, 404).await;
    }
    let r = app
        .as_user(
            "owner_b",
            Method::PUT,
            &format!("{BASE}/connections/google-drive"),
        )
        .json(&json!({ "collection_id": collection_b }))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    // Nor can A bind its connection to B's collection.
    let r = app
        .as_user(
            "owner_a",
            Method::PUT,
            &format!("{BASE}/connections/google-drive"),
        )
        .json(&json!({ "collection_id": collection_b }))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;

    // A webhook for A's connection touches A only.
    fake.put_record(
        "conn-a",
        "File",
        "a2",
        drive_file("a2.md", "text/markdown"),
        b"# Second of A\n".to_vec(),
    );
    let (sync, signature) = FakeNango::webhook(&sync_webhook("conn-a", 1, 0, 0), WEBHOOK_KEY);
    assert_eq!(deliver(&app, &sync, Some(&signature)).await.status(), 200);
    let c = synced(&app, "owner_a", 1, &app.db.pool).await;
    assert_eq!(c["documents"], 2, "{c}");
    assert!(documents_by_record(&app, "owner_b", &collection_b)
        .await
        .is_empty());
    assert_eq!(
        documents_by_record(&app, "owner_a", &collection_a)
            .await
            .len(),
        2
    );
    let r = app
        .call("owner_b", Method::GET, "/api/v1/documents?limit=100")
        .await;
    assert_eq!(body(r).await["total"], 0);
}

#[tokio::test]
async fn bad_input_forged_webhooks_and_nango_down_change_nothing() {
    let fake = FakeNango::start().await;
    let app = start(&fake).await;
    let owner = "owner_x";
    let tenant = app.tenant_of(owner, "X").await;
    let collection = common::collection(&app, owner, "X docs").await;

    // An unknown provider.
    let p = problem(
        app.call(owner, Method::POST, &format!("{BASE}/connect/dropbox"))
            .await,
        400,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("google-drive"),
        "{p}"
    );

    // Forged, unsigned and malformed webhooks.
    let (auth, _) = FakeNango::webhook(&auth_webhook("conn-x", &tenant), WEBHOOK_KEY);
    let (_, forged) = FakeNango::webhook(&auth_webhook("conn-x", &tenant), "not-the-key");
    problem(deliver(&app, &auth, Some(&forged)).await, 401).await;
    problem(deliver(&app, &auth, None).await, 401).await;
    let (garbage, signature) = (
        b"not json".to_vec(),
        ancre_connectors::nango::sign(b"not json", WEBHOOK_KEY),
    );
    problem(deliver(&app, &garbage, Some(&signature)).await, 400).await;
    assert_eq!(count(&app.db.pool, "ConnectionEstablished").await, 0);
    assert!(connections(&app, owner).await.is_empty());

    // Nango down: a clear 503, nothing recorded.
    fake.set_down(true);
    let p = problem(
        app.call(owner, Method::POST, &format!("{BASE}/connect/google-drive"))
            .await,
        503,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("Nango"), "{p}");
    fake.set_down(false);

    // Nango down mid-sync: the sync waits and completes once Nango is back.
    fake.add_connection("conn-x", "google-drive", &tenant);
    fake.put_record(
        "conn-x",
        "File",
        "x1",
        drive_file("x.md", "text/markdown"),
        b"# X\n\nbody\n".to_vec(),
    );
    fake.set_down(true);
    let (auth, signature) = FakeNango::webhook(&auth_webhook("conn-x", &tenant), WEBHOOK_KEY);
    assert_eq!(deliver(&app, &auth, Some(&signature)).await.status(), 200);
    let r = app
        .as_user(
            owner,
            Method::PUT,
            &format!("{BASE}/connections/google-drive"),
        )
        .json(&json!({ "collection_id": collection }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let refused = fake.refused();
    until("the sync to try Nango and be refused", DEADLINE, || async {
        (fake.refused() > refused + 1).then_some(())
    })
    .await;
    assert_eq!(
        connections(&app, owner).await[0]["sync"]["status"],
        "running"
    );
    fake.set_down(false);
    let c = synced(&app, owner, 0, &app.db.pool).await;
    assert_eq!(c["sync"]["status"], "completed", "{c}");
    assert_eq!(c["sync"]["imported"], 1, "{c}");
}

#[tokio::test]
async fn without_nango_the_routes_say_connectors_are_not_configured() {
    let app = TestApp::start().await;
    app.tenant_of("owner_n", "N").await;
    for (method, path) in [
        (Method::POST, format!("{BASE}/connect/google-drive")),
        (Method::GET, format!("{BASE}/connections")),
        (
            Method::GET,
            format!("{BASE}/callback?provider=google-drive&connection_id=c"),
        ),
        (
            Method::POST,
            format!("{BASE}/connections/google-drive/sync"),
        ),
        (Method::DELETE, format!("{BASE}/connections/google-drive")),
    ] {
        let p = problem(app.call("owner_n", method, &path).await, 503).await;
        assert!(
            p["detail"].as_str().unwrap().contains("NANGO_SECRET_KEY"),
            "{path}: {p}"
        );
    }
    let p = problem(deliver(&app, b"{}", Some("00")).await, 503).await;
    assert!(p["detail"].as_str().unwrap().contains("NANGO_SECRET_KEY"));
}

#[tokio::test]
async fn over_quota_a_sync_stops_with_the_reason_and_imports_nothing_half() {
    let fake = FakeNango::start().await;
    let app = start(&fake).await;
    let owner = "owner_q";
    let tenant = app.tenant_of(owner, "Q").await;
    let collection = common::collection(&app, owner, "Q docs").await;
    // The Free plan's documents quota has room for one more.
    common::prefill(&app, &tenant, ancre_domain::usage::Metric::Documents, 99).await;
    fake.add_connection("conn-q", "google-drive", &tenant);
    for n in 1..=3 {
        fake.put_record(
            "conn-q",
            "File",
            &format!("q{n}"),
            drive_file(&format!("q{n}.md"), "text/markdown"),
            format!("# Note {n}\n\nThe body of note {n}.\n").into_bytes(),
        );
    }
    let r = app
        .call(
            owner,
            Method::GET,
            &format!("{BASE}/callback?provider=google-drive&connection_id=conn-q&collection_id={collection}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let c = synced(&app, owner, 0, &app.db.pool).await;
    assert_eq!(c["sync"]["status"], "failed", "{c}");
    let reason = c["sync"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("q2.md was not imported") && reason.contains("documents quota is reached"),
        "{reason}"
    );
    assert_eq!(c["sync"]["imported"], 1, "{c}");
    // One document, whole; nothing of the refused one stored or recorded.
    let docs = documents_by_record(&app, owner, &collection).await;
    assert_eq!(docs.keys().collect::<Vec<_>>(), vec!["q1"]);
    assert_eq!(count(&app.db.pool, "DocumentUploaded").await, 1);
}
