//! Chat through the API with the real pipeline, index and extractive model:
//! the streaming protocol, citations that name the page holding the cited
//! text, conversations, French and English, malformed requests, and tenant
//! isolation (no chat, no conversation, no chunk across tenants).

mod common;

use std::collections::HashSet;

use common::{
    assistant, body, collection, corpus, ingest, problem, settled, words, SseEvent, SseReader,
    TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

const FRENCH: &str = "pdf/project-history.fr.pdf";
const ENGLISH: &str = "pdf/elsarticle-elstest-5p.pdf";

async fn ask_stream(
    app: &TestApp,
    user: &str,
    assistant: &str,
    payload: Value,
) -> reqwest::Response {
    app.as_user(
        user,
        Method::POST,
        &format!("/api/v1/chat/{assistant}/stream"),
    )
    .json(&payload)
    .send()
    .await
    .unwrap()
}

async fn ask(app: &TestApp, user: &str, assistant: &str, payload: Value) -> reqwest::Response {
    app.as_user(user, Method::POST, &format!("/api/v1/chat/{assistant}"))
        .json(&payload)
        .send()
        .await
        .unwrap()
}

/// The events of a streamed answer, checked for the protocol's order:
/// tokens, one `citations`, then `done`.
async fn streamed(r: reqwest::Response) -> (String, Vec<Value>, Value, Option<String>) {
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let header = r
        .headers()
        .get("x-ancre-conversation-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let events: Vec<SseEvent> = SseReader::new(r).all().await;
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    let tokens = names.iter().take_while(|n| **n == "token").count();
    assert!(tokens > 1, "the answer streams in pieces: {names:?}");
    assert_eq!(&names[tokens..], ["citations", "done"], "{names:?}");
    let answer: String = events[..tokens]
        .iter()
        .map(|e| e.data["text"].as_str().unwrap())
        .collect();
    let citations = events[tokens].data["citations"].as_array().unwrap().clone();
    (answer, citations, events[tokens + 1].data.clone(), header)
}

/// The reference text of each page (pdftotext), as word sets.
fn reference_pages(pdf: &str) -> Vec<HashSet<String>> {
    let name = pdf.rsplit('/').next().unwrap().replace(".pdf", ".txt");
    let text = String::from_utf8(corpus(&format!("ref-pdftotext/{name}"))).unwrap();
    text.split('\u{c}').map(words).collect()
}

/// Each citation quotes its chunk at the offsets it gives, on the page it
/// names, and that page (per pdftotext) holds the excerpt's words.
async fn check_citations(app: &TestApp, user: &str, pdf: &str, citations: &[Value]) {
    let pages = reference_pages(pdf);
    for c in citations {
        let document = c["document_id"].as_str().unwrap();
        let index = c["chunk_index"].as_u64().unwrap();
        let r = app
            .call(
                user,
                Method::GET,
                &format!("/api/v1/documents/{document}/chunks?offset={index}&limit=1"),
            )
            .await;
        let chunk = body(r).await["items"][0].clone();
        assert_eq!(chunk["page"], c["page"], "{c}");
        assert_eq!(chunk["page_label"], c["page_label"], "{c}");
        let (start, end) = (
            c["char_start"].as_u64().unwrap() - chunk["char_start"].as_u64().unwrap(),
            c["char_end"].as_u64().unwrap() - chunk["char_start"].as_u64().unwrap(),
        );
        let quoted: String = chunk["text"]
            .as_str()
            .unwrap()
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        assert_eq!(quoted, c["excerpt"].as_str().unwrap(), "offsets: {c}");
        let excerpt = words(&quoted);
        let page = c["page"].as_u64().unwrap() as usize;
        let on_page = excerpt.intersection(&pages[page - 1]).count();
        assert!(
            on_page * 4 >= excerpt.len() * 3,
            "the excerpt's words are on page {page} ({on_page}/{}): {c}",
            excerpt.len()
        );
    }
}

#[tokio::test]
async fn answers_stream_with_citations_of_the_right_page_in_the_language_of_the_question() {
    let app = TestApp::start().await;
    let user = "alice";
    app.tenant_of(user, "Acme").await;
    let ids = ingest(&app, user, &[FRENCH, ENGLISH]).await;
    for id in ids.values() {
        assert_eq!(settled(&app, user, id).await["status"], "indexed");
    }
    let collection_id = {
        let d = body(
            app.call(
                user,
                Method::GET,
                &format!("/api/v1/documents/{}", ids["project-history.fr.pdf"]),
            )
            .await,
        )
        .await;
        d["collection_id"].as_str().unwrap().to_owned()
    };
    let archivist = assistant(&app, user, &[&collection_id]).await;

    // French: who founded Debian is on physical page 12, printed "6".
    let (answer, citations, done, header) = streamed(
        ask_stream(
            &app,
            user,
            &archivist,
            json!({ "message": "En quelle année Ian Murdock a-t-il créé Debian ?" }),
        )
        .await,
    )
    .await;
    assert!(answer.starts_with("*Réponse extractive"), "{answer}");
    assert!(!citations.is_empty(), "{answer}");
    let murdock = citations
        .iter()
        .find(|c| c["excerpt"].as_str().unwrap().contains("1993"))
        .unwrap_or_else(|| panic!("a citation quotes the founding: {citations:?}"));
    assert_eq!(murdock["page"], 12, "{murdock}");
    assert_eq!(murdock["page_label"], "6", "{murdock}");
    assert_eq!(murdock["title"], "project-history.fr.pdf");
    assert!(answer.contains(murdock["excerpt"].as_str().unwrap()));
    for c in &citations {
        let marker = format!("[{}]", c["number"]);
        assert!(answer.contains(&marker), "{marker} is in the answer");
    }
    check_citations(&app, user, FRENCH, &citations).await;
    let conversation = done["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(header.as_deref(), Some(conversation.as_str()));
    assert_eq!(done["turn"], 1);
    assert_eq!(done["model"], "extractive");
    assert!(done["usage"]["tokens_in"].as_u64().unwrap() > 0);
    assert!(done["usage"]["tokens_out"].as_u64().unwrap() > 0);
    assert!(done["usage"]["chunks_retrieved"].as_u64().unwrap() >= citations.len() as u64);

    // English, in the same conversation: the answer is labelled in English and
    // cites page 2, where the dipole exciton's short life is explained.
    let (answer, citations, done, _) = streamed(
        ask_stream(
            &app,
            user,
            &archivist,
            json!({
                "message": "Why is the dipole allowed exciton not suitable for BEC?",
                "conversation_id": conversation
            }),
        )
        .await,
    )
    .await;
    assert!(answer.starts_with("*Extractive answer"), "{answer}");
    assert!(
        citations
            .iter()
            .any(|c| c["page"] == 2 && c["title"] == "elsarticle-elstest-5p.pdf"),
        "{citations:?}"
    );
    check_citations(&app, user, ENGLISH, &citations).await;
    assert_eq!(done["conversation_id"], conversation.as_str());
    assert_eq!(done["turn"], 2);

    // The JSON endpoint gives the same kind of turn at once.
    let r = ask(
        &app,
        user,
        &archivist,
        json!({ "message": "What is the refractive index of the spheres?", "conversation_id": conversation }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let turn = body(r).await;
    assert_eq!(turn["turn"], 3);
    assert!(turn["answer"]
        .as_str()
        .unwrap()
        .starts_with("*Extractive answer"));
    assert!(
        turn["citations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["page"] == 4),
        "{turn}"
    );

    // The conversation, as recorded.
    let list = body(
        app.call(
            user,
            Method::GET,
            &format!("/api/v1/chat/{archivist}/conversations"),
        )
        .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], conversation.as_str());
    assert_eq!(
        list["items"][0]["title"],
        "En quelle année Ian Murdock a-t-il créé Debian ?"
    );
    assert_eq!(list["items"][0]["turns"], 3);
    let detail = body(
        app.call(
            user,
            Method::GET,
            &format!("/api/v1/chat/{archivist}/conversations/{conversation}"),
        )
        .await,
    )
    .await;
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        history[1]["question"],
        "Why is the dipole allowed exciton not suitable for BEC?"
    );
    assert_eq!(history[1]["citations"], json!(citations));
    assert_eq!(history[2]["answer"], turn["answer"]);
    assert!(history.iter().all(|t| t["outcome"] == "complete"));

    // A deleted document is never cited again, whatever the index holds.
    let r = app
        .call(
            user,
            Method::DELETE,
            &format!("/api/v1/documents/{}", ids["project-history.fr.pdf"]),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = ask(
        &app,
        user,
        &archivist,
        json!({ "message": "En quelle année Ian Murdock a-t-il créé Debian ?" }),
    )
    .await;
    let turn = body(r).await;
    assert!(
        turn["citations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["title"] != "project-history.fr.pdf"),
        "{turn}"
    );

    // Another tenant: no chat with Alice's assistant, no conversation of
    // hers, and an assistant of its own over its own (empty) collection finds
    // nothing of hers with her very words.
    app.tenant_of("bob", "Bobco").await;
    for path in [
        format!("/api/v1/chat/{archivist}"),
        format!("/api/v1/chat/{archivist}/stream"),
    ] {
        let r = app
            .as_user("bob", Method::POST, &path)
            .json(&json!({ "message": "Why is the dipole allowed exciton not suitable for BEC?" }))
            .send()
            .await
            .unwrap();
        problem(r, 404).await;
    }
    problem(
        app.call(
            "bob",
            Method::GET,
            &format!("/api/v1/chat/{archivist}/conversations"),
        )
        .await,
        404,
    )
    .await;
    let own = collection(&app, "bob", "Empty").await;
    let spy = assistant(&app, "bob", &[&own]).await;
    problem(
        app.call(
            "bob",
            Method::GET,
            &format!("/api/v1/chat/{spy}/conversations/{conversation}"),
        )
        .await,
        404,
    )
    .await;
    let r = ask(
        &app,
        "bob",
        &spy,
        json!({ "message": "Why is the dipole allowed exciton not suitable for BEC?", "conversation_id": conversation }),
    )
    .await;
    problem(r, 404).await;
    let turn = body(
        ask(
            &app,
            "bob",
            &spy,
            json!({ "message": "Why is the dipole allowed exciton not suitable for BEC?" }),
        )
        .await,
    )
    .await;
    assert_eq!(turn["citations"], json!([]), "{turn}");
    assert_eq!(turn["usage"]["chunks_retrieved"], 0);
    assert!(
        turn["answer"].as_str().unwrap().contains("found nothing"),
        "{turn}"
    );
}

/// A question about a table's figures is answered with the table's row —
/// label and values in one unit — and cited at the row's exact characters.
#[tokio::test]
async fn a_question_about_a_table_is_answered_with_its_row() {
    let app = TestApp::start().await;
    let user = "tabitha";
    app.tenant_of(user, "Tables").await;
    let pdf = "docling/2305.03393v1-pg9.pdf";
    let ids = ingest(&app, user, &[pdf]).await;
    let id = &ids["2305.03393v1-pg9.pdf"];
    let doc = settled(&app, user, id).await;
    assert_eq!(doc["status"], "indexed", "{doc}");
    let collection_id = doc["collection_id"].as_str().unwrap().to_owned();
    let analyst = assistant(&app, user, &[&collection_id]).await;

    let r = ask(
        &app,
        user,
        &analyst,
        json!({ "message": "What inference time in seconds does HTML reach?" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let answer = body(r).await;
    let text = answer["answer"].as_str().unwrap();
    // The rows of Table 1 as the PDF prints them, each one line of the page.
    let html_rows = [
        "HTML | 0.969 | 0.927 | 0.955 | 0.857 | 5.39",
        "HTML | 0.952 | 0.909 | 0.938 | 0.843 | 3.77",
        "HTML | 0.945 | 0.901 | 0.931 | 0.834 | 3.81",
        "HTML | 0.944 | 0.903 | 0.931 | 0.824 | 2",
    ];
    assert!(
        html_rows.iter().any(|row| text.contains(row)),
        "the answer quotes an HTML row whole: {text}"
    );
    let citations = answer["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "{answer}");
    for c in citations {
        let excerpt = c["excerpt"].as_str().unwrap();
        // The offsets point at those very characters of the page.
        let index = c["chunk_index"].as_u64().unwrap();
        let chunk = body(
            app.call(
                user,
                Method::GET,
                &format!("/api/v1/documents/{id}/chunks?offset={index}&limit=1"),
            )
            .await,
        )
        .await["items"][0]
            .clone();
        let from = c["char_start"].as_u64().unwrap() - chunk["char_start"].as_u64().unwrap();
        let to = c["char_end"].as_u64().unwrap() - chunk["char_start"].as_u64().unwrap();
        let quoted: String = chunk["text"]
            .as_str()
            .unwrap()
            .chars()
            .skip(from as usize)
            .take((to - from) as usize)
            .collect();
        assert_eq!(quoted, excerpt, "{c}");
        // A whole unit: it starts a line or follows a sentence's end, and
        // ends its line or its sentence.
        let text: Vec<char> = chunk["text"].as_str().unwrap().chars().collect();
        let (from, to) = (from as usize, to as usize);
        let before: String = text[from.saturating_sub(2)..from].iter().collect();
        assert!(
            from == 0 || before.ends_with('\n') || before.trim_end().ends_with(['.', '!', '?']),
            "{excerpt:?} starts a unit (after {before:?})"
        );
        assert!(
            to == text.len() || text[to] == '\n' || excerpt.ends_with(['.', '!', '?']),
            "{excerpt:?} ends a unit"
        );
    }
    assert!(
        citations
            .iter()
            .any(|c| html_rows.contains(&c["excerpt"].as_str().unwrap())),
        "a citation highlights an HTML row: {citations:?}"
    );
}

#[tokio::test]
async fn malformed_chat_requests_get_problem_json() {
    let app = TestApp::start().await;
    app.tenant_of("alice", "Acme").await;
    let a = assistant(&app, "alice", &[]).await;
    for path in [
        format!("/api/v1/chat/{a}"),
        format!("/api/v1/chat/{a}/stream"),
    ] {
        let send = |payload: Value| {
            app.as_user("alice", Method::POST, &path)
                .json(&payload)
                .send()
        };
        problem(send(json!({})).await.unwrap(), 422).await;
        problem(send(json!({ "message": "  " })).await.unwrap(), 422).await;
        problem(
            send(json!({ "message": "x".repeat(4001) })).await.unwrap(),
            422,
        )
        .await;
        problem(
            send(json!({ "message": "hi", "extra": 1 })).await.unwrap(),
            422,
        )
        .await;
        problem(
            send(json!({ "message": "hi", "conversation_id": "nope" }))
                .await
                .unwrap(),
            422,
        )
        .await;
        problem(
            send(json!({ "message": "hi", "conversation_id": uuid::Uuid::new_v4() }))
                .await
                .unwrap(),
            404,
        )
        .await;
        let r = app
            .as_user("alice", Method::POST, &path)
            .header("content-type", "application/json")
            .body("{\"message\": ")
            .send()
            .await
            .unwrap();
        problem(r, 400).await;
    }
    let unknown = uuid::Uuid::new_v4();
    let r = ask(
        &app,
        "alice",
        &unknown.to_string(),
        json!({ "message": "hi" }),
    )
    .await;
    problem(r, 404).await;
    let r = ask(&app, "alice", "not-a-uuid", json!({ "message": "hi" })).await;
    problem(r, 400).await;
    problem(
        app.call(
            "alice",
            Method::GET,
            &format!("/api/v1/chat/{a}/conversations/{unknown}"),
        )
        .await,
        404,
    )
    .await;
    // An assistant without collections answers that it found nothing.
    let (answer, citations, done, _) = streamed(
        ask_stream(
            &app,
            "alice",
            &a,
            json!({ "message": "Where is my contract?" }),
        )
        .await,
    )
    .await;
    assert!(answer.contains("found nothing"), "{answer}");
    assert!(citations.is_empty());
    assert_eq!(done["usage"]["chunks_retrieved"], 0);
}
