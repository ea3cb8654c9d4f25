//! Documents over HTTP: upload (type by content, limits, duplicates), status,
//! listing, the original file, deletion (file removed), tenant isolation.

mod common;

use std::time::Duration;

use common::{body, collection, corpus, problem, upload, SseReader, TestApp};
use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};

const PDF: &str = "pdf/acm-sample-sigconf-i13n.pdf";

/// Stored originals (the pipeline adds artifacts beside them as it goes).
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            usize::from(e.file_name() == "original")
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.server.state.config.data_dir.join("objects"))
}

#[tokio::test]
async fn upload_follow_fetch_and_delete() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let c = collection(&app, "user_a", "Papers").await;
    let pdf = corpus(PDF);
    let r = upload(
        &app,
        "user_a",
        &c,
        &[
            ("paper.pdf", pdf.clone()),
            ("notes.md", corpus("md/gzt-README.fr.md")),
            ("random-bytes.docx", corpus("bad/random-bytes.docx")),
        ],
    )
    .await;
    assert_eq!(r.status(), 202);
    let out = body(r).await;
    let files = out["documents"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["outcome"], "queued");
    assert_eq!(files[0]["media_type"], "pdf");
    assert_eq!(files[0]["size_bytes"], pdf.len());
    assert_eq!(files[1]["outcome"], "queued");
    assert_eq!(files[1]["media_type"], "markdown");
    assert_eq!(files[2]["outcome"], "rejected");
    assert!(files[2]["reason"].as_str().unwrap().contains("not a DOCX"));
    let status_url = files[0]["status_url"].as_str().unwrap().to_owned();
    let id = files[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(stored_files(&app), 2, "only accepted files are stored");

    // Read-your-writes: the document is there at once.
    let doc = body(
        app.as_user("user_a", Method::GET, &status_url)
            .send()
            .await
            .unwrap(),
    )
    .await;
    // The pipeline may already be at work on it.
    assert!(
        matches!(
            doc["status"].as_str(),
            Some("queued" | "parsed" | "embedded" | "indexed" | "failed")
        ),
        "{doc}"
    );
    assert_eq!(doc["filename"], "paper.pdf");
    assert_eq!(doc["collection_id"], c.as_str());
    assert_eq!(doc["sha256"].as_str().unwrap().len(), 64);
    // The pipeline moves the documents between statuses meanwhile: the
    // stable checks are the collection's list and a status neither reaches.
    let list = body(
        app.as_user(
            "user_a",
            Method::GET,
            &format!("/api/v1/documents?collection_id={c}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(list["total"], 2);
    let failed = body(
        app.as_user(
            "user_a",
            Method::GET,
            &format!("/api/v1/documents?collection_id={c}&status=failed"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(failed["total"], 0, "both files are good: none fails");

    // The original bytes, byte for byte, sandboxed.
    let r = app
        .as_user("user_a", Method::GET, doc["file_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["content-security-policy"], "sandbox");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // The same bytes again: reported, not duplicated.
    let again = body(upload(&app, "user_a", &c, &[("copy.pdf", pdf.clone())]).await).await;
    assert_eq!(again["documents"][0]["outcome"], "duplicate");
    assert_eq!(again["documents"][0]["id"], id.as_str());
    assert_eq!(stored_files(&app), 2);

    // Delete: gone from the API at once, and its file right after.
    let r = app
        .as_user("user_a", Method::DELETE, &status_url)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(
        app.as_user("user_a", Method::GET, &status_url)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.as_user("user_a", Method::GET, &format!("{status_url}/file"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    ancre_testkit::wait::until(
        "the stored file to be removed",
        Duration::from_secs(20),
        || async { (stored_files(&app) == 1).then_some(()) },
    )
    .await;

    // Uploading it again after deletion works, under the same id.
    let back = body(upload(&app, "user_a", &c, &[("paper.pdf", pdf)]).await).await;
    assert_eq!(back["documents"][0]["outcome"], "queued");
    assert_eq!(back["documents"][0]["id"], id.as_str());
}

#[tokio::test]
async fn limits_and_malformed_uploads_get_problem_json() {
    let app = TestApp::start_with(|c| c.max_upload_bytes = 16 * 1024).await;
    app.tenant_of("user_a", "A").await;
    let c = collection(&app, "user_a", "Papers").await;

    let p = problem(
        upload(&app, "user_a", &c, &[("paper.pdf", corpus(PDF))]).await,
        413,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("16 KiB"), "{p}");
    let p = problem(
        upload(
            &app,
            "user_a",
            &c,
            &[("fake.pdf", b"plain words, not a PDF".to_vec())],
        )
        .await,
        415,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("not a PDF"), "{p}");
    problem(
        upload(&app, "user_a", &c, &[("empty.txt", vec![])]).await,
        415,
    )
    .await;

    let unknown = uuid::Uuid::new_v4();
    problem(
        upload(
            &app,
            "user_a",
            &unknown.to_string(),
            &[("a.txt", b"hello".to_vec())],
        )
        .await,
        404,
    )
    .await;
    let r = app
        .as_user(
            "user_a",
            Method::POST,
            &format!("/api/v1/documents/upload/{c}"),
        )
        .json(&json!({ "file": "hello" }))
        .send()
        .await
        .unwrap();
    problem(r, 415).await;
    let r = app
        .as_user(
            "user_a",
            Method::POST,
            &format!("/api/v1/documents/upload/{c}"),
        )
        .multipart(Form::new().text("note", "no file here"))
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    let r = app
        .as_user("user_a", Method::GET, "/api/v1/documents?limit=500")
        .send()
        .await
        .unwrap();
    problem(r, 422).await;
    assert_eq!(stored_files(&app), 0, "nothing refused was stored");
    // A small text file still goes through.
    let ok: Value = body(
        upload(
            &app,
            "user_a",
            &c,
            &[("hello.txt", b"Bonjour, monde".to_vec())],
        )
        .await,
    )
    .await;
    assert_eq!(ok["documents"][0]["media_type"], "text");
}

#[tokio::test]
async fn tenant_b_gets_404_on_tenant_a_documents() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let b = app.tenant_of("user_b", "B").await;
    let (_, b_key) = app.api_key("user_b", &b).await;
    let ca = collection(&app, "user_a", "A docs").await;
    let cb = collection(&app, "user_b", "B docs").await;
    let pdf = corpus(PDF);
    let a_doc = body(upload(&app, "user_a", &ca, &[("a.pdf", pdf.clone())]).await).await
        ["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // B cannot upload into A's collection.
    problem(
        upload(&app, "user_b", &ca, &[("x.txt", b"x".to_vec())]).await,
        404,
    )
    .await;
    // Nor read, fetch or delete A's document, as a user or with an API key.
    for path in [
        format!("/api/v1/documents/{a_doc}"),
        format!("/api/v1/documents/{a_doc}/file"),
    ] {
        problem(
            app.as_user("user_b", Method::GET, &path)
                .send()
                .await
                .unwrap(),
            404,
        )
        .await;
        problem(
            app.with_bearer(&b_key, Method::GET, &path)
                .send()
                .await
                .unwrap(),
            404,
        )
        .await;
    }
    let path = format!("/api/v1/documents/{a_doc}");
    problem(
        app.as_user("user_b", Method::DELETE, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.with_bearer(&b_key, Method::DELETE, &path)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    // B's listings are B's alone, even filtered on A's collection.
    for url in [
        "/api/v1/documents".to_owned(),
        format!("/api/v1/documents?collection_id={ca}"),
    ] {
        let page = body(
            app.as_user("user_b", Method::GET, &url)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(page["total"], 0, "{page}");
    }
    // The same bytes in B's collection are B's own document.
    let b_doc = body(upload(&app, "user_b", &cb, &[("a.pdf", pdf)]).await).await;
    assert_eq!(b_doc["documents"][0]["outcome"], "queued");
    assert_ne!(b_doc["documents"][0]["id"], a_doc.as_str());
    // A's document is untouched.
    let r = app
        .as_user("user_a", Method::GET, &path)
        .send()
        .await
        .unwrap();
    let status = body(r).await["status"].clone();
    assert!(
        matches!(
            status.as_str(),
            Some("queued" | "parsed" | "embedded" | "indexed" | "failed")
        ),
        "{status}"
    );
}

#[tokio::test]
async fn deleting_a_collection_deletes_its_documents_and_files() {
    let app = TestApp::start().await;
    app.tenant_of("user_a", "A").await;
    let doomed = collection(&app, "user_a", "Doomed").await;
    let kept = collection(&app, "user_a", "Kept").await;
    let r = upload(
        &app,
        "user_a",
        &doomed,
        &[
            ("paper.pdf", corpus(PDF)),
            ("notes.md", corpus("md/gzt-README.fr.md")),
        ],
    )
    .await;
    assert_eq!(r.status(), 202);
    let r = upload(&app, "user_a", &kept, &[("hello.txt", b"Bonjour".to_vec())]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(stored_files(&app), 3);

    let r = app
        .as_user(
            "user_a",
            Method::DELETE,
            &format!("/api/v1/collections/{doomed}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    ancre_testkit::wait::until(
        "the collection's documents and files to go",
        Duration::from_secs(20),
        || async {
            let page = body(
                app.as_user("user_a", Method::GET, "/api/v1/documents")
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            (page["total"] == 1 && stored_files(&app) == 1).then_some(page)
        },
    )
    .await;
    let page = body(
        app.as_user("user_a", Method::GET, "/api/v1/documents")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["items"][0]["collection_id"], kept.as_str());
    // And the deletions are events of their own, caused by the collection's.
    let deleted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'DocumentDeleted'
           AND metadata ->> 'actor' = 'system:collection_cleanup'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(deleted, 2);
}

/// The next named event of a feed (or `None` once it ended), within 60 s.
async fn next_event(feed: &mut SseReader) -> Option<common::SseEvent> {
    tokio::time::timeout(Duration::from_secs(60), feed.next())
        .await
        .expect("the feed said something within 60 s")
}

/// Reads a feed to its `closed` event and its end; returns the reason.
async fn closed_reason(feed: &mut SseReader) -> String {
    let closed = loop {
        match next_event(feed).await {
            Some(e) if e.name == "closed" => break e,
            Some(_) => continue,
            None => panic!("the feed ended without a closed event"),
        }
    };
    assert!(next_event(feed).await.is_none(), "nothing after closed");
    closed.data["reason"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_feed_ends_when_its_caller_loses_access() {
    let app = TestApp::start_with(|c| c.feed_limits.recheck = Duration::from_secs(1)).await;
    let tenant = app.tenant_of("owner_f", "Feeds").await;
    app.join("owner_f", &tenant, "member_f", "member").await;
    let (key_id, secret) = app.api_key("owner_f", &tenant).await;
    let open = |bearer: String| {
        app.with_bearer(&bearer, Method::GET, "/api/v1/documents/events")
            .header("x-ancre-tenant", &tenant)
            .send()
    };
    let mut by_key = SseReader::new(open(secret).await.unwrap());
    let mut by_member = SseReader::new(open(app.token("member_f")).await.unwrap());
    let mut by_owner = SseReader::new(open(app.token("owner_f")).await.unwrap());

    // A revoked key's feed closes…
    let r = app
        .call(
            "owner_f",
            Method::DELETE,
            &format!("/api/v1/api-keys/{key_id}"),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(closed_reason(&mut by_key).await.contains("no longer valid"));
    // …so does a removed member's…
    let r = app
        .call("owner_f", Method::DELETE, "/api/v1/members/member_f")
        .await;
    assert_eq!(r.status(), 204);
    assert!(closed_reason(&mut by_member)
        .await
        .contains("no longer valid"));
    // …and everyone's in a suspended tenant.
    let r = app
        .as_user(
            "admin",
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/suspend"),
        )
        .json(&json!({ "reason": "unpaid invoices" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(closed_reason(&mut by_owner)
        .await
        .contains("no longer valid"));
}

#[tokio::test]
async fn feeds_have_a_lifetime_and_a_number_per_tenant() {
    let app = TestApp::start_with(|c| {
        c.feed_limits.max_lifetime = Duration::from_secs(2);
        c.feed_limits.max_per_tenant = 2;
    })
    .await;
    app.tenant_of("owner_l", "Lives").await;
    let open = || app.call("owner_l", Method::GET, "/api/v1/documents/events");
    let mut first = SseReader::new(open().await);
    let second = open().await;
    assert_eq!(second.status(), 200);
    // A third is refused while two are open (another tenant is not).
    let p = problem(open().await, 429).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("2 live document feeds"),
        "{p}"
    );
    app.tenant_of("owner_m", "Other").await;
    assert_eq!(
        app.call("owner_m", Method::GET, "/api/v1/documents/events")
            .await
            .status(),
        200
    );
    // A feed ends at the end of its life; its place is free again.
    assert!(closed_reason(&mut first).await.contains("longest life"));
    drop(first);
    let reopened =
        ancre_testkit::wait::until("a feed to open again", Duration::from_secs(60), || async {
            let r = open().await;
            (r.status() == 200).then_some(r)
        })
        .await;
    drop((second, reopened));
}

/// Sends the head of a multipart upload and `body` (not the whole of what
/// the head declares), then waits for the server's answer without sending
/// more: the status line and headers, or `None` if none came within 30 s.
async fn answer_to_partial_upload(
    app: &TestApp,
    user: &str,
    collection: &str,
    declared: u64,
    body: &[u8],
) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.server.addr)
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/documents/upload/{collection} HTTP/1.1\r\nHost: ancre\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n\
         Content-Length: {declared}\r\n\r\n",
        app.token(user)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .ok()?;
    (!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn an_oversize_file_stops_the_reading_at_the_limit() {
    let app = TestApp::start_with(|c| c.max_upload_bytes = 64 * 1024).await;
    app.tenant_of("user_big", "Big").await;
    let c = collection(&app, "user_big", "Big").await;
    // A part that goes on past the limit; the client has sent 128 KiB of
    // the 1 MiB it declared, and waits.
    let mut part =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\
Content-Type: text/plain\r\n\r\n"
            .to_vec();
    part.extend(std::iter::repeat_n(b'a', 128 * 1024));
    let answer = answer_to_partial_upload(&app, "user_big", &c, 1 << 20, &part)
        .await
        .expect("answered without the rest of the body");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let documents = body(app.call("user_big", Method::GET, "/api/v1/documents").await).await;
    assert_eq!(documents["total"], 0);
}

#[tokio::test]
async fn a_full_plan_or_an_oversize_request_is_refused_before_the_body_is_read() {
    let app = TestApp::start().await;
    let tenant = app.tenant_of("user_full", "Full").await;
    let c = collection(&app, "user_full", "Full").await;
    // Longer than any upload may be (20 files of 50 MiB): 413 at once.
    let answer = answer_to_partial_upload(&app, "user_full", &c, 2 << 30, b"")
        .await
        .expect("answered from the head alone");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // More than the storage left (200 MiB on Free): 402 at once.
    let answer = answer_to_partial_upload(&app, "user_full", &c, 300 << 20, b"")
        .await
        .expect("answered from the head alone");
    assert!(answer.starts_with("HTTP/1.1 402"), "{answer}");
    // No document left: 402 at once, whatever the size.
    common::prefill(&app, &tenant, ancre_domain::usage::Metric::Documents, 100).await;
    let answer = answer_to_partial_upload(&app, "user_full", &c, 10 << 10, b"")
        .await
        .expect("answered from the head alone");
    assert!(answer.starts_with("HTTP/1.1 402"), "{answer}");
}
