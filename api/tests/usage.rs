//! Usage through the API: ingesting and chatting produce exactly the expected
//! ledger lines; the ledger's CSV adds up to `GET /usage`; a rebuilt ledger
//! is byte-identical and a replayed recorder counts nothing twice; quotas
//! refuse the request past the limit — exactly the allowed number of racing
//! requests pass — with a problem naming the quota; roles and tenants are
//! kept apart.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use ancre_domain::usage::{usage_id, Metric, Period, UsageLine};
use ancre_domain::TenantId;
use ancre_testkit::openai::FakeOpenAi;
use ancre_testkit::wait::until;
use chrono::Utc;
use common::{
    assistant, body, collection, corpus, openai_chat, prefill, problem, record_usage, settled,
    upload, TestApp, DEADLINE,
};
use reqwest::Method;
use serde_json::{json, Value};

/// Opens a tenant for `user` (its owner) and returns its id.
async fn tenant_id(app: &TestApp, user: &str) -> String {
    app.tenant_of(user, &format!("{user}'s tenant")).await
}

async fn usage(app: &TestApp, user: &str) -> Value {
    let r = app.call(user, Method::GET, "/api/v1/usage").await;
    assert_eq!(r.status(), 200);
    body(r).await
}

/// Metric → used, from `GET /usage`.
fn metrics(usage: &Value) -> HashMap<String, i64> {
    usage["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["metric"].as_str().unwrap().to_owned(),
                m["used"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn ledger_csv(app: &TestApp, user: &str) -> String {
    let r = app
        .as_user(user, Method::GET, "/api/v1/usage/ledger")
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    r.text().await.unwrap()
}

/// Metric → sum of its quantities in a ledger CSV.
fn csv_totals(csv: &str) -> HashMap<String, i64> {
    let mut totals = HashMap::new();
    for row in csv.lines().skip(1) {
        let fields: Vec<&str> = row.split(',').collect();
        *totals.entry(fields[5].to_owned()).or_default() += fields[6].parse::<i64>().unwrap();
    }
    totals
}

async fn ledger(app: &TestApp, user: &str) -> Vec<Value> {
    let r = app
        .call(user, Method::GET, "/api/v1/usage/ledger?limit=1000")
        .await;
    assert_eq!(r.status(), 200);
    body(r).await["items"].as_array().unwrap().clone()
}

/// `metric` totals `expected` in the tenant's usage aggregate — what the
/// quota checks read, final once the requests have answered — and then, once
/// the counters projector has caught up, in `GET /usage`.
async fn assert_total(app: &TestApp, owner: &str, tenant: &str, metric: Metric, expected: i64) {
    let tenant = TenantId(tenant.parse().unwrap());
    let usage_now = app
        .server
        .state
        .commands
        .load_usage(&usage_id(tenant, Period::of(Utc::now())))
        .await
        .unwrap();
    assert_eq!(
        usage_now.total(metric),
        expected,
        "{metric:?} in the aggregate"
    );
    until(
        &format!("GET /usage to show {expected} {}", metric.as_str()),
        DEADLINE,
        || async { (metrics(&usage(app, owner).await)[metric.as_str()] == expected).then_some(()) },
    )
    .await;
}

async fn ask(app: &TestApp, user: &str, assistant: &str, message: &str) -> reqwest::Response {
    app.as_user(user, Method::POST, &format!("/api/v1/chat/{assistant}"))
        .json(&json!({ "message": message }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn ingesting_and_chatting_produce_exactly_the_expected_ledger_lines() {
    let app = TestApp::start().await;
    let owner = "owner_a";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Handbook").await;
    let pdf = corpus("pdf/project-history.fr.pdf");
    let r = upload(
        &app,
        owner,
        &collection,
        &[("project-history.fr.pdf", pdf.clone())],
    )
    .await;
    assert_eq!(r.status(), 202);
    let document = body(r).await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = settled(&app, owner, &document).await;
    assert_eq!(doc["status"], "indexed", "{doc}");
    let pages = doc["pages"].as_i64().unwrap();
    let chunks = doc["chunks"].as_i64().unwrap();
    let tokens = doc["tokens"].as_i64().unwrap();

    let assistant = assistant(&app, owner, &[&collection]).await;
    let r = ask(&app, owner, &assistant, "Qui a créé Debian ?").await;
    assert_eq!(r.status(), 200);
    let turn = body(r).await;
    let (tokens_in, tokens_out) = (
        turn["usage"]["tokens_in"].as_i64().unwrap(),
        turn["usage"]["tokens_out"].as_i64().unwrap(),
    );
    let conversation = turn["conversation_id"].as_str().unwrap().to_owned();

    // The recorder follows the log: wait until the turn's tokens are in.
    let expected: HashMap<String, i64> = [
        ("documents", 1),
        ("storage_bytes", pdf.len() as i64),
        ("pages_parsed", pages),
        ("chunks_embedded", chunks),
        ("embedding_tokens", tokens),
        ("chat_messages", 1),
        ("llm_tokens_in", tokens_in),
        ("llm_tokens_out", tokens_out),
        // Reserved when the turn started, given back when it was recorded.
        ("llm_tokens_reserved", 0),
    ]
    .into_iter()
    .map(|(m, v)| (m.to_owned(), v))
    .collect();
    // Counters and ledger are two projectors: wait for both.
    let now = until(
        "usage and ledger to show the ingestion and the turn",
        DEADLINE,
        || async {
            let u = usage(&app, owner).await;
            let ledger = csv_totals(&ledger_csv(&app, owner).await);
            (metrics(&u) == expected && ledger == expected).then_some(u)
        },
    )
    .await;
    assert_eq!(now["plan"], "free");
    let quota = |name: &str| {
        now["quotas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["quota"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(quota("documents")["used"], 1);
    assert_eq!(quota("documents")["limit"], 100);
    assert!(quota("documents")["resets_at"].is_null());
    assert_eq!(quota("messages_per_month")["used"], 1);
    assert_eq!(quota("messages_per_month")["resets_at"], now["resets_at"]);
    assert_eq!(
        quota("llm_tokens_per_month")["used"],
        tokens_in + tokens_out
    );

    // Line by line: what, how much, which cause, who, on what.
    let lines = ledger(&app, owner).await;
    let line = |metric: &str| -> Vec<Value> {
        lines
            .iter()
            .filter(|l| l["metric"] == metric)
            .cloned()
            .collect()
    };
    let user_actor = format!("user:{owner}");
    for metric in ["documents", "storage_bytes"] {
        let l = line(metric);
        assert_eq!(l.len(), 1, "{metric}: {l:?}");
        assert_eq!(l[0]["actor"], user_actor.as_str());
        assert_eq!(l[0]["document_id"], document.as_str());
        assert!(l[0]["cause"].as_str().unwrap().starts_with("request:"));
        assert!(l[0]["key"].as_str().unwrap().starts_with("upload:"));
    }
    for (metric, quantity, cause) in [
        // Charged by the parse stage, under the quota, before embedding.
        ("pages_parsed", pages, "job:"),
        ("chunks_embedded", chunks, "event:"),
        ("embedding_tokens", tokens, "event:"),
    ] {
        let l = line(metric);
        assert_eq!(l.len(), 1, "{metric}: {l:?}");
        assert_eq!(l[0]["quantity"], quantity);
        assert_eq!(l[0]["document_id"], document.as_str());
        assert!(
            l[0]["cause"].as_str().unwrap().starts_with(cause),
            "{}",
            l[0]
        );
        // The pipeline worked for the user who uploaded.
        assert_eq!(l[0]["actor"], "system:pipeline", "{}", l[0]);
    }
    let message = line("chat_messages");
    assert_eq!(message.len(), 1);
    assert_eq!(message[0]["assistant_id"], assistant.as_str());
    assert_eq!(message[0]["conversation_id"], conversation.as_str());
    assert_eq!(message[0]["actor"], user_actor.as_str());
    for metric in ["llm_tokens_in", "llm_tokens_out"] {
        let l = line(metric);
        assert_eq!(l.len(), 1, "{metric}");
        assert_eq!(l[0]["assistant_id"], assistant.as_str());
        assert_eq!(l[0]["conversation_id"], conversation.as_str());
    }
    // The turn's tokens were reserved with its message, and given back once
    // the turn was recorded, under the key of the turn's release.
    let reserved = line("llm_tokens_reserved");
    assert_eq!(reserved.len(), 2, "{reserved:?}");
    assert!(reserved[0]["quantity"].as_i64().unwrap() >= tokens_in + tokens_out);
    assert_eq!(reserved[0]["key"], message[0]["key"]);
    assert_eq!(
        reserved[1]["quantity"].as_i64().unwrap(),
        -reserved[0]["quantity"].as_i64().unwrap()
    );
    let turn = message[0]["key"]
        .as_str()
        .unwrap()
        .strip_suffix(":message")
        .unwrap();
    assert_eq!(reserved[1]["key"], format!("{turn}:tokens-released"));
    assert_eq!(lines.len(), 10, "{lines:#?}");
    // Paginated in the order recorded.
    let page = body(
        app.call(owner, Method::GET, "/api/v1/usage/ledger?limit=3&offset=3")
            .await,
    )
    .await;
    assert_eq!(page["total"], 10);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["metric"], lines[3]["metric"]);
    assert_eq!(items[2]["key"], lines[5]["key"]);

    // History: today's usage, per metric, in the current period.
    let history = body(app.call(owner, Method::GET, "/api/v1/usage/history").await).await;
    let current = history["periods"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(current["period"], Period::of(Utc::now()).to_string());
    assert_eq!(current["metrics"]["chat_messages"], 1);
    assert_eq!(current["metrics"]["pages_parsed"], pages);
    let days = current["days"].as_array().unwrap();
    let today: i64 = days
        .iter()
        .map(|d| d["metrics"]["embedding_tokens"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(today, tokens);

    // The CSV adds up to GET /usage, metric by metric.
    let csv = ledger_csv(&app, owner).await;
    assert_eq!(csv_totals(&csv), expected);

    // Rebuilt from the log, the ledger is byte-identical and the counters equal.
    for name in ["usage_ledger", "usage_counters"] {
        let projector = ancre_projections::projectors::by_name(name).unwrap();
        ancre_projections::rebuild::rebuild(&app.server.state.pool, projector.as_ref(), 1000)
            .await
            .unwrap();
    }
    assert_eq!(ledger_csv(&app, owner).await, csv);
    assert_eq!(metrics(&usage(&app, owner).await), expected);

    // The recorder replayed from the start (a crash before its checkpoint,
    // at worst) records nothing twice.
    let recorder = ancre_usage::recorder::UsageRecorder::new(app.server.state.commands.clone());
    ancre_projections::rebuild::rebuild(&app.server.state.pool, &recorder, 1000)
        .await
        .unwrap();
    for name in ["usage_ledger", "usage_counters"] {
        let projector = ancre_projections::projectors::by_name(name).unwrap();
        ancre_projections::rebuild::rebuild(&app.server.state.pool, projector.as_ref(), 1000)
            .await
            .unwrap();
    }
    assert_eq!(ledger_csv(&app, owner).await, csv);
    assert_eq!(metrics(&usage(&app, owner).await), expected);

    // Deleting the document gives its storage back; pages stay used.
    let r = app
        .call(
            owner,
            Method::DELETE,
            &format!("/api/v1/documents/{document}"),
        )
        .await;
    assert!(r.status().is_success());
    let after = until(
        "the deletion to reach usage and ledger",
        DEADLINE,
        || async {
            let m = metrics(&usage(&app, owner).await);
            let ledger = csv_totals(&ledger_csv(&app, owner).await);
            (m["documents"] == 0 && ledger == m).then_some(m)
        },
    )
    .await;
    assert_eq!(after["storage_bytes"], 0);
    assert_eq!(after["pages_parsed"], pages);

    // Another tenant sees none of it.
    assert_ne!(tenant_id(&app, "owner_b").await, tenant);
    let other = metrics(&usage(&app, "owner_b").await);
    assert!(other.values().all(|v| *v == 0), "{other:?}");
    assert!(ledger(&app, "owner_b").await.is_empty());
}

#[tokio::test]
async fn racing_chat_messages_at_the_limit_pass_exactly_as_many_as_are_left() {
    let app = TestApp::start().await;
    let owner = "owner_q";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Empty").await;
    let assistant = assistant(&app, owner, &[&collection]).await;
    // The Free plan answers 300 messages a month: 2 are left.
    prefill(&app, &tenant, Metric::ChatMessages, 298).await;
    let questions: Vec<String> = (0..6).map(|i| format!("Question {i}?")).collect();
    let answers =
        futures::future::join_all(questions.iter().map(|q| ask(&app, owner, &assistant, q))).await;
    let mut passed = 0;
    for r in answers {
        match r.status().as_u16() {
            200 => passed += 1,
            429 => {
                let retry: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry >= 1);
                let p = problem(r, 429).await;
                assert_eq!(p["quota"], "messages_per_month");
                assert_eq!(p["limit"], 300);
                assert_eq!(p["used"], 300);
                assert_eq!(p["plan"], "free");
                assert!(p["resets_at"].as_str().unwrap().starts_with(
                    &Period::of(Utc::now())
                        .ends_at()
                        .format("%Y-%m-%d")
                        .to_string()
                ));
                assert!(p["detail"].as_str().unwrap().contains("messages_per_month"));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(passed, 2);
    // Refused requests did no work and charged nothing.
    let conversations = body(
        app.call(
            owner,
            Method::GET,
            &format!("/api/v1/chat/{assistant}/conversations"),
        )
        .await,
    )
    .await;
    assert_eq!(conversations["total"], 2, "{conversations}");
    assert_total(&app, owner, &tenant, Metric::ChatMessages, 300).await;
    // The ledger is a read model: wait for the entries the answers charged,
    // then check there are no more.
    let messages = || async {
        ledger(&app, owner)
            .await
            .into_iter()
            .filter(|l| l["metric"] == "chat_messages")
            .count()
    };
    until(
        "the ledger to show 3 chat_messages entries",
        DEADLINE,
        || async { (messages().await >= 3).then_some(()) },
    )
    .await;
    assert_eq!(messages().await, 3, "the prefill and the two answered");
}

#[tokio::test]
async fn racing_uploads_at_the_document_limit_store_exactly_as_many_as_are_left() {
    let app = TestApp::start().await;
    let owner = "owner_d";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Full").await;
    prefill(&app, &tenant, Metric::Documents, 98).await;
    let uploads = futures::future::join_all((0..5).map(|i| {
        let file = (
            "note.txt",
            format!("Note number {i}: the racing uploads test.").into_bytes(),
        );
        let (app, collection) = (&app, &collection);
        async move { upload(app, owner, collection, &[file]).await }
    }))
    .await;
    let mut queued = 0;
    for r in uploads {
        match r.status().as_u16() {
            202 => queued += 1,
            402 => {
                assert!(r.headers().get("retry-after").is_none());
                let p = problem(r, 402).await;
                assert_eq!(p["quota"], "documents");
                assert_eq!(p["limit"], 100);
                assert!(p["resets_at"].is_null());
                assert!(p["detail"].as_str().unwrap().contains("upgrade"), "{p}");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(queued, 2);
    let documents = body(app.call(owner, Method::GET, "/api/v1/documents").await).await;
    assert_eq!(documents["total"], 2, "refused uploads stored nothing");
    assert_total(&app, owner, &tenant, Metric::Documents, 100).await;
}

#[tokio::test]
async fn usage_is_for_owners_and_billing_and_bad_queries_are_problems() {
    let app = TestApp::start().await;
    let owner = "owner_r";
    let tenant = tenant_id(&app, owner).await;
    for (user, role) in [("finance", "billing"), ("staff", "member")] {
        app.join(owner, &tenant, user, role).await;
    }
    for path in [
        "/api/v1/usage",
        "/api/v1/usage/history",
        "/api/v1/usage/ledger",
    ] {
        let as_finance = app
            .as_user("finance", Method::GET, path)
            .header("x-ancre-tenant", &tenant)
            .send()
            .await
            .unwrap();
        assert_eq!(as_finance.status(), 200, "{path}");
        let as_member = app
            .as_user("staff", Method::GET, path)
            .header("x-ancre-tenant", &tenant)
            .send()
            .await
            .unwrap();
        problem(as_member, 403).await;
    }
    for path in [
        "/api/v1/usage/ledger?period=2026-13",
        "/api/v1/usage/ledger?limit=0",
        "/api/v1/usage/history?from=2027-01&to=2026-01",
        "/api/v1/usage/history?from=2020-01&to=2026-12",
    ] {
        problem(app.call(owner, Method::GET, path).await, 422).await;
    }
    problem(
        app.call(owner, Method::GET, "/api/v1/usage/ledger?colour=blue")
            .await,
        400,
    )
    .await;

    // History: every period of the span, the current one with its days.
    let h = body(app.call(owner, Method::GET, "/api/v1/usage/history").await).await;
    let periods = h["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 12);
    assert_eq!(
        periods.last().unwrap()["period"],
        Period::of(Utc::now()).to_string()
    );
}

/// Waits until the tenant has no chat-model token reserved (every turn
/// recorded and settled); returns the aggregate's tokens used in and out.
async fn settled_tokens(app: &TestApp, tenant: &str) -> i64 {
    let tenant = TenantId(tenant.parse().unwrap());
    until(
        "the turns' reservations to be settled",
        DEADLINE,
        || async {
            let usage = app
                .server
                .state
                .commands
                .load_usage(&usage_id(tenant, Period::of(Utc::now())))
                .await
                .unwrap();
            (usage.total(Metric::LlmTokensReserved) == 0)
                .then(|| usage.total(Metric::LlmTokensIn) + usage.total(Metric::LlmTokensOut))
        },
    )
    .await
}

#[tokio::test]
async fn racing_chat_turns_cannot_pass_the_token_quota_together() {
    // Turns that last (a model answering in three pieces a second apart), so
    // that racing requests are charged while the first is still in flight.
    let fake = FakeOpenAi::start(8).await;
    fake.script_answer(&["Built ", "in 1863 ", "[1]."], Duration::from_secs(1));
    let chat = openai_chat(&fake, &[], 500);
    let app = TestApp::start_with(|c| c.chat = Some(chat)).await;
    let owner = "owner_t";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Lighthouse").await;
    let note = b"The lighthouse was built in 1863 on the northern cape.".to_vec();
    let r = upload(&app, owner, &collection, &[("note.txt", note)]).await;
    let id = body(r).await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(settled(&app, owner, &id).await["status"], "indexed");
    let assistant = assistant(&app, owner, &[&collection]).await;
    // One turn, to learn what a turn on this assistant reserves.
    let question = "When was the lighthouse built?";
    assert_eq!(ask(&app, owner, &assistant, question).await.status(), 200);
    let used = settled_tokens(&app, &tenant).await;
    let reserve = ledger(&app, owner)
        .await
        .into_iter()
        .find(|l| l["metric"] == "llm_tokens_reserved")
        .expect("a reservation line")["quantity"]
        .as_i64()
        .unwrap();
    assert!(
        reserve > used + 500,
        "the reservation bounds the prompt and the answer's cap"
    );
    // Room for one reservation and a half: one of the racing turns may
    // start, the others are refused before any work.
    let limit = 300_000;
    prefill(
        &app,
        &tenant,
        Metric::LlmTokensIn,
        limit - used - reserve - reserve / 2,
    )
    .await;
    let asked = fake.chat_requests().len();
    let answers =
        futures::future::join_all((0..4).map(|_| ask(&app, owner, &assistant, question))).await;
    let mut passed = 0;
    for r in answers {
        match r.status().as_u16() {
            200 => passed += 1,
            429 => {
                let p = problem(r, 429).await;
                assert_eq!(p["quota"], "llm_tokens_per_month", "{p}");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(passed, 1);
    assert_eq!(
        fake.chat_requests().len(),
        asked + 1,
        "refused turns asked nothing"
    );
    // Settled: what was used stays within the quota, nothing stays reserved.
    let total = settled_tokens(&app, &tenant).await;
    assert!(total <= limit, "{total} tokens used of {limit}");
}

#[tokio::test]
async fn a_document_that_would_pass_the_page_quota_fails_and_charges_nothing() {
    let app = TestApp::start().await;
    let owner = "owner_p";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Pages").await;
    // The Free plan reads 1 000 pages a month: 1 is left.
    prefill(&app, &tenant, Metric::PagesParsed, 999).await;
    let files: Vec<(&str, Vec<u8>)> = (0..3)
        .map(|i| {
            (
                "note.txt",
                format!("Page quota note {i}: one page of text.").into_bytes(),
            )
        })
        .collect();
    let uploads = futures::future::join_all(
        files
            .iter()
            .map(|file| upload(&app, owner, &collection, std::slice::from_ref(file))),
    )
    .await;
    let mut ids = vec![];
    for r in uploads {
        assert_eq!(r.status(), 202, "uploads pass: a page remains");
        ids.push(
            body(r).await["documents"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut indexed = 0;
    for id in &ids {
        let doc = settled(&app, owner, id).await;
        match doc["status"].as_str().unwrap() {
            "indexed" => indexed += 1,
            "failed" => {
                let reason = doc["failure"]["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(reason.contains("page quota"), "{doc}");
                assert_eq!(doc["failure"]["stage"], "parse", "{doc}");
            }
            other => panic!("{other}: {doc}"),
        }
    }
    assert_eq!(indexed, 1, "one page was left");
    assert_total(&app, owner, &tenant, Metric::PagesParsed, 1000).await;
}

#[tokio::test]
async fn a_turn_that_never_ended_gives_its_tokens_back_once() {
    let app = TestApp::start_with(|c| c.token_reservation_expiry = Duration::from_secs(1)).await;
    let owner = "owner_z";
    let tenant = tenant_id(&app, owner).await;
    let collection = collection(&app, owner, "Empty").await;
    let assistant = assistant(&app, owner, &[&collection]).await;
    // A turn that ends: released by the recorder, and never again by the sweeper.
    assert_eq!(
        ask(&app, owner, &assistant, "Question?").await.status(),
        200
    );
    settled_tokens(&app, &tenant).await;
    // A turn whose process died after charging it: its message and
    // reservation are in the period, and nothing will record the turn.
    let turn = ancre_domain::conversation::TurnId(uuid::Uuid::new_v4());
    let reservation = vec![
        UsageLine {
            metric: Metric::ChatMessages,
            quantity: 1,
        },
        UsageLine {
            metric: Metric::LlmTokensReserved,
            quantity: 7_000,
        },
    ];
    record_usage(&app, &tenant, ancre_usage::keys::message(turn), reservation).await;
    // Given back after the expiry, by the sweeper, once.
    settled_tokens(&app, &tenant).await;
    let releases: Vec<Value> = until("the ledger to show the release", DEADLINE, || async {
        let lines: Vec<Value> = ledger(&app, owner)
            .await
            .into_iter()
            .filter(|l| l["metric"] == "llm_tokens_reserved" && l["quantity"].as_i64().unwrap() < 0)
            .collect();
        (lines.len() == 2).then_some(lines)
    })
    .await;
    let swept = releases
        .iter()
        .find(|l| l["key"] == ancre_usage::keys::tokens_released(turn))
        .expect("the abandoned turn's release");
    assert_eq!(swept["quantity"], -7_000);
    assert_eq!(swept["actor"], "system:usage-sweeper");
    let reserved: i64 = ledger(&app, owner)
        .await
        .iter()
        .filter(|l| l["metric"] == "llm_tokens_reserved")
        .map(|l| l["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(reserved, 0, "every reservation given back exactly once");
}
